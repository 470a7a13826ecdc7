namespace ToyPy.Bytecode;

/// <summary>
/// ToyPy's instruction set. It follows CPython 3.11's (docs.python.org/3.11/library/dis.html,
/// Python/ceval.c) opcode for opcode, so the compiler can follow Python/compile.c and
/// `toypy --dis` reads like `python3 -m dis`. Differences from 3.11, all simplifications:
///  - An instruction is one int: opcode in the low 8 bits, argument in the upper 24
///    (no EXTENDED_ARG, no CACHE entries, no PRECALL). Offsets shown by the
///    disassembler are instruction index * 2, like CPython's byte offsets.
///  - Jump arguments are ABSOLUTE instruction indexes. Conditional jumps only go
///    forward; every backward jump is JUMP_BACKWARD, which is where the eval
///    breaker is checked (with RESUME and calls).
///  - FOR_ITER target: when the iterator is exhausted it is popped and control
///    jumps to target.
///  - Generators: calling a function whose code has CO_GENERATOR makes a generator
///    object around a fresh frame (no RETURN_GENERATOR). On the first resume
///    nothing is pushed; on every later resume the sent value is pushed (the
///    result of the YIELD_VALUE expression).
/// Stack effects are written [before] -> [after], top of stack on the right.
/// Every stack slot owns one reference: pushing increments, popping hands the
/// reference to whoever popped it.
/// </summary>
public enum OpCode : byte
{
    // --- general ---
    Nop,
    /// <summary>Function/module entry; checks the eval breaker. arg: 0 (start), 1/2/3 as 3.11 (after yield/await).</summary>
    Resume,
    /// <summary>[x] -> []</summary>
    PopTop,
    /// <summary>[] -> [NULL]: marks "no self" below a callable for Call.</summary>
    PushNull,
    /// <summary>arg i >= 1: [.., x(i-th from top)..] -> [.., x, .., x]</summary>
    Copy,
    /// <summary>arg i >= 2: swap TOS with the i-th item from the top.</summary>
    Swap,
    /// <summary>[] -> [consts[arg]]</summary>
    LoadConst,
    /// <summary>[x] -> return x to the caller.</summary>
    ReturnValue,

    // --- names ---
    /// <summary>[] -> [localsplus[arg]]; UnboundLocalError when unset.</summary>
    LoadFast,
    /// <summary>[x] -> []; localsplus[arg] = x.</summary>
    StoreFast,
    DeleteFast,
    /// <summary>Module and class bodies: locals dict, then globals, then builtins.</summary>
    LoadName,
    StoreName,
    DeleteName,
    /// <summary>arg = (namei &lt;&lt; 1) | pushNull: [] -> [NULL?, value]; globals then builtins.</summary>
    LoadGlobal,
    StoreGlobal,
    DeleteGlobal,
    /// <summary>localsplus[arg] holds a cell whose contents are pushed; NameError/UnboundLocalError when empty.</summary>
    LoadDeref,
    StoreDeref,
    DeleteDeref,
    /// <summary>[] -> [cell object in localsplus[arg]] (to build a closure tuple).</summary>
    LoadClosure,
    /// <summary>Class bodies: locals dict first, then the cell localsplus[arg].</summary>
    LoadClassDeref,
    /// <summary>Replace localsplus[arg] with a new cell holding its current value (or empty).</summary>
    MakeCell,
    /// <summary>Copy the function's closure cells into the last arg slots of localsplus.</summary>
    CopyFreeVars,

    // --- attributes and items ---
    /// <summary>[obj] -> [getattr(obj, names[arg])]</summary>
    LoadAttr,
    /// <summary>[value, obj] -> []; obj.names[arg] = value</summary>
    StoreAttr,
    DeleteAttr,
    /// <summary>[obj] -> [unbound method, obj] or [NULL, getattr(obj, names[arg])] (3.11).</summary>
    LoadMethod,
    /// <summary>[container, key] -> [container[key]]</summary>
    BinarySubscr,
    /// <summary>[value, container, key] -> []; container[key] = value</summary>
    StoreSubscr,
    DeleteSubscr,
    /// <summary>arg 2: [start, stop] -> [slice]; arg 3: [start, stop, step] -> [slice]</summary>
    BuildSlice,

    // --- operators ---
    /// <summary>[a, b] -> [a op b]; arg is the BinaryOperation (3.11 NB_* numbering).</summary>
    BinaryOp,
    UnaryNegative,
    UnaryPositive,
    UnaryNot,
    UnaryInvert,
    /// <summary>[a, b] -> [a op b]; arg is the ComparisonOperation (&lt; &lt;= == != &gt; &gt;=).</summary>
    CompareOp,
    /// <summary>[a, b] -> [a is b] (arg 1: is not)</summary>
    IsOp,
    /// <summary>[a, b] -> [a in b] (arg 1: not in)</summary>
    ContainsOp,

    // --- jumps (absolute instruction indexes) ---
    JumpForward,
    /// <summary>Backward jump: loop back-edge, checks the eval breaker.</summary>
    JumpBackward,
    /// <summary>[x] -> []; jump if not truthy.</summary>
    PopJumpIfFalse,
    PopJumpIfTrue,
    PopJumpIfNone,
    PopJumpIfNotNone,
    /// <summary>[x] -> [x] and jump if falsy, else [x] -> [] (and/or).</summary>
    JumpIfFalseOrPop,
    JumpIfTrueOrPop,
    /// <summary>[obj] -> [iter(obj)]</summary>
    GetIter,
    /// <summary>[it] -> [it, next(it)], or pop it and jump to arg when exhausted.</summary>
    ForIter,

    // --- building ---
    BuildTuple,
    BuildList,
    BuildSet,
    /// <summary>[k1, v1, .. kN, vN] -> [dict]</summary>
    BuildMap,
    /// <summary>[v1..vN, keys tuple] -> [dict]</summary>
    BuildConstKeyMap,
    /// <summary>[s1..sN] -> [s1 + .. + sN] (f-strings)</summary>
    BuildString,
    /// <summary>[list, .. (arg-1 items) .., x] -> [list(+x), ..]: list at stack[-arg] after popping x.</summary>
    ListAppend,
    SetAdd,
    /// <summary>[map, .., key, value] -> [map, ..]</summary>
    MapAdd,
    /// <summary>[list, .., iterable] -> [list, ..] (list at stack[-arg] after pop)</summary>
    ListExtend,
    SetUpdate,
    DictUpdate,
    /// <summary>Like DictUpdate but duplicate keys raise TypeError (** in calls).</summary>
    DictMerge,
    /// <summary>[list] -> [tuple(list)]</summary>
    ListToTuple,
    /// <summary>[seq] -> [x_arg-1, .., x_0] (x_0 on top), ValueError when the length differs.</summary>
    UnpackSequence,
    /// <summary>arg = before | (after &lt;&lt; 8): starred unpacking, the starred part becomes a list.</summary>
    UnpackEx,
    /// <summary>arg &amp; 3: conversion (0 none, 1 str, 2 repr, 3 ascii); arg &amp; 4: a format spec is on top. [v, spec?] -> [str]</summary>
    FormatValue,

    // --- calls and functions ---
    /// <summary>Set the keyword names (consts[arg], a tuple of str) for the next Call.</summary>
    KwNames,
    /// <summary>[NULL|method, callable|self, args(arg)..] -> [result]; the last len(kwnames) args are keywords.</summary>
    Call,
    /// <summary>[NULL, callable, args tuple, kwargs dict if arg&amp;1] -> [result]</summary>
    CallFunctionEx,
    /// <summary>[defaults tuple if &amp;1, kwdefaults dict if &amp;2, annotations if &amp;4, closure tuple if &amp;8, code] -> [function]</summary>
    MakeFunction,
    /// <summary>[] -> [builtins.__build_class__]</summary>
    LoadBuildClass,

    // --- exceptions (3.11's zero-cost model: see CodeObject.ExceptionTable) ---
    /// <summary>[exc] -> [previous current exception (or None), exc]; exc becomes the current exception.</summary>
    PushExcInfo,
    /// <summary>[prev] -> []; restores the current exception to prev.</summary>
    PopExcept,
    /// <summary>[.., exc] -> re-raise exc; if arg is non-zero, frame.lasti is set from stack[-arg-1] first.</summary>
    Reraise,
    /// <summary>[exc, type] -> [exc, bool]</summary>
    CheckExcMatch,
    /// <summary>arg 0: re-raise current; 1: [exc] raise exc; 2: [exc, cause] raise exc from cause.</summary>
    RaiseVarargs,
    /// <summary>[] -> [AssertionError]</summary>
    LoadAssertionError,
    /// <summary>[mgr] -> [bound __exit__, mgr.__enter__()]</summary>
    BeforeWith,
    /// <summary>[exit, lasti, prev_exc, exc] -> [exit, lasti, prev_exc, exc, exit(type, exc, tb)]</summary>
    WithExceptStart,

    // --- imports ---
    /// <summary>[level, fromlist] -> [module]; names[arg] is the dotted name.</summary>
    ImportName,
    /// <summary>[module] -> [module, module.names[arg]]; ImportError "cannot import name".</summary>
    ImportFrom,
    /// <summary>[module] -> []; copies public names into the locals.</summary>
    ImportStar,

    // --- generators ---
    /// <summary>[value] -> suspend the frame yielding value; on resume [sent].</summary>
    YieldValue,
    /// <summary>[iterable] -> [iterator] (iter(), but generators and coroutines pass through).</summary>
    GetYieldFromIter,
    /// <summary>[subiter, value] -> [subiter, yielded] and suspends via YieldValue, or pops subiter, pushes the return value and jumps to arg.</summary>
    Send,

    // --- quickened forms (VM-private; the disassembler shows the original instructions) ---
    /// <summary>LOAD_FAST followed by LOAD_FAST: both pushes in one dispatch; the second stays in place for jumps into it.</summary>
    LoadFastLoadFast,
    /// <summary>LOAD_FAST followed by LOAD_CONST.</summary>
    LoadFastLoadConst,
    /// <summary>COMPARE_OP followed by POP_JUMP_IF_FALSE/TRUE: two machine-size ints compare and branch without a bool object (3.11's COMPARE_OP_INT_JUMP).</summary>
    CompareOpIntJump,
    /// <summary>LOAD_FAST, LOAD_CONST, BINARY_OP on two machine-size ints or two floats: the operands are read in place, only the result is pushed. Anything else runs the three as written.</summary>
    BinaryFastConst,
    /// <summary>LOAD_FAST, LOAD_FAST, BINARY_OP, the same way.</summary>
    BinaryFastFast,
    /// <summary>LOAD_FAST, LOAD_CONST, COMPARE_OP, POP_JUMP_IF_FALSE/TRUE on two machine-size ints: compare and branch with nothing pushed.</summary>
    CompareFastConstJump,
    /// <summary>LOAD_FAST, LOAD_FAST, COMPARE_OP, POP_JUMP_IF_FALSE/TRUE, the same way.</summary>
    CompareFastFastJump,
    /// <summary>LOAD_FAST followed by RETURN_VALUE: the local goes to the caller without touching the stack.</summary>
    LoadFastReturn,
    /// <summary>LOAD_CONST followed by RETURN_VALUE.</summary>
    LoadConstReturn,
    /// <summary>LOAD_CONST, BINARY_OP with the other operand on the stack: the result replaces it.</summary>
    BinaryStackConst,
    /// <summary>LOAD_CONST, COMPARE_OP, POP_JUMP_IF_FALSE/TRUE with a machine-size int on the stack: pop it and branch.</summary>
    CompareStackConstJump,
    /// <summary>LOAD_FAST, LOAD_ATTR (`self.x`): an attribute in the instance's dict is pushed straight from the local, the instance itself never pushed.</summary>
    LoadFastLoadAttr,
    /// <summary>LOAD_FAST, STORE_ATTR (`self.x = v`): v on the stack goes into the instance's dict, the instance read in place.</summary>
    LoadFastStoreAttr,
}

/// <summary>BinaryOp arguments, CPython 3.11's NB_* numbering (Include/opcode.h).</summary>
public enum BinaryOperation
{
    Add = 0, And = 1, FloorDivide = 2, LShift = 3, MatrixMultiply = 4, Multiply = 5,
    Remainder = 6, Or = 7, Power = 8, RShift = 9, Subtract = 10, TrueDivide = 11, Xor = 12,
    InplaceAdd = 13, InplaceAnd = 14, InplaceFloorDivide = 15, InplaceLShift = 16,
    InplaceMatrixMultiply = 17, InplaceMultiply = 18, InplaceRemainder = 19, InplaceOr = 20,
    InplacePower = 21, InplaceRShift = 22, InplaceSubtract = 23, InplaceTrueDivide = 24,
    InplaceXor = 25,
}

/// <summary>CompareOp arguments, CPython's Py_LT..Py_GE numbering.</summary>
public enum ComparisonOperation { Lt = 0, Le = 1, Eq = 2, Ne = 3, Gt = 4, Ge = 5 }
