using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The socket module (Modules/socketmodule.c with the Python half in
/// Lib/socket.py): the socket type (Objects/PySocket.cs), Linux's constant
/// values with 3.11's enums (AddressFamily, SocketKind, MsgFlag,
/// AddressInfo), name resolution, create_connection / create_server, and the
/// errors: OS failures become OSError(errno, strerror) of the subclass
/// CPython picks for the errno (ConnectionRefusedError, ...), resolver
/// failures socket.gaierror, timeouts TimeoutError('timed out')
/// (socket.timeout is TimeoutError since 3.10). Name lookups that may touch
/// the network run through BlockingCall.Run like the socket operations.
/// </summary>
public static class SocketModule
{
    // Linux errno values the socket code names.
    public const int EBADF = 9, EAGAIN = 11, EINVAL = 22, EOPNOTSUPP = 95, EAFNOSUPPORT = 97,
        EISCONN = 106, ENOTCONN = 107, EINPROGRESS = 115;

    public const int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_REUSEPORT = 15;
    public const int IPPROTO_TCP = 6, IPPROTO_UDP = 17, IPPROTO_IPV6 = 41, IPV6_V6ONLY = 26;
    public const int MSG_DONTWAIT = 0x40, MSG_WAITALL = 0x100;
    public const int AI_PASSIVE = 1, AI_CANONNAME = 2;
    /// <summary>socket.SOMAXCONN as CPython is built with it on Linux (glibc's &lt;sys/socket.h&gt;).</summary>
    public const int SOMAXCONN = 4096;

    public static readonly PyType AddressFamilyType = PyIntEnum.NewType("AddressFamily", "socket",
        ("AF_UNSPEC", 0), ("AF_UNIX", 1), ("AF_INET", 2), ("AF_INET6", 10));
    public static readonly PyType SocketKindType = PyIntEnum.NewType("SocketKind", "socket",
        ("SOCK_STREAM", 1), ("SOCK_DGRAM", 2), ("SOCK_RAW", 3), ("SOCK_RDM", 4), ("SOCK_SEQPACKET", 5));
    public static readonly PyType MsgFlagType = PyIntEnum.NewType("MsgFlag", "socket",
        ("MSG_OOB", 1), ("MSG_PEEK", 2), ("MSG_DONTROUTE", 4), ("MSG_DONTWAIT", MSG_DONTWAIT), ("MSG_WAITALL", MSG_WAITALL));
    public static readonly PyType AddressInfoType = PyIntEnum.NewType("AddressInfo", "socket",
        ("AI_PASSIVE", AI_PASSIVE), ("AI_CANONNAME", AI_CANONNAME), ("AI_NUMERICHOST", 4), ("AI_V4MAPPED", 8),
        ("AI_ALL", 16), ("AI_ADDRCONFIG", 32), ("AI_NUMERICSERV", 1024));

    /// <summary>socket.gaierror: name resolution failed (errno is the EAI_* code).</summary>
    public static readonly PyType GaiError = MakeError("gaierror");
    /// <summary>socket.herror: the old host-lookup functions' error.</summary>
    public static readonly PyType HError = MakeError("herror");

    private static PyType MakeError(string name) => StaticTypeRegistry.Register(
        new PyType(PyTypes.Type, name, ExceptionTypes.OSError, "socket")
        {
            New = PyBaseException.TypeNew,
            Alloc = PyBaseException.Alloc,
        });

    /// <summary>socket.setdefaulttimeout: the timeout new sockets start with (negative: None).</summary>
    public static double DefaultTimeout = -1;

    // ------------------------------------------------------------------ errors

    /// <summary>
    /// The failures a .NET socket call reports (anything else is a bug and propagates). .NET
    /// refuses some calls itself with InvalidOperationException (accept before listen) where
    /// the kernel says EINVAL.
    /// </summary>
    public static bool IsSocketFailure(Exception e) => e is SocketException or ObjectDisposedException or InvalidOperationException;

    /// <summary>The Linux errno of a failed .NET socket call (a disposed socket is EBADF, a call .NET refuses EINVAL).</summary>
    public static int ErrnoOf(Exception e)
    {
        if (e is ObjectDisposedException) return EBADF;
        if (e is not SocketException se) return EINVAL;
        // On Unix NativeErrorCode is the errno itself; errors .NET raises on its own carry Windows codes.
        if (se.NativeErrorCode is > 0 and < 4096) return se.NativeErrorCode;
        return se.SocketErrorCode switch
        {
            SocketError.WouldBlock => EAGAIN,
            SocketError.InProgress => EINPROGRESS,
            SocketError.AlreadyInProgress => 114,
            SocketError.IsConnected => EISCONN,
            SocketError.NotConnected => ENOTCONN,
            SocketError.ConnectionRefused => 111,
            SocketError.ConnectionReset => 104,
            SocketError.ConnectionAborted => 103,
            SocketError.Shutdown => 32,
            SocketError.TimedOut => 110,
            SocketError.AddressAlreadyInUse => 98,
            SocketError.AddressNotAvailable => 99,
            SocketError.AddressFamilyNotSupported => EAFNOSUPPORT,
            SocketError.HostUnreachable => 113,
            SocketError.NetworkUnreachable => 101,
            SocketError.NetworkDown => 100,
            SocketError.AccessDenied => 13,
            SocketError.MessageSize => 90,
            SocketError.NoBufferSpaceAvailable => 105,
            SocketError.OperationNotSupported => EOPNOTSUPP,
            SocketError.ProtocolNotSupported => 93,
            SocketError.OperationAborted or SocketError.NotSocket => EBADF,
            SocketError.Interrupted => 4,
            _ => EINVAL,
        };
    }

    /// <summary>OSError(errno, strerror) as the subclass for that errno (strerror is the C library's text).</summary>
    public static PyException Error(int errno) => Exc.OSError(errno, Marshal.GetPInvokeErrorMessage(errno));

    /// <summary>socket.gaierror(code, gai_strerror(code)).</summary>
    public static PyException GaiFailure(int code)
    {
        string msg = code switch
        {
            -2 => "Name or service not known",
            -3 => "Temporary failure in name resolution",
            -4 => "Non-recoverable failure in name resolution",
            -5 => "No address associated with hostname",
            -6 => "ai_family not supported",
            -8 => "Servname not supported for ai_socktype",
            -9 => "Address family for hostname not supported",
            _ => "Unknown error",
        };
        return Exc.New(GaiError, PyInt.FromLong(code), PyStr.FromString(msg));
    }

    /// <summary>The EAI_* code of a failed .NET name lookup.</summary>
    private static int GaiCode(Exception e) => e is SocketException se ? se.SocketErrorCode switch
    {
        SocketError.TryAgain => -3,
        SocketError.NoRecovery => -4,
        SocketError.NoData => -5,
        _ => -2,
    } : -2;

    // ------------------------------------------------------------------ timeouts

    /// <summary>A timeout argument (settimeout, setdefaulttimeout): seconds, or -1 for None.</summary>
    public static double ParseTimeout(PyObject o)
    {
        if (o is PyNone) return -1;
        double d = o is PyFloat f ? f.Value : Ops.IndexAsLong(o);
        if (double.IsNaN(d)) throw Exc.ValueError("Invalid value NaN (not a number)");
        if (d < 0) throw Exc.ValueError("Timeout value out of range");
        if (d * 1e9 >= long.MaxValue) throw Exc.OverflowError("timestamp out of range for platform time_t");
        return d;
    }

    // ------------------------------------------------------------------ addresses

    private static string HostArg(PyObject o) => o switch
    {
        PyStr s => s.Value,
        PyBytes b => b.AsLatin1(),
        _ => throw Exc.TypeError($"str, bytes or bytearray expected, not {o.Type.Name}"),
    };

    /// <summary>getsockaddrarg: the (host, port[, flowinfo[, scope_id]]) tuple of family as an end point, resolving host.</summary>
    public static EndPoint SockAddr(string fname, PyObject addr, int family)
    {
        string fam = family == PySocket.AF_INET6 ? "AF_INET6" : "AF_INET";
        if (addr is not PyTuple t) throw Exc.TypeError($"{fname}(): {fam} address must be tuple, not {addr.Type.Name}");
        if (family == PySocket.AF_INET6)
        {
            if (t.Count is < 2 or > 4) throw Exc.TypeError("AF_INET6 address must be a tuple (host, port[, flowinfo[, scopeid]])");
        }
        else if (t.Count != 2) throw Exc.TypeError("AF_INET address must be a pair (host, port)");
        string host = HostArg(t[0]);
        long port = Ops.IndexAsLong(t[1]);
        if (port is < 0 or > 65535) throw Exc.OverflowError($"{fname}(): port must be 0-65535.");
        long flowinfo = t.Count > 2 ? Ops.IndexAsLong(t[2]) : 0;
        if (flowinfo is < 0 or > 0xfffff) throw Exc.OverflowError($"{fname}(): flowinfo must be 0-1048575.");
        long scope = t.Count > 3 ? Ops.IndexAsLong(t[3]) : 0;
        var ip = ResolveHost(host, family);
        if (scope != 0) ip = new IPAddress(ip.GetAddressBytes(), scope);
        return new IPEndPoint(ip, (int)port);
    }

    private static AddressFamily NetFamily(int family) =>
        family == PySocket.AF_INET6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;

    /// <summary>setipaddr: '' is the any-address, '&lt;broadcast&gt;' the broadcast one, literals parse, other names are looked up.</summary>
    public static IPAddress ResolveHost(string host, int family)
    {
        var af = NetFamily(family);
        if (host.Length == 0) return family == PySocket.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any;
        if (host == "<broadcast>") return family == PySocket.AF_INET ? IPAddress.Broadcast : throw Exc.New(ExceptionTypes.OSError, "address family mismatched");
        if (IPAddress.TryParse(host, out var literal))
            return literal.AddressFamily == af ? literal : throw GaiFailure(-9);
        var addrs = Lookup(host, af);
        return addrs[0];
    }

    /// <summary>Addresses of a host name (a blocking call: it may ask a DNS server). Never empty.</summary>
    private static IPAddress[] Lookup(string host, AddressFamily af)
    {
        var ts = PyThreadState.Current;
        IPAddress[] found = Array.Empty<IPAddress>();
        int code = BlockingCall.Run(ts, () =>
        {
            try
            {
                found = af == AddressFamily.Unspecified ? Dns.GetHostAddresses(host) : Dns.GetHostAddresses(host, af);
                return 0;
            }
            catch (Exception e) when (e is SocketException or ArgumentException) { return GaiCode(e); }
        });
        if (code != 0) throw GaiFailure(code);
        if (found.Length == 0) throw GaiFailure(-2);
        return found;
    }

    /// <summary>The address without a "%scope" suffix (IPv6 reports the scope separately).</summary>
    private static string HostString(IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0 ? new IPAddress(ip.GetAddressBytes()).ToString() : ip.ToString();

    /// <summary>makesockaddr: (host, port) for IPv4, (host, port, flowinfo, scope_id) for IPv6 (new reference).</summary>
    public static PyObject AddressTuple(EndPoint? ep, int family)
    {
        if (ep is null)
        {
            // Unbound: the kernel reports the any-address and port 0.
            ep = new IPEndPoint(family == PySocket.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        }
        if (ep is not IPEndPoint ip) return PyStr.FromString(ep.ToString() ?? "");
        var host = PyStr.FromString(HostString(ip.Address));
        var port = PyInt.FromLong(ip.Port);
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            return PyTuple.Create(host, port, PyInt.FromLong(0), PyInt.FromLong(ip.Address.ScopeId));
        return PyTuple.Create(host, port);
    }

    // ------------------------------------------------------------------ getaddrinfo

    private readonly record struct AddrInfo(int Family, int Kind, int Proto, string CanonName, IPEndPoint EndPoint);

    /// <summary>A port given as a service name: its numbers for tcp and udp from /etc/services (as glibc's getaddrinfo finds them).</summary>
    private static (int Tcp, int Udp) LookupService(string name)
    {
        int tcp = -1, udp = -1;
        try
        {
            foreach (var raw in File.ReadLines("/etc/services"))
            {
                int hash = raw.IndexOf('#');
                var fields = (hash >= 0 ? raw[..hash] : raw).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2 || (fields[0] != name && Array.IndexOf(fields, name, 2) < 0)) continue;
                var pp = fields[1].Split('/');
                if (pp.Length != 2 || !int.TryParse(pp[0], out int port)) continue;
                if (pp[1] == "tcp" && tcp < 0) tcp = port;
                if (pp[1] == "udp" && udp < 0) udp = port;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return (tcp, udp);
    }

    /// <summary>getaddrinfo(host, port, family, type, proto, flags) as glibc answers it for IPv4 and IPv6.</summary>
    private static List<AddrInfo> GetAddrInfo(PyObject host, PyObject port, int family, int kind, int proto, int flags)
    {
        string? hostName = host switch
        {
            PyNone => null,
            PyStr s => s.Value,
            PyBytes b => b.AsLatin1(),
            _ => throw Exc.TypeError("getaddrinfo() argument 1 must be string or None"),
        };
        string? service = port switch
        {
            PyNone => null,
            PyInt i => i.ToDecimalString(),
            PyStr s => s.Value,
            PyBytes b => b.AsLatin1(),
            _ => throw Exc.New(ExceptionTypes.OSError, "Int or String expected"),
        };
        if (family is not (0 or PySocket.AF_INET or PySocket.AF_INET6)) throw GaiFailure(-6);

        // The socket types asked for, each with its protocol (type 0: all three, as glibc lists them).
        var kinds = new List<(int Kind, int Proto)>();
        foreach (var (k, p) in new[] { (PySocket.SOCK_STREAM, IPPROTO_TCP), (PySocket.SOCK_DGRAM, IPPROTO_UDP), (PySocket.SOCK_RAW, 0) })
        {
            if (kind != 0 && kind != k) continue;
            if (proto != 0 && (p != 0 ? proto != p : proto is IPPROTO_TCP or IPPROTO_UDP)) continue;
            kinds.Add((k, proto != 0 ? proto : p));
        }

        // The port for each socket type: a number, or a service name (which raw sockets cannot take).
        int numeric = 0;
        (int Tcp, int Udp) named = (-1, -1);
        bool byName = service is not null && !int.TryParse(service, out numeric);
        if (byName)
        {
            named = LookupService(service!);
            kinds.RemoveAll(kp => (kp.Kind == PySocket.SOCK_STREAM ? named.Tcp : kp.Kind == PySocket.SOCK_DGRAM ? named.Udp : -1) < 0);
            if (kinds.Count == 0) throw GaiFailure(-8);
        }
        else if (numeric is < 0 or > 65535) throw GaiFailure(-8);

        IPAddress[] addrs;
        if (hostName is not null && hostName.Length == 0) throw GaiFailure(-2);
        if (hostName is null)
        {
            bool passive = (flags & AI_PASSIVE) != 0;
            addrs = passive ? new[] { IPAddress.Any, IPAddress.IPv6Any } : new[] { IPAddress.IPv6Loopback, IPAddress.Loopback };
        }
        else if (IPAddress.TryParse(hostName, out var literal)) addrs = new[] { literal };
        else addrs = Lookup(hostName, family switch
        {
            PySocket.AF_INET => AddressFamily.InterNetwork,
            PySocket.AF_INET6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        });
        if (family != 0)
        {
            addrs = addrs.Where(a => a.AddressFamily == NetFamily(family)).ToArray();
            if (addrs.Length == 0) throw GaiFailure(hostName is null ? -2 : -9);
        }

        var result = new List<AddrInfo>();
        string canon = (flags & AI_CANONNAME) != 0 ? hostName ?? "" : "";
        foreach (var a in addrs)
        {
            int fam = a.AddressFamily == AddressFamily.InterNetworkV6 ? PySocket.AF_INET6 : PySocket.AF_INET;
            foreach (var (k, p) in kinds)
            {
                int portNo = !byName ? numeric : k == PySocket.SOCK_STREAM ? named.Tcp : named.Udp;
                result.Add(new AddrInfo(fam, k, p, result.Count == 0 ? canon : "", new IPEndPoint(a, portNo)));
            }
        }
        return result;
    }

    /// <summary>getaddrinfo(host, port, family=0, type=0, proto=0, flags=0): [(family, type, proto, canonname, sockaddr)].</summary>
    public static PyObject GetAddrInfoFn(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("getaddrinfo", a, k, 2, 6, "host", "port", "family", "type", "proto", "flags");
        int Opt(int i) => p[i] is null ? 0 : Ops.IndexAsInt(p[i]!);
        var infos = GetAddrInfo(p[0]!, p[1]!, Opt(2), Opt(3), Opt(4), Opt(5));
        var list = new PyList(infos.Count);
        foreach (var info in infos)
        {
            list.AppendStealing(PyTuple.Create(
                PyIntEnum.Convert(AddressFamilyType, info.Family),
                PyIntEnum.Convert(SocketKindType, info.Kind),
                PyInt.FromLong(info.Proto),
                PyStr.FromString(info.CanonName),
                AddressTuple(info.EndPoint, info.Family)));
        }
        return list;
    }

    // ------------------------------------------------------------------ functions

    /// <summary>create_connection(address, timeout=..., source_address=None, *, all_errors=False): a connected TCP socket.</summary>
    public static PyObject CreateConnection(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("create_connection", a, k, 1, 3, "address", "timeout", "source_address", "all_errors");
        using var addr = new TempRef(Ops.ToTuple(p[0]!));
        var pair = (PyTuple)addr.Value;
        if (pair.Count != 2)
            throw Exc.ValueError(pair.Count < 2 ? $"not enough values to unpack (expected 2, got {pair.Count})" : "too many values to unpack (expected 2)");
        // A timeout argument left out means the default timeout, which new sockets already have.
        double? timeout = p[1] is null ? null : ParseTimeout(p[1]!);
        var source = p[2] is null || p[2] is PyNone ? null : p[2];

        PyException? first = null;
        foreach (var info in GetAddrInfo(pair[0], pair[1], 0, PySocket.SOCK_STREAM, 0, 0))
        {
            PySocket? sock = null;
            try
            {
                sock = PySocket.Open(info.Family, info.Kind, info.Proto);
                if (timeout is { } t) sock.SetTimeout(t);
                if (source is not null) sock.Bind(source);
                sock.ConnectTo(info.EndPoint);
                first?.Value.Decref();
                return sock;
            }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.OSError))
            {
                sock?.Decref();
                // Lib/socket.py raises the first failure (all_errors=True would group them).
                if (first is null) first = e; else e.Value.Decref();
            }
        }
        throw first ?? Exc.New(ExceptionTypes.OSError, "getaddrinfo returns an empty list");
    }

    /// <summary>create_server(address, *, family=AF_INET, backlog=None, reuse_port=False, dualstack_ipv6=False): a listening TCP socket.</summary>
    public static PyObject CreateServer(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("create_server", a, k, 1, 1, "address", "family", "backlog", "reuse_port", "dualstack_ipv6");
        int family = p[1] is null ? PySocket.AF_INET : Ops.IndexAsInt(p[1]!);
        bool reusePort = p[3] is not null && Ops.IsTrue(p[3]!);
        bool dualstack = p[4] is not null && Ops.IsTrue(p[4]!);
        if (dualstack && family != PySocket.AF_INET6) throw Exc.ValueError("dualstack_ipv6 requires AF_INET6 family");
        var sock = PySocket.Open(family, PySocket.SOCK_STREAM, 0);
        try
        {
            using (var one = new TempRef(PyInt.FromLong(1)))
            {
                sock.SetSockOpt(SOL_SOCKET, SO_REUSEADDR, one.Value);
                if (reusePort) sock.SetSockOpt(SOL_SOCKET, SO_REUSEPORT, one.Value);
            }
            if (family == PySocket.AF_INET6)
            {
                using var v6only = new TempRef(PyInt.FromLong(dualstack ? 0 : 1));
                sock.SetSockOpt(IPPROTO_IPV6, IPV6_V6ONLY, v6only.Value);
            }
            try { sock.Bind(p[0]!); }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.OSError) && e.Value.ArgOrNull(0) is PyInt errno && e.Value.Args.Count >= 2)
            {
                // Lib/socket.py: raise error(err.errno, '%s (while attempting to bind on address %r)' % (err.strerror, address)) from None
                string msg = $"{Ops.StrString(e.Value.Args[1])} (while attempting to bind on address {Ops.ReprString(p[0]!)})";
                int code = (int)errno.Value;
                e.Value.Decref();
                throw Exc.OSError(code, msg);
            }
            sock.Listen(p[2] is null || p[2] is PyNone ? Math.Min(SOMAXCONN, 128) : Ops.IndexAsInt(p[2]!));
            return sock;
        }
        catch { sock.Decref(); throw; }
    }

    /// <summary>gethostname(): this machine's host name.</summary>
    public static PyObject GetHostName(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("gethostname", a, k, 0, 0);
        return PyStr.FromString(Dns.GetHostName());
    }

    /// <summary>gethostbyname(host): the host's IPv4 address as a string.</summary>
    public static PyObject GetHostByName(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("gethostbyname", a, k, 1, 1);
        return PyStr.FromString(ResolveHost(HostArg(a[0]), PySocket.AF_INET).ToString());
    }

    /// <summary>gethostbyname_ex(host): (hostname, aliases, IPv4 addresses).</summary>
    public static PyObject GetHostByNameEx(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("gethostbyname_ex", a, k, 1, 1);
        string host = HostArg(a[0]);
        string name = host;
        string[] aliases = Array.Empty<string>();
        IPAddress[] addrs;
        if (IPAddress.TryParse(host, out var literal))
        {
            if (literal.AddressFamily != AddressFamily.InterNetwork) throw GaiFailure(-9);
            addrs = new[] { literal };
        }
        else
        {
            var ts = PyThreadState.Current;
            IPHostEntry? entry = null;
            int code = BlockingCall.Run(ts, () =>
            {
                try { entry = Dns.GetHostEntry(host, AddressFamily.InterNetwork); return 0; }
                catch (Exception e) when (e is SocketException or ArgumentException) { return GaiCode(e); }
            });
            if (code != 0) throw GaiFailure(code);
            name = entry!.HostName;
            aliases = entry.Aliases;
            addrs = entry.AddressList.Where(x => x.AddressFamily == AddressFamily.InterNetwork).ToArray();
        }
        var aliasList = new PyList(aliases.Length);
        foreach (var s in aliases) aliasList.AppendStealing(PyStr.FromString(s));
        var addrList = new PyList(addrs.Length);
        foreach (var ip in addrs) addrList.AppendStealing(PyStr.FromString(ip.ToString()));
        return PyTuple.Create(PyStr.FromString(name), aliasList, addrList);
    }

    /// <summary>getdefaulttimeout(): the timeout new sockets get (None: blocking).</summary>
    public static PyObject GetDefaultTimeout(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getdefaulttimeout", a, k, 0, 0);
        return DefaultTimeout < 0 ? PyNone.Instance.NewRef() : PyFloat.FromDouble(DefaultTimeout);
    }

    /// <summary>setdefaulttimeout(timeout): set the timeout new sockets get.</summary>
    public static PyObject SetDefaultTimeout(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("setdefaulttimeout", a, k, 1, 1);
        DefaultTimeout = ParseTimeout(a[0]);
        return PyNone.Instance.NewRef();
    }

    private static long UnsignedArg(PyObject o, long max, string negative, string tooLarge)
    {
        if (o is not PyInt i) throw Exc.TypeError($"'{o.Type.Name}' object cannot be interpreted as an integer");
        if (i.Sign < 0) throw Exc.OverflowError(negative);
        if (i.IsBig || i.Value > max) throw Exc.OverflowError(tooLarge);
        return i.Value;
    }

    private static PyObject Swap16(ReadOnlySpan<PyObject> a, PyTuple? k, string name)
    {
        ArgParser.Positional(name, a, k, 1, 1);
        long v = UnsignedArg(a[0], 0xffff, $"{name}: can't convert negative Python int to C 16-bit unsigned integer",
            $"{name}: Python int too large to convert to C 16-bit unsigned integer");
        return PyInt.FromLong(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((ushort)v) : v);
    }

    private static PyObject Swap32(ReadOnlySpan<PyObject> a, PyTuple? k, string name)
    {
        ArgParser.Positional(name, a, k, 1, 1);
        long v = UnsignedArg(a[0], 0xffffffff, "can't convert negative value to unsigned int", "int larger than 32 bits");
        return PyInt.FromLong(BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness((uint)v) : v);
    }

    /// <summary>inet_aton(string): the packed 4-byte form of a dotted IPv4 address.</summary>
    public static PyObject InetAton(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("inet_aton", a, k, 1, 1);
        if (a[0] is not PyStr s) throw Exc.TypeError($"inet_aton() argument 1 must be str, not {a[0].Type.Name}");
        if (!IPAddress.TryParse(s.Value, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork)
            throw Exc.New(ExceptionTypes.OSError, "illegal IP address string passed to inet_aton");
        return PyBytes.FromBytes(ip.GetAddressBytes());
    }

    /// <summary>inet_ntoa(packed): the dotted form of a packed IPv4 address.</summary>
    public static PyObject InetNtoa(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("inet_ntoa", a, k, 1, 1);
        if (a[0] is not PyBytes b) throw Exc.TypeError($"a bytes-like object is required, not '{a[0].Type.Name}'");
        if (b.Value.Length != 4) throw Exc.New(ExceptionTypes.OSError, "packed IP wrong length for inet_ntoa");
        return PyStr.FromString(new IPAddress(b.Value).ToString());
    }

    // ------------------------------------------------------------------ module table

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("socket");
        m.Dict.SetItemString("socket", PySocket.SocketType);
        m.Dict.SetItemString("SocketType", PySocket.BaseType);
        m.Dict.SetItemString("error", ExceptionTypes.OSError);
        m.Dict.SetItemString("timeout", ExceptionTypes.TimeoutError);
        m.Dict.SetItemString("gaierror", GaiError);
        m.Dict.SetItemString("herror", HError);
        m.Dict.SetItemString("AddressFamily", AddressFamilyType);
        m.Dict.SetItemString("SocketKind", SocketKindType);
        m.Dict.SetItemString("MsgFlag", MsgFlagType);
        m.Dict.SetItemString("AddressInfo", AddressInfoType);
        foreach (var enumType in new[] { AddressFamilyType, SocketKindType, MsgFlagType, AddressInfoType })
        {
            foreach (var (key, value) in enumType.Dict.Items())
                if (value is PyIntEnum) m.Dict.SetItem(key, value);
        }

        m.AddFunction("create_connection", CreateConnection, "Connect to (host, port) and return the socket.");
        m.AddFunction("create_server", CreateServer, "Return a TCP socket bound to address and listening.");
        m.AddFunction("getaddrinfo", GetAddrInfoFn, "Resolve host and port into a list of address tuples.");
        m.AddFunction("gethostname", GetHostName, "Return the current host name.");
        m.AddFunction("gethostbyname", GetHostByName, "Return the IPv4 address of a host as a string.");
        m.AddFunction("gethostbyname_ex", GetHostByNameEx, "Return (name, aliases, addresses) for a host.");
        m.AddFunction("getdefaulttimeout", GetDefaultTimeout, "Return the default timeout of new sockets.");
        m.AddFunction("setdefaulttimeout", SetDefaultTimeout, "Set the default timeout of new sockets.");
        m.AddFunction("htons", (a, k) => Swap16(a, k, "htons"), "Convert a 16-bit integer from host to network byte order.");
        m.AddFunction("ntohs", (a, k) => Swap16(a, k, "ntohs"), "Convert a 16-bit integer from network to host byte order.");
        m.AddFunction("htonl", (a, k) => Swap32(a, k, "htonl"), "Convert a 32-bit integer from host to network byte order.");
        m.AddFunction("ntohl", (a, k) => Swap32(a, k, "ntohl"), "Convert a 32-bit integer from network to host byte order.");
        m.AddFunction("inet_aton", InetAton, "Pack a dotted IPv4 address into 4 bytes.");
        m.AddFunction("inet_ntoa", InetNtoa, "Unpack 4 bytes into a dotted IPv4 address.");

        void Int(string name, long value) => m.AddObjectStealing(name, PyInt.FromLong(value));
        Int("SOL_SOCKET", SOL_SOCKET);
        Int("SO_DEBUG", 1); Int("SO_REUSEADDR", SO_REUSEADDR); Int("SO_TYPE", 3); Int("SO_ERROR", SO_ERROR);
        Int("SO_DONTROUTE", 5); Int("SO_BROADCAST", 6); Int("SO_SNDBUF", 7); Int("SO_RCVBUF", 8);
        Int("SO_KEEPALIVE", 9); Int("SO_OOBINLINE", 10); Int("SO_LINGER", 13); Int("SO_REUSEPORT", SO_REUSEPORT);
        Int("SO_RCVLOWAT", 18); Int("SO_SNDLOWAT", 19); Int("SO_RCVTIMEO", 20); Int("SO_SNDTIMEO", 21);
        Int("SO_ACCEPTCONN", 30);
        Int("IPPROTO_IP", 0); Int("IPPROTO_ICMP", 1); Int("IPPROTO_TCP", IPPROTO_TCP); Int("IPPROTO_UDP", IPPROTO_UDP);
        Int("IPPROTO_IPV6", IPPROTO_IPV6); Int("IPPROTO_RAW", 255);
        Int("TCP_NODELAY", 1); Int("TCP_MAXSEG", 2); Int("TCP_KEEPIDLE", 4); Int("TCP_KEEPINTVL", 5); Int("TCP_KEEPCNT", 6);
        Int("IPV6_V6ONLY", IPV6_V6ONLY);
        Int("SHUT_RD", 0); Int("SHUT_WR", 1); Int("SHUT_RDWR", 2);
        Int("SOMAXCONN", SOMAXCONN);
        Int("INADDR_ANY", 0); Int("INADDR_BROADCAST", 0xffffffff); Int("INADDR_LOOPBACK", 0x7f000001); Int("INADDR_NONE", 0xffffffff);
        Int("EAI_AGAIN", -3); Int("EAI_FAIL", -4); Int("EAI_FAMILY", -6); Int("EAI_NONAME", -2); Int("EAI_SERVICE", -8);
        m.AddObjectStealing("has_ipv6", PyBool.From(true));
        return m;
    }
}
