using ToyPy.Modules;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// _thread.lock (Modules/_threadmodule.c lockobject): a binary semaphore. Any
/// thread may release it, not only the one that acquired it. A blocking
/// acquire first tries without waiting; only if that fails does it drop the
/// GIL (BlockingCall) and wait, as CPython's acquire_timed does.
/// </summary>
public sealed class PyLock : PyObject
{
    public static readonly PyType LockType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("lock", PyTypes.Object, null, null));

    /// <summary>TIMEOUT_MAX: the largest timeout a wait accepts, in seconds.</summary>
    public const double TimeoutMax = int.MaxValue / 1000.0;

    private readonly SemaphoreSlim _sem = new(1, 1);

    public PyLock() : base(LockType) { }

    static PyLock()
    {
        LockType.ModuleName = "_thread";
        SlotWrappers.AddStandardSlots(LockType);
        LockType.AddMethod("acquire", (a, k) => Self(a, "acquire").AcquireMethod(a, k));
        LockType.AddMethod("acquire_lock", (a, k) => Self(a, "acquire_lock").AcquireMethod(a, k));
        LockType.AddMethod("__enter__", (a, k) => Self(a, "__enter__").AcquireMethod(a[..1], null));
        LockType.AddMethod("release", (a, k) => { ArgParser.Positional("release", a, k, 1, 1); Self(a, "release").Release(); return PyNone.Instance.NewRef(); });
        LockType.AddMethod("release_lock", (a, k) => { ArgParser.Positional("release_lock", a, k, 1, 1); Self(a, "release_lock").Release(); return PyNone.Instance.NewRef(); });
        LockType.AddMethod("__exit__", (a, k) => { Self(a, "__exit__").Release(); return PyNone.Instance.NewRef(); });
        LockType.AddMethod("locked", (a, k) => { ArgParser.Positional("locked", a, k, 1, 1); return PyBool.From(Self(a, "locked").IsLocked); });
        LockType.AddMethod("locked_lock", (a, k) => { ArgParser.Positional("locked_lock", a, k, 1, 1); return PyBool.From(Self(a, "locked_lock").IsLocked); });
    }

    private static PyLock Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyLock l) throw Exc.TypeError($"descriptor '{name}' requires a '_thread.lock' object");
        return l;
    }

    public bool IsLocked => _sem.CurrentCount == 0;

    private PyObject AcquireMethod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int ms = ParseAcquireArgs("acquire", a, k);
        return PyBool.From(Acquire(PyThreadState.Current, ms));
    }

    /// <summary>acquire(blocking=True, timeout=-1) as a wait in milliseconds (-1: forever, 0: do not wait).</summary>
    internal static int ParseAcquireArgs(string fname, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse(fname, a[1..], k, 0, 2, "blocking", "timeout");
        bool blocking = p[0] is null || Ops.IsTrue(p[0]!);
        double timeout = -1;
        if (p[1] is not null && !PyFloat.TryAsDouble(p[1]!, out timeout))
            throw Exc.TypeError($"'{p[1]!.Type.Name}' object cannot be interpreted as an integer");
        if (double.IsNaN(timeout)) throw Exc.ValueError("Invalid value NaN (not a number)");
        if (!blocking && timeout != -1) throw Exc.ValueError("can't specify a timeout for a non-blocking call");
        if (timeout < 0 && timeout != -1) throw Exc.ValueError("timeout value must be positive");
        if (!blocking) return 0;
        if (timeout == -1) return -1;
        if (timeout * 1e9 > long.MaxValue) throw Exc.OverflowError("timestamp out of range for platform time_t");
        if (timeout > TimeoutMax) throw Exc.OverflowError("timeout value is too large");
        return (int)Math.Ceiling(timeout * 1000);
    }

    /// <summary>Take the lock, waiting at most ms milliseconds (-1: forever) with the GIL dropped.</summary>
    public bool Acquire(PyThreadState ts, int ms) => AcquireTimed(_sem, ts, ms);

    /// <summary>
    /// acquire_timed: try without waiting first; only a real wait drops the
    /// GIL. Ctrl-C ends the wait with KeyboardInterrupt, as EINTR ends
    /// CPython's (the interrupt event is only ever set on the main thread).
    /// </summary>
    internal static bool AcquireTimed(SemaphoreSlim sem, PyThreadState ts, int ms)
    {
        if (sem.Wait(0)) return true;
        if (ms == 0) return false;
        bool acquired = BlockingCall.Run(ts, () =>
        {
            // Wait in slices so a pending Ctrl-C is seen; only plain .NET state is read here.
            long deadline = ms < 0 ? long.MaxValue : Environment.TickCount64 + ms;
            while (true)
            {
                int slice = ms < 0 ? 50 : (int)Math.Clamp(deadline - Environment.TickCount64, 0, 50);
                if (sem.Wait(slice)) return true;
                if (ts.PendingInterrupt || Environment.TickCount64 >= deadline) return false;
            }
        });
        if (!acquired) ts.RaisePendingInterrupt();
        return acquired;
    }

    public void Release()
    {
        if (_sem.CurrentCount != 0) throw Exc.RuntimeError("release unlocked lock");
        _sem.Release();
    }

    /// <summary>Release from host code that knows the lock is held (thread teardown).</summary>
    internal void ReleaseIfLocked()
    {
        if (_sem.CurrentCount == 0) _sem.Release();
    }

    public override PyStr Repr() =>
        PyStr.FromString($"<{(IsLocked ? "locked" : "unlocked")} _thread.lock object at 0x{Heap.Address(this):x}>");
}
