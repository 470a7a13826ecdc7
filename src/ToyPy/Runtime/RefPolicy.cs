using System.Runtime.CompilerServices;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// How the dispatch loop updates reference counts: a compile-time choice.
/// The loop is generic over a struct implementing this interface, and Native
/// AOT compiles one copy of it per policy with Racy and Biased constants, so the GIL
/// build's loop carries no trace of --no-gil's instrumentation (code outside
/// the loop checks RefMode.Special, a single load).
/// </summary>
public interface IRefPolicy
{
    static abstract bool Racy { get; }
    static abstract bool Biased { get; }
}

/// <summary>The GIL (and single-threaded) policy: plain ++ and --, made safe by the lock.</summary>
public struct PlainRefs : IRefPolicy
{
    public static bool Racy => false;
    public static bool Biased => false;
}

/// <summary>--no-gil: the same plain updates, instrumented by RefRace to detect what they lose.</summary>
public struct RacyRefs : IRefPolicy
{
    public static bool Racy => true;
    public static bool Biased => false;
}

/// <summary>--free-threaded: biased counts, correct without a lock (BiasedRefCount).</summary>
public struct BiasedRefs : IRefPolicy
{
    public static bool Racy => false;
    public static bool Biased => true;
}

/// <summary>Reference-count updates for code generic over the policy; tid is the running thread's owner id (used by BiasedRefs only).</summary>
internal static class Refs
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inc<T>(PyObject o, int tid) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Incref(o);
        else if (T.Biased) BiasedRefCount.Incref(o, tid);
        else o.RefCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PyObject NewRef<T>(PyObject o, int tid) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Incref(o);
        else if (T.Biased) BiasedRefCount.Incref(o, tid);
        else o.RefCount++;
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dec<T>(PyObject o, int tid) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Decref(o);
        else if (T.Biased) BiasedRefCount.Decref(o, tid);
        else if (--o.RefCount == 0) Heap.Dealloc(o);
    }
}

/// <summary>
/// The reference-count mode outside the dispatch loop. Special is the one flag
/// every update checks; it lives in a class without a static constructor, so
/// the check is a plain load: no class-initialisation test on the hottest path
/// of the GIL build. Set once, before the program runs.
/// </summary>
public static class RefMode
{
    /// <summary>Racy or Biased: updates leave the plain ++/-- path.</summary>
    public static bool Special;
    /// <summary>--no-gil: plain updates instrumented by RefRace.</summary>
    public static bool Racy;
    /// <summary>--free-threaded: biased reference counting (BiasedRefCount).</summary>
    public static bool Biased;

    public static void EnableRacy() { Racy = true; Special = true; }

    public static void EnableBiased() { Biased = true; Special = true; Heap.AllocHooks = true; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Incref(PyObject o)
    {
        if (Racy) RefRace.Incref(o);
        else BiasedRefCount.Incref(o);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Decref(PyObject o)
    {
        if (Racy) RefRace.Decref(o);
        else BiasedRefCount.Decref(o);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Revived(PyObject o)
    {
        if (Racy) RefRace.Revived(o);
        else BiasedRefCount.Adopt(o);
    }

    /// <summary>The whole count (sys.getrefcount, the audit).</summary>
    public static long Total(PyObject o) => Biased ? BiasedRefCount.Total(o) : o.RefCount;
}
