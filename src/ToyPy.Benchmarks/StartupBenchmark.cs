using BenchmarkDotNet.Attributes;
using ToyPy.Runtime;

namespace ToyPy.Benchmarks;

/// <summary>
/// In-process start-up: a new Interpreter and Host (builtins, sys) and running
/// `pass` as __main__ — the part of `toypy -c pass` that is ToyPy's own work
/// rather than the .NET runtime's.
/// </summary>
[MemoryDiagnoser]
public class StartupBenchmark
{
    private Host? _previous;

    [Benchmark]
    public int NewInterpreterRunPass()
    {
        var interp = new Interpreter(Stream.Null, Stream.Null);
        var host = new Host(interp);
        _previous = host;
        return host.RunMain("pass", "<string>");
    }

    [GlobalCleanup]
    public void Cleanup() => GC.KeepAlive(_previous);
}
