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

    public const string Source = """
        def fib(n):
            if n < 2:
                return n
            return fib(n - 1) + fib(n - 2)

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

        def container_loop(n):
            d = {}
            l = []
            for i in range(n):
                d[i & 255] = i
                l.append(i)
                if len(l) > 64:
                    l.pop()
            t = 0
            for k in d:
                t += d[k]
            return t + len(l)
        """;

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
        _containerLoop = _fx.Global("container_loop");
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
    public long ContainerLoop()
    {
        _fx.EnsureAttached();
        return _fx.CallInt(_containerLoop, _n);
    }
}
