using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>sys.stdout / sys.stderr as Python objects (write, flush).</summary>
public sealed class StdStream : PyObject
{
    public static readonly PyType StreamType = StaticTypeRegistry.Register(PyType.NewBuiltin("TextIOWrapper", PyTypes.Object));
    public readonly bool IsStdout;

    public StdStream(bool isStdout) : base(StreamType) { IsStdout = isStdout; }

    private PyOutput Output => IsStdout ? PyThreadState.Current.Interp.Stdout : PyThreadState.Current.Interp.Stderr;

    public override PyObject? GetAttr(PyStr name)
    {
        switch (name.Value)
        {
            case "write":
                return new PyBuiltinFunction("write", (a, k) =>
                {
                    ArgParser.Positional("write", a, k, 1, 1);
                    if (a[0] is not PyStr s) throw Exc.TypeError($"write() argument must be str, not {a[0].Type.Name}");
                    Output.Write(s.Value);
                    return PyInt.FromLong(s.Value.Length);
                });
            case "flush":
                return new PyBuiltinFunction("flush", (a, k) => { Output.Flush(); return PyNone.Instance.NewRef(); });
            case "name": return PyStr.FromString(IsStdout ? "<stdout>" : "<stderr>");
        }
        return base.GetAttr(name);
    }

    public override PyStr Repr() => PyStr.FromString($"<_io.TextIOWrapper name='{(IsStdout ? "<stdout>" : "<stderr>")}' mode='w' encoding='utf-8'>");
}

/// <summary>The sys module (Python/sysmodule.c): the basic parts.</summary>
public static class Sys
{
    /// <summary>sys.exit(code): raises SystemExit.</summary>
    public static PyObject Exit(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("exit", a, k, 0, 1);
        throw new PyException(new PyBaseException(ExceptionTypes.SystemExit, a.Length == 0 ? PyTuple.Empty() : PyTuple.Create(a[0].NewRef())));
    }

    /// <summary>sys.getrefcount(x): x's count, including the reference the call's argument holds (so a fresh object bound to one name gives 2).</summary>
    public static PyObject GetRefCount(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getrefcount", a, k, 1, 1);
        return PyInt.FromLong(RefMode.Total(a[0]));
    }

    public static PyObject GetRecursionLimit(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getrecursionlimit", a, k, 0, 0);
        return PyInt.FromLong(PyThreadState.Current.Interp.RecursionLimit);
    }

    public static PyObject SetRecursionLimit(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("setrecursionlimit", a, k, 1, 1);
        if (a[0] is not PyInt) throw Exc.TypeError($"'{a[0].Type.Name}' object cannot be interpreted as an integer");
        long n = Ops.IndexAsLong(a[0]);
        if (n < 1) throw Exc.ValueError("recursion limit must be greater or equal than 1");
        var ts = PyThreadState.Current;
        if (n <= ts.Depth)
            throw Exc.RecursionError($"cannot set the recursion limit to {n} at the recursion depth {ts.Depth}: the limit is too low");
        ts.Interp.RecursionLimit = (int)Math.Min(n, int.MaxValue);
        return PyNone.Instance.NewRef();
    }

    public static PyObject GetSwitchInterval(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("sys.getswitchinterval", a, k, 0, 0);
        return PyFloat.FromDouble(PyThreadState.Current.Interp.SwitchInterval);
    }

    public static PyObject SetSwitchInterval(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("sys.setswitchinterval", a, k, 1, 1);
        if (!PyFloat.TryAsDouble(a[0], out double d)) throw Exc.TypeError($"must be real number, not {a[0].Type.Name}");
        if (d <= 0) throw Exc.ValueError("switch interval must be strictly positive");
        // CPython keeps the interval in whole microseconds.
        PyThreadState.Current.Interp.SwitchInterval = Math.Floor(d * 1e6) / 1e6;
        return PyNone.Instance.NewRef();
    }

    public static PyObject IsGilEnabled(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("_is_gil_enabled", a, k, 0, 0);
        return PyBool.From(PyThreadState.Current.Interp.Mode == ThreadMode.Gil);
    }

    public static PyObject ExcInfo(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("exc_info", a, k, 0, 0);
        var e = PyThreadState.Current.HandledException;
        if (e is null) return PyTuple.Create(PyNone.Instance.NewRef(), PyNone.Instance.NewRef(), PyNone.Instance.NewRef());
        return PyTuple.Create(e.Type.NewRef(), e.NewRef(), PyNone.Instance.NewRef());
    }

    public const string Version = "3.11.7 (ToyPy 0.1, a teaching interpreter on .NET)";

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("sys");
        m.AddFunction("exit", Exit);
        m.AddFunction("getrefcount", GetRefCount);
        m.AddFunction("getrecursionlimit", GetRecursionLimit);
        m.AddFunction("setrecursionlimit", SetRecursionLimit);
        m.AddFunction("getswitchinterval", GetSwitchInterval);
        m.AddFunction("setswitchinterval", SetSwitchInterval);
        m.AddFunction("_is_gil_enabled", IsGilEnabled);
        m.AddFunction("exc_info", ExcInfo);
        var argv = new PyList();
        foreach (var s in interp.Argv) argv.AppendStealing(PyStr.FromString(s));
        m.AddObjectStealing("argv", argv);
        m.AddObjectStealing("version", PyStr.FromString(Version));
        m.AddObjectStealing("version_info", PyTuple.Create(PyInt.FromLong(3), PyInt.FromLong(11), PyInt.FromLong(7), PyStr.FromString("final"), PyInt.FromLong(0)));
        m.AddObjectStealing("platform", PyStr.FromString("linux"));
        m.AddObjectStealing("maxsize", PyInt.FromLong(long.MaxValue));
        m.AddObjectStealing("byteorder", PyStr.FromString("little"));
        m.AddObjectStealing("executable", PyStr.FromString(Environment.ProcessPath ?? "toypy"));
        m.AddObjectStealing("implementation_name", PyStr.FromString("toypy"));
        m.AddObjectStealing("stdout", new StdStream(true));
        m.AddObjectStealing("stderr", new StdStream(false));
        m.Dict.SetItemString("modules", interp.Modules);
        var path = new PyList();
        path.AppendStealing(PyStr.FromString(interp.ScriptDirectory));
        m.AddObjectStealing("path", path);
        return m;
    }
}
