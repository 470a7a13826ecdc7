using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The _thread module (Modules/_threadmodule.c): real OS threads, locks and
/// thread identities. threading (Lib/threading.tpy) is written in Python on
/// top of it, as CPython's is.
///
/// A new thread gets its own PyThreadState and runs only while it holds the
/// GIL: it takes the lock before its first instruction and drops it for good
/// when the function returns.
/// </summary>
public static class ThreadModule
{
    /// <summary>Stack for threads started here; Python calls do not recurse on it, host callbacks do.</summary>
    private const int ThreadStackBytes = 16 * 1024 * 1024;

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("_thread");
        m.AddFunction("start_new_thread", StartNewThread);
        m.AddFunction("start_new", StartNewThread);
        m.AddFunction("allocate_lock", AllocateLock);
        m.AddFunction("allocate", AllocateLock);
        m.AddFunction("get_ident", GetIdent);
        m.AddFunction("get_native_id", GetNativeId);
        m.AddFunction("_count", Count);
        m.AddFunction("_set_sentinel", SetSentinel);
        m.AddFunction("_excepthook", ExceptHook);
        m.AddFunction("stack_size", StackSize);
        m.AddFunction("_set_name", SetName);
        m.AddFunction("daemon_threads_allowed", (a, k) => PyBool.True.NewRef());
        m.Dict.SetItemString("LockType", PyLock.LockType);
        m.Dict.SetItemString("RLock", PyRLock.RLockType);
        m.Dict.SetItemString("error", ExceptionTypes.RuntimeError);
        m.AddObjectStealing("TIMEOUT_MAX", PyFloat.FromDouble(PyLock.TimeoutMax));
        return m;
    }

    /// <summary>start_new_thread(function, args[, kwargs]): start a thread running function(*args, **kwargs); answers its ident.</summary>
    public static PyObject StartNewThread(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("start_new_thread", a, k, 2, 3);
        var function = a[0];
        if (!Ops.IsCallable(function)) throw Exc.TypeError("first arg must be callable");
        if (a[1] is not PyTuple args) throw Exc.TypeError("2nd arg must be a tuple");
        PyDict? kwargs = null;
        if (a.Length == 3)
        {
            if (a[2] is PyDict d) kwargs = d;
            else throw Exc.TypeError("optional 3rd arg must be a dictionary");
        }
        var ts = PyThreadState.Current;
        var interp = ts.Interp;
        function.Incref(); args.Incref(); kwargs?.Incref();
        ulong ident = 0;
        using var started = new ManualResetEventSlim(false);
        var thread = new Thread(() =>
        {
            var child = new PyThreadState(interp, "Thread");
            child.Attach();
            ident = child.Ident;
            started.Set();
            Bootstrap(child, function, args, kwargs);
        }, ThreadStackBytes) { IsBackground = true };
        Interlocked.Increment(ref interp.RunningThreads);
        try { thread.Start(); }
        catch (OutOfMemoryException)
        {
            Interlocked.Decrement(ref interp.RunningThreads);
            function.Decref(); args.Decref(); kwargs?.Decref();
            throw Exc.RuntimeError("can't start new thread");
        }
        // The child publishes its ident before it asks for the GIL, so this wait is short and holds nobody up.
        started.Wait();
        return PyInt.FromLong((long)ident);
    }

    /// <summary>The new thread's life: take the GIL, run the function, release what it held, drop the GIL for good.</summary>
    private static void Bootstrap(PyThreadState ts, PyObject function, PyTuple args, PyDict? kwargs)
    {
        var interp = ts.Interp;
        if (interp.Mode == ThreadMode.Gil) interp.Gil.Take(ts);
        try
        {
            try { Ops.CallWithDict(function, args, kwargs).Decref(); }
            catch (PyException e)
            {
                if (e.Value.Type.IsSubtypeOf(ExceptionTypes.SystemExit)) e.Value.Decref();
                else
                {
                    using var where = new TempRef(Ops.Repr(function));
                    Finalizer.ReportUnraisable(ts, e.Value, "thread started by: " + ((PyStr)where.Value).Value);
                }
            }
            function.Decref(); args.Decref(); kwargs?.Decref();
            if (ts.Sentinel is { } sentinel)
            {
                ts.Sentinel = null;
                sentinel.ReleaseIfLocked();
                sentinel.Decref();
            }
        }
        catch (Exception ex) when (ex is not PyException)
        {
            if (RefRace.Enabled) RefRace.Fatal($"{ex.GetType().Name} in {ts.Name}: interpreter state corrupted by a race");
            interp.Stderr.Write($"toypy: internal error in thread: {ex.GetType().Name}: {ex.Message}\n");
            if (Environment.GetEnvironmentVariable("TOYPY_DEBUG") == "1") interp.Stderr.Write(ex + "\n");
            interp.Stderr.Flush();
            interp.Stdout.Flush();
            Environment.Exit(70);
        }
        finally
        {
            Interlocked.Decrement(ref interp.RunningThreads);
            ts.Stats.Ended = System.Diagnostics.Stopwatch.GetTimestamp();
            PyThreadState.Detach();
            if (interp.Mode == ThreadMode.Gil) interp.Gil.Drop(ts, GilDropReason.ThreadExit);
        }
    }

    public static PyObject AllocateLock(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("allocate_lock", a, k, 0, 0);
        return new PyLock();
    }

    public static PyObject GetIdent(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("get_ident", a, k, 0, 0);
        return PyInt.FromLong((long)PyThreadState.Current.Ident);
    }

    public static PyObject GetNativeId(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("get_native_id", a, k, 0, 0);
        return PyInt.FromLong(PyThreadState.Current.NativeId);
    }

    /// <summary>_count(): threads started by start_new_thread that have not finished.</summary>
    public static PyObject Count(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_count", a, k, 0, 0);
        return PyInt.FromLong(PyThreadState.Current.Interp.RunningThreads);
    }

    /// <summary>_set_sentinel(): a lock (threading acquires it) that is released when this thread's state goes away; Thread.join waits on it.</summary>
    public static PyObject SetSentinel(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_set_sentinel", a, k, 0, 0);
        var ts = PyThreadState.Current;
        var sentinel = new PyLock();
        ts.Sentinel?.Decref();
        ts.Sentinel = sentinel;
        return sentinel.NewRef();
    }

    /// <summary>_set_name(name): name the calling thread, for --gil-stats, --gil-trace and the OS (as CPython 3.14 does).</summary>
    public static PyObject SetName(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_set_name", a, k, 1, 1);
        if (a[0] is not PyStr name) throw Exc.TypeError($"_set_name() argument must be str, not {a[0].Type.Name}");
        PyThreadState.Current.Name = name.Value;
        try { Thread.CurrentThread.Name ??= name.Value; } catch (InvalidOperationException) { }
        return PyNone.Instance.NewRef();
    }

    public static PyObject StackSize(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("stack_size", a, k, 0, 1);
        if (a.Length == 1)
        {
            long size = Ops.IndexAsLong(a[0]);
            if (size != 0 && size < 32768) throw Exc.ValueError("size not valid: 32768 bytes");
        }
        return PyInt.FromLong(0);
    }

    /// <summary>_excepthook(args): threading.excepthook's default, printing "Exception in thread NAME:" and the traceback.</summary>
    public static PyObject ExceptHook(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_excepthook", a, k, 1, 1);
        var hookArgs = a[0];
        using var type = new TempRef(Ops.GetAttr(hookArgs, "exc_type"));
        if (type.Value is PyType t && t.IsSubtypeOf(ExceptionTypes.SystemExit)) return PyNone.Instance.NewRef();
        using var value = new TempRef(Ops.GetAttr(hookArgs, "exc_value"));
        using var thread = new TempRef(Ops.GetAttr(hookArgs, "thread"));
        string name;
        if (thread.Value is PyNone) name = PyThreadState.Current.Ident.ToString();
        else
        {
            using var n = new TempRef(Ops.GetAttr(thread.Value, "name"));
            name = Ops.StrString(n.Value);
        }
        var interp = PyThreadState.Current.Interp;
        interp.Stderr.Write($"Exception in thread {name}:\n");
        if (value.Value is PyBaseException exc) Traceback.Print(interp, exc, interp.Stderr);
        else interp.Stderr.Write(Ops.StrString(type.Value) + "\n");
        interp.Stderr.Flush();
        return PyNone.Instance.NewRef();
    }
}
