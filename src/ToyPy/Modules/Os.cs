using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The os module (Modules/posixmodule.c and Lib/os.py) for a POSIX host:
/// process information, the environment, the current directory and the
/// basic file-system calls, with os.path the posixpath module (pure string
/// functions from Lib/posixpath.py plus the stat-based predicates).
/// </summary>
public static class OsModule
{
    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int LibcGetPpid();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int LibcKill(int pid, int sig);

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void LibcExit(int status);

    // ------------------------------------------------------------------ helpers

    /// <summary>os.fspath for str paths (and __fspath__ objects); what names the function in the error.</summary>
    internal static string PathArg(PyObject o, string? fname = null)
    {
        if (o is PyStr s) return s.Value;
        if (o.Type.IsHeapType && o.Type.Lookup("__fspath__") is { } m)
        {
            using var r = new TempRef(Ops.CallSpecial(m, o));
            if (r.Value is PyStr rs) return rs.Value;
            throw Exc.TypeError($"expected {o.Type.Name}.__fspath__() to return str or bytes, not {r.Value.Type.Name}");
        }
        if (o is PyBytes b) return System.Text.Encoding.UTF8.GetString(b.Value);
        if (fname is not null)
            throw Exc.TypeError($"{fname}: path should be string, bytes or os.PathLike, not {o.Type.Name}");
        throw Exc.TypeError($"expected str, bytes or os.PathLike object, not {o.Type.Name}");
    }

    private static PyObject Str(string s) => PyStr.FromString(s);
    private static PyObject None() => PyNone.Instance.NewRef();

    /// <summary>The OSError CPython raises for a failed call on path: errno from the .NET exception where it can be told.</summary>
    private static PyException ErrorFor(Exception e, string path) => e switch
    {
        PyException pe => pe,
        FileNotFoundException or DirectoryNotFoundException => Exc.OSError(2, "No such file or directory", path),
        UnauthorizedAccessException => Exc.OSError(13, "Permission denied", path),
        PathTooLongException => Exc.OSError(36, "File name too long", path),
        _ => Exc.OSError(5, "Input/output error", path),
    };

    private static bool IsDirectory(string p) => Directory.Exists(p);
    private static bool Exists(string p) => File.Exists(p) || Directory.Exists(p);

    // ------------------------------------------------------------------ process and environment

    /// <summary>os.getpid(): the current process id.</summary>
    public static PyObject GetPid(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getpid", a, k, 0, 0);
        return PyInt.FromLong(Environment.ProcessId);
    }

    /// <summary>os.getppid(): the parent's process id.</summary>
    public static PyObject GetPPid(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getppid", a, k, 0, 0);
        int ppid;
        try { ppid = LibcGetPpid(); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { ppid = 1; }
        return PyInt.FromLong(ppid);
    }

    /// <summary>os.kill(pid, signal): send a signal to a process.</summary>
    public static PyObject Kill(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("kill", a, k, 2, 2);
        int pid = Ops.IndexAsInt(a[0]), sig = Ops.IndexAsInt(a[1]);
        if (LibcKill(pid, sig) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno switch
            {
                3 => Exc.OSError(3, "No such process"),
                1 => Exc.OSError(1, "Operation not permitted"),
                _ => Exc.OSError(22, "Invalid argument"),
            };
        }
        return None();
    }

    /// <summary>os._exit(n): end the process at once, without flushing or cleaning up.</summary>
    public static PyObject Exit(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_exit", a, k, 1, 1);
        LibcExit(Ops.IndexAsInt(a[0]));
        return None();
    }

    /// <summary>os.cpu_count(): the number of logical CPUs.</summary>
    public static PyObject CpuCount(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("cpu_count", a, k, 0, 0);
        return PyInt.FromLong(Environment.ProcessorCount);
    }

    /// <summary>os.getenv(key, default=None): the environment variable, or default.</summary>
    public static PyObject GetEnv(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("getenv", a, k, 1, 2, "key", "default");
        if (p[0] is not PyStr key) throw Exc.TypeError($"str expected, not {p[0]!.Type.Name}");
        var v = Environment.GetEnvironmentVariable(key.Value);
        if (v is not null) return Str(v);
        return (p[1] ?? PyNone.Instance).NewRef();
    }

    /// <summary>os.urandom(n): n bytes from the system's entropy source.</summary>
    public static PyObject URandom(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("urandom", a, k, 1, 1);
        long n = Ops.IndexAsLong(a[0]);
        if (n < 0) throw Exc.ValueError("negative argument not allowed");
        return PyBytes.FromBytes(RandomNumberGenerator.GetBytes((int)n));
    }

    // ------------------------------------------------------------------ directories and files

    /// <summary>os.getcwd(): the current working directory.</summary>
    public static PyObject GetCwd(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getcwd", a, k, 0, 0);
        return Str(Directory.GetCurrentDirectory());
    }

    /// <summary>os.chdir(path): change the current working directory.</summary>
    public static PyObject ChDir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("chdir", a, k, 1, 1, "path");
        string path = PathArg(p[0]!, "chdir");
        if (!Directory.Exists(path))
            throw File.Exists(path) ? Exc.OSError(20, "Not a directory", path) : Exc.OSError(2, "No such file or directory", path);
        try { Directory.SetCurrentDirectory(path); } catch (Exception e) { throw ErrorFor(e, path); }
        return None();
    }

    /// <summary>os.listdir(path='.'): the names in the directory, in the file system's order.</summary>
    public static PyObject ListDir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("listdir", a, k, 0, 1, "path");
        string path = p[0] is null || p[0] is PyNone ? "." : PathArg(p[0]!, "listdir");
        if (!Directory.Exists(path))
            throw File.Exists(path) ? Exc.OSError(20, "Not a directory", path) : Exc.OSError(2, "No such file or directory", path);
        var ts = PyThreadState.Current;
        string[] names;
        try { names = BlockingCall.Run(ts, () => Directory.GetFileSystemEntries(path)); }
        catch (Exception e) { throw ErrorFor(e, path); }
        var list = new PyList(names.Length);
        foreach (var n in names) list.AppendStealing(Str(Path.GetFileName(n)));
        return list;
    }

    /// <summary>os.mkdir(path, mode=0o777): create a directory.</summary>
    public static PyObject MkDir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("mkdir", a, k, 1, 2, "path", "mode");
        string path = PathArg(p[0]!, "mkdir");
        if (Exists(path)) throw Exc.OSError(17, "File exists", path);
        string? parent = Path.GetDirectoryName(Path.GetFullPath(path));
        if (parent is not null && !Directory.Exists(parent)) throw Exc.OSError(2, "No such file or directory", path);
        try { Directory.CreateDirectory(path); } catch (Exception e) { throw ErrorFor(e, path); }
        return None();
    }

    /// <summary>os.makedirs(name, mode=0o777, exist_ok=False): create a directory and its missing parents.</summary>
    public static PyObject MakeDirs(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("makedirs", a, k, 1, 3, "name", "mode", "exist_ok");
        string path = PathArg(p[0]!, "makedirs");
        bool existOk = p[2] is not null && Ops.IsTrue(p[2]!);
        if (Exists(path) && (!existOk || !Directory.Exists(path))) throw Exc.OSError(17, "File exists", path);
        try { Directory.CreateDirectory(path); } catch (Exception e) { throw ErrorFor(e, path); }
        return None();
    }

    /// <summary>os.rmdir(path): remove an empty directory.</summary>
    public static PyObject RmDir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("rmdir", a, k, 1, 1, "path");
        string path = PathArg(p[0]!, "rmdir");
        if (!Directory.Exists(path))
            throw File.Exists(path) ? Exc.OSError(20, "Not a directory", path) : Exc.OSError(2, "No such file or directory", path);
        if (Directory.EnumerateFileSystemEntries(path).Any()) throw Exc.OSError(39, "Directory not empty", path);
        try { Directory.Delete(path); } catch (Exception e) { throw ErrorFor(e, path); }
        return None();
    }

    /// <summary>os.remove(path) / os.unlink(path): delete a file.</summary>
    public static PyObject Remove(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("remove", a, k, 1, 1, "path");
        string path = PathArg(p[0]!, "remove");
        if (Directory.Exists(path)) throw Exc.OSError(21, "Is a directory", path);
        if (!File.Exists(path) && !IsDanglingLink(path)) throw Exc.OSError(2, "No such file or directory", path);
        var ts = PyThreadState.Current;
        try { BlockingCall.Run(ts, () => File.Delete(path)); } catch (Exception e) { throw ErrorFor(e, path); }
        return None();
    }

    private static bool IsDanglingLink(string path)
    {
        try { return new FileInfo(path).LinkTarget is not null; } catch (IOException) { return false; }
    }

    /// <summary>os.rename(src, dst): rename a file or directory (replacing a file at dst).</summary>
    public static PyObject Rename(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var p = ArgParser.Parse("rename", a, k, 2, 2, "src", "dst");
        string src = PathArg(p[0]!, "rename"), dst = PathArg(p[1]!, "rename");
        try
        {
            if (Directory.Exists(src)) Directory.Move(src, dst);
            else if (File.Exists(src)) File.Move(src, dst, overwrite: true);
            else throw Exc.OSError(2, "No such file or directory", src);
        }
        catch (Exception e) { throw ErrorFor(e, src); }
        return None();
    }

    // ------------------------------------------------------------------ os.path (posixpath)

    /// <summary>posixpath.join(a, *p): join components; an absolute component restarts the path.</summary>
    public static PyObject Join(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError("join() takes no keyword arguments");
        if (a.Length == 0) throw Exc.TypeError("join() missing 1 required positional argument: 'a'");
        string JoinArg(PyObject o)
        {
            if (o is PyStr || (o.Type.IsHeapType && o.Type.Lookup("__fspath__") is not null)) return PathArg(o);
            throw Exc.TypeError($"join() argument must be str, bytes, or os.PathLike object, not '{o.Type.Name}'");
        }
        string path = JoinArg(a[0]);
        for (int i = 1; i < a.Length; i++)
        {
            string b = JoinArg(a[i]);
            if (b.StartsWith('/')) path = b;
            else if (path.Length == 0 || path.EndsWith('/')) path += b;
            else path += "/" + b;
        }
        return Str(path);
    }

    /// <summary>posixpath.split(p): (head, tail) around the last slash.</summary>
    public static PyObject Split(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("split", a, k, 1, 1);
        string p = PathArg(a[0]);
        int i = p.LastIndexOf('/') + 1;
        string head = p.Substring(0, i), tail = p.Substring(i);
        if (head.Length > 0 && head.Trim('/').Length > 0) head = head.TrimEnd('/');
        return PyTuple.Create(Str(head), Str(tail));
    }

    /// <summary>posixpath.basename(p): the final component.</summary>
    public static PyObject BaseName(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("basename", a, k, 1, 1);
        string p = PathArg(a[0]);
        return Str(p.Substring(p.LastIndexOf('/') + 1));
    }

    /// <summary>posixpath.dirname(p): everything before the final component (trailing slashes stripped unless all slashes).</summary>
    public static PyObject DirName(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("dirname", a, k, 1, 1);
        string p = PathArg(a[0]);
        string head = p.Substring(0, p.LastIndexOf('/') + 1);
        if (head.Length > 0 && head.Trim('/').Length > 0) head = head.TrimEnd('/');
        return Str(head);
    }

    /// <summary>posixpath.splitext(p): (root, ext) with ext the last dot suffix of the final component (leading dots ignored).</summary>
    public static PyObject SplitExt(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("splitext", a, k, 1, 1);
        string p = PathArg(a[0]);
        int sepIndex = p.LastIndexOf('/');
        int dotIndex = p.LastIndexOf('.');
        if (dotIndex > sepIndex)
        {
            for (int f = sepIndex + 1; f < dotIndex; f++)
                if (p[f] != '.') return PyTuple.Create(Str(p.Substring(0, dotIndex)), Str(p.Substring(dotIndex)));
        }
        return PyTuple.Create(Str(p), Str(""));
    }

    /// <summary>posixpath.isabs(p): starts with a slash.</summary>
    public static PyObject IsAbs(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isabs", a, k, 1, 1);
        return PyBool.From(PathArg(a[0]).StartsWith('/'));
    }

    /// <summary>Lib/posixpath.py normpath: collapse separators, "." and "a/.." without touching the file system.</summary>
    internal static string NormPath(string path)
    {
        if (path.Length == 0) return ".";
        int initialSlashes = path.StartsWith('/') ? 1 : 0;
        if (initialSlashes == 1 && path.StartsWith("//") && !path.StartsWith("///")) initialSlashes = 2;
        var comps = new List<string>();
        foreach (var comp in path.Split('/'))
        {
            if (comp.Length == 0 || comp == ".") continue;
            if (comp != ".." || (initialSlashes == 0 && comps.Count == 0) || (comps.Count > 0 && comps[^1] == ".."))
                comps.Add(comp);
            else if (comps.Count > 0)
                comps.RemoveAt(comps.Count - 1);
        }
        string r = new string('/', initialSlashes) + string.Join('/', comps);
        return r.Length == 0 ? "." : r;
    }

    /// <summary>posixpath.normpath(p): the normalized path.</summary>
    public static PyObject NormPathFn(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("normpath", a, k, 1, 1);
        return Str(NormPath(PathArg(a[0])));
    }

    /// <summary>posixpath.abspath(p): normpath(join(getcwd(), p)).</summary>
    public static PyObject AbsPath(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("abspath", a, k, 1, 1);
        string p = PathArg(a[0]);
        if (!p.StartsWith('/'))
        {
            string cwd = Directory.GetCurrentDirectory();
            p = p.Length == 0 ? cwd : cwd.EndsWith('/') ? cwd + p : cwd + "/" + p;
        }
        return Str(NormPath(p));
    }

    /// <summary>posixpath.expanduser(p): ~ and ~/... replaced by $HOME.</summary>
    public static PyObject ExpandUser(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("expanduser", a, k, 1, 1);
        string p = PathArg(a[0]);
        if (!p.StartsWith('~')) return Str(p);
        int i = p.IndexOf('/', 1);
        if (i < 0) i = p.Length;
        if (i != 1) return Str(p); // ~user: not supported, left as is
        string home = Environment.GetEnvironmentVariable("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        home = home.TrimEnd('/');
        string r = home + p.Substring(i);
        return Str(r.Length == 0 ? "/" : r);
    }

    private static string? StatPath(PyObject o)
    {
        if (o is PyStr or PyBytes || (o.Type.IsHeapType && o.Type.Lookup("__fspath__") is not null)) return PathArg(o);
        if (o is PyInt) return null;
        throw Exc.TypeError($"stat: path should be string, bytes, os.PathLike or integer, not {o.Type.Name}");
    }

    /// <summary>posixpath.exists(p): the path names an existing file or directory.</summary>
    public static PyObject ExistsFn(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("exists", a, k, 1, 1);
        var p = StatPath(a[0]);
        if (p is null) return PyBool.From(Ops.IndexAsLong(a[0]) is >= 0 and <= 2);
        return PyBool.From(p.Length > 0 && p.IndexOf('\0') < 0 && Exists(p));
    }

    /// <summary>posixpath.isfile(p): the path names an existing regular file.</summary>
    public static PyObject IsFile(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isfile", a, k, 1, 1);
        var p = StatPath(a[0]);
        return PyBool.From(p is not null && p.Length > 0 && File.Exists(p));
    }

    /// <summary>posixpath.isdir(s): the path names an existing directory.</summary>
    public static PyObject IsDir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isdir", a, k, 1, 1);
        var p = StatPath(a[0]);
        return PyBool.From(p is not null && p.Length > 0 && IsDirectory(p));
    }

    /// <summary>posixpath.getsize(p): the size of the file in bytes.</summary>
    public static PyObject GetSize(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getsize", a, k, 1, 1);
        string p = PathArg(a[0], "stat");
        if (Directory.Exists(p)) return PyInt.FromLong(4096);
        if (!File.Exists(p)) throw Exc.OSError(2, "No such file or directory", p);
        try { return PyInt.FromLong(new FileInfo(p).Length); } catch (Exception e) { throw ErrorFor(e, p); }
    }

    // ------------------------------------------------------------------ module tables

    /// <summary>The posixpath module (os.path).</summary>
    public static PyModule CreatePath(Interpreter interp)
    {
        var m = new PyModule("posixpath");
        m.AddFunction("join", Join);
        m.AddFunction("split", Split);
        m.AddFunction("basename", BaseName);
        m.AddFunction("dirname", DirName);
        m.AddFunction("splitext", SplitExt);
        m.AddFunction("isabs", IsAbs);
        m.AddFunction("normpath", NormPathFn);
        m.AddFunction("abspath", AbsPath);
        m.AddFunction("expanduser", ExpandUser);
        m.AddFunction("exists", ExistsFn);
        m.AddFunction("isfile", IsFile);
        m.AddFunction("isdir", IsDir);
        m.AddFunction("getsize", GetSize);
        m.AddObjectStealing("sep", Str("/"));
        m.AddObjectStealing("curdir", Str("."));
        m.AddObjectStealing("pardir", Str(".."));
        m.AddObjectStealing("extsep", Str("."));
        m.AddObjectStealing("pathsep", Str(":"));
        m.AddObjectStealing("devnull", Str("/dev/null"));
        return m;
    }

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("os");
        m.AddFunction("getpid", GetPid);
        m.AddFunction("getppid", GetPPid);
        m.AddFunction("cpu_count", CpuCount);
        m.AddFunction("kill", Kill);
        m.AddFunction("_exit", Exit);
        m.AddFunction("getenv", GetEnv);
        m.AddFunction("urandom", URandom);
        m.AddFunction("getcwd", GetCwd);
        m.AddFunction("chdir", ChDir);
        m.AddFunction("listdir", ListDir);
        m.AddFunction("mkdir", MkDir);
        m.AddFunction("makedirs", MakeDirs);
        m.AddFunction("rmdir", RmDir);
        m.AddFunction("remove", Remove);
        m.AddFunction("unlink", Remove);
        m.AddFunction("rename", Rename);
        var environ = new PyDict();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            using var key = new TempRef(Str((string)e.Key));
            using var value = new TempRef(Str((string?)e.Value ?? ""));
            environ.SetItem(key.Value, value.Value);
        }
        m.AddObjectStealing("environ", environ);
        m.AddObjectStealing("name", Str("posix"));
        m.AddObjectStealing("sep", Str("/"));
        m.AddObjectStealing("altsep", None());
        m.AddObjectStealing("linesep", Str("\n"));
        m.AddObjectStealing("curdir", Str("."));
        m.AddObjectStealing("pardir", Str(".."));
        m.AddObjectStealing("extsep", Str("."));
        m.AddObjectStealing("pathsep", Str(":"));
        m.AddObjectStealing("devnull", Str("/dev/null"));
        // os.path is the posixpath module itself (the same object `import posixpath` gives).
        m.AddObjectStealing("path", interp.Import(PyThreadState.Current, "posixpath", 0));
        return m;
    }
}
