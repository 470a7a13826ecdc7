using System.Buffers.Binary;
using ToyPy.Modules;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// multiprocessing.connection.Connection (Lib/multiprocessing/connection.py):
/// one end of a Pipe, a raw descriptor (a pipe end, or a Unix socket for a
/// duplex Pipe). Messages are framed as CPython frames them, a 4-byte
/// big-endian length then the bytes; send/recv carry pickled objects.
/// Every wait drops the GIL and is cut in 50 ms slices so Ctrl-C ends it
/// with KeyboardInterrupt; the wait itself sees only the descriptor and
/// .NET buffers, never a Python object.
/// </summary>
public sealed class PyConnection : PyObject, IInheritable
{
    public static readonly PyType ConnectionType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("Connection", PyTypes.Object, null, null));

    public const byte Kind = 1;

    private int _fd;
    private readonly bool _readable, _writable;

    public PyConnection(int fd, bool readable, bool writable) : base(ConnectionType)
    {
        _fd = fd; _readable = readable; _writable = writable;
    }

    public int Fd => _fd;
    public byte HandleKind => Kind;
    public string SharingError => "Connection objects should only be shared between processes through inheritance";

    public void WriteState(BinaryWriter w) { w.Write(_readable); w.Write(_writable); }

    /// <summary>The child's end of a Connection sent to it (Unpickler.HandleFactory).</summary>
    public static PyObject FromInherited(int fd, BinaryReader r) => new PyConnection(fd, r.ReadBoolean(), r.ReadBoolean());

    static PyConnection()
    {
        var t = ConnectionType;
        t.ModuleName = "multiprocessing.connection";
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("send", (a, k) => { Args(a, k, "send", 1); Self(a).Send(Pickler.Dumps(a[1])); return None(); },
            "Send a (picklable) object.");
        t.AddMethod("recv", (a, k) => { Args(a, k, "recv", 0); return Unpickler.Loads(Self(a).Receive()); },
            "Receive a (picklable) object.");
        t.AddMethod("send_bytes", (a, k) => { Args(a, k, "send_bytes", 1); Self(a).Send(BytesArg(a[1])); return None(); },
            "Send the bytes data from a bytes-like object.");
        t.AddMethod("recv_bytes", (a, k) => { Args(a, k, "recv_bytes", 0); return PyBytes.FromBytes(Self(a).Receive()); },
            "Receive bytes data as a bytes object.");
        t.AddMethod("poll", (a, k) =>
        {
            var p = ArgParser.Parse("poll", a[1..], k, 0, 1, "timeout");
            int ms = 0;
            if (p[0] is PyNone) ms = -1;
            else if (p[0] is not null)
            {
                if (!PyFloat.TryAsDouble(p[0]!, out double seconds)) throw Exc.TypeError($"'{p[0]!.Type.Name}' object cannot be interpreted as a number");
                ms = (int)Math.Ceiling(Math.Max(0, seconds) * 1000);
            }
            return PyBool.From(Self(a).Poll(PyThreadState.Current, ms));
        }, "Whether there is any input available to be read.");
        t.AddMethod("close", (a, k) => { Args(a, k, "close", 0); Self(a).Close(); return None(); }, "Close the connection.");
        t.AddMethod("fileno", (a, k) => { Args(a, k, "fileno", 0); return PyInt.FromLong(Self(a).CheckOpen()); },
            "File descriptor or handle of the connection.");
        t.AddMethod("__enter__", (a, k) => Self(a).NewRef());
        t.AddMethod("__exit__", (a, k) => { Self(a).Close(); return None(); });
        MethodArgs.AddGetter(t, "closed", o => PyBool.From(((PyConnection)o)._fd < 0), "True if the connection is closed");
        MethodArgs.AddGetter(t, "readable", o => PyBool.From(((PyConnection)o)._readable), "True if the connection is readable");
        MethodArgs.AddGetter(t, "writable", o => PyBool.From(((PyConnection)o)._writable), "True if the connection is writable");
    }

    private static PyObject None() => PyNone.Instance.NewRef();

    private static PyConnection Self(ReadOnlySpan<PyObject> a) =>
        a.Length > 0 && a[0] is PyConnection c ? c : throw Exc.TypeError("descriptor requires a 'Connection' object");

    private static void Args(ReadOnlySpan<PyObject> a, PyTuple? k, string name, int n) => ArgParser.Positional(name, a, k, n + 1, n + 1);

    private static byte[] BytesArg(PyObject o) => o is PyBytes b ? b.Value
        : throw Exc.TypeError($"a bytes-like object is required, not '{o.Type.Name}'");

    private int CheckOpen() => _fd >= 0 ? _fd : throw Exc.OSError(9, "handle is closed");

    private int CheckReadable()
    {
        int fd = CheckOpen();
        return _readable ? fd : throw Exc.OSError(9, "connection is write-only");
    }

    /// <summary>Connection.send_bytes: header and body in one write, with the GIL dropped.</summary>
    public void Send(byte[] payload)
    {
        int fd = CheckOpen();
        if (!_writable) throw Exc.OSError(9, "connection is read-only");
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        var ts = PyThreadState.Current;
        int error = BlockingCall.Run(ts, () =>
        {
            try { Posix.WriteAll(fd, frame, 0, frame.Length); return 0; }
            catch (Posix.PosixException e) { return e.Error; }
        });
        if (error != 0) throw OsError(error);
    }

    /// <summary>Connection.recv_bytes: wait for a message (interruptible), then read it whole. EOFError at end of stream.</summary>
    public byte[] Receive()
    {
        int fd = CheckReadable();
        var ts = PyThreadState.Current;
        if (!Poll(ts, -1)) throw Exc.EOFError("");
        byte[]? body = null;
        int error = BlockingCall.Run(ts, () =>
        {
            try
            {
                var header = new byte[4];
                if (!Posix.ReadExactly(fd, header, 4)) return -1;
                body = new byte[BinaryPrimitives.ReadInt32BigEndian(header)];
                Posix.ReadExactly(fd, body, body.Length);
                return 0;
            }
            catch (EndOfStreamException) { return -1; }
            catch (Posix.PosixException e) { return e.Error; }
        });
        if (error == -1) throw new PyException(new PyBaseException(ExceptionTypes.EOFError, PyTuple.Empty()));
        if (error != 0) throw OsError(error);
        return body!;
    }

    /// <summary>Wait at most ms (-1: forever) for something to read (or the peer hanging up). Ctrl-C raises KeyboardInterrupt.</summary>
    public bool Poll(PyThreadState ts, int ms)
    {
        int fd = CheckReadable();
        if (Posix.Poll(fd, Posix.POLLIN, 0)) return true;
        if (ms == 0) return false;
        bool ready = BlockingCall.Run(ts, () => WaitSliced(ts, ms, slice => Posix.Poll(fd, Posix.POLLIN, slice)));
        if (!ready) ts.RaisePendingInterrupt();
        return ready;
    }

    /// <summary>Repeat a bounded wait in 50 ms slices until it succeeds, the deadline passes or Ctrl-C is pending. Plain .NET only.</summary>
    internal static bool WaitSliced(PyThreadState ts, int ms, Func<int, bool> waitSlice)
    {
        long deadline = ms < 0 ? long.MaxValue : Environment.TickCount64 + ms;
        while (true)
        {
            int slice = ms < 0 ? 50 : (int)Math.Clamp(deadline - Environment.TickCount64, 0, 50);
            if (waitSlice(slice)) return true;
            if (ts.PendingInterrupt || Environment.TickCount64 >= deadline) return false;
        }
    }

    private static PyException OsError(int errno) => errno switch
    {
        32 => Exc.OSError(32, "Broken pipe"),
        104 => Exc.OSError(104, "Connection reset by peer"),
        _ => Exc.OSError(errno, $"error {errno}"),
    };

    public void Close()
    {
        int fd = _fd;
        _fd = -1;
        Posix.Close(fd);
    }

    protected internal override void ClearReferences() => Close();

    public override PyStr Repr() =>
        PyStr.FromString($"<multiprocessing.connection.Connection object at 0x{Heap.Address(this):x}>");
}
