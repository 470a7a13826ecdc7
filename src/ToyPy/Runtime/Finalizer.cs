using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// __del__ (PEP 442 semantics): called the moment the last reference goes,
/// at most once per object; the object may resurrect itself by storing a
/// reference somewhere. Exceptions are reported as CPython reports them
/// ("Exception ignored in: ...") and never propagate.
/// </summary>
public static class Finalizer
{
    /// <summary>Run o.__del__ if it has one. Returns false when the object was resurrected.</summary>
    public static bool Run(PyObject o)
    {
        if (o is PyInstance pi)
        {
            if (pi.Finalized) return true;
            pi.Finalized = true;
        }
        var del = o.Type.Lookup("__del__");
        if (del is null) return true;
        var ts = PyThreadState.CurrentOrNull;
        if (ts is null) return true;
        // alive again for the duration of the call
        if (RefMode.Biased) BiasedRefCount.BeginResurrection(o);
        else o.RefCount = 1;
        // Preserve an exception being handled across the finalizer.
        try
        {
            Ops.CallSpecial(del, o).Decref();
        }
        catch (PyException e)
        {
            ReportUnraisable(ts, e.Value, Ops.ReprString(del is PyFunction f ? f : del));
        }
        return RefMode.Biased ? BiasedRefCount.EndResurrection(o) : --o.RefCount == 0;
    }

    /// <summary>PyErr_WriteUnraisable: print the exception with an "Exception ignored in" header to stderr.</summary>
    public static void ReportUnraisable(PyThreadState ts, PyBaseException exc, string where)
    {
        ts.Interp.Stderr.Write($"Exception ignored in: {where}\n");
        Traceback.Print(ts.Interp, exc, ts.Interp.Stderr);
        exc.Decref();
    }
}
