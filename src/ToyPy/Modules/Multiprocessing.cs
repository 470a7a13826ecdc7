using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// _multiprocessing: the C# core under Lib/multiprocessing.tpy, as
/// Modules/_multiprocessing and _posixsubprocess are under CPython's package.
///
/// How a child starts (CPython's spawn start method, Lib/multiprocessing/spawn.py):
///  1. the parent pickles the Process object; the descriptors of the pipes,
///     semaphores and shared memory it refers to are collected on the way;
///  2. it starts the same toypy executable (under `dotnet ToyPy.Cli.dll`, dotnet
///     and the dll) as `toypy --multiprocessing-fork FD`: FD is the read end of a
///     pipe carrying the preparation data (argv, main script, working directory)
///     and the pickled Process, and the collected descriptors follow it, FD+1...;
///  3. the child runs the parent's main script as module __mp_main__ (so code
///     under `if __name__ == '__main__':` does not run again), unpickles the
///     Process and calls its _bootstrap(), whose result is the exit status.
/// A background .NET thread per child waits for it (waitpid), so join(timeout)
/// and is_alive() never poll and a signal death reads as -N.
/// </summary>
public static class MultiprocessingModule
{
    /// <summary>The hidden command-line mode of a child process.</summary>
    public const string ChildFlag = "--multiprocessing-fork";

    /// <summary>A child started here: its exit code once the waiter thread has reaped it.</summary>
    private sealed class Child
    {
        public readonly ManualResetEventSlim Exited = new(false);
        public volatile int ExitCode;
    }

    private static readonly Dictionary<int, Child> s_children = new();

    // ------------------------------------------------------------------ parent side

    /// <summary>The command that starts this interpreter again: toypy itself, or dotnet and ToyPy.Cli.dll.</summary>
    private static (string Path, List<string> Argv) SelfCommand()
    {
        string exe = Environment.ProcessPath ?? throw Exc.OSError(2, "No such file or directory", "toypy");
        var argv = new List<string> { exe };
        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            string dll = Environment.GetCommandLineArgs()[0];
            if (!dll.EndsWith(".dll", StringComparison.Ordinal)) dll = Path.Combine(AppContext.BaseDirectory, "ToyPy.Cli.dll");
            argv.Add(dll);
        }
        return (exe, argv);
    }

    /// <summary>spawn(process_obj): start a child running process_obj._bootstrap(); answers its pid.</summary>
    public static PyObject Spawn(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("spawn", a, k, 1, 1);
        var ts = PyThreadState.Current;
        var interp = ts.Interp;
        using var pickler = new Pickler(spawning: true);
        pickler.Dump(a[0]);
        byte[] process = pickler.ToArray();
        var inherited = pickler.Inherited!;

        var prep = new MemoryStream();
        using (var w = new BinaryWriter(prep, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(interp.ScriptPath);
            w.Write(Directory.GetCurrentDirectory());
            w.Write(interp.Argv.Count);
            foreach (var arg in interp.Argv) w.Write(arg);
            w.Write(Heap.Tracking);
            w.Write(interp.Stdout.Unbuffered);
            w.Write((int)interp.Mode); // a child runs in its parent's thread mode, as it runs the same build
            w.Write(process.Length);
            w.Write(process);
        }
        byte[] payload = prep.ToArray();

        var (path, argv) = SelfCommand();
        var (readEnd, writeEnd) = Posix.Pipe();
        int firstFd = Math.Max(readEnd, writeEnd);
        foreach (int fd in inherited) firstFd = Math.Max(firstFd, fd);
        firstFd++;
        argv.Add(ChildFlag);
        argv.Add(firstFd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var fds = new List<int> { readEnd };
        fds.AddRange(inherited);

        int pid;
        try { pid = Posix.Spawn(path, argv, fds, firstFd); }
        catch (Posix.PosixException e)
        {
            Posix.Close(readEnd); Posix.Close(writeEnd);
            throw Exc.OSError(e.Error, "cannot start the child process", path);
        }
        finally { Posix.Close(readEnd); }

        var child = new Child();
        lock (s_children) s_children[pid] = child;
        var waiter = new Thread(() =>
        {
            int code;
            try { code = Posix.WaitExit(pid); }
            catch (Posix.PosixException) { code = 255; }
            child.ExitCode = code;
            child.Exited.Set();
        }, 256 * 1024) { IsBackground = true, Name = $"waitpid {pid}" };
        waiter.Start();

        // The child reads everything at once; a large payload still fills the pipe, so write without the GIL.
        BlockingCall.Run(ts, () =>
        {
            try { Posix.WriteAll(writeEnd, payload, 0, payload.Length); }
            catch (Posix.PosixException) { /* the child died early: its exit code tells */ }
            finally { Posix.Close(writeEnd); }
        });
        return PyInt.FromLong(pid);
    }

    private static Child ChildOf(PyObject pidObj)
    {
        int pid = Ops.IndexAsInt(pidObj);
        lock (s_children)
            return s_children.TryGetValue(pid, out var c) ? c : throw Exc.New(ExceptionTypes.ChildProcessError, "[Errno 10] No child processes");
    }

    /// <summary>wait(pid, timeout=None): the exit code once the child has ended, None if the timeout passed first.</summary>
    public static PyObject Wait(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("wait", a, k, 1, 2, "pid", "timeout");
        var child = ChildOf(p[0]!);
        int ms = -1;
        if (p[1] is not null && p[1] is not PyNone)
        {
            if (!PyFloat.TryAsDouble(p[1]!, out double seconds)) throw Exc.TypeError($"'{p[1]!.Type.Name}' object cannot be interpreted as a number");
            ms = (int)Math.Ceiling(Math.Max(0, seconds) * 1000);
        }
        if (!child.Exited.IsSet && ms != 0)
        {
            var ts = PyThreadState.Current;
            var exited = child.Exited;
            bool done = BlockingCall.Run(ts, () => PyConnection.WaitSliced(ts, ms, slice => exited.Wait(slice)));
            if (!done) ts.RaisePendingInterrupt();
        }
        return child.Exited.IsSet ? PyInt.FromLong(child.ExitCode) : PyNone.Instance.NewRef();
    }

    /// <summary>poll(pid): the exit code, or None while the child runs.</summary>
    public static PyObject Poll(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("poll", a, k, 1, 1);
        var child = ChildOf(a[0]);
        return child.Exited.IsSet ? PyInt.FromLong(child.ExitCode) : PyNone.Instance.NewRef();
    }

    /// <summary>kill(pid, signal): send a signal to a child (nothing if it has ended already).</summary>
    public static PyObject Kill(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("kill", a, k, 2, 2);
        var child = ChildOf(a[0]);
        int pid = Ops.IndexAsInt(a[0]), sig = Ops.IndexAsInt(a[1]);
        // A reaped pid may already belong to someone else: signal only a child not yet waited for.
        lock (child) if (!child.Exited.IsSet) Posix.Kill(pid, sig);
        return PyNone.Instance.NewRef();
    }

    /// <summary>Pipe(duplex=True): two Connections; a one-way pipe (reader, writer) when duplex is false.</summary>
    public static PyObject Pipe(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("Pipe", a, k, 0, 1, "duplex");
        bool duplex = p[0] is null || Ops.IsTrue(p[0]!);
        if (duplex)
        {
            var (x, y) = Posix.SocketPair();
            return PyTuple.Create(new PyConnection(x, true, true), new PyConnection(y, true, true));
        }
        var (r, wr) = Posix.Pipe();
        return PyTuple.Create(new PyConnection(r, true, false), new PyConnection(wr, false, true));
    }

    /// <summary>SemLock(kind, value, maxvalue): a semaphore shared with the children it is sent to.</summary>
    public static PyObject SemLock(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("SemLock", a, k, 3, 3, "kind", "value", "maxvalue");
        int kind = Ops.IndexAsInt(p[0]!), value = Ops.IndexAsInt(p[1]!), max = Ops.IndexAsInt(p[2]!);
        if (kind != PySemLock.RecursiveMutex && kind != PySemLock.Semaphore) throw Exc.ValueError("unrecognized kind");
        if (value < 0) throw Exc.ValueError("semaphore initial value must be >= 0");
        try { return PySemLock.Create(kind, value, max); }
        catch (Posix.PosixException e) { throw Exc.OSError(e.Error, "cannot create a semaphore"); }
    }

    /// <summary>SharedMemory(size): zero-filled memory shared with the children it is sent to.</summary>
    public static PyObject SharedMemory(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("SharedMemory", a, k, 1, 1);
        int size = Ops.IndexAsInt(a[0]);
        if (size < 0) throw Exc.ValueError("size must be >= 0");
        try { return PySharedMemory.Create(size); }
        catch (Posix.PosixException e) { throw Exc.OSError(e.Error, "cannot create shared memory"); }
    }

    /// <summary>dumps(obj): the bytes Connection.send would send.</summary>
    public static PyObject Dumps(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("dumps", a, k, 1, 1);
        return PyBytes.FromBytes(Pickler.Dumps(a[0]));
    }

    /// <summary>loads(data): the object dumps(obj) was made from.</summary>
    public static PyObject Loads(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("loads", a, k, 1, 1);
        if (a[0] is not PyBytes b) throw Exc.TypeError($"a bytes-like object is required, not '{a[0].Type.Name}'");
        return Unpickler.Loads(b.Value);
    }

    /// <summary>assert_spawning(name): the RuntimeError context.assert_spawning raises unless a child is being started.</summary>
    public static PyObject AssertSpawning(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("assert_spawning", a, k, 1, 1);
        if (!Pickler.Spawning)
            throw Exc.RuntimeError($"{Ops.StrString(a[0])} objects should only be shared between processes through inheritance");
        return PyNone.Instance.NewRef();
    }

    /// <summary>print_exc(): traceback.print_exc() for the exception being handled, on sys.stderr.</summary>
    public static PyObject PrintExc(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("print_exc", a, k, 0, 0);
        var ts = PyThreadState.Current;
        if (ts.HandledException is PyBaseException exc) Traceback.Print(ts.Interp, exc, ts.Interp.Stderr);
        return PyNone.Instance.NewRef();
    }

    /// <summary>format_exc(): traceback.format_exc(), the text print_exc() would print.</summary>
    public static PyObject FormatExc(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("format_exc", a, k, 0, 0);
        var ts = PyThreadState.Current;
        if (ts.HandledException is not PyBaseException exc) return PyStr.FromString("NoneType: None\n");
        var buffer = new MemoryStream();
        var output = new PyOutput(buffer, lineBuffered: false);
        Traceback.Print(ts.Interp, exc, output);
        output.Flush();
        return PyStr.FromString(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // ------------------------------------------------------------------ child side

    /// <summary>What the parent sent a child: set before the child's main module runs.</summary>
    private static byte[]? s_processData;
    private static int s_firstInheritedFd = -1;

    /// <summary>_load_process(): the child's Process object, unpickled once the main module has run.</summary>
    public static PyObject LoadProcess(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_load_process", a, k, 0, 0);
        var data = s_processData ?? throw Exc.RuntimeError("not a child process started by multiprocessing");
        s_processData = null;
        return new Unpickler(data, s_firstInheritedFd).Load();
    }

    /// <summary>
    /// `toypy --multiprocessing-fork FD`: read what the parent sent on FD, run
    /// its main script as __mp_main__ and the Process (Host.RunChild); answers
    /// the exit status.
    /// </summary>
    public static int RunChild(string[] args)
    {
        int fd = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        var buffer = new MemoryStream();
        var chunk = new byte[65536];
        int n;
        while ((n = Posix.Read(fd, chunk, 0, chunk.Length)) > 0) buffer.Write(chunk, 0, n);
        Posix.Close(fd);
        buffer.Position = 0;
        if (buffer.Length == 0) return 1; // the parent died before sending anything

        var interp = new Interpreter();
        using var r = new BinaryReader(buffer);
        string script = r.ReadString();
        string cwd = r.ReadString();
        int argc = r.ReadInt32();
        for (int i = 0; i < argc; i++) interp.Argv.Add(r.ReadString());
        bool refcheck = r.ReadBoolean();
        if (r.ReadBoolean()) { interp.Stdout.Unbuffered = true; interp.Stderr.Unbuffered = true; }
        interp.Mode = (ThreadMode)r.ReadInt32();
        interp.ApplyThreadMode();
        s_processData = r.ReadBytes(r.ReadInt32());
        s_firstInheritedFd = fd + 1;

        try { Directory.SetCurrentDirectory(cwd); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        interp.Stdin = TextReader.Null; // util._close_stdin(): the child's sys.stdin reads nothing
        interp.ScriptPath = script;
        if (script != "<string>") interp.ScriptDirectory = Path.GetDirectoryName(script)!;
        if (refcheck) Heap.StartTracking();

        var host = new Host(interp);
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; host.MainThread.RequestInterrupt(); };
        string? source = null;
        if (script != "<string>")
        {
            try { source = File.ReadAllText(script); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        int status = host.RunChild(source, script);
        if (refcheck)
        {
            // The audit of a child is printed only when it finds something: the parent's report is the program's.
            var report = RefAudit.Run(host);
            if (!report.Clean)
            {
                interp.Stderr.Write(report.Format());
                interp.Stderr.Flush();
                if (status == 0) status = 3;
            }
        }
        return status;
    }

    // ------------------------------------------------------------------ module table

    public static PyModule Create(Interpreter interp)
    {
        Unpickler.RegisterHandle(PyConnection.Kind, PyConnection.FromInherited);
        Unpickler.RegisterHandle(PySemLock.Kind, PySemLock.FromInherited);
        Unpickler.RegisterHandle(PySharedMemory.Kind, PySharedMemory.FromInherited);
        var m = new PyModule("_multiprocessing");
        m.AddFunction("spawn", Spawn, "spawn(process_obj) -> pid\n\nStart a child process running process_obj._bootstrap().");
        m.AddFunction("wait", Wait, "wait(pid, timeout=None) -> exit code or None");
        m.AddFunction("poll", Poll, "poll(pid) -> exit code or None");
        m.AddFunction("kill", Kill, "kill(pid, signal): signal a child that has not been reaped");
        m.AddFunction("Pipe", Pipe, "Pipe(duplex=True) -> (Connection, Connection)");
        m.AddFunction("SemLock", SemLock, "SemLock(kind, value, maxvalue) -> a semaphore shared with children");
        m.AddFunction("SharedMemory", SharedMemory, "SharedMemory(size) -> memory shared with children");
        m.AddFunction("dumps", Dumps, "dumps(obj) -> bytes");
        m.AddFunction("loads", Loads, "loads(data) -> object");
        m.AddFunction("assert_spawning", AssertSpawning, "assert_spawning(name): refuse to pickle name's object outside a spawn");
        m.AddFunction("print_exc", PrintExc, "print_exc(): print the traceback of the exception being handled");
        m.AddFunction("format_exc", FormatExc, "format_exc() -> the traceback of the exception being handled, as text");
        m.AddFunction("_load_process", LoadProcess, "the Process object sent to this child");
        m.AddObjectStealing("RECURSIVE_MUTEX", PyInt.FromLong(PySemLock.RecursiveMutex));
        m.AddObjectStealing("SEMAPHORE", PyInt.FromLong(PySemLock.Semaphore));
        m.AddObjectStealing("SEM_VALUE_MAX", PyInt.FromLong(PySemLock.SemValueMax));
        m.AddObjectStealing("is_child", PyBool.From(s_firstInheritedFd >= 0));
        m.Dict.SetItemString("Connection", PyConnection.ConnectionType);
        m.Dict.SetItemString("PicklingError", Pickler.PicklingError);
        m.Dict.SetItemString("UnpicklingError", Pickler.UnpicklingError);
        m.Dict.SetItemString("PickleError", Pickler.PickleError);
        return m;
    }
}
