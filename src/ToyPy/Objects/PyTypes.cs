namespace ToyPy.Objects;

/// <summary>
/// Every builtin type object, created in one place and in dependency order
/// (C# runs static initialisers lazily per class; keeping them in one class
/// makes the order the textual order below). Each type's methods are
/// registered afterwards by its own file's InitType, once all types exist.
/// </summary>
public static class PyTypes
{
    public static readonly PyType Type = new(null, "type", null);
    public static readonly PyType Object = NewType("object", null, TypeAttributes.NewObject, t => new PyInstance(t));
    public static readonly PyType Dict = NewType("dict", Object, PyDict.TypeNew, PyDict.AllocSubclass);
    public static readonly PyType Str = NewType("str", Object, PyStr.TypeNew);
    public static readonly PyType Int = NewType("int", Object, PyInt.TypeNew);
    public static readonly PyType Bool = NewType("bool", Int, PyBool.TypeNew, final: true);
    public static readonly PyType Float = NewType("float", Object, PyFloat.TypeNew);
    public static readonly PyType NoneType = NewType("NoneType", Object, PyNone.TypeNew, final: true);
    public static readonly PyType NotImplementedType = NewType("NotImplementedType", Object, null, final: true);
    public static readonly PyType EllipsisType = NewType("ellipsis", Object, null, final: true);
    public static readonly PyType Bytes = NewType("bytes", Object, PyBytes.TypeNew);
    public static readonly PyType Tuple = NewType("tuple", Object, PyTuple.TypeNew);
    public static readonly PyType List = NewType("list", Object, PyList.TypeNew, PyList.AllocSubclass);
    public static readonly PyType Set = NewType("set", Object, PySet.TypeNew);
    public static readonly PyType FrozenSet = NewType("frozenset", Object, PySet.FrozenTypeNew);
    public static readonly PyType Range = NewType("range", Object, PyRange.TypeNew, final: true);
    public static readonly PyType Slice = NewType("slice", Object, PySlice.TypeNew, final: true);
    public static readonly PyType Function = NewType("function", Object, null, final: true);
    public static readonly PyType BuiltinFunction = NewType("builtin_function_or_method", Object, null, final: true);
    public static readonly PyType MethodDescriptor = NewType("method_descriptor", Object, null, final: true);
    public static readonly PyType Method = NewType("method", Object, null, final: true);
    public static readonly PyType Code = NewType("code", Object, null, final: true);
    public static readonly PyType Cell = NewType("cell", Object, null, final: true);
    public static readonly PyType Module = NewType("module", Object, PyModule.TypeNew);
    public static readonly PyType Property = NewType("property", Object, PyProperty.TypeNew);
    public static readonly PyType StaticMethod = NewType("staticmethod", Object, PyStaticMethod.TypeNew);
    public static readonly PyType ClassMethod = NewType("classmethod", Object, PyClassMethod.TypeNew);
    public static readonly PyType Super = NewType("super", Object, PySuper.TypeNew);
    public static readonly PyType Iterator = NewType("iterator", Object, null, final: true);
    public static readonly PyType Generator = NewType("generator", Object, null, final: true);

    private static PyType NewType(string name, PyType? baseType, TypeNewFn? newFn, AllocFn? alloc = null, bool final = false)
    {
        var t = new PyType(Type, name, baseType) { New = newFn, IsFinal = final };
        // Only object (and, in ExceptionTypes, the exceptions) can be the base of a
        // heap class: other builtin types keep Alloc null, so subclassing them is
        // reported as unsupported instead of producing a plain instance.
        t.Alloc = alloc;
        return t;
    }

    static PyTypes()
    {
        // Objects made before their type existed get their type now.
        Type.Base = Object;
        Type.ComputeMro();
        Type.New = TypeAttributes.TypeNew;
        foreach (var t in All())
        {
            t.Type = Type;
            t.Dict.Type = Dict;
        }
        foreach (var leaf in new[] { Int, Bool, Float, Str, Bytes, NoneType, NotImplementedType, EllipsisType, Range })
            leaf.IsLeaf = true;
        foreach (var init in s_initializers) init();
    }

    /// <summary>Every builtin type defined here, in order.</summary>
    public static IEnumerable<PyType> All() => new[]
    {
        Type, Object, Dict, Str, Int, Bool, Float, NoneType, NotImplementedType, EllipsisType,
        Bytes, Tuple, List, Set, FrozenSet, Range, Slice, Function, BuiltinFunction, MethodDescriptor,
        Method, Code, Cell, Module, Property, StaticMethod, ClassMethod, Super, Iterator, Generator,
    };

    /// <summary>Methods of each builtin type, registered once all type objects exist.</summary>
    private static readonly Action[] s_initializers =
    {
        TypeAttributes.InitTypes, PyDict.InitType, PyStr.InitType, PyInt.InitType, PyFloat.InitType,
        PyBytes.InitType, PyTuple.InitType, PyList.InitType, PySet.InitType, PyRange.InitType,
        PySlice.InitType, PyFunction.InitType, PyProperty.InitType, PyGenerator.InitType,
    };
}
