using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>range (Objects/rangeobject.c), for machine-size bounds.</summary>
public sealed class PyRange : PyObject
{
    public readonly long Start, Stop, Step, Len;

    public PyRange(long start, long stop, long step) : base(PyTypes.Range)
    {
        Start = start; Stop = stop; Step = step;
        if (step > 0) Len = start < stop ? (stop - start - 1) / step + 1 : 0;
        else Len = start > stop ? (start - stop - 1) / (-step) + 1 : 0;
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError("range() takes no keyword arguments");
        switch (args.Length)
        {
            case 1: return new PyRange(0, Ops.IndexAsLong(args[0]), 1);
            case 2: return new PyRange(Ops.IndexAsLong(args[0]), Ops.IndexAsLong(args[1]), 1);
            case 3:
                long step = Ops.IndexAsLong(args[2]);
                if (step == 0) throw Exc.ValueError("range() arg 3 must not be zero");
                return new PyRange(Ops.IndexAsLong(args[0]), Ops.IndexAsLong(args[1]), step);
            case 0: throw Exc.TypeError("range expected at least 1 argument, got 0");
            default: throw Exc.TypeError($"range expected at most 3 arguments, got {args.Length}");
        }
    }

    public override PyStr Repr() => PyStr.FromString(Step == 1 ? $"range({Start}, {Stop})" : $"range({Start}, {Stop}, {Step})");
    public override long Length() => Len;
    public override bool IsTrue() => Len != 0;
    public override PyObject GetIter() => new PyRangeIterator(Start, Step, Len);

    public override bool Contains(PyObject item)
    {
        if (item is PyInt i && !i.IsBig)
        {
            long v = i.Value;
            if (Step > 0 ? (v < Start || v >= Stop) : (v > Start || v <= Stop)) return false;
            return (v - Start) % Step == 0;
        }
        return Ops.ContainsByIteration(this, item);
    }

    public override PyObject GetItem(PyObject key)
    {
        if (key is PySlice sl)
        {
            sl.Indices(Len, out long start, out long stop, out long step, out _);
            return new PyRange(Start + start * Step, Start + stop * Step, Step * step);
        }
        long idx = Ops.IndexAsLong(key);
        if (idx < 0) idx += Len;
        if (idx < 0 || idx >= Len) throw Exc.IndexError("range object index out of range");
        return PyInt.FromLong(Start + idx * Step);
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyRange o || op is not (ComparisonOperation.Eq or ComparisonOperation.Ne)) return PyNotImplemented.Instance.NewRef();
        bool eq = Len == o.Len && (Len == 0 || (Start == o.Start && (Len == 1 || Step == o.Step)));
        return PyBool.From(op == ComparisonOperation.Eq ? eq : !eq);
    }

    public override long Hash() => HashCode.Combine(Len, Start, Step);

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "start" => PyInt.FromLong(Start),
        "stop" => PyInt.FromLong(Stop),
        "step" => PyInt.FromLong(Step),
        _ => base.GetAttr(name),
    };

    internal static void InitType() => SlotWrappers.AddStandardSlots(PyTypes.Range);
}

/// <summary>The range iterator: no allocation but the ints it yields.</summary>
public sealed class PyRangeIterator : PyObject
{
    private long _next;
    private readonly long _step;
    private long _remaining;
    public PyRangeIterator(long start, long step, long len) : base(PyTypes.Iterator) { _next = start; _step = step; _remaining = len; }
    public override PyObject GetIter() => NewRef();
    public override PyObject? Next() => TryNext(out long v) ? PyInt.FromLong(v) : null;

    /// <summary>The next value as a machine int (FOR_ITER's range fast path), false when exhausted.</summary>
    internal bool TryNext(out long value)
    {
        value = _next;
        if (_remaining <= 0) return false;
        _remaining--;
        _next += _step;
        return true;
    }
    public override PyStr Repr() => PyStr.FromString($"<range_iterator object at 0x{Heap.Address(this):x}>");
}
