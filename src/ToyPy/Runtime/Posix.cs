using System.Runtime.InteropServices;

namespace ToyPy.Runtime;

/// <summary>
/// The few libc calls multiprocessing needs and .NET does not offer in the
/// form CPython uses them: posix_spawn with inherited descriptors (the child
/// gets exactly the pipes, semaphores and shared memory it was sent),
/// waitpid with the raw status (so a signal death reads as -N), kill, raw
/// descriptors for pipes, memfd shared memory and process-shared semaphores
/// (Modules/_multiprocessing/semaphore.c uses sem_t the same way).
/// Every call here is plain .NET: callers wrap the blocking ones in BlockingCall.
/// </summary>
public static unsafe class Posix
{
    private const string Libc = "libc";

    public const int EINTR = 4, EAGAIN = 11, ETIMEDOUT = 110, ECHILD = 10, ESRCH = 3, EBADF = 9;
    public const int O_CLOEXEC = 0x80000;
    public const int SIGINT = 2, SIGKILL = 9, SIGTERM = 15;
    public const short POLLIN = 1, POLLOUT = 4, POLLERR = 8, POLLHUP = 16, POLLNVAL = 32;

    [DllImport(Libc, SetLastError = true)] private static extern int posix_spawn(out int pid, string path, void* fileActions, void* attr, IntPtr* argv, IntPtr* envp);
    [DllImport(Libc, SetLastError = true)] private static extern int posix_spawn_file_actions_init(void* fa);
    [DllImport(Libc, SetLastError = true)] private static extern int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);
    [DllImport(Libc, SetLastError = true)] private static extern int posix_spawn_file_actions_destroy(void* fa);
    [DllImport(Libc, SetLastError = true)] private static extern int waitpid(int pid, out int status, int options);
    [DllImport(Libc, SetLastError = true, EntryPoint = "kill")] private static extern int sys_kill(int pid, int sig);
    [DllImport(Libc, SetLastError = true)] private static extern int pipe2(int* fds, int flags);
    [DllImport(Libc, SetLastError = true)] private static extern int socketpair(int domain, int type, int protocol, int* fds);
    [DllImport(Libc, SetLastError = true, EntryPoint = "read")] private static extern nint sys_read(int fd, byte* buf, nint count);
    [DllImport(Libc, SetLastError = true, EntryPoint = "write")] private static extern nint sys_write(int fd, byte* buf, nint count);
    [DllImport(Libc, SetLastError = true, EntryPoint = "close")] private static extern int sys_close(int fd);
    [DllImport(Libc, SetLastError = true, EntryPoint = "poll")] private static extern int sys_poll(PollFd* fds, nuint nfds, int timeout);
    [DllImport(Libc, SetLastError = true)] private static extern int memfd_create(string name, uint flags);
    [DllImport(Libc, SetLastError = true)] private static extern int ftruncate(int fd, long length);
    [DllImport(Libc, SetLastError = true)] private static extern IntPtr mmap(IntPtr addr, nuint length, int prot, int flags, int fd, long offset);
    [DllImport(Libc, SetLastError = true)] private static extern int munmap(IntPtr addr, nuint length);
    [DllImport(Libc, SetLastError = true)] private static extern int sem_init(IntPtr sem, int pshared, uint value);
    [DllImport(Libc, SetLastError = true)] private static extern int sem_trywait(IntPtr sem);
    [DllImport(Libc, SetLastError = true)] private static extern int sem_timedwait(IntPtr sem, Timespec* abs);
    [DllImport(Libc, SetLastError = true)] private static extern int sem_post(IntPtr sem);
    [DllImport(Libc, SetLastError = true)] private static extern int sem_getvalue(IntPtr sem, out int value);
    [DllImport(Libc, SetLastError = true)] private static extern int clock_gettime(int clock, Timespec* ts);

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd { public int Fd; public short Events; public short Revents; }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Sec; public long Nsec; }

    /// <summary>The errno of the last failed call, as an OSError-ready pair.</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    public sealed class PosixException : Exception
    {
        public readonly int Error;
        public PosixException(int error, string call) : base($"{call}: errno {error}") { Error = error; }
    }

    private static PosixException Fail(string call) => new(Errno, call);

    // ------------------------------------------------------------------ processes

    private static IntPtr s_environ;

    /// <summary>The process's native environment block (libc's environ).</summary>
    private static IntPtr* Environ()
    {
        if (s_environ == IntPtr.Zero)
        {
            var lib = NativeLibrary.Load("libc.so.6");
            s_environ = NativeLibrary.GetExport(lib, "environ");
        }
        return *(IntPtr**)s_environ;
    }

    /// <summary>
    /// Start path with argv, the environment of this process, stdin/stdout/stderr
    /// inherited and inherit[i] duplicated to descriptor firstFd + i in the child
    /// (every other descriptor of ours is close-on-exec). Answers the child's pid.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> argv, IReadOnlyList<int> inherit, int firstFd)
    {
        var args = new IntPtr[argv.Count + 1];
        byte* fa = stackalloc byte[512]; // posix_spawn_file_actions_t is 80 bytes in glibc
        posix_spawn_file_actions_init(fa);
        try
        {
            for (int i = 0; i < argv.Count; i++) args[i] = Marshal.StringToCoTaskMemUTF8(argv[i]);
            for (int i = 0; i < inherit.Count; i++) posix_spawn_file_actions_adddup2(fa, inherit[i], firstFd + i);
            fixed (IntPtr* pargs = args)
            {
                int rc = posix_spawn(out int pid, path, fa, null, pargs, Environ());
                if (rc != 0) throw new PosixException(rc, "posix_spawn");
                return pid;
            }
        }
        finally
        {
            posix_spawn_file_actions_destroy(fa);
            foreach (var a in args) if (a != IntPtr.Zero) Marshal.FreeCoTaskMem(a);
        }
    }

    /// <summary>Wait for pid to end; the exit code as Popen.returncode: the status, or -N for signal N.</summary>
    public static int WaitExit(int pid)
    {
        while (true)
        {
            int r = waitpid(pid, out int status, 0);
            if (r == pid)
            {
                int sig = status & 0x7f;
                if (sig == 0) return (status >> 8) & 0xff;          // WIFEXITED: WEXITSTATUS
                if (sig != 0x7f) return -sig;                        // WIFSIGNALED: -WTERMSIG
                continue;                                            // stopped: keep waiting
            }
            if (r < 0 && Errno == EINTR) continue;
            throw Fail("waitpid");
        }
    }

    /// <summary>kill(pid, sig); false when the process is already gone.</summary>
    public static bool Kill(int pid, int sig)
    {
        if (sys_kill(pid, sig) == 0) return true;
        if (Errno == ESRCH) return false;
        throw Fail("kill");
    }

    // ------------------------------------------------------------------ descriptors

    /// <summary>A one-way pipe: (read end, write end), both close-on-exec.</summary>
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw Fail("pipe2");
        return (fds[0], fds[1]);
    }

    /// <summary>A connected pair of Unix stream sockets (a duplex Pipe), close-on-exec.</summary>
    public static (int, int) SocketPair()
    {
        int* fds = stackalloc int[2];
        const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw Fail("socketpair");
        return (fds[0], fds[1]);
    }

    public static void Close(int fd)
    {
        if (fd >= 0) sys_close(fd); // close is not retried on EINTR on Linux: the descriptor is gone either way
    }

    /// <summary>Read up to count bytes into buf; 0 at end of file.</summary>
    public static int Read(int fd, byte[] buf, int offset, int count)
    {
        fixed (byte* p = buf)
        {
            while (true)
            {
                nint n = sys_read(fd, p + offset, count);
                if (n >= 0) return (int)n;
                if (Errno != EINTR) throw Fail("read");
            }
        }
    }

    /// <summary>Write all of buf[offset..offset+count].</summary>
    public static void WriteAll(int fd, byte[] buf, int offset, int count)
    {
        fixed (byte* p = buf)
        {
            while (count > 0)
            {
                nint n = sys_write(fd, p + offset, count);
                if (n < 0)
                {
                    if (Errno == EINTR) continue;
                    throw Fail("write");
                }
                offset += (int)n;
                count -= (int)n;
            }
        }
    }

    /// <summary>Read exactly count bytes; false at end of file before the first byte, EndOfStreamException in the middle.</summary>
    public static bool ReadExactly(int fd, byte[] buf, int count)
    {
        int got = 0;
        while (got < count)
        {
            int n = Read(fd, buf, got, count - got);
            if (n == 0)
            {
                if (got == 0) return false;
                throw new EndOfStreamException();
            }
            got += n;
        }
        return true;
    }

    /// <summary>poll one descriptor for events, at most ms milliseconds (-1 forever): true when ready (or hung up).</summary>
    public static bool Poll(int fd, short events, int ms)
    {
        var p = new PollFd { Fd = fd, Events = events };
        while (true)
        {
            int r = sys_poll(&p, 1, ms);
            if (r > 0) return true;
            if (r == 0) return false;
            if (Errno != EINTR) throw Fail("poll");
        }
    }

    // ------------------------------------------------------------------ shared memory and semaphores

    /// <summary>An anonymous shared-memory file (memfd) of size bytes, mapped read-write: (fd, address).</summary>
    public static (int Fd, IntPtr Address) CreateSharedMemory(int size, string name)
    {
        int fd = memfd_create(name, 1 /* MFD_CLOEXEC */);
        if (fd < 0) throw Fail("memfd_create");
        if (ftruncate(fd, size) != 0) { var e = Fail("ftruncate"); Close(fd); throw e; }
        return (fd, Map(fd, size));
    }

    /// <summary>Map an inherited shared-memory descriptor.</summary>
    public static IntPtr Map(int fd, int size)
    {
        const int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
        var p = mmap(IntPtr.Zero, (nuint)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == new IntPtr(-1)) throw Fail("mmap");
        return p;
    }

    public static void Unmap(IntPtr address, int size)
    {
        if (address != IntPtr.Zero) munmap(address, (nuint)size);
    }

    /// <summary>Size of a glibc sem_t on 64-bit Linux.</summary>
    public const int SemSize = 32;

    public static void SemInit(IntPtr sem, uint value)
    {
        if (sem_init(sem, 1, value) != 0) throw Fail("sem_init");
    }

    /// <summary>Take the semaphore without waiting; false when its value is 0.</summary>
    public static bool SemTryWait(IntPtr sem)
    {
        while (true)
        {
            if (sem_trywait(sem) == 0) return true;
            int e = Errno;
            if (e == EAGAIN) return false;
            if (e != EINTR) throw new PosixException(e, "sem_trywait");
        }
    }

    /// <summary>Wait at most ms milliseconds for the semaphore; false on timeout.</summary>
    public static bool SemWait(IntPtr sem, int ms)
    {
        const int CLOCK_REALTIME = 0;
        Timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        long ns = ts.Nsec + (long)ms * 1_000_000;
        ts.Sec += ns / 1_000_000_000;
        ts.Nsec = ns % 1_000_000_000;
        while (true)
        {
            if (sem_timedwait(sem, &ts) == 0) return true;
            int e = Errno;
            if (e == ETIMEDOUT) return false;
            if (e != EINTR) throw new PosixException(e, "sem_timedwait");
        }
    }

    public static void SemPost(IntPtr sem)
    {
        if (sem_post(sem) != 0) throw Fail("sem_post");
    }

    public static int SemGetValue(IntPtr sem)
    {
        if (sem_getvalue(sem, out int v) != 0) throw Fail("sem_getvalue");
        return v;
    }
}
