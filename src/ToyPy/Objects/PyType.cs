using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>Builtin constructor of a type: type(args) for builtin types (tp_new + tp_init). Returns a new reference.</summary>
public delegate PyObject TypeNewFn(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames);

/// <summary>Allocates a blank instance of a builtin "solid" type for a heap subclass (class E(Exception)).</summary>
public delegate PyObject AllocFn(PyType type);

/// <summary>
/// A type object (Objects/typeobject.c). Builtin types are created once in
/// <see cref="PyTypes"/>; heap types come from class statements. Attribute
/// lookup walks the MRO; results are cached per type and invalidated whenever
/// any type's dict changes (a global version counter, like CPython's type
/// version tags).
/// </summary>
public sealed class PyType : PyObject
{
    public string Name;
    public string QualName;
    /// <summary>"builtins" for builtin types, the defining module's __name__ for heap types.</summary>
    public string ModuleName;
    public PyType? Base;
    public PyType[] Mro = Array.Empty<PyType>();
    public PyDict Dict;
    /// <summary>Defined by a class statement (Py_TPFLAGS_HEAPTYPE): dispatch goes through dunder lookup.</summary>
    public bool IsHeapType;
    /// <summary>Instances of a heap type hold a reference to it; builtin types are never freed.</summary>
    public bool HasFinalizer;
    /// <summary>
    /// Instances hold no references (int, float, str, bytes...): their deallocation
    /// needs no trashcan and no recursion, which keeps the hot free path short.
    /// </summary>
    public bool IsLeaf;
    /// <summary>Builtin constructor (null: not callable to construct, as for NoneType in 3.11... or inherited).</summary>
    public TypeNewFn? New;
    /// <summary>Blank instance allocator of the nearest builtin base, used to instantiate heap subclasses.</summary>
    public AllocFn? Alloc;
    /// <summary>Builtin types that may not be subclassed (bool, NoneType, function...).</summary>
    public bool IsFinal;
    public string? Doc;

    private static int s_version;

    /// <summary>The current type-version tag: changes whenever any type's dict changes.</summary>
    public static int Version => Volatile.Read(ref s_version);

    /// <summary>The __init__ a call of this class runs inline (the VM's cache; borrowed), valid while Version equals InlineInitVersion.</summary>
    internal PyFunction? InlineInitCache;
    internal int InlineInitVersion = -1;

    /// <summary>
    /// An immutable snapshot of lookups made under one type version. Readers
    /// never lock: a miss builds a new snapshot with one more entry and
    /// publishes it (copy on write), so concurrent readers only ever see a
    /// complete dictionary.
    /// </summary>
    private sealed class LookupCache
    {
        public readonly int Version;
        public readonly Dictionary<string, PyObject?> Map;
        public LookupCache(int version, Dictionary<string, PyObject?> map) { Version = version; Map = map; }
    }

    private LookupCache? _lookupCache;

    internal PyType(PyType? metatype, string name, PyType? baseType, string moduleName = "builtins")
        : base(metatype!)
    {
        Name = name;
        QualName = name;
        ModuleName = moduleName;
        Base = baseType;
        Dict = new PyDict();
        if (metatype is null) Type = this; // `type` is its own type
        ComputeMro();
    }

    public static PyType NewBuiltin(string name, PyType? baseType, TypeNewFn? newFn = null, AllocFn? alloc = null, bool isFinal = false)
    {
        var t = new PyType(PyTypes.Type, name, baseType) { New = newFn, IsFinal = isFinal };
        t.Alloc = alloc;
        return t;
    }

    public void ComputeMro()
    {
        var list = new List<PyType>();
        for (var t = this; t is not null; t = t.Base) list.Add(t);
        Mro = list.ToArray();
    }

    public string ReprName => ModuleName == "builtins" ? QualName : ModuleName + "." + QualName;

    public bool IsSubtypeOf(PyType other)
    {
        if (ReferenceEquals(this, other)) return true;
        foreach (var t in Mro) if (ReferenceEquals(t, other)) return true;
        return false;
    }

    /// <summary>_PyType_Lookup: the attribute from the first type in the MRO that has it, BORROWED, or null.</summary>
    public PyObject? Lookup(string name)
    {
        int version = Volatile.Read(ref s_version);
        var cache = Volatile.Read(ref _lookupCache);
        if (cache is not null && cache.Version == version && cache.Map.TryGetValue(name, out var cached)) return cached;
        PyObject? found = null;
        foreach (var t in Mro)
        {
            found = t.Dict.GetItemString(name);
            if (found is not null) break;
        }
        var map = cache is not null && cache.Version == version
            ? new Dictionary<string, PyObject?>(cache.Map, StringComparer.Ordinal)
            : new Dictionary<string, PyObject?>(StringComparer.Ordinal);
        map[name] = found;
        Volatile.Write(ref _lookupCache, new LookupCache(version, map));
        return found;
    }

    /// <summary>
    /// Lookup as a new reference. --free-threaded: a counted value (a class
    /// attribute that threads may rebind) is re-read from the dicts with the
    /// reference taken inside their locks; immortal and deferred values (methods,
    /// classes) are never freed and come straight from the cache.
    /// </summary>
    public PyObject? LookupRef(string name)
    {
        var found = Lookup(name);
        if (found is null || !RefMode.Biased || BiasedRefCount.IsImmortalOrDeferred(found)) return found?.NewRef();
        foreach (var t in Mro)
        {
            if (t.Dict.GetItemStringRef(name) is { } r) return r;
        }
        return null;
    }

    /// <summary>Any type dict changed: every lookup cache is stale.</summary>
    public static void Modified() => Interlocked.Increment(ref s_version);

    /// <summary>Register a builtin method (args[0] is self).</summary>
    public void AddMethod(string name, BuiltinFn fn, string? doc = null)
    {
        var d = new PyMethodDescriptor(name, this, fn, doc);
        Dict.SetItemString(name, d);
        d.Decref();
        Modified();
    }

    /// <summary>Register a class attribute (the value is borrowed; the dict takes its own reference).</summary>
    public void AddAttr(string name, PyObject value)
    {
        Dict.SetItemString(name, value);
        Modified();
    }

    public override PyStr Repr() => PyStr.FromString($"<class '{ReprName}'>");

    public override long Hash() => Heap.IdentityHash(this);

    public override PyObject? GetAttr(PyStr name) => TypeAttributes.GetAttr(this, name);

    public override void SetAttr(PyStr name, PyObject? value)
    {
        if (!IsHeapType)
            throw Exc.TypeError($"cannot set '{name.Value}' attribute of immutable type '{Name}'");
        // The names a class prints with live in the type itself (type_set_name, type_set_qualname);
        // __module__ lives in its dict and is what reprs and tracebacks print.
        if (name.Value is "__name__" or "__qualname__")
        {
            if (value is null) throw Exc.TypeError($"cannot delete '{name.Value}' attribute of immutable type '{Name}'");
            if (value is not PyStr str) throw Exc.TypeError($"can only assign string to {Name}.{name.Value}, not '{value.Type.Name}'");
            if (name.Value == "__name__") Name = str.Value;
            else QualName = str.Value;
            Modified();
            return;
        }
        if (name.Value == "__module__" && value is PyStr module) ModuleName = module.Value;
        if (value is null)
        {
            if (!Dict.DelItemString(name.Value)) throw Exc.AttributeError($"type object '{Name}' has no attribute '{name.Value}'");
        }
        else Dict.SetItem(name, value);
        if (name.Value == "__del__") HasFinalizer = Lookup("__del__") is not null || value is not null;
        Modified();
    }

    public override PyDict? InstanceDict => Dict;

    public override PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames) => TypeAttributes.CallType(this, args, kwnames);

    public override PyObject RichCompare(PyObject other, Bytecode.ComparisonOperation op) => base.RichCompare(other, op);

    public override void Traverse(Action<PyObject> visit)
    {
        visit(Dict);
        if (IsHeapType && Base is not null && Base.IsHeapType) visit(Base);
    }

    protected internal override void ClearReferences()
    {
        var d = Dict;
        Dict = null!; // the type is dead; nothing reads its dict again
        d.Decref();
        if (IsHeapType && Base is not null && Base.IsHeapType) { var b = Base; Base = null; b.Decref(); }
        Modified();
    }
}
