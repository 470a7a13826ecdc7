using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// The abstract object layer (Objects/abstract.c, Objects/object.c): every
/// operation the VM and the library perform on arbitrary objects. Builtin
/// types answer through their C# virtuals; instances of heap types (classes
/// written in Python) answer through their dunder methods, so user overrides
/// always win. Results are new references unless the name says otherwise.
/// </summary>
public static class Ops
{
    // ------------------------------------------------------------------ dunder dispatch helpers

    /// <summary>The special method on o's type (borrowed), for heap types only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PyObject? Special(PyObject o, string name) => o.Type.IsHeapType ? o.Type.Lookup(name) : null;

    /// <summary>Call a special method found on the type with self prepended.</summary>
    public static PyObject CallSpecial(PyObject method, PyObject self)
    {
        Span<PyObject> a = [self];
        return CallUnbound(method, a);
    }

    public static PyObject CallSpecial(PyObject method, PyObject self, PyObject arg)
    {
        Span<PyObject> a = [self, arg];
        return CallUnbound(method, a);
    }

    public static PyObject CallSpecial(PyObject method, PyObject self, PyObject arg1, PyObject arg2)
    {
        Span<PyObject> a = [self, arg1, arg2];
        return CallUnbound(method, a);
    }

    /// <summary>Call an attribute found on a type, binding it to args[0] as its descriptor protocol says.</summary>
    private static PyObject CallUnbound(PyObject method, ReadOnlySpan<PyObject> argsWithSelf)
    {
        switch (method)
        {
            case PyFunction or PyMethodDescriptor:
                return Call(method, argsWithSelf, null);
            case PyStaticMethod sm:
                return Call(sm.Func, argsWithSelf[1..], null);
            default:
                if (!method.IsDescriptor) return Call(method, argsWithSelf[1..], null);
                var bound = method.DescrGet(argsWithSelf[0], argsWithSelf[0].Type);
                try { return Call(bound, argsWithSelf[1..], null); }
                finally { bound.Decref(); }
        }
    }

    /// <summary>Call function-like attr (from a type dict) as a method of self with one argument.</summary>
    public static PyObject CallMethodObject(PyObject method, PyObject self, PyObject arg) => CallSpecial(method, self, arg);

    // ------------------------------------------------------------------ repr / str / hash / truth

    public static PyStr Repr(PyObject o)
    {
        var m = Special(o, "__repr__");
        if (m is null) return o.Repr();
        var r = CallSpecial(m, o);
        if (r is PyStr s) return s;
        r.Decref();
        throw Exc.TypeError($"__repr__ returned non-string (type {r.Type.Name})");
    }

    public static PyStr Str(PyObject o)
    {
        if (o is PyStr s0 && o.Type == PyTypes.Str) { s0.Incref(); return s0; }
        var m = Special(o, "__str__");
        if (m is null) return o.Str();
        var r = CallSpecial(m, o);
        if (r is PyStr s) return s;
        r.Decref();
        throw Exc.TypeError($"__str__ returned non-string (type {r.Type.Name})");
    }

    public static string ReprString(PyObject o) { var s = Repr(o); var v = s.Value; s.Decref(); return v; }
    public static string StrString(PyObject o) { var s = Str(o); var v = s.Value; s.Decref(); return v; }

    public static long Hash(PyObject o)
    {
        if (o is PyStr s) return s.Hash();
        if (!o.Type.IsHeapType) return o.Hash();
        var m = o.Type.Lookup("__hash__");
        if (m is null || m is PyNone) throw Exc.TypeError($"unhashable type: '{o.Type.Name}'");
        using var r = new TempRef(CallSpecial(m, o));
        if (r.Value is not PyInt i) throw Exc.TypeError("__hash__ method should return an integer");
        long h = i.IsBig ? i.Hash() : i.Value;
        return h == -1 ? -2 : h;
    }

    public static bool IsTrue(PyObject o)
    {
        if (ReferenceEquals(o, PyBool.True)) return true;
        if (ReferenceEquals(o, PyBool.False) || ReferenceEquals(o, PyNone.Instance)) return false;
        if (!o.Type.IsHeapType) return o.IsTrue();
        var m = o.Type.Lookup("__bool__");
        if (m is not null)
        {
            using var r = new TempRef(CallSpecial(m, o));
            if (r.Value is not PyBool b) throw Exc.TypeError($"__bool__ should return bool, returned {r.Value.Type.Name}");
            return b.Value != 0;
        }
        m = o.Type.Lookup("__len__");
        if (m is not null) return Length(o) != 0;
        return o.IsTrue();
    }

    // ------------------------------------------------------------------ comparison

    public static bool CompareResult(int c, ComparisonOperation op) => op switch
    {
        ComparisonOperation.Lt => c < 0, ComparisonOperation.Le => c <= 0,
        ComparisonOperation.Eq => c == 0, ComparisonOperation.Ne => c != 0,
        ComparisonOperation.Gt => c > 0, _ => c >= 0,
    };

    private static readonly string[] s_compareDunders = { "__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__" };
    private static readonly ComparisonOperation[] s_swapped =
        { ComparisonOperation.Gt, ComparisonOperation.Ge, ComparisonOperation.Eq, ComparisonOperation.Ne, ComparisonOperation.Lt, ComparisonOperation.Le };
    private static readonly string[] s_compareSymbols = { "<", "<=", "==", "!=", ">", ">=" };

    private static PyObject TryCompare(PyObject a, PyObject b, ComparisonOperation op)
    {
        if (!a.Type.IsHeapType) return a.RichCompare(b, op);
        var m = a.Type.Lookup(s_compareDunders[(int)op]);
        if (m is null) return a.RichCompare(b, op);
        return CallSpecial(m, a, b);
    }

    /// <summary>do_richcompare: a op b with the reflected attempt and the identity fallback for == and !=.</summary>
    public static PyObject RichCompare(PyObject a, PyObject b, ComparisonOperation op)
    {
        bool checkedReverse = false;
        PyObject r;
        if (!ReferenceEquals(a.Type, b.Type) && b.Type.IsSubtypeOf(a.Type))
        {
            checkedReverse = true;
            r = TryCompare(b, a, s_swapped[(int)op]);
            if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
            r.Decref();
        }
        r = TryCompare(a, b, op);
        if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
        r.Decref();
        if (!checkedReverse)
        {
            r = TryCompare(b, a, s_swapped[(int)op]);
            if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
            r.Decref();
        }
        switch (op)
        {
            case ComparisonOperation.Eq: return PyBool.From(ReferenceEquals(a, b));
            case ComparisonOperation.Ne: return PyBool.From(!ReferenceEquals(a, b));
        }
        throw Exc.TypeError($"'{s_compareSymbols[(int)op]}' not supported between instances of '{a.Type.Name}' and '{b.Type.Name}'");
    }

    public static bool RichCompareBool(PyObject a, PyObject b, ComparisonOperation op)
    {
        if (ReferenceEquals(a, b))
        {
            if (op == ComparisonOperation.Eq) return true;
            if (op == ComparisonOperation.Ne) return false;
        }
        var r = RichCompare(a, b, op);
        try { return IsTrue(r); } finally { r.Decref(); }
    }

    /// <summary>a == b as a bool (identity implies equality, as PyObject_RichCompareBool).</summary>
    public static bool Equal(PyObject a, PyObject b)
    {
        if (ReferenceEquals(a, b)) return true;
        if (a is PyStr sa && b is PyStr sb) return string.Equals(sa.Value, sb.Value);
        if (a.Type == PyTypes.Int && b.Type == PyTypes.Int)
        {
            var ia = (PyInt)a; var ib = (PyInt)b;
            if (!ia.IsBig && !ib.IsBig) return ia.Value == ib.Value;
        }
        return RichCompareBool(a, b, ComparisonOperation.Eq);
    }

    /// <summary>Lexicographic comparison of two sequences (list and tuple richcompare).</summary>
    public static PyObject CompareSequences(PyObject[] a, PyObject[] b, ComparisonOperation op)
    {
        int na = a.Length, nb = b.Length;
        if ((op == ComparisonOperation.Eq || op == ComparisonOperation.Ne) && na != nb)
            return PyBool.From(op == ComparisonOperation.Ne);
        int i = 0;
        for (; i < na && i < nb; i++)
            if (!Equal(a[i], b[i])) break;
        if (i >= na || i >= nb) return PyBool.From(CompareResult(na.CompareTo(nb), op));
        if (op == ComparisonOperation.Eq) return PyBool.False.NewRef();
        if (op == ComparisonOperation.Ne) return PyBool.True.NewRef();
        return RichCompare(a[i], b[i], op);
    }

    // ------------------------------------------------------------------ arithmetic

    private static readonly string[] s_binaryDunders =
        { "__add__", "__and__", "__floordiv__", "__lshift__", "__matmul__", "__mul__", "__mod__", "__or__", "__pow__", "__rshift__", "__sub__", "__truediv__", "__xor__" };
    private static readonly string[] s_reflectedDunders =
        { "__radd__", "__rand__", "__rfloordiv__", "__rlshift__", "__rmatmul__", "__rmul__", "__rmod__", "__ror__", "__rpow__", "__rrshift__", "__rsub__", "__rtruediv__", "__rxor__" };
    private static readonly string[] s_inplaceDunders =
        { "__iadd__", "__iand__", "__ifloordiv__", "__ilshift__", "__imatmul__", "__imul__", "__imod__", "__ior__", "__ipow__", "__irshift__", "__isub__", "__itruediv__", "__ixor__" };
    private static readonly string[] s_opSymbols = { "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^" };

    public static string OperatorSymbol(BinaryOperation op) => s_opSymbols[(int)op % 13];

    private static PyObject Slot(PyObject self, BinaryOperation op, PyObject other, bool reflected)
    {
        if (!self.Type.IsHeapType) return self.NumberOp(op, other, reflected);
        var m = self.Type.Lookup(reflected ? s_reflectedDunders[(int)op] : s_binaryDunders[(int)op]);
        if (m is null) return self.NumberOp(op, other, reflected);
        return CallSpecial(m, self, other);
    }

    /// <summary>binary_op1: a.__op__(b), then b.__rop__(a) (subclass first), NotImplemented if neither.</summary>
    private static PyObject BinaryOp1(PyObject a, PyObject b, BinaryOperation op)
    {
        bool sameType = ReferenceEquals(a.Type, b.Type);
        if (!sameType && b.Type.IsSubtypeOf(a.Type) && b.Type.IsHeapType)
        {
            var r0 = Slot(b, op, a, true);
            if (!ReferenceEquals(r0, PyNotImplemented.Instance)) return r0;
            r0.Decref();
            sameType = true; // do not try the reflected one again
        }
        var r = Slot(a, op, b, false);
        if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
        r.Decref();
        if (!sameType)
        {
            // binary_op1: the reflected slot is tried only when b's type differs.
            r = Slot(b, op, a, true);
            if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
            r.Decref();
        }
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>a op b for any BinaryOp argument (in-place variants try __iop__ first).</summary>
    public static PyObject BinaryOp(PyObject a, PyObject b, BinaryOperation op)
    {
        bool inplace = op >= BinaryOperation.InplaceAdd;
        var baseOp = inplace ? op - 13 : op;
        if (inplace)
        {
            PyObject ir;
            if (a.Type.IsHeapType)
            {
                var m = a.Type.Lookup(s_inplaceDunders[(int)baseOp]);
                ir = m is null ? PyNotImplemented.Instance.NewRef() : CallSpecial(m, a, b);
            }
            else ir = a.InplaceNumberOp(baseOp, b);
            if (!ReferenceEquals(ir, PyNotImplemented.Instance)) return ir;
            ir.Decref();
        }
        var r = BinaryOp1(a, b, baseOp);
        if (!ReferenceEquals(r, PyNotImplemented.Instance)) return r;
        r.Decref();
        if (baseOp == BinaryOperation.Multiply && (IsSequence(a) || IsSequence(b)))
            throw Exc.TypeError($"can't multiply sequence by non-int of type '{(IsSequence(a) ? b : a).Type.Name}'");
        string sym = s_opSymbols[(int)baseOp] + (inplace ? "=" : "");
        if (baseOp == BinaryOperation.Power && !inplace) sym = "** or pow()";
        throw Exc.TypeError($"unsupported operand type(s) for {sym}: '{a.Type.Name}' and '{b.Type.Name}'");
    }

    private static bool IsSequence(PyObject o) => o is PyStr or PyList or PyTuple or PyBytes;

    public static PyObject Negative(PyObject o) => Special(o, "__neg__") is { } m ? CallSpecial(m, o) : o.Negative();
    public static PyObject Positive(PyObject o) => Special(o, "__pos__") is { } m ? CallSpecial(m, o) : o.Positive();
    public static PyObject Invert(PyObject o) => Special(o, "__invert__") is { } m ? CallSpecial(m, o) : o.Invert();
    public static PyObject Absolute(PyObject o) => Special(o, "__abs__") is { } m ? CallSpecial(m, o) : o.Absolute();

    // ------------------------------------------------------------------ attributes

    private static bool IsDunder(string s, string name) => s.Length == name.Length && s == name;

    /// <summary>PyObject_GenericGetAttr: data descriptors on the type, then the instance dict, then other type attributes. Null when missing.</summary>
    public static PyObject? GenericGetAttr(PyObject o, PyStr name)
    {
        var tp = o.Type;
        var descr = tp.Lookup(name.Value);
        if (descr is not null && descr.IsDataDescriptor) return descr.DescrGet(o, tp);
        PyDict? dict = o is PyInstance pi ? pi.Dict : o.InstanceDict;
        if (dict is not null)
        {
            var v = dict.GetItemStrRef(name);
            if (v is not null) return v;
        }
        if (descr is not null) return descr.IsDescriptor ? descr.DescrGet(o, tp) : RefMode.Biased ? tp.LookupRef(name.Value) : descr.NewRef();
        string n = name.Value;
        if (n.Length > 4 && n[0] == '_' && n[1] == '_')
        {
            if (IsDunder(n, "__class__")) return tp.NewRef();
            if (IsDunder(n, "__dict__") && o.InstanceDict is { } d) return d.NewRef();
            if (IsDunder(n, "__doc__")) return PyNone.Instance.NewRef();
        }
        if (tp.IsHeapType && tp.Lookup("__getattr__") is { } getattr)
        {
            try { return CallSpecial(getattr, o, name); }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.AttributeError)) { e.Value.Decref(); return null; }
        }
        return null;
    }

    public static void GenericSetAttr(PyObject o, PyStr name, PyObject? value)
    {
        var tp = o.Type;
        var descr = tp.Lookup(name.Value);
        if (descr is not null && descr.IsDataDescriptor) { descr.DescrSet(o, value); return; }
        var dict = o.InstanceDict;
        if (dict is null)
        {
            if (descr is not null) throw Exc.AttributeError($"'{tp.Name}' object attribute '{name.Value}' is read-only");
            throw Exc.AttributeError($"'{tp.Name}' object has no attribute '{name.Value}'");
        }
        if (value is null)
        {
            var old = dict.Pop(name) ?? throw Exc.AttributeError($"'{tp.Name}' object has no attribute '{name.Value}'");
            old.Decref();
        }
        else dict.SetItem(name, value);
    }

    public static PyException AttributeErrorFor(PyObject o, PyStr name)
    {
        if (o is PyModule m) return Exc.AttributeError($"module '{m.Name}' has no attribute '{name.Value}'");
        if (o is PyType t) return Exc.AttributeError($"type object '{t.Name}' has no attribute '{name.Value}'");
        return Exc.AttributeError($"'{o.Type.Name}' object has no attribute '{name.Value}'");
    }

    /// <summary>getattr(o, name): new reference or AttributeError.</summary>
    public static PyObject GetAttr(PyObject o, PyStr name)
    {
        if (o.Type.IsHeapType && o.Type.Lookup("__getattribute__") is PyFunction ga)
            return CallSpecial(ga, o, name);
        return o.GetAttr(name) ?? throw AttributeErrorFor(o, name);
    }

    public static PyObject? GetAttrOrNull(PyObject o, string name)
    {
        var n = PyStr.Intern(name);
        try { return GetAttrOrNull(o, n); } finally { n.Decref(); }
    }

    public static PyObject? GetAttrOrNull(PyObject o, PyStr name)
    {
        try { return o.GetAttr(name); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.AttributeError)) { e.Value.Decref(); return null; }
    }

    public static PyObject GetAttr(PyObject o, string name)
    {
        var n = PyStr.Intern(name);
        try { return GetAttr(o, n); } finally { n.Decref(); }
    }

    public static void SetAttr(PyObject o, PyStr name, PyObject? value)
    {
        if (o.Type.IsHeapType)
        {
            var m = o.Type.Lookup(value is null ? "__delattr__" : "__setattr__");
            if (m is PyFunction)
            {
                (value is null ? CallSpecial(m, o, name) : CallSpecial(m, o, name, value)).Decref();
                return;
            }
        }
        o.SetAttr(name, value);
    }

    // ------------------------------------------------------------------ items, length, containment

    public static PyObject GetItem(PyObject o, PyObject key)
    {
        if (o.Type.IsHeapType)
        {
            var m = o.Type.Lookup("__getitem__");
            if (m is not null) return CallSpecial(m, o, key);
        }
        if (o is PyType t && !o.Type.IsHeapType)
        {
            // list[int] and friends (PEP 585): returned as the class itself, enough for annotations.
            if (t == PyTypes.List || t == PyTypes.Dict || t == PyTypes.Tuple || t == PyTypes.Set || t == PyTypes.Type) return t.NewRef();
        }
        return o.GetItem(key);
    }

    public static void SetItem(PyObject o, PyObject key, PyObject value)
    {
        if (o.Type.IsHeapType && o.Type.Lookup("__setitem__") is { } m) { CallSpecial(m, o, key, value).Decref(); return; }
        o.SetItem(key, value);
    }

    public static void DelItem(PyObject o, PyObject key)
    {
        if (o.Type.IsHeapType && o.Type.Lookup("__delitem__") is { } m) { CallSpecial(m, o, key).Decref(); return; }
        o.DelItem(key);
    }

    public static long Length(PyObject o)
    {
        if (o.Type.IsHeapType && o.Type.Lookup("__len__") is { } m)
        {
            using var r = new TempRef(CallSpecial(m, o));
            if (r.Value is not PyInt i) throw Exc.TypeError($"'{r.Value.Type.Name}' object cannot be interpreted as an integer");
            if (i.Sign < 0) throw Exc.ValueError("__len__() should return >= 0");
            return i.AsLong();
        }
        return o.Length();
    }

    /// <summary>`item in container`.</summary>
    public static bool Contains(PyObject container, PyObject item)
    {
        if (container.Type.IsHeapType)
        {
            if (container.Type.Lookup("__contains__") is { } m)
            {
                using var r = new TempRef(CallSpecial(m, container, item));
                return IsTrue(r.Value);
            }
            return ContainsByIteration(container, item);
        }
        return container.Contains(item);
    }

    public static bool ContainsByIteration(PyObject container, PyObject item)
    {
        PyObject it;
        try { it = GetIter(container); }
        catch (PyException e) when (e.Value.Type == ExceptionTypes.TypeError && !container.Type.IsHeapType)
        {
            e.Value.Decref();
            throw Exc.TypeError($"argument of type '{container.Type.Name}' is not iterable");
        }
        try
        {
            while (Next(it) is { } x)
            {
                bool eq;
                try { eq = Equal(x, item); } finally { x.Decref(); }
                if (eq) return true;
            }
            return false;
        }
        finally { it.Decref(); }
    }

    // ------------------------------------------------------------------ iteration

    public static PyObject GetIter(PyObject o)
    {
        if (o.Type.IsHeapType)
        {
            if (o.Type.Lookup("__iter__") is { } m)
            {
                var r = CallSpecial(m, o);
                if (!r.Type.IsHeapType || r.Type.Lookup("__next__") is null)
                {
                    if (r.Type.IsHeapType) { r.Decref(); throw Exc.TypeError($"iter() returned non-iterator of type '{r.Type.Name}'"); }
                }
                return r;
            }
            if (o.Type.Lookup("__getitem__") is not null) return new PyGetItemIterator(o);
        }
        return o.GetIter();
    }

    /// <summary>next(it): a new reference, or null when the iterator is exhausted (StopIteration from a Python __next__ is absorbed).</summary>
    public static PyObject? Next(PyObject it)
    {
        if (!it.Type.IsHeapType) return it.Next();
        var m = it.Type.Lookup("__next__");
        if (m is null) throw Exc.TypeError($"'{it.Type.Name}' object is not an iterator");
        try { return CallSpecial(m, it); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.StopIteration)) { e.Value.Decref(); return null; }
    }

    // ------------------------------------------------------------------ calls

    public static PyObject Call(PyObject callable, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (callable.Type.IsHeapType)
        {
            var m = callable.Type.Lookup("__call__") ?? throw Exc.TypeError($"'{callable.Type.Name}' object is not callable");
            var all = new PyObject[args.Length + 1];
            all[0] = callable;
            args.CopyTo(all.AsSpan(1));
            if (m is PyFunction or PyMethodDescriptor) return Call(m, all, kwnames);
            var bound = m.DescrGet(callable, callable.Type);
            try { return Call(bound, args, kwnames); } finally { bound.Decref(); }
        }
        return callable.Call(args, kwnames);
    }

    /// <summary>_PyObject_FunctionStr: how call errors name a callable ("mod.qualname()", or "qualname()" for builtins).</summary>
    public static string FunctionStr(PyObject f)
    {
        try
        {
            var qualname = GetAttrOrNull(f, "__qualname__");
            if (qualname is null) return StrString(f);
            string q = StrString(qualname);
            qualname.Decref();
            var module = GetAttrOrNull(f, "__module__");
            string? m = module is PyStr ms ? ms.Value : null;
            module?.Decref();
            return m is not null && m != "builtins" ? $"{m}.{q}()" : $"{q}()";
        }
        catch (PyException e)
        {
            e.Value.Decref();
            return f.Type.Name + "()";
        }
    }

    /// <summary>Whether iter(o) can work: the type has __iter__ or __getitem__ (tp_iter or the sequence protocol).</summary>
    public static bool IsIterable(PyObject o) =>
        o is PyList or PyTuple or PyStr or PyBytes or PyDict or PySet or PyRange or PyGenerator
        || o.Type.Lookup("__iter__") is not null || o.Type.Lookup("__getitem__") is not null;

    /// <summary>callable(*args, **kwargs) (CALL_FUNCTION_EX, PyObject_Call): all borrowed; answers a new reference.</summary>
    public static PyObject CallWithDict(PyObject callable, PyTuple args, PyDict? kwargs)
    {
        if (kwargs is null || kwargs.Count == 0) return Call(callable, args.Items, null);
        var all = new PyObject[args.Count + kwargs.Count];
        var knames = new PyObject[kwargs.Count];
        args.Items.CopyTo(all, 0);
        int k = 0;
        foreach (var (key, value) in kwargs.Items())
        {
            if (key is not PyStr) { for (int i = 0; i < k; i++) knames[i].Decref(); throw Exc.TypeError("keywords must be strings"); }
            all[args.Count + k] = value;
            knames[k++] = key.NewRef();
        }
        using var names = new TempRef(PyTuple.Create(knames));
        return Call(callable, all, (PyTuple)names.Value);
    }

    public static PyObject Call0(PyObject f) => Call(f, ReadOnlySpan<PyObject>.Empty, null);
    public static PyObject Call1(PyObject f, PyObject a) { Span<PyObject> s = [a]; return Call(f, s, null); }
    public static PyObject Call2(PyObject f, PyObject a, PyObject b) { Span<PyObject> s = [a, b]; return Call(f, s, null); }

    /// <summary>o.name(*args)</summary>
    public static PyObject CallMethod(PyObject o, string name, ReadOnlySpan<PyObject> args)
    {
        using var m = new TempRef(GetAttr(o, name));
        return Call(m.Value, args, null);
    }

    public static bool IsCallable(PyObject o)
    {
        if (o.Type.IsHeapType) return o.Type.Lookup("__call__") is not null;
        return o is PyFunction or PyBuiltinFunction or PyMethodDescriptor or PyBoundMethod or PyType or PyStaticMethod;
    }

    // ------------------------------------------------------------------ conversions

    public static PyTuple ToTuple(PyObject o)
    {
        if (o is PyTuple t && o.Type == PyTypes.Tuple) { t.Incref(); return t; }
        if (o is PyList l) return l.SnapshotTuple();
        var list = ToList(o);
        try { return PyTuple.FromSpan(list.Items.AsSpan(0, list.Count)); }
        finally { list.Decref(); }
    }

    public static PyList ToList(PyObject o)
    {
        var l = new PyList();
        try { l.Extend(o); } catch { l.Decref(); throw; }
        return l;
    }

    /// <summary>int(x) for one argument.</summary>
    public static PyObject ToInt(PyObject o)
    {
        switch (o)
        {
            case PyInt i: return i.Type == PyTypes.Int ? i.NewRef() : i.IsBig ? PyInt.FromBig(i.Big) : PyInt.FromLong(i.Value);
            case PyFloat f:
                if (double.IsNaN(f.Value)) throw Exc.ValueError("cannot convert float NaN to integer");
                if (double.IsInfinity(f.Value)) throw Exc.OverflowError("cannot convert float infinity to integer");
                var tr = Math.Truncate(f.Value);
                return Math.Abs(tr) < 9e18 ? PyInt.FromLong((long)tr) : PyInt.FromBig(new System.Numerics.BigInteger(tr));
            case PyStr s: return PyInt.ParseIntLiteral(s.Value, 10);
            case PyBytes b: return PyInt.ParseIntLiteral(b.AsLatin1(), 10);
        }
        foreach (var name in new[] { "__int__", "__index__", "__trunc__" })
            if (Special(o, name) is { } m) return CallSpecial(m, o);
        throw Exc.TypeError($"int() argument must be a string, a bytes-like object or a real number, not '{o.Type.Name}'");
    }

    public static PyObject ToFloat(PyObject o)
    {
        switch (o)
        {
            case PyFloat f: return f.NewRef();
            case PyInt i: return PyFloat.FromDouble(i.AsDouble());
            case PyStr s: return PyFloat.FromDouble(PyFloat.ParseFloat(s.Value));
        }
        if (Special(o, "__float__") is { } m) return CallSpecial(m, o);
        throw Exc.TypeError($"float() argument must be a string or a real number, not '{o.Type.Name}'");
    }

    /// <summary>operator.index: ints (and bools) and objects with __index__.</summary>
    public static bool TryIndex(PyObject o, out long value)
    {
        if (o is PyInt i && !i.IsBig) { value = i.Value; return true; }
        if (Special(o, "__index__") is { } m)
        {
            using var r = new TempRef(CallSpecial(m, o));
            if (r.Value is PyInt ri && !ri.IsBig) { value = ri.Value; return true; }
        }
        value = 0;
        return false;
    }

    /// <summary>PyNumber_Index as a BigInteger: ints (and bools) and objects with __index__, of any size.</summary>
    public static System.Numerics.BigInteger IndexAsBig(PyObject o)
    {
        if (o is PyInt i) return i.ToBig();
        if (Special(o, "__index__") is { } m)
        {
            using var r = new TempRef(CallSpecial(m, o));
            if (r.Value is PyInt ri) return ri.ToBig();
            throw Exc.TypeError($"__index__ returned non-int (type {r.Value.Type.Name})");
        }
        throw Exc.TypeError($"'{o.Type.Name}' object cannot be interpreted as an integer");
    }

    public static long IndexAsLong(PyObject o)
    {
        if (o is PyInt i) return i.IsBig ? throw Exc.New(ExceptionTypes.IndexError, $"cannot fit 'int' into an index-sized integer") : i.Value;
        if (TryIndex(o, out long v)) return v;
        throw Exc.TypeError($"'{o.Type.Name}' object cannot be interpreted as an integer");
    }

    public static int IndexAsInt(PyObject o)
    {
        long v = IndexAsLong(o);
        if (v > int.MaxValue || v < int.MinValue) throw Exc.OverflowError("Python int too large to convert to C int");
        return (int)v;
    }

    /// <summary>Slice bounds clamp big ints instead of failing.</summary>
    public static long IndexAsLongForSlice(PyObject o)
    {
        if (o is PyInt i) return i.IsBig ? (i.Sign > 0 ? long.MaxValue / 2 : long.MinValue / 2) : i.Value;
        if (TryIndex(o, out long v)) return v;
        throw Exc.TypeError("slice indices must be integers or None or have an __index__ method");
    }

    public static bool IsInstance(PyObject o, PyType t) => o.Type.IsSubtypeOf(t);

    /// <summary>format(value, spec): __format__ of heap types, the format mini-language for builtin types.</summary>
    public static PyStr Format(PyObject value, string spec)
    {
        if (value.Type.IsHeapType && value.Type.Lookup("__format__") is { } m)
        {
            using var specObj = new TempRef(PyStr.FromString(spec));
            var r = CallSpecial(m, value, specObj.Value);
            if (r is PyStr s) return s;
            r.Decref();
            throw Exc.TypeError($"__format__ must return a str, not {r.Type.Name}");
        }
        return Formatting.FormatBuiltin(value, spec);
    }
}

/// <summary>The iterator for classes that only define __getitem__ (the old sequence protocol).</summary>
public sealed class PyGetItemIterator : PyObject
{
    private PyObject? _seq;
    private long _i;
    public PyGetItemIterator(PyObject seq) : base(PyTypes.Iterator) { seq.Incref(); _seq = seq; }
    public override PyObject GetIter() => NewRef();
    public override PyObject? Next()
    {
        if (_seq is null) return null;
        using var idx = new TempRef(PyInt.FromLong(_i++));
        try { return Ops.GetItem(_seq, idx.Value); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.IndexError) || e.Value.Type.IsSubtypeOf(ExceptionTypes.StopIteration))
        {
            e.Value.Decref();
            var s = _seq; _seq = null; s.Decref();
            return null;
        }
    }
    public override void Traverse(Action<PyObject> visit) { if (_seq is not null) visit(_seq); }
    protected internal override void ClearReferences() { var s = _seq; _seq = null; s?.Decref(); }
}
