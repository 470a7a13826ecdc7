using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// A generator (Objects/genobject.c): owns a suspended frame. Each resumption
/// runs the frame in a nested dispatch loop until it yields or returns.
/// </summary>
public sealed class PyGenerator : PyObject
{
    public Frame? Frame;
    public bool Started;
    public bool Running;
    public string Name;
    public string QualName;
    /// <summary>The value of the last `return` (StopIteration.value), owned.</summary>
    public PyObject? ReturnValue;

    public PyGenerator(Frame frame) : base(PyTypes.Generator)
    {
        Frame = frame;
        frame.Generator = this;
        Name = frame.Code.Name;
        QualName = frame.Code.QualName;
    }

    public bool IsExhausted => Frame is null;

    public override PyObject GetIter() => NewRef();

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "__name__" => PyStr.FromString(Name),
        "__qualname__" => PyStr.FromString(QualName),
        "gi_running" => PyBool.From(Running),
        _ => base.GetAttr(name),
    };

    /// <summary>next(gen): the yielded value, or null when the generator finished.</summary>
    public override PyObject? Next() => PyThreadState.Current.ResumeGenerator(this, null, null);

    public override PyStr Repr() => PyStr.FromString($"<generator object {QualName} at 0x{Heap.Address(this):x}>");

    public override void Traverse(Action<PyObject> visit)
    {
        Frame?.Traverse(visit);
        if (ReturnValue is not null) visit(ReturnValue);
    }

    protected internal override void ClearReferences()
    {
        var f = Frame; Frame = null;
        if (f is not null)
        {
            f.Generator = null;
            if (Started) PyThreadState.Current.CloseGeneratorFrame(this, f);
            f.Clear();
        }
        var r = ReturnValue; ReturnValue = null; r?.Decref();
    }

    internal static void InitType()
    {
        var t = PyTypes.Generator;
        t.AddMethod("send", (a, k) =>
        {
            if (a.Length != 2) throw Exc.TypeError("send() takes exactly one argument");
            var g = (PyGenerator)a[0];
            if (!g.Started && a[1] is not PyNone) throw Exc.TypeError("can't send non-None value to a just-started generator");
            return PyThreadState.Current.ResumeGenerator(g, a[1], null) ?? throw g.StopIterationWithValue();
        });
        t.AddMethod("throw", (a, k) =>
        {
            if (a.Length < 2) throw Exc.TypeError("throw expected at least 1 argument, got 0");
            var g = (PyGenerator)a[0];
            var exc = PyThreadState.MakeException(a[1], a.Length > 2 ? a[2] : null);
            return PyThreadState.Current.ResumeGenerator(g, null, exc) ?? throw g.StopIterationWithValue();
        });
        t.AddMethod("close", (a, k) =>
        {
            var g = (PyGenerator)a[0];
            PyThreadState.Current.CloseGenerator(g);
            return PyNone.Instance.NewRef();
        });
        t.AddMethod("__next__", (a, k) =>
        {
            var g = (PyGenerator)a[0];
            return PyThreadState.Current.ResumeGenerator(g, null, null) ?? throw g.StopIterationWithValue();
        });
        t.AddMethod("__iter__", (a, k) => a[0].NewRef());
    }

    /// <summary>StopIteration carrying the generator's return value.</summary>
    public PyException StopIterationWithValue()
    {
        var v = ReturnValue; ReturnValue = null;
        var e = new PyBaseException(ExceptionTypes.StopIteration, v is null || v is PyNone ? PyTuple.Empty() : PyTuple.Create(v));
        if (v is PyNone) v.Decref();
        return new PyException(e);
    }
}
