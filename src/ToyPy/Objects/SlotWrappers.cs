using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// Slot wrappers (Objects/typeobject.c slotdefs): expose a builtin type's C#
/// protocol virtuals as dunder methods in its dict, so Python code can call
/// them (super().__init__(...), int.__add__(1, 2), object.__repr__(self)) and
/// heap subclasses inherit them. Each wrapper calls the virtual directly,
/// never Ops, so an override in a subclass cannot loop back into itself.
/// </summary>
public static class SlotWrappers
{
    private static void Add(PyType t, string name, BuiltinFn fn) => t.AddMethod(name, fn);

    private static PyObject Self(ReadOnlySpan<PyObject> a, int nargs, string name)
    {
        if (a.Length != nargs + 1) throw Exc.TypeError($"expected {nargs} argument{(nargs == 1 ? "" : "s")}, got {a.Length - 1}");
        return a[0];
    }

    private static readonly string[] s_cmp = { "__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__" };

    /// <summary>repr, str, hash, comparisons and, for containers, len/getitem/contains/iter.</summary>
    public static void AddStandardSlots(PyType t)
    {
        Add(t, "__repr__", (a, k) => Self(a, 0, "__repr__").Repr());
        Add(t, "__str__", (a, k) => Self(a, 0, "__str__").Str());
        Add(t, "__hash__", (a, k) => PyInt.FromLong(Self(a, 0, "__hash__").Hash()));
        for (int i = 0; i < 6; i++)
        {
            var op = (ComparisonOperation)i;
            Add(t, s_cmp[i], (a, k) => Self(a, 1, s_cmp[(int)op]).RichCompare(a[1], op));
        }
        if (t == PyTypes.Object) return;
        Add(t, "__len__", (a, k) => PyInt.FromLong(Self(a, 0, "__len__").Length()));
        Add(t, "__getitem__", (a, k) => Self(a, 1, "__getitem__").GetItem(a[1]));
        Add(t, "__contains__", (a, k) => PyBool.From(Self(a, 1, "__contains__").Contains(a[1])));
        Add(t, "__iter__", (a, k) => Self(a, 0, "__iter__").GetIter());
        if (t == PyTypes.List || t == PyTypes.Dict)
        {
            Add(t, "__setitem__", (a, k) => { Self(a, 2, "__setitem__").SetItem(a[1], a[2]); return PyNone.Instance.NewRef(); });
            Add(t, "__delitem__", (a, k) => { Self(a, 1, "__delitem__").DelItem(a[1]); return PyNone.Instance.NewRef(); });
        }
        AddBinary(t, BinaryOperation.Add); AddBinary(t, BinaryOperation.Multiply);
    }

    private static readonly string[] s_bin = { "add", "and", "floordiv", "lshift", "matmul", "mul", "mod", "or", "pow", "rshift", "sub", "truediv", "xor" };

    private static void AddBinary(PyType t, BinaryOperation op)
    {
        string n = s_bin[(int)op];
        Add(t, $"__{n}__", (a, k) => Self(a, 1, n).NumberOp(op, a[1], false));
        Add(t, $"__r{n}__", (a, k) => Self(a, 1, n).NumberOp(op, a[1], true));
    }

    /// <summary>Everything numbers have: arithmetic, unary operators, comparisons, bool/int/float conversions.</summary>
    public static void AddNumberSlots(PyType t)
    {
        Add(t, "__repr__", (a, k) => Self(a, 0, "__repr__").Repr());
        Add(t, "__str__", (a, k) => Self(a, 0, "__str__").Str());
        Add(t, "__hash__", (a, k) => PyInt.FromLong(Self(a, 0, "__hash__").Hash()));
        for (int i = 0; i < 6; i++)
        {
            var op = (ComparisonOperation)i;
            Add(t, s_cmp[i], (a, k) => Self(a, 1, s_cmp[(int)op]).RichCompare(a[1], op));
        }
        for (int i = 0; i < 13; i++) AddBinary(t, (BinaryOperation)i);
        Add(t, "__neg__", (a, k) => Self(a, 0, "__neg__").Negative());
        Add(t, "__pos__", (a, k) => Self(a, 0, "__pos__").Positive());
        Add(t, "__abs__", (a, k) => Self(a, 0, "__abs__").Absolute());
        Add(t, "__bool__", (a, k) => PyBool.From(Self(a, 0, "__bool__").IsTrue()));
        Add(t, "__int__", (a, k) => Ops.ToInt(Self(a, 0, "__int__")));
        Add(t, "__float__", (a, k) => Ops.ToFloat(Self(a, 0, "__float__")));
        if (t != PyTypes.Float)
        {
            Add(t, "__invert__", (a, k) => Self(a, 0, "__invert__").Invert());
            Add(t, "__index__", (a, k) => Ops.ToInt(Self(a, 0, "__index__")));
        }
    }
}
