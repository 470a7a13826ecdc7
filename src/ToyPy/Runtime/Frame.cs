using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// An executing code object (3.11's _PyInterpreterFrame). Frames live on the
/// thread's heap frame stack, not the .NET stack: a Python-to-Python call
/// pushes a frame and the dispatch loop carries on in it. Slots holds the
/// localsplus variables followed by the value stack; every non-null slot owns
/// one reference, and popped slots are cleared so the exception unwinder and
/// the refcount audit can see exactly what a frame holds.
/// </summary>
public sealed class Frame
{
    public CodeObject Code = null!;
    /// <summary>The function being run (owned), null for module and exec'd code.</summary>
    public PyFunction? Function;
    public PyDict Globals = null!;
    public PyDict Builtins = null!;
    /// <summary>The locals namespace of module and class bodies (owned); null in functions.</summary>
    public PyDict? Locals;
    public PyObject?[] Slots = Array.Empty<PyObject?>();
    /// <summary>Index of the first value-stack slot (= number of localsplus slots).</summary>
    public int StackBase;
    /// <summary>Saved stack pointer (absolute slot index) while the frame is not running.</summary>
    public int Sp;
    /// <summary>Next instruction to run.</summary>
    public int Ip;
    /// <summary>The instruction running or last run, for tracebacks and line numbers.</summary>
    public int LastI;
    public Frame? Back;
    /// <summary>Returning from this frame leaves the Run call that entered it (host re-entry, generators).</summary>
    public bool IsEntry;
    /// <summary>Set for frames of __init__ run inline by a class call: the instance is the call's result.</summary>
    public PyObject? InitInstance;
    /// <summary>A generator frame resumed by FOR_ITER inside the loop running its consumer (Back): yield and return go back there.</summary>
    public bool ResumedInline;
    /// <summary>Generator frames are not pooled and survive between resumptions.</summary>
    public PyGenerator? Generator;
    /// <summary>Depth in the thread's frame stack (for pooling).</summary>
    public int PoolIndex = -1;

    public int CurrentLine => LastI >= 0 && LastI < Code.Lines.Length ? Code.Lines[LastI] : Code.FirstLineNo;

    /// <summary>Prepare for running code; slots sized for localsplus + stack, all empty.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public void Init(CodeObject code, PyFunction? function, PyDict globals, PyDict builtins, PyDict? locals)
    {
        // A pooled frame is usually reused for the same function (recursion, loops
        // calling one helper): skip unchanged reference stores, each of which
        // would cost a GC write barrier.
        if (!ReferenceEquals(Code, code)) Code = code;
        if (!ReferenceEquals(Function, function)) Function = function;
        if (!ReferenceEquals(Globals, globals)) Globals = globals;
        if (!ReferenceEquals(Builtins, builtins)) Builtins = builtins;
        if (locals is not null) Locals = locals;
        int n = code.NLocalsPlus + code.StackSize + 1;
        if (Slots.Length < n) Slots = new PyObject?[Math.Max(n, 16)];
        StackBase = code.NLocalsPlus;
        Sp = StackBase;
        Ip = 0;
        LastI = -1;
        IsEntry = false;
        Live = true;
    }

    /// <summary>The frame holds references (between Init and Clear).</summary>
    public bool Live;

    /// <summary>Release everything the frame owns (locals, stack, function, locals dict).</summary>
    public void Clear() => Clear(Math.Min(Slots.Length, StackBase + Code.StackSize + 1));

    /// <summary>Release the frame's references; slots at and above `end` are known to be empty (a normal return leaves an empty stack).</summary>
    public void Clear(int end)
    {
        if (!RefMode.Special) Clear<PlainRefs>(end, 0);
        else if (RefMode.Racy) Clear<RacyRefs>(end, 0);
        else Clear<BiasedRefs>(end, BiasedRefCount.CurrentTid);
    }

    /// <summary>Clear under a count policy: the dispatch loop's return path passes its own, so no update goes through the mode test.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void Clear<TRefs>(int end, int tid) where TRefs : struct, IRefPolicy
    {
        if (!Live) return;
        Live = false;
        var slots = Slots;
        for (int i = 0; i < end; i++)
        {
            var o = slots[i];
            if (o is not null) { slots[i] = null; Refs.Dec<TRefs>(o, tid); }
        }
        // Function, Code, Globals and Builtins stay in place (a dead frame is never
        // walked): the next Init of this pooled frame then usually stores nothing.
        var l = Locals; Locals = null;
        var init = InitInstance; InitInstance = null;
        if (Function is { } f) Refs.Dec<TRefs>(f, tid);
        if (l is not null) Refs.Dec<TRefs>(l, tid);
        if (init is not null) Refs.Dec<TRefs>(init, tid);
        // A pooled frame keeps Back: its next caller is usually the same pooled
        // frame, and the store the next call skips would cost a write barrier.
        if (PoolIndex < 0) Back = null;
        Generator = null;
    }

    /// <summary>
    /// Push a reference onto the stack of this frame while it is not running (a
    /// callee's result, a value sent into a generator). An unchecked store: the
    /// covariant array store would pay a type check every time.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void Push(PyObject value) =>
        System.Runtime.CompilerServices.Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(Slots), Sp++) = value;

    /// <summary>Visit every reference the frame owns (for the refcount audit).</summary>
    public void Traverse(Action<PyObject> visit)
    {
        if (!Live) return;
        foreach (var o in Slots) if (o is not null) visit(o);
        if (Function is not null) visit(Function);
        if (Locals is not null) visit(Locals);
        if (InitInstance is not null) visit(InitInstance);
    }
}
