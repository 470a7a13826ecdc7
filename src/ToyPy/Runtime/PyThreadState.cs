using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Parsing;

namespace ToyPy.Runtime;

/// <summary>
/// Per-thread interpreter state (PyThreadState): the heap frame stack, the
/// exception being handled, the eval breaker. Found through a thread-local
/// (as CPython 3.12's _PyThreadState_GET), passed explicitly on hot paths.
/// </summary>
public sealed partial class PyThreadState
{
    [ThreadStatic] private static PyThreadState? t_current;

    /// <summary>The state of the calling thread (created on first use).</summary>
    public static PyThreadState Current
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => t_current ?? throw new InvalidOperationException("no ToyPy thread state on this thread");
    }

    public static PyThreadState? CurrentOrNull => t_current;

    public readonly Interpreter Interp;
    /// <summary>The thread's name (threading sets it to Thread.name when the thread starts).</summary>
    public string Name;
    public readonly int ManagedThreadId;

    /// <summary>
    /// The innermost running frame (null when no Python code runs on this
    /// thread). The dispatch loop publishes it on every call and return; for
    /// one of this thread's pooled frames it is kept as the pool index, since
    /// storing an int costs no GC write barrier and storing a reference does.
    /// </summary>
    public Frame? CurrentFrame
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _currentPooled >= 0 ? _framePool[_currentPooled] : _currentOther;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            if (value is { PoolIndex: >= 0 } pooled) _currentPooled = pooled.PoolIndex;
            else
            {
                _currentPooled = -1;
                if (!ReferenceEquals(_currentOther, value)) _currentOther = value;
            }
        }
    }
    private int _currentPooled = -1;
    private Frame? _currentOther;

    /// <summary>Python frames active on this thread, for RecursionError.</summary>
    public int Depth;

    /// <summary>sys.exc_info()[1]: the exception being handled by an except block (owned), or null.</summary>
    public PyObject? HandledException;

    /// <summary>
    /// Non-zero when the dispatch loop must stop and look (CPython's eval_breaker):
    /// pending signals now, GIL drop requests later. Checked at RESUME and at
    /// JUMP_BACKWARD, never per instruction.
    /// </summary>
    public volatile int EvalBreaker;
    /// <summary>A KeyboardInterrupt is waiting to be raised (Ctrl-C).</summary>
    public volatile bool PendingInterrupt;
    /// <summary>Set with PendingInterrupt, so a blocking wait (sleep, lock acquire) ends early, as EINTR ends CPython's.</summary>
    public readonly ManualResetEventSlim InterruptEvent = new(false);

    /// <summary>What this thread did with the GIL (--gil-stats, --gil-trace).</summary>
    public readonly GilStats Stats = new();
    /// <summary>threading.get_ident(): pthread_self() of the OS thread, as CPython answers.</summary>
    public ulong Ident;
    /// <summary>threading.get_native_id(): the kernel's thread id.</summary>
    public long NativeId;
    /// <summary>_thread._set_sentinel(): a lock released when this thread's state goes away (Thread.join waits on it).</summary>
    public Objects.PyLock? Sentinel;
    /// <summary>--free-threaded: this thread's owner id, and objects other threads handed back for merging (BiasedRefCount).</summary>
    public int OwnerId;
    public readonly List<PyObject> MergeQueue = new();

    private Frame[] _framePool = new Frame[64];
    private int _poolTop;

    public PyThreadState(Interpreter interp, string name)
    {
        Interp = interp;
        Name = name;
        ManagedThreadId = Environment.CurrentManagedThreadId;
    }

    /// <summary>Bind this state to the calling OS thread.</summary>
    public void Attach()
    {
        t_current = this;
        Ident = NativeThread.CurrentIdent();
        NativeId = NativeThread.CurrentNativeId();
        if (RefMode.Biased) BiasedRefCount.AttachThread(this);
        Interp.AddThread(this);
    }

    public static void Detach()
    {
        if (t_current is { } ts)
        {
            if (RefMode.Biased) BiasedRefCount.DetachThread(ts);
            ts.Interp.RemoveThread(ts);
        }
        t_current = null;
    }

    // ------------------------------------------------------------------ frames

    /// <summary>Take a frame from the per-thread pool (the frame free list) and prepare it for a call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Frame PushFrame(CodeObject code, PyFunction? function, PyDict globals, PyDict builtins, PyDict? locals)
    {
        if (Depth >= Interp.RecursionLimit)
            throw Exc.RecursionError("maximum recursion depth exceeded");
        if (_poolTop == _framePool.Length) Array.Resize(ref _framePool, _framePool.Length * 2);
        var frame = _framePool[_poolTop] ??= new Frame { PoolIndex = _poolTop };
        _poolTop++;
        Depth++;
        frame.Init(code, function, globals, builtins, locals);
        return frame;
    }

    /// <summary>A frame that outlives the call (a generator's).</summary>
    internal static Frame NewDetachedFrame(CodeObject code, PyFunction? function, PyDict globals, PyDict builtins)
    {
        var frame = new Frame();
        frame.Init(code, function, globals, builtins, null);
        return frame;
    }

    /// <summary>Release a finished frame: its references, and its pool slot.</summary>
    internal void PopFrame(Frame frame)
    {
        frame.Clear();
        if (frame.PoolIndex >= 0)
        {
            _poolTop--;
            Depth--;
        }
    }

    /// <summary>PopFrame after a normal return: only slots below sp can hold references.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void PopFrameAfterReturn<TRefs>(Frame frame, int sp, int tid) where TRefs : struct, IRefPolicy
    {
        frame.Clear<TRefs>(sp, tid);
        if (frame.PoolIndex >= 0)
        {
            _poolTop--;
            Depth--;
        }
    }

    /// <summary>Every frame this thread is running, innermost first (for the audit and sys._getframe).</summary>
    public IEnumerable<Frame> Frames()
    {
        for (var f = CurrentFrame; f is not null; f = f.Back) yield return f;
    }

    // ------------------------------------------------------------------ running code

    /// <summary>Run a module's code with dict as its globals and locals; returns the result (new reference).</summary>
    public PyObject RunModuleCode(CodeObject code, PyDict dict)
    {
        var builtins = Interp.BuiltinsDict;
        dict.Incref();
        Frame frame;
        try { frame = PushFrame(code, null, dict, builtins, dict); }
        catch { dict.Decref(); throw; }
        frame.Back = CurrentFrame;
        return Run(frame);
    }

    /// <summary>Run a class body function with ns as its locals (__build_class__).</summary>
    public PyObject RunClassBody(PyFunction body, PyDict ns)
    {
        body.Incref(); ns.Incref();
        Frame frame;
        try { frame = PushFrame(body.Code, body, body.Globals, body.Builtins, ns); }
        catch { body.Decref(); ns.Decref(); throw; }
        frame.Back = CurrentFrame;
        return Run(frame);
    }

    /// <summary>
    /// Whether the .NET stack has room for one more nested dispatch loop (host
    /// code calling Python: a builtin's callback, a generator's next()). Every
    /// nesting also pushes a Python frame, so below 64 frames the nesting is
    /// shallow by construction and the stack probe is skipped.
    /// </summary>
    internal bool HostStackAllowsNesting() => Depth <= 64 || RuntimeHelpers.TryEnsureSufficientExecutionStack();

    /// <summary>Call a Python function from host code (a nested dispatch loop).</summary>
    public PyObject CallFunction(PyFunction f, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (!HostStackAllowsNesting())
            throw Exc.RecursionError("maximum recursion depth exceeded");
        var code = f.Code;
        if ((code.Flags & CodeFlags.Generator) != 0)
        {
            var gframe = NewDetachedFrame(code, (PyFunction)f.NewRef(), f.Globals, f.Builtins);
            try { BindArguments(gframe, f, args, kwnames); }
            catch { gframe.Clear(); throw; }
            return new PyGenerator(gframe);
        }
        f.Incref();
        Frame frame;
        try { frame = PushFrame(code, f, f.Globals, f.Builtins, null); }
        catch { f.Decref(); throw; }
        try { BindArguments(frame, f, args, kwnames); }
        catch { PopFrame(frame); throw; }
        frame.Back = CurrentFrame;
        return Run(frame);
    }

    // ------------------------------------------------------------------ eval breaker

    /// <summary>Something asked the loop to stop and look: hand over the GIL if another thread asked, raise a pending KeyboardInterrupt.</summary>
    internal void HandleEvalBreaker()
    {
        EvalBreaker = 0;
        if (Interp.Mode == ThreadMode.Gil) Interp.Gil.YieldIfRequested(this);
        else if (RefMode.Biased) BiasedRefCount.MergeQueued(this);
        if (PendingInterrupt)
        {
            PendingInterrupt = false;
            InterruptEvent.Reset();
            throw new PyException(new PyBaseException(ExceptionTypes.KeyboardInterrupt, PyTuple.Empty()));
        }
    }

    /// <summary>After a blocking wait that an interrupt ended: raise the KeyboardInterrupt now (holding the GIL).</summary>
    public void RaisePendingInterrupt()
    {
        if (PendingInterrupt) HandleEvalBreaker();
    }

    /// <summary>Ask this thread's loop to raise KeyboardInterrupt at its next check (SIGINT).</summary>
    public void RequestInterrupt()
    {
        PendingInterrupt = true;
        InterruptEvent.Set();
        EvalBreaker = 1;
    }

    // ------------------------------------------------------------------ helpers used by builtins

    /// <summary>super() with no arguments: the calling frame's first argument and its __class__ cell.</summary>
    public PyObject ZeroArgSuper()
    {
        var frame = CurrentFrame ?? throw Exc.RuntimeError("super(): no current frame");
        var code = frame.Code;
        if (code.ArgCount == 0 && (code.Flags & CodeFlags.VarArgs) == 0) throw Exc.RuntimeError("super(): no arguments");
        var first = frame.Slots[0];
        if (first is PyCell c0 && (code.LocalsPlusKinds[0] & LocalKind.Cell) != 0) first = c0.Contents;
        if (first is null) throw Exc.RuntimeError("super(): arg[0] deleted");
        for (int i = 0; i < code.LocalsPlusNames.Length; i++)
        {
            if (code.LocalsPlusNames[i] == "__class__" && (code.LocalsPlusKinds[i] & LocalKind.Free) != 0)
            {
                if (frame.Slots[i] is not PyCell cell || cell.Contents is not PyType t)
                    throw Exc.RuntimeError("super(): empty __class__ cell");
                if (!first.Type.IsSubtypeOf(t) && !(first is PyType ft && ft.IsSubtypeOf(t)))
                    throw Exc.TypeError("super(type, obj): obj must be an instance or subtype of type");
                return new PySuper(t, first);
            }
        }
        throw Exc.RuntimeError("super(): __class__ cell not found");
    }

    /// <summary>The exception instance to raise for `raise X`: X itself, or X() for a class.</summary>
    public static PyBaseException MakeException(PyObject typeOrValue, PyObject? value)
    {
        if (typeOrValue is PyType t)
        {
            if (!t.IsSubtypeOf(ExceptionTypes.BaseException))
                throw Exc.TypeError("exceptions must derive from BaseException");
            var inst = value is null || value is PyNone ? Ops.Call0(t) : Ops.Call1(t, value);
            if (inst is not PyBaseException be)
            {
                inst.Decref();
                throw Exc.TypeError($"calling {t.Name} should have returned an instance of BaseException, not {inst.Type.Name}");
            }
            return be;
        }
        if (typeOrValue is PyBaseException e) { e.Incref(); return e; }
        throw Exc.TypeError("exceptions must derive from BaseException");
    }

    /// <summary>A compile error as the Python SyntaxError instance (msg, (filename, lineno, offset, text)).</summary>
    public PyException SyntaxErrorToPython(SyntaxErrorException se)
    {
        var type = se.Kind switch
        {
            "IndentationError" => ExceptionTypes.IndentationError,
            "TabError" => ExceptionTypes.TabError,
            _ => ExceptionTypes.SyntaxError,
        };
        // end_lineno / end_offset: the error's range; without one, the tokenizer's (offset, offset): one caret.
        int endLine = se.HasRange ? se.EndLine : se.Line;
        int endOffset = se.HasRange ? se.EndColumn + 1 : se.Column + 1;
        var details = PyTuple.Create(PyStr.FromString(se.Filename), PyInt.FromLong(se.Line), PyInt.FromLong(se.Column + 1),
            se.SourceLine is null ? PyNone.Instance.NewRef() : PyStr.FromString(se.SourceLine),
            PyInt.FromLong(endLine), PyInt.FromLong(endOffset));
        var e = new PyBaseException(type, PyTuple.Create(PyStr.FromString(se.Msg), details));
        var d = e.InstanceDict!;
        void Set(string k, PyObject v) { d.SetItemString(k, v); v.Decref(); }
        Set("msg", PyStr.FromString(se.Msg));
        Set("filename", PyStr.FromString(se.Filename));
        Set("lineno", PyInt.FromLong(se.Line));
        Set("offset", PyInt.FromLong(se.Column + 1));
        Set("text", se.SourceLine is null ? PyNone.Instance.NewRef() : PyStr.FromString(se.SourceLine));
        Set("end_lineno", PyInt.FromLong(endLine));
        Set("end_offset", PyInt.FromLong(endOffset));
        return new PyException(e);
    }
}
