using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Benchmarks;

/// <summary>
/// One interpreter with __main__ already run: set up once per benchmark class
/// (in [GlobalSetup]); functions are looked up in __main__ and called from the
/// benchmark methods through Ops.Call*.
/// </summary>
public sealed class ToyPyFixture
{
    public readonly Interpreter Interp;
    public readonly Host Host;
    public readonly int SetupThreadId;
    /// <summary>How often a benchmark method found itself on a thread without the main thread state.</summary>
    public int Reattached;

    /// <param name="mode">The thread mode; anything but the GIL switches the process's reference-count policy for good, so a benchmark case with another mode must run in its own process (BenchmarkDotNet's default).</param>
    public ToyPyFixture(string source, string filename = "bench.tpy", ThreadMode mode = ThreadMode.Gil)
    {
        Interp = new Interpreter(Stream.Null, Stream.Null) { Mode = mode };
        Interp.ApplyThreadMode();
        Host = new Host(Interp);             // attaches the main thread state to this thread
        SetupThreadId = Environment.CurrentManagedThreadId;
        int status = Host.ExecMain(source, filename); // no shutdown: __main__'s functions stay callable
        if (status != 0) throw new InvalidOperationException($"{filename} exited with status {status}");
    }

    /// <summary>A module-level object of __main__ (borrowed).</summary>
    public PyObject Global(string name) =>
        Interp.MainModule!.Dict.GetItemString(name) ?? throw new InvalidOperationException($"__main__ has no {name}");

    /// <summary>
    /// Make sure this thread runs with the main thread state. BenchmarkDotNet's
    /// in-process engine runs [GlobalSetup] and the workload on the same thread
    /// (checked: Reattached stays 0 and is printed by Report), so this is one
    /// thread-static read per invocation.
    /// </summary>
    public void EnsureAttached()
    {
        if (PyThreadState.CurrentOrNull != Host.MainThread)
        {
            Host.MainThread.Attach();
            Reattached++;
        }
    }

    /// <summary>Call fn(arg) and answer the int result (the reference is released).</summary>
    public long CallInt(PyObject fn, PyObject arg)
    {
        var r = Ops.Call1(fn, arg);
        try { return r is PyInt i && !i.IsBig ? i.Value : -1; }
        finally { r.Decref(); }
    }

    public void Report(string what) =>
        Console.WriteLine($"// {what}: setup on thread {SetupThreadId}, cleanup on thread {Environment.CurrentManagedThreadId}, " +
                          $"re-attached {Reattached} time(s)");
}
