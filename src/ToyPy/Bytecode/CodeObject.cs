using ToyPy.Objects;

namespace ToyPy.Bytecode;

/// <summary>One row of the exception table (CPython 3.11, Objects/exception_handling_notes.txt):
/// an exception raised by an instruction in [Start, End) pops the value stack down to
/// Depth, pushes the instruction index (if PushLasti) and the exception, and jumps to Target.
/// Indexes are instruction indexes.</summary>
public readonly record struct ExceptionTableEntry(int Start, int End, int Target, int Depth, bool PushLasti);

/// <summary>Code flags, CPython's CO_* values (Include/cpython/code.h).</summary>
[Flags]
public enum CodeFlags
{
    None = 0, Optimized = 0x1, NewLocals = 0x2, VarArgs = 0x4, VarKeywords = 0x8,
    Nested = 0x10, Generator = 0x20, NoFree = 0x40, Coroutine = 0x80, IterableCoroutine = 0x100,
    AsyncGenerator = 0x200,
}

/// <summary>Kinds of a localsplus slot (3.11's CO_FAST_*): a slot may be both LOCAL and CELL (an argument captured by a closure).</summary>
[Flags]
public enum LocalKind : byte { Local = 0x20, Cell = 0x40, Free = 0x80 }

/// <summary>
/// A compiled function body, module or class body (Objects/codeobject.c).
/// Localsplus layout (3.11): the variables of co_varnames (arguments first, in
/// order: positional, keyword-only, *args, **kwargs), then cell variables that
/// are not arguments, then free variables. A frame's slot array is localsplus
/// followed by the value stack (StackSize slots).
/// </summary>
public sealed class CodeObject : PyObject
{
    public required string Name { get; init; }
    public required string QualName { get; init; }
    public required string Filename { get; init; }
    public int FirstLineNo { get; init; }
    public int ArgCount { get; init; }
    public int PosOnlyArgCount { get; init; }
    public int KwOnlyArgCount { get; init; }
    public CodeFlags Flags { get; init; }
    /// <summary>--free-threaded: the constants were made immortal (BiasedRefCount.Share).</summary>
    public bool ConstantsShared;
    public int StackSize { get; init; }

    /// <summary>One int per instruction: (int)OpCode | (arg &lt;&lt; 8).</summary>
    public required int[] Instructions { get; init; }
    /// <summary>Source line of each instruction (parallel to Instructions), -1 for none.</summary>
    public required int[] Lines { get; init; }
    /// <summary>
    /// The rest of each instruction's source position (3.11's co_positions), parallel to
    /// Instructions: end line, and 0-based start / end columns in characters, -1 for none.
    /// Null when the code object has no column information.
    /// </summary>
    public int[]? EndLines { get; init; }
    public int[]? Columns { get; init; }
    public int[]? EndColumns { get; init; }
    /// <summary>co_consts: owned references (the code object holds one reference to each).</summary>
    public required PyObject[] Consts { get; init; }
    /// <summary>co_names: attribute, global and imported names, interned.</summary>
    public required PyStr[] Names { get; init; }
    /// <summary>Names of every localsplus slot.</summary>
    public required string[] LocalsPlusNames { get; init; }
    public required LocalKind[] LocalsPlusKinds { get; init; }
    public ExceptionTableEntry[] ExceptionTable { get; init; } = Array.Empty<ExceptionTableEntry>();

    public CodeObject() : base(PyTypes.Code) { }

    public int NLocalsPlus => LocalsPlusNames.Length;
    /// <summary>Number of free variables (the last NFree slots of localsplus).</summary>
    public int NFree
    {
        get { int n = 0; foreach (var k in LocalsPlusKinds) if ((k & LocalKind.Free) != 0) n++; return n; }
    }

    /// <summary>
    /// The source position of instruction i as code.co_positions() reports it
    /// (PyCode_Addr2Location): line -1 when the instruction has none; columns -1 when
    /// the instruction has a line but no columns.
    /// </summary>
    public (int Line, int EndLine, int Column, int EndColumn) PositionOf(int i)
    {
        if (i < 0 || i >= Lines.Length) return (-1, -1, -1, -1);
        int line = Lines[i];
        if (line < 0) return (-1, -1, -1, -1);
        int endLine = EndLines is { } el ? el[i] : line;
        int col = Columns is { } c ? c[i] : -1;
        int endCol = EndColumns is { } ec ? ec[i] : -1;
        return (line, endLine, col, endCol);
    }

    public static OpCode OpOf(int instruction) => (OpCode)(instruction & 0xFF);
    public static int ArgOf(int instruction) => instruction >>> 8;
    public static int Encode(OpCode op, int arg) => (int)op | (arg << 8);

    /// <summary>Per-instruction inline caches for specialised instructions (VM-private).</summary>
    internal object?[]? InlineCache;

    /// <summary>The instructions the VM runs: Instructions with superinstructions folded in (see Quickening).</summary>
    internal int[]? Quickened;

    public override PyStr Repr() =>
        PyStr.FromString($"<code object {Name} at 0x{Runtime.Heap.Address(this):x}, file \"{Filename}\", line {FirstLineNo}>");

    public override void Traverse(Action<PyObject> visit)
    {
        foreach (var c in Consts) if (c is not null) visit(c);
        foreach (var n in Names) if (n is not null) visit(n);
    }

    protected internal override void ClearReferences()
    {
        for (int i = 0; i < Consts.Length; i++) { var c = Consts[i]; Consts[i] = null!; c?.Decref(); }
        for (int i = 0; i < Names.Length; i++) { var n = Names[i]; Names[i] = null!; n?.Decref(); }
    }
}
