using System.Text;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// One line of a traceback: where a frame was when the exception passed through it
/// (innermost first in the list). EndLine, Column and EndColumn are the rest of the
/// instruction's position (co_positions: 0-based columns), -1 when unknown.
/// </summary>
public readonly record struct TracebackEntry(string Filename, int Line, string FunctionName,
                                             int EndLine = -1, int Column = -1, int EndColumn = -1)
{
    /// <summary>The same frame line as far as "[Previous line repeated N more times]" is concerned.</summary>
    public bool SameLine(in TracebackEntry other) =>
        Line == other.Line && FunctionName == other.FunctionName && Filename == other.Filename;
}

/// <summary>
/// BaseException and every exception instance (Objects/exceptions.c). User
/// exception classes are heap subtypes whose instances are this class with a
/// __dict__. The traceback is kept as plain entries, innermost last.
/// </summary>
public class PyBaseException : PyObject
{
    public PyTuple Args;
    public PyObject? Cause;
    public PyObject? Context;
    public bool SuppressContext;
    public PyDict? Dict;
    public List<TracebackEntry>? Traceback;

    public PyBaseException(PyType type, PyTuple args) : base(type)
    {
        Args = args;
        if (type.IsHeapType) type.Incref(); // released in ClearReferences, as for any heap-type instance
    }

    public static PyObject Alloc(PyType type) => new PyBaseException(type, PyTuple.Empty());

    public override PyDict? InstanceDict => Dict ??= new PyDict();

    /// <summary>Add where the exception passed (called as frames unwind, innermost first).</summary>
    public void AddTraceback(string filename, int line, string function)
    {
        // Appended as frames unwind (innermost first); printing reverses. Inserting at the
        // front instead would make a deep RecursionError quadratic.
        (Traceback ??= new List<TracebackEntry>()).Add(new TracebackEntry(filename, line, function));
    }

    /// <summary>
    /// Add the frame running code at instruction lasti (PyTraceBack_Here): its line and
    /// the instruction's source position, for 3.11's ~~~^^^ markers.
    /// </summary>
    public void AddTraceback(Bytecode.CodeObject code, int lasti)
    {
        int line = lasti >= 0 && lasti < code.Lines.Length ? code.Lines[lasti] : code.FirstLineNo;
        var (start, endLine, col, endCol) = code.PositionOf(lasti);
        var entry = start == line && start >= 0
            ? new TracebackEntry(code.Filename, line, code.Name, endLine, col, endCol)
            : new TracebackEntry(code.Filename, line, code.Name);
        (Traceback ??= new List<TracebackEntry>()).Add(entry);
    }

    public PyObject? ArgOrNull(int i) => i < Args.Count ? Args[i] : null;

    public override PyStr Str()
    {
        if (Type.IsSubtypeOf(ExceptionTypes.KeyError) && Args.Count == 1) return Ops.Repr(Args[0]);
        if (Type.IsSubtypeOf(ExceptionTypes.OSError) && Args.Count >= 2)
        {
            var s = $"[Errno {Ops.StrString(Args[0])}] {Ops.StrString(Args[1])}";
            if (Args.Count >= 3) s += ": " + Ops.ReprString(Args[2]);
            return PyStr.FromString(s);
        }
        return Args.Count switch
        {
            0 => PyStr.FromString(""),
            1 => Ops.Str(Args[0]),
            _ => Args.Repr(),
        };
    }

    public override PyStr Repr()
    {
        var name = Type.Name;
        if (Args.Count == 1) return PyStr.FromString(name + "(" + Ops.ReprString(Args[0]) + ")");
        return PyStr.FromString(name + (Args.Count == 0 ? "()" : Ops.ReprString(Args)));
    }

    public override PyObject? GetAttr(PyStr name)
    {
        switch (name.Value)
        {
            case "args": return Args.NewRef();
            case "__cause__": return (Cause ?? PyNone.Instance).NewRef();
            case "__context__": return (Context ?? PyNone.Instance).NewRef();
            case "__suppress_context__": return PyBool.From(SuppressContext);
            case "__traceback__": return PyNone.Instance.NewRef();
        }
        var r = Ops.GenericGetAttr(this, name);
        if (r is not null) return r;
        // Attributes CPython's exception types define natively.
        if (Type.IsSubtypeOf(ExceptionTypes.StopIteration) && name.Value == "value")
            return (ArgOrNull(0) ?? PyNone.Instance).NewRef();
        if (Type.IsSubtypeOf(ExceptionTypes.SystemExit) && name.Value == "code")
            return (Args.Count == 0 ? PyNone.Instance : Args.Count == 1 ? Args[0] : Args).NewRef();
        if (Type.IsSubtypeOf(ExceptionTypes.OSError))
        {
            if (name.Value == "errno") return (Args.Count >= 2 ? Args[0] : PyNone.Instance).NewRef();
            if (name.Value == "strerror") return (Args.Count >= 2 ? Args[1] : PyNone.Instance).NewRef();
            if (name.Value == "filename") return (Args.Count >= 3 ? Args[2] : PyNone.Instance).NewRef();
        }
        if ((Type.IsSubtypeOf(ExceptionTypes.NameError) || Type.IsSubtypeOf(ExceptionTypes.AttributeError)
             || Type.IsSubtypeOf(ExceptionTypes.ImportError)) && name.Value == "name")
            return PyNone.Instance.NewRef();
        return null;
    }

    public override void SetAttr(PyStr name, PyObject? value)
    {
        switch (name.Value)
        {
            case "__cause__":
                var oldCause = Cause;
                Cause = value is null || value is PyNone ? null : value.NewRef();
                SuppressContext = true;
                oldCause?.Decref();
                return;
            case "__context__":
                var oldCtx = Context;
                Context = value is null || value is PyNone ? null : value.NewRef();
                oldCtx?.Decref();
                return;
            case "__suppress_context__":
                SuppressContext = value is not null && Ops.IsTrue(value);
                return;
            case "args":
                if (value is null) throw Exc.TypeError("args may not be deleted");
                var old = Args;
                Args = value is PyTuple t ? (PyTuple)t.NewRef() : Ops.ToTuple(value);
                old.Decref();
                return;
        }
        Ops.GenericSetAttr(this, name, value);
    }

    public override void Traverse(Action<PyObject> visit)
    {
        visit(Args);
        if (Cause is not null) visit(Cause);
        if (Context is not null) visit(Context);
        if (Dict is not null) visit(Dict);
        if (Type.IsHeapType) visit(Type);
    }

    protected internal override void ClearReferences()
    {
        var args = Args; Args = null!; args?.Decref();
        var c = Cause; Cause = null; c?.Decref();
        var x = Context; Context = null; x?.Decref();
        var d = Dict; Dict = null; d?.Decref();
        Traceback = null;
        if (Type.IsHeapType) Type.Decref();
    }

    /// <summary>BaseException.__new__/__init__: the arguments become args (keywords are not accepted).</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0)
            throw Exc.TypeError($"{type.Name}() takes no keyword arguments");
        // OSError(errno, strerror[, ...]) is an instance of the errno's subclass (OSError_new's errnomap).
        if (type == ExceptionTypes.OSError && args.Length is >= 2 and <= 5 && args[0] is PyInt { IsBig: false } errno
            && errno.Value is >= int.MinValue and <= int.MaxValue)
            type = ExceptionTypes.ForErrno((int)errno.Value);
        var e = type.IsHeapType ? (PyBaseException)type.Alloc!(type) : new PyBaseException(type, PyTuple.Empty());
        var old = e.Args;
        e.Args = PyTuple.FromSpan(args);
        old.Decref();
        return e;
    }

    public string FormatMessageLine()
    {
        var sb = new StringBuilder();
        string typeName = Type.ModuleName is "builtins" or "__main__" ? Type.QualName : Type.ModuleName + "." + Type.QualName;
        sb.Append(typeName);
        var s = Ops.Str(this);
        if (s.Value.Length > 0) sb.Append(": ").Append(s.Value);
        s.Decref();
        return sb.ToString();
    }
}

/// <summary>
/// A Python exception travelling through host code: builtins throw it, the
/// dispatch loop catches it and unwinds Python frames. It owns one reference
/// to Value.
/// </summary>
public sealed class PyException : Exception
{
    public PyBaseException Value { get; }

    public PyException(PyBaseException value) : base(null) { Value = value; }

    public override string Message => Value.FormatMessageLine();
}
