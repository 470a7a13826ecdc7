using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// collections.deque (Modules/_collectionsmodule.c): a double-ended queue in
/// a circular buffer, optionally bounded by maxlen (appending to a full
/// deque drops an item from the other end). It owns one reference per
/// element. State counts structural changes so iterators can detect them
/// ("deque mutated during iteration"), as CPython's deque->state does.
/// </summary>
public sealed class PyDeque : PyObject
{
    public static readonly PyType DequeType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("deque", PyTypes.Object, TypeNew, t => new PyDeque(t)));

    private PyObject?[] _buf = new PyObject?[8];
    private int _head;
    private int _count;
    /// <summary>-1 when unbounded (maxlen=None).</summary>
    private long _maxlen = -1;
    /// <summary>Bumped by every structural change (not by item assignment or reverse).</summary>
    public long State;
    private PyDict? _dict;

    public PyDeque(PyType type) : base(type)
    {
        if (type.IsHeapType) type.Incref();
    }

    public PyDeque() : this(DequeType) { }

    public int Count => _count;
    public long MaxLen => _maxlen;

    static PyDeque()
    {
        DequeType.ModuleName = "collections";
        InitType(DequeType);
        PyDequeIterator.IteratorType.ModuleName = "_collections";
    }

    // ------------------------------------------------------------------ storage

    private PyObject At(long i) => _buf[(_head + i) % _buf.Length]!;

    private void SetAt(long i, PyObject o) => _buf[(_head + i) % _buf.Length] = o;

    private void Grow()
    {
        if (_count < _buf.Length) return;
        var nb = new PyObject?[_buf.Length * 2];
        for (int i = 0; i < _count; i++) nb[i] = At(i);
        _buf = nb;
        _head = 0;
    }

    /// <summary>Items as an array of new references (a snapshot that stays valid while Python code runs).</summary>
    public PyObject[] SnapshotNewRefs()
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, 0, static (c, _) => c.SnapshotNewRefsCore()) : SnapshotNewRefsCore();
    }

    private PyObject[] SnapshotNewRefsCore()
    {
        var a = new PyObject[_count];
        for (int i = 0; i < _count; i++) a[i] = At(i).NewRef();
        return a;
    }

    private static void ReleaseAll(PyObject[] items) { foreach (var o in items) o.Decref(); }

    /// <summary>Borrowed item i (0 &lt;= i &lt; Count).</summary>
    public PyObject ItemAt(long i) => At(i);


    // Without the GIL changes run in a critical section (CriticalSection): locked, or marked under --no-gil.
    internal int LockWord;

    public void AppendRight(PyObject x)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, x, static (c, a) => c.AppendRightCore(a));
        else AppendRightCore(x);
    }

    public void AppendLeft(PyObject x)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, x, static (c, a) => c.AppendLeftCore(a));
        else AppendLeftCore(x);
    }

    public PyObject PopRightInternal()
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, static c => c.PopRightInternalCore()) : PopRightInternalCore();
    }

    public PyObject PopLeftInternal()
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, static c => c.PopLeftInternalCore()) : PopLeftInternalCore();
    }

    public void ClearItems()
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, static c => c.ClearItemsCore());
        else ClearItemsCore();
    }

    // ------------------------------------------------------------------ primitive operations

    /// <summary>append: add x (borrowed) on the right; a full bounded deque drops its leftmost item.</summary>
    private void AppendRightCore(PyObject x)
    {
        State++;
        if (_maxlen == 0) return;
        Grow();
        x.Incref();
        SetAt(_count, x);
        _count++;
        if (_maxlen >= 0 && _count > _maxlen) PopLeftInternal().Decref();
    }

    /// <summary>appendleft: add x (borrowed) on the left; a full bounded deque drops its rightmost item.</summary>
    private void AppendLeftCore(PyObject x)
    {
        State++;
        if (_maxlen == 0) return;
        Grow();
        x.Incref();
        _head = (_head - 1 + _buf.Length) % _buf.Length;
        _buf[_head] = x;
        _count++;
        if (_maxlen >= 0 && _count > _maxlen) PopRightInternal().Decref();
    }

    /// <summary>Remove and return the rightmost item (ownership passes to the caller).</summary>
    private PyObject PopRightInternalCore()
    {
        if (_count == 0) throw Exc.IndexError("pop from an empty deque");
        State++;
        int idx = (_head + _count - 1) % _buf.Length;
        var o = _buf[idx]!;
        _buf[idx] = null;
        _count--;
        return o;
    }

    /// <summary>Remove and return the leftmost item (ownership passes to the caller).</summary>
    private PyObject PopLeftInternalCore()
    {
        if (_count == 0) throw Exc.IndexError("pop from an empty deque");
        State++;
        var o = _buf[_head]!;
        _buf[_head] = null;
        _head = (_head + 1) % _buf.Length;
        _count--;
        return o;
    }

    /// <summary>Drop every item (references released after the deque is already empty).</summary>
    private void ClearItemsCore()
    {
        State++;
        var items = new PyObject[_count];
        for (int i = 0; i < _count; i++) items[i] = At(i);
        _buf = new PyObject?[8];
        _head = 0;
        _count = 0;
        ReleaseAll(items);
    }

    /// <summary>extend: append each item of iterable on the right.</summary>
    public void ExtendRight(PyObject iterable)
    {
        if (ReferenceEquals(iterable, this))
        {
            var snap = SnapshotNewRefs();
            try { foreach (var o in snap) AppendRight(o); }
            finally { ReleaseAll(snap); }
            return;
        }
        using var it = new TempRef(Ops.GetIter(iterable));
        while (Ops.Next(it.Value) is { } x)
        {
            try { AppendRight(x); } finally { x.Decref(); }
        }
    }

    /// <summary>extendleft: appendleft each item of iterable (so they end up reversed).</summary>
    public void ExtendLeft(PyObject iterable)
    {
        if (ReferenceEquals(iterable, this))
        {
            var snap = SnapshotNewRefs();
            try { foreach (var o in snap) AppendLeft(o); }
            finally { ReleaseAll(snap); }
            return;
        }
        using var it = new TempRef(Ops.GetIter(iterable));
        while (Ops.Next(it.Value) is { } x)
        {
            try { AppendLeft(x); } finally { x.Decref(); }
        }
    }

    /// <summary>rotate(n): move n items from the right end to the left (left for negative n).</summary>
    public void Rotate(long n)
    {
        if (_count <= 1) return;
        State++;
        n %= _count;
        if (n < 0) n += _count;
        if (n == 0) return;
        // Rotating right by n moves the head back by n positions in a full-size copy.
        var nb = new PyObject?[_buf.Length];
        for (int i = 0; i < _count; i++) nb[(i + n) % _count] = At(i);
        _buf = nb;
        _head = 0;
    }

    private long NormIndex(PyObject key)
    {
        if (key is not PyInt && !(key.Type.IsHeapType && key.Type.Lookup("__index__") is not null))
            throw Exc.TypeError($"sequence index must be integer, not '{key.Type.Name}'");
        long i;
        if (key is PyInt pi) i = pi.IsBig ? (pi.Sign > 0 ? long.MaxValue : long.MinValue) : pi.Value;
        else i = Ops.IndexAsLong(key);
        if (i < 0) i += _count;
        if (i < 0 || i >= _count) throw Exc.IndexError("deque index out of range");
        return i;
    }

    /// <summary>Remove item i (0 &lt;= i &lt; Count) and return it (ownership passes to the caller).</summary>
    private PyObject RemoveAt(long i)
    {
        State++;
        var o = At(i);
        for (long j = i; j < _count - 1; j++) SetAt(j, At(j + 1));
        _buf[(_head + _count - 1) % _buf.Length] = null;
        _count--;
        return o;
    }

    /// <summary>Insert x (borrowed) before position i (list.insert clamping).</summary>
    public void Insert(long i, PyObject x)
    {
        if (_maxlen >= 0 && _count >= _maxlen) throw Exc.IndexError("deque already at its maximum size");
        if (i < 0) { i += _count; if (i < 0) i = 0; }
        if (i > _count) i = _count;
        State++;
        Grow();
        x.Incref();
        for (long j = _count; j > i; j--) SetAt(j, At(j - 1));
        SetAt(i, x);
        _count++;
    }

    // ------------------------------------------------------------------ protocols

    public override PyStr Repr()
    {
        string name = Type.Name;
        if (!ReprGuard.Enter(this)) return PyStr.FromString("[...]");
        try
        {
            var snap = SnapshotNewRefs();
            try
            {
                var sb = new StringBuilder(name).Append("([");
                for (int i = 0; i < snap.Length; i++)
                {
                    if (i > 0) sb.Append(", ");
                    sb.Append(Ops.ReprString(snap[i]));
                }
                sb.Append(']');
                if (_maxlen >= 0) sb.Append(", maxlen=").Append(_maxlen);
                sb.Append(')');
                return PyStr.FromString(sb.ToString());
            }
            finally { ReleaseAll(snap); }
        }
        finally { ReprGuard.Exit(this); }
    }

    public override long Hash() => throw Exc.TypeError("unhashable type: 'collections.deque'");
    public override bool IsTrue() => _count != 0;
    public override long Length() => _count;

    public override bool Contains(PyObject item)
    {
        long state = State;
        for (int i = 0; i < _count; i++)
        {
            var x = ItemRef(i);
            bool eq;
            try { eq = Ops.Equal(x, item); } finally { x.Decref(); }
            if (State != state) throw Exc.RuntimeError("deque mutated during iteration");
            if (eq) return true;
        }
        return false;
    }

    public override PyObject GetItem(PyObject key)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, key, static (c, k) => c.At(c.NormIndex(k)).NewRef()) : At(NormIndex(key)).NewRef();
    }

    /// <summary>Item i as a new reference (--free-threaded: read holding the deque's lock).</summary>
    private PyObject ItemRef(int i)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, i, static (c, j) => c.LockedItemRef(j)) : At(i).NewRef();
    }

    private PyObject LockedItemRef(int i) => i < _count ? At(i).NewRef() : throw Exc.RuntimeError("deque mutated during iteration");


    public override void SetItem(PyObject key, PyObject value)
    {
        long i = NormIndex(key);
        var old = At(i);
        value.Incref();
        SetAt(i, value);
        old.Decref();
    }

    public override void DelItem(PyObject key)
    {
        long i = NormIndex(key);
        RemoveAt(i).Decref();
    }

    public override PyObject GetIter() => new PyDequeIterator(this, reverse: false);

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyDeque o) return PyNotImplemented.Instance.NewRef();
        var a = SnapshotNewRefs();
        var b = o.SnapshotNewRefs();
        try { return Ops.CompareSequences(a, b, op); }
        finally { ReleaseAll(a); ReleaseAll(b); }
    }

    /// <summary>A new deque (same maxlen) holding the same items; deque subclasses are called as type(d)(d, maxlen).</summary>
    public PyObject CopyDeque()
    {
        if (Type.IsHeapType)
        {
            using var ml = new TempRef(_maxlen < 0 ? PyNone.Instance.NewRef() : PyInt.FromLong(_maxlen));
            return Ops.Call2(Type, this, ml.Value);
        }
        var d = new PyDeque { _maxlen = _maxlen };
        try { d.ExtendRight(this); } catch { d.Decref(); throw; }
        return d;
    }

    private void RepeatInPlace(long n)
    {
        if (n <= 0 || _count == 0) { if (_count > 0) ClearItems(); return; }
        if (n == 1) return;
        var snap = SnapshotNewRefs();
        try
        {
            for (long k = 1; k < n; k++)
            {
                foreach (var o in snap) AppendRight(o);
                if (_maxlen >= 0 && k * snap.Length >= _maxlen + snap.Length) break;
            }
        }
        finally { ReleaseAll(snap); }
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Add && !reflected)
        {
            if (other is not PyDeque) throw Exc.TypeError($"can only concatenate deque (not \"{other.Type.Name}\") to deque");
            var d = CopyDeque();
            try { ((PyDeque)d).ExtendRight(other); } catch { d.Decref(); throw; }
            return d;
        }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            var d = CopyDeque();
            try { ((PyDeque)d).RepeatInPlace(n.IsBig ? (n.Sign > 0 ? long.MaxValue : 0) : n.Value); }
            catch { d.Decref(); throw; }
            return d;
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyObject InplaceNumberOp(BinaryOperation op, PyObject other)
    {
        if (op == BinaryOperation.Add) { ExtendRight(other); return NewRef(); }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            RepeatInPlace(n.IsBig ? (n.Sign > 0 ? long.MaxValue : 0) : n.Value);
            return NewRef();
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyDict? InstanceDict => Type.IsHeapType ? (_dict ??= new PyDict()) : null;

    public override void Traverse(Action<PyObject> visit)
    {
        for (int i = 0; i < _count; i++) visit(At(i));
        if (_dict is not null) visit(_dict);
        if (Type.IsHeapType) visit(Type);
    }

    protected internal override void ClearReferences()
    {
        var items = new PyObject[_count];
        for (int i = 0; i < _count; i++) items[i] = At(i);
        _buf = Array.Empty<PyObject?>();
        _head = 0; _count = 0;
        var d = _dict; _dict = null;
        ReleaseAll(items);
        d?.Decref();
        if (Type.IsHeapType) Type.Decref();
    }

    // ------------------------------------------------------------------ construction

    private static long ParseMaxLen(PyObject? m)
    {
        if (m is null || m is PyNone) return -1;
        if (m is not PyInt i) throw Exc.TypeError("an integer is required");
        if (i.IsBig) throw Exc.OverflowError("Python int too large to convert to C ssize_t");
        if (i.Value < 0) throw Exc.ValueError("maxlen must be non-negative");
        return i.Value;
    }

    /// <summary>deque.__init__(iterable=(), maxlen=None): reset to the items of iterable.</summary>
    private void Init(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("deque", args, kwnames, 0, 2, "iterable", "maxlen");
        _maxlen = ParseMaxLen(a[1]);
        if (_count > 0) ClearItems();
        if (a[0] is not null) ExtendRight(a[0]!);
    }

    /// <summary>deque(iterable=(), maxlen=None).</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var d = new PyDeque(type);
        try { d.Init(args, kwnames); } catch { d.Decref(); throw; }
        return d;
    }

    // ------------------------------------------------------------------ methods

    private static PyDeque Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyDeque d) throw Exc.TypeError($"descriptor '{name}' requires a 'collections.deque' object");
        return d;
    }

    private static PyObject None() => PyNone.Instance.NewRef();

    /// <summary>Find the first index in [start, stop) equal to x, or -1 (RuntimeError if the deque changes meanwhile).</summary>
    private long IndexOf(PyObject x, long start, long stop)
    {
        long state = State;
        for (long i = start; i < Math.Min(stop, _count); i++)
        {
            var item = At(i).NewRef();
            bool eq;
            try { eq = Ops.Equal(item, x); } finally { item.Decref(); }
            if (State != state) throw Exc.RuntimeError("deque mutated during iteration");
            if (eq) return i;
        }
        return -1;
    }

    private static void InitType(PyType t)
    {
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("__setitem__", (a, k) => { ArgParser.Positional("__setitem__", a, k, 3, 3); Self(a, "__setitem__").SetItem(a[1], a[2]); return None(); });
        t.AddMethod("__delitem__", (a, k) => { ArgParser.Positional("__delitem__", a, k, 2, 2); Self(a, "__delitem__").DelItem(a[1]); return None(); });
        t.AddMethod("__init__", (a, k) => { Self(a, "__init__").Init(a[1..], k); return None(); });
        t.AddMethod("__bool__", (a, k) => PyBool.From(Self(a, "__bool__")._count != 0));
        t.AddMethod("__reversed__", (a, k) => new PyDequeIterator(Self(a, "__reversed__"), reverse: true));
        t.AddMethod("__iadd__", (a, k) => { ArgParser.Positional("__iadd__", a, k, 2, 2); return Self(a, "__iadd__").InplaceNumberOp(BinaryOperation.Add, a[1]); });
        t.AddMethod("__copy__", (a, k) => Self(a, "__copy__").CopyDeque());

        // append(x): add x to the right end.
        t.AddMethod("append", (a, k) => { ArgParser.Positional("append", a, k, 2, 2); Self(a, "append").AppendRight(a[1]); return None(); });
        // appendleft(x): add x to the left end.
        t.AddMethod("appendleft", (a, k) => { ArgParser.Positional("appendleft", a, k, 2, 2); Self(a, "appendleft").AppendLeft(a[1]); return None(); });
        // pop(): remove and return the rightmost element.
        t.AddMethod("pop", (a, k) => { ArgParser.Positional("pop", a, k, 1, 1); return Self(a, "pop").PopRightInternal(); });
        // popleft(): remove and return the leftmost element.
        t.AddMethod("popleft", (a, k) => { ArgParser.Positional("popleft", a, k, 1, 1); return Self(a, "popleft").PopLeftInternal(); });
        // extend(iterable): append the elements of iterable on the right.
        t.AddMethod("extend", (a, k) => { ArgParser.Positional("extend", a, k, 2, 2); Self(a, "extend").ExtendRight(a[1]); return None(); });
        // extendleft(iterable): appendleft each element of iterable.
        t.AddMethod("extendleft", (a, k) => { ArgParser.Positional("extendleft", a, k, 2, 2); Self(a, "extendleft").ExtendLeft(a[1]); return None(); });
        // clear(): remove every element.
        t.AddMethod("clear", (a, k) => { ArgParser.Positional("clear", a, k, 1, 1); Self(a, "clear").ClearItems(); return None(); });
        // rotate(n=1): rotate n steps to the right (negative: to the left).
        t.AddMethod("rotate", (a, k) =>
        {
            ArgParser.Positional("rotate", a, k, 1, 2);
            Self(a, "rotate").Rotate(a.Length > 1 ? Ops.IndexAsLong(a[1]) : 1);
            return None();
        });
        // count(x): the number of elements equal to x.
        t.AddMethod("count", (a, k) =>
        {
            ArgParser.Positional("count", a, k, 2, 2);
            var d = Self(a, "count");
            long state = d.State, n = 0;
            for (int i = 0; i < d._count; i++)
            {
                var item = d.At(i).NewRef();
                try { if (Ops.Equal(item, a[1])) n++; } finally { item.Decref(); }
                if (d.State != state) throw Exc.RuntimeError("deque mutated during iteration");
            }
            return PyInt.FromLong(n);
        });
        // index(x[, start[, stop]]): the first position of x.
        t.AddMethod("index", (a, k) =>
        {
            ArgParser.Positional("index", a, k, 2, 4);
            var d = Self(a, "index");
            long start = 0, stop = d._count;
            if (a.Length > 2) { start = Ops.IndexAsLong(a[2]); if (start < 0) { start += d._count; if (start < 0) start = 0; } }
            if (a.Length > 3) { stop = Ops.IndexAsLong(a[3]); if (stop < 0) { stop += d._count; if (stop < 0) stop = 0; } }
            long i = d.IndexOf(a[1], start, stop);
            if (i < 0) throw Exc.ValueError($"{Ops.ReprString(a[1])} is not in deque");
            return PyInt.FromLong(i);
        });
        // insert(i, x): insert x before position i.
        t.AddMethod("insert", (a, k) =>
        {
            ArgParser.Positional("insert", a, k, 3, 3);
            Self(a, "insert").Insert(Ops.IndexAsLong(a[1]), a[2]);
            return None();
        });
        // remove(x): remove the first element equal to x.
        t.AddMethod("remove", (a, k) =>
        {
            ArgParser.Positional("remove", a, k, 2, 2);
            var d = Self(a, "remove");
            long i = d.IndexOf(a[1], 0, d._count);
            if (i < 0) throw Exc.ValueError($"{Ops.ReprString(a[1])} is not in deque");
            d.RemoveAt(i).Decref();
            return None();
        });
        // reverse(): reverse the elements in place.
        t.AddMethod("reverse", (a, k) =>
        {
            ArgParser.Positional("reverse", a, k, 1, 1);
            var d = Self(a, "reverse");
            for (long i = 0, j = d._count - 1; i < j; i++, j--)
            {
                var x = d.At(i);
                d.SetAt(i, d.At(j));
                d.SetAt(j, x);
            }
            return None();
        });
        // copy(): a shallow copy.
        t.AddMethod("copy", (a, k) => { ArgParser.Positional("copy", a, k, 1, 1); return Self(a, "copy").CopyDeque(); });
        // maxlen: the bound, or None.
        var maxlen = new PyGetSetDescriptor("maxlen", t, o =>
            o is PyDeque d && d._maxlen >= 0 ? PyInt.FromLong(d._maxlen) : PyNone.Instance.NewRef());
        t.AddAttr("maxlen", maxlen);
        maxlen.Decref();
    }
}

/// <summary>The deque iterator (and reverse iterator): RuntimeError if the deque changes while it runs.</summary>
public sealed class PyDequeIterator : PyObject
{
    public static readonly PyType IteratorType = StaticTypeRegistry.Register(PyType.NewBuiltin("_deque_iterator", PyTypes.Object));
    public static readonly PyType ReverseIteratorType = StaticTypeRegistry.Register(PyType.NewBuiltin("_deque_reverse_iterator", PyTypes.Object));

    private PyDeque? _deque;
    private readonly long _state;
    private long _index;
    private long _remaining;
    private readonly bool _reverse;

    public PyDequeIterator(PyDeque d, bool reverse) : base(reverse ? ReverseIteratorType : IteratorType)
    {
        d.Incref();
        _deque = d;
        _state = d.State;
        _remaining = d.Count;
        _reverse = reverse;
        _index = reverse ? d.Count - 1 : 0;
    }

    static PyDequeIterator()
    {
        foreach (var t in new[] { IteratorType, ReverseIteratorType })
        {
            t.ModuleName = "_collections";
            t.AddMethod("__iter__", (a, k) => a[0].NewRef());
            t.AddMethod("__next__", (a, k) => a[0].Next() ?? throw Exc.StopIteration());
        }
    }

    public override PyObject GetIter() => NewRef();

    public override PyObject? Next()
    {
        var d = _deque;
        if (d is null) return null;
        return RefMode.Biased ? CriticalSection.Read(d, ref d.LockWord, this, static (_, it) => it.NextCore()) : NextCore();
    }

    private PyObject? NextCore()
    {
        if (_deque!.State != _state)
        {
            _remaining = 0;
            throw Exc.RuntimeError("deque mutated during iteration");
        }
        if (_remaining == 0) return null; // keeps the deque, so a later change is still reported (as CPython)
        var item = _deque.ItemAt(_index).NewRef();
        _index += _reverse ? -1 : 1;
        _remaining--;
        return item;
    }

    public override void Traverse(Action<PyObject> visit) { if (_deque is not null) visit(_deque); }
    protected internal override void ClearReferences() { var d = _deque; _deque = null; d?.Decref(); }
}

/// <summary>getset_descriptor: a read-only computed attribute of a builtin type (deque.maxlen).</summary>
public sealed class PyGetSetDescriptor : PyObject
{
    public static readonly PyType GetSetType = StaticTypeRegistry.Register(PyType.NewBuiltin("getset_descriptor", PyTypes.Object));

    private readonly string _name;
    private readonly PyType _owner;
    private readonly Func<PyObject, PyObject> _get;

    public PyGetSetDescriptor(string name, PyType owner, Func<PyObject, PyObject> get) : base(GetSetType)
    {
        _name = name; _owner = owner; _get = get;
    }

    public override bool IsDescriptor => true;
    public override bool IsDataDescriptor => true;

    public override PyObject DescrGet(PyObject? instance, PyType owner) => instance is null ? NewRef() : _get(instance);

    public override void DescrSet(PyObject instance, PyObject? value) =>
        throw Exc.AttributeError($"attribute '{_name}' of '{_owner.ReprName}' objects is not writable");

    public override PyStr Repr() => PyStr.FromString($"<attribute '{_name}' of '{_owner.ReprName}' objects>");
}
