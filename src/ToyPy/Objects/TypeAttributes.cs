using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// The behaviour of `type` and `object` (Objects/typeobject.c): calling a
/// class, attribute lookup on classes, object's default methods, and
/// building a class from a class statement (__build_class__).
/// </summary>
public static class TypeAttributes
{
    /// <summary>object(): a featureless instance.</summary>
    public static PyObject NewObject(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (args.Length > 0) throw Exc.TypeError("object() takes no arguments");
        return new PyInstance(type);
    }

    /// <summary>type(x) gives x's type; type(name, bases, dict) makes a class.</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (args.Length == 1 && (kwnames is null || kwnames.Count == 0)) return args[0].Type.NewRef();
        if (args.Length != 3) throw Exc.TypeError("type() takes 1 or 3 arguments");
        if (args[0] is not PyStr name) throw Exc.TypeError($"type.__new__() argument 1 must be str, not {args[0].Type.Name}");
        if (args[1] is not PyTuple bases) throw Exc.TypeError($"type.__new__() argument 2 must be tuple, not {args[1].Type.Name}");
        if (args[2] is not PyDict ns) throw Exc.TypeError($"type.__new__() argument 3 must be dict, not {args[2].Type.Name}");
        return MakeClass(name.Value, bases, ns);
    }

    /// <summary>Calling a class: __new__ (allocation) then __init__.</summary>
    public static PyObject CallType(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (!type.IsHeapType)
        {
            if (type.New is null) throw Exc.TypeError($"cannot create '{type.Name}' instances");
            return type.New(type, args, kwnames);
        }
        PyObject instance;
        var userNew = type.Lookup("__new__");
        if (IsUserNew(userNew))
        {
            var all = new PyObject[args.Length + 1];
            all[0] = type;
            args.CopyTo(all.AsSpan(1));
            var f = userNew is PyStaticMethod sm ? sm.Func : userNew;
            instance = Ops.Call(f, all, kwnames);
            if (!instance.Type.IsSubtypeOf(type)) return instance;
        }
        else
        {
            if (type.Alloc is null) throw Exc.TypeError($"cannot create '{type.Name}' instances");
            instance = type.Alloc(type);
            if (instance is PyBaseException be)
            {
                var old = be.Args;
                be.Args = PyTuple.FromSpan(args[..(args.Length - (kwnames?.Count ?? 0))]);
                old.Decref();
            }
        }
        try
        {
            var init = type.Lookup("__init__");
            if (init is PyMethodDescriptor d && (d.Owner == PyTypes.Object || d.Owner == ExceptionTypes.BaseException))
            {
                if (d.Owner == PyTypes.Object && args.Length > 0 && !IsUserNew(userNew))
                    throw Exc.TypeError($"{type.Name}() takes no arguments");
            }
            else if (init is not null)
            {
                var all = new PyObject[args.Length + 1];
                all[0] = instance;
                args.CopyTo(all.AsSpan(1));
                var r = init is PyFunction ? Ops.Call(init, all, kwnames) : CallDescriptor(init, instance, args, kwnames);
                bool isNone = r is PyNone;
                r.Decref();
                if (!isNone) throw Exc.TypeError($"__init__() should return None, not '{r.Type.Name}'");
            }
        }
        catch
        {
            instance.Decref();
            throw;
        }
        return instance;
    }

    /// <summary>A __new__ written in Python (object's own __new__ is a builtin staticmethod and does not count).</summary>
    public static bool IsUserNew([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] PyObject? newAttr) => newAttr is PyFunction || newAttr is PyStaticMethod { Func: PyFunction };

    private static PyObject CallDescriptor(PyObject attr, PyObject self, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var bound = attr.DescrGet(self, self.Type);
        try { return Ops.Call(bound, args, kwnames); } finally { bound.Decref(); }
    }

    /// <summary>type_getattro: attributes of a class object.</summary>
    public static PyObject? GetAttr(PyType t, PyStr name)
    {
        var metaAttr = PyTypes.Type.Lookup(name.Value);
        if (metaAttr is not null && metaAttr.IsDataDescriptor) return metaAttr.DescrGet(t, PyTypes.Type);
        var attr = t.Lookup(name.Value);
        if (attr is not null)
        {
            if (attr.IsDescriptor) return attr.DescrGet(null, t);
            return RefMode.Biased ? t.LookupRef(name.Value) : attr.NewRef();
        }
        switch (name.Value)
        {
            case "__name__": return PyStr.FromString(t.Name);
            case "__qualname__": return PyStr.FromString(t.QualName);
            case "__module__": return PyStr.FromString(t.ModuleName);
            case "__doc__": return t.Doc is null ? PyNone.Instance.NewRef() : PyStr.FromString(t.Doc);
            case "__dict__": return t.Dict.NewRef();
            case "__base__": return (t.Base ?? (PyObject)PyNone.Instance).NewRef();
            case "__bases__": return t.Base is null ? PyTuple.Empty() : PyTuple.Create(t.Base.NewRef());
            case "__mro__":
            {
                var items = new PyObject[t.Mro.Length];
                for (int i = 0; i < items.Length; i++) items[i] = t.Mro[i].NewRef();
                return PyTuple.Create(items);
            }
            case "__class__": return t.Type.NewRef();
        }
        if (metaAttr is not null) return metaAttr.IsDescriptor ? metaAttr.DescrGet(t, PyTypes.Type) : metaAttr.NewRef();
        return null;
    }

    /// <summary>Create a class from its namespace (the body of __build_class__ and type(name, bases, dict)).</summary>
    public static PyType MakeClass(string name, PyTuple bases, PyDict ns)
    {
        PyType baseType = PyTypes.Object;
        if (bases.Count > 1) throw Exc.NotImplementedError($"multiple inheritance (class {name}) is not supported by ToyPy");
        if (bases.Count == 1)
        {
            if (bases[0] is not PyType b) throw Exc.TypeError($"bases must be types");
            if (b.IsFinal) throw Exc.TypeError($"type '{b.Name}' is not an acceptable base type");
            if (b.Alloc is null)
                throw Exc.NotImplementedError($"subclassing the builtin type '{b.Name}' is not supported by ToyPy");
            baseType = b;
        }
        var t = new PyType(PyTypes.Type, name, baseType)
        {
            IsHeapType = true,
            Alloc = baseType.Alloc,
            New = baseType.New,
        };
        if (baseType.IsHeapType) baseType.Incref();
        if (RefMode.Biased) BiasedRefCount.MakeDeferred(t);
        t.Dict.Update(ns);
        if (ns.GetItemString("__module__") is PyStr mod) t.ModuleName = mod.Value;
        if (ns.GetItemString("__qualname__") is PyStr qn) { t.QualName = qn.Value; t.Dict.DelItemString("__qualname__"); }
        if (ns.GetItemString("__doc__") is PyStr doc) t.Doc = doc.Value;
        // A class that defines __eq__ but not __hash__ is unhashable.
        if (ns.GetItemString("__eq__") is not null && ns.GetItemString("__hash__") is null)
            t.Dict.SetItemString("__hash__", PyNone.Instance);
        // __new__ given as a plain function is implicitly a staticmethod.
        if (ns.GetItemString("__new__") is PyFunction nf)
        {
            var sm = new PyStaticMethod(nf);
            t.Dict.SetItemString("__new__", sm);
            sm.Decref();
        }
        PyType.Modified();
        t.HasFinalizer = t.Lookup("__del__") is PyFunction;
        if (ns.GetItemString("__classcell__") is PyCell cell)
        {
            var old = cell.Contents;
            cell.Contents = t.NewRef();
            old?.Decref();
            t.Dict.DelItemString("__classcell__");
        }
        return t;
    }

    private static PyObject ObjectInit(ReadOnlySpan<PyObject> a, PyTuple? k) => PyNone.Instance.NewRef();

    private static PyObject ObjectNew(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (a.Length < 1 || a[0] is not PyType t) throw Exc.TypeError("object.__new__(X): X is not a type object");
        if (t.Alloc is null) throw Exc.TypeError($"object.__new__({t.Name}) is not safe, use {t.Name}.__new__()");
        return t.Alloc(t);
    }

    private static PyObject ObjectFormat(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (a.Length != 2 || a[1] is not PyStr spec) throw Exc.TypeError("__format__() argument must be str");
        if (spec.Value.Length > 0) throw Exc.TypeError($"unsupported format string passed to {a[0].Type.Name}.__format__");
        return Ops.Str(a[0]);
    }

    internal static void InitTypes()
    {
        var o = PyTypes.Object;
        SlotWrappers.AddStandardSlots(o);
        o.AddMethod("__init__", ObjectInit);
        // object_richcompare: != defaults to the inverse of __eq__.
        o.AddMethod("__ne__", (a, k) =>
        {
            if (a.Length != 2) throw Exc.TypeError($"expected 1 argument, got {a.Length - 1}");
            var self = a[0];
            var r = self.Type.IsHeapType && self.Type.Lookup("__eq__") is { } eq
                ? Ops.CallSpecial(eq, self, a[1])
                : self.RichCompare(a[1], Bytecode.ComparisonOperation.Eq);
            if (ReferenceEquals(r, PyNotImplemented.Instance)) return r;
            bool t;
            try { t = Ops.IsTrue(r); } finally { r.Decref(); }
            return PyBool.From(!t);
        });
        var newFn = new PyBuiltinFunction("__new__", ObjectNew);
        var newStatic = new PyStaticMethod(newFn);
        newFn.Decref();
        o.AddAttr("__new__", newStatic);
        newStatic.Decref();
        o.AddMethod("__format__", ObjectFormat);
        o.AddMethod("__setattr__", (a, k) =>
        {
            if (a.Length != 3 || a[1] is not PyStr n) throw Exc.TypeError("__setattr__ expected 2 arguments");
            a[0].SetAttr(n, a[2]);
            return PyNone.Instance.NewRef();
        });
        o.AddMethod("__delattr__", (a, k) =>
        {
            if (a.Length != 2 || a[1] is not PyStr n) throw Exc.TypeError("__delattr__ expected 1 argument");
            a[0].SetAttr(n, null);
            return PyNone.Instance.NewRef();
        });
        o.AddMethod("__getattribute__", (a, k) =>
        {
            if (a.Length != 2 || a[1] is not PyStr n) throw Exc.TypeError("__getattribute__ expected 1 argument");
            return a[0].GetAttr(n) ?? throw Ops.AttributeErrorFor(a[0], n);
        });
        var t = PyTypes.Type;
        t.AddMethod("mro", (a, k) =>
        {
            var tt = (PyType)a[0];
            var l = new PyList();
            foreach (var m in tt.Mro) l.Append(m);
            return l;
        });
        t.AddMethod("__subclasscheck__", (a, k) => PyBool.From(a[1] is PyType s && s.IsSubtypeOf((PyType)a[0])));
        t.AddMethod("__instancecheck__", (a, k) => PyBool.From(a[1].Type.IsSubtypeOf((PyType)a[0])));
        var be = ExceptionTypes.BaseException;
        be.AddMethod("__init__", (a, k) =>
        {
            var e = (PyBaseException)a[0];
            var old = e.Args;
            e.Args = PyTuple.FromSpan(a[1..]);
            old.Decref();
            return PyNone.Instance.NewRef();
        });
        be.AddMethod("with_traceback", (a, k) => a[0].NewRef());
        SlotWrappers.AddStandardSlots(be);
    }
}
