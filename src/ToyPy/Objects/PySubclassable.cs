namespace ToyPy.Objects;

/// <summary>
/// A builtin type that Python classes may derive from (list, dict). An
/// instance of such a subclass is the builtin object with its type set to
/// the heap class: it holds a reference to that class and has a __dict__.
/// </summary>
public abstract class PySubclassable : PyObject
{
    protected PySubclassable(PyType type) : base(type) { }

    /// <summary>The __dict__ of an instance of a Python subclass (null for the plain builtin).</summary>
    public PyDict? SubclassDict;

    public override PyDict? InstanceDict => Type.IsHeapType ? SubclassDict ??= new PyDict() : null;

    /// <summary>Make a fresh builtin object an instance of a heap class (the allocator of subclasses).</summary>
    protected static PyObject AdoptType(PySubclassable o, PyType type)
    {
        o.Type = type;
        type.Incref();
        return o;
    }

    /// <summary>Release the class reference and the __dict__ of a subclass instance.</summary>
    protected void ReleaseSubclassParts()
    {
        if (!Type.IsHeapType) return;
        var d = SubclassDict; SubclassDict = null;
        d?.Decref();
        Type.Decref();
    }

    protected void TraverseSubclassParts(Action<PyObject> visit)
    {
        if (!Type.IsHeapType) return;
        if (SubclassDict is not null) visit(SubclassDict);
        visit(Type);
    }
}
