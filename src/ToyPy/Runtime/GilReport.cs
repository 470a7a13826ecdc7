using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ToyPy.Runtime;

/// <summary>
/// What the GIL did, per thread, for `toypy --gil-stats` (a table at exit)
/// and `toypy --gil-trace FILE` (Chrome's trace event format, for Perfetto or
/// chrome://tracing: one complete event per hold, wait and I/O interval).
/// </summary>
public static class GilReport
{
    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>Every thread that ran: finished ones first (in the order they ended), then the live ones.</summary>
    private static List<PyThreadState> AllThreads(Interpreter interp)
    {
        var all = new List<PyThreadState>();
        lock (interp.FinishedThreads) all.AddRange(interp.FinishedThreads);
        foreach (var ts in interp.Threads()) if (!all.Contains(ts)) all.Add(ts);
        all.Sort((a, b) => a.Stats.Started.CompareTo(b.Stats.Started));
        return all;
    }

    /// <summary>The calling thread holds the GIL at exit: count its current hold up to now.</summary>
    private static long HoldTicksNow(PyThreadState ts, PyThreadState current, long now) =>
        ts.Stats.HoldTicks + (ReferenceEquals(ts, current) && ts.Stats.Acquisitions > 0 ? now - ts.Stats.HoldStart : 0);

    public static string FormatStats(Interpreter interp, PyThreadState current)
    {
        long now = Stopwatch.GetTimestamp();
        var threads = AllThreads(interp);
        long start = threads.Count > 0 ? threads.Min(t => t.Stats.Started) : now;
        double wall = Seconds(now - start);
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        if (interp.Mode == ThreadMode.FreeThreaded) return FormatFreeThreaded(threads, wall, sb);
        if (interp.Mode == ThreadMode.Gil)
            sb.Append(inv, $"GIL statistics: {threads.Count} thread(s), {wall:F3} s wall, switch interval {interp.SwitchInterval * 1000:F1} ms\n");
        else
            sb.Append(inv, $"GIL statistics: no GIL in this mode (threads ran in parallel): {threads.Count} thread(s), {wall:F3} s wall\n");
        sb.Append(inv, $"{"thread",-28} {"held s",9} {"waited s",9} {"in I/O s",9} {"acquired",9} {"dropped on request",19} {"released for I/O",17} {"switches/s",11}\n");
        long held = 0, waited = 0, io = 0, acq = 0, drops = 0, ioRel = 0, switches = 0;
        foreach (var ts in threads)
        {
            var s = ts.Stats;
            long h = HoldTicksNow(ts, current, now);
            double life = Seconds((s.Ended != 0 ? s.Ended : now) - s.Started);
            double rate = life > 0 ? s.Switches / life : 0;
            string name = ts.Name.Length > 28 ? ts.Name[..27] + "…" : ts.Name;
            sb.Append(inv, $"{name,-28} {Seconds(h),9:F3} {Seconds(s.WaitTicks),9:F3} {Seconds(s.IoTicks),9:F3} {s.Acquisitions,9} {s.DropsOnRequest,19} {s.IoReleases,17} {rate,11:F1}\n");
            held += h; waited += s.WaitTicks; io += s.IoTicks; acq += s.Acquisitions;
            drops += s.DropsOnRequest; ioRel += s.IoReleases; switches += s.Switches;
        }
        double totalRate = wall > 0 ? switches / wall : 0;
        sb.Append(inv, $"{"total",-28} {Seconds(held),9:F3} {Seconds(waited),9:F3} {Seconds(io),9:F3} {acq,9} {drops,19} {ioRel,17} {totalRate,11:F1}\n");
        return sb.ToString();
    }

    /// <summary>
    /// --free-threaded has no lock to account for; what is worth seeing is how
    /// rarely biased reference counting leaves the owner's plain ++/--: updates
    /// by other threads (atomic), objects handed back to their owner, merges.
    /// </summary>
    private static string FormatFreeThreaded(List<PyThreadState> threads, double wall, StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"GIL statistics: no GIL (free-threaded: biased reference counts): {threads.Count} thread(s), {wall:F3} s wall\n");
        sb.Append(inv, $"{"thread",-28} {"alive s",9} {"shared increfs",15} {"shared decrefs",15} {"queued to owner",16} {"merged here",12}\n");
        long inc = 0, dec = 0, queued = 0, merged = 0;
        long now = Stopwatch.GetTimestamp();
        foreach (var ts in threads)
        {
            var s = ts.Stats;
            string name = ts.Name.Length > 28 ? ts.Name[..27] + "…" : ts.Name;
            double life = Seconds((s.Ended != 0 ? s.Ended : now) - s.Started);
            sb.Append(inv, $"{name,-28} {life,9:F3} {s.SharedIncrefs,15} {s.SharedDecrefs,15} {s.Queued,16} {s.Merged,12}\n");
            inc += s.SharedIncrefs; dec += s.SharedDecrefs; queued += s.Queued; merged += s.Merged;
        }
        sb.Append(inv, $"{"total",-28} {"",9} {inc,15} {dec,15} {queued,16} {merged,12}\n");
        return sb.ToString();
    }

    /// <summary>The trace as Chrome trace event JSON: M events name the threads, X events are intervals (µs).</summary>
    public static string FormatTrace(Interpreter interp, PyThreadState current)
    {
        long now = Stopwatch.GetTimestamp();
        var threads = AllThreads(interp);
        long origin = threads.Count > 0 ? threads.Min(t => t.Stats.Started) : now;
        int pid = Environment.ProcessId;
        var inv = CultureInfo.InvariantCulture;
        double Micros(long ticks) => (ticks - origin) * 1e6 / Stopwatch.Frequency;
        var sb = new StringBuilder();
        sb.Append("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
        bool first = true;
        void Event(string json)
        {
            if (!first) sb.Append(",\n");
            first = false;
            sb.Append(json);
        }
        foreach (var ts in threads)
        {
            long tid = ts.NativeId;
            Event($"{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":{JsonString(ts.Name)}}}}}");
            var events = new List<GilEvent>(ts.Stats.Events ?? new List<GilEvent>());
            if (ReferenceEquals(ts, current) && ts.Stats.Acquisitions > 0) events.Add(new GilEvent(GilEventKind.Hold, ts.Stats.HoldStart, now));
            foreach (var e in events)
            {
                string name = e.Kind switch { GilEventKind.Hold => "holds GIL", GilEventKind.Wait => "waits for GIL", _ => "blocking call (GIL released)" };
                string cat = e.Kind switch { GilEventKind.Hold => "hold", GilEventKind.Wait => "wait", _ => "io" };
                Event(string.Create(inv, $"{{\"name\":\"{name}\",\"cat\":\"{cat}\",\"ph\":\"X\",\"pid\":{pid},\"tid\":{tid},\"ts\":{Micros(e.Start):F1},\"dur\":{(e.End - e.Start) * 1e6 / Stopwatch.Frequency:F1}}}"));
            }
        }
        sb.Append("\n]}\n");
        return sb.ToString();
    }

    private static string JsonString(string s)
    {
        var sb = new StringBuilder();
        Modules.JsonModule.AppendQuoted(sb, s, ensureAscii: false);
        return sb.ToString();
    }
}
