namespace ToyPy.Bytecode;

/// <summary>How the disassembler renders an instruction's argument.</summary>
public enum ArgKind : byte
{
    /// <summary>No argument.</summary>
    None,
    /// <summary>A plain integer, shown without details.</summary>
    Int,
    /// <summary>Index into co_consts.</summary>
    Const,
    /// <summary>Index into co_names.</summary>
    Name,
    /// <summary>LOAD_GLOBAL: (namei &lt;&lt; 1) | push_null.</summary>
    GlobalName,
    /// <summary>Localsplus index of a plain local (LOAD_FAST...).</summary>
    Local,
    /// <summary>Localsplus index of a cell or free variable (LOAD_DEREF, LOAD_CLOSURE, MAKE_CELL...).</summary>
    Free,
    /// <summary>Absolute instruction index of a jump target.</summary>
    Jump,
    /// <summary>ComparisonOperation.</summary>
    Compare,
    /// <summary>BinaryOperation.</summary>
    BinaryOp,
    /// <summary>IS_OP / CONTAINS_OP: 1 means inverted (is not / not in).</summary>
    Invert,
    /// <summary>Argument count of a call.</summary>
    CallCount,
    /// <summary>FORMAT_VALUE conversion and spec flags.</summary>
    FormatFlags,
    /// <summary>MAKE_FUNCTION flags.</summary>
    FunctionFlags,
}

/// <summary>
/// One row per opcode: its dis name (CPython 3.11 spelling), whether it takes an
/// argument, how the disassembler shows that argument, and its stack effect.
/// </summary>
public sealed class OpCodeInfo
{
    public OpCode Op { get; }
    public string Name { get; }
    public bool HasArg { get; }
    public ArgKind Kind { get; }
    public bool IsJump => Kind == ArgKind.Jump;
    /// <summary>True for JUMP_FORWARD / JUMP_BACKWARD (no fall-through).</summary>
    public bool IsUnconditionalJump { get; }
    /// <summary>True for RETURN_VALUE, RAISE_VARARGS, RERAISE (no fall-through, leave the frame or unwind).</summary>
    public bool IsScopeExit { get; }
    private readonly Func<int, bool, int> _effect;

    private OpCodeInfo(OpCode op, string name, ArgKind kind, Func<int, bool, int> effect, bool uncond = false, bool exit = false)
    {
        Op = op; Name = name; Kind = kind; HasArg = kind != ArgKind.None; _effect = effect;
        IsUnconditionalJump = uncond; IsScopeExit = exit;
    }

    /// <summary>Net change of the stack depth; <paramref name="jump"/> selects the branch-taken effect for jumps.</summary>
    public int StackEffect(int arg, bool jump = false) => _effect(arg, jump);

    private static readonly OpCodeInfo?[] s_table = Build();

    /// <summary>The row for an opcode.</summary>
    public static OpCodeInfo Of(OpCode op)
    {
        var i = (int)op;
        if (i < s_table.Length && s_table[i] is { } row) return row;
        throw new InvalidOperationException($"no OpCodeInfo row for {op}");
    }

    /// <summary>True when the opcode has a row (every OpCode value should).</summary>
    public static bool Has(OpCode op) => (int)op < s_table.Length && s_table[(int)op] is not null;

    public static IEnumerable<OpCodeInfo> All => s_table.Where(r => r is not null)!;

    public static int StackEffect(OpCode op, int arg, bool jump = false) => Of(op).StackEffect(arg, jump);

    private static OpCodeInfo?[] Build()
    {
        var t = new OpCodeInfo?[256];
        void R(OpCode op, string name, ArgKind kind, Func<int, bool, int> eff, bool uncond = false, bool exit = false)
            => t[(int)op] = new OpCodeInfo(op, name, kind, eff, uncond, exit);
        Func<int, bool, int> C(int n) => (_, _) => n;
        const ArgKind N = ArgKind.None;

        // general
        R(OpCode.Nop, "NOP", N, C(0));
        R(OpCode.Resume, "RESUME", ArgKind.Int, C(0));
        R(OpCode.PopTop, "POP_TOP", N, C(-1));
        R(OpCode.PushNull, "PUSH_NULL", N, C(1));
        R(OpCode.Copy, "COPY", ArgKind.Int, C(1));
        R(OpCode.Swap, "SWAP", ArgKind.Int, C(0));
        R(OpCode.LoadConst, "LOAD_CONST", ArgKind.Const, C(1));
        R(OpCode.ReturnValue, "RETURN_VALUE", N, C(-1), exit: true);
        // names
        R(OpCode.LoadFast, "LOAD_FAST", ArgKind.Local, C(1));
        R(OpCode.StoreFast, "STORE_FAST", ArgKind.Local, C(-1));
        R(OpCode.DeleteFast, "DELETE_FAST", ArgKind.Local, C(0));
        R(OpCode.LoadName, "LOAD_NAME", ArgKind.Name, C(1));
        R(OpCode.StoreName, "STORE_NAME", ArgKind.Name, C(-1));
        R(OpCode.DeleteName, "DELETE_NAME", ArgKind.Name, C(0));
        R(OpCode.LoadGlobal, "LOAD_GLOBAL", ArgKind.GlobalName, (a, _) => 1 + (a & 1));
        R(OpCode.StoreGlobal, "STORE_GLOBAL", ArgKind.Name, C(-1));
        R(OpCode.DeleteGlobal, "DELETE_GLOBAL", ArgKind.Name, C(0));
        R(OpCode.LoadDeref, "LOAD_DEREF", ArgKind.Free, C(1));
        R(OpCode.StoreDeref, "STORE_DEREF", ArgKind.Free, C(-1));
        R(OpCode.DeleteDeref, "DELETE_DEREF", ArgKind.Free, C(0));
        R(OpCode.LoadClosure, "LOAD_CLOSURE", ArgKind.Free, C(1));
        R(OpCode.LoadClassDeref, "LOAD_CLASSDEREF", ArgKind.Free, C(1));
        R(OpCode.MakeCell, "MAKE_CELL", ArgKind.Free, C(0));
        R(OpCode.CopyFreeVars, "COPY_FREE_VARS", ArgKind.Int, C(0));
        // attributes and items
        R(OpCode.LoadAttr, "LOAD_ATTR", ArgKind.Name, C(0));
        R(OpCode.StoreAttr, "STORE_ATTR", ArgKind.Name, C(-2));
        R(OpCode.DeleteAttr, "DELETE_ATTR", ArgKind.Name, C(-1));
        R(OpCode.LoadMethod, "LOAD_METHOD", ArgKind.Name, C(1));
        R(OpCode.BinarySubscr, "BINARY_SUBSCR", N, C(-1));
        R(OpCode.StoreSubscr, "STORE_SUBSCR", N, C(-3));
        R(OpCode.DeleteSubscr, "DELETE_SUBSCR", N, C(-2));
        R(OpCode.BuildSlice, "BUILD_SLICE", ArgKind.Int, (a, _) => a == 3 ? -2 : -1);
        // operators
        R(OpCode.BinaryOp, "BINARY_OP", ArgKind.BinaryOp, C(-1));
        R(OpCode.UnaryNegative, "UNARY_NEGATIVE", N, C(0));
        R(OpCode.UnaryPositive, "UNARY_POSITIVE", N, C(0));
        R(OpCode.UnaryNot, "UNARY_NOT", N, C(0));
        R(OpCode.UnaryInvert, "UNARY_INVERT", N, C(0));
        R(OpCode.CompareOp, "COMPARE_OP", ArgKind.Compare, C(-1));
        R(OpCode.IsOp, "IS_OP", ArgKind.Invert, C(-1));
        R(OpCode.ContainsOp, "CONTAINS_OP", ArgKind.Invert, C(-1));
        // jumps
        R(OpCode.JumpForward, "JUMP_FORWARD", ArgKind.Jump, C(0), uncond: true);
        R(OpCode.JumpBackward, "JUMP_BACKWARD", ArgKind.Jump, C(0), uncond: true);
        R(OpCode.PopJumpIfFalse, "POP_JUMP_FORWARD_IF_FALSE", ArgKind.Jump, C(-1));
        R(OpCode.PopJumpIfTrue, "POP_JUMP_FORWARD_IF_TRUE", ArgKind.Jump, C(-1));
        R(OpCode.PopJumpIfNone, "POP_JUMP_FORWARD_IF_NONE", ArgKind.Jump, C(-1));
        R(OpCode.PopJumpIfNotNone, "POP_JUMP_FORWARD_IF_NOT_NONE", ArgKind.Jump, C(-1));
        R(OpCode.JumpIfFalseOrPop, "JUMP_IF_FALSE_OR_POP", ArgKind.Jump, (_, j) => j ? 0 : -1);
        R(OpCode.JumpIfTrueOrPop, "JUMP_IF_TRUE_OR_POP", ArgKind.Jump, (_, j) => j ? 0 : -1);
        R(OpCode.GetIter, "GET_ITER", N, C(0));
        R(OpCode.ForIter, "FOR_ITER", ArgKind.Jump, (_, j) => j ? -1 : 1);
        // building
        R(OpCode.BuildTuple, "BUILD_TUPLE", ArgKind.Int, (a, _) => 1 - a);
        R(OpCode.BuildList, "BUILD_LIST", ArgKind.Int, (a, _) => 1 - a);
        R(OpCode.BuildSet, "BUILD_SET", ArgKind.Int, (a, _) => 1 - a);
        R(OpCode.BuildMap, "BUILD_MAP", ArgKind.Int, (a, _) => 1 - 2 * a);
        R(OpCode.BuildConstKeyMap, "BUILD_CONST_KEY_MAP", ArgKind.Int, (a, _) => -a);
        R(OpCode.BuildString, "BUILD_STRING", ArgKind.Int, (a, _) => 1 - a);
        R(OpCode.ListAppend, "LIST_APPEND", ArgKind.Int, C(-1));
        R(OpCode.SetAdd, "SET_ADD", ArgKind.Int, C(-1));
        R(OpCode.MapAdd, "MAP_ADD", ArgKind.Int, C(-2));
        R(OpCode.ListExtend, "LIST_EXTEND", ArgKind.Int, C(-1));
        R(OpCode.SetUpdate, "SET_UPDATE", ArgKind.Int, C(-1));
        R(OpCode.DictUpdate, "DICT_UPDATE", ArgKind.Int, C(-1));
        R(OpCode.DictMerge, "DICT_MERGE", ArgKind.Int, C(-1));
        R(OpCode.ListToTuple, "LIST_TO_TUPLE", N, C(0));
        R(OpCode.UnpackSequence, "UNPACK_SEQUENCE", ArgKind.Int, (a, _) => a - 1);
        R(OpCode.UnpackEx, "UNPACK_EX", ArgKind.Int, (a, _) => (a & 0xFF) + (a >> 8));
        R(OpCode.FormatValue, "FORMAT_VALUE", ArgKind.FormatFlags, (a, _) => (a & 4) != 0 ? -1 : 0);
        // calls and functions
        R(OpCode.KwNames, "KW_NAMES", ArgKind.Const, C(0));
        R(OpCode.Call, "CALL", ArgKind.CallCount, (a, _) => -1 - a);
        R(OpCode.CallFunctionEx, "CALL_FUNCTION_EX", ArgKind.Int, (a, _) => (a & 1) != 0 ? -3 : -2);
        R(OpCode.MakeFunction, "MAKE_FUNCTION", ArgKind.FunctionFlags,
            (a, _) => -(((a & 1) != 0 ? 1 : 0) + ((a & 2) != 0 ? 1 : 0) + ((a & 4) != 0 ? 1 : 0) + ((a & 8) != 0 ? 1 : 0)));
        R(OpCode.LoadBuildClass, "LOAD_BUILD_CLASS", N, C(1));
        // exceptions
        R(OpCode.PushExcInfo, "PUSH_EXC_INFO", N, C(1));
        R(OpCode.PopExcept, "POP_EXCEPT", N, C(-1));
        R(OpCode.Reraise, "RERAISE", ArgKind.Int, C(-1), exit: true);
        R(OpCode.CheckExcMatch, "CHECK_EXC_MATCH", N, C(0));
        R(OpCode.RaiseVarargs, "RAISE_VARARGS", ArgKind.Int, (a, _) => -a, exit: true);
        R(OpCode.LoadAssertionError, "LOAD_ASSERTION_ERROR", N, C(1));
        R(OpCode.BeforeWith, "BEFORE_WITH", N, C(1));
        R(OpCode.WithExceptStart, "WITH_EXCEPT_START", N, C(1));
        // imports
        R(OpCode.ImportName, "IMPORT_NAME", ArgKind.Name, C(-1));
        R(OpCode.ImportFrom, "IMPORT_FROM", ArgKind.Name, C(1));
        R(OpCode.ImportStar, "IMPORT_STAR", N, C(-1));
        // generators
        R(OpCode.YieldValue, "YIELD_VALUE", N, C(0));
        R(OpCode.GetYieldFromIter, "GET_YIELD_FROM_ITER", N, C(0));
        R(OpCode.Send, "SEND", ArgKind.Jump, (_, j) => j ? -1 : 0);
        // quickened forms: each covers itself and the instructions after it
        R(OpCode.LoadFastLoadFast, "LOAD_FAST__LOAD_FAST", ArgKind.Local, C(2));
        R(OpCode.LoadFastLoadConst, "LOAD_FAST__LOAD_CONST", ArgKind.Local, C(2));
        R(OpCode.CompareOpIntJump, "COMPARE_OP_INT_JUMP", ArgKind.Compare, C(-2));
        R(OpCode.BinaryFastConst, "LOAD_FAST__LOAD_CONST__BINARY_OP", ArgKind.Local, C(1));
        R(OpCode.BinaryFastFast, "LOAD_FAST__LOAD_FAST__BINARY_OP", ArgKind.Local, C(1));
        R(OpCode.CompareFastConstJump, "LOAD_FAST__LOAD_CONST__COMPARE_OP_INT_JUMP", ArgKind.Local, C(0));
        R(OpCode.CompareFastFastJump, "LOAD_FAST__LOAD_FAST__COMPARE_OP_INT_JUMP", ArgKind.Local, C(0));
        R(OpCode.LoadFastReturn, "LOAD_FAST__RETURN_VALUE", ArgKind.Local, C(0), exit: true);
        R(OpCode.LoadConstReturn, "LOAD_CONST__RETURN_VALUE", ArgKind.Const, C(0), exit: true);
        R(OpCode.BinaryStackConst, "LOAD_CONST__BINARY_OP", ArgKind.Const, C(0));
        R(OpCode.CompareStackConstJump, "LOAD_CONST__COMPARE_OP_INT_JUMP", ArgKind.Const, C(-1));
        R(OpCode.LoadFastLoadAttr, "LOAD_FAST__LOAD_ATTR", ArgKind.Local, C(1));
        R(OpCode.LoadFastStoreAttr, "LOAD_FAST__STORE_ATTR", ArgKind.Local, C(-1));
        return t;
    }
}
