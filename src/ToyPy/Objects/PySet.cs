using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// set and frozenset (Objects/setobject.c). The table is CPython's: open
/// addressing with runs of linear probes then perturbed jumps, the same
/// growth rule, so iteration order matches CPython's for the same hashes
/// (print({3, 1, 2}) shows {1, 2, 3} in both).
/// </summary>
public sealed partial class PySet : PyObject
{
    private struct Slot { public long Hash; public PyObject? Key; public bool Dummy; }

    private Slot[] _table = new Slot[MinSize];
    private int _fill;   // active + dummy
    private int _used;   // active
    private const int MinSize = 8, LinearProbes = 9;
    public bool IsFrozen => Type == PyTypes.FrozenSet || (Type != PyTypes.Set && Type.IsSubtypeOf(PyTypes.FrozenSet));

    public PySet(bool frozen = false) : base(frozen ? PyTypes.FrozenSet : PyTypes.Set) { }


    // Without the GIL changes run in a critical section (CriticalSection): locked, or marked under --no-gil.
    internal int LockWord;

    public bool Add(PyObject key)
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, key, static (c, a) => c.AddCore(a)) : AddCore(key);
    }

    public bool Discard(PyObject key)
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, key, static (c, a) => c.DiscardCore(a)) : DiscardCore(key);
    }

    public PyObject PopAny()
    {
        return RefMode.Special ? CriticalSection.Run(this, ref LockWord, static c => c.PopAnyCore()) : PopAnyCore();
    }

    public void Clear()
    {
        if (RefMode.Special) CriticalSection.Run(this, ref LockWord, static c => c.ClearCore());
        else ClearCore();
    }

    public int Count => _used;

    private int Mask => _table.Length - 1;

    /// <summary>Index of the slot holding key, or -1.</summary>
    private int FindIndex(PyObject key, long hash)
    {
        int mask = Mask;
        ulong perturb = (ulong)hash;
        int i = (int)(hash & mask);
        for (int rounds = 0; ; rounds++)
        {
            if (rounds > mask + 64) throw RefRace.CorruptTable("set"); // past every slot and the perturbation: only a race fills every slot
            int probes = i + LinearProbes <= mask ? LinearProbes : 0;
            int j = i;
            do
            {
                ref var s = ref _table[j];
                if (s.Key is null && !s.Dummy) return -1;
                if (s.Key is not null && (ReferenceEquals(s.Key, key) || (s.Hash == hash && Ops.Equal(s.Key, key)))) return j;
                j++;
            } while (probes-- > 0);
            perturb >>= 5;
            i = (int)(((ulong)i * 5 + 1 + perturb) & (ulong)mask);
        }
    }

    /// <summary>Add a borrowed key; returns false if it was already present.</summary>
    private bool AddCore(PyObject key)
    {
        if (IsFrozen && _frozenBuilt) throw Exc.AttributeError("'frozenset' object has no attribute 'add'");
        long hash = Ops.Hash(key);
        int mask = Mask;
        ulong perturb = (ulong)hash;
        int i = (int)(hash & mask);
        int freeSlot = -1;
        for (int rounds = 0; ; rounds++)
        {
            if (rounds > mask + 64) throw RefRace.CorruptTable("set"); // past every slot and the perturbation: only a race fills every slot
            int probes = i + LinearProbes <= mask ? LinearProbes : 0;
            int j = i;
            do
            {
                ref var s = ref _table[j];
                if (s.Key is null && !s.Dummy)
                {
                    int target = freeSlot >= 0 ? freeSlot : j;
                    key.Incref();
                    bool wasDummy = _table[target].Dummy;
                    _table[target] = new Slot { Hash = hash, Key = key };
                    _used++;
                    if (!wasDummy) _fill++;
                    if (_fill * 5 >= mask * 3) Resize(_used > 50000 ? _used * 2 : _used * 4);
                    return true;
                }
                if (s.Key is not null)
                {
                    if (ReferenceEquals(s.Key, key) || (s.Hash == hash && Ops.Equal(s.Key, key))) return false;
                }
                else if (s.Dummy && freeSlot < 0) freeSlot = j;
                j++;
            } while (probes-- > 0);
            perturb >>= 5;
            i = (int)(((ulong)i * 5 + 1 + perturb) & (ulong)mask);
        }
    }

    private bool _frozenBuilt;
    /// <summary>Frozensets are filled while being built, then sealed.</summary>
    public void Seal() => _frozenBuilt = true;

    private void Resize(int minUsed)
    {
        int newSize = MinSize;
        while (newSize <= minUsed) newSize <<= 1;
        var old = _table;
        _table = new Slot[newSize];
        _fill = _used;
        int mask = newSize - 1;
        foreach (var s in old)
        {
            if (s.Key is null) continue;
            // set_insert_clean
            ulong perturb = (ulong)s.Hash;
            int i = (int)(s.Hash & mask);
            for (int rounds = 0; ; rounds++)
            {
                if (rounds > mask + 64) throw RefRace.CorruptTable("set");
                int probes = i + LinearProbes <= mask ? LinearProbes : 0;
                int j = i;
                bool placed = false;
                do
                {
                    if (_table[j].Key is null) { _table[j] = s; placed = true; break; }
                    j++;
                } while (probes-- > 0);
                if (placed) break;
                perturb >>= 5;
                i = (int)(((ulong)i * 5 + 1 + perturb) & (ulong)mask);
            }
        }
    }

    public bool ContainsKey(PyObject key)
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, key, static (c, k) => c.ContainsKeyCore(k)) : ContainsKeyCore(key);
    }

    private bool ContainsKeyCore(PyObject key) => FindIndex(key, Ops.Hash(key)) >= 0;


    /// <summary>Remove key; false if absent.</summary>
    private bool DiscardCore(PyObject key)
    {
        int j = FindIndex(key, Ops.Hash(key));
        if (j < 0) return false;
        var k = _table[j].Key!;
        _table[j] = new Slot { Dummy = true, Hash = -1 };
        _used--;
        k.Decref();
        return true;
    }

    private int _finger; // set_pop's search finger: where the next pop starts looking

    /// <summary>Remove and return an arbitrary element (ownership to the caller), as set.pop() does: from the search finger on.</summary>
    private PyObject PopAnyCore()
    {
        if (_used == 0)
        {
            using var msg = new TempRef(PyStr.FromString("pop from an empty set"));
            throw Exc.KeyError(msg.Value);
        }
        int mask = Mask;
        int j = _finger & mask;
        while (_table[j].Key is null) j = j == mask ? 0 : j + 1;
        var k = _table[j].Key!;
        _table[j] = new Slot { Dummy = true, Hash = -1 };
        _used--;
        _finger = j + 1;
        return k;
    }

    private void ClearCore()
    {
        var old = _table;
        _table = new Slot[MinSize];
        _fill = 0; _used = 0;
        foreach (var s in old) s.Key?.Decref();
    }

    /// <summary>Elements in iteration order, borrowed.</summary>
    public List<PyObject> Elements()
    {
        return RefMode.Biased ? CriticalSection.Read(this, ref LockWord, 0, static (c, _) => c.ElementsCore()) : ElementsCore();
    }

    private List<PyObject> ElementsCore()
    {
        var l = new List<PyObject>(_used);
        foreach (var s in _table) if (s.Key is not null) l.Add(s.Key);
        return l;
    }

    /// <summary>Add every element of an iterable (set_update_internal: sets merge, dicts resize once up front).</summary>
    public void Update(PyObject iterable) => UpdateInternal(iterable);

    protected internal override void ClearReferences() => Clear();
    public override void Traverse(Action<PyObject> visit) { foreach (var s in _table) if (s.Key is not null) visit(s.Key); }

    public override PyStr Repr()
    {
        string name = Type.Name;
        if (_used == 0) return PyStr.FromString(name + "()");
        if (!ReprGuard.Enter(this)) return PyStr.FromString(name + "(...)");
        try
        {
            var sb = new StringBuilder();
            bool plain = Type == PyTypes.Set;
            sb.Append(plain ? "{" : name + "({");
            bool first = true;
            foreach (var k in Elements())
            {
                if (!first) sb.Append(", ");
                first = false;
                sb.Append(Ops.ReprString(k));
            }
            sb.Append(plain ? "}" : "})");
            return PyStr.FromString(sb.ToString());
        }
        finally { ReprGuard.Exit(this); }
    }

    public override bool IsTrue() => _used != 0;
    public override long Length() => _used;
    public override bool Contains(PyObject item) => ContainsKey(item);

    public override long Hash()
    {
        if (!IsFrozen) throw Exc.TypeError("unhashable type: 'set'");
        // frozenset_hash from Objects/setobject.c
        ulong hash = 0;
        foreach (var k in Elements())
        {
            ulong h = (ulong)Ops.Hash(k);
            hash ^= ((h ^ 89869747UL) ^ (h << 16)) * 3644798167UL;
        }
        if ((_used & 1) != 0) { } 
        hash ^= ((ulong)_used + 1) * 1927868237UL;
        hash ^= (hash >> 11) ^ (hash >> 25);
        hash = hash * 69069U + 907133923UL;
        long r = (long)hash;
        return r == -1 ? 590923713 : r;
    }

    public override PyObject GetIter() => new PySetIterator(this);

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PySet o) return PyNotImplemented.Instance.NewRef();
        bool Subset(PySet a, PySet b) { if (a.Count > b.Count) return false; foreach (var k in a.Elements()) if (!b.ContainsKey(k)) return false; return true; }
        bool r = op switch
        {
            ComparisonOperation.Eq => Count == o.Count && Subset(this, o),
            ComparisonOperation.Ne => !(Count == o.Count && Subset(this, o)),
            ComparisonOperation.Le => Subset(this, o),
            ComparisonOperation.Lt => Count < o.Count && Subset(this, o),
            ComparisonOperation.Ge => Subset(o, this),
            _ => Count > o.Count && Subset(o, this),
        };
        return PyBool.From(r);
    }

    public PySet NewEmptyLike() => new PySet(IsFrozen);

    /// <summary>set_or / set_and / set_sub / set_xor: the result takes the left operand's kind (set or frozenset).</summary>
    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (other is not PySet o) return PyNotImplemented.Instance.NewRef();
        var (a, b) = reflected ? (o, this) : (this, o);
        PySet r;
        switch (op)
        {
            case BinaryOperation.Or:
                r = a.CopySet();
                try { r.UpdateInternal(b); } catch { r.Decref(); throw; }
                break;
            case BinaryOperation.And: r = a.Intersection(b); break;
            case BinaryOperation.Subtract: r = a.Difference(b); break;
            case BinaryOperation.Xor:
                r = a.NewLike(b);
                try { r.SymmetricDifferenceUpdate(a); } catch { r.Decref(); throw; }
                break;
            default: return PyNotImplemented.Instance.NewRef();
        }
        return Done(r);
    }

    /// <summary>set_ior / set_iand / set_isub / set_ixor.</summary>
    public override PyObject InplaceNumberOp(BinaryOperation op, PyObject other)
    {
        if (IsFrozen || other is not PySet o) return PyNotImplemented.Instance.NewRef();
        switch (op)
        {
            case BinaryOperation.Or: UpdateInternal(o); return NewRef();
            case BinaryOperation.And:
                var r = Intersection(o);
                SwapBodies(r);
                r.Decref();
                return NewRef();
            case BinaryOperation.Subtract: DifferenceUpdateInternal(o); return NewRef();
            case BinaryOperation.Xor: SymmetricDifferenceUpdate(o); return NewRef();
        }
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>set(iterable) / a set subclass: make_new_set.</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (type == PyTypes.Set && kwnames is { Count: > 0 }) throw Exc.TypeError("set() takes no keyword arguments");
        int npos = args.Length - (kwnames?.Count ?? 0);
        if (npos > 1) throw Exc.TypeError($"{type.Name} expected at most 1 argument, got {npos}");
        var a = ArgParser.Parse(type.Name, args, kwnames, 0, 1, "iterable");
        var s = new PySet();
        if (type != PyTypes.Set) { s.Type = type; if (type.IsHeapType) type.Incref(); }
        if (a[0] is not null) { try { s.UpdateInternal(a[0]!); } catch { s.Decref(); throw; } }
        return s;
    }

    /// <summary>frozenset(iterable): frozenset(a_frozenset) is that frozenset itself.</summary>
    public static PyObject FrozenTypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (type == PyTypes.FrozenSet && kwnames is { Count: > 0 }) throw Exc.TypeError("frozenset() takes no keyword arguments");
        int npos = args.Length - (kwnames?.Count ?? 0);
        if (npos > 1) throw Exc.TypeError($"{type.Name} expected at most 1 argument, got {npos}");
        var a = ArgParser.Parse(type.Name, args, kwnames, 0, 1, "iterable");
        if (type == PyTypes.FrozenSet && a[0] is PySet fs && fs.Type == PyTypes.FrozenSet) return fs.NewRef();
        var s = new PySet(frozen: true);
        if (type != PyTypes.FrozenSet) { s.Type = type; if (type.IsHeapType) type.Incref(); }
        if (a[0] is not null) { try { s.UpdateInternal(a[0]!); } catch { s.Decref(); throw; } }
        s.Seal();
        return s;
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.Set);
        SlotWrappers.AddStandardSlots(PyTypes.FrozenSet);
        AddLibraryMethods(PyTypes.Set);
    }
}

/// <summary>Iterator over a set's table; RuntimeError if the set changes size meanwhile.</summary>
public sealed class PySetIterator : PyObject
{
    private PySet? _set;
    private List<PyObject>? _snapshot;
    private int _i;
    private readonly int _size;
    public PySetIterator(PySet s) : base(PyTypes.Iterator) { _set = s; s.Incref(); _size = s.Count; }
    public override PyObject GetIter() => NewRef();
    public override PyObject? Next()
    {
        var s = _set;
        if (s is null) return null;
        return RefMode.Biased ? CriticalSection.Read(s, ref s.LockWord, this, static (set, it) => it.NextCore(set)) : NextCore(s);
    }

    private PyObject? NextCore(PySet s)
    {
        if (s.Count != _size) { _set = null; s.Decref(); throw Exc.RuntimeError("Set changed size during iteration"); }
        _snapshot ??= s.Elements();
        if (_i < _snapshot.Count) return _snapshot[_i++].NewRef();
        _set = null; _snapshot = null;
        s.Decref();
        return null;
    }
    public override void Traverse(Action<PyObject> visit) { if (_set is not null) visit(_set); }
    protected internal override void ClearReferences() { var s = _set; _set = null; _snapshot = null; s?.Decref(); }
}
