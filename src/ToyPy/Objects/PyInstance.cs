using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// An instance of a class defined in Python whose nearest builtin base is
/// object: a __dict__ and a strong reference to its (heap) type. Every
/// protocol goes through the class's dunder methods (see Ops).
/// </summary>
public sealed class PyInstance : PyObject
{
    public PyDict? Dict;
    /// <summary>__del__ ran already (PEP 442: a finalizer runs once even if the object is resurrected).</summary>
    internal bool Finalized;

    public PyInstance(PyType type) : base(type)
    {
        if (type.IsHeapType) type.Incref();
    }

    /// <summary>Instances of classes written in Python have a __dict__; a bare object() has none.</summary>
    public override PyDict? InstanceDict => Type.IsHeapType ? Dict ??= PyDict.New() : null;

    public override void Traverse(Action<PyObject> visit)
    {
        if (Dict is not null) visit(Dict);
        if (Type.IsHeapType) visit(Type);
    }

    protected internal override void ClearReferences()
    {
        var d = Dict; Dict = null;
        d?.Decref();
        if (Type.IsHeapType) Type.Decref();
    }
}

/// <summary>property (Objects/descrobject.c): a data descriptor calling fget/fset/fdel.</summary>
public sealed class PyProperty : PyObject
{
    public PyObject? Get, Set, Del;
    public PyObject Doc;

    public PyProperty(PyObject? get, PyObject? set, PyObject? del, PyObject? doc) : base(PyTypes.Property)
    {
        get?.Incref(); set?.Incref(); del?.Incref();
        Get = get; Set = set; Del = del;
        Doc = doc is not null && doc is not PyNone ? doc.NewRef()
            : (get is null ? null : Ops.GetAttrOrNull(get, "__doc__")) ?? PyNone.Instance.NewRef();
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("property", args, kwnames, 0, 4, "fget", "fset", "fdel", "doc");
        static PyObject? NoneToNull(PyObject? o) => o is PyNone ? null : o;
        return new PyProperty(NoneToNull(a[0]), NoneToNull(a[1]), NoneToNull(a[2]), a[3]);
    }

    public override bool IsDescriptor => true;
    public override bool IsDataDescriptor => true;

    public override PyObject DescrGet(PyObject? instance, PyType owner)
    {
        if (instance is null) return NewRef();
        if (Get is null) throw Exc.AttributeError("unreadable attribute");
        return Ops.Call1(Get, instance);
    }

    /// <summary>"'name' " from the getter's __name__, as 3.11's messages quote it (empty when unknown).</summary>
    private string PropertyName()
    {
        if (Get is null) return "";
        var n = Ops.GetAttrOrNull(Get, "__name__");
        try { return n is PyStr s ? $"'{s.Value}' " : ""; } finally { n?.Decref(); }
    }

    public override void DescrSet(PyObject instance, PyObject? value)
    {
        if (value is null)
        {
            if (Del is null) throw Exc.AttributeError($"property {PropertyName()}of '{instance.Type.Name}' object has no deleter");
            Ops.Call1(Del, instance).Decref();
            return;
        }
        if (Set is null) throw Exc.AttributeError($"property {PropertyName()}of '{instance.Type.Name}' object has no setter");
        Ops.Call2(Set, instance, value).Decref();
    }

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "fget" => (Get ?? PyNone.Instance).NewRef(),
        "fset" => (Set ?? PyNone.Instance).NewRef(),
        "fdel" => (Del ?? PyNone.Instance).NewRef(),
        "__doc__" => Doc.NewRef(),
        _ => base.GetAttr(name),
    };

    public override void Traverse(Action<PyObject> visit)
    {
        if (Get is not null) visit(Get);
        if (Set is not null) visit(Set);
        if (Del is not null) visit(Del);
        visit(Doc);
    }

    protected internal override void ClearReferences()
    {
        var g = Get; var s = Set; var d = Del; var doc = Doc;
        Get = Set = Del = null; Doc = null!;
        g?.Decref(); s?.Decref(); d?.Decref(); doc.Decref();
    }

    /// <summary>property.setter / getter / deleter: a copy with one accessor replaced.</summary>
    private static PyObject With(ReadOnlySpan<PyObject> args, int which)
    {
        if (args.Length != 2) throw Exc.TypeError("expected 1 argument");
        var p = (PyProperty)args[0];
        var f = args[1] is PyNone ? null : args[1];
        return new PyProperty(which == 0 ? f : p.Get, which == 1 ? f : p.Set, which == 2 ? f : p.Del, which == 0 ? null : p.Doc);
    }

    internal static void InitType()
    {
        PyTypes.Property.AddMethod("getter", (a, k) => With(a, 0));
        PyTypes.Property.AddMethod("setter", (a, k) => With(a, 1));
        PyTypes.Property.AddMethod("deleter", (a, k) => With(a, 2));
    }
}

/// <summary>staticmethod: returns the wrapped callable unbound.</summary>
public sealed class PyStaticMethod : PyObject
{
    public PyObject Func;
    public PyStaticMethod(PyObject f) : base(PyTypes.StaticMethod) { f.Incref(); Func = f; }
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("staticmethod", args, kwnames, 1, 1, "function");
        return new PyStaticMethod(a[0]!);
    }
    public override bool IsDescriptor => true;
    public override PyObject DescrGet(PyObject? instance, PyType owner) => Func.NewRef();
    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames) => Ops.Call(Func, args, kwnames);
    public override PyObject? GetAttr(PyStr name) => name.Value == "__func__" ? Func.NewRef() : Func.GetAttr(name) ?? base.GetAttr(name);
    public override void Traverse(Action<PyObject> visit) => visit(Func);
    protected internal override void ClearReferences() { var f = Func; Func = null!; f.Decref(); }
}

/// <summary>classmethod: binds the wrapped callable to the class.</summary>
public sealed class PyClassMethod : PyObject
{
    public PyObject Func;
    public PyClassMethod(PyObject f) : base(PyTypes.ClassMethod) { f.Incref(); Func = f; }
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("classmethod", args, kwnames, 1, 1, "function");
        return new PyClassMethod(a[0]!);
    }
    public override bool IsDescriptor => true;
    public override PyObject DescrGet(PyObject? instance, PyType owner) => new PyBoundMethod(Func, owner);
    public override PyObject? GetAttr(PyStr name) => name.Value == "__func__" ? Func.NewRef() : Func.GetAttr(name) ?? base.GetAttr(name);
    public override void Traverse(Action<PyObject> visit) => visit(Func);
    protected internal override void ClearReferences() { var f = Func; Func = null!; f.Decref(); }
}

/// <summary>
/// super(): attribute lookup starting after ThisType in the MRO of Obj's type.
/// The zero-argument form is resolved by the VM from the calling frame's first
/// argument and its __class__ cell.
/// </summary>
public sealed class PySuper : PyObject
{
    public PyType ThisType;
    public PyObject Obj;

    public PySuper(PyType thisType, PyObject obj) : base(PyTypes.Super)
    {
        thisType.Incref(); obj.Incref();
        ThisType = thisType; Obj = obj;
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (args.Length == 0) return PyThreadState.Current.ZeroArgSuper();
        if (args.Length != 2 || args[0] is not PyType t) throw Exc.TypeError("super() argument 1 must be a type");
        return new PySuper(t, args[1]);
    }

    public override PyObject? GetAttr(PyStr name)
    {
        var startType = Obj as PyType is { } objAsType && objAsType.IsSubtypeOf(ThisType) ? objAsType : Obj.Type;
        var mro = startType.Mro;
        int i = Array.IndexOf(mro, ThisType);
        for (int j = i + 1; j < mro.Length && i >= 0; j++)
        {
            var v = mro[j].Dict.GetItemStr(name);
            if (v is null) continue;
            if (!v.IsDescriptor) return v.NewRef();
            return v.DescrGet(ReferenceEquals(Obj, startType) ? null : Obj, startType);
        }
        if (name.Value == "__class__") return Type.NewRef();
        return null;
    }

    public override PyStr Repr() => PyStr.FromString($"<super: <class '{ThisType.Name}'>, <{Obj.Type.Name} object>>");
    public override void Traverse(Action<PyObject> visit) { visit(ThisType); visit(Obj); }
    protected internal override void ClearReferences()
    {
        var t = ThisType; var o = Obj;
        Obj = null!; ThisType = null!;
        t.Decref(); o.Decref();
    }
}
