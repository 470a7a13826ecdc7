using System.Diagnostics;
using System.Runtime.InteropServices;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The select module (Modules/selectmodule.c): select.select over the C
/// library's poll(2), so it waits on any file descriptor (sockets, pipes,
/// files) as CPython's does. Readable, writable and exceptional mean what
/// they mean to the kernel's select: POLLIN, POLLHUP or POLLERR; POLLOUT or
/// POLLERR; POLLPRI. The wait is a blocking call (BlockingCall.Run); inside
/// it only the array of descriptors is used.
/// </summary>
public static unsafe class SelectModule
{
    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    private const short POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
    private const int EINTR = 4;
    /// <summary>FD_SETSIZE: select(2) cannot take larger descriptors, and CPython refuses them.</summary>
    private const int FdSetSize = 1024;

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll(PollFd* fds, nuint nfds, int timeout);

    /// <summary>PyObject_AsFileDescriptor: an int, or the int its fileno() returns.</summary>
    private static int FileDescriptor(PyObject o)
    {
        long fd;
        if (o is PyInt i) fd = i.AsLong();
        else
        {
            var fileno = Ops.GetAttrOrNull(o, "fileno");
            if (fileno is null) throw Exc.TypeError("argument must be an int, or have a fileno() method.");
            using var r = new TempRef(fileno);
            using var v = new TempRef(Ops.Call0(r.Value));
            if (v.Value is not PyInt vi) throw Exc.TypeError("fileno() returned a non-integer");
            fd = vi.AsLong();
        }
        if (fd < 0) throw Exc.ValueError($"file descriptor cannot be a negative integer ({fd})");
        if (fd >= FdSetSize) throw Exc.ValueError("filedescriptor out of range in select()");
        return (int)fd;
    }

    /// <summary>seq2set: the items of one argument list with their descriptors; the list owns a reference to each item.</summary>
    private static void Collect(PyObject seq, List<(PyObject Item, int Fd, int List)> into, int list)
    {
        PyObject it;
        try { it = Ops.GetIter(seq); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.TypeError))
        {
            e.Value.Decref();
            throw Exc.TypeError("arguments 1-3 must be sequences");
        }
        using var iter = new TempRef(it);
        while (Ops.Next(iter.Value) is { } item)
        {
            try { into.Add((item, FileDescriptor(item), list)); }
            catch { item.Decref(); throw; }
        }
    }

    /// <summary>poll the descriptors until one is ready or the timeout (ms, -1: none) passes; 0 or an errno. Runs without the GIL.</summary>
    private static int PollWithoutGil(PollFd[] fds, double timeout, out int ready)
    {
        ready = 0;
        long deadline = timeout < 0 ? 0 : Stopwatch.GetTimestamp() + (long)Math.Min(timeout * Stopwatch.Frequency, long.MaxValue / 2.0);
        while (true)
        {
            int ms = -1;
            bool partial = false;
            if (timeout >= 0)
            {
                double left = Math.Max(0, (deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                double wantMs = Math.Ceiling(left * 1000); // round up, as CPython does
                ms = (int)Math.Min(wantMs, int.MaxValue);
                partial = wantMs > int.MaxValue;
            }
            int n;
            fixed (PollFd* p = fds) n = Poll(p, (nuint)fds.Length, ms);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EINTR) continue;
                return errno;
            }
            if (n == 0 && partial) continue;
            ready = n;
            return 0;
        }
    }

    /// <summary>select(rlist, wlist, xlist[, timeout]): wait until some of the objects are ready; three lists of those that are.</summary>
    public static PyObject Select(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("select", a, k, 3, 4);
        double timeout = -1;
        if (a.Length > 3 && a[3] is not PyNone)
        {
            if (!PyFloat.TryAsDouble(a[3], out timeout)) throw Exc.TypeError("timeout must be a float or None");
            if (double.IsNaN(timeout)) throw Exc.ValueError("Invalid value NaN (not a number)");
            if (timeout < 0) throw Exc.ValueError("timeout must be non-negative");
        }
        var items = new List<(PyObject Item, int Fd, int List)>();
        try
        {
            for (int i = 0; i < 3; i++) Collect(a[i], items, i);
            var fds = new PollFd[items.Count];
            for (int i = 0; i < items.Count; i++)
                fds[i] = new PollFd { Fd = items[i].Fd, Events = items[i].List switch { 0 => POLLIN, 1 => POLLOUT, _ => POLLPRI } };

            var ts = PyThreadState.Current;
            int err = BlockingCall.Run(ts, () => PollWithoutGil(fds, timeout, out _));
            if (err != 0) throw SocketModule.Error(err);
            if (fds.Any(f => (f.REvents & POLLNVAL) != 0)) throw SocketModule.Error(SocketModule.EBADF);

            var lists = new[] { new PyList(), new PyList(), new PyList() };
            for (int i = 0; i < items.Count; i++)
            {
                short mask = items[i].List switch
                {
                    0 => POLLIN | POLLHUP | POLLERR,
                    1 => POLLOUT | POLLERR,
                    _ => POLLPRI,
                };
                if ((fds[i].REvents & mask) != 0) lists[items[i].List].Append(items[i].Item);
            }
            return PyTuple.Create(lists[0], lists[1], lists[2]);
        }
        finally
        {
            foreach (var (item, _, _) in items) item.Decref();
        }
    }

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("select");
        m.AddFunction("select", Select, "Wait until one or more file descriptors are ready for some kind of I/O.");
        m.Dict.SetItemString("error", ExceptionTypes.OSError);
        return m;
    }
}
