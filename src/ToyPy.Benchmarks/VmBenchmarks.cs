using BenchmarkDotNet.Attributes;
using ToyPy.Objects;

namespace ToyPy.Benchmarks;

/// <summary>
/// Per-operation costs of the dispatch loop: each Python function runs a loop
/// of N iterations, so ns/py op is the cost of one iteration (loop overhead
/// included) and B/py op the managed allocation per iteration (ideally 0).
/// </summary>
[MemoryDiagnoser]
public class VmBenchmarks
{
    private const int N = 10_000;

    public const string Source = """
        def int_loop(n):
            total = 0
            i = 0
            while i < n:
                total += (i * 7 + 3) % 11
                i += 1
            return total

        def float_loop(n):
            x = 0.0
            for i in range(n):
                x = x * 0.5 + i / 3.0
            return int(x)

        def empty(x):
            return x

        def call_loop(n):
            for i in range(n):
                empty(i)
            return n

        class Point:
            def __init__(self, x, y):
                self.x = x
                self.y = y

            def norm1(self):
                return self.x + self.y

        def method_loop(n):
            p = Point(1, 2)
            t = 0
            for i in range(n):
                t += p.norm1()
                p.x = i & 7
            return t

        def alloc_loop(n):
            t = 0
            for i in range(n):
                p = Point(i, 1)
                t += p.x
            return t

        def make_counter():
            c = 0
            def incr():
                nonlocal c
                c += 1
                return c
            return incr

        def closure_loop(n):
            f = make_counter()
            for i in range(n):
                f()
            return f() - 1

        def fstring_loop(n):
            t = 0
            for i in range(n):
                t += len(f"{i}:{i * 2}")
            return t

        def gen(n):
            i = 0
            while i < n:
                yield i
                i += 1

        def generator_loop(n):
            t = 0
            for v in gen(n):
                t += v
            return t

        def dict_loop(n):
            d = {}
            for i in range(n):
                d[i & 255] = i
            t = 0
            for k in d:
                t += d[k]
            return t
        """;

    private ToyPyFixture _fx = null!;
    private PyObject _n = null!;
    private PyObject _intLoop = null!, _floatLoop = null!, _callLoop = null!, _methodLoop = null!, _allocLoop = null!,
        _closureLoop = null!, _fstringLoop = null!, _generatorLoop = null!, _dictLoop = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fx = new ToyPyFixture(Source);
        _n = PyInt.FromLong(N);
        _intLoop = _fx.Global("int_loop");
        _floatLoop = _fx.Global("float_loop");
        _callLoop = _fx.Global("call_loop");
        _methodLoop = _fx.Global("method_loop");
        _allocLoop = _fx.Global("alloc_loop");
        _closureLoop = _fx.Global("closure_loop");
        _fstringLoop = _fx.Global("fstring_loop");
        _generatorLoop = _fx.Global("generator_loop");
        _dictLoop = _fx.Global("dict_loop");
        if (_fx.CallInt(_closureLoop, _n) != N) throw new InvalidOperationException("closure_loop");
        if (_fx.CallInt(_generatorLoop, _n) != (long)N * (N - 1) / 2) throw new InvalidOperationException("generator_loop");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fx.Report(nameof(VmBenchmarks));
        _n.Decref();
    }

    private long Run(PyObject fn)
    {
        _fx.EnsureAttached();
        return _fx.CallInt(fn, _n);
    }

    [Benchmark, PyOps(N, "iter")] public long IntWhileLoop() => Run(_intLoop);
    [Benchmark, PyOps(N, "iter")] public long FloatForLoop() => Run(_floatLoop);
    [Benchmark, PyOps(N, "call")] public long CallEmptyFunction() => Run(_callLoop);
    [Benchmark, PyOps(N, "iter")] public long MethodCallAndAttrStore() => Run(_methodLoop);
    [Benchmark, PyOps(N, "inst")] public long InstantiateClass() => Run(_allocLoop);
    [Benchmark, PyOps(N, "call")] public long ClosureNonlocal() => Run(_closureLoop);
    [Benchmark, PyOps(N, "iter")] public long FString() => Run(_fstringLoop);
    [Benchmark, PyOps(N, "yield")] public long GeneratorYield() => Run(_generatorLoop);
    [Benchmark, PyOps(N, "iter")] public long DictSetItem() => Run(_dictLoop);
}
