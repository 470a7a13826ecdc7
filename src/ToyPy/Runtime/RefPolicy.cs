using System.Runtime.CompilerServices;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// How the dispatch loop updates reference counts: a compile-time choice.
/// The loop is generic over a struct implementing this interface, and Native
/// AOT compiles one copy of it per policy with Racy a constant, so the GIL
/// build's loop carries no trace of --no-gil's instrumentation (code outside
/// the loop checks RefMode.Racy, a single load).
/// </summary>
public interface IRefPolicy
{
    static abstract bool Racy { get; }
}

/// <summary>The GIL (and single-threaded) policy: plain ++ and --, made safe by the lock.</summary>
public struct PlainRefs : IRefPolicy
{
    public static bool Racy => false;
}

/// <summary>--no-gil: the same plain updates, instrumented by RefRace to detect what they lose.</summary>
public struct RacyRefs : IRefPolicy
{
    public static bool Racy => true;
}

/// <summary>Reference-count updates for code generic over the policy.</summary>
internal static class Refs
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inc<T>(PyObject o) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Incref(o);
        else o.RefCount++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PyObject NewRef<T>(PyObject o) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Incref(o);
        else o.RefCount++;
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dec<T>(PyObject o) where T : struct, IRefPolicy
    {
        if (T.Racy) RefRace.Decref(o);
        else if (--o.RefCount == 0) Heap.Dealloc(o);
    }
}
