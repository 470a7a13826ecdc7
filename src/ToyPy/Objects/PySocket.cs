using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ToyPy.Modules;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// socket.socket (Modules/socketmodule.c and the class in Lib/socket.py) over
/// a .NET System.Net.Sockets.Socket. The timeout works as CPython's does
/// (socketmodule.c's comment on sock_settimeout):
///
///   settimeout(None)  gettimeout() None   the OS socket blocks
///   settimeout(0.0)   gettimeout() 0.0    non-blocking: BlockingIOError when it would block
///   settimeout(x > 0) gettimeout() x      non-blocking OS socket; each operation first
///                                         waits (poll) for readiness for at most the time
///                                         left, then raises TimeoutError('timed out')
///
/// Every operation that can wait (accept, connect, send, sendall, recv,
/// recvfrom, sendto, close) runs through BlockingCall.Run so other threads
/// run meanwhile. The code inside those calls (the "without the GIL" section
/// below) sees only .NET values and reports an errno; the Python objects and
/// exceptions are made after it returns. A socket freed while open closes
/// its OS socket, as CPython's sock_finalize does (without the
/// ResourceWarning, which CPython does not show by default).
/// </summary>
public sealed class PySocket : PyObject
{
    /// <summary>_socket.socket (socket.SocketType): the C-level type with the socket calls.</summary>
    public static readonly PyType BaseType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("socket", PyTypes.Object, TypeNew, t => new PySocket(t)));

    /// <summary>socket.socket: Lib/socket.py's subclass, adding accept, the context manager, enum-valued family/type and its repr.</summary>
    public static readonly PyType SocketType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("socket", BaseType, TypeNew, t => new PySocket(t)));

    public const int AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10;
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3;

    private Socket? _sock;
    private int _fd = -1;
    private int _family = AF_INET, _kind = SOCK_STREAM, _proto;
    /// <summary>Seconds; negative for None (blocking).</summary>
    private double _timeout = -1;
    private PyDict? _dict;

    public PySocket(PyType type) : base(type)
    {
        if (type.IsHeapType) type.Incref();
    }

    static PySocket()
    {
        BaseType.ModuleName = "_socket";
        SocketType.ModuleName = "socket";
        InitBaseType(BaseType);
        InitType(SocketType);
    }

    public int Family => _family;
    public bool IsClosed => _sock is null;

    private static PyException BadFd() => SocketModule.Error(SocketModule.EBADF);

    /// <summary>The open .NET socket, or OSError [Errno 9] Bad file descriptor.</summary>
    private Socket Live => _sock ?? throw BadFd();

    // ------------------------------------------------------------------ creation

    /// <summary>socket(family=AF_INET, type=SOCK_STREAM, proto=0): a new open socket (new reference).</summary>
    public static PySocket Open(int family, int kind, int proto)
    {
        var s = new PySocket(SocketType);
        try { s.OpenSocket(family, kind, proto); } catch { s.Decref(); throw; }
        return s;
    }

    private void OpenSocket(int family, int kind, int proto)
    {
        var af = family switch
        {
            AF_INET => AddressFamily.InterNetwork,
            AF_INET6 => AddressFamily.InterNetworkV6,
            AF_UNIX => throw Exc.NotImplementedError("socket family AF_UNIX is not supported by ToyPy"),
            _ => throw SocketModule.Error(97),
        };
        if (kind is not (SOCK_STREAM or SOCK_DGRAM or SOCK_RAW or 4 or 5)) throw SocketModule.Error(22);
        Socket sock;
        try { sock = new Socket(af, (System.Net.Sockets.SocketType)kind, (ProtocolType)proto); }
        catch (SocketException e) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
        Attach(sock, family, kind, proto, SocketModule.DefaultTimeout);
    }

    private void Attach(Socket sock, int family, int kind, int proto, double timeout)
    {
        var old = _sock;
        _sock = sock;
        _fd = (int)sock.Handle;
        _family = family; _kind = kind; _proto = proto;
        _timeout = timeout;
        sock.Blocking = timeout < 0;
        old?.Dispose();
    }

    /// <summary>socket.__init__(family=-1, type=-1, proto=-1, fileno=None).</summary>
    private void Init(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var p = ArgParser.Parse("socket", args, kwnames, 0, 4, "family", "type", "proto", "fileno");
        static int IntArg(PyObject? o, int dflt) => o is null || o is PyNone ? dflt : Ops.IndexAsInt(o);
        int family = IntArg(p[0], -1), kind = IntArg(p[1], -1), proto = IntArg(p[2], -1);
        if (p[3] is not null && p[3] is not PyNone)
            throw Exc.NotImplementedError("socket.socket(fileno=...) is not supported by ToyPy");
        OpenSocket(family == -1 ? AF_INET : family, kind == -1 ? SOCK_STREAM : kind, proto == -1 ? 0 : proto);
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var s = new PySocket(type);
        try { s.Init(args, kwnames); } catch { s.Decref(); throw; }
        return s;
    }

    // ------------------------------------------------------------------ without the GIL
    // Everything in this section runs inside BlockingCall.Run while other threads may run
    // Python code: it sees only .NET values (the Socket, byte arrays, numbers) and reports
    // through its return value (0, an errno, or TimedOut), never touching a Python object.

    private const int TimedOut = -1;

    private static long Deadline(double timeout) =>
        Stopwatch.GetTimestamp() + (long)Math.Min(timeout * Stopwatch.Frequency, long.MaxValue / 2.0);

    /// <summary>Wait (poll) until s is readable / writable, up to the deadline; false when the time is up.</summary>
    private static bool WaitReady(Socket s, bool writing, long deadline)
    {
        while (true)
        {
            double left = (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency;
            if (left < 0) return false;
            // Round up to whole milliseconds (poll's unit), as CPython's _PyTime_ROUND_CEILING does.
            double ms = Math.Ceiling(left * 1000);
            int chunk = (int)Math.Min(ms, int.MaxValue / 1000);
            if (s.Poll(chunk * 1000, writing ? SelectMode.SelectWrite : SelectMode.SelectRead)) return true;
            if (chunk >= ms) return false;
        }
    }

    /// <summary>
    /// sock_call_ex: with a timeout, wait for readiness (bounded by the time left) and then try
    /// op, again while it would block; without one, run op once, blocking or not as the OS
    /// socket is set. dontWait (MSG_DONTWAIT) fails with EAGAIN instead of blocking.
    /// </summary>
    private static int Attempt<T>(Socket s, double timeout, bool writing, bool dontWait, Func<Socket, T> op, out T result)
    {
        result = default!;
        try
        {
            if (dontWait && !s.Poll(0, writing ? SelectMode.SelectWrite : SelectMode.SelectRead)) return SocketModule.EAGAIN;
            if (timeout <= 0 || dontWait) { result = op(s); return 0; }
            long deadline = Deadline(timeout);
            while (true)
            {
                if (!WaitReady(s, writing, deadline)) return TimedOut;
                try { result = op(s); return 0; }
                catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock) { }
            }
        }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { return SocketModule.ErrnoOf(e); }
    }

    /// <summary>sock_connect_impl: connect, then (with a timeout) wait until writable and read SO_ERROR.</summary>
    private static int ConnectWithoutGil(Socket s, EndPoint ep, double timeout)
    {
        try
        {
            if (timeout < 0) { s.Connect(ep); return 0; }
            try { s.Connect(ep); return 0; }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
            {
                // .NET reports the non-blocking connect's EINPROGRESS as EAGAIN.
                if (timeout == 0) return SocketModule.EINPROGRESS;
            }
            if (!WaitReady(s, writing: true, Deadline(timeout))) return TimedOut;
            Span<byte> err = stackalloc byte[4];
            s.GetRawSocketOption(SocketModule.SOL_SOCKET, SocketModule.SO_ERROR, err);
            return BitConverter.ToInt32(err);
        }
        catch (InvalidOperationException) { return SocketModule.EISCONN; } // .NET refuses connect on a listening socket
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { return SocketModule.ErrnoOf(e); }
    }

    /// <summary>sendall: send every byte, with one deadline for the whole call (3.5+).</summary>
    private static int SendAllWithoutGil(Socket s, byte[] data, SocketFlags flags, double timeout)
    {
        try
        {
            long deadline = timeout > 0 ? Deadline(timeout) : 0;
            int offset = 0;
            do
            {
                if (timeout > 0 && !WaitReady(s, writing: true, deadline)) return TimedOut;
                try { offset += s.Send(data, offset, data.Length - offset, flags); }
                catch (SocketException e) when (timeout > 0 && e.SocketErrorCode == SocketError.WouldBlock) { }
            } while (offset < data.Length);
            return 0;
        }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { return SocketModule.ErrnoOf(e); }
    }

    // ------------------------------------------------------------------ running operations

    /// <summary>Run op on the socket under its timeout, releasing the GIL; raises the error it came to.</summary>
    private T Call<T>(bool writing, Func<Socket, T> op, bool dontWait = false)
    {
        var s = Live;
        double timeout = _timeout;
        var ts = PyThreadState.Current;
        T result = default!;
        int err = BlockingCall.Run(ts, () =>
        {
            int e = Attempt(s, timeout, writing, dontWait, op, out var r);
            result = r;
            return e;
        });
        if (err != 0) throw Failure(err);
        return result;
    }

    /// <summary>The exception for an errno an operation came to (TimeoutError for TimedOut; EBADF once closed meanwhile).</summary>
    private PyException Failure(int err)
    {
        if (err == TimedOut) return Exc.New(ExceptionTypes.TimeoutError, "timed out");
        if (_sock is null) return BadFd(); // closed by another thread while this one waited
        return SocketModule.Error(err);
    }

    private static SocketFlags Flags(ReadOnlySpan<PyObject> args, int i, out bool dontWait, out bool waitAll)
    {
        int f = args.Length > i ? Ops.IndexAsInt(args[i]) : 0;
        dontWait = (f & SocketModule.MSG_DONTWAIT) != 0;
        waitAll = (f & SocketModule.MSG_WAITALL) != 0;
        f &= ~(SocketModule.MSG_DONTWAIT | SocketModule.MSG_WAITALL);
        // MSG_OOB, MSG_PEEK and MSG_DONTROUTE have the same values in .NET's SocketFlags.
        if ((f & ~7) != 0) throw SocketModule.Error(SocketModule.EOPNOTSUPP);
        return (SocketFlags)f;
    }

    private static byte[] BytesArg(PyObject o) =>
        o is PyBytes b ? b.Value : throw Exc.TypeError($"a bytes-like object is required, not '{o.Type.Name}'");

    // ------------------------------------------------------------------ operations

    /// <summary>accept(): wait for a connection; (new socket, address).</summary>
    public PyObject Accept()
    {
        var conn = Call(false, s => s.Accept());
        // Lib/socket.py's accept: the new socket has the default timeout, whatever the listener's.
        var ps = new PySocket(SocketType);
        try
        {
            ps.Attach(conn, _family, _kind, _proto, SocketModule.DefaultTimeout);
            var addr = SocketModule.AddressTuple(conn.RemoteEndPoint, _family);
            return PyTuple.Create(ps, addr);
        }
        catch { ps.Decref(); throw; }
    }

    /// <summary>connect(address) / connect_ex(address): the errno (0 when connected); raises for a bad address.</summary>
    private int Connect(string fname, PyObject address)
    {
        if (_sock is null) return SocketModule.EBADF;
        return ConnectEndPoint(SocketModule.SockAddr(fname, address, _family));
    }

    /// <summary>Connect to a resolved address, raising what it came to (create_connection).</summary>
    internal void ConnectTo(EndPoint ep)
    {
        int err = ConnectEndPoint(ep);
        if (err != 0) throw Failure(err);
    }

    private int ConnectEndPoint(EndPoint ep)
    {
        var s = Live;
        double timeout = _timeout;
        var ts = PyThreadState.Current;
        int err = BlockingCall.Run(ts, () => ConnectWithoutGil(s, ep, timeout));
        if (err != 0 && err != TimedOut && _sock is null) err = SocketModule.EBADF;
        return err;
    }

    internal void Bind(PyObject address)
    {
        var s = Live;
        var ep = SocketModule.SockAddr("bind", address, _family);
        try { s.Bind(ep); }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
    }

    internal void Listen(int backlog)
    {
        var s = Live;
        try
        {
            // The kernel binds an unbound socket on listen(); binding first keeps .NET's local address right.
            if (s.LocalEndPoint is null)
                s.Bind(new IPEndPoint(_family == AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
            s.Listen(Math.Max(backlog, 0));
        }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
    }

    private PyObject Recv(long size, SocketFlags flags, bool dontWait, bool waitAll)
    {
        if (size < 0) throw Exc.ValueError("negative buffersize in recv");
        if (size > int.MaxValue) throw Exc.OverflowError("Python int too large to convert to C ssize_t");
        if (size == 0) return PyBytes.FromBytes(Array.Empty<byte>()); // sock_recv answers recv(0) without a system call
        var buf = new byte[size];
        int n = Call(false, s => s.Receive(buf, 0, buf.Length, flags), dontWait);
        // MSG_WAITALL: keep reading until the buffer is full or the peer closes.
        while (waitAll && n < buf.Length)
        {
            int got = Call(false, s => s.Receive(buf, n, buf.Length - n, flags), dontWait);
            if (got == 0) break;
            n += got;
        }
        if (n < buf.Length) Array.Resize(ref buf, n);
        return PyBytes.FromBytes(buf);
    }

    private void SendAll(byte[] data, SocketFlags flags)
    {
        var s = Live;
        double timeout = _timeout;
        var ts = PyThreadState.Current;
        int err = BlockingCall.Run(ts, () => SendAllWithoutGil(s, data, flags, timeout));
        if (err != 0) throw Failure(err);
    }

    /// <summary>close(): release the OS socket (idempotent). Other threads waiting on it fail with EBADF.</summary>
    public void Close()
    {
        var s = _sock;
        if (s is null) return;
        _sock = null;
        _fd = -1;
        BlockingCall.Run(PyThreadState.Current, () => s.Dispose());
    }

    private void Shutdown(int how)
    {
        var s = Live;
        if (how is < 0 or > 2) throw SocketModule.Error(22);
        try { s.Shutdown((SocketShutdown)how); }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
    }

    /// <summary>settimeout / setblocking: record the timeout, then set the OS socket's mode (EBADF once closed, as CPython).</summary>
    internal void SetTimeout(double timeout)
    {
        _timeout = timeout;
        Live.Blocking = timeout < 0;
    }

    private PyObject GetSockName()
    {
        var s = Live;
        EndPoint? ep;
        try { ep = s.LocalEndPoint; }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
        return SocketModule.AddressTuple(ep, _family);
    }

    private PyObject GetPeerName()
    {
        var s = Live;
        EndPoint? ep;
        try { ep = s.RemoteEndPoint; }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
        if (ep is null) throw SocketModule.Error(SocketModule.ENOTCONN);
        return SocketModule.AddressTuple(ep, _family);
    }

    internal void SetSockOpt(int level, int name, PyObject value)
    {
        var s = Live;
        byte[] raw = value switch
        {
            PyBytes b => b.Value,
            PyInt => BitConverter.GetBytes(Ops.IndexAsInt(value)),
            _ => throw Exc.TypeError($"a bytes-like object is required, not '{value.Type.Name}'"),
        };
        try { s.SetRawSocketOption(level, name, raw); }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
    }

    private PyObject GetSockOpt(int level, int name, int buflen)
    {
        var s = Live;
        if (buflen == 0 ? false : buflen < 0 || buflen > 1024) throw Exc.New(ExceptionTypes.OSError, "getsockopt buflen out of range");
        var buf = new byte[buflen == 0 ? 4 : buflen];
        int n;
        try { n = s.GetRawSocketOption(level, name, buf); }
        catch (Exception e) when (SocketModule.IsSocketFailure(e)) { throw SocketModule.Error(SocketModule.ErrnoOf(e)); }
        if (buflen == 0) return PyInt.FromLong(BitConverter.ToInt32(buf));
        Array.Resize(ref buf, n);
        return PyBytes.FromBytes(buf);
    }

    // ------------------------------------------------------------------ protocols

    public override PyStr Repr()
    {
        if (!Type.IsSubtypeOf(SocketType)) return PyStr.FromString($"<socket object, fd={_fd}, family={_family}, type={_kind}, proto={_proto}>");
        var sb = new StringBuilder("<").Append(Type.ModuleName).Append('.').Append(Type.QualName);
        if (_sock is null) sb.Append(" [closed]");
        sb.Append($" fd={_fd}, family={_family}, type={_kind}, proto={_proto}");
        if (_sock is { } s)
        {
            // Lib/socket.py's __repr__ leaves out an address it cannot get.
            try { AppendAddress(sb, ", laddr=", s.LocalEndPoint); }
            catch (Exception e) when (SocketModule.IsSocketFailure(e)) { }
            try { if (s.RemoteEndPoint is { } r) AppendAddress(sb, ", raddr=", r); }
            catch (Exception e) when (SocketModule.IsSocketFailure(e)) { }
        }
        return PyStr.FromString(sb.Append('>').ToString());
    }

    private void AppendAddress(StringBuilder sb, string label, EndPoint? ep)
    {
        var t = SocketModule.AddressTuple(ep, _family);
        try { sb.Append(label).Append(Ops.ReprString(t)); } finally { t.Decref(); }
    }

    public override PyDict? InstanceDict => Type.IsHeapType ? (_dict ??= new PyDict()) : null;

    public override void Traverse(Action<PyObject> visit)
    {
        if (_dict is not null) visit(_dict);
        if (Type.IsHeapType) visit(Type);
    }

    protected internal override void ClearReferences()
    {
        // sock_finalize: a socket that dies open closes its OS socket.
        var s = _sock;
        _sock = null;
        _fd = -1;
        try { s?.Dispose(); } catch (Exception) { }
        var d = _dict; _dict = null;
        d?.Decref();
        if (Type.IsHeapType) Type.Decref();
    }

    // ------------------------------------------------------------------ methods

    private static PySocket Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length > 0 && a[0] is PySocket s) return s;
        string what = a.Length == 0 ? "NoneType" : a[0].Type.Name;
        throw Exc.TypeError($"descriptor '{name}' for '_socket.socket' objects doesn't apply to a '{what}' object");
    }

    /// <summary>The arguments after self, checked as PyArg_ParseTuple / METH_O / METH_NOARGS check them.</summary>
    private static ReadOnlySpan<PyObject> Args(ReadOnlySpan<PyObject> a, PyTuple? k, string name, int min, int max)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError($"socket.{name}() takes no keyword arguments");
        int n = a.Length - 1;
        if (min == max && max == 0 && n > 0) throw Exc.TypeError($"socket.{name}() takes no arguments ({n} given)");
        if (min == max && max == 1 && n != 1) throw Exc.TypeError($"socket.{name}() takes exactly one argument ({n} given)");
        if (n < min) throw Exc.TypeError($"{name}() takes at least {min} argument{(min == 1 ? "" : "s")} ({n} given)");
        if (n > max) throw Exc.TypeError($"{name}() takes at most {max} argument{(max == 1 ? "" : "s")} ({n} given)");
        return a[1..];
    }

    /// <summary>For the methods Lib/socket.py defines in Python (accept, close, __enter__...).</summary>
    private static void NoArgs(ReadOnlySpan<PyObject> a, PyTuple? k, string name)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError($"socket.{name}() got an unexpected keyword argument '{((PyStr)k[0]).Value}'");
        if (a.Length != 1) throw Exc.TypeError($"socket.{name}() takes 1 positional argument but {a.Length} were given");
    }

    private static PyObject None() => PyNone.Instance.NewRef();

    private static void Add(PyType t, string name, string doc, BuiltinFn fn) => t.AddMethod(name, fn, doc);

    /// <summary>What Lib/socket.py's class adds to _socket.socket.</summary>
    private static void InitType(PyType t)
    {
        Add(t, "__repr__", "Return repr(self).", (a, k) => Self(a, "__repr__").Repr());
        Add(t, "__enter__", "Return the socket itself.", (a, k) => { NoArgs(a, k, "__enter__"); return Self(a, "__enter__").NewRef(); });
        Add(t, "__exit__", "Close the socket.", (a, k) => { Self(a, "__exit__").Close(); return None(); });
        Add(t, "accept", "accept() -> (socket object, address info)\n\nWait for an incoming connection.",
            (a, k) => { NoArgs(a, k, "accept"); return Self(a, "accept").Accept(); });
        Add(t, "makefile", "makefile(): not supported by ToyPy.",
            (a, k) => throw Exc.NotImplementedError("socket.makefile() is not supported by ToyPy"));
        AddGetter(t, "family", s => PyIntEnum.Convert(SocketModule.AddressFamilyType, s._family));
        AddGetter(t, "type", s => PyIntEnum.Convert(SocketModule.SocketKindType, s._kind));
    }

    /// <summary>The socket calls of _socket.socket (socketmodule.c's sock_methods).</summary>
    private static void InitBaseType(PyType t)
    {
        Add(t, "__init__", "Initialize the socket: __init__(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None).",
            (a, k) => { Self(a, "__init__").Init(a[1..], k); return None(); });
        Add(t, "__repr__", "Return repr(self).", (a, k) => Self(a, "__repr__").Repr());
        Add(t, "bind", "bind(address)\n\nBind the socket to a local address.",
            (a, k) => { var p = Args(a, k, "bind", 1, 1); Self(a, "bind").Bind(p[0]); return None(); });
        Add(t, "listen", "listen([backlog])\n\nEnable a server to accept connections.", (a, k) =>
        {
            var p = Args(a, k, "listen", 0, 1);
            Self(a, "listen").Listen(p.Length > 0 ? Ops.IndexAsInt(p[0]) : Math.Min(SocketModule.SOMAXCONN, 128));
            return None();
        });
        Add(t, "connect", "connect(address)\n\nConnect the socket to a remote address.", (a, k) =>
        {
            var p = Args(a, k, "connect", 1, 1);
            var self = Self(a, "connect");
            int err = self.Connect("connect", p[0]);
            if (err != 0) throw self.Failure(err);
            return None();
        });
        Add(t, "connect_ex", "connect_ex(address) -> errno\n\nLike connect(address), but return an error code instead of raising.", (a, k) =>
        {
            var p = Args(a, k, "connect_ex", 1, 1);
            int err = Self(a, "connect_ex").Connect("connect_ex", p[0]);
            return PyInt.FromLong(err == TimedOut ? SocketModule.EAGAIN : err);
        });
        Add(t, "recv", "recv(buffersize[, flags]) -> data\n\nReceive up to buffersize bytes; b'' when the peer has closed.", (a, k) =>
        {
            var p = Args(a, k, "recv", 1, 2);
            var self = Self(a, "recv");
            long size = Ops.IndexAsLong(p[0]);
            var flags = Flags(p, 1, out bool dontWait, out bool waitAll);
            return self.Recv(size, flags, dontWait, waitAll);
        });
        Add(t, "recvfrom", "recvfrom(buffersize[, flags]) -> (data, address info)", (a, k) =>
        {
            var p = Args(a, k, "recvfrom", 1, 2);
            var self = Self(a, "recvfrom");
            long size = Ops.IndexAsLong(p[0]);
            var flags = Flags(p, 1, out bool dontWait, out _);
            if (size < 0) throw Exc.ValueError("negative buffersize in recvfrom");
            // A stream socket has no sender address, nor has a datagram socket that was never bound
            // (.NET refuses ReceiveFrom on it): CPython gives None.
            if (self._kind == SOCK_STREAM || self.Live.LocalEndPoint is null)
            {
                var data = self.Recv(size, flags, dontWait, false);
                return PyTuple.Create(data, None());
            }
            var buf = new byte[size];
            var any = new IPEndPoint(self._family == AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            var (n, from) = self.Call(false, s => { EndPoint ep = any; int got = s.ReceiveFrom(buf, 0, buf.Length, flags, ref ep); return (got, ep); }, dontWait);
            if (n < buf.Length) Array.Resize(ref buf, n);
            var bytes = PyBytes.FromBytes(buf);
            PyObject addr;
            try { addr = SocketModule.AddressTuple(from, self._family); } catch { bytes.Decref(); throw; }
            return PyTuple.Create(bytes, addr);
        });
        Add(t, "send", "send(data[, flags]) -> count\n\nSend data; return the number of bytes sent (maybe fewer than all).", (a, k) =>
        {
            var p = Args(a, k, "send", 1, 2);
            var self = Self(a, "send");
            var data = BytesArg(p[0]);
            var flags = Flags(p, 1, out bool dontWait, out _);
            return PyInt.FromLong(self.Call(true, s => s.Send(data, 0, data.Length, flags), dontWait));
        });
        Add(t, "sendall", "sendall(data[, flags])\n\nSend all of data; the timeout bounds the whole call.", (a, k) =>
        {
            var p = Args(a, k, "sendall", 1, 2);
            var self = Self(a, "sendall");
            var data = BytesArg(p[0]);
            var flags = Flags(p, 1, out _, out _);
            self.SendAll(data, flags);
            return None();
        });
        Add(t, "sendto", "sendto(data[, flags], address) -> count", (a, k) =>
        {
            if (k is not null && k.Count > 0) throw Exc.TypeError("socket.sendto() takes no keyword arguments");
            if (a.Length is not (3 or 4)) throw Exc.TypeError($"sendto() takes 2 or 3 arguments ({a.Length - 1} given)");
            var self = Self(a, "sendto");
            var data = BytesArg(a[1]);
            var flags = a.Length == 4 ? Flags(a, 2, out _, out _) : SocketFlags.None;
            _ = self.Live;
            var ep = SocketModule.SockAddr("sendto", a[^1], self._family);
            return PyInt.FromLong(self.Call(true, s => s.SendTo(data, 0, data.Length, flags, ep)));
        });
        Add(t, "shutdown", "shutdown(flag)\n\nShut down reading (SHUT_RD), writing (SHUT_WR) or both (SHUT_RDWR).", (a, k) =>
        {
            var p = Args(a, k, "shutdown", 1, 1);
            Self(a, "shutdown").Shutdown(Ops.IndexAsInt(p[0]));
            return None();
        });
        Add(t, "close", "close()\n\nClose the socket; operations on it then raise OSError (EBADF).",
            (a, k) => { NoArgs(a, k, "close"); Self(a, "close").Close(); return None(); });
        Add(t, "fileno", "fileno() -> integer\n\nThe OS file descriptor, -1 once closed.",
            (a, k) => { Args(a, k, "fileno", 0, 0); return PyInt.FromLong(Self(a, "fileno")._fd); });
        Add(t, "settimeout", "settimeout(timeout)\n\nNone blocks, 0.0 never blocks, x > 0 raises TimeoutError after x seconds.", (a, k) =>
        {
            var p = Args(a, k, "settimeout", 1, 1);
            Self(a, "settimeout").SetTimeout(SocketModule.ParseTimeout(p[0]));
            return None();
        });
        Add(t, "gettimeout", "gettimeout() -> timeout\n\nThe timeout in seconds (float), or None.", (a, k) =>
        {
            Args(a, k, "gettimeout", 0, 0);
            double tmo = Self(a, "gettimeout")._timeout;
            return tmo < 0 ? None() : PyFloat.FromDouble(tmo);
        });
        Add(t, "setblocking", "setblocking(flag)\n\nsetblocking(True) is settimeout(None); setblocking(False) is settimeout(0.0).", (a, k) =>
        {
            var p = Args(a, k, "setblocking", 1, 1);
            var self = Self(a, "setblocking");
            self.SetTimeout(Ops.IndexAsLong(p[0]) != 0 ? -1 : 0);
            return None();
        });
        Add(t, "getblocking", "getblocking()\n\nFalse only when the socket is non-blocking (timeout 0.0).",
            (a, k) => { Args(a, k, "getblocking", 0, 0); return PyBool.From(Self(a, "getblocking")._timeout != 0); });
        Add(t, "getsockname", "getsockname() -> address info\n\nThe socket's own address.",
            (a, k) => { Args(a, k, "getsockname", 0, 0); return Self(a, "getsockname").GetSockName(); });
        Add(t, "getpeername", "getpeername() -> address info\n\nThe address of the connected peer.",
            (a, k) => { Args(a, k, "getpeername", 0, 0); return Self(a, "getpeername").GetPeerName(); });
        Add(t, "setsockopt", "setsockopt(level, option, value: int | bytes)\n\nSet a socket option.", (a, k) =>
        {
            var p = Args(a, k, "setsockopt", 3, 3);
            var self = Self(a, "setsockopt");
            self.SetSockOpt(Ops.IndexAsInt(p[0]), Ops.IndexAsInt(p[1]), p[2]);
            return None();
        });
        Add(t, "getsockopt", "getsockopt(level, option[, buffersize]) -> value\n\nAn int, or bytes when buffersize is given.", (a, k) =>
        {
            var p = Args(a, k, "getsockopt", 2, 3);
            var self = Self(a, "getsockopt");
            int buflen = p.Length > 2 ? Ops.IndexAsInt(p[2]) : 0;
            return self.GetSockOpt(Ops.IndexAsInt(p[0]), Ops.IndexAsInt(p[1]), buflen);
        });
        Add(t, "recv_into", "recv_into(): not supported by ToyPy (it has no writable buffers).",
            (a, k) => throw Exc.NotImplementedError("socket.recv_into() is not supported by ToyPy"));

        AddGetter(t, "family", s => PyInt.FromLong(s._family));
        AddGetter(t, "type", s => PyInt.FromLong(s._kind));
        AddGetter(t, "proto", s => PyInt.FromLong(s._proto));
        AddGetter(t, "timeout", s => s._timeout < 0 ? None() : PyFloat.FromDouble(s._timeout));
    }

    private static void AddGetter(PyType t, string name, Func<PySocket, PyObject> get)
    {
        var d = new PyGetSetDescriptor(name, t, o => get((PySocket)o));
        t.AddAttr(name, d);
        d.Decref();
    }
}
