using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// enumerate, zip, map, filter and reversed (Python/bltinmodule.c,
/// Objects/enumobject.c): lazy iterators that own what they iterate.
/// </summary>
public sealed class PyLazyIterator : PyObject
{
    public static readonly PyType EnumerateType = StaticTypeRegistry.Register(PyType.NewBuiltin("enumerate", PyTypes.Object, (t, a, k) => Enumerate(a, k)));
    public static readonly PyType ZipType = StaticTypeRegistry.Register(PyType.NewBuiltin("zip", PyTypes.Object, (t, a, k) => Zip(a, k)));
    public static readonly PyType MapType = StaticTypeRegistry.Register(PyType.NewBuiltin("map", PyTypes.Object, (t, a, k) => Map(a, k)));
    public static readonly PyType FilterType = StaticTypeRegistry.Register(PyType.NewBuiltin("filter", PyTypes.Object, (t, a, k) => Filter(a, k)));
    public static readonly PyType ReversedType = StaticTypeRegistry.Register(PyType.NewBuiltin("reversed", PyTypes.Object, (t, a, k) => Reversed(a, k)));

    private readonly PyObject?[] _held;  // owned: iterators / function / sequence
    private readonly Func<PyLazyIterator, PyObject?> _next;
    internal long Counter;

    private PyLazyIterator(PyType type, PyObject?[] heldStolen, Func<PyLazyIterator, PyObject?> next) : base(type)
    {
        _held = heldStolen; _next = next;
    }

    internal PyObject Held(int i) => _held[i]!;
    internal int HeldCount => _held.Length;

    public override PyObject GetIter() => NewRef();
    public override PyObject? Next() => _next(this);

    public override void Traverse(Action<PyObject> visit) { foreach (var h in _held) if (h is not null) visit(h); }
    protected internal override void ClearReferences()
    {
        for (int i = 0; i < _held.Length; i++) { var h = _held[i]; _held[i] = null; h?.Decref(); }
    }

    public static PyObject Enumerate(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("enumerate", args, kwnames, 1, 2, "iterable", "start");
        var it = Ops.GetIter(a[0]!);
        var e = new PyLazyIterator(EnumerateType, new PyObject?[] { it }, self =>
        {
            var x = Ops.Next(self.Held(0));
            if (x is null) return null;
            return PyTuple.Create(PyInt.FromLong(self.Counter++), x);
        });
        if (a[1] is not null) e.Counter = Ops.IndexAsLong(a[1]!);
        return e;
    }

    public static PyObject Zip(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        bool strict = false;
        int npos = args.Length - (kwnames?.Count ?? 0);
        for (int k = 0; k < (kwnames?.Count ?? 0); k++)
        {
            if (((PyStr)kwnames![k]).Value != "strict") throw Exc.TypeError($"zip() got an unexpected keyword argument '{((PyStr)kwnames[k]).Value}'");
            strict = Ops.IsTrue(args[npos + k]);
        }
        var its = new PyObject?[npos];
        try { for (int i = 0; i < npos; i++) its[i] = Ops.GetIter(args[i]); }
        catch { foreach (var x in its) x?.Decref(); throw; }
        return new PyLazyIterator(ZipType, its, self =>
        {
            int n = self.HeldCount;
            if (n == 0) return null;
            var items = new PyObject[n];
            for (int i = 0; i < n; i++)
            {
                var x = Ops.Next(self.Held(i));
                if (x is null)
                {
                    for (int j = 0; j < i; j++) items[j].Decref();
                    if (strict && i > 0) throw Exc.ValueError($"zip() argument {i + 1} is shorter than argument{(i == 1 ? "" : "s")} 1{(i == 1 ? "" : "-" + i)}");
                    if (strict && i == 0)
                    {
                        for (int j = 1; j < n; j++)
                        {
                            var y = Ops.Next(self.Held(j));
                            if (y is not null) { y.Decref(); throw Exc.ValueError($"zip() argument {j + 1} is longer than argument{(j == 1 ? "" : "s")} 1{(j == 1 ? "" : "-" + j)}"); }
                        }
                    }
                    return null;
                }
                items[i] = x;
            }
            return PyTuple.Create(items);
        });
    }

    public static PyObject Map(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError("map() takes no keyword arguments");
        if (args.Length < 2) throw Exc.TypeError("map() must have at least two arguments.");
        var held = new PyObject?[args.Length];
        held[0] = args[0].NewRef();
        try { for (int i = 1; i < args.Length; i++) held[i] = Ops.GetIter(args[i]); }
        catch { foreach (var x in held) x?.Decref(); throw; }
        return new PyLazyIterator(MapType, held, self =>
        {
            int n = self.HeldCount - 1;
            var items = new PyObject[n];
            for (int i = 0; i < n; i++)
            {
                var x = Ops.Next(self.Held(i + 1));
                if (x is null) { for (int j = 0; j < i; j++) items[j].Decref(); return null; }
                items[i] = x;
            }
            try { return Ops.Call(self.Held(0), items, null); }
            finally { foreach (var x in items) x.Decref(); }
        });
    }

    public static PyObject Filter(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        ArgParser.Positional("filter", args, kwnames, 2, 2);
        var it = Ops.GetIter(args[1]);
        return new PyLazyIterator(FilterType, new PyObject?[] { args[0].NewRef(), it }, self =>
        {
            var fn = self.Held(0);
            while (Ops.Next(self.Held(1)) is { } x)
            {
                bool keep;
                try
                {
                    if (fn is PyNone) keep = Ops.IsTrue(x);
                    else { using var r = new TempRef(Ops.Call1(fn, x)); keep = Ops.IsTrue(r.Value); }
                }
                catch { x.Decref(); throw; }
                if (keep) return x;
                x.Decref();
            }
            return null;
        });
    }

    public static PyObject Reversed(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        ArgParser.Positional("reversed", args, kwnames, 1, 1);
        var seq = args[0];
        if (seq.Type.IsHeapType && seq.Type.Lookup("__reversed__") is { } rev) return Ops.CallSpecial(rev, seq);
        if (seq is PyRange range) return range.Reversed();
        if (seq is PyDict d)
        {
            var keys = new PyList();
            foreach (var (k, _) in d.Items()) keys.Append(k);
            seq = keys;
        }
        else if (seq is PySet || (!seq.Type.IsHeapType && seq is not (PyList or PyTuple or PyStr or PyRange or PyBytes)) || (seq.Type.IsHeapType && seq.Type.Lookup("__getitem__") is null))
            throw Exc.TypeError($"'{seq.Type.Name}' object is not reversible");
        else seq.Incref();
        long n = Ops.Length(seq);
        var r = new PyLazyIterator(ReversedType, new PyObject?[] { seq }, self =>
        {
            if (self.Counter <= 0) return null;
            self.Counter--;
            using var idx = new TempRef(PyInt.FromLong(self.Counter));
            return Ops.GetItem(self.Held(0), idx.Value);
        });
        r.Counter = n;
        return r;
    }
}
