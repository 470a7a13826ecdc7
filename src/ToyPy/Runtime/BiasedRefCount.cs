using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// --free-threaded: biased reference counting, PEP 703's answer to the race
/// --no-gil shows (CPython 3.13t: Include/object.h, Objects/object.c,
/// Python/brc.c).
///
/// Most objects are only ever touched by the thread that made them. So each
/// object has an owner (OwnerTid) and two counts:
///
///   RefCount     the local count: only the owner changes it, with plain
///                ++ and -- (no atomics: as cheap as under the GIL);
///   SharedRefs   the shared count: every other thread changes it with
///                atomic adds. Its low two bits are flags (Queued, Merged),
///                the count is SharedRefs >> 2 and may go negative: another
///                thread can drop a reference the owner took.
///
/// The object is alive while local + shared > 0. The two halves meet when:
///
///  - the owner's local count reaches zero: if the shared count is zero
///    too, the object is freed at once; otherwise the owner gives up
///    ownership (OwnerTid = Unowned) and marks the shared count Merged, after
///    which every update is atomic and whoever brings it to zero frees it;
///  - another thread would take the shared count below zero from zero: it
///    cannot know the local count, so instead of decrementing it marks the
///    object Queued and hands it to the owner (the queue keeps the dropped
///    reference); the owner merges the counts at its next eval-breaker
///    check and frees the object if they sum to zero. If the owner has
///    exited, the queuing thread merges at once.
///
/// Objects every thread uses would make the shared count a contended cache
/// line, so they do not count at all:
///  - immortal (OwnerTid = Immortal): None, True, False, Ellipsis,
///    NotImplemented, the small ints, interned strings, the builtin types and
///    functions, code constants. Never freed.
///  - deferred (OwnerTid = Deferred): module-level functions, classes and
///    modules, which CPython 3.13t frees through its cycle collector; ToyPy
///    keeps them until exit.
/// </summary>
public static class BiasedRefCount
{
    public const int Immortal = -1;
    public const int Deferred = -2;
    /// <summary>No owner: merged, or made by a thread that is not a Python thread. No thread's id is this (nor 0, the id of a thread that has none).</summary>
    public const int Unowned = int.MaxValue;

    private const int Shift = 2;
    private const int Queued = 2;
    private const int Merged = 3;
    private const int FlagMask = 3;

    /// <summary>sys.getrefcount of an immortal object (CPython 3.12+ answers 2**32 - 1).</summary>
    public const long ImmortalRefCount = uint.MaxValue;

    /// <summary>This thread's owner id (0: not a Python thread; objects it makes have no owner).</summary>
    [ThreadStatic] private static int t_tid;
    /// <summary>This thread's counters for --gil-stats (null on a thread that is not a Python thread).</summary>
    [ThreadStatic] private static GilStats? t_stats;

    private static int s_nextTid;

    /// <summary>Owner id -> thread state, for queueing; a thread leaves it when it exits.</summary>
    private static readonly Dictionary<int, PyThreadState> s_owners = new();

    public static int CurrentTid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_tid;
    }

    /// <summary>A Python thread starts: give it an owner id (never reused, so a stale owner is always recognised as gone).</summary>
    public static void AttachThread(PyThreadState ts)
    {
        t_tid = ts.OwnerId = Interlocked.Increment(ref s_nextTid);
        t_stats = ts.Stats;
        lock (s_owners) s_owners[ts.OwnerId] = ts;
    }

    /// <summary>A Python thread ends: objects queued to it are merged now; later ones are merged by whoever queues them.</summary>
    public static void DetachThread(PyThreadState ts)
    {
        lock (s_owners) s_owners.Remove(ts.OwnerId);
        MergeQueued(ts);
        t_tid = 0;
        t_stats = null;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Incref(PyObject o) => Incref(o, t_tid);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decref(PyObject o) => Decref(o, t_tid);

    /// <summary>Py_INCREF, for a caller that knows its thread's owner id (the dispatch loop keeps it in a local).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Incref(PyObject o, int tid)
    {
        int owner = o.OwnerTid;
        if (owner == tid) o.RefCount++;
        else if (owner >= 0) IncrefShared(o);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void IncrefShared(PyObject o)
    {
        Interlocked.Add(ref o.SharedRefs, 1 << Shift);
        if (t_stats is { } stats) stats.SharedIncrefs++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Decref(PyObject o, int tid)
    {
        int owner = o.OwnerTid;
        if (owner == tid)
        {
            if (--o.RefCount == 0) MergeZeroLocal(o);
        }
        else if (owner >= 0) DecrefShared(o);
    }

    /// <summary>A new or recycled object belongs to the thread making it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Adopt(PyObject o)
    {
        int tid = t_tid;
        o.OwnerTid = tid == 0 ? Unowned : tid;
        o.SharedRefs = 0;
    }

    public static bool IsImmortalOrDeferred(PyObject o) => o.OwnerTid < 0;

    public static void MakeImmortal(PyObject o) => o.OwnerTid = Immortal;

    public static void MakeDeferred(PyObject o)
    {
        if (o.OwnerTid >= 0) o.OwnerTid = Deferred;
    }

    /// <summary>Start-up: the objects every thread shares from the first instruction stop counting.</summary>
    public static void ImmortalizeRuntime(Interpreter interp)
    {
        foreach (var o in new PyObject[] { PyNone.Instance, PyBool.True, PyBool.False, PyEllipsis.Instance,
                                           PyNotImplemented.Instance, PyTuple.SharedEmpty, PySlice.Full })
            MakeImmortal(o);
        foreach (var o in PyInt.SmallInts) MakeImmortal(o);
        foreach (var o in PyStr.InternedStrings()) MakeImmortal(o);
        foreach (var o in PyStr.CachedChars()) MakeImmortal(o);
        foreach (var t in PyTypes.All()) MakeImmortal(t);
        foreach (var t in ExceptionTypes.All()) MakeImmortal(t);
        foreach (var t in StaticTypeRegistry.Extra) MakeImmortal(t);
        int pos = 0;
        while (interp.BuiltinsDict.Next(ref pos, out _, out var value)) MakeImmortal(value);
        pos = 0;
        while (interp.Modules.Next(ref pos, out _, out var module)) MakeDeferred(module);
    }

    /// <summary>
    /// MAKE_FUNCTION: every thread that calls the function reads its code's
    /// constants, so they become immortal (as 3.13t does); a module-level
    /// `def` function is deferred (3.13t: functions without CO_NESTED).
    /// </summary>
    public static void Share(PyFunction fn, CodeObject code)
    {
        if (!code.ConstantsShared)
        {
            foreach (var c in code.Consts) if (c is not null) ImmortalizeConstant(c);
            code.ConstantsShared = true;
        }
        // Only `def` functions: a class body, a comprehension or a lambda runs
        // and goes, and ToyPy has no collector to free a deferred object.
        if ((code.Flags & (CodeFlags.Nested | CodeFlags.Optimized)) == CodeFlags.Optimized && !code.Name.StartsWith('<'))
            MakeDeferred(fn);
    }

    private static void ImmortalizeConstant(PyObject c)
    {
        MakeImmortal(c);
        if (c is PyTuple t) foreach (var item in t.Items) ImmortalizeConstant(item);
    }

    /// <summary>The object's whole count, as sys.getrefcount and the audit see it.</summary>
    public static long Total(PyObject o) =>
        o.OwnerTid < 0 ? ImmortalRefCount : o.RefCount + (Volatile.Read(ref o.SharedRefs) >> Shift);

    /// <summary>_Py_MergeZeroLocalRefcount: the owner dropped its last local reference.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MergeZeroLocal(PyObject o)
    {
        int shared = Volatile.Read(ref o.SharedRefs);
        if (shared == 0)
        {
            Heap.Dealloc(o);
            return;
        }
        Volatile.Write(ref o.OwnerTid, Unowned);
        int merged;
        while (true)
        {
            merged = (shared & ~FlagMask) | Merged;
            int seen = Interlocked.CompareExchange(ref o.SharedRefs, merged, shared);
            if (seen == shared) break;
            shared = seen;
        }
        if (merged == Merged) Heap.Dealloc(o);
    }

    /// <summary>_Py_DecRefShared: a thread other than the owner drops a reference.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void DecrefShared(PyObject o)
    {
        int shared = Volatile.Read(ref o.SharedRefs);
        bool queue;
        int updated;
        while (true)
        {
            queue = shared == 0;
            updated = queue ? Queued : shared - (1 << Shift);
            int seen = Interlocked.CompareExchange(ref o.SharedRefs, updated, shared);
            if (seen == shared) break;
            shared = seen;
        }
        if (t_stats is { } stats) stats.SharedDecrefs++;
        if (queue) QueueToOwner(o);
        else if (updated == Merged) Heap.Dealloc(o);
    }

    /// <summary>_Py_brc_queue_object: the owner merges at its next eval-breaker check; a gone owner cannot, so merge here.</summary>
    private static void QueueToOwner(PyObject o)
    {
        if (t_stats is { } stats) stats.Queued++;
        lock (s_owners)
        {
            if (s_owners.TryGetValue(o.OwnerTid, out var owner))
            {
                lock (owner.MergeQueue) owner.MergeQueue.Add(o);
                owner.EvalBreaker = 1;
                return;
            }
        }
        if (ExplicitMerge(o, -1) == 0) Heap.Dealloc(o);
    }

    /// <summary>_Py_brc_merge_refcounts: run by the owner; each queued object gives back the queue's reference.</summary>
    public static void MergeQueued(PyThreadState ts)
    {
        while (true)
        {
            PyObject[] batch;
            lock (ts.MergeQueue)
            {
                if (ts.MergeQueue.Count == 0) return;
                batch = ts.MergeQueue.ToArray();
                ts.MergeQueue.Clear();
            }
            ts.Stats.Merged += batch.Length;
            foreach (var o in batch)
            {
                if (ExplicitMerge(o, -1) == 0) Heap.Dealloc(o);
            }
        }
    }

    /// <summary>_Py_ExplicitMergeRefcount: fold the local count into the shared one, give up ownership, return the total.</summary>
    private static int ExplicitMerge(PyObject o, int extra)
    {
        int shared = Volatile.Read(ref o.SharedRefs);
        int total;
        while (true)
        {
            total = (shared >> Shift) + o.RefCount + extra;
            int seen = Interlocked.CompareExchange(ref o.SharedRefs, (total << Shift) | Merged, shared);
            if (seen == shared) break;
            shared = seen;
        }
        o.RefCount = 0;
        Volatile.Write(ref o.OwnerTid, Unowned);
        return total;
    }

    /// <summary>
    /// A finalizer resurrects the object for the length of __del__ (on the
    /// thread freeing it). Afterwards: true when nothing else took a
    /// reference and the dealloc goes on.
    /// </summary>
    public static void BeginResurrection(PyObject o)
    {
        Adopt(o);
        o.RefCount = 1;
    }

    public static bool EndResurrection(PyObject o)
    {
        if (--o.RefCount != 0) return false;
        int shared = Volatile.Read(ref o.SharedRefs);
        if (shared == 0) return true;
        return ExplicitMerge(o, 0) == 0;
    }
}
