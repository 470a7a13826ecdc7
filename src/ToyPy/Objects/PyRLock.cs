using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// _thread.RLock (Modules/_threadmodule.c rlockobject): a lock its owner may
/// take again; it is free when the owner has released it as many times as it
/// acquired it. Only the owner may release it.
/// </summary>
public sealed class PyRLock : PyObject
{
    public static readonly PyType RLockType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("RLock", PyTypes.Object, (t, a, k) => new PyRLock(), null));

    private readonly SemaphoreSlim _lock = new(1, 1);
    private ulong _owner;
    private long _count;

    public PyRLock() : base(RLockType) { }

    static PyRLock()
    {
        RLockType.ModuleName = "_thread";
        SlotWrappers.AddStandardSlots(RLockType);
        RLockType.AddMethod("acquire", (a, k) => Self(a, "acquire").AcquireMethod(a, k));
        RLockType.AddMethod("__enter__", (a, k) => Self(a, "__enter__").AcquireMethod(a[..1], null));
        RLockType.AddMethod("release", (a, k) => { ArgParser.Positional("release", a, k, 1, 1); Self(a, "release").Release(); return PyNone.Instance.NewRef(); });
        RLockType.AddMethod("__exit__", (a, k) => { Self(a, "__exit__").Release(); return PyNone.Instance.NewRef(); });
        RLockType.AddMethod("_is_owned", (a, k) => { ArgParser.Positional("_is_owned", a, k, 1, 1); var l = Self(a, "_is_owned"); return PyBool.From(l._count > 0 && l._owner == PyThreadState.Current.Ident); });
        // Condition.wait uses these to release an RLock completely and restore it after.
        RLockType.AddMethod("_release_save", (a, k) => { ArgParser.Positional("_release_save", a, k, 1, 1); return Self(a, "_release_save").ReleaseSave(); });
        RLockType.AddMethod("_acquire_restore", (a, k) => { ArgParser.Positional("_acquire_restore", a, k, 2, 2); Self(a, "_acquire_restore").AcquireRestore(a[1]); return PyNone.Instance.NewRef(); });
    }

    private static PyRLock Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyRLock l) throw Exc.TypeError($"descriptor '{name}' requires a '_thread.RLock' object");
        return l;
    }

    private PyObject AcquireMethod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int ms = PyLock.ParseAcquireArgs("acquire", a, k);
        var ts = PyThreadState.Current;
        if (_count > 0 && _owner == ts.Ident)
        {
            _count++;
            return PyBool.True.NewRef();
        }
        if (!PyLock.AcquireTimed(_lock, ts, ms)) return PyBool.False.NewRef();
        _owner = ts.Ident;
        _count = 1;
        return PyBool.True.NewRef();
    }

    private void Release()
    {
        if (_count == 0 || _owner != PyThreadState.Current.Ident) throw Exc.RuntimeError("cannot release un-acquired lock");
        if (--_count == 0)
        {
            _owner = 0;
            _lock.Release();
        }
    }

    private PyObject ReleaseSave()
    {
        if (_count == 0) throw Exc.RuntimeError("cannot release un-acquired lock");
        var state = PyTuple.Create(PyInt.FromLong(_count), PyInt.FromLong((long)_owner));
        _count = 0;
        _owner = 0;
        _lock.Release();
        return state;
    }

    private void AcquireRestore(PyObject state)
    {
        if (state is not PyTuple { Count: 2 } t) throw Exc.TypeError("_acquire_restore: a (count, owner) tuple is required");
        var ts = PyThreadState.Current;
        PyLock.AcquireTimed(_lock, ts, -1);
        _count = Ops.IndexAsLong(t[0]);
        _owner = ts.Ident;
    }

    public override PyStr Repr()
    {
        string state = _count > 0 ? "locked" : "unlocked";
        return PyStr.FromString($"<{state} _thread.RLock object owner={_owner} count={_count} at 0x{Heap.Address(this):x}>");
    }
}
