using System.Globalization;
using System.Numerics;
using System.Text;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>The builtins module (Python/bltinmodule.c): functions, then the table at the bottom.</summary>
public static class Builtins
{
    private static PyObject None() => PyNone.Instance.NewRef();

    /// <summary>print(*objects, sep=' ', end='\n', file=None, flush=False)</summary>
    public static PyObject Print(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        string sep = " ", end = "\n";
        bool flush = false;
        PyObject? file = null;
        for (int k = 0; k < nkw; k++)
        {
            var v = args[npos + k];
            switch (((PyStr)kwnames![k]).Value)
            {
                case "sep": sep = v is PyNone ? " " : v is PyStr s ? s.Value : throw Exc.TypeError($"sep must be None or a string, not {v.Type.Name}"); break;
                case "end": end = v is PyNone ? "\n" : v is PyStr e ? e.Value : throw Exc.TypeError($"end must be None or a string, not {v.Type.Name}"); break;
                case "flush": flush = Ops.IsTrue(v); break;
                case "file": file = v is PyNone ? null : v; break;
                default: throw Exc.TypeError($"'{((PyStr)kwnames[k]).Value}' is an invalid keyword argument for print()");
            }
        }
        var sb = new StringBuilder();
        for (int i = 0; i < npos; i++)
        {
            if (i > 0) sb.Append(sep);
            sb.Append(Ops.StrString(args[i]));
        }
        sb.Append(end);
        var interp = PyThreadState.Current.Interp;
        if (file is null || file is StdStream { IsStdout: true })
        {
            interp.Stdout.Write(sb.ToString());
            if (flush) interp.Stdout.Flush();
        }
        else if (file is StdStream ss)
        {
            interp.Stderr.Write(sb.ToString());
            if (flush) interp.Stderr.Flush();
        }
        else
        {
            using var text = new TempRef(PyStr.FromString(sb.ToString()));
            Ops.CallMethod(file, "write", new[] { text.Value }).Decref();
            if (flush) Ops.CallMethod(file, "flush", ReadOnlySpan<PyObject>.Empty).Decref();
        }
        return None();
    }

    public static PyObject Len(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("len", a, k, 1, 1);
        return PyInt.FromLong(Ops.Length(a[0]));
    }

    public static PyObject Repr(ReadOnlySpan<PyObject> a, PyTuple? k) { ArgParser.Positional("repr", a, k, 1, 1); return Ops.Repr(a[0]); }

    public static PyStr Ascii(PyObject o)
    {
        var r = Ops.ReprString(o);
        var sb = new StringBuilder(r.Length);
        for (int i = 0; i < r.Length; i++)
        {
            char c = r[i];
            if (c < 128) sb.Append(c);
            else if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2"));
            else if (char.IsHighSurrogate(c) && i + 1 < r.Length && char.IsLowSurrogate(r[i + 1]))
                sb.Append("\\U").Append(char.ConvertToUtf32(c, r[++i]).ToString("x8"));
            else sb.Append("\\u").Append(((int)c).ToString("x4"));
        }
        return PyStr.FromString(sb.ToString());
    }

    private static bool IsInstanceOf(PyObject o, PyObject cls)
    {
        if (cls is PyTuple t)
        {
            foreach (var c in t.Items) if (IsInstanceOf(o, c)) return true;
            return false;
        }
        if (cls is not PyType type) throw Exc.TypeError("isinstance() arg 2 must be a type, a tuple of types, or a union");
        return o.Type.IsSubtypeOf(type);
    }

    public static PyObject IsInstance(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isinstance", a, k, 2, 2);
        return PyBool.From(IsInstanceOf(a[0], a[1]));
    }

    private static bool IsSubclassOf(PyObject c, PyObject cls)
    {
        if (cls is PyTuple t)
        {
            foreach (var x in t.Items) if (IsSubclassOf(c, x)) return true;
            return false;
        }
        if (c is not PyType ct) throw Exc.TypeError("issubclass() arg 1 must be a class");
        if (cls is not PyType type) throw Exc.TypeError("issubclass() arg 2 must be a class, a tuple of classes, or a union");
        return ct.IsSubtypeOf(type);
    }

    public static PyObject IsSubclass(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("issubclass", a, k, 2, 2);
        return PyBool.From(IsSubclassOf(a[0], a[1]));
    }

    public static PyObject Id(ReadOnlySpan<PyObject> a, PyTuple? k) { ArgParser.Positional("id", a, k, 1, 1); return PyInt.FromLong(Heap.Address(a[0])); }
    public static PyObject Hash(ReadOnlySpan<PyObject> a, PyTuple? k) { ArgParser.Positional("hash", a, k, 1, 1); return PyInt.FromLong(Ops.Hash(a[0])); }
    public static PyObject Abs(ReadOnlySpan<PyObject> a, PyTuple? k) { ArgParser.Positional("abs", a, k, 1, 1); return Ops.Absolute(a[0]); }

    private static PyObject MinMax(string name, ReadOnlySpan<PyObject> args, PyTuple? kwnames, ComparisonOperation op)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        PyObject? key = null, dflt = null;
        for (int i = 0; i < nkw; i++)
        {
            var kn = ((PyStr)kwnames![i]).Value;
            if (kn == "key") key = args[npos + i] is PyNone ? null : args[npos + i];
            else if (kn == "default") dflt = args[npos + i];
            else throw Exc.TypeError($"'{kn}' is an invalid keyword argument for {name}()");
        }
        if (npos == 0) throw Exc.TypeError($"{name} expected at least 1 argument, got 0");
        if (npos > 1 && dflt is not null) throw Exc.TypeError($"Cannot specify a default for {name}() with multiple positional arguments");
        PyObject it = npos == 1 ? Ops.GetIter(args[0]) : Ops.GetIter(PyTuple.FromSpan(args[..npos]).Also(t => t.RefCount--));
        PyObject? best = null, bestKey = null;
        try
        {
            while (Ops.Next(it) is { } x)
            {
                PyObject kx;
                try { kx = key is null ? x.NewRef() : Ops.Call1(key, x); }
                catch { x.Decref(); throw; }
                if (best is null) { best = x; bestKey = kx; continue; }
                bool better;
                try { better = Ops.RichCompareBool(kx, bestKey!, op); }
                catch { x.Decref(); kx.Decref(); throw; }
                if (better) { best.Decref(); bestKey!.Decref(); best = x; bestKey = kx; }
                else { x.Decref(); kx.Decref(); }
            }
        }
        catch { best?.Decref(); bestKey?.Decref(); throw; }
        finally { it.Decref(); }
        if (best is null)
        {
            if (dflt is not null) return dflt.NewRef();
            throw Exc.ValueError($"{name}() arg is an empty sequence");
        }
        bestKey!.Decref();
        return best;
    }

    private static T Also<T>(this T o, Action<T> f) { f(o); return o; }

    public static PyObject Min(ReadOnlySpan<PyObject> a, PyTuple? k) => MinMax("min", a, k, ComparisonOperation.Lt);
    public static PyObject Max(ReadOnlySpan<PyObject> a, PyTuple? k) => MinMax("max", a, k, ComparisonOperation.Gt);

    public static PyObject Sum(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.ParseWithPositionalOnly("sum", args, kwnames, 1, 1, 2, "iterable", "start");
        if (a[1] is PyStr) throw Exc.TypeError("sum() can't sum strings [use ''.join(seq) instead]");
        PyObject acc = a[1]?.NewRef() ?? PyInt.FromLong(0);
        var it = Ops.GetIter(a[0]!);
        try
        {
            while (Ops.Next(it) is { } x)
            {
                PyObject r;
                try { r = Ops.BinaryOp(acc, x, BinaryOperation.Add); }
                finally { x.Decref(); }
                acc.Decref();
                acc = r;
            }
        }
        catch { acc.Decref(); throw; }
        finally { it.Decref(); }
        return acc;
    }

    public static PyObject Sorted(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int nkw = kwnames?.Count ?? 0;
        if (args.Length - nkw != 1) throw Exc.TypeError($"sorted expected 1 argument, got {args.Length - nkw}");
        var list = Ops.ToList(args[0]);
        try { ListSort.Sort(list, args[1..], kwnames); }
        catch { list.Decref(); throw; }
        return list;
    }

    public static PyObject Iter(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("iter", a, k, 1, 2);
        if (a.Length == 2) throw Exc.NotImplementedError("iter(callable, sentinel) is not supported by ToyPy");
        return Ops.GetIter(a[0]);
    }

    public static PyObject Next(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("next", a, k, 1, 2);
        var it = a[0];
        if (!it.Type.IsHeapType && it is not (PyGenerator or PyLazyIterator) && it.Type != PyTypes.Iterator && it.Type.Lookup("__next__") is null)
            throw Exc.TypeError($"'{it.Type.Name}' object is not an iterator");
        if (it is PyGenerator g)
        {
            var r = PyThreadState.Current.ResumeGenerator(g, null, null);
            if (r is not null) return r;
            if (a.Length == 2) { g.ReturnValue?.Decref(); g.ReturnValue = null; return a[1].NewRef(); }
            throw g.StopIterationWithValue();
        }
        var x = Ops.Next(it);
        if (x is not null) return x;
        if (a.Length == 2) return a[1].NewRef();
        throw Exc.StopIteration();
    }

    public static PyObject Any(ReadOnlySpan<PyObject> a, PyTuple? k) => AnyAll("any", a, k, true);
    public static PyObject All(ReadOnlySpan<PyObject> a, PyTuple? k) => AnyAll("all", a, k, false);

    private static PyObject AnyAll(string name, ReadOnlySpan<PyObject> a, PyTuple? k, bool lookFor)
    {
        ArgParser.Positional(name, a, k, 1, 1);
        var it = Ops.GetIter(a[0]);
        try
        {
            while (Ops.Next(it) is { } x)
            {
                bool t;
                try { t = Ops.IsTrue(x); } finally { x.Decref(); }
                if (t == lookFor) return PyBool.From(lookFor);
            }
            return PyBool.From(!lookFor);
        }
        finally { it.Decref(); }
    }

    /// <summary>round(number, ndigits=None): number's __round__ (float.__round__ is correctly rounded, as CPython's).</summary>
    public static PyObject Round(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("round", args, kwnames, 1, 2, "number", "ndigits");
        var x = a[0]!;
        var m = x.Type.Lookup("__round__") ?? throw Exc.TypeError($"type {x.Type.Name} doesn't define __round__ method");
        return a[1] is null || a[1] is PyNone ? Ops.CallSpecial(m, x) : Ops.CallSpecial(m, x, a[1]!);
    }

    /// <summary>divmod(x, y): x.__divmod__(y), then y.__rdivmod__(x) (first when y's type is a subclass of x's), as PyNumber_Divmod.</summary>
    public static PyObject DivMod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("divmod", a, k, 2, 2);
        PyObject x = a[0], y = a[1];
        var direct = x.Type.Lookup("__divmod__");
        var reflected = y.Type != x.Type ? y.Type.Lookup("__rdivmod__") : null;
        if (reflected is not null && direct is not null && y.Type.IsSubtypeOf(x.Type) && !ReferenceEquals(reflected, x.Type.Lookup("__rdivmod__")))
        {
            var r0 = Ops.CallSpecial(reflected, y, x);
            if (!ReferenceEquals(r0, PyNotImplemented.Instance)) return r0;
            r0.Decref();
            reflected = null;
        }
        if (direct is not null)
        {
            var r1 = Ops.CallSpecial(direct, x, y);
            if (!ReferenceEquals(r1, PyNotImplemented.Instance)) return r1;
            r1.Decref();
        }
        if (reflected is not null)
        {
            var r2 = Ops.CallSpecial(reflected, y, x);
            if (!ReferenceEquals(r2, PyNotImplemented.Instance)) return r2;
            r2.Decref();
        }
        throw Exc.TypeError($"unsupported operand type(s) for divmod(): '{x.Type.Name}' and '{y.Type.Name}'");
    }

    public static PyObject Pow(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("pow", args, kwnames, 2, 3, "base", "exp", "mod");
        if (a[2] is null || a[2] is PyNone) return Ops.BinaryOp(a[0]!, a[1]!, BinaryOperation.Power);
        if (a[0] is not PyInt b || a[1] is not PyInt e || a[2] is not PyInt m)
            throw Exc.TypeError("pow() 3rd argument not allowed unless all arguments are integers");
        if (m.Sign == 0) throw Exc.ValueError("pow() 3rd argument cannot be 0");
        var mod = m.ToBig();
        var exp = e.ToBig();
        var bas = b.ToBig();
        if (exp.Sign < 0)
        {
            throw Exc.NotImplementedError("pow() with a negative exponent and a modulus is not supported by ToyPy");
        }
        var r = BigInteger.ModPow(bas, exp, BigInteger.Abs(mod));
        if (r.Sign != 0 && (r.Sign < 0) != (mod.Sign < 0)) r += mod;
        return PyInt.FromBig(r);
    }

    public static PyObject Chr(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("chr", a, k, 1, 1);
        long v = Ops.IndexAsLong(a[0]);
        if (v < 0 || v > 0x10ffff) throw Exc.ValueError("chr() arg not in range(0x110000)");
        return PyStr.FromString(char.ConvertFromUtf32((int)v is >= 0xd800 and <= 0xdfff ? 0xfffd : (int)v));
    }

    public static PyObject Ord(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("ord", a, k, 1, 1);
        if (a[0] is PyStr s)
        {
            if (s.Value.Length == 1) return PyInt.FromLong(s.Value[0]);
            if (s.Value.Length == 2 && char.IsSurrogatePair(s.Value[0], s.Value[1])) return PyInt.FromLong(char.ConvertToUtf32(s.Value[0], s.Value[1]));
            throw Exc.TypeError($"ord() expected a character, but string of length {s.Value.Length} found");
        }
        if (a[0] is PyBytes b)
        {
            if (b.Value.Length == 1) return PyInt.FromLong(b.Value[0]);
            throw Exc.TypeError($"ord() expected a character, but string of length {b.Value.Length} found");
        }
        throw Exc.TypeError($"ord() expected string of length 1, but {a[0].Type.Name} found");
    }

    private static PyObject IntToBase(string name, ReadOnlySpan<PyObject> a, PyTuple? k, int radix, string prefix)
    {
        ArgParser.Positional(name, a, k, 1, 1);
        if (a[0] is not PyInt i)
        {
            if (Ops.TryIndex(a[0], out long idx)) return PyStr.FromString(Formatting.ToBase(new BigInteger(idx), radix, prefix));
            throw Exc.TypeError($"'{a[0].Type.Name}' object cannot be interpreted as an integer");
        }
        return PyStr.FromString(Formatting.ToBase(i.ToBig(), radix, prefix));
    }

    public static PyObject Hex(ReadOnlySpan<PyObject> a, PyTuple? k) => IntToBase("hex", a, k, 16, "0x");
    public static PyObject Oct(ReadOnlySpan<PyObject> a, PyTuple? k) => IntToBase("oct", a, k, 8, "0o");
    public static PyObject Bin(ReadOnlySpan<PyObject> a, PyTuple? k) => IntToBase("bin", a, k, 2, "0b");

    public static PyObject GetAttr(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("getattr", a, k, 2, 3);
        if (a[1] is not PyStr name) throw Exc.TypeError($"attribute name must be string, not '{a[1].Type.Name}'");
        if (a.Length == 2) return Ops.GetAttr(a[0], name);
        try { return Ops.GetAttr(a[0], name); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.AttributeError))
        {
            e.Value.Decref();
            return a[2].NewRef();
        }
    }

    public static PyObject SetAttr(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("setattr", a, k, 3, 3);
        if (a[1] is not PyStr name) throw Exc.TypeError($"attribute name must be string, not '{a[1].Type.Name}'");
        Ops.SetAttr(a[0], name, a[2]);
        return None();
    }

    public static PyObject DelAttr(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("delattr", a, k, 2, 2);
        if (a[1] is not PyStr name) throw Exc.TypeError($"attribute name must be string, not '{a[1].Type.Name}'");
        Ops.SetAttr(a[0], name, null);
        return None();
    }

    public static PyObject HasAttr(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("hasattr", a, k, 2, 2);
        if (a[1] is not PyStr name) throw Exc.TypeError("hasattr(): attribute name must be string");
        try
        {
            var v = Ops.GetAttr(a[0], name);
            v.Decref();
            return PyBool.True.NewRef();
        }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.AttributeError))
        {
            e.Value.Decref();
            return PyBool.False.NewRef();
        }
    }

    public static PyObject Callable(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("callable", a, k, 1, 1);
        return PyBool.From(Ops.IsCallable(a[0]));
    }

    public static PyObject Input(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("input", a, k, 0, 1);
        var ts = PyThreadState.Current;
        var interp = ts.Interp;
        if (a.Length == 1) { interp.Stdout.Write(Ops.StrString(a[0])); }
        interp.Stdout.Flush();
        var stdin = interp.Stdin;
        // Reading a line is a blocking call: other threads run meanwhile.
        var line = BlockingCall.Run(ts, () => stdin.ReadLine());
        if (line is null) throw Exc.EOFError("EOF when reading a line");
        return PyStr.FromString(line);
    }

    public static PyObject Format(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("format", a, k, 1, 2);
        string spec = a.Length == 2 ? (a[1] as PyStr ?? throw Exc.TypeError($"format() argument 2 must be str, not {(a[1] is PyNone ? "None" : a[1].Type.Name)}")).Value : "";
        return Ops.Format(a[0], spec);
    }

    public static PyObject AsciiFn(ReadOnlySpan<PyObject> a, PyTuple? k) { ArgParser.Positional("ascii", a, k, 1, 1); return Ascii(a[0]); }

    public static PyObject Globals(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("globals", a, k, 0, 0);
        return (PyThreadState.Current.CurrentFrame?.Globals ?? throw Exc.SystemError("no frame")).NewRef();
    }

    public static PyObject Locals(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("locals", a, k, 0, 0);
        var frame = PyThreadState.Current.CurrentFrame ?? throw Exc.SystemError("no frame");
        if (frame.Locals is not null) return frame.Locals.NewRef();
        var d = new PyDict();
        var code = frame.Code;
        for (int i = 0; i < code.NLocalsPlus; i++)
        {
            var v = frame.Slots[i];
            if (v is PyCell c && (code.LocalsPlusKinds[i] & (LocalKind.Cell | LocalKind.Free)) != 0) v = c.Contents;
            if (v is not null) d.SetItemString(code.LocalsPlusNames[i], v);
        }
        return d;
    }

    public static PyObject Vars(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("vars", a, k, 0, 1);
        if (a.Length == 0) return Locals(a, k);
        var d = a[0] is PyType t ? t.Dict : a[0].InstanceDict;
        return d?.NewRef() ?? throw Exc.TypeError("vars() argument must have __dict__ attribute");
    }

    public static PyObject Dir(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("dir", a, k, 0, 1);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (a.Length == 0)
        {
            var l0 = Locals(a, k);
            foreach (var (key, _) in ((PyDict)l0).Items()) names.Add(Ops.StrString(key));
            l0.Decref();
        }
        else
        {
            var o = a[0];
            if (o.InstanceDict is { } d) foreach (var (key, _) in d.Items()) names.Add(Ops.StrString(key));
            var types = o is PyType t ? t.Mro : o.Type.Mro;
            foreach (var t2 in types) foreach (var (key, _) in t2.Dict.Items()) names.Add(Ops.StrString(key));
        }
        var list = new PyList();
        foreach (var n in names) list.AppendStealing(PyStr.FromString(n));
        return list;
    }

    /// <summary>__build_class__(func, name, *bases, **kwds): run the class body, then make the class.</summary>
    public static PyObject BuildClass(ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        if (npos < 2) throw Exc.TypeError("__build_class__: not enough arguments");
        if (args[0] is not PyFunction body) throw Exc.TypeError("__build_class__: func must be a function");
        if (args[1] is not PyStr name) throw Exc.TypeError("__build_class__: name is not a string");
        for (int i = 0; i < nkw; i++)
        {
            var kn = ((PyStr)kwnames![i]).Value;
            if (kn == "metaclass" && args[npos + i] == PyTypes.Type) continue;
            throw Exc.NotImplementedError(kn == "metaclass" ? "metaclasses are not supported by ToyPy" : $"class keyword '{kn}' is not supported by ToyPy");
        }
        var bases = PyTuple.FromSpan(args[2..npos]);
        var ns = new PyDict();
        try
        {
            var ts = PyThreadState.Current;
            var cell = ts.RunClassBody(body, ns);
            try
            {
                return TypeAttributes.MakeClass(name.Value, bases, ns);
            }
            finally { cell.Decref(); }
        }
        finally
        {
            bases.Decref();
            ns.Decref();
        }
    }

    /// <summary>The builtins module with its namespace.</summary>
    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("builtins");
        var fns = new (string, BuiltinFn)[]
        {
            ("print", Print), ("len", Len), ("repr", Repr), ("isinstance", IsInstance), ("issubclass", IsSubclass),
            ("id", Id), ("hash", Hash), ("abs", Abs), ("min", Min), ("max", Max), ("sum", Sum), ("sorted", Sorted),
            ("iter", Iter), ("next", Next), ("any", Any), ("all", All), ("round", Round), ("divmod", DivMod),
            ("pow", Pow), ("chr", Chr), ("ord", Ord), ("hex", Hex), ("oct", Oct), ("bin", Bin),
            ("getattr", GetAttr), ("setattr", SetAttr), ("delattr", DelAttr), ("hasattr", HasAttr),
            ("callable", Callable), ("input", Input), ("format", Format), ("ascii", AsciiFn), ("open", FileIO.Open),
            ("globals", Globals), ("locals", Locals), ("vars", Vars), ("dir", Dir),
            ("__build_class__", BuildClass), ("exit", Sys.Exit), ("quit", Sys.Exit),
        };
        foreach (var (name, fn) in fns) m.AddFunction(name, fn);
        var types = new (string, PyType)[]
        {
            ("object", PyTypes.Object), ("type", PyTypes.Type), ("int", PyTypes.Int), ("bool", PyTypes.Bool),
            ("float", PyTypes.Float), ("str", PyTypes.Str), ("bytes", PyTypes.Bytes), ("tuple", PyTypes.Tuple),
            ("list", PyTypes.List), ("dict", PyTypes.Dict), ("set", PyTypes.Set), ("frozenset", PyTypes.FrozenSet),
            ("range", PyTypes.Range), ("slice", PyTypes.Slice), ("property", PyTypes.Property),
            ("staticmethod", PyTypes.StaticMethod), ("classmethod", PyTypes.ClassMethod), ("super", PyTypes.Super),
            ("enumerate", PyLazyIterator.EnumerateType), ("zip", PyLazyIterator.ZipType), ("map", PyLazyIterator.MapType),
            ("filter", PyLazyIterator.FilterType), ("reversed", PyLazyIterator.ReversedType),
        };
        foreach (var (name, t) in types) m.Dict.SetItemString(name, t);
        foreach (var t in ExceptionTypes.All()) m.Dict.SetItemString(t.Name, t);
        m.Dict.SetItemString("None", PyNone.Instance);
        m.Dict.SetItemString("True", PyBool.True);
        m.Dict.SetItemString("False", PyBool.False);
        m.Dict.SetItemString("Ellipsis", PyEllipsis.Instance);
        m.Dict.SetItemString("NotImplemented", PyNotImplemented.Instance);
        m.Dict.SetItemString("__debug__", PyBool.True);
        m.Dict.SetItemString("EnvironmentError", ExceptionTypes.OSError);
        m.Dict.SetItemString("IOError", ExceptionTypes.OSError);
        return m;
    }
}

/// <summary>list.sort / sorted: a stable merge sort using only `&lt;`, like CPython's timsort contract.</summary>
public static class ListSort
{
    public static void Sort(PyList list, ReadOnlySpan<PyObject> kwargs, PyTuple? kwnames)
    {
        PyObject? key = null;
        bool reverse = false;
        for (int i = 0; i < (kwnames?.Count ?? 0); i++)
        {
            var kn = ((PyStr)kwnames![i]).Value;
            if (kn == "key") key = kwargs[i] is PyNone ? null : kwargs[i];
            else if (kn == "reverse") reverse = Ops.IsTrue(kwargs[i]);
            else throw Exc.TypeError($"'{kn}' is an invalid keyword argument for sort()");
        }
        if (kwargs.Length != (kwnames?.Count ?? 0)) throw Exc.TypeError("sort() takes no positional arguments");
        // As CPython's listsort: the list is empty while it sorts (a key function
        // or __lt__ that looks at it sees []), and anything added meanwhile is
        // dropped and reported; so no other code, or thread, sees items half moved.
        var (items, n) = list.TakeItems();
        var result = items;
        var keys = new PyObject[n];
        int made = 0, added;
        try
        {
            for (; made < n; made++) keys[made] = key is null ? items[made].NewRef() : Ops.Call1(key, items[made]);
            var idx = new int[n];
            for (int i = 0; i < n; i++) idx[i] = i;
            // reverse=True keeps stability by reversing before and after an ascending sort, as CPython does.
            if (reverse) Array.Reverse(idx);
            var tmp = new int[n];
            MergeSort(idx, tmp, 0, n, keys, false);
            if (reverse) Array.Reverse(idx);
            var sorted = new PyObject[items.Length];
            for (int i = 0; i < n; i++) sorted[i] = items[idx[i]];
            result = sorted;
        }
        finally
        {
            for (int i = 0; i < made; i++) keys[i].Decref();
            var extra = list.RestoreItems(result, n);
            added = extra.Length;
            foreach (var o in extra) o.Decref();
        }
        if (added > 0) throw Exc.ValueError("list modified during sort");
    }

    private static bool Less(PyObject a, PyObject b)
    {
        if (a.Type == PyTypes.Int && b.Type == PyTypes.Int && !((PyInt)a).IsBig && !((PyInt)b).IsBig)
            return ((PyInt)a).Value < ((PyInt)b).Value;
        if (a is PyStr sa && b is PyStr sb) return string.CompareOrdinal(sa.Value, sb.Value) < 0;
        return Ops.RichCompareBool(a, b, ComparisonOperation.Lt);
    }

    private static void MergeSort(int[] idx, int[] tmp, int lo, int hi, PyObject[] keys, bool reverse)
    {
        if (hi - lo < 2) return;
        if (hi - lo <= 16)
        {
            for (int i = lo + 1; i < hi; i++)
            {
                int v = idx[i];
                int j = i - 1;
                while (j >= lo && (reverse ? Less(keys[idx[j]], keys[v]) : Less(keys[v], keys[idx[j]]))) { idx[j + 1] = idx[j]; j--; }
                idx[j + 1] = v;
            }
            return;
        }
        int mid = (lo + hi) / 2;
        MergeSort(idx, tmp, lo, mid, keys, reverse);
        MergeSort(idx, tmp, mid, hi, keys, reverse);
        int a = lo, b = mid, k = lo;
        while (a < mid && b < hi)
        {
            bool takeB = reverse ? Less(keys[idx[a]], keys[idx[b]]) : Less(keys[idx[b]], keys[idx[a]]);
            tmp[k++] = takeB ? idx[b++] : idx[a++];
        }
        while (a < mid) tmp[k++] = idx[a++];
        while (b < hi) tmp[k++] = idx[b++];
        Array.Copy(tmp, lo, idx, lo, hi - lo);
    }
}
