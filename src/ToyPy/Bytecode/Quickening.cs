namespace ToyPy.Bytecode;

/// <summary>
/// Folds common instruction pairs and runs into superinstructions before a
/// code object first runs (CPython 3.11's LOAD_FAST__LOAD_FAST,
/// COMPARE_OP_INT_JUMP...). Indexes never move: a superinstruction replaces
/// the first of its run and the rest stay as they were, so a jump into the
/// run, the exception table and the line table all still hold, and a
/// superinstruction whose fast path does not apply runs its first
/// instruction and carries on with the others as written. Instructions is left untouched for the
/// disassembler.
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
            if (op == OpCode.LoadFast && next is OpCode.LoadFast or OpCode.LoadConst && i + 2 < src.Length)
            {
                // Operand reads fused with the operation that consumes them (the
                // shape of `n - 1`, `i % 3`, `a + b`, `while i < n`, `if n < 2`).
                bool constant = next == OpCode.LoadConst;
                var third = CodeObject.OpOf(src[i + 2]);
                if (third == OpCode.BinaryOp)
                {
                    q[i] = CodeObject.Encode(constant ? OpCode.BinaryFastConst : OpCode.BinaryFastFast, arg);
                    continue;
                }
                if (third == OpCode.CompareOp && i + 3 < src.Length
                    && CodeObject.OpOf(src[i + 3]) is OpCode.PopJumpIfFalse or OpCode.PopJumpIfTrue)
                {
                    q[i] = CodeObject.Encode(constant ? OpCode.CompareFastConstJump : OpCode.CompareFastFastJump, arg);
                    continue;
                }
            }
            switch (op)
            {
                case OpCode.LoadFast when next == OpCode.LoadFast:
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadFast, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.LoadConst:
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
}
