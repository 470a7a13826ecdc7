using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

public sealed partial class PyThreadState
{
    /// <summary>
    /// Exception unwinding (3.11's exception_unwind): record the frame in the
    /// traceback, look the failing instruction up in the frame's exception
    /// table; on a hit, drop the value stack to the handler's depth, push the
    /// exception (and lasti) and resume at the handler; otherwise release the
    /// frame and try its caller, up to the frame that entered this Run.
    /// Returns false when the exception leaves the entry frame (the caller
    /// rethrows it). The PyException's reference moves to the handler's stack.
    /// </summary>
    private bool Unwind(ref Frame frame, ref PyBaseException exc, bool addTraceback)
    {
        if (addTraceback && HandledException is PyBaseException handled && !ReferenceEquals(handled, exc) && exc.Context is null)
        {
            // Implicit chaining: raised while handling another exception.
            if (!ChainContains(handled, exc)) exc.Context = handled.NewRef();
        }
        while (true)
        {
            if (addTraceback) exc.AddTraceback(frame.Code, frame.LastI);
            addTraceback = true;
            int lasti = frame.LastI;
            foreach (var entry in frame.Code.ExceptionTable)
            {
                if (lasti < entry.Start || lasti >= entry.End) continue;
                var s = frame.Slots;
                int target = frame.StackBase + entry.Depth;
                int end = Math.Min(s.Length, frame.StackBase + frame.Code.StackSize + 1);
                for (int i = end - 1; i >= target; i--)
                {
                    var v = s[i];
                    if (v is not null) { s[i] = null; v.Decref(); }
                }
                int sp = target;
                if (entry.PushLasti) s[sp++] = PyInt.FromLong(lasti);
                s[sp++] = exc;
                frame.Sp = sp;
                frame.Ip = entry.Target;
                return true;
            }
            bool wasEntry = frame.IsEntry;
            var back = frame.Back;
            if (frame.Generator is { } gen)
            {
                if (frame.ResumedInline)
                {
                    // A generator run by its consumer's FOR_ITER ends with the exception:
                    // release it as ResumeGenerator would and go on unwinding in the consumer.
                    frame = LeaveInlineGenerator(frame);
                    FinishGenerator(gen);
                    CurrentFrame = frame;
                    if (exc.Type.IsSubtypeOf(ExceptionTypes.StopIteration)) exc = StopIterationInGenerator(exc);
                    continue;
                }
                // The generator's frame finished with an exception; ResumeGenerator releases it.
                return false;
            }
            PopFrame(frame);
            if (wasEntry) return false;
            frame = back!;
            CurrentFrame = frame;
        }
    }

    private static bool ChainContains(PyBaseException start, PyBaseException target)
    {
        int guard = 0;
        for (PyObject? c = start; c is PyBaseException e && guard < 1000; c = e.Context, guard++)
            if (ReferenceEquals(e, target)) return true;
        return false;
    }

    // ------------------------------------------------------------------ generators

    /// <summary>
    /// Resume a generator: send (value, or nothing on first start/next()) or
    /// throw exc into it. Returns the yielded value, or null when the
    /// generator returned (its return value is left in ReturnValue).
    /// </summary>
    public PyObject? ResumeGenerator(PyGenerator gen, PyObject? value, PyBaseException? exc)
    {
        var frame = gen.Frame;
        if (frame is null)
        {
            // Finished: StopIteration carries the return value only the first time.
            var rv = gen.ReturnValue; gen.ReturnValue = null; rv?.Decref();
            exc?.Decref();
            return null;
        }
        if (gen.Running) { exc?.Decref(); throw Exc.New(ExceptionTypes.ValueError, "generator already executing"); }
        if (Depth >= Interp.RecursionLimit || !HostStackAllowsNesting())
        {
            exc?.Decref();
            throw Exc.RecursionError("maximum recursion depth exceeded");
        }
        EnterGenerator(gen, frame, CurrentFrame, exc is null ? value ?? PyNone.Instance : null);
        try
        {
            PyObject result;
            if (exc is not null)
            {
                // Raise at the point of suspension: unwind inside the generator frame first.
                var f = frame;
                if (!Unwind(ref f, ref exc, true)) throw new PyException(exc);
                result = Run(frame);
            }
            else result = Run(frame);
            if (LastExit == FrameExit.Yielded) return result;
            FinishGenerator(gen);
            if (ReferenceEquals(result, PyNone.Instance)) { result.Decref(); return null; }
            var old = gen.ReturnValue;
            gen.ReturnValue = result;
            old?.Decref();
            return null;
        }
        catch (PyException e)
        {
            FinishGenerator(gen);
            if (e.Value.Type.IsSubtypeOf(ExceptionTypes.StopIteration)) throw new PyException(StopIterationInGenerator(e.Value));
            throw;
        }
        finally
        {
            gen.Running = false;
            Depth--;
        }
    }

    /// <summary>PEP 479: StopIteration raised inside a generator becomes RuntimeError (taking over the reference to it).</summary>
    private static PyBaseException StopIterationInGenerator(PyBaseException stop)
    {
        var rt = new PyBaseException(ExceptionTypes.RuntimeError, PyTuple.Create(PyStr.FromString("generator raised StopIteration")));
        rt.Cause = stop; rt.Context = stop.NewRef(); rt.SuppressContext = true;
        return rt;
    }

    /// <summary>
    /// Make a suspended generator's frame the next to run, resumed from
    /// consumer: sent (borrowed; null when an exception is thrown in) goes onto
    /// its stack as the value of the yield it stopped at, unless it has not
    /// started yet.
    /// </summary>
    private void EnterGenerator(PyGenerator gen, Frame frame, Frame? consumer, PyObject? sent)
    {
        if (gen.Started && sent is not null) frame.Push(sent.NewRef());
        gen.Started = true;
        gen.Running = true;
        frame.Back = consumer;
        Depth++;
    }

    /// <summary>A generator frame resumed by FOR_ITER in its consumer's loop suspends or ends: back to the consumer frame.</summary>
    private Frame LeaveInlineGenerator(Frame frame)
    {
        frame.ResumedInline = false;
        frame.Generator!.Running = false;
        Depth--;
        var consumer = frame.Back!;
        frame.Back = null;
        return consumer;
    }

    private static void FinishGenerator(PyGenerator gen)
    {
        var f = gen.Frame;
        gen.Frame = null;
        if (f is not null) { f.Generator = null; f.Clear(); }
    }

    /// <summary>generator.close(): throw GeneratorExit in; fine if it finishes or re-raises GeneratorExit.</summary>
    public void CloseGenerator(PyGenerator gen)
    {
        if (gen.Frame is null || !gen.Started) { FinishGenerator(gen); return; }
        var ge = new PyBaseException(ExceptionTypes.GeneratorExit, PyTuple.Empty());
        PyObject? r;
        try { r = ResumeGenerator(gen, null, ge); }
        catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.GeneratorExit) || e.Value.Type.IsSubtypeOf(ExceptionTypes.StopIteration))
        {
            e.Value.Decref();
            return;
        }
        if (r is not null)
        {
            r.Decref();
            throw Exc.RuntimeError("generator ignored GeneratorExit");
        }
    }

    /// <summary>A started generator is being freed: close it so its finally blocks run (PEP 342).</summary>
    internal void CloseGeneratorFrame(PyGenerator gen, Frame frame)
    {
        gen.Frame = frame;
        frame.Generator = gen;
        if (RefMode.Biased) BiasedRefCount.BeginResurrection(gen); // temporarily alive while closing
        else gen.RefCount = 1;
        try { CloseGenerator(gen); }
        catch (PyException e) { Finalizer.ReportUnraisable(this, e.Value, $"generator object {gen.QualName} at 0x{Heap.Address(gen):x}"); }
        gen.RefCount = 0;
        gen.Frame = null;
    }
}
