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
            var op = CodeObject.OpOf(src[i]);
            var next = CodeObject.OpOf(src[i + 1]);
            int arg = CodeObject.ArgOf(src[i]);
            if (OperandRun(src, i) is { } run)
            {
                q[i] = CodeObject.Encode(run, arg);
                continue;
            }
            switch (op)
            {
                // A pair gives way to a run starting at its second instruction,
                // which saves more: `total + i * 7` keeps i * 7 fused.
                // `self.x = v` is LOAD_FAST v, LOAD_FAST self, STORE_ATTR: the second
                // pair saves more (no push of self), so the first gives way.
                case OpCode.LoadFast when next == OpCode.LoadFast && OperandRun(src, i + 1) is null
                                          && (i + 2 >= src.Length || CodeObject.OpOf(src[i + 2]) != OpCode.StoreAttr):
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadFast, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.LoadAttr:
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadAttr, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.StoreAttr:
                    q[i] = CodeObject.Encode(OpCode.LoadFastStoreAttr, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.LoadConst && OperandRun(src, i + 1) is null:
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadConst, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.ReturnValue:
                    q[i] = CodeObject.Encode(OpCode.LoadFastReturn, arg);
                    break;
                case OpCode.LoadConst when next == OpCode.ReturnValue:
                    q[i] = CodeObject.Encode(OpCode.LoadConstReturn, arg);
                    break;
                case OpCode.CompareOp when next is OpCode.PopJumpIfFalse or OpCode.PopJumpIfTrue:
                    q[i] = CodeObject.Encode(OpCode.CompareOpIntJump, arg);
                    break;
            }
        }
        return q;
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
