using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// requests.structures.CaseInsensitiveDict, the type of Response.headers:
/// a mutable mapping whose keys compare case-insensitively (key.lower()) and
/// remember the casing they were last set with. Entries keep insertion order
/// (requests keeps an OrderedDict of lower-key -> (key, value)); setting an
/// existing key keeps its place. The dict owns one reference to each key and
/// value. keys(), values() and items() are views as collections.abc's mixins
/// return them (repr "KeysView({...})").
/// </summary>
public sealed class PyHeaders : PyObject
{
    public static readonly PyType HeadersType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("CaseInsensitiveDict", PyTypes.Object, TypeNew));

    private sealed class Entry
    {
        public PyObject Key;
        public PyObject Value;
        public Entry(PyObject key, PyObject value) { Key = key; Value = value; }
    }

    /// <summary>Entries in order; a deleted entry leaves null (compacted when too many pile up).</summary>
    private List<Entry?> _entries = new();
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private int _deleted;

    public PyHeaders() : base(HeadersType) { }

    static PyHeaders()
    {
        HeadersType.ModuleName = "requests.structures";
        HeadersType.Doc = "A case-insensitive ``dict``-like object.";
        InitType(HeadersType);
    }

    public int Count => _index.Count;

    // ------------------------------------------------------------------ storage

    /// <summary>key.lower() (str.lower's rules; any other key type has no lower, as in requests).</summary>
    private static string Lower(PyObject key)
    {
        if (key is not PyStr s) throw Exc.AttributeError($"'{key.Type.Name}' object has no attribute 'lower'");
        foreach (char c in s.Value)
        {
            if (c >= 0x80)
            {
                using var r = new TempRef(Ops.CallMethod(key, "lower", ReadOnlySpan<PyObject>.Empty));
                return ((PyStr)r.Value).Value;
            }
        }
        return s.Value.ToLowerInvariant();
    }

    /// <summary>headers[key] = value (both borrowed): the new casing replaces the old, the place is kept.</summary>
    public void Set(PyObject key, PyObject value)
    {
        string lower = Lower(key);
        key.Incref();
        value.Incref();
        if (_index.TryGetValue(lower, out int i))
        {
            var e = _entries[i]!;
            var (oldKey, oldValue) = (e.Key, e.Value);
            e.Key = key;
            e.Value = value;
            oldKey.Decref();
            oldValue.Decref();
            return;
        }
        _index[lower] = _entries.Count;
        _entries.Add(new Entry(key, value));
    }

    /// <summary>Convenience for host code: set a str key to a str value.</summary>
    public void Set(string key, string value)
    {
        using var k = new TempRef(PyStr.FromString(key));
        using var v = new TempRef(PyStr.FromString(value));
        Set(k.Value, v.Value);
    }

    /// <summary>The value for key (borrowed), or null.</summary>
    public PyObject? Find(PyObject key) =>
        _index.TryGetValue(Lower(key), out int i) ? _entries[i]!.Value : null;

    /// <summary>The value for a str key (borrowed), or null.</summary>
    public PyObject? Find(string key) =>
        _index.TryGetValue(key.ToLowerInvariant(), out int i) ? _entries[i]!.Value : null;

    private bool Remove(PyObject key)
    {
        string lower = Lower(key);
        if (!_index.Remove(lower, out int i)) return false;
        var e = _entries[i]!;
        _entries[i] = null;
        _deleted++;
        if (_deleted > 16 && _deleted > _entries.Count / 2) Compact();
        e.Key.Decref();
        e.Value.Decref();
        return true;
    }

    private void Compact()
    {
        var live = new List<Entry?>(_index.Count);
        _index.Clear();
        foreach (var e in _entries)
        {
            if (e is null) continue;
            _index[Lower(e.Key)] = live.Count;
            live.Add(e);
        }
        _entries = live;
        _deleted = 0;
    }

    /// <summary>(key, value) pairs in order, as new references (a snapshot Python code can run over).</summary>
    public List<(PyObject Key, PyObject Value)> ItemsNewRefs()
    {
        var list = new List<(PyObject, PyObject)>(_index.Count);
        foreach (var e in _entries)
            if (e is not null) list.Add((e.Key.NewRef(), e.Value.NewRef()));
        return list;
    }

    /// <summary>The (key, value) pairs in order as plain strings (non-str values through str()).</summary>
    public List<KeyValuePair<string, PyObject>> ItemsBorrowed()
    {
        var list = new List<KeyValuePair<string, PyObject>>(_index.Count);
        foreach (var e in _entries)
            if (e is not null) list.Add(new KeyValuePair<string, PyObject>(((PyStr)e.Key).Value, e.Value));
        return list;
    }

    private static void Release(List<(PyObject Key, PyObject Value)> items)
    {
        foreach (var (k, v) in items) { k.Decref(); v.Decref(); }
    }

    /// <summary>MutableMapping.update(other): a mapping (keys() and []) or an iterable of pairs.</summary>
    public void Update(PyObject other)
    {
        if (other is PyHeaders h)
        {
            var items = h.ItemsNewRefs();
            try { foreach (var (k, v) in items) Set(k, v); }
            finally { Release(items); }
            return;
        }
        if (other is PyDict d)
        {
            foreach (var (k, v) in d.Items()) Set(k, v);
            return;
        }
        var keysFn = Ops.GetAttrOrNull(other, "keys");
        if (keysFn is not null)
        {
            using var kf = new TempRef(keysFn);
            using var keys = new TempRef(Ops.Call0(keysFn));
            using var it = new TempRef(Ops.GetIter(keys.Value));
            while (Ops.Next(it.Value) is { } key)
            {
                using var kr = new TempRef(key);
                using var v = new TempRef(Ops.GetItem(other, key));
                Set(key, v.Value);
            }
            return;
        }
        using var iter = new TempRef(Ops.GetIter(other));
        while (Ops.Next(iter.Value) is { } pair)
        {
            using var pr = new TempRef(pair);
            using var t = new TempRef(Ops.ToTuple(pair));
            var tup = (PyTuple)t.Value;
            if (tup.Count != 2)
                throw Exc.ValueError(tup.Count < 2 ? $"not enough values to unpack (expected 2, got {tup.Count})" : "too many values to unpack (expected 2)");
            Set(tup[0], tup[1]);
        }
    }

    // ------------------------------------------------------------------ protocols

    public override PyObject GetItem(PyObject key) =>
        _index.TryGetValue(Lower(key), out int i) ? _entries[i]!.Value.NewRef() : throw KeyErrorFor(key);

    private static PyException KeyErrorFor(PyObject key)
    {
        using var lower = new TempRef(PyStr.FromString(Lower(key)));
        return Exc.KeyError(lower.Value);
    }

    public override void SetItem(PyObject key, PyObject value) => Set(key, value);

    public override void DelItem(PyObject key)
    {
        if (!Remove(key)) throw KeyErrorFor(key);
    }

    public override long Length() => _index.Count;

    public override bool IsTrue() => _index.Count != 0;

    public override bool Contains(PyObject item) => _index.ContainsKey(Lower(item));

    public override PyObject GetIter()
    {
        using var l = new TempRef(KeysList());
        return l.Value.GetIter();
    }

    private PyList KeysList()
    {
        var l = new PyList(_index.Count);
        foreach (var e in _entries) if (e is not null) l.Append(e.Key);
        return l;
    }

    /// <summary>str(dict(self.items())).</summary>
    public override PyStr Repr()
    {
        if (!ReprGuard.Enter(this)) return PyStr.FromString("{...}");
        try
        {
            var items = ItemsNewRefs();
            try
            {
                var sb = new StringBuilder("{");
                bool first = true;
                foreach (var (k, v) in items)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    sb.Append(Ops.ReprString(k)).Append(": ").Append(Ops.ReprString(v));
                }
                return PyStr.FromString(sb.Append('}').ToString());
            }
            finally { Release(items); }
        }
        finally { ReprGuard.Exit(this); }
    }

    public override long Hash() => throw Exc.TypeError("unhashable type: 'CaseInsensitiveDict'");

    /// <summary>__eq__: equal to any mapping with the same lower-cased keys and equal values.</summary>
    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (op is not (ComparisonOperation.Eq or ComparisonOperation.Ne)) return PyNotImplemented.Instance.NewRef();
        if (other is not (PyHeaders or PyDict)) return PyNotImplemented.Instance.NewRef();
        PyHeaders o;
        if (other is PyHeaders h) o = (PyHeaders)h.NewRef();
        else { o = new PyHeaders(); try { o.Update(other); } catch { o.Decref(); throw; } }
        using var oref = new TempRef(o);
        using var mine = new TempRef(LowerDict());
        using var theirs = new TempRef(o.LowerDict());
        bool eq = Ops.Equal(mine.Value, theirs.Value);
        return PyBool.From(op == ComparisonOperation.Eq ? eq : !eq);
    }

    /// <summary>dict(self.lower_items()).</summary>
    private PyDict LowerDict()
    {
        var d = new PyDict();
        foreach (var (lower, i) in _index.OrderBy(p => p.Value))
        {
            using var k = new TempRef(PyStr.FromString(lower));
            d.SetItem(k.Value, _entries[i]!.Value);
        }
        return d;
    }

    public override void Traverse(Action<PyObject> visit)
    {
        foreach (var e in _entries)
        {
            if (e is null) continue;
            visit(e.Key);
            visit(e.Value);
        }
    }

    protected internal override void ClearReferences()
    {
        var entries = _entries;
        _entries = new List<Entry?>();
        _index.Clear();
        _deleted = 0;
        foreach (var e in entries)
        {
            if (e is null) continue;
            e.Key.Decref();
            e.Value.Decref();
        }
    }

    /// <summary>CaseInsensitiveDict(data=None, **kwargs).</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        if (npos > 1) throw Exc.TypeError($"CaseInsensitiveDict.__init__() takes from 1 to 2 positional arguments but {npos + 1} were given");
        var h = new PyHeaders();
        try
        {
            if (npos == 1 && args[0] is not PyNone) h.Update(args[0]);
            for (int i = 0; i < nkw; i++) h.Set(kwnames![i], args[npos + i]);
        }
        catch { h.Decref(); throw; }
        return h;
    }

    // ------------------------------------------------------------------ methods

    private static PyHeaders Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyHeaders h) throw Exc.TypeError($"descriptor '{name}' requires a 'CaseInsensitiveDict' object");
        return h;
    }

    private static PyObject None() => PyNone.Instance.NewRef();

    private static void InitType(PyType t)
    {
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("__setitem__", (a, k) => { ArgParser.Positional("__setitem__", a, k, 3, 3); Self(a, "__setitem__").Set(a[1], a[2]); return None(); });
        t.AddMethod("__delitem__", (a, k) => { ArgParser.Positional("__delitem__", a, k, 2, 2); Self(a, "__delitem__").DelItem(a[1]); return None(); });
        // get(key, default=None)
        t.AddMethod("get", (a, k) =>
        {
            ArgParser.Positional("get", a, k, 2, 3);
            var v = Self(a, "get").Find(a[1]);
            return (v ?? (a.Length > 2 ? a[2] : PyNone.Instance)).NewRef();
        });
        // keys(), values(), items(): views over the mapping.
        t.AddMethod("keys", (a, k) => { ArgParser.Positional("keys", a, k, 1, 1); return new PyHeadersView(Self(a, "keys"), PyHeadersView.Kind.Keys); });
        t.AddMethod("values", (a, k) => { ArgParser.Positional("values", a, k, 1, 1); return new PyHeadersView(Self(a, "values"), PyHeadersView.Kind.Values); });
        t.AddMethod("items", (a, k) => { ArgParser.Positional("items", a, k, 1, 1); return new PyHeadersView(Self(a, "items"), PyHeadersView.Kind.Items); });
        // lower_items(): (lower-cased key, value) pairs.
        t.AddMethod("lower_items", (a, k) =>
        {
            ArgParser.Positional("lower_items", a, k, 1, 1);
            var h = Self(a, "lower_items");
            var l = new PyList(h.Count);
            foreach (var (lower, i) in h._index.OrderBy(p => p.Value))
                l.AppendStealing(PyTuple.Create(PyStr.FromString(lower), h._entries[i]!.Value.NewRef()));
            using var lr = new TempRef(l);
            return l.GetIter();
        });
        // copy(): a new CaseInsensitiveDict with the same items.
        t.AddMethod("copy", (a, k) =>
        {
            ArgParser.Positional("copy", a, k, 1, 1);
            var c = new PyHeaders();
            try { c.Update(Self(a, "copy")); } catch { c.Decref(); throw; }
            return c;
        });
        // pop(key[, default])
        t.AddMethod("pop", (a, k) =>
        {
            ArgParser.Positional("pop", a, k, 2, 3);
            var h = Self(a, "pop");
            var v = h.Find(a[1]);
            if (v is null)
            {
                if (a.Length > 2) return a[2].NewRef();
                throw KeyErrorFor(a[1]);
            }
            v.Incref();
            h.Remove(a[1]);
            return v;
        });
        // popitem(): remove and return the first (key, value) pair.
        t.AddMethod("popitem", (a, k) =>
        {
            ArgParser.Positional("popitem", a, k, 1, 1);
            var h = Self(a, "popitem");
            var first = h._entries.FirstOrDefault(e => e is not null) ?? throw Exc.New(ExceptionTypes.KeyError, Array.Empty<PyObject>());
            var pair = PyTuple.Create(first.Key.NewRef(), first.Value.NewRef());
            h.Remove(first.Key);
            return pair;
        });
        // setdefault(key, default=None)
        t.AddMethod("setdefault", (a, k) =>
        {
            ArgParser.Positional("setdefault", a, k, 2, 3);
            var h = Self(a, "setdefault");
            var v = h.Find(a[1]);
            if (v is not null) return v.NewRef();
            var d = a.Length > 2 ? a[2] : PyNone.Instance;
            h.Set(a[1], d);
            return d.NewRef();
        });
        // update(other=(), /, **kwargs)
        t.AddMethod("update", (a, k) =>
        {
            var h = Self(a, "update");
            int nkw = k?.Count ?? 0;
            int npos = a.Length - 1 - nkw;
            if (npos > 1) throw Exc.TypeError($"update expected at most 1 argument, got {npos}");
            if (npos == 1) h.Update(a[1]);
            for (int i = 0; i < nkw; i++) h.Set(k![i], a[1 + npos + i]);
            return None();
        });
        // clear(): remove every item.
        t.AddMethod("clear", (a, k) =>
        {
            ArgParser.Positional("clear", a, k, 1, 1);
            Self(a, "clear").ClearReferences();
            return None();
        });
    }
}

/// <summary>KeysView / ValuesView / ItemsView over a CaseInsensitiveDict (collections.abc's views).</summary>
public sealed class PyHeadersView : PyObject
{
    public enum Kind { Keys, Values, Items }

    public static readonly PyType KeysViewType = StaticTypeRegistry.Register(PyType.NewBuiltin("KeysView", PyTypes.Object));
    public static readonly PyType ValuesViewType = StaticTypeRegistry.Register(PyType.NewBuiltin("ValuesView", PyTypes.Object));
    public static readonly PyType ItemsViewType = StaticTypeRegistry.Register(PyType.NewBuiltin("ItemsView", PyTypes.Object));

    private PyHeaders? _mapping;
    private readonly Kind _kind;

    public PyHeadersView(PyHeaders mapping, Kind kind)
        : base(kind == Kind.Keys ? KeysViewType : kind == Kind.Values ? ValuesViewType : ItemsViewType)
    {
        mapping.Incref();
        _mapping = mapping;
        _kind = kind;
    }

    static PyHeadersView()
    {
        foreach (var t in new[] { KeysViewType, ValuesViewType, ItemsViewType })
        {
            t.ModuleName = "collections.abc";
            SlotWrappers.AddStandardSlots(t);
        }
    }

    private PyList Snapshot()
    {
        var l = new PyList(_mapping!.Count);
        foreach (var (k, v) in _mapping.ItemsNewRefs())
        {
            switch (_kind)
            {
                case Kind.Keys: l.AppendStealing(k); v.Decref(); break;
                case Kind.Values: l.AppendStealing(v); k.Decref(); break;
                default: l.AppendStealing(PyTuple.Create(k, v)); break;
            }
        }
        return l;
    }

    public override PyObject GetIter()
    {
        using var l = new TempRef(Snapshot());
        return l.Value.GetIter();
    }

    public override long Length() => _mapping!.Count;

    public override bool Contains(PyObject item)
    {
        switch (_kind)
        {
            case Kind.Keys: return _mapping!.Contains(item);
            case Kind.Items:
                if (item is not PyTuple t || t.Count != 2) return false;
                var v = _mapping!.Find(t[0]);
                return v is not null && (ReferenceEquals(v, t[1]) || Ops.Equal(v, t[1]));
            default:
                using (var l = new TempRef(Snapshot())) return l.Value.Contains(item);
        }
    }

    public override PyStr Repr()
    {
        return PyStr.FromString($"{Type.Name}({Ops.ReprString(_mapping!)})");
    }

    public override void Traverse(Action<PyObject> visit) { if (_mapping is not null) visit(_mapping); }
    protected internal override void ClearReferences() { var m = _mapping; _mapping = null; m?.Decref(); }
}
