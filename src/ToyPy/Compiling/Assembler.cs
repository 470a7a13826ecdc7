using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Compiling;

/// <summary>Compiler-only pseudo instructions (CPython 3.11's SETUP_*, POP_BLOCK, JUMP...), numbered above the real opcodes.</summary>
internal static class Pseudo
{
    public const int SetupFinally = 256;
    public const int SetupCleanup = 257;
    public const int SetupWith = 258;
    public const int PopBlock = 259;
    /// <summary>Unconditional jump; becomes JUMP_FORWARD or JUMP_BACKWARD.</summary>
    public const int Jump = 260;
    /// <summary>JUMP_BACKWARD_NO_INTERRUPT in 3.11 (yield from loops); becomes JUMP_BACKWARD.</summary>
    public const int JumpNoInterrupt = 261;

    public static string Name(int op) => op switch
    {
        SetupFinally => "SETUP_FINALLY",
        SetupCleanup => "SETUP_CLEANUP",
        SetupWith => "SETUP_WITH",
        PopBlock => "POP_BLOCK",
        Jump => "JUMP",
        JumpNoInterrupt => "JUMP_NO_INTERRUPT",
        _ => OpCodeInfo.Of((OpCode)op).Name,
    };
}

/// <summary>
/// A source location (3.11's i_lineno, i_end_lineno, i_col_offset, i_end_col_offset):
/// 1-based lines, 0-based columns in characters; Line -1 marks an artificial
/// instruction, columns -1 an instruction with a line but no columns.
/// </summary>
internal readonly record struct Loc(int Line, int EndLine, int Col, int EndCol)
{
    /// <summary>UNSET_LOC: no location at all.</summary>
    public static readonly Loc None = new(-1, -1, -1, -1);

    /// <summary>SET_LOC: the location of a syntax tree node.</summary>
    public static Loc Of(ToyPy.Parsing.Ast.Node n) => new(n.Line, n.EndLine, n.Column, n.EndColumn);
}

/// <summary>One instruction of the control-flow graph (struct instr).</summary>
internal sealed class Instr
{
    public int Op;
    public int Arg;
    public BasicBlock? Target;
    public int Line = -1;
    public int EndLine = -1;
    public int Col = -1;
    public int EndCol = -1;

    /// <summary>The whole location (COPY_INSTR_LOC copies all four fields).</summary>
    public Loc Loc
    {
        get => new(Line, EndLine, Col, EndCol);
        set { Line = value.Line; EndLine = value.EndLine; Col = value.Col; EndCol = value.EndCol; }
    }
    /// <summary>The exception handler covering this instruction (set by LabelExceptionTargets).</summary>
    public BasicBlock? Except;

    public Instr Clone() => (Instr)MemberwiseClone();
    public override string ToString() => $"{Pseudo.Name(Op)} {Arg}{(Target is null ? "" : " -> B" + Target.Id)} @{Line}";
}

/// <summary>A basic block (basicblock): Next is the layout order, ListNext the allocation list.</summary>
internal sealed class BasicBlock
{
    private static int s_ids;
    public readonly int Id = Interlocked.Increment(ref s_ids);
    public readonly List<Instr> Instrs = new();
    public BasicBlock? Next;
    public BasicBlock? ListNext;
    public bool PreserveLasti;
    public int StartDepth = int.MinValue;
    public int Predecessors;
    public bool Visited;
    public int Offset;
    public int Order;
    public List<BasicBlock>? ExceptStack;

    public Instr? Last => Instrs.Count > 0 ? Instrs[^1] : null;
    public override string ToString() => $"B{Id}";
}

/// <summary>
/// Turns a compiled unit's control-flow graph into a CodeObject, following
/// CPython 3.11's assemble(): return-None epilogue, exit-block extension,
/// prefix instructions (MAKE_CELL, COPY_FREE_VARS), the peephole optimiser,
/// unreachable-code removal, line-number propagation, stack depth, exception
/// table, then jump normalisation (conditional jumps only go forward; a
/// backward conditional jump becomes the inverted forward jump plus
/// JUMP_BACKWARD) and resolution to absolute instruction indexes.
/// </summary>
internal static class Assembler
{
    private const int MaxCopySize = 4;

    // ------------------------------------------------------------------ instruction classes

    public static bool IsJump(Instr i) => IsJumpOp(i.Op);

    public static bool IsJumpOp(int op) => op switch
    {
        Pseudo.Jump or Pseudo.JumpNoInterrupt => true,
        (int)OpCode.JumpForward or (int)OpCode.JumpBackward or (int)OpCode.PopJumpIfFalse or (int)OpCode.PopJumpIfTrue
            or (int)OpCode.PopJumpIfNone or (int)OpCode.PopJumpIfNotNone or (int)OpCode.JumpIfFalseOrPop
            or (int)OpCode.JumpIfTrueOrPop or (int)OpCode.ForIter or (int)OpCode.Send => true,
        _ => false,
    };

    public static bool IsBlockPush(Instr i) => i.Op is Pseudo.SetupFinally or Pseudo.SetupCleanup or Pseudo.SetupWith;

    public static bool IsUnconditionalJump(int op) =>
        op is Pseudo.Jump or Pseudo.JumpNoInterrupt or (int)OpCode.JumpForward or (int)OpCode.JumpBackward;

    public static bool IsScopeExit(int op) =>
        op is (int)OpCode.ReturnValue or (int)OpCode.RaiseVarargs or (int)OpCode.Reraise;

    private static bool HasFallthrough(BasicBlock b)
    {
        var last = b.Last;
        return last is null || !(IsUnconditionalJump(last.Op) || IsScopeExit(last.Op));
    }

    private static bool IsExitBlock(BasicBlock b) => b.Last is { } l && IsScopeExit(l.Op);

    public static int StackEffect(int op, int arg, bool jump) => op switch
    {
        Pseudo.SetupFinally => jump ? 1 : 0,
        Pseudo.SetupCleanup => jump ? 2 : 0,
        Pseudo.SetupWith => jump ? 1 : 0,
        Pseudo.PopBlock or Pseudo.Jump or Pseudo.JumpNoInterrupt => 0,
        _ => OpCodeInfo.StackEffect((OpCode)op, arg, jump),
    };

    private static IEnumerable<BasicBlock> Layout(BasicBlock entry)
    {
        for (var b = entry; b is not null; b = b.Next) yield return b;
    }

    private static IEnumerable<BasicBlock> AllocationList(CompilerUnit u)
    {
        for (var b = u.Blocks; b is not null; b = b.ListNext) yield return b;
    }

    // ------------------------------------------------------------------ entry point

    public static CodeObject Assemble(CompilerUnit u, bool addNone, CodeFlags flags, string filename)
    {
        // Make sure every block that falls off the end returns None.
        if (!u.Cur.Instrs.Any(i => i.Op == (int)OpCode.ReturnValue))
        {
            u.Loc = Loc.None;
            if (addNone) u.Emit((int)OpCode.LoadConst, u.AddConst(CNone.Instance));
            u.Emit((int)OpCode.ReturnValue);
        }

        var entry = u.Entry;
        foreach (var b in AllocationList(u)) NormalizeBasicBlock(b);
        foreach (var b in AllocationList(u)) ExtendBlock(b);

        // Localsplus layout and the cell/free index fix-ups.
        var varNames = u.VarNames.Items;
        var cellVars = u.CellVars;
        var freeVars = u.FreeVars;
        int nvars = varNames.Count;
        var fixedOffsets = new int[cellVars.Count + freeVars.Count];
        int nonArgCells = 0;
        for (int i = 0; i < cellVars.Count; i++)
        {
            int vi = u.VarNames.IndexOf(cellVars[i]);
            fixedOffsets[i] = vi >= 0 ? vi : nvars + nonArgCells++;
        }
        for (int j = 0; j < freeVars.Count; j++) fixedOffsets[cellVars.Count + j] = nvars + nonArgCells + j;
        int nlocalsplus = nvars + nonArgCells + freeVars.Count;

        InsertPrefixInstructions(entry, fixedOffsets, cellVars.Count, freeVars.Count);

        OptimizeCfg(u, entry);
        DuplicateExitsWithoutLineno(u);
        var consts = TrimUnusedConsts(entry, u.Consts.Items);
        PropagateLineNumbers(entry);
        GuaranteeLinenoForExits(entry, u.FirstLineNo);
        int maxDepth = StackDepth(entry);
        LabelExceptionTargets(entry);
        ConvertExceptionHandlersToNops(entry);
        foreach (var b in Layout(entry)) CleanBasicBlock(b, -1);
        NormalizeJumps(entry);

        // Resolve offsets.
        int offset = 0;
        foreach (var b in Layout(entry)) { b.Offset = offset; offset += b.Instrs.Count; }
        var code = new int[offset];
        var lines = new int[offset];
        var endLines = new int[offset];
        var cols = new int[offset];
        var endCols = new int[offset];
        int k = 0;
        foreach (var b in Layout(entry))
        {
            foreach (var ins in b.Instrs)
            {
                int arg = ins.Arg;
                if (ins.Target is not null) arg = ins.Target.Offset;
                if (ins.Op is (int)OpCode.LoadDeref or (int)OpCode.StoreDeref or (int)OpCode.DeleteDeref
                    or (int)OpCode.LoadClosure or (int)OpCode.LoadClassDeref)
                    arg = fixedOffsets[arg];
                if (ins.Op >= 256) throw new InvalidOperationException($"pseudo instruction {Pseudo.Name(ins.Op)} left after assembly");
                if (arg < 0 || arg >= (1 << 24)) throw new InvalidOperationException($"argument {arg} out of range");
                code[k] = CodeObject.Encode((OpCode)ins.Op, arg);
                lines[k] = ins.Line;
                (endLines[k], cols[k], endCols[k]) = EncodedPosition(ins);
                k++;
            }
        }
        var table = AssembleExceptionTable(entry);

        // Localsplus names and kinds.
        var lpNames = new string[nlocalsplus];
        var lpKinds = new LocalKind[nlocalsplus];
        for (int i = 0; i < nvars; i++) { lpNames[i] = varNames[i]; lpKinds[i] = LocalKind.Local; }
        for (int i = 0; i < cellVars.Count; i++) { lpNames[fixedOffsets[i]] = cellVars[i]; lpKinds[fixedOffsets[i]] |= LocalKind.Cell; }
        for (int j = 0; j < freeVars.Count; j++) { lpNames[fixedOffsets[cellVars.Count + j]] = freeVars[j]; lpKinds[fixedOffsets[cellVars.Count + j]] = LocalKind.Free; }

        if (cellVars.Count == 0 && freeVars.Count == 0) flags |= CodeFlags.NoFree;

        var constObjs = new PyObject[consts.Count];
        for (int i = 0; i < consts.Count; i++) constObjs[i] = consts[i].Materialize();
        var names = new PyStr[u.Names.Items.Count];
        for (int i = 0; i < names.Length; i++) names[i] = PyStr.Intern(u.Names.Items[i]);

        // The compiler's own references to nested code objects now belong to co_consts.
        foreach (var c in u.Consts.Items) if (c is CCode cc) cc.Code.Decref();

        return new CodeObject
        {
            Name = u.Name,
            QualName = u.QualName,
            Filename = filename,
            FirstLineNo = u.FirstLineNo,
            ArgCount = u.ArgCount + u.PosOnlyArgCount,
            PosOnlyArgCount = u.PosOnlyArgCount,
            KwOnlyArgCount = u.KwOnlyArgCount,
            Flags = flags,
            StackSize = maxDepth,
            Instructions = code,
            Lines = lines,
            EndLines = endLines,
            Columns = cols,
            EndColumns = endCols,
            Consts = constObjs,
            Names = names,
            LocalsPlusNames = lpNames,
            LocalsPlusKinds = lpKinds,
            ExceptionTable = table,
        };
    }

    /// <summary>
    /// What the location table keeps of an instruction's position (write_location_info_entry
    /// and its decoding): nothing without a line; no columns when either column is unknown.
    /// </summary>
    private static (int EndLine, int Col, int EndCol) EncodedPosition(Instr ins)
    {
        if (ins.Line < 0) return (-1, -1, -1);
        if (ins.Col < 0 || ins.EndCol < 0)
            return (ins.EndLine == ins.Line || ins.EndLine == -1 ? ins.Line : ins.EndLine, -1, -1);
        return (ins.EndLine, ins.Col, ins.EndCol);
    }

    // ------------------------------------------------------------------ passes

    private static void NormalizeBasicBlock(BasicBlock b)
    {
        for (int i = 0; i < b.Instrs.Count; i++)
        {
            var ins = b.Instrs[i];
            if ((IsJump(ins) || IsScopeExit(ins.Op)) && i != b.Instrs.Count - 1)
                throw new InvalidOperationException("malformed control flow graph");
            if (IsJump(ins) || IsBlockPush(ins)) SkipEmptyTarget(ins);
        }
    }

    private static void SkipEmptyTarget(Instr ins)
    {
        while (ins.Target!.Instrs.Count == 0) ins.Target = ins.Target.Next
            ?? throw new InvalidOperationException("jump to empty trailing block");
    }

    private static void ExtendBlock(BasicBlock b)
    {
        var last = b.Last;
        if (last is null) return;
        if (!(last.Op is Pseudo.Jump or (int)OpCode.JumpForward or (int)OpCode.JumpBackward)) return;
        var target = last.Target!;
        if (IsExitBlock(target) && target.Instrs.Count <= MaxCopySize)
        {
            // copy only blocks without line number (like implicit 'return None's)
            if (target.Instrs.Any(i => i.Line >= 0)) return;
            last.Op = (int)OpCode.Nop;
            last.Arg = 0;
            last.Target = null;
            foreach (var ins in target.Instrs) b.Instrs.Add(ins.Clone());
        }
    }

    private static void InsertPrefixInstructions(BasicBlock entry, int[] fixedOffsets, int ncells, int nfree)
    {
        var prefix = new List<Instr>();
        // COPY_FREE_VARS first, then MAKE_CELL (3.11 inserts the copy at index 0 after the cells).
        if (nfree > 0) prefix.Add(new Instr { Op = (int)OpCode.CopyFreeVars, Arg = nfree, Line = -1 });
        if (ncells > 0)
        {
            // MAKE_CELL in localsplus order (argument cells come first).
            var order = Enumerable.Range(0, ncells).OrderBy(i => fixedOffsets[i]);
            foreach (var i in order) prefix.Add(new Instr { Op = (int)OpCode.MakeCell, Arg = fixedOffsets[i], Line = -1 });
        }
        entry.Instrs.InsertRange(0, prefix);
    }

    private static void ComputeOrder(BasicBlock entry)
    {
        int n = 0;
        foreach (var b in Layout(entry)) b.Order = n++;
    }

    private static bool IsForwardTarget(BasicBlock from, BasicBlock to) => to.Order > from.Order;

    private static void OptimizeCfg(CompilerUnit u, BasicBlock entry)
    {
        ComputeOrder(entry);
        foreach (var b in Layout(entry))
        {
            OptimizeBasicBlock(u, b);
            CleanBasicBlock(b, -1);
        }
        foreach (var b in AllocationList(u)) ExtendBlock(b);
        MarkReachable(entry);
        foreach (var b in Layout(entry))
            if (b.Predecessors == 0) b.Instrs.Clear();
        BasicBlock? pred = null;
        foreach (var b in Layout(entry))
        {
            int prevLine = -1;
            if (pred is not null && pred.Instrs.Count > 0) prevLine = pred.Instrs[^1].Line;
            CleanBasicBlock(b, prevLine);
            pred = HasFallthrough(b) ? b : null;
        }
        EliminateEmptyBasicBlocks(entry);
        bool maybeEmpty = false;
        foreach (var b in Layout(entry))
        {
            var last = b.Last;
            if (last is not null && last.Op is Pseudo.Jump or Pseudo.JumpNoInterrupt && last.Target == b.Next)
            {
                last.Op = (int)OpCode.Nop;
                last.Target = null;
                maybeEmpty = true;
            }
        }
        if (maybeEmpty) EliminateEmptyBasicBlocks(entry);
    }

    private static int OpAt(BasicBlock b, int i) => i < b.Instrs.Count ? b.Instrs[i].Op : -1;

    private static void OptimizeBasicBlock(CompilerUnit u, BasicBlock bb)
    {
        var nop = new Instr { Op = (int)OpCode.Nop };
        for (int i = 0; i < bb.Instrs.Count; i++)
        {
            var inst = bb.Instrs[i];
            int oparg = inst.Arg;
            int nextop = OpAt(bb, i + 1);
            Instr target;
            if (IsJump(inst) || IsBlockPush(inst))
            {
                SkipEmptyTarget(inst);
                target = inst.Target!.Instrs[0];
            }
            else target = nop;

            switch (inst.Op)
            {
                case (int)OpCode.LoadConst:
                {
                    var cnt = u.Consts.Items[oparg];
                    switch (nextop)
                    {
                        case (int)OpCode.PopJumpIfFalse:
                        case (int)OpCode.PopJumpIfTrue:
                        {
                            bool isTrue = cnt.IsTrue;
                            inst.Op = (int)OpCode.Nop;
                            bool jumpIfTrue = nextop == (int)OpCode.PopJumpIfTrue;
                            var next = bb.Instrs[i + 1];
                            if (isTrue == jumpIfTrue) next.Op = Pseudo.Jump;
                            else { next.Op = (int)OpCode.Nop; next.Target = null; }
                            break;
                        }
                        case (int)OpCode.JumpIfFalseOrPop:
                        case (int)OpCode.JumpIfTrueOrPop:
                        {
                            bool isTrue = cnt.IsTrue;
                            bool jumpIfTrue = nextop == (int)OpCode.JumpIfTrueOrPop;
                            var next = bb.Instrs[i + 1];
                            if (isTrue == jumpIfTrue) next.Op = Pseudo.Jump;
                            else { inst.Op = (int)OpCode.Nop; next.Op = (int)OpCode.Nop; next.Target = null; }
                            break;
                        }
                        case (int)OpCode.IsOp:
                        {
                            int jumpOp = OpAt(bb, i + 2);
                            if (cnt is CNone && jumpOp is (int)OpCode.PopJumpIfFalse or (int)OpCode.PopJumpIfTrue)
                            {
                                int nextArg = bb.Instrs[i + 1].Arg;
                                inst.Op = (int)OpCode.Nop;
                                bb.Instrs[i + 1].Op = (int)OpCode.Nop;
                                bool invert = (nextArg != 0) ^ (jumpOp == (int)OpCode.PopJumpIfFalse);
                                bb.Instrs[i + 2].Op = invert ? (int)OpCode.PopJumpIfNotNone : (int)OpCode.PopJumpIfNone;
                            }
                            break;
                        }
                    }
                    break;
                }
                case (int)OpCode.BuildTuple:
                    if (nextop == (int)OpCode.UnpackSequence && oparg == bb.Instrs[i + 1].Arg)
                    {
                        if (oparg == 1)
                        {
                            inst.Op = (int)OpCode.Nop;
                            bb.Instrs[i + 1].Op = (int)OpCode.Nop;
                            continue;
                        }
                        if (oparg is 2 or 3)
                        {
                            inst.Op = (int)OpCode.Nop;
                            bb.Instrs[i + 1].Op = (int)OpCode.Swap;
                            continue;
                        }
                    }
                    if (i >= oparg) FoldTupleOnConstants(u, bb, i, oparg);
                    break;
                case (int)OpCode.JumpIfFalseOrPop:
                    switch (target.Op)
                    {
                        case (int)OpCode.PopJumpIfFalse:
                            i -= JumpThread(bb, inst, target, (int)OpCode.PopJumpIfFalse);
                            break;
                        case Pseudo.Jump:
                        case (int)OpCode.JumpIfFalseOrPop:
                            i -= JumpThread(bb, inst, target, (int)OpCode.JumpIfFalseOrPop);
                            break;
                        case (int)OpCode.JumpIfTrueOrPop:
                        case (int)OpCode.PopJumpIfTrue:
                            if (inst.Line == target.Line && inst.Target!.Next is { } nx && IsForwardTarget(bb, nx))
                            {
                                inst.Op = (int)OpCode.PopJumpIfFalse;
                                inst.Target = nx;
                                i--;
                            }
                            break;
                    }
                    break;
                case (int)OpCode.JumpIfTrueOrPop:
                    switch (target.Op)
                    {
                        case (int)OpCode.PopJumpIfTrue:
                            i -= JumpThread(bb, inst, target, (int)OpCode.PopJumpIfTrue);
                            break;
                        case Pseudo.Jump:
                        case (int)OpCode.JumpIfTrueOrPop:
                            i -= JumpThread(bb, inst, target, (int)OpCode.JumpIfTrueOrPop);
                            break;
                        case (int)OpCode.JumpIfFalseOrPop:
                        case (int)OpCode.PopJumpIfFalse:
                            if (inst.Line == target.Line && inst.Target!.Next is { } nx && IsForwardTarget(bb, nx))
                            {
                                inst.Op = (int)OpCode.PopJumpIfTrue;
                                inst.Target = nx;
                                i--;
                            }
                            break;
                    }
                    break;
                case (int)OpCode.PopJumpIfNone:
                case (int)OpCode.PopJumpIfNotNone:
                case (int)OpCode.PopJumpIfFalse:
                case (int)OpCode.PopJumpIfTrue:
                    if (target.Op == Pseudo.Jump) i -= JumpThread(bb, inst, target, inst.Op);
                    break;
                case Pseudo.Jump:
                    if (target.Op == Pseudo.Jump) i -= JumpThread(bb, inst, target, Pseudo.Jump);
                    break;
                case (int)OpCode.Swap:
                    if (oparg == 1) { inst.Op = (int)OpCode.Nop; break; }
                    ApplyStaticSwaps(bb, i);
                    break;
                case (int)OpCode.PushNull:
                    if (nextop == (int)OpCode.LoadGlobal && (bb.Instrs[i + 1].Arg & 1) == 0)
                    {
                        inst.Op = (int)OpCode.Nop;
                        inst.Arg = 0;
                        bb.Instrs[i + 1].Arg |= 1;
                    }
                    break;
            }
        }
    }

    /// <summary>Retarget inst to target's target. Conditional jumps are only threaded forward (our ISA has no backward conditional jumps).</summary>
    private static int JumpThread(BasicBlock bb, Instr inst, Instr target, int opcode)
    {
        var newTarget = target.Target!;
        if (inst.Line == target.Line && inst.Target != newTarget)
        {
            if (!IsUnconditionalJump(opcode) && !IsForwardTarget(bb, newTarget)) return 0;
            inst.Target = newTarget;
            inst.Op = opcode;
            return 1;
        }
        return 0;
    }

    private static void FoldTupleOnConstants(CompilerUnit u, BasicBlock bb, int i, int n)
    {
        for (int pos = i - n; pos < i; pos++)
            if (bb.Instrs[pos].Op != (int)OpCode.LoadConst) return;
        var items = new ConstValue[n];
        for (int k = 0; k < n; k++)
        {
            var ins = bb.Instrs[i - n + k];
            items[k] = u.Consts.Items[ins.Arg];
            ins.Op = (int)OpCode.Nop;
        }
        var inst = bb.Instrs[i];
        inst.Op = (int)OpCode.LoadConst;
        inst.Arg = u.AddConst(new CTuple(items));
    }

    private static bool Swappable(int op) => op is (int)OpCode.StoreFast or (int)OpCode.PopTop;

    private static int StoresTo(Instr i) => i.Op == (int)OpCode.StoreFast ? i.Arg : -1;

    private static int NextSwappableInstruction(BasicBlock b, int i, int line)
    {
        while (++i < b.Instrs.Count)
        {
            var ins = b.Instrs[i];
            if (line >= 0 && ins.Line != line) return -1;
            if (ins.Op == (int)OpCode.Nop) continue;
            if (Swappable(ins.Op)) return i;
            return -1;
        }
        return -1;
    }

    private static void ApplyStaticSwaps(BasicBlock b, int i)
    {
        for (; i >= 0; i--)
        {
            var swap = b.Instrs[i];
            if (swap.Op != (int)OpCode.Swap)
            {
                if (swap.Op == (int)OpCode.Nop || Swappable(swap.Op)) continue;
                return;
            }
            int j = NextSwappableInstruction(b, i, -1);
            if (j < 0) return;
            int k = j;
            int line = b.Instrs[j].Line;
            for (int count = swap.Arg - 1; count > 0; count--)
            {
                k = NextSwappableInstruction(b, k, line);
                if (k < 0) return;
            }
            int storeJ = StoresTo(b.Instrs[j]), storeK = StoresTo(b.Instrs[k]);
            if (storeJ >= 0 || storeK >= 0)
            {
                if (storeJ == storeK) return;
                for (int idx = j + 1; idx < k; idx++)
                {
                    int s = StoresTo(b.Instrs[idx]);
                    if (s >= 0 && (s == storeJ || s == storeK)) return;
                }
            }
            swap.Op = (int)OpCode.Nop;
            (b.Instrs[j], b.Instrs[k]) = (b.Instrs[k], b.Instrs[j]);
        }
    }

    /// <summary>Remove NOPs that carry no needed line number (clean_basic_block).</summary>
    private static void CleanBasicBlock(BasicBlock bb, int prevLine)
    {
        var list = bb.Instrs;
        int dest = 0;
        for (int src = 0; src < list.Count; src++)
        {
            var ins = list[src];
            int line = ins.Line;
            if (ins.Op == (int)OpCode.Nop)
            {
                if (line < 0) continue;
                if (prevLine == line) continue;
                if (src < list.Count - 1)
                {
                    int nextLine = list[src + 1].Line;
                    if (nextLine == line) continue;
                    if (nextLine < 0) { list[src + 1].Loc = ins.Loc; continue; }
                }
                else
                {
                    var next = bb.Next;
                    while (next is not null && next.Instrs.Count == 0) next = next.Next;
                    if (next is not null && line == next.Instrs[0].Line) continue;
                }
            }
            list[dest++] = ins;
            prevLine = line;
        }
        list.RemoveRange(dest, list.Count - dest);
    }

    private static void MarkReachable(BasicBlock entry)
    {
        foreach (var b in Layout(entry)) b.Predecessors = 0;
        var stack = new Stack<BasicBlock>();
        entry.Predecessors = 1;
        stack.Push(entry);
        while (stack.Count > 0)
        {
            var b = stack.Pop();
            if (b.Next is not null && HasFallthrough(b))
            {
                if (b.Next.Predecessors == 0) stack.Push(b.Next);
                b.Next.Predecessors++;
            }
            foreach (var ins in b.Instrs)
            {
                if (IsJump(ins) || IsBlockPush(ins))
                {
                    var t = ins.Target!;
                    if (t.Predecessors == 0) stack.Push(t);
                    t.Predecessors++;
                }
            }
        }
    }

    private static void EliminateEmptyBasicBlocks(BasicBlock entry)
    {
        for (var b = entry; b is not null; b = b.Next)
        {
            var next = b.Next;
            if (next is not null)
            {
                while (next.Instrs.Count == 0 && next.Next is not null) next = next.Next;
                b.Next = next;
            }
        }
        foreach (var b in Layout(entry))
            foreach (var ins in b.Instrs)
                if (IsJump(ins) || IsBlockPush(ins)) SkipEmptyTarget(ins);
    }

    private static bool IsExitWithoutLineno(BasicBlock b)
    {
        if (!IsExitBlock(b)) return false;
        foreach (var ins in b.Instrs) if (ins.Line >= 0) return false;
        return true;
    }

    private static void DuplicateExitsWithoutLineno(CompilerUnit u)
    {
        foreach (var b in AllocationList(u).ToList())
        {
            if (b.Instrs.Count > 0 && IsJump(b.Instrs[^1]))
            {
                var last = b.Instrs[^1];
                var target = last.Target!;
                if (IsExitWithoutLineno(target) && target.Predecessors > 1)
                {
                    var copy = u.NewBlock();
                    foreach (var ins in target.Instrs) copy.Instrs.Add(ins.Clone());
                    copy.Instrs[0].Loc = last.Loc;
                    last.Target = copy;
                    target.Predecessors--;
                    copy.Predecessors = 1;
                    copy.Next = target.Next;
                    target.Next = copy;
                }
            }
        }
        foreach (var b in AllocationList(u))
            while (b.Next is not null && b.Next.Instrs.Count == 0) b.Next = b.Next.Next;
        foreach (var b in AllocationList(u))
        {
            if (HasFallthrough(b) && b.Next is not null && b.Instrs.Count > 0 && IsExitWithoutLineno(b.Next))
                b.Next.Instrs[0].Loc = b.Instrs[^1].Loc;
        }
    }

    private static List<ConstValue> TrimUnusedConsts(BasicBlock entry, List<ConstValue> consts)
    {
        int max = 0; // the first constant may be a docstring; always keep it
        foreach (var b in Layout(entry))
            foreach (var ins in b.Instrs)
                if (ins.Op is (int)OpCode.LoadConst or (int)OpCode.KwNames && ins.Arg > max) max = ins.Arg;
        if (consts.Count == 0) return consts;
        return consts.Take(max + 1).ToList();
    }

    private static void PropagateLineNumbers(BasicBlock entry)
    {
        for (var b = entry; b is not null; b = b.Next)
        {
            if (b.Instrs.Count == 0) continue;
            var prev = Loc.None;
            foreach (var ins in b.Instrs)
            {
                if (ins.Line < 0) ins.Loc = prev;
                else prev = ins.Loc;
            }
            if (HasFallthrough(b) && b.Next is not null && b.Next.Predecessors == 1 && b.Next.Instrs.Count > 0)
            {
                if (b.Next.Instrs[0].Line < 0) b.Next.Instrs[0].Loc = prev;
            }
            var last = b.Instrs[^1];
            if (IsJump(last))
            {
                var t = last.Target!;
                if (t.Predecessors == 1 && t.Instrs.Count > 0 && t.Instrs[0].Line < 0) t.Instrs[0].Loc = prev;
            }
        }
    }

    private static void GuaranteeLinenoForExits(BasicBlock entry, int firstLine)
    {
        int line = firstLine;
        foreach (var b in Layout(entry))
        {
            if (b.Instrs.Count == 0) continue;
            var last = b.Instrs[^1];
            if (last.Line < 0)
            {
                if (last.Op == (int)OpCode.ReturnValue)
                    foreach (var ins in b.Instrs) ins.Line = line;
            }
            else line = last.Line;
        }
    }

    private static int StackDepth(BasicBlock entry)
    {
        foreach (var b in Layout(entry)) b.StartDepth = int.MinValue;
        var stack = new Stack<BasicBlock>();
        int maxDepth = 0;
        void Push(BasicBlock b, int depth)
        {
            if (b.StartDepth != int.MinValue && b.StartDepth != depth)
                throw new InvalidOperationException($"inconsistent stack depth at {b}: {b.StartDepth} vs {depth}");
            if (b.StartDepth < depth) { b.StartDepth = depth; stack.Push(b); }
        }
        Push(entry, 0);
        while (stack.Count > 0)
        {
            var b = stack.Pop();
            int depth = b.StartDepth;
            var next = b.Next;
            foreach (var ins in b.Instrs)
            {
                int effect = StackEffect(ins.Op, ins.Arg, false);
                int newDepth = depth + effect;
                if (newDepth < 0) throw new InvalidOperationException($"negative stack depth at {ins} in {b}");
                if (newDepth > maxDepth) maxDepth = newDepth;
                if (IsJump(ins) || IsBlockPush(ins))
                {
                    int targetDepth = depth + StackEffect(ins.Op, ins.Arg, true);
                    if (targetDepth > maxDepth) maxDepth = targetDepth;
                    Push(ins.Target!, targetDepth);
                }
                depth = newDepth;
                if (IsUnconditionalJump(ins.Op) || IsScopeExit(ins.Op)) { next = null; break; }
            }
            if (next is not null) Push(next, depth);
        }
        return maxDepth;
    }

    private static void LabelExceptionTargets(BasicBlock entry)
    {
        foreach (var b in Layout(entry)) { b.Visited = false; b.ExceptStack = null; }
        var todo = new Stack<BasicBlock>();
        entry.Visited = true;
        entry.ExceptStack = new List<BasicBlock>();
        todo.Push(entry);
        while (todo.Count > 0)
        {
            var b = todo.Pop();
            var exceptStack = b.ExceptStack!;
            b.ExceptStack = null;
            BasicBlock? handler = exceptStack.Count > 0 ? exceptStack[^1] : null;
            for (int i = 0; i < b.Instrs.Count; i++)
            {
                var ins = b.Instrs[i];
                if (IsBlockPush(ins))
                {
                    var t = ins.Target!;
                    if (!t.Visited)
                    {
                        t.ExceptStack = new List<BasicBlock>(exceptStack);
                        t.Visited = true;
                        todo.Push(t);
                    }
                    if (ins.Op is Pseudo.SetupWith or Pseudo.SetupCleanup) t.PreserveLasti = true;
                    exceptStack.Add(t);
                    handler = t;
                }
                else if (ins.Op == Pseudo.PopBlock)
                {
                    exceptStack.RemoveAt(exceptStack.Count - 1);
                    handler = exceptStack.Count > 0 ? exceptStack[^1] : null;
                }
                else if (IsJump(ins))
                {
                    ins.Except = handler;
                    var t = ins.Target!;
                    if (!t.Visited)
                    {
                        t.ExceptStack = new List<BasicBlock>(exceptStack);
                        t.Visited = true;
                        todo.Push(t);
                    }
                }
                else ins.Except = handler;
            }
            if (HasFallthrough(b) && b.Next is not null && !b.Next.Visited)
            {
                b.Next.ExceptStack = exceptStack;
                b.Next.Visited = true;
                todo.Push(b.Next);
            }
        }
    }

    private static void ConvertExceptionHandlersToNops(BasicBlock entry)
    {
        foreach (var b in Layout(entry))
            foreach (var ins in b.Instrs)
                if (IsBlockPush(ins) || ins.Op == Pseudo.PopBlock)
                {
                    ins.Op = (int)OpCode.Nop;
                    ins.Target = null;
                }
    }

    private static int Reverse(int op) => op switch
    {
        (int)OpCode.PopJumpIfFalse => (int)OpCode.PopJumpIfTrue,
        (int)OpCode.PopJumpIfTrue => (int)OpCode.PopJumpIfFalse,
        (int)OpCode.PopJumpIfNone => (int)OpCode.PopJumpIfNotNone,
        (int)OpCode.PopJumpIfNotNone => (int)OpCode.PopJumpIfNone,
        _ => throw new InvalidOperationException($"backward {Pseudo.Name(op)} cannot be expressed"),
    };

    private static void NormalizeJumps(BasicBlock entry)
    {
        foreach (var b in Layout(entry)) b.Visited = false;
        for (var b = entry; b is not null; b = b.Next)
        {
            b.Visited = true;
            var last = b.Last;
            if (last is null || !IsJump(last)) continue;
            bool forward = !last.Target!.Visited;
            switch (last.Op)
            {
                case Pseudo.Jump:
                case Pseudo.JumpNoInterrupt:
                    last.Op = forward ? (int)OpCode.JumpForward : (int)OpCode.JumpBackward;
                    break;
                case (int)OpCode.PopJumpIfFalse:
                case (int)OpCode.PopJumpIfTrue:
                case (int)OpCode.PopJumpIfNone:
                case (int)OpCode.PopJumpIfNotNone:
                    if (!forward)
                    {
                        // 'cond-jump T' (backward) -> 'reversed cond-jump next' + 'JUMP_BACKWARD T'
                        var back = new BasicBlock();
                        back.Instrs.Add(new Instr { Op = (int)OpCode.JumpBackward, Target = last.Target, Loc = last.Loc, Except = last.Except });
                        last.Op = Reverse(last.Op);
                        last.Target = b.Next ?? throw new InvalidOperationException("conditional jump without fall-through");
                        back.Next = b.Next;
                        b.Next = back;
                        back.Visited = true;
                        b = back;
                    }
                    break;
                default:
                    if (!forward) throw new InvalidOperationException($"backward {Pseudo.Name(last.Op)}");
                    break;
            }
        }
    }

    private static ExceptionTableEntry[] AssembleExceptionTable(BasicBlock entry)
    {
        var result = new List<ExceptionTableEntry>();
        BasicBlock? handler = null;
        int start = 0, offset = 0;
        void Emit(int end)
        {
            int depth = handler!.StartDepth - 1;
            if (handler.PreserveLasti) depth--;
            result.Add(new ExceptionTableEntry(start, end, handler.Offset, depth, handler.PreserveLasti));
        }
        foreach (var b in Layout(entry))
        {
            offset = b.Offset;
            foreach (var ins in b.Instrs)
            {
                if (ins.Except != handler)
                {
                    if (handler is not null) Emit(offset);
                    start = offset;
                    handler = ins.Except;
                }
                offset++;
            }
        }
        if (handler is not null) Emit(offset);
        return result.ToArray();
    }
}
