using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// A host function callable from Python, vectorcall style: args holds the
/// positional values then the keyword values named by kwnames. Arguments are
/// borrowed; the result is a new reference. For methods args[0] is self.
/// Errors are thrown as PyException.
/// </summary>
public delegate PyObject BuiltinFn(ReadOnlySpan<PyObject> args, PyTuple? kwnames);

/// <summary>builtin_function_or_method: a module-level host function (len, print, time.sleep...).</summary>
public sealed class PyBuiltinFunction : PyObject
{
    public readonly string Name;
    public readonly BuiltinFn Fn;
    public readonly string? Doc;
    /// <summary>The module name for the repr (builtins functions print as &lt;built-in function len&gt;).</summary>
    public readonly string? Module;

    public PyBuiltinFunction(string name, BuiltinFn fn, string? doc = null, string? module = null) : base(PyTypes.BuiltinFunction)
    {
        Name = name; Fn = fn; Doc = doc; Module = module;
    }

    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames) => Fn(args, kwnames);

    public override PyStr Repr() => PyStr.FromString($"<built-in function {Name}>");

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "__name__" or "__qualname__" => PyStr.FromString(Name),
        "__doc__" => Doc is null ? PyNone.Instance.NewRef() : PyStr.FromString(Doc),
        "__module__" => Module is null ? PyNone.Instance.NewRef() : PyStr.FromString(Module),
        _ => base.GetAttr(name),
    };
}

/// <summary>method_descriptor: a host method in a builtin type's dict (list.append). Bound on attribute access.</summary>
public sealed class PyMethodDescriptor : PyObject
{
    public readonly string Name;
    public readonly PyType Owner;
    public readonly BuiltinFn Fn;
    public readonly string? Doc;

    public PyMethodDescriptor(string name, PyType owner, BuiltinFn fn, string? doc) : base(PyTypes.MethodDescriptor)
    {
        Name = name; Owner = owner; Fn = fn; Doc = doc;
    }

    /// <summary>Called unbound: list.append(l, x); args[0] must be an instance of the owner.</summary>
    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (args.Length - (kwnames?.Count ?? 0) < 1)
            throw Exc.TypeError($"unbound method {Owner.Name}.{Name}() needs an argument");
        if (!args[0].Type.IsSubtypeOf(Owner))
            throw Exc.TypeError($"descriptor '{Name}' for '{Owner.Name}' objects doesn't apply to a '{args[0].Type.Name}' object");
        return Fn(args, kwnames);
    }

    public override bool IsDescriptor => true;

    public override PyObject DescrGet(PyObject? instance, PyType owner)
    {
        if (instance is null) return NewRef();
        return new PyBoundMethod(this, instance);
    }

    public override PyStr Repr() => PyStr.FromString($"<method '{Name}' of '{Owner.Name}' objects>");

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "__name__" => PyStr.FromString(Name),
        "__qualname__" => PyStr.FromString(Owner.Name + "." + Name),
        "__doc__" => Doc is null ? PyNone.Instance.NewRef() : PyStr.FromString(Doc),
        _ => base.GetAttr(name),
    };
}

/// <summary>A bound method: a function (Python or host) with self fixed (Objects/classobject.c).</summary>
public sealed class PyBoundMethod : PyObject
{
    public PyObject Func;
    public PyObject Self;

    public PyBoundMethod(PyObject func, PyObject self) : base(PyTypes.Method)
    {
        func.Incref(); self.Incref();
        Func = func; Self = self;
    }

    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        // Prepend self. Small calls use a stack buffer.
        int n = args.Length + 1;
        var buffer = n <= 8 ? new PyObject[8] : new PyObject[n];
        buffer[0] = Self;
        args.CopyTo(buffer.AsSpan(1));
        return Ops.Call(Func, buffer.AsSpan(0, n), kwnames);
    }

    public override PyStr Repr()
    {
        string name = Func switch
        {
            PyFunction f => f.QualName,
            PyMethodDescriptor d => d.Name,
            _ => "?",
        };
        if (Func is PyMethodDescriptor md)
            return PyStr.FromString($"<built-in method {md.Name} of {Self.Type.Name} object at 0x{Heap.Address(Self):x}>");
        return PyStr.FromString($"<bound method {name} of {Ops.ReprString(Self)}>");
    }

    public override PyObject RichCompare(PyObject other, Bytecode.ComparisonOperation op)
    {
        if (other is PyBoundMethod o && op is Bytecode.ComparisonOperation.Eq or Bytecode.ComparisonOperation.Ne)
        {
            bool eq = ReferenceEquals(Func, o.Func) && ReferenceEquals(Self, o.Self);
            return PyBool.From(op == Bytecode.ComparisonOperation.Eq ? eq : !eq);
        }
        return base.RichCompare(other, op);
    }

    public override long Hash() => Heap.IdentityHash(Self) ^ Heap.IdentityHash(Func);

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "__self__" => Self.NewRef(),
        "__func__" => Func.NewRef(),
        _ => Func.GetAttr(name) ?? base.GetAttr(name),
    };

    public override void Traverse(Action<PyObject> visit) { visit(Func); visit(Self); }

    protected internal override void ClearReferences()
    {
        var f = Func; var s = Self;
        Func = null!; Self = null!;
        f.Decref(); s.Decref();
    }
}
