using System.Runtime.CompilerServices;
using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// dict (Objects/dictobject.c): CPython's compact, insertion-ordered layout —
/// a sparse index table of positions into a dense array of entries. Keys are
/// compared by identity first, then hash, then Python equality. Version
/// increases on every change so the VM can cache global lookups.
/// </summary>
public sealed partial class PyDict : PySubclassable
{
    private struct Entry
    {
        public long Hash;
        public PyObject? Key;   // null: deleted entry
        public PyObject? Value;
    }

    private int[] _indices;   // -1 empty, -2 dummy, else entry position
    private Entry[] _entries;
    private int _used;        // live entries
    private int _next;        // entries written (live + deleted)
    /// <summary>Bumped on every insertion, deletion and value change.</summary>
    public int Version;

    private const int Empty = -1, Dummy = -2;

    public PyDict() : base(PyTypes.Dict)
    {
        _indices = new[] { Empty, Empty, Empty, Empty, Empty, Empty, Empty, Empty };
        _entries = new Entry[5];
    }

    public int Count => _used;


    // Without the GIL changes run in a critical section (CriticalSection): locked, or marked under --no-gil.
    internal int LockWord;

    public override void SetItem(PyObject key, PyObject value)
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, (key, value), static (c, a) => c.SetItemCore(a.Item1, a.Item2));
        else SetItemCore(key, value);
    }

    public PyObject? Pop(PyObject key)
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, key, static (c, a) => c.PopCore(a)) : PopCore(key);
    }

    public void Clear()
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, static c => c.ClearCore());
        else ClearCore();
    }

    // ------------------------------------------------------------------ core table

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool KeysEqual(PyObject a, long ha, PyObject b, long hb)
    {
        if (ReferenceEquals(a, b)) return true;
        if (ha != hb) return false;
        if (a is PyStr sa && b is PyStr sb) return string.Equals(sa.Value, sb.Value);
        return Ops.Equal(a, b);
    }

    /// <summary>Position of key in the entries, or -1; slot gets the index-table slot to insert at.</summary>
    private int Find(PyObject key, long hash, out int insertSlot)
    {
        int mask = _indices.Length - 1;
        ulong perturb = (ulong)hash;
        int i = (int)(hash & mask);
        insertSlot = -1;
        for (int probes = 0; ; probes++)
        {
            if (probes > mask + 64) throw RefRace.CorruptTable("dict"); // only a race can fill every slot
            int ix = _indices[i];
            if (ix == Empty)
            {
                if (insertSlot < 0) insertSlot = i;
                return -1;
            }
            if (ix == Dummy)
            {
                if (insertSlot < 0) insertSlot = i;
            }
            else
            {
                ref var e = ref _entries[ix];
                if (KeysEqual(e.Key!, e.Hash, key, hash)) return ix;
            }
            perturb >>= 5;
            i = (int)((ulong)(i * 5 + 1) + perturb) & mask;
        }
    }

    private int FindStr(string key, long hash)
    {
        int mask = _indices.Length - 1;
        ulong perturb = (ulong)hash;
        int i = (int)(hash & mask);
        for (int probes = 0; ; probes++)
        {
            if (probes > mask + 64) throw RefRace.CorruptTable("dict");
            int ix = _indices[i];
            if (ix == Empty) return -1;
            if (ix >= 0)
            {
                ref var e = ref _entries[ix];
                if (e.Hash == hash && e.Key is PyStr s && string.Equals(s.Value, key)) return ix;
            }
            perturb >>= 5;
            i = (int)((ulong)(i * 5 + 1) + perturb) & mask;
        }
    }

    private void Resize(int minUsed)
    {
        int size = 8;
        while (size * 2 < minUsed * 3) size <<= 1;
        var old = _entries;
        int oldNext = _next;
        _indices = new int[size];
        Array.Fill(_indices, Empty);
        _entries = new Entry[Math.Max(5, size * 2 / 3 + 1)];
        _next = 0;
        int mask = size - 1;
        for (int k = 0; k < oldNext; k++)
        {
            if (old[k].Key is null) continue;
            _entries[_next] = old[k];
            ulong perturb = (ulong)old[k].Hash;
            int i = (int)(old[k].Hash & mask);
            while (_indices[i] != Empty)
            {
                perturb >>= 5;
                i = (int)((ulong)(i * 5 + 1) + perturb) & mask;
            }
            _indices[i] = _next++;
        }
    }

    // Reads. Under --free-threaded a read holds the dict's lock (CriticalSection),
    // so it never sees a half-made change; the *Ref forms also take their
    // reference inside it, so a concurrent change cannot free the value first.
    // The locked forms are out of line: the GIL build's lookups stay small.

    /// <summary>d[key] (borrowed) or null.</summary>
    public PyObject? GetItemOrNull(PyObject key) =>
        RefMode.Biased ? LockedGetItem(key, newRef: false) : GetItemOrNullCore(key);

    /// <summary>d[key] (a new reference) or null.</summary>
    public PyObject? GetItemRef(PyObject key) =>
        RefMode.Biased ? LockedGetItem(key, newRef: true) : GetItemOrNullCore(key)?.NewRef();

    /// <summary>d[key] for a str key given as a .NET string (borrowed) or null.</summary>
    public PyObject? GetItemString(string key) => GetItemString(key, HashOf(key));

    /// <summary>GetItemString with the key's hash (HashOf) computed once by the caller.</summary>
    public PyObject? GetItemString(string key, long hash) =>
        RefMode.Biased ? LockedGetItemStr(key, hash, newRef: false) : GetItemStrCore(key, hash);

    /// <summary>The hash a str with this text has (PyStr.Hash's rule: -1 is reserved), for GetItemString's precomputed form.</summary>
    public static long HashOf(string key)
    {
        long h = key.GetHashCode();
        return h == -1 ? -2 : h;
    }

    /// <summary>GetItemString as a new reference.</summary>
    public PyObject? GetItemStringRef(string key) =>
        RefMode.Biased ? LockedGetItemStr(key, HashOf(key), newRef: true) : GetItemStrCore(key, HashOf(key))?.NewRef();

    /// <summary>Lookup by an interned/any str key (borrowed) or null; the fast path for names.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PyObject? GetItemStr(PyStr key) =>
        RefMode.Biased ? LockedGetItemStr(key.Value, key.Hash(), newRef: false) : GetItemStrCore(key.Value, key.Hash());

    /// <summary>GetItemStr as a new reference.</summary>
    public PyObject? GetItemStrRef(PyStr key) =>
        RefMode.Biased ? LockedGetItemStr(key.Value, key.Hash(), newRef: true) : GetItemStrCore(key.Value, key.Hash())?.NewRef();

    /// <summary>
    /// GetItemStrRef trying first the entry where the same instruction found
    /// the name last time (3.11's LOAD_ATTR_WITH_HINT): instances of one class
    /// usually set their attributes in the same order, so the name sits at the
    /// same position in each one's dict. The name must be the identical
    /// (interned) key object for the hint to hit. Without the GIL: the plain
    /// lookup, no hint (another thread may be replacing the entries).
    /// </summary>
    internal PyObject? GetItemStrRefHinted(PyStr key, ref int hint)
    {
        if (RefMode.Special) return GetItemStrRef(key);
        var entries = _entries;
        int h = hint;
        if ((uint)h < (uint)_next && ReferenceEquals(entries[h].Key, key)) return entries[h].Value!.NewRef();
        int ix = FindStr(key.Value, key.Hash());
        if (ix < 0) return null;
        hint = ix;
        return entries[ix].Value!.NewRef();
    }

    /// <summary>SetItem of a name, with GetItemStrRefHinted's hint (a new key lands at the end of the entries).</summary>
    internal void SetItemStrHinted(PyStr key, PyObject value, ref int hint)
    {
        if (RefMode.Special) { SetItem(key, value); return; }
        int h = hint;
        if ((uint)h < (uint)_next && ReferenceEquals(_entries[h].Key, key))
        {
            ReplaceValue(h, value);
            return;
        }
        int used = _used;
        SetItemCore(key, value);
        if (_used > used) hint = _next - 1;
    }

    /// <summary>Store value (borrowed: the dict takes its own reference) over the one at entry ix.</summary>
    private void ReplaceValue(int ix, PyObject value)
    {
        value.Incref();
        Version++;
        var old = _entries[ix].Value!;
        _entries[ix].Value = value;
        old.Decref();
    }

    private PyObject? LockedGetItem(PyObject key, bool newRef) =>
        CriticalSection.Read(this, ref LockWord, (key, newRef), static (c, a) => a.newRef ? c.GetItemOrNullCore(a.key)?.NewRef() : c.GetItemOrNullCore(a.key));

    private PyObject? LockedGetItemStr(string key, long hash, bool newRef) =>
        CriticalSection.Read(this, ref LockWord, (key, hash, newRef),
            static (c, a) => a.newRef ? c.GetItemStrCore(a.key, a.hash)?.NewRef() : c.GetItemStrCore(a.key, a.hash));

    private PyObject? GetItemOrNullCore(PyObject key)
    {
        long h = Ops.Hash(key);
        int ix = Find(key, h, out _);
        return ix < 0 ? null : _entries[ix].Value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private PyObject? GetItemStrCore(string key, long hash)
    {
        int ix = FindStr(key, hash);
        return ix < 0 ? null : _entries[ix].Value;
    }

    /// <summary>d[key] = value; both borrowed (the dict takes its own references).</summary>
    private void SetItemCore(PyObject key, PyObject value)
    {
        long h = Ops.Hash(key);
        int ix = Find(key, h, out int slot);
        if (ix >= 0)
        {
            ReplaceValue(ix, value);
            return;
        }
        value.Incref();
        Version++;
        key.Incref();
        if (_next == _entries.Length)
        {
            // GROWTH_RATE (dictobject.c): room for used*3 entries' worth of table, so
            // a dict whose keys come and go is not compacted every few insertions.
            Resize(Math.Max(2 * _used, _used + 1));
            Find(key, h, out slot);
        }
        _entries[_next] = new Entry { Hash = h, Key = key, Value = value };
        _indices[slot] = _next++;
        _used++;
        if (_next == _entries.Length && _used * 3 >= _indices.Length * 2) { }
    }

    public void SetItemString(string key, PyObject value)
    {
        var k = PyStr.Intern(key);
        SetItem(k, value);
        k.Decref();
    }

    /// <summary>Remove key; returns the removed value (ownership passes to the caller) or null if absent.</summary>
    private PyObject? PopCore(PyObject key)
    {
        long h = Ops.Hash(key);
        int ix = Find(key, h, out _);
        if (ix < 0) return null;
        return RemoveAt(ix, h);
    }

    private PyObject RemoveAt(int ix, long h)
    {
        int mask = _indices.Length - 1;
        ulong perturb = (ulong)h;
        int i = (int)(h & mask);
        for (int probes = 0; _indices[i] != ix; probes++)
        {
            if (probes > mask + 64) throw RefRace.CorruptTable("dict");
            perturb >>= 5;
            i = (int)((ulong)(i * 5 + 1) + perturb) & mask;
        }
        _indices[i] = Dummy;
        var key = _entries[ix].Key!;
        var value = _entries[ix].Value!;
        _entries[ix].Key = null;
        _entries[ix].Value = null;
        _used--;
        Version++;
        key.Decref();
        return value;
    }

    public bool DelItemString(string key)
    {
        var k = PyStr.Intern(key);
        var v = Pop(k);
        k.Decref();
        if (v is null) return false;
        v.Decref();
        return true;
    }

    public bool ContainsKey(PyObject key)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, key, static (c, k) => c.Find(k, Ops.Hash(k), out _) >= 0) : Find(key, Ops.Hash(key), out _) >= 0;
    }

    private void ClearCore()
    {
        var old = _entries; int n = _next;
        _indices = new[] { Empty, Empty, Empty, Empty, Empty, Empty, Empty, Empty };
        _entries = new Entry[5];
        _used = 0; _next = 0; Version++;
        ReleaseEntries(old, n);
    }

    /// <summary>Release the keys and values of entries[0..n), emptying the slots (so the array can be kept).</summary>
    private static void ReleaseEntries(Entry[] entries, int n)
    {
        for (int k = 0; k < n; k++)
        {
            var key = entries[k].Key;
            var value = entries[k].Value;
            entries[k] = default;
            key?.Decref();
            value?.Decref();
        }
    }

    /// <summary>Iterate live entries by position: returns false at the end. Borrowed key and value (--free-threaded: call it holding the dict's lock).</summary>
    public bool Next(ref int pos, out PyObject key, out PyObject value)
    {
        while (pos < _next)
        {
            ref var e = ref _entries[pos++];
            if (e.Key is not null) { key = e.Key; value = e.Value!; return true; }
        }
        key = null!; value = null!;
        return false;
    }

    /// <summary>Snapshot of (key, value) pairs, borrowed.</summary>
    public List<(PyObject Key, PyObject Value)> Items()
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, 0, static (c, _) => c.ItemsCore()) : ItemsCore();
    }

    private List<(PyObject Key, PyObject Value)> ItemsCore()
    {
        var list = new List<(PyObject, PyObject)>(_used);
        int pos = 0;
        while (Next(ref pos, out var k, out var v)) list.Add((k, v));
        return list;
    }

    private static PyException DuplicateKeyword(PyObject callee, PyObject key) =>
        Exc.TypeError($"{Ops.FunctionStr(callee)} got multiple values for keyword argument '{Ops.StrString(key)}'");

    /// <summary>The entry position after the last live one, for iterators that detect size changes.</summary>
    internal int EntryCount => _next;

    /// <summary>
    /// d.update(other) for a dict or an iterable of pairs / a mapping with keys().
    /// keywordsOf: the callee when this dict collects f(**other)'s keywords
    /// (DICT_MERGE): then a key already present is CPython's "f() got multiple
    /// values for keyword argument" error.
    /// </summary>
    public void Update(PyObject other, PyObject? keywordsOf = null)
    {
        if (other is PyDict d)
        {
            foreach (var (k, v) in d.Items())
            {
                if (keywordsOf is not null && ContainsKey(k)) throw DuplicateKeyword(keywordsOf, k);
                SetItem(k, v);
            }
            return;
        }
        var keysFn = Ops.GetAttrOrNull(other, "keys");
        if (keysFn is not null)
        {
            using var keysRef = new TempRef(keysFn);
            using var keys = new TempRef(Ops.Call(keysFn, ReadOnlySpan<PyObject>.Empty, null));
            var it = Ops.GetIter(keys.Value);
            try
            {
                while (Ops.Next(it) is { } k)
                {
                    using var kr = new TempRef(k);
                    if (keywordsOf is not null && ContainsKey(k)) throw DuplicateKeyword(keywordsOf, k);
                    using var v = new TempRef(Ops.GetItem(other, k));
                    SetItem(k, v.Value);
                }
            }
            finally { it.Decref(); }
            return;
        }
        var iter = Ops.GetIter(other);
        try
        {
            int n = 0;
            while (Ops.Next(iter) is { } pair)
            {
                using var pr = new TempRef(pair);
                using var seq = new TempRef(Ops.ToTuple(pair));
                var t = (PyTuple)seq.Value;
                if (t.Count != 2)
                    throw Exc.ValueError($"dictionary update sequence element #{n} has length {t.Count}; 2 is required");
                SetItem(t[0], t[1]);
                n++;
            }
        }
        finally { iter.Decref(); }
    }

    // ------------------------------------------------------------------ protocols

    protected internal override void ClearReferences()
    {
        if (_indices.Length == MinSize && !RefMode.Special)
        {
            // A dead dict of the smallest size: nothing can look at it any more, so
            // its entries are released in place and the arrays kept for the free list.
            int n = _next;
            _used = 0; _next = 0; Version++;
            Array.Fill(_indices, Empty);
            ReleaseEntries(_entries, n);
        }
        else Clear();
        ReleaseSubclassParts();
    }

    private const int MinSize = 8;
    [ThreadStatic] private static FreeList<PyDict>? t_free;

    /// <summary>
    /// An empty dict, from this thread's free list when it has one (CPython keeps
    /// 80 such): an instance's __dict__ comes and goes with every instance.
    /// Version keeps counting across reuse, so no inline cache can mistake the
    /// new dict for the old one.
    /// </summary>
    public static PyDict New()
    {
        var d = t_free?.TryPop(); // only ever filled under the GIL (Recycle)
        if (d is null) return new PyDict();
        d.Revive();
        return d;
    }

    protected internal override void Recycle()
    {
        // Only dicts ClearReferences emptied in place (smallest size, GIL build), and not subclass instances.
        if (RefMode.Special || Type != PyTypes.Dict || _indices.Length != MinSize) return;
        (t_free ??= new FreeList<PyDict>(80)).TryPush(this);
    }

    public override void Traverse(Action<PyObject> visit)
    {
        for (int k = 0; k < _next; k++)
        {
            if (_entries[k].Key is null) continue;
            visit(_entries[k].Key!);
            visit(_entries[k].Value!);
        }
        TraverseSubclassParts(visit);
    }

    /// <summary>Allocator used when a Python class derives from dict.</summary>
    public static PyObject AllocSubclass(PyType type) => AdoptType(new PyDict(), type);


    public override PyStr Repr()
    {
        if (_used == 0) return PyStr.FromString("{}");
        if (!ReprGuard.Enter(this)) return PyStr.FromString("{...}");
        try
        {
            var sb = new StringBuilder("{");
            bool first = true;
            foreach (var (k, v) in Items())
            {
                if (!first) sb.Append(", ");
                first = false;
                sb.Append(Ops.ReprString(k)).Append(": ").Append(Ops.ReprString(v));
            }
            sb.Append('}');
            return PyStr.FromString(sb.ToString());
        }
        finally { ReprGuard.Exit(this); }
    }

    public override bool IsTrue() => _used != 0;
    public override long Length() => _used;
    public override long Hash() => throw Exc.TypeError("unhashable type: 'dict'");
    public override bool Contains(PyObject item) => ContainsKey(item);

    public override PyObject GetItem(PyObject key)
    {
        var v = GetItemRef(key);
        if (v is not null) return v;
        if (Type.IsHeapType)
        {
            var missing = Type.Lookup("__missing__");
            if (missing is not null) return Ops.CallMethodObject(missing, this, key);
        }
        throw Exc.KeyError(key);
    }

    public override void DelItem(PyObject key)
    {
        var v = Pop(key) ?? throw Exc.KeyError(key);
        v.Decref();
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyDict o || (op != ComparisonOperation.Eq && op != ComparisonOperation.Ne))
            return PyNotImplemented.Instance.NewRef();
        bool eq = _used == o._used;
        if (eq)
        {
            foreach (var (k, v) in Items())
            {
                var ov = o.GetItemOrNull(k);
                if (ov is null || !(ReferenceEquals(v, ov) || Ops.Equal(v, ov))) { eq = false; break; }
            }
        }
        return PyBool.From(op == ComparisonOperation.Eq ? eq : !eq);
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Or && other is PyDict o)
        {
            var d = new PyDict();
            d.Update(reflected ? o : this);
            d.Update(reflected ? this : o);
            return d;
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyObject InplaceNumberOp(BinaryOperation op, PyObject other)
    {
        if (op == BinaryOperation.Or) { Update(other); return NewRef(); }
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyObject GetIter() => new PyDictIterator(this, PyDictIterator.Kind.Keys);

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int npos = args.Length - (kwnames?.Count ?? 0);
        if (npos > 1) throw Exc.TypeError($"dict expected at most 1 argument, got {npos}");
        var d = new PyDict();
        try
        {
            if (npos == 1) d.Update(args[0]);
            for (int i = npos; i < args.Length; i++) d.SetItem(kwnames![i - npos], args[i]);
        }
        catch { d.Decref(); throw; }
        return d;
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.Dict);
        // dict.__init__(self, mapping_or_pairs=(), **kwargs): what a subclass's super().__init__ reaches.
        PyTypes.Dict.AddMethod("__init__", (a, k) =>
        {
            var self = (PyDict)a[0];
            var rest = a[1..];
            int npos = rest.Length - (k?.Count ?? 0);
            if (npos > 1) throw Exc.TypeError($"dict expected at most 1 argument, got {npos}");
            if (npos == 1) self.Update(rest[0]);
            for (int i = npos; i < rest.Length; i++) self.SetItem(k![i - npos], rest[i]);
            return PyNone.Instance.NewRef();
        });
        AddLibraryMethods(PyTypes.Dict);
    }
}

/// <summary>Iterator over a dict's keys, values or items; RuntimeError if the dict changes size meanwhile.</summary>
public sealed class PyDictIterator : PyObject
{
    public enum Kind { Keys, Values, Items }
    private PyDict? _dict;
    private readonly Kind _kind;
    private int _pos;
    private readonly int _initialCount;

    public PyDictIterator(PyDict d, Kind kind) : base(PyTypes.Iterator)
    {
        _dict = d; d.Incref(); _kind = kind; _initialCount = d.Count;
    }

    public override PyObject GetIter() => NewRef();

    public override PyObject? Next()
    {
        var d = _dict;
        if (d is null) return null;
        if (d.Count != _initialCount)
        {
            _pos = int.MaxValue;
            throw Exc.RuntimeError("dictionary changed size during iteration");
        }
        PyObject? item;
        item = RefMode.Biased ? CriticalSection.Read(d, ref d.LockWord, this, static (dict, it) => it.NextItem(dict)) : NextItem(d);
        if (item is not null) return item;
        _dict = null;
        d.Decref();
        return null;
    }

    private PyObject? NextItem(PyDict d)
    {
        if (!d.Next(ref _pos, out var k, out var v)) return null;
        return _kind switch
        {
            Kind.Keys => k.NewRef(),
            Kind.Values => v.NewRef(),
            _ => PyTuple.Create(k.NewRef(), v.NewRef()),
        };
    }

    public override void Traverse(Action<PyObject> visit) { if (_dict is not null) visit(_dict); }
    protected internal override void ClearReferences() { var d = _dict; _dict = null; d?.Decref(); }
    public override PyStr Repr() => PyStr.FromString($"<dict_{(_kind == Kind.Keys ? "key" : _kind == Kind.Values ? "value" : "item")}iterator object at 0x{Heap.Address(this):x}>");
}
