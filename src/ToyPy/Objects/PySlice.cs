using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>slice (Objects/sliceobject.c).</summary>
public sealed class PySlice : PyObject
{
    public PyObject Start, Stop, Step;

    public PySlice(PyObject start, PyObject stop, PyObject step) : base(PyTypes.Slice)
    {
        Start = start; Stop = stop; Step = step; // stolen references
    }

    /// <summary>slice(None, None, None), shared (a new reference each time it is handed out is not needed: used internally, borrowed).</summary>
    public static readonly PySlice Full = new(PyNone.Instance.NewRef(), PyNone.Instance.NewRef(), PyNone.Instance.NewRef());

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError("slice() takes no keyword arguments");
        return args.Length switch
        {
            1 => new PySlice(PyNone.Instance.NewRef(), args[0].NewRef(), PyNone.Instance.NewRef()),
            2 => new PySlice(args[0].NewRef(), args[1].NewRef(), PyNone.Instance.NewRef()),
            3 => new PySlice(args[0].NewRef(), args[1].NewRef(), args[2].NewRef()),
            0 => throw Exc.TypeError("slice expected at least 1 argument, got 0"),
            _ => throw Exc.TypeError($"slice expected at most 3 arguments, got {args.Length}"),
        };
    }

    /// <summary>PySlice_GetIndicesEx: clamp to a sequence of the given length.</summary>
    public void Indices(long length, out long start, out long stop, out long step, out long sliceLength)
    {
        step = Step is PyNone ? 1 : Ops.IndexAsLongForSlice(Step);
        if (step == 0) throw Exc.ValueError("slice step cannot be zero");
        long defStart = step < 0 ? length - 1 : 0, defStop = step < 0 ? -1 : length;
        start = Start is PyNone ? defStart : Clamp(Ops.IndexAsLongForSlice(Start), length, step);
        stop = Stop is PyNone ? defStop : Clamp(Ops.IndexAsLongForSlice(Stop), length, step);
        if (step > 0) sliceLength = stop > start ? (stop - start - 1) / step + 1 : 0;
        else sliceLength = start > stop ? (start - stop - 1) / (-step) + 1 : 0;
    }

    private static long Clamp(long v, long length, long step)
    {
        if (v < 0) { v += length; if (v < 0) v = step < 0 ? -1 : 0; }
        else if (v >= length) v = step < 0 ? length - 1 : length;
        return v;
    }

    public override PyStr Repr() =>
        PyStr.FromString($"slice({Ops.ReprString(Start)}, {Ops.ReprString(Stop)}, {Ops.ReprString(Step)})");

    public override long Hash() => throw Exc.TypeError("unhashable type: 'slice'");

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "start" => Start.NewRef(),
        "stop" => Stop.NewRef(),
        "step" => Step.NewRef(),
        _ => base.GetAttr(name),
    };

    public override void Traverse(Action<PyObject> visit) { visit(Start); visit(Stop); visit(Step); }

    protected internal override void ClearReferences()
    {
        var a = Start; var b = Stop; var c = Step;
        Start = Stop = Step = null!;
        a.Decref(); b.Decref(); c.Decref();
    }

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.Slice);
        PyTypes.Slice.AddMethod("indices", (a, k) =>
        {
            ArgParser.Positional("indices", a[1..], k, 1, 1);
            long length = Ops.IndexAsLong(a[1]);
            if (length < 0) throw Exc.ValueError("length should not be negative");
            ((PySlice)a[0]).Indices(length, out long start, out long stop, out long step, out _);
            return PyTuple.Create(PyInt.FromLong(start), PyInt.FromLong(stop), PyInt.FromLong(step));
        });
    }
}
