using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// --no-gil: the reference-count race of the chapter's figure 1.6, on real threads.
///
/// Without the GIL, threads run bytecode in parallel and every reference
/// count update stays what it is under the GIL: a plain read, add one,
/// write back. Two threads that read the same count both write back their
/// own result, and one update is lost. Here each update is that plain
/// read-modify-write (with an optional spin between the read and the write,
/// -X race-window=N, to widen the window on slow or single-core machines),
/// and beside it the truth is kept in a shadow count updated atomically.
/// Comparing the two classifies what went wrong:
///
///   lost increment   the count we wrote is lower than the truth: another
///                    thread's increment was overwritten;
///   lost decrement   the count we wrote is higher than the truth;
///   premature free   the count reached zero while the truth had not: the
///                    object is freed (marked, its references released,
///                    returned to its free list) while other references to it
///                    are still in use;
///   use after free   an instruction touched a freed object: the crash the
///                    chapter predicts; the run ends with "Fatal Python error";
///   negative count   a count went below zero;
///   leak at exit     an object whose count is higher than the truth when the
///                    program ends (a lost decrement: it will never be freed).
///
/// The shadow counts live in a side table keyed by object, so objects carry
/// no extra fields and the GIL build pays only the check of Enabled.
/// </summary>
public static class RefRace
{
    /// <summary>Set once, before the program runs, by --no-gil (RefMode.EnableRacy).</summary>
    public static bool Enabled => RefMode.Racy;

    /// <summary>-X race-window=N: spin iterations between reading a count and writing it back.</summary>
    public static int Window;

    /// <summary>Exit status of a run ended by a use after free: 134, as a process aborted by Py_FatalError (SIGABRT).</summary>
    public const int FatalExitStatus = 134;

    public enum Kind { LostIncrement, LostDecrement, PrematureFree, UseAfterFree, NegativeCount, LeakAtExit, ConcurrentMutation }

    /// <summary>The truth about one object's count, and who updated it last.</summary>
    private sealed class Shadow
    {
        public int Count;
        public PyThreadState? LastThread;
        public int LastRead, LastWritten;
    }

    /// <summary>One detected race, with what each side read and wrote.</summary>
    public sealed record RaceEvent(Kind Kind, string TypeName, string ObjectRepr, string Thread, string Site,
                                   int Read, int Written, int Expected, string? OtherThread, string? OtherSite,
                                   int OtherRead, int OtherWritten);

    private static readonly ConditionalWeakTable<PyObject, Shadow> s_shadows = new();
    private static readonly object s_eventsLock = new();
    private static readonly List<RaceEvent> s_first = new();
    private static readonly Dictionary<(Kind, string), long> s_counts = new();
    private static int s_fatal;
    public static Interpreter? Interp;

    private static Shadow ShadowOf(PyObject o) => s_shadows.GetValue(o, obj => new Shadow { Count = obj.RefCount });

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Incref(PyObject o) => Update(o, +1);

    /// <summary>Decref with the race checks; deallocates when the (racy) count reaches zero, as the GIL build does.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Decref(PyObject o)
    {
        if (Update(o, -1) == 0) Heap.Dealloc(o);
    }

    /// <summary>A free-listed object comes back to life with count 1: so does its truth.</summary>
    public static void Revived(PyObject o)
    {
        var s = ShadowOf(o);
        Volatile.Write(ref s.Count, 1);
    }

    private static int Update(PyObject o, int delta)
    {
        var s = ShadowOf(o);
        if (o.IsFreed && s_fatal == 0) UseAfterFree(o, s, delta);
        int truthBefore = Volatile.Read(ref s.Count);
        int read = o.RefCount;
        if (Window > 0) Thread.SpinWait(Window);
        int written = read + delta;
        o.RefCount = written;
        int truth = Interlocked.Add(ref s.Count, delta);
        var ts = PyThreadState.CurrentOrNull;
        // The count agreed with the truth when we read it and disagrees after our write:
        // another thread's update fell between our read and our write, and one of the two is lost.
        if (read == truthBefore && written != truth)
            Record(written < truth ? Kind.LostIncrement : Kind.LostDecrement, o, s, ts, read, written, truth);
        if (written == 0 && truth > 0) Record(Kind.PrematureFree, o, s, ts, read, written, truth);
        else if (written < 0) Record(Kind.NegativeCount, o, s, ts, read, written, truth);
        s.LastThread = ts;
        s.LastRead = read;
        s.LastWritten = written;
        return written;
    }

    /// <summary>Where a thread is: the file and line of its innermost frame (the last instruction it saved).</summary>
    private static string Site(PyThreadState? ts)
    {
        var f = ts?.CurrentFrame;
        if (f is null) return "(no Python frame)";
        // The line of the last instruction the frame recorded (at its last call or check), skipping artificial ones.
        var lines = f.Code.Lines;
        int line = -1;
        for (int i = Math.Min(f.Ip - 1, lines.Length - 1); i >= 0 && line < 0; i--) line = lines[i];
        if (line < 0) line = f.Code.FirstLineNo;
        return $"{Path.GetFileName(f.Code.Filename)}, line {line}, in {f.Code.Name}";
    }

    private static string ThreadName(PyThreadState? ts) => ts?.Name ?? "(a thread)";

    private static string Describe(PyObject o)
    {
        try
        {
            return o switch
            {
                PyInt or PyFloat or PyBool or PyNone => $"{o.Type.Name} {ReprOf(o)} at 0x{Heap.Address(o):x}",
                PyStr str when str.Value.Length <= 30 => $"str {ReprOf(o)} at 0x{Heap.Address(o):x}",
                PyBuiltinFunction b => $"<built-in function {b.Name}> at 0x{Heap.Address(o):x}",
                PyFunction f => $"<function {f.QualName}> at 0x{Heap.Address(o):x}",
                PyType t => $"<class '{t.Name}'> at 0x{Heap.Address(o):x}",
                _ => $"{o.Type.Name} object at 0x{Heap.Address(o):x}",
            };
        }
        catch (Exception) { return $"{o.Type.Name} object"; }
    }

    private static string ReprOf(PyObject o) => o switch
    {
        PyNone => "None",
        PyBool b => b.IsTrue() ? "True" : "False",
        PyInt i => i.ToDecimalString(),
        PyStr s => "'" + s.Value + "'",
        PyFloat f => f.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => o.Type.Name,
    };

    private static void Record(Kind kind, PyObject o, Shadow s, PyThreadState? ts, int read, int written, int expected)
    {
        var other = ReferenceEquals(s.LastThread, ts) ? null : s.LastThread;
        Record(kind, o, ts, other, read, written, expected, s.LastRead, s.LastWritten);
    }

    /// <summary>Count the event by kind and type; keep the first few, told in full (the text is built only for those).</summary>
    private static void Record(Kind kind, PyObject o, PyThreadState? ts, PyThreadState? other,
                               int read, int written, int expected, int otherRead, int otherWritten)
    {
        const int Kept = 20;
        lock (s_eventsLock)
        {
            var key = (kind, o.Type.Name);
            s_counts[key] = s_counts.GetValueOrDefault(key) + 1;
            if (s_first.Count >= Kept) return;
        }
        var e = new RaceEvent(kind, o.Type.Name, Describe(o), ThreadName(ts), Site(ts), read, written, expected,
            other is null ? null : ThreadName(other), other is null ? null : Site(other), otherRead, otherWritten);
        lock (s_eventsLock) if (s_first.Count < Kept) s_first.Add(e);
    }

    /// <summary>An instruction touched a freed object: report, and end the run as a crash does.</summary>
    private static void UseAfterFree(PyObject o, Shadow s, int delta)
    {
        var ts = PyThreadState.CurrentOrNull;
        Record(Kind.UseAfterFree, o, s, ts, o.RefCount, o.RefCount + delta, Volatile.Read(ref s.Count));
        Fatal($"use after free: {Describe(o)} was freed while {ThreadName(ts)} still used it ({Site(ts)})");
    }

    // ------------------------------------------------------------------ containers

    /// <summary>
    /// A list, dict, set or deque is about to change its storage. If another
    /// thread is changing it right now, that is a race (recorded as a
    /// concurrent mutation); the caller then waits for the other thread to
    /// finish, so the container's arrays are never torn and no probe loop can
    /// run forever. Answers whether the caller took the mark (and must clear
    /// it with ExitMutation); a thread already changing the same container
    /// (a __hash__ or __eq__ that mutates it) goes on without it.
    /// </summary>
    public static bool EnterMutation(PyObject container, ref int writer)
    {
        int me = Environment.CurrentManagedThreadId;
        int other = Interlocked.CompareExchange(ref writer, me, 0);
        if (other == 0) return true;
        if (other == me) return false;
        var ts = PyThreadState.CurrentOrNull;
        var owner = Interp?.Threads().FirstOrDefault(t => t.ManagedThreadId == other);
        Record(Kind.ConcurrentMutation, container, ts, owner, 0, 0, 0, 0, 0);
        var spin = new SpinWait();
        long deadline = Environment.TickCount64 + 1000;
        while (Interlocked.CompareExchange(ref writer, me, 0) != 0)
        {
            // A writer blocked inside user code (a __eq__ waiting on this thread) must not hang the run.
            if (Environment.TickCount64 > deadline) return false;
            spin.SpinOnce();
        }
        return true;
    }

    public static void ExitMutation(ref int writer) => Volatile.Write(ref writer, 0);

    // Marked(container, ref writer, [arg,] change): run one change of a container's
    // storage between EnterMutation and ExitMutation. The containers call these only
    // under --no-gil; with the GIL they run the change directly.

    public static void Marked<TC>(TC container, ref int writer, Action<TC> change) where TC : PyObject
    {
        bool marked = EnterMutation(container, ref writer);
        try { change(container); }
        finally { if (marked) ExitMutation(ref writer); }
    }

    public static void Marked<TC, TArg>(TC container, ref int writer, TArg arg, Action<TC, TArg> change) where TC : PyObject
    {
        bool marked = EnterMutation(container, ref writer);
        try { change(container, arg); }
        finally { if (marked) ExitMutation(ref writer); }
    }

    public static TResult Marked<TC, TResult>(TC container, ref int writer, Func<TC, TResult> change) where TC : PyObject
    {
        bool marked = EnterMutation(container, ref writer);
        try { return change(container); }
        finally { if (marked) ExitMutation(ref writer); }
    }

    public static TResult Marked<TC, TArg, TResult>(TC container, ref int writer, TArg arg, Func<TC, TArg, TResult> change) where TC : PyObject
    {
        bool marked = EnterMutation(container, ref writer);
        try { return change(container, arg); }
        finally { if (marked) ExitMutation(ref writer); }
    }

    /// <summary>A hash table's probe found no free slot: its storage was torn by a race.</summary>
    public static Exception CorruptTable(string typeName) =>
        new InvalidOperationException($"the {typeName}'s hash table was torn by concurrent changes");

    /// <summary>Py_FatalError: print the message and the race report, exit with FatalExitStatus.</summary>
    public static void Fatal(string message)
    {
        if (Interlocked.Exchange(ref s_fatal, 1) != 0)
        {
            Thread.Sleep(Timeout.Infinite); // another thread is already reporting and exiting
            return;
        }
        var interp = Interp;
        var sb = new StringBuilder();
        sb.Append("Fatal Python error: ").Append(message).Append('\n');
        sb.Append("Python runtime state: initialized, no GIL (toypy --no-gil)\n\n");
        sb.Append(FormatReport(atExit: false));
        try { interp?.Stdout.Flush(); } catch (Exception) { }
        if (interp is not null) { interp.Stderr.Write(sb.ToString()); interp.Stderr.Flush(); }
        else Console.Error.Write(sb.ToString());
        Environment.Exit(FatalExitStatus);
    }

    /// <summary>At exit: objects whose count disagrees with the truth (leaks and pending premature frees).</summary>
    public static void CheckAtExit()
    {
        foreach (var (o, s) in s_shadows)
        {
            if (o.IsFreed) continue;
            int truth = Volatile.Read(ref s.Count);
            if (o.RefCount > truth) Record(Kind.LeakAtExit, o, s, null, o.RefCount, o.RefCount, truth);
        }
    }

    public static long TotalEvents()
    {
        lock (s_eventsLock) return s_counts.Values.Sum();
    }

    /// <summary>The race report: counts by kind and by type, then the first race told step by step.</summary>
    public static string FormatReport(bool atExit)
    {
        var sb = new StringBuilder();
        lock (s_eventsLock)
        {
            long total = s_counts.Values.Sum();
            sb.Append($"Reference-count race report (--no-gil{(Window > 0 ? $", race window {Window}" : "")}): {total} race{(total == 1 ? "" : "s")} detected\n");
            if (total == 0)
            {
                sb.Append("  no race was detected in this run (try a larger n, or -X race-window=1000)\n");
                return sb.ToString();
            }
            sb.Append($"  {"kind",-16} {"type",-28} {"events",8}\n");
            foreach (var ((kind, type), n) in s_counts.OrderBy(p => p.Key.Item1).ThenByDescending(p => p.Value))
                sb.Append($"  {KindName(kind),-16} {type,-28} {n,8}\n");
            foreach (var kind in Enum.GetValues<Kind>())
            {
                long n = s_counts.Where(p => p.Key.Item1 == kind).Sum(p => p.Value);
                if (n > 0) sb.Append($"  total {KindName(kind)}: {n}\n");
            }
            var first = s_first.FirstOrDefault(e => e.Kind is Kind.LostIncrement or Kind.LostDecrement) ?? s_first.FirstOrDefault();
            if (first is not null)
            {
                sb.Append("\nThe first race (figure 1.6):\n");
                sb.Append(Narrate(first));
            }
            var free = s_first.FirstOrDefault(e => e.Kind == Kind.PrematureFree);
            if (free is not null && !ReferenceEquals(free, first))
            {
                sb.Append("\nThe first premature free:\n");
                sb.Append(Narrate(free));
            }
        }
        return sb.ToString();
    }

    private static string KindName(Kind k) => k switch
    {
        Kind.LostIncrement => "lost increment",
        Kind.LostDecrement => "lost decrement",
        Kind.PrematureFree => "premature free",
        Kind.UseAfterFree => "use after free",
        Kind.NegativeCount => "negative count",
        Kind.ConcurrentMutation => "concurrent mutation",
        _ => "leak at exit",
    };

    private static string Narrate(RaceEvent e)
    {
        var sb = new StringBuilder();
        sb.Append($"  object: {e.ObjectRepr}\n");
        if (e.Kind == Kind.LeakAtExit)
        {
            sb.Append($"  at exit its count is {e.Written} but {e.Expected} references exist: a decrement was lost, it will never be freed\n");
            return sb.ToString();
        }
        if (e.OtherThread is not null)
            sb.Append($"  {e.OtherThread} read the count as {e.OtherRead} and wrote {e.OtherWritten}   (it is now at {e.OtherSite})\n");
        sb.Append($"  {e.Thread} read the count as {e.Read} and wrote {e.Written}   (at {e.Site})\n");
        string what = e.Kind switch
        {
            Kind.LostIncrement => "an increment was lost: the count is too low, so the object will be freed while still in use",
            Kind.LostDecrement => "a decrement was lost: the count is too high, so the object will never be freed",
            Kind.PrematureFree => "the count reached zero while references remained: the object was freed while still in use",
            Kind.UseAfterFree => "the object had already been freed",
            Kind.NegativeCount => "the count went below zero",
            _ => "",
        };
        if (e.Kind == Kind.ConcurrentMutation)
        {
            sb.Clear();
            sb.Append($"  object: {e.ObjectRepr}\n");
            sb.Append($"  {e.Thread} began to change it (at {e.Site}) while {e.OtherThread ?? "another thread"} was changing it\n");
            sb.Append("  without the GIL both would rewrite its storage at once; ToyPy made the second wait\n");
            return sb.ToString();
        }
        sb.Append($"  expected count {e.Expected}, resulting count {e.Written}: {what}\n");
        return sb.ToString();
    }
}
