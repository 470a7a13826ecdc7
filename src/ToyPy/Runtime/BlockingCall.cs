using System.Diagnostics;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The one path every blocking call takes (Py_BEGIN_ALLOW_THREADS /
/// Py_END_ALLOW_THREADS): the GIL is dropped before the wait and taken again
/// after, so other threads run bytecode meanwhile. The wait itself must not
/// touch any Python object or reference count: convert arguments to .NET
/// values before, build Python results after.
/// </summary>
public static class BlockingCall
{
    public static void Run(PyThreadState ts, Action wait)
    {
        var gil = ts.Interp.Mode == ThreadMode.Gil ? ts.Interp.Gil : null;
        if (gil is null) { wait(); return; }
        long start = Begin(gil, ts);
        try { wait(); }
        finally { End(gil, ts, start); }
    }

    public static T Run<T>(PyThreadState ts, Func<T> wait)
    {
        var gil = ts.Interp.Mode == ThreadMode.Gil ? ts.Interp.Gil : null;
        if (gil is null) return wait();
        long start = Begin(gil, ts);
        try { return wait(); }
        finally { End(gil, ts, start); }
    }

    private static long Begin(Gil gil, PyThreadState ts)
    {
        gil.Drop(ts, GilDropReason.BlockingCall);
        return Stopwatch.GetTimestamp();
    }

    private static void End(Gil gil, PyThreadState ts, long start)
    {
        long end = Stopwatch.GetTimestamp();
        ts.Stats.IoTicks += end - start;
        if (gil.Tracing) ts.Stats.AddEvent(GilEventKind.Io, start, end);
        gil.Take(ts);
    }
}
