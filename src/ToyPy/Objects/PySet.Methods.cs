using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// set's and frozenset's methods (Objects/setobject.c). The algorithms follow
/// CPython's (one up-front resize when merging, iterating the smaller set for
/// intersections...) so the resulting tables, hence iteration orders, match.
/// </summary>
public sealed partial class PySet
{
    private static PySet Self(ReadOnlySpan<PyObject> a, string method)
    {
        if (a.Length > 0 && a[0] is PySet s) return s;
        return MethodArgs.Self<PySet>(a, "set", method);
    }

    /// <summary>set_insert_clean: place a key known to be absent in a table without dummies (no refcount change).</summary>
    private static void InsertClean(Slot[] table, PyObject key, long hash)
    {
        int mask = table.Length - 1;
        ulong perturb = (ulong)hash;
        int i = (int)(hash & mask);
        while (true)
        {
            int probes = i + LinearProbes <= mask ? LinearProbes : 0;
            int j = i;
            do
            {
                if (table[j].Key is null) { table[j] = new Slot { Hash = hash, Key = key }; return; }
                j++;
            } while (probes-- > 0);
            perturb >>= 5;
            i = (int)(((ulong)i * 5 + 1 + perturb) & (ulong)mask);
        }
    }

    /// <summary>set_merge: add every element of another set.</summary>
    internal void Merge(PySet other)
    {
        if (ReferenceEquals(other, this) || other._used == 0) return;
        if ((_fill + other._used) * 5 >= Mask * 3) Resize((_used + other._used) * 2);
        if (_fill == 0 && Mask == other.Mask && other._fill == other._used)
        {
            for (int i = 0; i < other._table.Length; i++)
            {
                var key = other._table[i].Key;
                if (key is null) continue;
                key.Incref();
                _table[i] = new Slot { Hash = other._table[i].Hash, Key = key };
            }
            _fill = other._fill;
            _used = other._used;
            return;
        }
        if (_fill == 0)
        {
            _fill = other._used;
            _used = other._used;
            foreach (var s in other._table)
            {
                if (s.Key is null) continue;
                s.Key.Incref();
                InsertClean(_table, s.Key, s.Hash);
            }
            return;
        }
        foreach (var k in other.Elements()) Add(k);
    }

    /// <summary>set_update_internal: sets merge, dicts resize once, anything else is iterated.</summary>
    internal void UpdateInternal(PyObject other)
    {
        if (other is PySet s) { Merge(s); return; }
        if (other is PyDict d && d.Type == PyTypes.Dict)
        {
            if ((_fill + d.Count) * 5 >= Mask * 3) Resize((_used + d.Count) * 2);
            foreach (var (k, _) in d.Items()) Add(k);
            return;
        }
        var it = Ops.GetIter(other);
        try
        {
            while (Ops.Next(it) is { } x) { try { Add(x); } finally { x.Decref(); } }
        }
        finally { it.Decref(); }
    }

    /// <summary>make_new_set_basetype: a set (or frozenset, for frozensets) filled from iterable; the caller seals frozensets.</summary>
    private PySet NewLike(PyObject? iterable)
    {
        var r = new PySet(IsFrozen);
        if (iterable is not null)
        {
            try { r.UpdateInternal(iterable); }
            catch { r.Decref(); throw; }
        }
        return r;
    }

    private static PySet Done(PySet r) { if (r.IsFrozen) r.Seal(); return r; }

    private PySet CopySet() => NewLike(this);

    /// <summary>set_intersection: a new set of the elements of this that are in other.</summary>
    private PySet Intersection(PyObject other)
    {
        if (ReferenceEquals(other, this)) return CopySet();
        var result = NewLike(null);
        try
        {
            if (other is PySet os)
            {
                PySet small = os, big = this;
                if (os.Count > Count) { small = this; big = os; }
                foreach (var k in small.Elements())
                    if (big.ContainsKey(k)) result.Add(k);
                return result;
            }
            var it = Ops.GetIter(other);
            try
            {
                while (Ops.Next(it) is { } x)
                {
                    try { if (ContainsKey(x)) result.Add(x); }
                    finally { x.Decref(); }
                }
            }
            finally { it.Decref(); }
            return result;
        }
        catch { result.Decref(); throw; }
    }

    private PySet IntersectionMulti(ReadOnlySpan<PyObject> others)
    {
        if (others.Length == 0) return CopySet();
        PySet acc = this;
        acc.Incref();
        try
        {
            foreach (var o in others)
            {
                var next = acc.Intersection(o);
                acc.Decref();
                acc = next;
            }
            var r = acc; acc = null!;
            return r;
        }
        finally { acc?.Decref(); }
    }

    /// <summary>set_difference_update_internal.</summary>
    private void DifferenceUpdateInternal(PyObject other)
    {
        if (ReferenceEquals(other, this)) { Clear(); return; }
        if (other is PySet os)
        {
            foreach (var k in os.Elements()) Discard(k);
        }
        else
        {
            var it = Ops.GetIter(other);
            try
            {
                while (Ops.Next(it) is { } x) { try { Discard(x); } finally { x.Decref(); } }
            }
            finally { it.Decref(); }
        }
        if (_fill - _used <= Mask / 4) return;
        Resize(_used > 50000 ? _used * 2 : _used * 4);
    }

    /// <summary>set_difference: a new set of the elements of this not in other.</summary>
    private PySet Difference(PyObject other)
    {
        int otherSize;
        if (other is PySet os) otherSize = os.Count;
        else if (other is PyDict od && od.Type == PyTypes.Dict) otherSize = od.Count;
        else otherSize = -1;
        if (otherSize < 0 || (Count >> 2) > otherSize)
        {
            var r = CopySet();
            try { r.DifferenceUpdateInternal(other); }
            catch { r.Decref(); throw; }
            return r;
        }
        var result = NewLike(null);
        try
        {
            foreach (var k in Elements())
            {
                bool inOther = other is PySet s2 ? s2.ContainsKey(k) : ((PyDict)other).ContainsKey(k);
                if (!inOther) result.Add(k);
            }
        }
        catch { result.Decref(); throw; }
        return result;
    }

    /// <summary>set_symmetric_difference_update.</summary>
    private void SymmetricDifferenceUpdate(PyObject other)
    {
        if (ReferenceEquals(other, this)) { Clear(); return; }
        if (other is PyDict d && d.Type == PyTypes.Dict)
        {
            foreach (var (k, _) in d.Items()) { if (!Discard(k)) Add(k); }
            return;
        }
        PySet otherSet;
        if (other is PySet os) { otherSet = os; os.Incref(); }
        else otherSet = NewLike(other);
        try
        {
            foreach (var k in otherSet.Elements()) { if (!Discard(k)) Add(k); }
        }
        finally { otherSet.Decref(); }
    }

    private bool IsSubsetOf(PySet other)
    {
        if (Count > other.Count) return false;
        foreach (var k in Elements()) if (!other.ContainsKey(k)) return false;
        return true;
    }

    /// <summary>Exchange the tables of two sets (set_swap_bodies), for the in-place forms.</summary>
    private void SwapBodies(PySet other)
    {
        (_table, other._table) = (other._table, _table);
        (_fill, other._fill) = (other._fill, _fill);
        (_used, other._used) = (other._used, _used);
    }

    // ------------------------------------------------------------------ shared with dict views

    /// <summary>set(iterable) with CPython's filling rules.</summary>
    internal static PySet FromIterable(PyObject iterable)
    {
        var r = new PySet();
        try { r.UpdateInternal(iterable); }
        catch { r.Decref(); throw; }
        return r;
    }

    internal void DifferenceUpdateWith(PyObject other) => DifferenceUpdateInternal(other);
    internal void SymmetricDifferenceUpdateWith(PyObject other) => SymmetricDifferenceUpdate(other);
    internal PySet IntersectionWith(PyObject other) => Intersection(other);

    // ------------------------------------------------------------------ registration

    private static void AddCommon(PyType t, string tn)
    {
        t.AddMethod("copy", (a, k) =>
        {
            MethodArgs.NoArgs(tn + ".copy", a, k);
            var s = Self(a, "copy");
            if (s.Type == PyTypes.FrozenSet) return s.NewRef();
            return Done(s.CopySet());
        });
        t.AddMethod("union", (a, k) =>
        {
            MethodArgs.NoKeywords(tn + ".union", k);
            var s = Self(a, "union");
            var r = s.CopySet();
            try { for (int i = 1; i < a.Length; i++) r.UpdateInternal(a[i]); }
            catch { r.Decref(); throw; }
            return Done(r);
        });
        t.AddMethod("intersection", (a, k) =>
        {
            MethodArgs.NoKeywords(tn + ".intersection", k);
            return Done(Self(a, "intersection").IntersectionMulti(a[1..]));
        });
        t.AddMethod("difference", (a, k) =>
        {
            MethodArgs.NoKeywords(tn + ".difference", k);
            var s = Self(a, "difference");
            if (a.Length == 1) return Done(s.CopySet());
            var r = s.Difference(a[1]);
            try { for (int i = 2; i < a.Length; i++) r.DifferenceUpdateInternal(a[i]); }
            catch { r.Decref(); throw; }
            return Done(r);
        });
        t.AddMethod("symmetric_difference", (a, k) =>
        {
            var o = MethodArgs.One(tn + ".symmetric_difference", a, k);
            var s = Self(a, "symmetric_difference");
            var r = s.NewLike(o);
            try { r.SymmetricDifferenceUpdate(s); }
            catch { r.Decref(); throw; }
            return Done(r);
        });
        t.AddMethod("issubset", (a, k) =>
        {
            var o = MethodArgs.One(tn + ".issubset", a, k);
            var s = Self(a, "issubset");
            if (o is PySet os) return PyBool.From(s.IsSubsetOf(os));
            var tmp = FromIterable(o);
            try { return PyBool.From(s.IsSubsetOf(tmp)); }
            finally { tmp.Decref(); }
        });
        t.AddMethod("issuperset", (a, k) =>
        {
            var o = MethodArgs.One(tn + ".issuperset", a, k);
            var s = Self(a, "issuperset");
            if (o is PySet os) return PyBool.From(os.IsSubsetOf(s));
            var it = Ops.GetIter(o);
            try
            {
                while (Ops.Next(it) is { } x)
                {
                    try { if (!s.ContainsKey(x)) return PyBool.False.NewRef(); }
                    finally { x.Decref(); }
                }
            }
            finally { it.Decref(); }
            return PyBool.True.NewRef();
        });
        t.AddMethod("isdisjoint", (a, k) =>
        {
            var o = MethodArgs.One(tn + ".isdisjoint", a, k);
            var s = Self(a, "isdisjoint");
            if (ReferenceEquals(o, s)) return PyBool.From(s.Count == 0);
            if (o is PySet os)
            {
                PySet small = s, big = os;
                if (os.Count < s.Count) { small = os; big = s; }
                foreach (var x in small.Elements()) if (big.ContainsKey(x)) return PyBool.False.NewRef();
                return PyBool.True.NewRef();
            }
            var it = Ops.GetIter(o);
            try
            {
                while (Ops.Next(it) is { } x)
                {
                    try { if (s.ContainsKey(x)) return PyBool.False.NewRef(); }
                    finally { x.Decref(); }
                }
            }
            finally { it.Decref(); }
            return PyBool.True.NewRef();
        });
    }

    static partial void AddLibraryMethods(PyType t)
    {
        AddCommon(t, "set");
        AddCommon(PyTypes.FrozenSet, "frozenset");
        t.AddMethod("add", (a, k) =>
        {
            var x = MethodArgs.One("set.add", a, k);
            Self(a, "add").Add(x);
            return MethodArgs.None();
        });
        t.AddMethod("discard", (a, k) =>
        {
            var x = MethodArgs.One("set.discard", a, k);
            Self(a, "discard").Discard(x);
            return MethodArgs.None();
        });
        t.AddMethod("remove", (a, k) =>
        {
            var x = MethodArgs.One("set.remove", a, k);
            if (!Self(a, "remove").Discard(x)) throw Exc.KeyError(x);
            return MethodArgs.None();
        });
        t.AddMethod("pop", (a, k) =>
        {
            MethodArgs.NoArgs("set.pop", a, k);
            var s = Self(a, "pop");
            if (s.Count == 0)
            {
                // (PopAny's own KeyError leaks its message string)
                using var msg = new TempRef(PyStr.FromString("pop from an empty set"));
                throw Exc.KeyError(msg.Value);
            }
            return s.PopAny();
        });
        t.AddMethod("clear", (a, k) =>
        {
            MethodArgs.NoArgs("set.clear", a, k);
            Self(a, "clear").Clear();
            return MethodArgs.None();
        });
        t.AddMethod("update", (a, k) =>
        {
            MethodArgs.NoKeywords("set.update", k);
            var s = Self(a, "update");
            for (int i = 1; i < a.Length; i++) s.UpdateInternal(a[i]);
            return MethodArgs.None();
        });
        t.AddMethod("intersection_update", (a, k) =>
        {
            MethodArgs.NoKeywords("set.intersection_update", k);
            var s = Self(a, "intersection_update");
            var r = s.IntersectionMulti(a[1..]);
            s.SwapBodies(r);
            r.Decref();
            return MethodArgs.None();
        });
        t.AddMethod("difference_update", (a, k) =>
        {
            MethodArgs.NoKeywords("set.difference_update", k);
            var s = Self(a, "difference_update");
            for (int i = 1; i < a.Length; i++) s.DifferenceUpdateInternal(a[i]);
            return MethodArgs.None();
        });
        t.AddMethod("symmetric_difference_update", (a, k) =>
        {
            var o = MethodArgs.One("set.symmetric_difference_update", a, k);
            Self(a, "symmetric_difference_update").SymmetricDifferenceUpdate(o);
            return MethodArgs.None();
        });
    }
}
