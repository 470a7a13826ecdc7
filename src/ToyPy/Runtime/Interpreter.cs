using System.Text;
using ToyPy.Bytecode;
using ToyPy.Compiling;
using ToyPy.Objects;
using ToyPy.Parsing;

namespace ToyPy.Runtime;

/// <summary>Which thread mode the process runs in (see README: one loop, three policies).</summary>
public enum ThreadMode { Gil, NoGil, FreeThreaded }

/// <summary>
/// The interpreter (PyInterpreterState): what all threads of the process
/// share — modules, builtins, configuration, the import machinery and the
/// standard streams. Everything a thread touches here is either immutable
/// after start-up or used under the GIL.
/// </summary>
public sealed class Interpreter
{
    public readonly PyDict Modules = new();       // sys.modules
    public PyDict BuiltinsDict = null!;
    public PyModule? MainModule;
    public string ScriptPath = "<string>";
    public string ScriptDirectory = Directory.GetCurrentDirectory();
    public List<string> Argv = new();
    public int RecursionLimit = 1000;
    public double SwitchInterval = 0.005;
    public ThreadMode Mode = ThreadMode.Gil;
    public readonly Dictionary<string, string> XOptions = new(StringComparer.Ordinal);
    public readonly PyOutput Stdout;
    public readonly PyOutput Stderr;
    public TextReader Stdin = Console.In;
    /// <summary>Source text of every file compiled, for traceback lines.</summary>
    private readonly Dictionary<string, string[]> _sources = new(StringComparer.Ordinal);
    /// <summary>Host-side constructors of the builtin modules, by import name.</summary>
    private readonly Dictionary<string, Func<Interpreter, PyModule>> _builtinModules = new(StringComparer.Ordinal);
    /// <summary>Exit code requested by sys.exit that escaped to the top.</summary>
    public int? ExitCode;
    /// <summary>The global interpreter lock (used in ThreadMode.Gil).</summary>
    public readonly Gil Gil;
    /// <summary>Every thread state attached to an OS thread, in start order (the audit's roots, _thread._count).</summary>
    private readonly List<PyThreadState> _threads = new();
    /// <summary>Threads started by _thread.start_new_thread that have not finished (_thread._count()); changed under the GIL.</summary>
    public int RunningThreads;
    /// <summary>States of threads that have finished, kept for --gil-stats.</summary>
    public readonly List<PyThreadState> FinishedThreads = new();

    public Interpreter(Stream? stdout = null, Stream? stderr = null)
    {
        bool unbuffered = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("PYTHONUNBUFFERED"));
        Stdout = new PyOutput(stdout ?? Console.OpenStandardOutput(), lineBuffered: stdout is null && !Console.IsOutputRedirected, unbuffered);
        Stderr = new PyOutput(stderr ?? Console.OpenStandardError(), lineBuffered: true, unbuffered);
        Modules.Incref(); // sys.modules is held by the interpreter for the whole run
        Modules.RefCount--;
        Gil = new Gil(this);
    }

    /// <summary>Switch the reference-count policy to Mode's, once, before any thread state exists.</summary>
    public void ApplyThreadMode()
    {
        if (Mode == ThreadMode.NoGil)
        {
            RefRace.Interp = this;
            RefMode.EnableRacy();
        }
        else if (Mode == ThreadMode.FreeThreaded) RefMode.EnableBiased();
    }

    public void AddThread(PyThreadState ts) { lock (_threads) if (!_threads.Contains(ts)) _threads.Add(ts); }

    public void RemoveThread(PyThreadState ts)
    {
        lock (_threads)
        {
            if (_threads.Remove(ts)) FinishedThreads.Add(ts);
        }
    }

    /// <summary>A snapshot of the live thread states.</summary>
    public PyThreadState[] Threads() { lock (_threads) return _threads.ToArray(); }

    public void RegisterBuiltinModule(string name, Func<Interpreter, PyModule> factory) => _builtinModules[name] = factory;

    public bool IsBuiltinModule(string name) => _builtinModules.ContainsKey(name);

    public IEnumerable<string> BuiltinModuleNames => _builtinModules.Keys;

    // ------------------------------------------------------------------ sources and compiling

    // Threads compile (imports) and print tracebacks at once when there is no GIL: the table has its own lock.
    public void RememberSource(string filename, string source)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        lock (_sources) _sources[filename] = lines;
    }

    /// <summary>The text of a source line (1-based), or null.</summary>
    public string? SourceLine(string filename, int line)
    {
        string[]? lines;
        lock (_sources) _sources.TryGetValue(filename, out lines);
        if (lines is null)
        {
            try { lines = File.ReadAllText(filename).Replace("\r\n", "\n").Split('\n'); }
            catch (Exception) { return null; }
            lock (_sources) _sources[filename] = lines;
        }
        return line >= 1 && line <= lines.Length ? lines[line - 1] : null;
    }

    /// <summary>Lex, parse and compile a module's source; SyntaxErrorException on bad input.</summary>
    public CodeObject Compile(string source, string filename)
    {
        RememberSource(filename, source);
        var module = PythonParser.ParseModule(source, filename);
        return Compiler.CompileModule(module, filename, source);
    }

    // ------------------------------------------------------------------ imports

    /// <summary>Import a module by dotted name (IMPORT_NAME): sys.modules, builtin modules, then NAME.tpy beside the script.</summary>
    public PyObject Import(PyThreadState ts, string name, int level) => Import(ts, name, level, fromList: true);

    /// <summary>
    /// IMPORT_NAME: `import a.b` (empty fromlist) answers the top-level module a,
    /// `from a.b import x` answers a.b. Dotted names reach submodules that a
    /// module exposes as attributes (os.path); ToyPy has no packages of .tpy files.
    /// </summary>
    public PyObject Import(PyThreadState ts, string name, int level, bool fromList)
    {
        if (level > 0) throw Exc.ImportError("attempted relative import with no known parent package");
        int dot = name.IndexOf('.');
        if (dot >= 0)
        {
            var top = ImportOne(ts, name[..dot]);
            PyObject current = top.NewRef();
            try
            {
                string path = name[..dot];
                foreach (var part in name[(dot + 1)..].Split('.'))
                {
                    path += "." + part;
                    var sub = Ops.GetAttrOrNull(current, part);
                    if (sub is not PyModule)
                    {
                        sub?.Decref();
                        throw Exc.ModuleNotFoundError($"No module named '{path}'; '{path[..path.LastIndexOf('.')]}' is not a package");
                    }
                    if (Modules.GetItemString(path) is null) Modules.SetItemString(path, sub);
                    current.Decref();
                    current = sub;
                }
            }
            catch { current.Decref(); top.Decref(); throw; }
            if (fromList) { top.Decref(); return current; }
            current.Decref();
            return top;
        }
        return ImportOne(ts, name);
    }

    private PyObject ImportOne(PyThreadState ts, string name)
    {
        var cached = Modules.GetItemString(name);
        if (cached is not null) return cached.NewRef();
        if (_builtinModules.TryGetValue(name, out var factory))
        {
            var m = factory(this);
            Modules.SetItemString(name, m);
            return m;
        }
        string path = Path.Combine(ScriptDirectory, name + ".tpy");
        string source;
        CodeObject? frozen = null;
        if (File.Exists(path)) source = File.ReadAllText(path);
        else if (LibraryModules.Source(name) is { } librarySource)
        {
            // Library modules written in Python (threading, queue) are compiled into toypy, like
            // CPython's frozen modules; make build has usually compiled them already.
            source = librarySource;
            path = $"<frozen {name}>";
            frozen = LibraryModules.Frozen(name, source);
        }
        else
        {
            var e = Exc.ModuleNotFoundError($"No module named '{name}'");
            var n = PyStr.FromString(name);
            e.Value.InstanceDict!.SetItemString("name", n);
            n.Decref();
            throw e;
        }
        CodeObject code;
        try { code = frozen ?? Compile(source, path); }
        catch (SyntaxErrorException se) { throw ts.SyntaxErrorToPython(se); }
        var module = new PyModule(name);
        module.Dict.SetItemString("__builtins__", BuiltinsDict);
        var file = PyStr.FromString(path);
        module.Dict.SetItemString("__file__", file);
        file.Decref();
        Modules.SetItemString(name, module);
        try
        {
            ts.RunModuleCode(code, module.Dict).Decref();
        }
        catch
        {
            Modules.DelItemString(name);
            module.Decref();
            code.Decref();
            throw;
        }
        code.Decref();
        return module;
    }
}

/// <summary>
/// sys.stdout / sys.stderr: UTF-8 text over a byte stream with Python's
/// buffering: stdout line-buffered on a terminal and block-buffered
/// otherwise, stderr line-buffered, both unbuffered under PYTHONUNBUFFERED
/// (or -u). A write that reaches the operating system is a blocking call and
/// drops the GIL, as CPython's FileIO.write does; a write that only fills the
/// buffer does not. Writes are serialised so concurrent prints never corrupt
/// the stream.
/// </summary>
public sealed class PyOutput
{
    private readonly Stream _stream;
    private readonly bool _lineBuffered;
    /// <summary>Every write goes straight to the OS (PYTHONUNBUFFERED, -u).</summary>
    public bool Unbuffered;
    private readonly byte[] _buffer = new byte[8192];
    private int _count;
    private readonly object _lock = new();

    public PyOutput(Stream stream, bool lineBuffered, bool unbuffered = false)
    {
        _stream = stream;
        _lineBuffered = lineBuffered;
        Unbuffered = unbuffered;
    }

    public void Write(string s)
    {
        // Decided once, without the lock: under the GIL only the writer itself changes _count.
        bool flushAfter = Unbuffered || (_lineBuffered && s.Contains('\n'));
        bool reachesOs = flushAfter || Encoding.UTF8.GetMaxByteCount(s.Length) > _buffer.Length - _count;
        var ts = reachesOs ? PyThreadState.CurrentOrNull : null;
        if (ts is not null) Modules.BlockingCall.Run(ts, () => WriteLocked(s, flushAfter));
        else WriteLocked(s, flushAfter);
    }

    private void WriteLocked(string s, bool flushAfter)
    {
        lock (_lock)
        {
            int max = Encoding.UTF8.GetMaxByteCount(s.Length);
            if (max > _buffer.Length - _count) FlushLocked();
            if (max > _buffer.Length)
            {
                var bytes = Encoding.UTF8.GetBytes(s);
                try { _stream.Write(bytes, 0, bytes.Length); } catch (IOException) { }
            }
            else _count += Encoding.UTF8.GetBytes(s, 0, s.Length, _buffer, _count);
            if (flushAfter) FlushLocked();
        }
    }

    /// <summary>Write out the buffer (dropping the GIL when called from a Python thread).</summary>
    public void Flush()
    {
        var ts = _count > 0 ? PyThreadState.CurrentOrNull : null;
        if (ts is not null) Modules.BlockingCall.Run(ts, () => { lock (_lock) FlushLocked(); });
        else lock (_lock) FlushLocked();
    }

    private void FlushLocked()
    {
        if (_count > 0)
        {
            try { _stream.Write(_buffer, 0, _count); } catch (IOException) { }
            _count = 0;
        }
        try { _stream.Flush(); } catch (IOException) { }
    }
}
