namespace ToyPy.Bytecode;

/// <summary>
/// Folds common instruction pairs and runs into superinstructions before a
/// code object first runs (CPython 3.11's LOAD_FAST__LOAD_FAST,
/// COMPARE_OP_INT_JUMP...). Indexes never move: a superinstruction replaces
/// the first of its run and the rest stay as they were, so a jump into the
/// run, the exception table and the line table all still hold, and a
/// superinstruction whose fast path does not apply runs its first
/// instruction and carries on with the others as written. Instructions is
/// left untouched for the disassembler.
/// </summary>
public static class Quickening
{
    public static int[] Quicken(CodeObject code)
    {
        var src = code.Instructions;
        var q = (int[])src.Clone();
        for (int i = 0; i + 1 < src.Length; i++)
        {
            if ((OperandRun(src, i) ?? Pair(src, i)) is { } fused)
                q[i] = CodeObject.Encode(fused, CodeObject.ArgOf(src[i]));
        }
        return q;
    }

    /// <summary>The superinstruction for the pair starting at i, or null.</summary>
    private static OpCode? Pair(int[] src, int i)
    {
        OpCode At(int k) => k < src.Length ? CodeObject.OpOf(src[k]) : OpCode.Nop;
        var next = At(i + 1);
        return At(i) switch
        {
            // A pair gives way to a run starting at its second instruction, which
            // saves more: `total + i * 7` keeps i * 7 fused. And `self.x = v` is
            // LOAD_FAST v, LOAD_FAST self, STORE_ATTR: the second pair saves
            // more (self is never pushed), so the first gives way.
            OpCode.LoadFast when next == OpCode.LoadFast && OperandRun(src, i + 1) is null && At(i + 2) != OpCode.StoreAttr
                => OpCode.LoadFastLoadFast,
            OpCode.LoadFast when next == OpCode.LoadConst && OperandRun(src, i + 1) is null => OpCode.LoadFastLoadConst,
            OpCode.LoadFast when next == OpCode.LoadAttr => OpCode.LoadFastLoadAttr,
            OpCode.LoadFast when next == OpCode.StoreAttr => OpCode.LoadFastStoreAttr,
            OpCode.LoadFast when next == OpCode.ReturnValue => OpCode.LoadFastReturn,
            OpCode.LoadConst when next == OpCode.ReturnValue => OpCode.LoadConstReturn,
            OpCode.CompareOp when next is OpCode.PopJumpIfFalse or OpCode.PopJumpIfTrue => OpCode.CompareOpIntJump,
            _ => null,
        };
    }

    /// <summary>
    /// Operand reads fused with the operation that consumes them: the shape of
    /// `n - 1`, `a + b`, `while i < n`, `if n < 2` (a local and a constant or
    /// local), and of `(...) % 11`, `(...) == 0` (the value on the stack and a
    /// constant). Null when no run starts at i.
    /// </summary>
    private static OpCode? OperandRun(int[] src, int i)
    {
        OpCode At(int k) => k < src.Length ? CodeObject.OpOf(src[k]) : OpCode.Nop;
        bool JumpAt(int k) => At(k) is OpCode.PopJumpIfFalse or OpCode.PopJumpIfTrue;
        var op = At(i);
        if (op == OpCode.LoadFast && At(i + 1) is OpCode.LoadFast or OpCode.LoadConst)
        {
            bool constant = At(i + 1) == OpCode.LoadConst;
            if (At(i + 2) == OpCode.BinaryOp) return constant ? OpCode.BinaryFastConst : OpCode.BinaryFastFast;
            if (At(i + 2) == OpCode.CompareOp && JumpAt(i + 3)) return constant ? OpCode.CompareFastConstJump : OpCode.CompareFastFastJump;
        }
        if (op == OpCode.LoadConst)
        {
            if (At(i + 1) == OpCode.BinaryOp) return OpCode.BinaryStackConst;
            if (At(i + 1) == OpCode.CompareOp && JumpAt(i + 2)) return OpCode.CompareStackConstJump;
        }
        return null;
    }
}
