using System.Runtime.CompilerServices;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// Object lifetimes: what happens when a reference count reaches zero, object
/// identity (id(), the addresses in reprs), and the allocation registry the
/// refcount audit uses.
/// </summary>
public static class Heap
{
    /// <summary>Set once at start-up by -X refcheck: every object created is registered so the audit can find leaks that nothing reaches.</summary>
    public static bool Tracking;

    /// <summary>Tracking or --free-threaded: new objects go through OnAlloc. One flag, so the common case tests once.</summary>
    public static bool AllocHooks;

    public static void StartTracking() { Tracking = true; AllocHooks = true; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void OnAlloc(PyObject o)
    {
        if (RefMode.Biased) BiasedRefCount.Adopt(o);
        if (Tracking) Track(o);
    }

    private static readonly object s_trackLock = new();
    private static List<PyObject> s_tracked = new();

    // The trashcan (CPython's Py_TRASHCAN_BEGIN): tearing down a long chain of
    // containers would recurse once per link on the host stack. Past a depth,
    // deallocations are queued and run when the outermost one finishes.
    private const int TrashcanDepth = 64;
    [ThreadStatic] private static int t_deallocDepth;
    [ThreadStatic] private static Stack<PyObject>? t_deferred;

    internal static void Track(PyObject o)
    {
        lock (s_trackLock) s_tracked.Add(o);
    }

    /// <summary>A snapshot of every object registered since tracking started.</summary>
    public static List<PyObject> TrackedObjects()
    {
        lock (s_trackLock) return new List<PyObject>(s_tracked);
    }

    /// <summary>The count reached zero: finalize, release, mark freed, recycle.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Dealloc(PyObject o)
    {
        if (o.IsFreed)
        {
            // Decref of an object already freed: an over-release. Keep the count
            // visibly wrong for the audit instead of freeing twice.
            o.RefCount = -1;
            return;
        }
        if (o.Type.HasFinalizer && !Finalizer.Run(o)) return; // resurrected by __del__
        if (o.Type.IsLeaf)
        {
            o.IsFreed = true;
            o.Recycle();
            return;
        }

        if (t_deallocDepth >= TrashcanDepth)
        {
            (t_deferred ??= new Stack<PyObject>()).Push(o);
            return;
        }
        t_deallocDepth++;
        try
        {
            Release(o);
            if (t_deallocDepth == 1 && t_deferred is { Count: > 0 } pending)
            {
                while (pending.Count > 0) Release(pending.Pop());
            }
        }
        finally
        {
            t_deallocDepth--;
        }
    }

    private static void Release(PyObject o)
    {
        o.ClearReferences();
        o.IsFreed = true;
        o.Recycle();
    }

    private static readonly ConditionalWeakTable<PyObject, object> s_ids = new();
    private static long s_nextId = 0x7f3a_0000_0000;

    /// <summary>id(o): stable while the object lives, unique among live objects; a recycled object keeps its id (as a reused address would).</summary>
    public static long Address(PyObject o)
    {
        if (s_ids.TryGetValue(o, out var boxed)) return (long)boxed;
        long id = Interlocked.Add(ref s_nextId, 16);
        s_ids.AddOrUpdate(o, id);
        return id;
    }

    /// <summary>object.__hash__: CPython uses the address shifted by 4; a process-wide identity hash serves the same purpose.</summary>
    public static long IdentityHash(PyObject o) => RuntimeHelpers.GetHashCode(o);
}
