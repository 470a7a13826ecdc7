using BenchmarkDotNet.Attributes;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Benchmarks;

/// <summary>
/// One thread, three reference-count policies: what --no-gil's instrumentation
/// and --free-threaded's biased counts and per-object locks cost a program
/// that never starts a thread. Each mode is a case of its own, so each runs in
/// its own process (the policy is chosen once per process).
/// </summary>
[MemoryDiagnoser]
public class ModeBenchmarks
{
    private const int N = 10_000;

    // The VM suite's loops and the fib module, run under each policy.
    private static readonly string Source = VmBenchmarks.Source + "\n" + FibBenchmark.Source;

    [Params(ThreadMode.Gil, ThreadMode.FreeThreaded, ThreadMode.NoGil)]
    public ThreadMode Mode;

    private ToyPyFixture _fx = null!;
    private PyObject _fib = null!, _methodLoop = null!, _containerLoop = null!;
    private PyObject _twenty = null!, _n = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fx = new ToyPyFixture(Source, mode: Mode);
        _fib = _fx.Global("fib");
        _methodLoop = _fx.Global("method_loop");
        _containerLoop = _fx.Global("dict_loop");
        _twenty = PyInt.FromLong(20);
        _n = PyInt.FromLong(N);
        if (_fx.CallInt(_fib, _twenty) != 6765) throw new InvalidOperationException("fib(20) != 6765");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fx.Report($"{nameof(ModeBenchmarks)} ({Mode})");
        _twenty.Decref();
        _n.Decref();
    }

    [Benchmark, PyOps(21_891)]
    public long Fib20()
    {
        _fx.EnsureAttached();
        return _fx.CallInt(_fib, _twenty);
    }

    [Benchmark, PyOps(N, "iter")]
    public long MethodLoop()
    {
        _fx.EnsureAttached();
        return _fx.CallInt(_methodLoop, _n);
    }

    [Benchmark, PyOps(N, "iter")]
    public long DictLoop()
    {
        _fx.EnsureAttached();
        return _fx.CallInt(_containerLoop, _n);
    }
}
