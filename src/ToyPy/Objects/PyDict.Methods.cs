using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>dict's methods (Objects/dictobject.c) and its keys/values/items views.</summary>
public sealed partial class PyDict
{
    internal static PyType KeysViewType = null!, ValuesViewType = null!, ItemsViewType = null!;

    private static PyDict D(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyDict>(a, "dict", method);

    /// <summary>dict_update_arg: a dict, a mapping with keys(), or an iterable of pairs (PyDict_MergeFromSeq2).</summary>
    internal void UpdateFrom(PyObject other)
    {
        if (other is PyDict d && d.Type == PyTypes.Dict)
        {
            if (ReferenceEquals(d, this)) return;
            foreach (var (k, v) in d.Items()) SetItem(k, v);
            return;
        }
        PyObject? keysFn;
        using (var name = new TempRef(PyStr.Intern("keys"))) keysFn = Ops.GetAttrOrNull(other, (PyStr)name.Value);
        if (keysFn is not null)
        {
            PyObject keys;
            try { keys = Ops.Call0(keysFn); }
            finally { keysFn.Decref(); }
            using var keysRef = new TempRef(keys);
            var it = Ops.GetIter(keys);
            try
            {
                while (Ops.Next(it) is { } key)
                {
                    using var kr = new TempRef(key);
                    using var v = new TempRef(Ops.GetItem(other, key));
                    SetItem(key, v.Value);
                }
            }
            finally { it.Decref(); }
            return;
        }
        var iter = Ops.GetIter(other);
        try
        {
            long n = 0;
            while (Ops.Next(iter) is { } item)
            {
                using var itemRef = new TempRef(item);
                PyObject fast;
                if (item is PyList shared && RefMode.Biased) fast = shared.SnapshotTuple();
                else if (item is PyList or PyTuple) fast = item.NewRef();
                else
                {
                    try { fast = Ops.ToList(item); }
                    catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.TypeError))
                    {
                        e.Value.Decref();
                        throw Exc.TypeError($"cannot convert dictionary update sequence element #{n} to a sequence");
                    }
                }
                using var fastRef = new TempRef(fast);
                var elems = fast is PyList fl ? fl.Items.AsSpan(0, fl.Count) : ((PyTuple)fast).Items.AsSpan();
                if (elems.Length != 2)
                    throw Exc.ValueError($"dictionary update sequence element #{n} has length {elems.Length}; 2 is required");
                var key = elems[0]; var value = elems[1];
                key.Incref(); value.Incref();
                try { SetItem(key, value); }
                finally { key.Decref(); value.Decref(); }
                n++;
            }
        }
        finally { iter.Decref(); }
    }

    private PyDict CopyDict()
    {
        var r = new PyDict();
        foreach (var (k, v) in Items()) r.SetItem(k, v);
        return r;
    }

    static partial void AddLibraryMethods(PyType t)
    {
        KeysViewType = MakeViewType("dict_keys", PyDictIterator.Kind.Keys);
        ValuesViewType = MakeViewType("dict_values", PyDictIterator.Kind.Values);
        ItemsViewType = MakeViewType("dict_items", PyDictIterator.Kind.Items);

        t.AddMethod("get", (a, k) =>
        {
            int n = MethodArgs.Range("dict.get", "get", a, k, 1, 2);
            var v = D(a, "get").GetItemOrNull(a[1]);
            if (v is not null) return v.NewRef();
            return n == 2 ? a[2].NewRef() : MethodArgs.None();
        });
        t.AddMethod("setdefault", (a, k) =>
        {
            int n = MethodArgs.Range("dict.setdefault", "setdefault", a, k, 1, 2);
            var d = D(a, "setdefault");
            var v = d.GetItemOrNull(a[1]);
            if (v is not null) return v.NewRef();
            var dflt = n == 2 ? a[2] : PyNone.Instance;
            d.SetItem(a[1], dflt);
            return dflt.NewRef();
        });
        t.AddMethod("pop", (a, k) =>
        {
            int n = MethodArgs.Range("dict.pop", "pop", a, k, 1, 2);
            var d = D(a, "pop");
            var v = d.Count == 0 ? null : d.Pop(a[1]); // an empty dict does not hash the key (_PyDict_Pop)
            if (v is not null) return v;
            if (n == 2) return a[2].NewRef();
            throw Exc.KeyError(a[1]);
        });
        t.AddMethod("popitem", (a, k) =>
        {
            MethodArgs.NoArgs("dict.popitem", a, k);
            var d = D(a, "popitem");
            for (int ix = d._next - 1; ix >= 0; ix--)
            {
                var key = d._entries[ix].Key;
                if (key is null) continue;
                key.Incref();
                var value = d.RemoveAt(ix, d._entries[ix].Hash);
                return PyTuple.Create(key, value);
            }
            using var msg = new TempRef(PyStr.FromString("popitem(): dictionary is empty"));
            throw Exc.KeyError(msg.Value);
        });
        t.AddMethod("keys", (a, k) =>
        {
            MethodArgs.NoArgs("dict.keys", a, k);
            return new PyDictView(KeysViewType, D(a, "keys"), PyDictIterator.Kind.Keys);
        });
        t.AddMethod("values", (a, k) =>
        {
            MethodArgs.NoArgs("dict.values", a, k);
            return new PyDictView(ValuesViewType, D(a, "values"), PyDictIterator.Kind.Values);
        });
        t.AddMethod("items", (a, k) =>
        {
            MethodArgs.NoArgs("dict.items", a, k);
            return new PyDictView(ItemsViewType, D(a, "items"), PyDictIterator.Kind.Items);
        });
        t.AddMethod("update", (a, k) =>
        {
            int nkw = MethodArgs.Kw(k);
            int npos = a.Length - 1 - nkw;
            if (npos > 1) throw Exc.TypeError($"update expected at most 1 argument, got {npos}");
            var d = D(a, "update");
            if (npos == 1) d.UpdateFrom(a[1]);
            for (int i = 0; i < nkw; i++) d.SetItem(k![i], a[1 + npos + i]);
            return MethodArgs.None();
        });
        t.AddMethod("clear", (a, k) =>
        {
            MethodArgs.NoArgs("dict.clear", a, k);
            D(a, "clear").Clear();
            return MethodArgs.None();
        });
        t.AddMethod("copy", (a, k) =>
        {
            MethodArgs.NoArgs("dict.copy", a, k);
            return D(a, "copy").CopyDict();
        });
        MethodArgs.AddClassMethod(t, "fromkeys", (a, k) =>
        {
            int n = MethodArgs.Range("dict.fromkeys", "fromkeys", a, k, 1, 2);
            var cls = a[0];
            var value = n == 2 ? a[2] : PyNone.Instance;
            PyObject d = ReferenceEquals(cls, PyTypes.Dict) ? new PyDict() : Ops.Call0(cls);
            try
            {
                var it = Ops.GetIter(a[1]);
                try
                {
                    while (Ops.Next(it) is { } key)
                    {
                        using var kr = new TempRef(key);
                        if (d is PyDict pd && pd.Type == PyTypes.Dict) pd.SetItem(key, value);
                        else Ops.SetItem(d, key, value);
                    }
                }
                finally { it.Decref(); }
            }
            catch { d.Decref(); throw; }
            return d;
        });
    }

    private static PyType MakeViewType(string name, PyDictIterator.Kind kind)
    {
        var vt = StaticTypeRegistry.Register(PyType.NewBuiltin(name, PyTypes.Object, isFinal: true));
        SlotWrappers.AddStandardSlots(vt);
        if (kind != PyDictIterator.Kind.Values)
        {
            vt.AddMethod("isdisjoint", (a, k) =>
            {
                var o = MethodArgs.One(name + ".isdisjoint", a, k);
                var v = MethodArgs.Self<PyDictView>(a, name, "isdisjoint");
                var it = Ops.GetIter(o);
                try
                {
                    while (Ops.Next(it) is { } x)
                    {
                        try { if (v.Contains(x)) return PyBool.False.NewRef(); }
                        finally { x.Decref(); }
                    }
                }
                finally { it.Decref(); }
                return PyBool.True.NewRef();
            });
        }
        return vt;
    }
}

/// <summary>dict_keys / dict_values / dict_items: live views of a dict.</summary>
public sealed class PyDictView : PyObject
{
    private PyDict? _dict;
    public readonly PyDictIterator.Kind Kind;

    public PyDictView(PyType type, PyDict d, PyDictIterator.Kind kind) : base(type)
    {
        d.Incref();
        _dict = d;
        Kind = kind;
    }

    private PyDict Dict => _dict ?? throw Exc.SystemError("dict view without a dict");
    private bool SetLike => Kind != PyDictIterator.Kind.Values;

    public override long Length() => Dict.Count;
    public override bool IsTrue() => Dict.Count != 0;
    public override PyObject GetIter() => new PyDictIterator(Dict, Kind);

    public override bool Contains(PyObject item)
    {
        switch (Kind)
        {
            case PyDictIterator.Kind.Keys:
                return Dict.ContainsKey(item);
            case PyDictIterator.Kind.Items:
            {
                if (item is not PyTuple t || t.Count != 2) return false;
                var v = Dict.GetItemOrNull(t[0]);
                if (v is null) return false;
                v.Incref();
                try { return Ops.Equal(v, t[1]); }
                finally { v.Decref(); }
            }
            default:
                return Ops.ContainsByIteration(this, item);
        }
    }

    public override long Hash()
    {
        if (SetLike) throw Exc.TypeError($"unhashable type: '{Type.Name}'");
        return base.Hash();
    }

    public override PyStr Repr()
    {
        if (!ReprGuard.Enter(this)) return PyStr.FromString("...");
        try
        {
            var l = Ops.ToList(this);
            try { return PyStr.FromString($"{Type.Name}({Ops.ReprString(l)})"); }
            finally { l.Decref(); }
        }
        finally { ReprGuard.Exit(this); }
    }

    /// <summary>Every element of this view is in other (all_contained_in).</summary>
    private static bool AllContainedIn(PyObject self, PyObject other)
    {
        var it = Ops.GetIter(self);
        try
        {
            while (Ops.Next(it) is { } x)
            {
                try { if (!Ops.Contains(other, x)) return false; }
                finally { x.Decref(); }
            }
            return true;
        }
        finally { it.Decref(); }
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (!SetLike || !(other is PySet || other is PyDictView { SetLike: true }))
            return PyNotImplemented.Instance.NewRef();
        long lenSelf = Length(), lenOther = Ops.Length(other);
        bool r = op switch
        {
            ComparisonOperation.Eq => lenSelf == lenOther && AllContainedIn(this, other),
            ComparisonOperation.Ne => !(lenSelf == lenOther && AllContainedIn(this, other)),
            ComparisonOperation.Lt => lenSelf < lenOther && AllContainedIn(this, other),
            ComparisonOperation.Le => lenSelf <= lenOther && AllContainedIn(this, other),
            ComparisonOperation.Gt => lenSelf > lenOther && AllContainedIn(other, this),
            _ => lenSelf >= lenOther && AllContainedIn(other, this),
        };
        return PyBool.From(r);
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (!SetLike) return PyNotImplemented.Instance.NewRef();
        PyObject left = reflected ? other : this, right = reflected ? this : other;
        switch (op)
        {
            case BinaryOperation.And:
                return Intersect(other);
            case BinaryOperation.Or:
            {
                var r = PySet.FromIterable(left);
                try { r.UpdateInternal(right); }
                catch { r.Decref(); throw; }
                return r;
            }
            case BinaryOperation.Subtract:
            {
                var r = PySet.FromIterable(left);
                try { r.DifferenceUpdateWith(right); }
                catch { r.Decref(); throw; }
                return r;
            }
            case BinaryOperation.Xor:
            {
                var r = PySet.FromIterable(left);
                try { r.SymmetricDifferenceUpdateWith(right); }
                catch { r.Decref(); throw; }
                return r;
            }
        }
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>_PyDictView_Intersect: iterate the other operand (or the smaller view), keep what this view contains.</summary>
    private PyObject Intersect(PyObject other)
    {
        PyDictView self = this;
        if (other is PySet os && os.Type == PyTypes.Set && Length() <= os.Count)
            return os.IntersectionWith(this);
        if (other is PyDictView { SetLike: true } ov && ov.Length() > Length())
        {
            other = this;
            self = ov;
        }
        var result = new PySet();
        try
        {
            var it = Ops.GetIter(other);
            try
            {
                while (Ops.Next(it) is { } x)
                {
                    try { if (self.Contains(x)) result.Add(x); }
                    finally { x.Decref(); }
                }
            }
            finally { it.Decref(); }
        }
        catch { result.Decref(); throw; }
        return result;
    }

    public override void Traverse(Action<PyObject> visit) { if (_dict is not null) visit(_dict); }
    protected internal override void ClearReferences() { var d = _dict; _dict = null; d?.Decref(); }
}
