using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>tuple (Objects/tupleobject.c): immutable; the empty tuple is shared; small dead tuples go to per-size free lists.</summary>
public sealed partial class PyTuple : PyObject
{
    public PyObject[] Items;
    private static readonly PyTuple s_empty = new(Array.Empty<PyObject>());
    private const int FreeListSizes = 8;
    [ThreadStatic] private static FreeList<PyTuple>[]? t_free;

    private PyTuple(PyObject[] items) : base(PyTypes.Tuple) { Items = items; }

    public int Count => Items.Length;

    /// <summary>The shared empty tuple, for the refcount audit (the static field owns one reference).</summary>
    internal static PyTuple SharedEmpty => s_empty;
    public PyObject this[int i] => Items[i];

    /// <summary>A new reference to the shared empty tuple.</summary>
    public static PyTuple Empty() { s_empty.Incref(); return s_empty; }

    /// <summary>A tuple that STEALS the references in items (the array is used as is).</summary>
    public static PyTuple Create(params PyObject[] items)
    {
        if (items.Length == 0) return Empty();
        return new PyTuple(items);
    }

    /// <summary>A tuple of n slots to be filled by the caller (each slot then owns a reference).</summary>
    public static PyTuple Allocate(int n)
    {
        if (n == 0) return Empty();
        if (n < FreeListSizes)
        {
            var t = t_free?[n]?.TryPop();
            if (t is not null) { t.Revive(); return t; }
        }
        return new PyTuple(new PyObject[n]);
    }

    /// <summary>A tuple of borrowed items (each is increfed).</summary>
    public static PyTuple FromSpan(ReadOnlySpan<PyObject> items)
    {
        var t = Allocate(items.Length);
        for (int i = 0; i < items.Length; i++) { items[i].Incref(); ObjectArrays.Store(t.Items, i, items[i]); }
        return t;
    }

    protected internal override void ClearReferences()
    {
        var items = Items;
        for (int i = items.Length - 1; i >= 0; i--) // last to first, as tupledealloc
        {
            var o = items[i];
            items[i] = null!;
            o?.Decref();
        }
    }

    protected internal override void Recycle()
    {
        int n = Items.Length;
        if (n == 0 || n >= FreeListSizes) return;
        var lists = t_free ??= new FreeList<PyTuple>[FreeListSizes];
        (lists[n] ??= new FreeList<PyTuple>(64)).TryPush(this);
    }

    public override void Traverse(Action<PyObject> visit)
    {
        foreach (var o in Items) if (o is not null) visit(o);
    }

    public override PyStr Repr()
    {
        if (Items.Length == 0) return PyStr.FromString("()");
        if (!ReprGuard.Enter(this)) return PyStr.FromString("(...)");
        try
        {
            var sb = new StringBuilder("(");
            for (int i = 0; i < Items.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(Ops.ReprString(Items[i]));
            }
            if (Items.Length == 1) sb.Append(',');
            sb.Append(')');
            return PyStr.FromString(sb.ToString());
        }
        finally { ReprGuard.Exit(this); }
    }

    public override bool IsTrue() => Items.Length != 0;
    public override long Length() => Items.Length;

    /// <summary>CPython's tuple hash (xxHash-based, Objects/tupleobject.c tuplehash).</summary>
    public override long Hash()
    {
        const ulong P1 = 11400714785074694791UL, P2 = 14029467366897019727UL, P5 = 2870177450012600261UL;
        ulong acc = P5;
        foreach (var item in Items)
        {
            ulong lane = (ulong)Ops.Hash(item);
            acc += lane * P2;
            acc = (acc << 31) | (acc >> 33);
            acc *= P1;
        }
        acc += (ulong)Items.Length ^ (P5 ^ 3527539UL);
        if (acc == ulong.MaxValue) return 1546275796;
        return (long)acc;
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyTuple o) return PyNotImplemented.Instance.NewRef();
        return Ops.CompareSequences(Items, o.Items, op);
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Add && !reflected)
        {
            if (other is not PyTuple o) throw Exc.TypeError($"can only concatenate tuple (not \"{other.Type.Name}\") to tuple");
            var t = Allocate(Items.Length + o.Items.Length);
            for (int i = 0; i < Items.Length; i++) ObjectArrays.Store(t.Items, i, Items[i].NewRef());
            for (int i = 0; i < o.Items.Length; i++) ObjectArrays.Store(t.Items, Items.Length + i, o.Items[i].NewRef());
            return t;
        }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            long count = n.IsBig ? (n.Sign > 0 ? int.MaxValue : 0) : Math.Max(0, n.Value);
            if (count * Items.Length > int.MaxValue / 4) throw Exc.New(ExceptionTypes.MemoryError, PyTuple.Empty());
            var t = Allocate((int)(count * Items.Length));
            for (int k = 0; k < count; k++)
                for (int i = 0; i < Items.Length; i++) ObjectArrays.Store(t.Items, k * Items.Length + i, Items[i].NewRef());
            return t;
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override bool Contains(PyObject item)
    {
        foreach (var o in Items) if (ReferenceEquals(o, item) || Ops.Equal(o, item)) return true;
        return false;
    }

    public override PyObject GetItem(PyObject key)
    {
        if (key is PyInt i)
        {
            long idx = i.IsBig ? long.MaxValue : i.Value;
            if (idx < 0) idx += Items.Length;
            if (idx < 0 || idx >= Items.Length) throw Exc.IndexError("tuple index out of range");
            return Items[idx].NewRef();
        }
        if (key is PySlice sl)
        {
            sl.Indices(Items.Length, out long start, out _, out long step, out long len);
            var t = Allocate((int)len);
            for (long k = 0, j = start; k < len; k++, j += step) ObjectArrays.Store(t.Items, k, Items[j].NewRef());
            return t;
        }
        if (Ops.TryIndex(key, out long ix)) { using var tmp = new TempRef(PyInt.FromLong(ix)); return GetItem(tmp.Value); }
        throw Exc.TypeError($"tuple indices must be integers or slices, not {key.Type.Name}");
    }

    public override PyObject GetIter() => new PySequenceIterator(this, Items.Length);

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("tuple", args, kwnames, 0, 1, "iterable");
        if (a[0] is null) return Empty();
        if (a[0] is PyTuple t && t.Type == PyTypes.Tuple) return t.NewRef();
        return Ops.ToTuple(a[0]!);
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.Tuple);
        AddLibraryMethods(PyTypes.Tuple);
    }
}

/// <summary>
/// Iterator over a tuple or list by index (listiterobject / tupleiterobject):
/// re-reads the length each step, as CPython does, so a list growing during
/// iteration is seen.
/// </summary>
public sealed class PySequenceIterator : PyObject
{
    private PyObject? _seq;
    private int _index;

    public PySequenceIterator(PyObject seq, int _) : base(PyTypes.Iterator) { _seq = seq; seq.Incref(); }

    public override PyObject GetIter() => NewRef();

    public override PyObject? Next()
    {
        switch (_seq)
        {
            case PyList l when l.ItemRefOrNull(_index) is { } item: _index++; return item;
            case PyTuple t when _index < t.Items.Length: return t.Items[_index++].NewRef();
            case null: return null;
        }
        var s = _seq; _seq = null; s.Decref();
        return null;
    }

    public override void Traverse(Action<PyObject> visit) { if (_seq is not null) visit(_seq); }
    protected internal override void ClearReferences() { var s = _seq; _seq = null; s?.Decref(); }
    public override PyStr Repr() => PyStr.FromString($"<{(_seq is PyList ? "list_iterator" : "tuple_iterator")} object at 0x{Heap.Address(this):x}>");
}

/// <summary>Guards reprs of containers against infinite recursion (Py_ReprEnter): a list containing itself prints [...].</summary>
public static class ReprGuard
{
    [ThreadStatic] private static HashSet<PyObject>? t_active;
    public static bool Enter(PyObject o) => (t_active ??= new HashSet<PyObject>(ReferenceEqualityComparer.Instance)).Add(o);
    public static void Exit(PyObject o) => t_active?.Remove(o);
}
