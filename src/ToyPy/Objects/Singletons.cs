namespace ToyPy.Objects;

/// <summary>None. Like every object it is reference counted (3.11: not immortal).</summary>
public sealed class PyNone : PyObject
{
    public static readonly PyNone Instance = new();
    private PyNone() : base(PyTypes.NoneType) { }
    public override PyStr Repr() => PyStr.FromString("None");
    public override bool IsTrue() => false;
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (args.Length > 0) throw Exc.TypeError("NoneType takes no arguments");
        return Instance.NewRef();
    }
}

public sealed class PyNotImplemented : PyObject
{
    public static readonly PyNotImplemented Instance = new();
    private PyNotImplemented() : base(PyTypes.NotImplementedType) { }
    public override PyStr Repr() => PyStr.FromString("NotImplemented");
}

public sealed class PyEllipsis : PyObject
{
    public static readonly PyEllipsis Instance = new();
    private PyEllipsis() : base(PyTypes.EllipsisType) { }
    public override PyStr Repr() => PyStr.FromString("Ellipsis");
}

/// <summary>True and False: the two instances of bool, a subclass of int.</summary>
public sealed class PyBool : PyInt
{
    public static readonly PyBool True = new(1);
    public static readonly PyBool False = new(0);
    private PyBool(long v) : base(PyTypes.Bool, v) { }

    /// <summary>A new reference to True or False.</summary>
    public static PyObject From(bool b) => b ? True.NewRef() : False.NewRef();

    public override PyStr Repr() => PyStr.FromString(Value != 0 ? "True" : "False");

    public override PyObject NumberOp(Bytecode.BinaryOperation op, PyObject other, bool reflected)
    {
        // bool & | ^ bool stays bool; everything else is int arithmetic.
        if (other is PyBool ob && op is Bytecode.BinaryOperation.And or Bytecode.BinaryOperation.Or or Bytecode.BinaryOperation.Xor)
        {
            bool a = Value != 0, b = ob.Value != 0;
            return From(op switch { Bytecode.BinaryOperation.And => a & b, Bytecode.BinaryOperation.Or => a | b, _ => a ^ b });
        }
        return base.NumberOp(op, other, reflected);
    }

    public new static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError("bool() takes no keyword arguments");
        if (args.Length > 1) throw Exc.TypeError($"bool expected at most 1 argument, got {args.Length}");
        return From(args.Length == 1 && Runtime.Ops.IsTrue(args[0]));
    }

    protected internal override void Recycle() { }
}
