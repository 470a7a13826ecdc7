namespace ToyPy.Bytecode;

/// <summary>
/// Folds common instruction pairs into superinstructions before a code object
/// first runs (CPython 3.11's LOAD_FAST__LOAD_FAST, COMPARE_OP_INT_JUMP...).
/// Indexes never move: a superinstruction replaces the first of the pair and
/// the second stays as it was, so a jump to it, the exception table and the
/// line table all still hold. Instructions is left untouched for the
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
            switch (op)
            {
                case OpCode.LoadFast when next == OpCode.LoadFast:
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadFast, arg);
                    break;
                case OpCode.LoadFast when next == OpCode.LoadConst:
                    q[i] = CodeObject.Encode(OpCode.LoadFastLoadConst, arg);
                    break;
                case OpCode.CompareOp when next is OpCode.PopJumpIfFalse or OpCode.PopJumpIfTrue:
                    q[i] = CodeObject.Encode(OpCode.CompareOpIntJump, arg);
                    break;
            }
        }
        return q;
    }
}
