using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// A Python function (Objects/funcobject.c): code, the globals it was defined
/// in, defaults, keyword-only defaults and the closure cells. Calling one from
/// the dispatch loop pushes a frame on the heap frame stack; calling one from
/// host code runs a nested loop (Interpreter.CallFunction).
/// </summary>
public sealed class PyFunction : PyObject
{
    public CodeObject Code;
    public PyDict Globals;
    public PyDict Builtins;
    public PyTuple? Defaults;
    public PyDict? KwDefaults;
    public PyTuple? Closure;
    public string Name;
    public string QualName;
    public PyObject Doc;
    public PyObject ModuleName;
    public PyDict? Dict;
    /// <summary>
    /// The number of positional arguments a call can bind by moving them
    /// straight into the callee's first slots (no *args, **kwargs or
    /// keyword-only parameters, not a generator); -1 when binding needs the
    /// general path. CALL's fast path compares one field instead of four.
    /// </summary>
    public readonly int ExactArgCount;

    /// <summary>The hash of "__name__", computed once rather than at every `def` a closure runs.</summary>
    private static readonly long s_nameHash = PyDict.HashOf("__name__");

    public PyFunction(CodeObject code, PyDict globals, PyDict builtins) : base(PyTypes.Function)
    {
        code.Incref(); globals.Incref(); builtins.Incref();
        Code = code; Globals = globals; Builtins = builtins;
        ExactArgCount = (code.Flags & (CodeFlags.VarArgs | CodeFlags.VarKeywords | CodeFlags.Generator)) == 0 && code.KwOnlyArgCount == 0
            ? code.ArgCount : -1;
        Name = code.Name; QualName = code.QualName;
        Doc = code.Consts.Length > 0 && code.Consts[0] is PyStr && code.Flags.HasFlag(CodeFlags.Optimized) ? code.Consts[0].NewRef() : PyNone.Instance.NewRef();
        ModuleName = (globals.GetItemString("__name__", s_nameHash) ?? PyNone.Instance).NewRef();
    }

    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames) =>
        PyThreadState.Current.CallFunction(this, args, kwnames);

    public override bool IsDescriptor => true;

    public override PyObject DescrGet(PyObject? instance, PyType owner) =>
        instance is null ? NewRef() : new PyBoundMethod(this, instance);

    public override PyStr Repr() => PyStr.FromString($"<function {QualName} at 0x{Heap.Address(this):x}>");

    public override PyDict? InstanceDict => Dict ??= new PyDict();

    public override PyObject? GetAttr(PyStr name)
    {
        switch (name.Value)
        {
            case "__name__": return PyStr.FromString(Name);
            case "__qualname__": return PyStr.FromString(QualName);
            case "__doc__": return Doc.NewRef();
            case "__module__": return ModuleName.NewRef();
            case "__code__": return Code.NewRef();
            case "__globals__": return Globals.NewRef();
            case "__defaults__": return (Defaults ?? (PyObject)PyNone.Instance).NewRef();
            case "__kwdefaults__": return (KwDefaults ?? (PyObject)PyNone.Instance).NewRef();
            case "__closure__": return (Closure ?? (PyObject)PyNone.Instance).NewRef();
            case "__dict__": return InstanceDict!.NewRef();
        }
        return Ops.GenericGetAttr(this, name);
    }

    public override void SetAttr(PyStr name, PyObject? value)
    {
        switch (name.Value)
        {
            case "__name__": Name = value is PyStr s ? s.Value : throw Exc.TypeError("__name__ must be set to a string object"); return;
            case "__qualname__": QualName = value is PyStr q ? q.Value : throw Exc.TypeError("__qualname__ must be set to a string object"); return;
            case "__doc__": { var old = Doc; Doc = (value ?? PyNone.Instance).NewRef(); old.Decref(); return; }
            case "__module__": { var old = ModuleName; ModuleName = (value ?? PyNone.Instance).NewRef(); old.Decref(); return; }
        }
        Ops.GenericSetAttr(this, name, value);
    }

    public override void Traverse(Action<PyObject> visit)
    {
        visit(Code); visit(Globals); visit(Builtins); visit(Doc); visit(ModuleName);
        if (Defaults is not null) visit(Defaults);
        if (KwDefaults is not null) visit(KwDefaults);
        if (Closure is not null) visit(Closure);
        if (Dict is not null) visit(Dict);
    }

    protected internal override void ClearReferences()
    {
        var code = Code; var g = Globals; var b = Builtins; var d = Defaults; var kd = KwDefaults;
        var c = Closure; var doc = Doc; var m = ModuleName; var dict = Dict;
        Defaults = null; KwDefaults = null; Closure = null; Dict = null;
        code.Decref(); g.Decref(); b.Decref(); d?.Decref(); kd?.Decref(); c?.Decref();
        doc.Decref(); m.Decref(); dict?.Decref();
    }

    internal static void InitType() { }
}

/// <summary>A cell: one variable shared between a function and the closures that capture it.</summary>
public sealed class PyCell : PyObject
{
    /// <summary>The variable's value (owned), or null when unbound.</summary>
    public PyObject? Contents;

    public PyCell(PyObject? contents) : base(PyTypes.Cell) { Contents = contents; }

    // --free-threaded: threads sharing a closure variable read and swap it holding
    // the cell's lock (3.13t's PyCell_GetRef / PyCell_SetTakeRef), so a value is
    // neither freed between its read and its incref nor released twice.
    internal int LockWord;

    /// <summary>The contents as a new reference, or null when unbound (LOAD_DEREF, which knows its thread's owner id).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PyObject? GetRef(int tid)
    {
        using (CriticalSection.Enter(ref LockWord, tid))
        {
            var c = Contents;
            if (c is not null) BiasedRefCount.Incref(c, tid);
            return c;
        }
    }

    /// <summary>Store value (the cell takes over the reference) and answer the old contents (the caller releases them).</summary>
    public PyObject? Swap(PyObject? value)
    {
        using (CriticalSection.Enter(ref LockWord))
        {
            var old = Contents;
            Contents = value;
            return old;
        }
    }

    public override PyStr Repr() => PyStr.FromString(Contents is null
        ? $"<cell at 0x{Heap.Address(this):x}: empty>"
        : $"<cell at 0x{Heap.Address(this):x}: {Contents.Type.Name} object at 0x{Heap.Address(Contents):x}>");

    public override PyObject? GetAttr(PyStr name)
    {
        if (name.Value == "cell_contents")
            return Contents?.NewRef() ?? throw Exc.New(ExceptionTypes.ValueError, "Cell is empty");
        return base.GetAttr(name);
    }

    public override void Traverse(Action<PyObject> visit) { if (Contents is not null) visit(Contents); }
    protected internal override void ClearReferences() { var c = Contents; Contents = null; c?.Decref(); }
}

/// <summary>A module: a named namespace dict (Objects/moduleobject.c).</summary>
public sealed class PyModule : PyObject
{
    public PyDict Dict;
    public string Name;

    public PyModule(string name, PyDict? dict = null) : base(PyTypes.Module)
    {
        Name = name;
        if (RefMode.Biased) BiasedRefCount.MakeDeferred(this);
        Dict = dict ?? new PyDict();
        if (dict is not null) dict.Incref();
        if (Dict.GetItemString("__name__") is null)
        {
            var n = PyStr.FromString(name);
            Dict.SetItemString("__name__", n);
            n.Decref();
        }
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("module", args, kwnames, 1, 2, "name", "doc");
        return new PyModule(Ops.StrString(a[0]!));
    }

    public override PyDict? InstanceDict => Dict;

    /// <summary>Register a host function in the module namespace.</summary>
    public void AddFunction(string name, BuiltinFn fn, string? doc = null)
    {
        var f = new PyBuiltinFunction(name, fn, doc, Name);
        Dict.SetItemString(name, f);
        f.Decref();
    }

    /// <summary>Set a module attribute; the value's reference is STOLEN.</summary>
    public void AddObjectStealing(string name, PyObject value)
    {
        Dict.SetItemString(name, value);
        value.Decref();
    }

    public override PyObject? GetAttr(PyStr name)
    {
        if (name.Value == "__dict__") return Dict.NewRef();
        var v = Dict.GetItemStrRef(name);
        if (v is not null) return v;
        return Ops.GenericGetAttr(this, name);
    }

    public override void SetAttr(PyStr name, PyObject? value)
    {
        if (value is null)
        {
            var old = Dict.Pop(name) ?? throw Exc.AttributeError($"module '{Name}' has no attribute '{name.Value}'");
            old.Decref();
        }
        else Dict.SetItem(name, value);
    }

    public override PyStr Repr()
    {
        var file = Dict.GetItemString("__file__");
        return PyStr.FromString(file is PyStr f ? $"<module '{Name}' from '{f.Value}'>" : $"<module '{Name}' (built-in)>");
    }

    public override void Traverse(Action<PyObject> visit) => visit(Dict);
    protected internal override void ClearReferences()
    {
        var d = Dict; Dict = null!; d.Decref(); // the module is dead
    }
}
