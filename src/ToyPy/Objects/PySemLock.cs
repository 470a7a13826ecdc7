using ToyPy.Modules;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// _multiprocessing.SemLock (Modules/_multiprocessing/semaphore.c): a POSIX
/// semaphore shared between processes, the base of multiprocessing's Lock,
/// RLock, Semaphore and BoundedSemaphore (Lib/multiprocessing/synchronize.py,
/// here in Lib/multiprocessing.tpy). CPython names its sem_t with sem_open;
/// ToyPy puts it in an anonymous shared mapping (memfd) that children
/// inherit, so nothing is left in /dev/shm when a process dies.
/// As in semaphore.c, the owner and the recursion count are this process's
/// own bookkeeping: only the semaphore value is shared.
/// </summary>
public sealed class PySemLock : PyObject, IInheritable
{
    public static readonly PyType SemLockType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("SemLock", PyTypes.Object, null, null));

    public const byte Kind = 2;
    public const int RecursiveMutex = 0, Semaphore = 1;
    /// <summary>SEM_VALUE_MAX on Linux.</summary>
    public const int SemValueMax = int.MaxValue;

    private int _fd;
    private IntPtr _sem;
    private readonly int _kind, _maxValue;
    private int _count;          // acquisitions by this process not yet released
    private ulong _lastThread;   // the thread of the last acquisition (ISMINE)

    private PySemLock(int fd, IntPtr sem, int kind, int maxValue) : base(SemLockType)
    {
        _fd = fd; _sem = sem; _kind = kind; _maxValue = maxValue;
    }

    public static PySemLock Create(int kind, int value, int maxValue)
    {
        var (fd, address) = Posix.CreateSharedMemory(Posix.SemSize, "toypy-semlock");
        Posix.SemInit(address, (uint)value);
        return new PySemLock(fd, address, kind, maxValue);
    }

    public int Fd => _fd;
    public byte HandleKind => Kind;
    public string SharingError => _kind == RecursiveMutex
        ? "RLock objects should only be shared between processes through inheritance"
        : _maxValue == 1 ? "Lock objects should only be shared between processes through inheritance"
        : "Semaphore objects should only be shared between processes through inheritance";

    public void WriteState(BinaryWriter w) { w.Write(_kind); w.Write(_maxValue); }

    /// <summary>The child's view of a semaphore sent to it (Unpickler.HandleFactory).</summary>
    public static PyObject FromInherited(int fd, BinaryReader r)
    {
        int kind = r.ReadInt32(), maxValue = r.ReadInt32();
        return new PySemLock(fd, Posix.Map(fd, Posix.SemSize), kind, maxValue);
    }

    static PySemLock()
    {
        var t = SemLockType;
        t.ModuleName = "_multiprocessing";
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("acquire", (a, k) =>
        {
            var p = ArgParser.Parse("acquire", a[1..], k, 0, 2, "block", "timeout");
            bool block = p[0] is null || Ops.IsTrue(p[0]!);
            int ms = -1;
            if (!block) ms = 0;
            else if (p[1] is not null && p[1] is not PyNone)
            {
                if (!PyFloat.TryAsDouble(p[1]!, out double seconds)) throw Exc.TypeError($"'{p[1]!.Type.Name}' object cannot be interpreted as a number");
                ms = (int)Math.Ceiling(Math.Max(0, seconds) * 1000);
            }
            return PyBool.From(Self(a).Acquire(PyThreadState.Current, ms));
        }, "Acquire the semaphore/lock.");
        t.AddMethod("release", (a, k) => { ArgParser.Positional("release", a, k, 1, 1); Self(a).Release(); return PyNone.Instance.NewRef(); },
            "Release the semaphore/lock.");
        t.AddMethod("__enter__", (a, k) => PyBool.From(Self(a).Acquire(PyThreadState.Current, -1)));
        t.AddMethod("__exit__", (a, k) => { Self(a).Release(); return PyNone.Instance.NewRef(); });
        t.AddMethod("_count", (a, k) => PyInt.FromLong(Self(a)._count), "Num of `acquire()`s minus num of `release()`s for this process.");
        t.AddMethod("_is_mine", (a, k) => PyBool.From(Self(a).IsMine), "Whether the lock is owned by this thread.");
        t.AddMethod("_get_value", (a, k) => PyInt.FromLong(Posix.SemGetValue(Self(a).Sem)), "Get the value of the semaphore.");
        t.AddMethod("_is_zero", (a, k) => PyBool.From(Posix.SemGetValue(Self(a).Sem) == 0), "Return whether semaphore has value zero.");
        MethodArgs.AddGetter(t, "kind", o => PyInt.FromLong(((PySemLock)o)._kind), "");
        MethodArgs.AddGetter(t, "maxvalue", o => PyInt.FromLong(((PySemLock)o)._maxValue), "");
    }

    private static PySemLock Self(ReadOnlySpan<PyObject> a) =>
        a.Length > 0 && a[0] is PySemLock s ? s : throw Exc.TypeError("descriptor requires a '_multiprocessing.SemLock' object");

    private IntPtr Sem => _sem != IntPtr.Zero ? _sem : throw Exc.OSError(9, "Bad file descriptor");

    private bool IsMine => _count > 0 && _lastThread == PyThreadState.Current.Ident;

    /// <summary>semlock_acquire: recursion for an RLock, a try without waiting, then an interruptible wait with the GIL dropped.</summary>
    public bool Acquire(PyThreadState ts, int ms)
    {
        var sem = Sem;
        if (_kind == RecursiveMutex && IsMine) { _count++; return true; }
        bool acquired = Posix.SemTryWait(sem);
        if (!acquired && ms != 0)
        {
            acquired = BlockingCall.Run(ts, () => PyConnection.WaitSliced(ts, ms, slice => Posix.SemWait(sem, slice)));
            if (!acquired) ts.RaisePendingInterrupt();
        }
        if (acquired) { _count++; _lastThread = ts.Ident; }
        return acquired;
    }

    /// <summary>semlock_release, with semaphore.c's checks and messages.</summary>
    public void Release()
    {
        var sem = Sem;
        if (_kind == RecursiveMutex)
        {
            if (!IsMine) throw Exc.AssertionError("attempt to release recursive lock not owned by thread");
            if (_count > 1) { _count--; return; }
        }
        else if (_maxValue != SemValueMax && Posix.SemGetValue(sem) >= _maxValue)
            throw Exc.ValueError("semaphore or lock released too many times");
        Posix.SemPost(sem);
        if (_count > 0) _count--;
    }

    protected internal override void ClearReferences()
    {
        Posix.Unmap(_sem, Posix.SemSize);
        _sem = IntPtr.Zero;
        Posix.Close(_fd);
        _fd = -1;
    }
}
