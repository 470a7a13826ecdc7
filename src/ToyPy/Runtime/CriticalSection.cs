using System.Runtime.CompilerServices;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// A change to a list, dict, set or deque when threads run without the GIL.
///
/// --free-threaded: the change runs holding the container's own lock (PEP
/// 703's per-object critical sections, Py_BEGIN_CRITICAL_SECTION), and so do
/// the reads that hand out an element, so an element cannot be freed by a
/// concurrent change between the read and its incref.
/// --no-gil: the change is marked instead, so a concurrent one is detected,
/// reported as a race, and made to wait (RefRace.Marked).
///
/// The lock is one int in the container (PyMutex-sized): 0 when free, else
/// the id of the thread holding it. Taking it is one compare-and-swap;
/// a thread that already holds it goes on without taking it again, because a
/// change can run Python code (__eq__, __hash__, __del__) that comes back to
/// the same container. A waiter spins, then yields.
///
/// Call sites test RefMode.Special first: the GIL build calls the change directly.
/// </summary>
public static class CriticalSection
{
    /// <summary>A held lock word; Dispose releases it unless it was already held by this thread.</summary>
    public ref struct Held
    {
        private readonly ref int _word;
        private readonly bool _acquired;

        public Held(ref int word, bool acquired) { _word = ref word; _acquired = acquired; }

        public void Dispose()
        {
            if (_acquired) Volatile.Write(ref _word, 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Held Enter(ref int word) => Enter(ref word, Me);

    /// <summary>The lock-word id of this thread: its owner id (BiasedRefCount), or, on a thread that runs no Python code, its managed id with the sign bit set.</summary>
    private static int Me
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            int tid = BiasedRefCount.CurrentTid;
            return tid != 0 ? tid : int.MinValue | Environment.CurrentManagedThreadId;
        }
    }

    /// <summary>Enter for a caller that knows its owner id (the dispatch loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Held Enter(ref int word, int me)
    {
        int holder = Interlocked.CompareExchange(ref word, me, 0);
        if (holder == 0) return new Held(ref word, true);
        if (holder == me) return new Held(ref word, false);
        return new Held(ref word, WaitFor(ref word, me));
    }

    /// <summary>
    /// --free-threaded: a read holding the container's lock. Callers test
    /// RefMode.Biased and call this out of line, so the GIL build's read path
    /// carries no lock and no exception-handling region.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TResult Read<TC, TArg, TResult>(TC container, ref int word, TArg arg, Func<TC, TArg, TResult> read) where TC : PyObject
    {
        using (Enter(ref word)) return read(container, arg);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool WaitFor(ref int word, int me)
    {
        var spin = new SpinWait();
        while (Volatile.Read(ref word) != 0 || Interlocked.CompareExchange(ref word, me, 0) != 0) spin.SpinOnce();
        return true;
    }

    public static void Run<TC>(TC container, ref int writer, Action<TC> change) where TC : PyObject
    {
        if (RefMode.Racy) { RefRace.Marked(container, ref writer, change); return; }
        using (Enter(ref writer)) change(container);
    }

    public static void Run<TC, TArg>(TC container, ref int writer, TArg arg, Action<TC, TArg> change) where TC : PyObject
    {
        if (RefMode.Racy) { RefRace.Marked(container, ref writer, arg, change); return; }
        using (Enter(ref writer)) change(container, arg);
    }

    public static TResult Run<TC, TResult>(TC container, ref int writer, Func<TC, TResult> change) where TC : PyObject
    {
        if (RefMode.Racy) return RefRace.Marked(container, ref writer, change);
        using (Enter(ref writer)) return change(container);
    }

    public static TResult Run<TC, TArg, TResult>(TC container, ref int writer, TArg arg, Func<TC, TArg, TResult> change) where TC : PyObject
    {
        if (RefMode.Racy) return RefRace.Marked(container, ref writer, arg, change);
        using (Enter(ref writer)) return change(container, arg);
    }
}
