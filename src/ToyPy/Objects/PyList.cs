using System.Runtime.CompilerServices;
using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>list (Objects/listobject.c): a growable array owning one reference per item.</summary>
public sealed partial class PyList : PySubclassable
{
    public PyObject[] Items;
    public int Count;

    public PyList() : base(PyTypes.List) { Items = Array.Empty<PyObject>(); }
    public PyList(int capacity) : base(PyTypes.List) { Items = capacity == 0 ? Array.Empty<PyObject>() : new PyObject[capacity]; }

    /// <summary>A list that STEALS the references in items.</summary>
    public static PyList FromArrayStealing(PyObject[] items, int count)
    {
        // Stores into Items skip the covariance check (ObjectArrays): a PyStr[]
        // passed in as PyObject[] must not become a list's storage.
        if (items.GetType() != typeof(PyObject[])) items = ExactCopy(items);
        var l = new PyList(0) { Items = items, Count = count };
        return l;
    }

    private static PyObject[] ExactCopy(PyObject[] items)
    {
        var copy = new PyObject[items.Length];
        Array.Copy(items, copy, items.Length);
        return copy;
    }

    public PyObject this[int i] => Items[i];

    // Without the GIL changes run in a critical section (CriticalSection): locked, or marked under --no-gil.
    internal int LockWord;

    public void Append(PyObject item)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, item, static (c, a) => c.AppendCore(a));
        else AppendCore(item);
    }

    public void AppendStealing(PyObject item)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, item, static (c, a) => c.AppendStealingCore(a));
        else AppendStealingCore(item);
    }

    public void Insert(long index, PyObject item)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, (index, item), static (c, a) => c.InsertCore(a.Item1, a.Item2));
        else InsertCore(index, item);
    }

    public PyObject PopAt(long index)
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, index, static (c, a) => c.PopAtCore(a)) : PopAtCore(index);
    }

    public void Clear()
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, static c => c.ClearCore());
        else ClearCore();
    }

    public void Extend(PyObject iterable)
    {
        if (RefMode.Biased && iterable is PyList other && other != this)
        {
            // Another list is read holding its own lock, never two locks at once (no lock-order deadlock).
            using var items = new TempRef(other.SnapshotTuple());
            CriticalSection.Run(this, ref LockWord, items.Value, static (c, a) => c.ExtendCore(a));
        }
        else if (RefMode.Special) CriticalSection.Run(this, ref LockWord, iterable, static (c, a) => c.ExtendCore(a));
        else ExtendCore(iterable);
    }

    /// <summary>
    /// The items as a tuple (a new reference): under --free-threaded copied
    /// holding the list's lock, so code that reads them while Python code or
    /// another thread runs (join, tuple(), +, repr, comparisons) reads a
    /// consistent set of live objects.
    /// </summary>
    public PyTuple SnapshotTuple()
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, 0, static (c, _) => c.SnapshotTupleCore()) : SnapshotTupleCore();
    }

    private PyTuple SnapshotTupleCore() => PyTuple.FromSpan(Items.AsSpan(0, Count));


    /// <summary>
    /// The items to read without Python code running in between: the list's
    /// own array under the GIL; under --free-threaded a snapshot (kept in keep,
    /// which the caller releases).
    /// </summary>
    public ReadOnlySpan<PyObject> ItemsView(out PyTuple? keep)
    {
        if (!RefMode.Biased) { keep = null; return Items.AsSpan(0, Count); }
        keep = SnapshotTuple();
        return keep.Items;
    }

    /// <summary>sort: take the items out (the list is empty while it sorts, as in CPython) and put them back after.</summary>
    internal (PyObject[] Items, int Count) TakeItems()
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, static c => c.TakeItemsCore()) : TakeItemsCore();
    }

    private (PyObject[] Items, int Count) TakeItemsCore()
    {
        var taken = (Items, Count);
        Items = Array.Empty<PyObject>(); Count = 0;
        return taken;
    }

    /// <summary>Put sorted items back (the taken array, or a new PyObject[]); answers what was added meanwhile (the caller releases it and reports the change).</summary>
    internal PyObject[] RestoreItems(PyObject[] items, int count)
    {
        return RefMode.Special
            ? CriticalSection.Run(this, ref LockWord, (items, count), static (c, a) => c.RestoreItemsCore(a.items, a.count))
            : RestoreItemsCore(items, count);
    }

    private PyObject[] RestoreItemsCore(PyObject[] items, int count)
    {
        var added = Items.AsSpan(0, Count).ToArray();
        Items = items; Count = count;
        return added;
    }

    /// <summary>Append a borrowed item (the list takes its own reference).</summary>
    private void AppendCore(PyObject item)
    {
        if (Count == Items.Length) Grow(Count + 1);
        item.Incref();
        ObjectArrays.Store(Items, Count++, item);
    }

    /// <summary>Append an item whose reference the list takes over.</summary>
    private void AppendStealingCore(PyObject item)
    {
        if (Count == Items.Length) Grow(Count + 1);
        ObjectArrays.Store(Items, Count++, item);
    }

    public void Grow(int min)
    {
        int cap = Math.Max(min, Items.Length < 4 ? 4 : Items.Length + (Items.Length >> 1));
        Array.Resize(ref Items, cap);
    }

    private void InsertCore(long index, PyObject item)
    {
        if (index < 0) { index += Count; if (index < 0) index = 0; }
        if (index > Count) index = Count;
        if (Count == Items.Length) Grow(Count + 1);
        Array.Copy(Items, index, Items, index + 1, Count - index);
        item.Incref();
        ObjectArrays.Store(Items, index, item);
        Count++;
    }

    /// <summary>Remove and return (new reference transferred to the caller) the item at index.</summary>
    private PyObject PopAtCore(long index)
    {
        if (Count == 0) throw Exc.IndexError("pop from empty list");
        if (index < 0) index += Count;
        if (index < 0 || index >= Count) throw Exc.IndexError("pop index out of range");
        var item = Items[index];
        Array.Copy(Items, index + 1, Items, index, Count - index - 1);
        Items[--Count] = null!;
        return item;
    }

    /// <summary>Empty the list; the old items are released after the list is consistent (a __del__ may look at it).</summary>
    private void ClearCore()
    {
        var old = Items; int n = Count;
        Items = Array.Empty<PyObject>(); Count = 0;
        for (int i = n - 1; i >= 0; i--) old[i].Decref(); // last to first, as list_dealloc
    }

    /// <summary>Append every item of an iterable.</summary>
    private void ExtendCore(PyObject iterable)
    {
        if (iterable is PyList l)
        {
            int n = l.Count; // l may be this list
            if (Count + n > Items.Length) Grow(Count + n);
            for (int i = 0; i < n; i++) { var o = l.Items[i]; o.Incref(); ObjectArrays.Store(Items, Count++, o); }
            return;
        }
        if (iterable is PyTuple t)
        {
            if (Count + t.Count > Items.Length) Grow(Count + t.Count);
            foreach (var o in t.Items) { o.Incref(); ObjectArrays.Store(Items, Count++, o); }
            return;
        }
        // CPython asks for the length first (list_extend's length hint): a range
        // too long for a list is an OverflowError, not an endless loop.
        if (iterable is PyRange r) _ = r.Length();
        var it = Ops.GetIter(iterable);
        try
        {
            while (Ops.Next(it) is { } x) AppendStealing(x);
        }
        finally { it.Decref(); }
    }

    protected internal override void ClearReferences()
    {
        Clear();
        ReleaseSubclassParts();
    }

    public override void Traverse(Action<PyObject> visit)
    {
        for (int i = 0; i < Count; i++) visit(Items[i]);
        TraverseSubclassParts(visit);
    }

    /// <summary>Allocator used when a Python class derives from list.</summary>
    public static PyObject AllocSubclass(PyType type) => AdoptType(new PyList(), type);


    public override PyStr Repr()
    {
        if (Count == 0) return PyStr.FromString("[]");
        if (!ReprGuard.Enter(this)) return PyStr.FromString("[...]");
        using var items = new TempRef(SnapshotTuple()); // an item's __repr__ may change the list
        try
        {
            var sb = new StringBuilder("[");
            var span = ((PyTuple)items.Value).Items;
            for (int i = 0; i < span.Length; i++)
            {
                if (i > 0) sb.Append(", ");
                sb.Append(Ops.ReprString(span[i]));
            }
            sb.Append(']');
            return PyStr.FromString(sb.ToString());
        }
        finally { ReprGuard.Exit(this); }
    }

    public override bool IsTrue() => Count != 0;
    public override long Length() => Count;
    public override long Hash() => throw Exc.TypeError("unhashable type: 'list'");

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyList o) return PyNotImplemented.Instance.NewRef();
        using var mine = new TempRef(SnapshotTuple());
        using var theirs = new TempRef(o.SnapshotTuple());
        return Ops.CompareSequences(((PyTuple)mine.Value).Items, ((PyTuple)theirs.Value).Items, op);
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Add && !reflected)
        {
            if (other is not PyList o) throw Exc.TypeError($"can only concatenate list (not \"{other.Type.Name}\") to list");
            var a = ItemsView(out var keepA);
            var b = o.ItemsView(out var keepB);
            var l = new PyList(a.Length + b.Length);
            foreach (var x in a) l.Append(x);
            foreach (var x in b) l.Append(x);
            keepA?.Decref(); keepB?.Decref();
            return l;
        }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            long count = n.IsBig ? (n.Sign > 0 ? int.MaxValue : 0) : Math.Max(0, n.Value);
            if (count * Count > int.MaxValue / 4) throw Exc.New(ExceptionTypes.MemoryError, PyTuple.Empty());
            var a = ItemsView(out var keep);
            var l = new PyList((int)(count * a.Length));
            for (long k = 0; k < count; k++) foreach (var x in a) l.Append(x);
            keep?.Decref();
            return l;
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyObject InplaceNumberOp(BinaryOperation op, PyObject other)
    {
        if (op == BinaryOperation.Add) { Extend(other); return NewRef(); }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            long count = n.IsBig ? (n.Sign > 0 ? int.MaxValue : 0) : n.Value;
            if (count <= 0) { Clear(); return NewRef(); }
            using var mine = new TempRef(SnapshotTuple());
            for (long k = 1; k < count; k++) foreach (var x in ((PyTuple)mine.Value).Items) Append(x);
            return NewRef();
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override bool Contains(PyObject item)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, item, static (c, x) => c.ContainsCore(x)) : ContainsCore(item);
    }

    private bool ContainsCore(PyObject item)
    {
        for (int i = 0; i < Count; i++)
        {
            var o = Items[i];
            if (ReferenceEquals(o, item) || Ops.Equal(o, item)) return true;
        }
        return false;
    }

    private long NormIndex(PyObject key, string? what)
    {
        long idx;
        if (key is PyInt i) idx = i.IsBig ? long.MaxValue : i.Value;
        else if (!Ops.TryIndex(key, out idx)) throw Exc.TypeError($"list indices must be integers or slices, not {key.Type.Name}");
        if (idx < 0) idx += Count;
        if (idx < 0 || idx >= Count) throw Exc.IndexError(what is null ? "list index out of range" : $"list {what} index out of range");
        return idx;
    }

    // --free-threaded: element reads and writes hold the list's lock (CriticalSection).
    public override PyObject GetItem(PyObject key)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, key, static (c, k) => c.GetItemCore(k)) : GetItemCore(key);
    }

    private PyObject GetItemCore(PyObject key)
    {
        if (key is PySlice sl)
        {
            sl.Indices(Count, out long start, out _, out long step, out long len);
            var l = new PyList((int)len);
            for (long k = 0, j = start; k < len; k++, j += step) l.Append(Items[j]);
            return l;
        }
        return Items[NormIndex(key, null)].NewRef();
    }

    public override void SetItem(PyObject key, PyObject value)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, (key, value), static (c, a) => c.SetItemCore(a.key, a.value));
        else SetItemCore(key, value);
    }

    /// <summary>The item at i as a new reference, or null past the end (iteration).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PyObject? ItemRefOrNull(int i) =>
        RefMode.Biased ? CriticalSection.Read(this, ref LockWord, i, static (c, j) => c.ItemRefOrNullCore(j)) : ItemRefOrNullCore(i);

    private PyObject? ItemRefOrNullCore(int i) => i < Count ? Items[i].NewRef() : null;

    private void SetItemCore(PyObject key, PyObject value)
    {
        if (key is PySlice sl) { SetSlice(sl, value); return; }
        long idx = NormIndex(key, "assignment");
        var old = Items[idx];
        value.Incref();
        ObjectArrays.Store(Items, idx, value);
        old.Decref();
    }

    public override void DelItem(PyObject key)
    {
        if (key is PySlice sl)
        {
            sl.Indices(Count, out long start, out _, out long step, out long len);
            if (len == 0) return;
            var removed = new List<PyObject>();
            var keep = new List<PyObject>(Count);
            var del = new HashSet<long>();
            for (long k = 0, j = start; k < len; k++, j += step) del.Add(j);
            for (int i = 0; i < Count; i++) (del.Contains(i) ? removed : keep).Add(Items[i]);
            Items = keep.ToArray(); Count = keep.Count;
            foreach (var o in removed) o.Decref();
            return;
        }
        var item = PopAt(NormIndex(key, "assignment"));
        item.Decref();
    }

    private void SetSlice(PySlice sl, PyObject value)
    {
        PyList seq;
        if (ReferenceEquals(value, this)) seq = (PyList)GetItem(PySlice.Full);
        else
        {
            try { seq = Ops.ToList(value); }
            catch (PyException e) when (e.Value.Type == ExceptionTypes.TypeError && !value.Type.IsHeapType && value is not PyGenerator)
            {
                e.Value.Decref();
                throw Exc.TypeError("can only assign an iterable");
            }
        }
        try
        {
            sl.Indices(Count, out long start, out long stop, out long step, out long len);
            if (step == 1)
            {
                if (stop < start) stop = start;
                var newItems = new List<PyObject>(Count - (int)(stop - start) + seq.Count);
                for (int i = 0; i < start; i++) newItems.Add(Items[i]);
                for (int i = 0; i < seq.Count; i++) { seq.Items[i].Incref(); newItems.Add(seq.Items[i]); }
                for (long i = stop; i < Count; i++) newItems.Add(Items[i]);
                var removed = new PyObject[stop - start];
                Array.Copy(Items, start, removed, 0, stop - start);
                Items = newItems.ToArray(); Count = newItems.Count;
                foreach (var o in removed) o.Decref();
                return;
            }
            if (seq.Count != len)
                throw Exc.ValueError($"attempt to assign sequence of size {seq.Count} to extended slice of size {len}");
            for (long k = 0, j = start; k < len; k++, j += step)
            {
                var old = Items[j];
                seq.Items[k].Incref();
                ObjectArrays.Store(Items, j, seq.Items[k]);
                old.Decref();
            }
        }
        finally { seq.Decref(); }
    }

    public override PyObject GetIter() => new PySequenceIterator(this, Count);

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("list", args, kwnames, 0, 1, "iterable");
        if (a[0] is null) return new PyList();
        return Ops.ToList(a[0]!); // releases the partial list when the iteration fails
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.List);
        // list.__init__(self, iterable=()): what a subclass's super().__init__ reaches.
        PyTypes.List.AddMethod("__init__", (a, k) =>
        {
            var p = ArgParser.Parse("list", a[1..], k, 0, 1, "iterable");
            var self = (PyList)a[0];
            self.Clear();
            if (p[0] is not null) self.Extend(p[0]!);
            return PyNone.Instance.NewRef();
        });
        AddLibraryMethods(PyTypes.List);
    }
}

