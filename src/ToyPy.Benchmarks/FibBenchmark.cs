using BenchmarkDotNet.Attributes;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Benchmarks;

/// <summary>
/// Recursive fib through the VM: Python-to-Python calls, LOAD_GLOBAL, small-int
/// arithmetic and compares. fib(20) makes 21,891 calls (2·fib(21) − 1).
/// </summary>
[MemoryDiagnoser]
public class FibBenchmark
{
    public const string Source = """
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)

        result = fib(20)
        """;

    private const long CallsFib20 = 21_891;

    private ToyPyFixture _fx = null!;
    private PyObject _fib = null!;
    private PyObject _twenty = null!;
    private CodeObject _module = null!;
    private PyDict _moduleDict = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fx = new ToyPyFixture(Source);
        _fib = _fx.Global("fib").NewRef();
        _twenty = PyInt.FromLong(20);
        if (_fx.CallInt(_fib, _twenty) != 6765) throw new InvalidOperationException("fib(20) != 6765");
        _module = _fx.Interp.Compile(Source, "bench_module.tpy");
        _moduleDict = new PyDict();
        _moduleDict.SetItemString("__builtins__", _fx.Interp.BuiltinsDict);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fx.Report(nameof(FibBenchmark));
        _fib.Decref();
        _twenty.Decref();
        _module.Decref();
        _moduleDict.Decref();
    }

    /// <summary>fib(20) called from the host: one Ops.Call1 and 21,890 calls inside the VM.</summary>
    [Benchmark(Baseline = true)]
    [PyOps(CallsFib20)]
    public long Fib20Call()
    {
        _fx.EnsureAttached();
        return _fx.CallInt(_fib, _twenty);
    }

    /// <summary>The whole module, compiled once: MAKE_FUNCTION, STORE_NAME and fib(20).</summary>
    [Benchmark]
    [PyOps(CallsFib20)]
    public void Fib20Module()
    {
        _fx.EnsureAttached();
        _fx.Host.MainThread.RunModuleCode(_module, _moduleDict).Decref();
    }

    /// <summary>Lexing, parsing and compiling the fib module (no run).</summary>
    [Benchmark]
    public void CompileFibModule()
    {
        _fx.Interp.Compile(Source, "bench_compile.tpy").Decref();
    }
}
