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
/// Call sites test RefMode.Special first: the GIL build calls the change directly.
/// </summary>
public static class CriticalSection
{
    public static void Run<TC>(TC container, ref int writer, Action<TC> change) where TC : PyObject
    {
        if (RefMode.Racy) { RefRace.Marked(container, ref writer, change); return; }
        lock (container) change(container);
    }

    public static void Run<TC, TArg>(TC container, ref int writer, TArg arg, Action<TC, TArg> change) where TC : PyObject
    {
        if (RefMode.Racy) { RefRace.Marked(container, ref writer, arg, change); return; }
        lock (container) change(container, arg);
    }

    public static TResult Run<TC, TResult>(TC container, ref int writer, Func<TC, TResult> change) where TC : PyObject
    {
        if (RefMode.Racy) return RefRace.Marked(container, ref writer, change);
        lock (container) return change(container);
    }

    public static TResult Run<TC, TArg, TResult>(TC container, ref int writer, TArg arg, Func<TC, TArg, TResult> change) where TC : PyObject
    {
        if (RefMode.Racy) return RefRace.Marked(container, ref writer, arg, change);
        lock (container) return change(container, arg);
    }
}
