using System.Globalization;
using System.Numerics;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// range (Objects/rangeobject.c). CPython keeps start, stop, step and length
/// as Python ints. Here they are longs when all four fit (nearly every range,
/// and then iteration uses PyRangeIterator, FOR_ITER's fast path, exactly when
/// CPython uses its C-long range_iterator), and BigIntegers otherwise.
/// </summary>
public sealed class PyRange : PyObject
{
    /// <summary>The range when it has machine-size bounds and length (_big is null).</summary>
    public readonly long Start, Stop, Step, Len;

    /// <summary>The range when one of its bounds or its length does not fit a long.</summary>
    private readonly Bounds? _big;

    private sealed record Bounds(BigInteger Start, BigInteger Stop, BigInteger Step, BigInteger Len);

    private PyRange(long start, long stop, long step, long len) : base(PyTypes.Range)
    {
        Start = start; Stop = stop; Step = step; Len = len;
    }

    private PyRange(Bounds big) : base(PyTypes.Range) { _big = big; }

    /// <summary>range(start, stop, step) of machine ints; step is not zero.</summary>
    public static PyRange Create(long start, long stop, long step)
    {
        ulong len = LengthOf(start, stop, step);
        return len <= long.MaxValue ? new PyRange(start, stop, step, (long)len) : new PyRange(new Bounds(start, stop, step, len));
    }

    /// <summary>range(start, stop, step) of any ints; step is not zero.</summary>
    public static PyRange Create(BigInteger start, BigInteger stop, BigInteger step)
    {
        if (FitsLong(start) && FitsLong(stop) && FitsLong(step)) return Create((long)start, (long)stop, (long)step);
        return new PyRange(new Bounds(start, stop, step, LengthOf(start, stop, step)));
    }

    private static bool FitsLong(BigInteger v) => v >= long.MinValue && v <= long.MaxValue;

    /// <summary>CPython's get_len_of_range: hi - lo of two longs always fits an unsigned long.</summary>
    private static ulong LengthOf(long lo, long hi, long step) => unchecked(step > 0
        ? (lo < hi ? ((ulong)hi - (ulong)lo - 1) / (ulong)step + 1 : 0)
        : (lo > hi ? ((ulong)lo - (ulong)hi - 1) / (0UL - (ulong)step) + 1 : 0));

    private static BigInteger LengthOf(BigInteger lo, BigInteger hi, BigInteger step)
    {
        if (step.Sign < 0) (lo, hi, step) = (hi, lo, -step);
        return lo < hi ? (hi - lo - 1) / step + 1 : BigInteger.Zero;
    }

    /// <summary>The bounds as Python ints would hold them, for the paths that are not hot.</summary>
    private Bounds AsBig() => _big ?? new Bounds(Start, Stop, Step, Len);

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError("range() takes no keyword arguments");
        if (args.Length == 0) throw Exc.TypeError("range expected at least 1 argument, got 0");
        if (args.Length > 3) throw Exc.TypeError($"range expected at most 3 arguments, got {args.Length}");
        // Machine ints, the usual case, without BigInteger arithmetic.
        if (args[0] is PyInt { IsBig: false } a && (args.Length < 2 || args[1] is PyInt { IsBig: false })
            && (args.Length < 3 || args[2] is PyInt { IsBig: false }))
        {
            if (args.Length == 1) return Create(0, a.Value, 1);
            long step = args.Length == 3 ? ((PyInt)args[2]).Value : 1;
            if (step == 0) throw Exc.ValueError("range() arg 3 must not be zero");
            return Create(a.Value, ((PyInt)args[1]).Value, step);
        }
        if (args.Length == 1) return Create(BigInteger.Zero, Ops.IndexAsBig(args[0]), BigInteger.One);
        var start = Ops.IndexAsBig(args[0]);
        var stop = Ops.IndexAsBig(args[1]);
        var bigStep = args.Length == 3 ? Ops.IndexAsBig(args[2]) : BigInteger.One;
        if (bigStep.IsZero) throw Exc.ValueError("range() arg 3 must not be zero");
        return Create(start, stop, bigStep);
    }

    public override PyStr Repr()
    {
        var b = AsBig();
        var inv = CultureInfo.InvariantCulture;
        return PyStr.FromString(b.Step.IsOne
            ? string.Create(inv, $"range({b.Start}, {b.Stop})")
            : string.Create(inv, $"range({b.Start}, {b.Stop}, {b.Step})"));
    }

    public override long Length()
    {
        if (_big is null) return Len;
        if (_big.Len > long.MaxValue) throw Exc.OverflowError("Python int too large to convert to C ssize_t");
        return (long)_big.Len;
    }

    public override bool IsTrue() => _big is null ? Len != 0 : !_big.Len.IsZero;

    public override PyObject GetIter() => _big is null
        ? new PyRangeIterator(Start, Step, Len)
        : new PyLongRangeIterator(_big.Start, _big.Step, _big.Len);

    /// <summary>reversed(range) (range_reverse): the same values from the last one down.</summary>
    public PyObject Reversed()
    {
        // Long arithmetic wraps modulo 2**64, and every value yielded is in the
        // range, so last and -Step are right even when an intermediate is not
        // (-long.MinValue, or the value after the last one).
        if (_big is null) return new PyRangeIterator(unchecked(Start + (Len - 1) * Step), unchecked(-Step), Len);
        return new PyLongRangeIterator(_big.Start + (_big.Len - 1) * _big.Step, -_big.Step, _big.Len);
    }

    /// <summary>Only exact ints and bools are located by arithmetic; anything else (int subclasses too) is compared by iteration, as in CPython.</summary>
    private static bool IsExactInt(PyObject o) => o.Type == PyTypes.Int || o.Type == PyTypes.Bool;

    public override bool Contains(PyObject item) =>
        IsExactInt(item) ? IndexOf((PyInt)item) is not null : Ops.ContainsByIteration(this, item);

    /// <summary>The position of the int v in the range, or null when it is not a value of the range.</summary>
    private BigInteger? IndexOf(PyInt v)
    {
        if (_big is null && !v.IsBig)
        {
            long x = v.Value;
            if (Step > 0 ? (x < Start || x >= Stop) : (x > Start || x <= Stop)) return null;
            // The distance from Start may not fit a long, but always fits an unsigned one.
            ulong dist = unchecked(Step > 0 ? (ulong)x - (ulong)Start : (ulong)Start - (ulong)x);
            ulong step = unchecked(Step > 0 ? (ulong)Step : 0UL - (ulong)Step);
            return dist % step == 0 ? dist / step : null;
        }
        var b = AsBig();
        var big = v.ToBig();
        if (b.Step.Sign > 0 ? (big < b.Start || big >= b.Stop) : (big > b.Start || big <= b.Stop)) return null;
        var q = BigInteger.DivRem(big - b.Start, b.Step, out var rem);
        return rem.IsZero ? q : null;
    }

    /// <summary>_PySequence_IterSearch: the first position equal to x (index), or how many are (count).</summary>
    private long SearchByIteration(PyObject x, bool first)
    {
        var it = GetIter();
        try
        {
            long i = 0, n = 0;
            while (it.Next() is { } v)
            {
                bool eq;
                try { eq = Ops.Equal(v, x); } finally { v.Decref(); }
                if (eq) { if (first) return i; n++; }
                i++;
            }
            return first ? -1 : n;
        }
        finally { it.Decref(); }
    }

    private PyObject Index(PyObject x)
    {
        if (IsExactInt(x))
            return IndexOf((PyInt)x) is { } i ? PyInt.FromBig(i) : throw Exc.ValueError($"{Ops.ReprString(x)} is not in range");
        long pos = SearchByIteration(x, first: true);
        if (pos < 0) throw Exc.ValueError("sequence.index(x): x not in sequence");
        return PyInt.FromLong(pos);
    }

    private PyObject Count(PyObject x) =>
        PyInt.FromLong(IsExactInt(x) ? (IndexOf((PyInt)x) is null ? 0 : 1) : SearchByIteration(x, first: false));

    public override PyObject GetItem(PyObject key)
    {
        if (_big is null && key is PyInt { IsBig: false } k)
        {
            long i = k.Value < 0 ? k.Value + Len : k.Value;
            if (i < 0 || i >= Len) throw IndexOutOfRange();
            return PyInt.FromLong(unchecked(Start + i * Step)); // wraps only in between: the value is in the range
        }
        if (key is PySlice slice) return GetSlice(slice);
        if (key is not PyInt && !(key.Type.IsHeapType && key.Type.Lookup("__index__") is not null))
            throw Exc.TypeError($"range indices must be integers or slices, not {key.Type.Name}");
        var b = AsBig();
        var idx = Ops.IndexAsBig(key);
        if (idx.Sign < 0) idx += b.Len;
        if (idx.Sign < 0 || idx >= b.Len) throw IndexOutOfRange();
        return PyInt.FromBig(b.Start + idx * b.Step);
    }

    private static PyException IndexOutOfRange() => Exc.IndexError("range object index out of range");

    /// <summary>compute_slice: the slice's indices clamped as _PySlice_GetLongIndices does, on ints of any size.</summary>
    private PyRange GetSlice(PySlice s)
    {
        var b = AsBig();
        var step = s.Step is PyNone ? BigInteger.One : SliceIndex(s.Step);
        if (step.IsZero) throw Exc.ValueError("slice step cannot be zero");
        bool down = step.Sign < 0;
        BigInteger lower = down ? BigInteger.MinusOne : BigInteger.Zero, upper = down ? b.Len - 1 : b.Len;
        var start = s.Start is PyNone ? (down ? upper : lower) : Clamp(SliceIndex(s.Start), b.Len, lower, upper);
        var stop = s.Stop is PyNone ? (down ? lower : upper) : Clamp(SliceIndex(s.Stop), b.Len, lower, upper);
        return Create(b.Start + start * b.Step, b.Start + stop * b.Step, b.Step * step);
    }

    private static BigInteger SliceIndex(PyObject o)
    {
        if (o is PyInt || (o.Type.IsHeapType && o.Type.Lookup("__index__") is not null)) return Ops.IndexAsBig(o);
        throw Exc.TypeError("slice indices must be integers or None or have an __index__ method");
    }

    private static BigInteger Clamp(BigInteger v, BigInteger len, BigInteger lower, BigInteger upper)
    {
        if (v.Sign < 0) { v += len; return v < lower ? lower : v; }
        return v > upper ? upper : v;
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyRange o || op is not (ComparisonOperation.Eq or ComparisonOperation.Ne)) return PyNotImplemented.Instance.NewRef();
        bool eq = ReferenceEquals(this, o) || SameValues(o);
        return PyBool.From(op == ComparisonOperation.Eq ? eq : !eq);
    }

    /// <summary>range_equals: equal ranges are the same sequence of values, whatever their stop (and step, below two values).</summary>
    private bool SameValues(PyRange o)
    {
        if (_big is null && o._big is null)
            return Len == o.Len && (Len == 0 || (Start == o.Start && (Len == 1 || Step == o.Step)));
        Bounds x = AsBig(), y = o.AsBig();
        return x.Len == y.Len && (x.Len.IsZero || (x.Start == y.Start && (x.Len.IsOne || x.Step == y.Step)));
    }

    /// <summary>range_hash: the hash of (len, start, step), with None for what equality ignores.</summary>
    public override long Hash()
    {
        var b = AsBig();
        var t = PyTuple.Create(
            PyInt.FromBig(b.Len),
            b.Len.IsZero ? PyNone.Instance.NewRef() : PyInt.FromBig(b.Start),
            b.Len <= 1 ? PyNone.Instance.NewRef() : PyInt.FromBig(b.Step));
        try { return t.Hash(); }
        finally { t.Decref(); }
    }

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "start" => _big is null ? PyInt.FromLong(Start) : PyInt.FromBig(_big.Start),
        "stop" => _big is null ? PyInt.FromLong(Stop) : PyInt.FromBig(_big.Stop),
        "step" => _big is null ? PyInt.FromLong(Step) : PyInt.FromBig(_big.Step),
        _ => base.GetAttr(name),
    };

    public override void SetAttr(PyStr name, PyObject? value)
    {
        if (name.Value is "start" or "stop" or "step") throw Exc.AttributeError("readonly attribute");
        base.SetAttr(name, value);
    }

    internal static void InitType()
    {
        var t = PyTypes.Range;
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("index", (a, k) =>
        {
            var x = MethodArgs.One("range.index", a, k);
            return MethodArgs.Self<PyRange>(a, "range", "index").Index(x);
        });
        t.AddMethod("count", (a, k) =>
        {
            var x = MethodArgs.One("range.count", a, k);
            return MethodArgs.Self<PyRange>(a, "range", "count").Count(x);
        });
        t.AddMethod("__reversed__", (a, k) =>
        {
            MethodArgs.NoArgs("range.__reversed__", a, k);
            return MethodArgs.Self<PyRange>(a, "range", "__reversed__").Reversed();
        });
    }
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

/// <summary>The iterator of a range beyond machine ints (CPython's longrange_iterator).</summary>
public sealed class PyLongRangeIterator : PyObject
{
    private BigInteger _next, _remaining;
    private readonly BigInteger _step;
    public PyLongRangeIterator(BigInteger start, BigInteger step, BigInteger len) : base(PyTypes.Iterator) { _next = start; _step = step; _remaining = len; }
    public override PyObject GetIter() => NewRef();

    public override PyObject? Next()
    {
        if (_remaining.Sign <= 0) return null;
        var value = _next;
        _remaining -= 1;
        _next += _step;
        return PyInt.FromBig(value);
    }

    public override PyStr Repr() => PyStr.FromString($"<longrange_iterator object at 0x{Heap.Address(this):x}>");
}
