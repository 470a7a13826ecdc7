using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// Every Python value. Like CPython's PyObject it carries a reference count
/// (ob_refcnt) and its type (ob_type), and it is freed the moment the count
/// reaches zero: Dealloc runs __del__ (heap types), releases what the object
/// references, marks it freed and hands it back to its type's free list.
///
/// Ownership rules (CPython's, Include/object.h):
///  - a new object starts with RefCount 1, owned by whoever created it;
///  - a function that returns a PyObject returns a NEW reference (the caller
///    must Decref it or hand it on); arguments are BORROWED;
///  - containers own one reference to each element (Incref on insert, Decref
///    on removal or when the container dies);
///  - store the new value first, then Decref the old one, because a
///    destructor may run and look at the slot (ceval.c's rule).
///
/// The protocol virtuals below are the behaviour of the builtin types (what
/// CPython keeps in type slots). Instances of heap types (classes defined in
/// Python) are dispatched by Ops to their dunder methods instead, so user
/// overrides always win; builtin type dicts expose these virtuals as slot
/// wrappers (__repr__, __getitem__, ...) so super() and Base.method(self) work.
/// </summary>
public abstract class PyObject
{
    /// <summary>ob_refcnt. Plain int, plain ++/--: the GIL is what makes it safe. (--free-threaded: the owner's local count, ob_ref_local.)</summary>
    public int RefCount = 1;

    /// <summary>--free-threaded only (BiasedRefCount): the owning thread (ob_tid) and the shared count with its flags (ob_ref_shared).</summary>
    public int OwnerTid, SharedRefs;

    /// <summary>ob_type.</summary>
    public PyType Type;

    /// <summary>Set when the object is deallocated; a freed object in use is a bug the audit reports.</summary>
    public bool IsFreed;

    protected PyObject(PyType type)
    {
        Type = type;
        if (Heap.AllocHooks) Heap.OnAlloc(this);
    }

    // ------------------------------------------------------------------ lifetime

    // Under --no-gil every update takes the instrumented path that detects lost
    // updates (RefRace), under --free-threaded the biased one (BiasedRefCount);
    // otherwise it is the plain ++/-- the GIL protects. One flag decides.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Incref()
    {
        if (RefMode.Special) RefMode.Incref(this);
        else RefCount++;
    }

    /// <summary>Incref and return this: `return x.NewRef();` hands out a new reference.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PyObject NewRef()
    {
        if (RefMode.Special) RefMode.Incref(this);
        else RefCount++;
        return this;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Decref()
    {
        if (RefMode.Special) RefMode.Decref(this);
        else if (--RefCount == 0) Heap.Dealloc(this);
    }

    /// <summary>Give up every reference this object owns (tp_clear + the decrefs of tp_dealloc). Fields must be left null/empty.</summary>
    protected internal virtual void ClearReferences() { }

    /// <summary>Visit every object this object holds a reference to (tp_traverse), once per reference held.</summary>
    public virtual void Traverse(Action<PyObject> visit) { }

    /// <summary>Called after ClearReferences when the object is dead: put it on a free list if the type keeps one.</summary>
    protected internal virtual void Recycle() { }

    /// <summary>Reset the header of an object taken from a free list.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void Revive()
    {
        RefCount = 1;
        IsFreed = false;
        if (RefMode.Special) RefMode.Revived(this);
    }

    // ------------------------------------------------------------------ protocols (builtin behaviour)

    /// <summary>repr(): a new PyStr.</summary>
    public virtual PyStr Repr() => PyStr.FromString($"<{Type.ReprName} object at 0x{Heap.Address(this):x}>");

    /// <summary>str(): defaults to repr via Ops so a user __repr__ is honoured.</summary>
    public virtual PyStr Str() => Ops.Repr(this);

    public virtual long Hash() => Heap.IdentityHash(this);

    public virtual bool IsTrue() => true;

    /// <summary>Rich comparison; returns a new reference, NotImplemented when unsupported. Identity equality by default.</summary>
    public virtual PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (op == ComparisonOperation.Eq) return ReferenceEquals(this, other) ? PyBool.True.NewRef() : PyNotImplemented.Instance.NewRef();
        if (op == ComparisonOperation.Ne) return ReferenceEquals(this, other) ? PyBool.False.NewRef() : PyNotImplemented.Instance.NewRef();
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>
    /// Binary arithmetic with this object on the left (reflected = false) or on the
    /// right (reflected = true, i.e. __radd__). New reference or NotImplemented.
    /// op is never an Inplace* value here.
    /// </summary>
    public virtual PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected) => PyNotImplemented.Instance.NewRef();

    /// <summary>In-place arithmetic (__iadd__); NotImplemented falls back to NumberOp. op is the non-inplace value.</summary>
    public virtual PyObject InplaceNumberOp(BinaryOperation op, PyObject other) => PyNotImplemented.Instance.NewRef();

    public virtual PyObject Negative() => throw Exc.TypeError($"bad operand type for unary -: '{Type.Name}'");
    public virtual PyObject Positive() => throw Exc.TypeError($"bad operand type for unary +: '{Type.Name}'");
    public virtual PyObject Invert() => throw Exc.TypeError($"bad operand type for unary ~: '{Type.Name}'");
    public virtual PyObject Absolute() => throw Exc.TypeError($"bad operand type for abs(): '{Type.Name}'");

    /// <summary>Attribute lookup (tp_getattro); returns a new reference or null when missing (the caller raises AttributeError).</summary>
    public virtual PyObject? GetAttr(PyStr name) => Ops.GenericGetAttr(this, name);
    /// <summary>Set (value != null) or delete (value == null) an attribute. value is borrowed.</summary>
    public virtual void SetAttr(PyStr name, PyObject? value) => Ops.GenericSetAttr(this, name, value);

    /// <summary>The instance __dict__, for types whose instances have one.</summary>
    public virtual PyDict? InstanceDict => null;

    public virtual PyObject GetItem(PyObject key) => throw Exc.TypeError($"'{Type.Name}' object is not subscriptable");
    public virtual void SetItem(PyObject key, PyObject value) => throw Exc.TypeError($"'{Type.Name}' object does not support item assignment");
    public virtual void DelItem(PyObject key) => throw Exc.TypeError($"'{Type.Name}' object doesn't support item deletion");
    public virtual long Length() => throw Exc.TypeError($"object of type '{Type.Name}' has no len()");
    /// <summary>`x in self`. Default: iterate (Ops.ContainsByIteration).</summary>
    public virtual bool Contains(PyObject item) => Ops.ContainsByIteration(this, item);

    /// <summary>iter(self): new reference.</summary>
    public virtual PyObject GetIter() => throw Exc.TypeError($"'{Type.Name}' object is not iterable");
    /// <summary>next(self): new reference, or null when exhausted (no StopIteration is raised for a plain end).</summary>
    public virtual PyObject? Next() => throw Exc.TypeError($"'{Type.Name}' object is not an iterator");

    /// <summary>Call with vectorcall arguments: args = positional then keyword values; kwnames names the trailing keyword values. Returns a new reference.</summary>
    public virtual PyObject Call(ReadOnlySpan<PyObject> args, PyTuple? kwnames) => throw Exc.TypeError($"'{Type.Name}' object is not callable");

    /// <summary>Descriptor __get__: bind this attribute found on owner's type to instance (null when looked up on the class). New reference.</summary>
    public virtual PyObject DescrGet(PyObject? instance, PyType owner) => NewRef();
    /// <summary>True for types with __get__ (functions, properties, static/class methods, method descriptors).</summary>
    public virtual bool IsDescriptor => false;
    /// <summary>True for data descriptors (__set__/__delete__): property.</summary>
    public virtual bool IsDataDescriptor => false;
    public virtual void DescrSet(PyObject instance, PyObject? value) => throw Exc.AttributeError("__set__");
}
