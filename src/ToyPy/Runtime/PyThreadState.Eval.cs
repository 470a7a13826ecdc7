using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Text;
using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>A LOAD_GLOBAL inline cache entry: the value (borrowed) and the dict versions it was found under.</summary>
internal sealed record GlobalCacheEntry(PyDict Globals, int GlobalsVersion, int BuiltinsVersion, PyObject Value);

/// <summary>How the last Run ended: its entry frame returned, or (generators) yielded.</summary>
internal enum FrameExit { Returned, Yielded }

public sealed partial class PyThreadState
{
    internal FrameExit LastExit;
    /// <summary>Set by RERAISE and bare `raise`: the unwinder must not add a traceback line for the re-raising frame.</summary>
    private bool _reraising;

    /// <summary>
    /// Run frames starting at entry until entry returns (or yields). Python
    /// calls inside push frames and continue in the same loop; only host
    /// re-entry (a builtin calling Python) nests Run. Every error — raised by
    /// a builtin, by the loop, or by a `raise` statement — leaves the loop as
    /// a PyException and comes back here, where the unwinder finds a handler
    /// in this Run's frames or lets it propagate to the host caller.
    /// </summary>
    internal PyObject Run(Frame entry)
    {
        entry.IsEntry = true;
        var saved = CurrentFrame;
        Frame frame = entry;
        try
        {
            while (true)
            {
                try
                {
                    return !RefMode.Special ? Loop<PlainRefs>(frame) : RefMode.Racy ? Loop<RacyRefs>(frame) : Loop<BiasedRefs>(frame);
                }
                catch (PyException ex)
                {
                    // The loop publishes the running frame in CurrentFrame at every switch;
                    // a nested Run restores it on the way out, so it names the frame that failed.
                    frame = CurrentFrame!;
                    bool reraise = _reraising;
                    _reraising = false;
                    var exc = ex.Value;
                    if (!Unwind(ref frame, ref exc, !reraise))
                    {
                        if (ReferenceEquals(exc, ex.Value)) throw;
                        throw new PyException(exc);
                    }
                }
                catch (InsufficientExecutionStackException)
                {
                    frame = CurrentFrame!;
                    var e = Exc.RecursionError("maximum recursion depth exceeded");
                    var exc = e.Value;
                    if (!Unwind(ref frame, ref exc, true)) throw ReferenceEquals(exc, e.Value) ? e : new PyException(exc);
                }
            }
        }
        finally
        {
            CurrentFrame = saved;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Decref(PyObject o)
    {
        if (RefMode.Special) RefMode.Decref(o);
        else if (--o.RefCount == 0) Heap.Dealloc(o);
    }

    private static PyException UnboundLocal(CodeObject code, int i) =>
        Exc.UnboundLocalError($"cannot access local variable '{code.LocalsPlusNames[i]}' where it is not associated with a value");

    private static PyException UnboundFree(CodeObject code, int i) =>
        (code.LocalsPlusKinds[i] & LocalKind.Free) != 0
            ? Exc.NameError($"cannot access free variable '{code.LocalsPlusNames[i]}' where it is not associated with a value in enclosing scope")
            : UnboundLocal(code, i);

    private static PyException NameNotDefined(PyStr name)
    {
        var e = Exc.NameError($"name '{name.Value}' is not defined");
        return e;
    }

    /// <summary>
    /// BINARY_OP and the STORE_FAST after it, for results that need no object
    /// of their own: a machine int (MachineIntArith) or a float sum, difference
    /// or product. The `popped` operands on top of the stack are released
    /// first (the caller lowers sp), then the value goes to local `target`
    /// (StoreInt, StoreFloat). False, with nothing done, for anything else.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool StoreUnboxed<TRefs>(Span<PyObject?> s, int sp, int popped, int target, PyObject a, PyObject b, int arg,
                                            PyType intType, PyType floatType, PyInt[] smallInts, int tid)
        where TRefs : struct, IRefPolicy
    {
        bool isInt = MachineIntArith(a, b, arg, intType, out long z);
        double d = 0;
        if (!isInt && !AddSubMulDoubles(a, b, arg, intType, floatType, out d)) return false;
        for (int k = 1; k <= popped; k++)
        {
            var v = s[sp - k]!;
            s[sp - k] = null;
            Refs.Dec<TRefs>(v, tid);
        }
        if (isInt) StoreInt<TRefs>(s, target, z, intType, smallInts, tid);
        else StoreFloat<TRefs>(s, target, d, floatType, tid);
        return true;
    }

    /// <summary>
    /// STORE_FAST of int v. When the int in the local is referenced by that slot
    /// alone, it takes the new value instead of being freed while another is
    /// taken from the free list (which is all that would happen: no finalizer,
    /// no other holder to notice). GIL build only, where the count is exact;
    /// never for the shared small ints.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreInt<TRefs>(Span<PyObject?> s, int index, long v, PyType intType, PyInt[] smallInts, int tid) where TRefs : struct, IRefPolicy
    {
        if (!TRefs.Racy && !TRefs.Biased && (ulong)(v - PyInt.SmallMin) > (ulong)(PyInt.SmallMax - PyInt.SmallMin)
            && s[index] is { RefCount: 1 } old && old.Type == intType && !Unsafe.As<PyInt>(old).IsBig)
            Unsafe.As<PyInt>(old).Value = v;
        else StoreLocal<TRefs>(s, index, IntResult<TRefs>(v, smallInts, tid), tid);
    }

    /// <summary>StoreInt for a float.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFloat<TRefs>(Span<PyObject?> s, int index, double v, PyType floatType, int tid) where TRefs : struct, IRefPolicy
    {
        if (!TRefs.Racy && !TRefs.Biased && s[index] is { RefCount: 1 } old && old.Type == floatType)
            Unsafe.As<PyFloat>(old).Value = v;
        else StoreLocal<TRefs>(s, index, PyFloat.FromDouble(v), tid);
    }

    /// <summary>
    /// BINARY_OP on two machine ints whose result is a machine int and which
    /// cannot raise: + - * (no overflow), &amp; | ^, // and % by a nonzero
    /// divisor, &gt;&gt; by 0..63. False for everything else (the general path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MachineIntArith(PyObject a, PyObject b, int op, PyType intType, out long result)
    {
        result = 0;
        if (!BothMachineInts(a, b, intType)) return false;
        long x = Unsafe.As<PyInt>(a).Value, y = Unsafe.As<PyInt>(b).Value;
        if (op >= (int)BinaryOperation.InplaceAdd) op -= (int)BinaryOperation.InplaceAdd;
        switch ((BinaryOperation)op)
        {
            case BinaryOperation.Add:
                result = x + y;
                return ((x ^ result) & (y ^ result)) >= 0;
            case BinaryOperation.Subtract:
                result = x - y;
                return ((x ^ y) & (x ^ result)) >= 0;
            case BinaryOperation.Multiply:
            {
                long high = Math.BigMul(x, y, out result);
                return high == result >> 63;
            }
            case BinaryOperation.And: result = x & y; return true;
            case BinaryOperation.Or: result = x | y; return true;
            case BinaryOperation.Xor: result = x ^ y; return true;
            case BinaryOperation.FloorDivide:
                if (y == 0 || (x == long.MinValue && y == -1)) return false;
                result = PyInt.FloorDiv(x, y);
                return true;
            case BinaryOperation.Remainder:
                if (y == 0) return false;
                result = y == -1 ? 0 : PyInt.FloorMod(x, y);
                return true;
            case BinaryOperation.RShift:
                if ((ulong)y >= 64) return false;
                result = x >> (int)y;
                return true;
            default:
                return false;
        }
    }

    /// <summary>a + b, a - b or a * b (also in place) where one is a float and the other a float or machine int: no error is possible.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool AddSubMulDoubles(PyObject a, PyObject b, int op, PyType intType, PyType floatType, out double result)
    {
        result = 0;
        if (op >= (int)BinaryOperation.InplaceAdd) op -= (int)BinaryOperation.InplaceAdd;
        if (op is not ((int)BinaryOperation.Add or (int)BinaryOperation.Subtract or (int)BinaryOperation.Multiply)) return false;
        if (!FloatOperands(a, b, intType, floatType, out double x, out double y)) return false;
        result = op == (int)BinaryOperation.Add ? x + y : op == (int)BinaryOperation.Subtract ? x - y : x * y;
        return true;
    }

    /// <summary>The operands of float arithmetic: two floats, or a float and a machine int (converted to the nearest double first, as float_add etc. do).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FloatOperands(PyObject a, PyObject b, PyType intType, PyType floatType, out double x, out double y)
    {
        x = 0; y = 0;
        if (a.Type == floatType) x = Unsafe.As<PyFloat>(a).Value;
        else if (a.Type == intType && !Unsafe.As<PyInt>(a).IsBig && b.Type == floatType) x = Unsafe.As<PyInt>(a).Value;
        else return false;
        if (b.Type == floatType) y = Unsafe.As<PyFloat>(b).Value;
        else if (b.Type == intType && !Unsafe.As<PyInt>(b).IsBig) y = Unsafe.As<PyInt>(b).Value;
        else return false;
        return true;
    }

    /// <summary>STORE_FAST of a new reference, for instructions that fuse it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLocal<TRefs>(Span<PyObject?> s, int index, PyObject value, int tid) where TRefs : struct, IRefPolicy
    {
        var old = s[index];
        s[index] = value;
        if (old is not null) Refs.Dec<TRefs>(old, tid);
    }

    /// <summary>Both operands are exact ints that fit a long: the compare and arithmetic fast paths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BothMachineInts(PyObject a, PyObject b, PyType intType) =>
        a.Type == intType && b.Type == intType && !Unsafe.As<PyInt>(a).IsBig && !Unsafe.As<PyInt>(b).IsBig;

    /// <summary>Where a compare fused with its POP_JUMP_IF_FALSE/TRUE goes on: the jump's target, or the instruction after it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BranchTarget(bool condition, int jump, int next) =>
        condition == ((OpCode)(jump & 0xFF) == OpCode.PopJumpIfTrue) ? jump >>> 8 : next;

    /// <summary>COMPARE_OP on two machine-size ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool CompareLongs(long x, long y, int op) => (ComparisonOperation)op switch
    {
        ComparisonOperation.Lt => x < y, ComparisonOperation.Le => x <= y,
        ComparisonOperation.Eq => x == y, ComparisonOperation.Ne => x != y,
        ComparisonOperation.Gt => x > y, _ => x >= y,
    };

    /// <summary>
    /// BINARY_OP on machine-size ints and floats (two ints, two floats, or one
    /// of each) without going through the types' slots (3.11's
    /// BINARY_OP_ADD_INT, _MULTIPLY_FLOAT...): int + and - inline, the rest one
    /// call away. Null when the operands need the general path (Ops.BinaryOp).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PyObject? ArithmeticFast<TRefs>(PyObject a, PyObject b, int arg, PyType intType, PyType floatType, PyInt[] smallInts, int tid)
        where TRefs : struct, IRefPolicy
    {
        var op = arg >= (int)BinaryOperation.InplaceAdd ? (BinaryOperation)(arg - (int)BinaryOperation.InplaceAdd) : (BinaryOperation)arg;
        if (BothMachineInts(a, b, intType))
        {
            long x = Unsafe.As<PyInt>(a).Value, y = Unsafe.As<PyInt>(b).Value;
            if (op == BinaryOperation.Add)
            {
                long z = x + y;
                if (((x ^ z) & (y ^ z)) >= 0) return IntResult<TRefs>(z, smallInts, tid);
            }
            else if (op == BinaryOperation.Subtract)
            {
                long z = x - y;
                if (((x ^ y) & (x ^ z)) >= 0) return IntResult<TRefs>(z, smallInts, tid);
            }
            return op == BinaryOperation.MatrixMultiply ? null : PyInt.IntOp(op, Unsafe.As<PyInt>(a), Unsafe.As<PyInt>(b));
        }
        if (!FloatOperands(a, b, intType, floatType, out double fx, out double fy)) return null;
        if (op is BinaryOperation.Add or BinaryOperation.Subtract or BinaryOperation.Multiply or BinaryOperation.TrueDivide
                or BinaryOperation.FloorDivide or BinaryOperation.Remainder or BinaryOperation.Power)
            return PyFloat.FloatOp(op, fx, fy);
        return null;
    }

    /// <summary>
    /// A machine-int result computed into temp, an operand that only the value
    /// stack references (count 1: it is released right after the operation),
    /// instead of into a new int while temp goes back to the free list. Nothing
    /// else holds temp, so nothing can tell. The count goes to 2: the caller's
    /// release of the operand leaves the result's reference. GIL build only,
    /// where the count is exact; a small result is the shared small int as
    /// ever. Null when temp does not qualify.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PyInt? IntoTemporary<TRefs>(PyObject temp, PyObject a, PyObject b, int op, PyType intType, PyInt[] smallInts, int tid)
        where TRefs : struct, IRefPolicy
    {
        if (TRefs.Racy || TRefs.Biased || temp.RefCount != 1 || !MachineIntArith(a, b, op, intType, out long z)) return null;
        if ((ulong)(z - PyInt.SmallMin) <= (ulong)(PyInt.SmallMax - PyInt.SmallMin)) return IntResult<TRefs>(z, smallInts, tid);
        var r = Unsafe.As<PyInt>(temp);
        r.Value = z;
        r.RefCount = 2;
        return r;
    }

    /// <summary>PyInt.FromLong for the loop: the small-int table comes from a local (no class-initialisation check) and the count update follows the loop's policy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static PyInt IntResult<TRefs>(long v, PyInt[] smallInts, int tid) where TRefs : struct, IRefPolicy
    {
        if ((ulong)(v - PyInt.SmallMin) <= (ulong)(PyInt.SmallMax - PyInt.SmallMin))
        {
            var o = smallInts[v - PyInt.SmallMin];
            Refs.Inc<TRefs>(o, tid);
            return o;
        }
        return PyInt.Allocate(v);
    }

    /// <summary>The dispatch loop: one switch over the instruction set (Python/ceval.c).</summary>
    [SkipLocalsInit]
    private PyObject Loop<TRefs>(Frame frame) where TRefs : struct, IRefPolicy
    {
        // The slots are used through a Span: storing into a PyObject[] would
        // cost an array-covariance check (StelemRef) on every push.
        Span<PyObject?> s;
        int sp, ip;
        int[] code;
        PyObject[] consts;
        PyStr[] names;
        CodeObject co;
        PyTuple? kwnames = null;
        PyObject result;
        // Statics of classes with static constructors cost an initialisation
        // check per access in AOT code: read them once.
        PyType intType = PyTypes.Int, floatType = PyTypes.Float, dictType = PyTypes.Dict;
        PyInt[] smallInts = PyInt.SmallInts;
        PyObject trueObj = PyBool.True, falseObj = PyBool.False;
        // --free-threaded: this thread's owner id, so a count update need not read it from thread-local storage.
        int tid = TRefs.Biased ? OwnerId : 0;

    load_frame:
        CurrentFrame = frame;
        co = frame.Code;
        s = frame.Slots;
        sp = frame.Sp;
        ip = frame.Ip;
        code = co.Quickened ??= Quickening.Quicken(co);
        consts = co.Consts;
        names = co.Names;
        // A frame's first instruction is RESUME, which only checks the eval
        // breaker: check it here and start past it, one dispatch fewer per call.
        if (ip == 0 && EvalBreaker == 0 && (OpCode)(code[0] & 0xFF) == OpCode.Resume) ip = 1;

        while (true)
        {
            int word = code[ip];
            frame.LastI = ip;
            ip++;
            int arg = word >>> 8;
            switch ((OpCode)(word & 0xFF))
            {
                case OpCode.Nop:
                    continue;

                case OpCode.Resume:
                    if (EvalBreaker != 0) { frame.Ip = ip; frame.Sp = sp; HandleEvalBreaker(); }
                    continue;

                case OpCode.PopTop:
                {
                    var v = s[--sp]!; s[sp] = null;
                    Refs.Dec<TRefs>(v, tid);
                    continue;
                }

                case OpCode.PushNull:
                    s[sp++] = null;
                    continue;

                case OpCode.Copy:
                {
                    var v = s[sp - arg]!;
                    Refs.Inc<TRefs>(v, tid);
                    s[sp++] = v;
                    continue;
                }

                case OpCode.Swap:
                    (s[sp - 1], s[sp - arg]) = (s[sp - arg], s[sp - 1]);
                    continue;

                case OpCode.LoadConst:
                {
                    var c = consts[arg];
                    Refs.Inc<TRefs>(c, tid);
                    s[sp++] = c;
                    continue;
                }

                case OpCode.LoadFastLoadFast:
                case OpCode.LoadFastLoadConst:
                {
                    var v = s[arg] ?? throw UnboundLocal(co, arg);
                    Refs.Inc<TRefs>(v, tid);
                    s[sp++] = v;
                    // The second instruction of the pair: make it the current one.
                    word = code[ip];
                    frame.LastI = ip;
                    ip++;
                    arg = word >>> 8;
                    var w = (OpCode)(word & 0xFF) == OpCode.LoadConst ? consts[arg] : s[arg] ?? throw UnboundLocal(co, arg);
                    Refs.Inc<TRefs>(w, tid);
                    s[sp++] = w;
                    continue;
                }

                case OpCode.CompareOpIntJump:
                {
                    var a = s[sp - 2]!;
                    var b = s[sp - 1]!;
                    if (BothMachineInts(a, b, intType))
                    {
                        bool t = CompareLongs(Unsafe.As<PyInt>(a).Value, Unsafe.As<PyInt>(b).Value, arg);
                        s[--sp] = null; s[--sp] = null;
                        Refs.Dec<TRefs>(a, tid); Refs.Dec<TRefs>(b, tid);
                        // The jump that follows decides on t without a bool object.
                        ip = BranchTarget(t, code[ip], ip + 1);
                        continue;
                    }
                    // Anything else: an ordinary COMPARE_OP; the jump then runs as written.
                    var r = Ops.RichCompare(a, b, (ComparisonOperation)arg);
                    s[--sp] = null;
                    s[sp - 1] = r;
                    Refs.Dec<TRefs>(a, tid); Refs.Dec<TRefs>(b, tid);
                    continue;
                }

                case OpCode.LoadFast:
                {
                    var v = s[arg] ?? throw UnboundLocal(co, arg);
                    Refs.Inc<TRefs>(v, tid);
                    s[sp++] = v;
                    continue;
                }

                case OpCode.StoreFast:
                {
                    var v = s[--sp]; s[sp] = null;
                    var old = s[arg];
                    s[arg] = v;
                    if (old is not null) Refs.Dec<TRefs>(old, tid);
                    continue;
                }

                case OpCode.DeleteFast:
                    sp = OpDeleteFast(s, sp, arg, frame);
                    continue;

                case OpCode.LoadName:
                    sp = OpLoadName(s, sp, arg, frame);
                    continue;

                case OpCode.StoreName:
                    sp = OpStoreName(s, sp, arg, frame);
                    continue;

                case OpCode.DeleteName:
                    sp = OpDeleteName(s, sp, arg, frame);
                    continue;

                case OpCode.LoadGlobal:
                {
                    // Inline cache (3.11's LOAD_GLOBAL_MODULE / _BUILTIN): valid while
                    // the globals dict has not changed, and for a name found in the
                    // builtins (BuiltinsVersion >= 0) while the builtins have not either.
                    PyObject v;
                    var cache = co.InlineCache;
                    var globals = frame.Globals;
                    if (cache is not null && cache[ip - 1] is GlobalCacheEntry e && ReferenceEquals(e.Globals, globals)
                        && e.GlobalsVersion == globals.Version && (e.BuiltinsVersion < 0 || e.BuiltinsVersion == frame.Builtins.Version))
                        v = e.Value;
                    else
                    {
                        var name = names[arg >> 1];
                        var inGlobals = globals.GetItemStr(name);
                        v = inGlobals ?? frame.Builtins.GetItemStr(name) ?? throw NameNotDefined(name);
                        cache ??= co.InlineCache = new object?[code.Length];
                        cache[ip - 1] = new GlobalCacheEntry(globals, globals.Version, inGlobals is null ? frame.Builtins.Version & int.MaxValue : -1, v);
                    }
                    if ((arg & 1) != 0) s[sp++] = null;
                    // --free-threaded: a counted value must be re-read with the dict
                    // locked and increfed inside, or a concurrent store could free it
                    // first. Functions, classes and modules are deferred: no count.
                    if (TRefs.Biased && v.OwnerTid >= 0) v = LoadGlobalRef(frame, names[arg >> 1]);
                    else Refs.Inc<TRefs>(v, tid);
                    s[sp++] = v;
                    continue;
                }

                case OpCode.StoreGlobal:
                    sp = OpStoreGlobal(s, sp, arg, frame);
                    continue;

                case OpCode.DeleteGlobal:
                    sp = OpDeleteGlobal(s, sp, arg, frame);
                    continue;

                case OpCode.LoadDeref:
                {
                    PyObject v;
                    if (TRefs.Biased) v = ((PyCell)s[arg]!).GetRef(tid) ?? throw UnboundFree(co, arg);
                    else
                    {
                        v = ((PyCell)s[arg]!).Contents ?? throw UnboundFree(co, arg);
                        Refs.Inc<TRefs>(v, tid);
                    }
                    s[sp++] = v;
                    continue;
                }

                case OpCode.StoreDeref:
                {
                    var v = s[--sp]; s[sp] = null;
                    var cell = (PyCell)s[arg]!;
                    PyObject? old;
                    if (TRefs.Biased) old = cell.Swap(v);
                    else
                    {
                        old = cell.Contents;
                        cell.Contents = v;
                    }
                    if (old is not null) Refs.Dec<TRefs>(old, tid);
                    continue;
                }

                case OpCode.DeleteDeref:
                    sp = OpDeleteDeref(s, sp, arg, frame);
                    continue;

                case OpCode.LoadClosure:
                    sp = OpLoadClosure(s, sp, arg, frame);
                    continue;

                case OpCode.LoadClassDeref:
                    sp = OpLoadClassDeref(s, sp, arg, frame);
                    continue;

                case OpCode.MakeCell:
                    s[arg] = new PyCell(s[arg]); // the cell takes over the slot's reference
                    continue;

                case OpCode.CopyFreeVars:
                    sp = OpCopyFreeVars(s, sp, arg, frame);
                    continue;

                case OpCode.LoadAttr:
                    sp = OpLoadAttr(s, sp, arg, frame, ip - 1);
                    continue;

                case OpCode.LoadFastLoadAttr:
                {
                    // `self.x`: only a value found in the instance dict, which cannot raise;
                    // anything else runs LOAD_FAST and LOAD_ATTR as written.
                    if (s[arg] is PyInstance pi && InstanceDictAttr(pi, co, names[code[ip] >>> 8], ip) is { } r)
                    {
                        s[sp++] = r;
                        ip++;
                        continue;
                    }
                    goto case OpCode.LoadFast;
                }

                case OpCode.StoreAttr:
                    sp = OpStoreAttr(s, sp, arg, frame);
                    continue;

                case OpCode.LoadFastStoreAttr:
                {
                    // `self.x = v`: the instance stays in its local (borrowed: only this frame can rebind it).
                    if (s[arg] is PyInstance pi && StoreInstanceDictAttr(pi, co, names[code[ip] >>> 8], ip, s[sp - 1]!))
                    {
                        var v = s[--sp]!; s[sp] = null;
                        Refs.Dec<TRefs>(v, tid);
                        ip++;
                        continue;
                    }
                    goto case OpCode.LoadFast;
                }

                case OpCode.DeleteAttr:
                    sp = OpDeleteAttr(s, sp, arg, frame);
                    continue;

                case OpCode.LoadMethod:
                    sp = OpLoadMethod(s, sp, arg, frame);
                    continue;

                case OpCode.BinarySubscr:
                    sp = OpBinarySubscr(s, sp, arg, frame);
                    continue;

                case OpCode.StoreSubscr:
                    sp = OpStoreSubscr(s, sp, arg, frame);
                    continue;

                case OpCode.DeleteSubscr:
                    sp = OpDeleteSubscr(s, sp, arg, frame);
                    continue;

                case OpCode.BuildSlice:
                    sp = OpBuildSlice(s, sp, arg, frame);
                    continue;

                case OpCode.BinaryOp:
                {
                    var a = s[sp - 2]!;
                    var b = s[sp - 1]!;
                    int next = code[ip];
                    bool thenStore = (OpCode)(next & 0xFF) == OpCode.StoreFast;
                    if (thenStore && StoreUnboxed<TRefs>(s, sp, 2, next >>> 8, a, b, arg, intType, floatType, smallInts, tid))
                    {
                        // `total += x`, `x = x * 0.5 + y`: the local's own number may take the value.
                        sp -= 2;
                        ip++;
                        continue;
                    }
                    // Both operands are the stack's: a temporary among them may take the result
                    // (not before STORE_FAST: StoreUnboxed took every machine-int result).
                    var r = (thenStore ? null : IntoTemporary<TRefs>(b.RefCount == 1 ? b : a, a, b, arg, intType, smallInts, tid))
                            ?? ArithmeticFast<TRefs>(a, b, arg, intType, floatType, smallInts, tid);
                    if (r is not null && thenStore)
                    {
                        // `x = a / b`: the result goes straight to the local.
                        ip++;
                        s[--sp] = null; s[--sp] = null;
                        Refs.Dec<TRefs>(a, tid); Refs.Dec<TRefs>(b, tid);
                        StoreLocal<TRefs>(s, next >>> 8, r, tid);
                        continue;
                    }
                    if (r is null)
                    {
                        // `s += t` where s is referenced only by the local being assigned
                        // and by the stack (unicode_concatenate): grow s in place. Only
                        // under the GIL, where the count is exact and nothing else can look.
                        if (!TRefs.Racy && !TRefs.Biased && arg == (int)BinaryOperation.InplaceAdd && a.RefCount == 2
                            && a is PyStr sa && b is PyStr sb && thenStore
                            && ReferenceEquals(s[next >>> 8], a) && sa.CanAppendInPlace(sb))
                        {
                            sa.AppendInPlace(sb);
                            s[--sp] = null; // a stays where it is: its stack reference is the result's
                            Refs.Dec<TRefs>(b, tid);
                            continue;
                        }
                        r = Ops.BinaryOp(a, b, (BinaryOperation)arg);
                    }
                    s[--sp] = null;
                    s[sp - 1] = r;
                    Refs.Dec<TRefs>(a, tid); Refs.Dec<TRefs>(b, tid);
                    continue;
                }

                case OpCode.BinaryFastConst:
                case OpCode.BinaryFastFast:
                {
                    // The operands stay where they are (borrowed: nothing else can
                    // rebind this frame's locals while the operation runs).
                    var a = s[arg];
                    int second = code[ip];
                    var b = (OpCode)(word & 0xFF) == OpCode.BinaryFastConst ? consts[second >>> 8] : s[second >>> 8];
                    if (a is not null && b is not null)
                    {
                        int after = code[ip + 2];
                        if ((OpCode)(after & 0xFF) == OpCode.StoreFast
                            && StoreUnboxed<TRefs>(s, sp, 0, after >>> 8, a, b, code[ip + 1] >>> 8, intType, floatType, smallInts, tid))
                        {
                            // `i += 1`: computed before the local's own int takes the result.
                            ip += 3;
                            continue;
                        }
                        frame.LastI = ip + 1; // an error (ZeroDivisionError) is the BINARY_OP's
                        if (ArithmeticFast<TRefs>(a, b, code[ip + 1] >>> 8, intType, floatType, smallInts, tid) is { } r)
                        {
                            if ((OpCode)(after & 0xFF) == OpCode.StoreFast)
                            {
                                // `i += 1`, `x = a * b`: the STORE_FAST that follows is done here too.
                                ip += 3;
                                StoreLocal<TRefs>(s, after >>> 8, r, tid);
                                continue;
                            }
                            ip += 2;
                            s[sp++] = r;
                            continue;
                        }
                        frame.LastI = ip - 1;
                    }
                    goto case OpCode.LoadFast;
                }

                case OpCode.BinaryStackConst:
                {
                    var a = s[sp - 1]!;
                    frame.LastI = ip; // an error is the BINARY_OP's
                    int op = code[ip] >>> 8, next = code[ip + 1];
                    bool thenStore = (OpCode)(next & 0xFF) == OpCode.StoreFast;
                    if (thenStore && StoreUnboxed<TRefs>(s, sp, 1, next >>> 8, a, consts[arg], op, intType, floatType, smallInts, tid))
                    {
                        sp--;
                        ip += 2;
                        continue;
                    }
                    // Only a is the stack's (the constant is the code object's).
                    if (((thenStore ? null : IntoTemporary<TRefs>(a, a, consts[arg], op, intType, smallInts, tid))
                         ?? ArithmeticFast<TRefs>(a, consts[arg], op, intType, floatType, smallInts, tid)) is { } r)
                    {
                        if (thenStore)
                        {
                            ip += 2;
                            s[--sp] = null;
                            Refs.Dec<TRefs>(a, tid);
                            StoreLocal<TRefs>(s, next >>> 8, r, tid);
                            continue;
                        }
                        ip++;
                        s[sp - 1] = r;
                        Refs.Dec<TRefs>(a, tid);
                        continue;
                    }
                    frame.LastI = ip - 1;
                    goto case OpCode.LoadConst;
                }

                case OpCode.CompareStackConstJump:
                {
                    var a = s[sp - 1]!;
                    var b = consts[arg];
                    if (BothMachineInts(a, b, intType))
                    {
                        bool t = CompareLongs(Unsafe.As<PyInt>(a).Value, Unsafe.As<PyInt>(b).Value, code[ip] >>> 8);
                        s[--sp] = null;
                        Refs.Dec<TRefs>(a, tid);
                        ip = BranchTarget(t, code[ip + 1], ip + 2);
                        continue;
                    }
                    goto case OpCode.LoadConst;
                }

                case OpCode.CompareFastConstJump:
                case OpCode.CompareFastFastJump:
                {
                    var a = s[arg];
                    int second = code[ip];
                    var b = (OpCode)(word & 0xFF) == OpCode.CompareFastConstJump ? consts[second >>> 8] : s[second >>> 8];
                    if (a is not null && b is not null && BothMachineInts(a, b, intType))
                    {
                        bool t = CompareLongs(Unsafe.As<PyInt>(a).Value, Unsafe.As<PyInt>(b).Value, code[ip + 1] >>> 8);
                        ip = BranchTarget(t, code[ip + 2], ip + 3);
                        continue;
                    }
                    goto case OpCode.LoadFast;
                }

                case OpCode.UnaryNegative:
                case OpCode.UnaryPositive:
                case OpCode.UnaryInvert:
                {
                    var o = s[sp - 1]!;
                    var op = (OpCode)(word & 0xFF);
                    var r = op == OpCode.UnaryNegative ? Ops.Negative(o) : op == OpCode.UnaryPositive ? Ops.Positive(o) : Ops.Invert(o);
                    s[sp - 1] = r;
                    Refs.Dec<TRefs>(o, tid);
                    continue;
                }

                case OpCode.UnaryNot:
                    sp = OpUnaryNot(s, sp, arg, frame);
                    continue;

                case OpCode.CompareOp:
                {
                    var a = s[sp - 2]!;
                    var b = s[sp - 1]!;
                    PyObject r;
                    if (BothMachineInts(a, b, intType))
                    {
                        bool t = CompareLongs(Unsafe.As<PyInt>(a).Value, Unsafe.As<PyInt>(b).Value, arg);
                        r = t ? trueObj : falseObj;
                        Refs.Inc<TRefs>(r, tid);
                    }
                    else r = Ops.RichCompare(a, b, (ComparisonOperation)arg);
                    s[--sp] = null;
                    s[sp - 1] = r;
                    Refs.Dec<TRefs>(a, tid); Refs.Dec<TRefs>(b, tid);
                    continue;
                }

                case OpCode.IsOp:
                    sp = OpIsOp(s, sp, arg, frame);
                    continue;

                case OpCode.ContainsOp:
                    sp = OpContainsOp(s, sp, arg, frame);
                    continue;

                case OpCode.JumpForward:
                    ip = arg;
                    continue;

                case OpCode.JumpBackward:
                    ip = arg;
                    if (EvalBreaker != 0) { frame.Ip = ip; frame.Sp = sp; HandleEvalBreaker(); }
                    continue;

                case OpCode.PopJumpIfFalse:
                case OpCode.PopJumpIfTrue:
                {
                    var v = s[sp - 1]!;
                    bool t = ReferenceEquals(v, trueObj) || (!ReferenceEquals(v, falseObj) && Ops.IsTrue(v));
                    s[--sp] = null;
                    Refs.Dec<TRefs>(v, tid);
                    if (t == ((OpCode)(word & 0xFF) == OpCode.PopJumpIfTrue)) ip = arg;
                    continue;
                }

                case OpCode.PopJumpIfNone:
                case OpCode.PopJumpIfNotNone:
                {
                    var v = s[--sp]!; s[sp] = null;
                    bool isNone = ReferenceEquals(v, PyNone.Instance);
                    Refs.Dec<TRefs>(v, tid);
                    if (isNone == ((OpCode)(word & 0xFF) == OpCode.PopJumpIfNone)) ip = arg;
                    continue;
                }

                case OpCode.JumpIfFalseOrPop:
                case OpCode.JumpIfTrueOrPop:
                {
                    var v = s[sp - 1]!;
                    bool t = Ops.IsTrue(v);
                    if (t == ((OpCode)(word & 0xFF) == OpCode.JumpIfTrueOrPop)) ip = arg;
                    else { s[--sp] = null; Refs.Dec<TRefs>(v, tid); }
                    continue;
                }

                case OpCode.GetIter:
                    sp = OpGetIter(s, sp, arg, frame);
                    continue;

                case OpCode.ForIter:
                {
                    var it = s[sp - 1]!;
                    if (it is PyRangeIterator range)
                    {
                        // 3.12's FOR_ITER_RANGE: no call, and the value goes straight
                        // to the loop variable when STORE_FAST follows.
                        if (range.TryNext(out long n))
                        {
                            int after = code[ip];
                            if ((OpCode)(after & 0xFF) == OpCode.StoreFast)
                            {
                                ip++;
                                StoreInt<TRefs>(s, after >>> 8, n, intType, smallInts, tid);
                            }
                            else s[sp++] = IntResult<TRefs>(n, smallInts, tid);
                            continue;
                        }
                        s[--sp] = null;
                        Refs.Dec<TRefs>(it, tid);
                        ip = arg;
                        continue;
                    }
                    frame.Ip = ip; frame.Sp = sp;
                    if (it is PyGenerator { Frame: { } gf, Running: false } gen && Depth < Interp.RecursionLimit)
                    {
                        // A for loop over a generator runs the generator's frame in
                        // this loop (3.12's FOR_ITER_GEN): its yield comes back here
                        // without a nested dispatch loop per item.
                        EnterGenerator(gen, gf, frame, PyNone.Instance);
                        gf.IsEntry = false;
                        gf.ResumedInline = true;
                        frame = gf;
                        goto load_frame;
                    }
                    var next = it.Type.IsHeapType ? Ops.Next(it) : it.Next();
                    if (next is not null) { s[sp++] = next; continue; }
                    s[--sp] = null;
                    Refs.Dec<TRefs>(it, tid);
                    ip = arg;
                    continue;
                }

                case OpCode.BuildTuple:
                    sp = OpBuildTuple(s, sp, arg, frame);
                    continue;

                case OpCode.BuildList:
                    sp = OpBuildList(s, sp, arg, frame);
                    continue;

                case OpCode.BuildSet:
                    sp = OpBuildSet(s, sp, arg, frame);
                    continue;

                case OpCode.BuildMap:
                    sp = OpBuildMap(s, sp, arg, frame);
                    continue;

                case OpCode.BuildConstKeyMap:
                    sp = OpBuildConstKeyMap(s, sp, arg, frame);
                    continue;

                case OpCode.BuildString:
                    sp = OpBuildString(s, sp, arg, frame);
                    continue;

                case OpCode.ListAppend:
                    sp = OpListAppend(s, sp, arg, frame);
                    continue;

                case OpCode.SetAdd:
                    sp = OpSetAdd(s, sp, arg, frame);
                    continue;

                case OpCode.MapAdd:
                    sp = OpMapAdd(s, sp, arg, frame);
                    continue;

                case OpCode.ListExtend:
                    sp = OpListExtend(s, sp, arg, frame);
                    continue;

                case OpCode.SetUpdate:
                    sp = OpSetUpdate(s, sp, arg, frame);
                    continue;

                case OpCode.DictUpdate:
                case OpCode.DictMerge:
                    sp = OpDictUpdate(s, sp, arg, (OpCode)(word & 0xFF) == OpCode.DictMerge);
                    continue;

                case OpCode.ListToTuple:
                    sp = OpListToTuple(s, sp, arg, frame);
                    continue;

                case OpCode.UnpackSequence:
                    sp = OpUnpackSequence(s, sp, arg, frame);
                    continue;

                case OpCode.UnpackEx:
                    sp = OpUnpackEx(s, sp, arg, frame);
                    continue;

                case OpCode.FormatValue:
                    sp = OpFormatValue(s, sp, arg, frame);
                    continue;

                case OpCode.KwNames:
                    kwnames = (PyTuple)consts[arg];
                    continue;

                case OpCode.Call:
                {
                    int argc = arg;
                    int baseIdx = sp - argc - 2;
                    var first = s[baseIdx];
                    PyObject callable;
                    int argStart, nargs = argc;
                    if (first is not null) { callable = first; argStart = baseIdx + 1; nargs++; }
                    else { callable = s[baseIdx + 1]!; argStart = baseIdx + 2; }
                    var kw = kwnames;
                    kwnames = null;

                    if (callable is PyFunction f && (f.ExactArgCount == nargs || (f.Code.Flags & CodeFlags.Generator) == 0))
                    {
                        frame.Ip = ip;
                        Frame callee;
                        if (f.ExactArgCount == nargs && kw is null)
                        {
                            // The common call: move the argument references into the callee's locals.
                            callee = PushFrame(f.Code, f, f.Globals, f.Builtins, null);
                            Span<PyObject?> cs = callee.Slots;
                            for (int i = 0; i < nargs; i++) { cs[i] = s[argStart + i]; s[argStart + i] = null; }
                        }
                        else callee = PushBoundFrame(f, s, argStart, nargs, kw);
                        // The callable's stack reference now belongs to the callee frame.
                        s[baseIdx] = null; s[baseIdx + 1] = null;
                        frame.Sp = baseIdx;
                        if (!ReferenceEquals(callee.Back, frame)) callee.Back = frame; // a pooled frame keeps its caller from last time
                        frame = callee;
                        goto load_frame;
                    }

                    if (callable is PyType cls && cls.IsHeapType && first is null && InlineInit(cls) is { } init)
                    {
                        frame.Ip = ip;
                        var callee = PushInitFrame(cls, init, s, baseIdx, argc, kw);
                        frame.Sp = baseIdx;
                        if (!ReferenceEquals(callee.Back, frame)) callee.Back = frame; // a pooled frame keeps its caller from last time
                        frame = callee;
                        goto load_frame;
                    }

                    frame.Ip = ip; frame.Sp = sp;
                    var called = Ops.Call(callable, s.Slice(argStart, nargs)!, kw);
                    for (int i = sp - 1; i >= baseIdx; i--)
                    {
                        var v = s[i];
                        if (v is not null) { s[i] = null; Refs.Dec<TRefs>(v, tid); }
                    }
                    sp = baseIdx;
                    s[sp++] = called;
                    if (EvalBreaker != 0) { frame.Ip = ip; frame.Sp = sp; HandleEvalBreaker(); }
                    continue;
                }

                case OpCode.CallFunctionEx:
                    sp = OpCallFunctionEx(s, sp, arg, frame, ip);
                    continue;

                case OpCode.MakeFunction:
                    sp = OpMakeFunction(s, sp, arg, frame);
                    continue;

                case OpCode.LoadBuildClass:
                    sp = OpLoadBuildClass(s, sp, arg, frame);
                    continue;

                case OpCode.ReturnValue:
                    result = s[--sp]!; s[sp] = null;
                    goto return_value;

                case OpCode.LoadFastReturn:
                case OpCode.LoadConstReturn:
                    // `return x` / `return None`: the value goes straight to the caller.
                    if ((OpCode)(word & 0xFF) == OpCode.LoadConstReturn) result = consts[arg];
                    else result = s[arg] ?? throw UnboundLocal(co, arg);
                    Refs.Inc<TRefs>(result, tid);
                    frame.LastI = ip;
                    ip++;
                    goto return_value;

                case OpCode.YieldValue:
                {
                    var v = s[--sp]!; s[sp] = null;
                    frame.Ip = ip; frame.Sp = sp;
                    if (frame.ResumedInline)
                    {
                        // Back to the FOR_ITER that resumed this frame: the value is its next item.
                        var consumer = LeaveInlineGenerator(frame);
                        consumer.Push(v);
                        frame = consumer;
                        goto load_frame;
                    }
                    LastExit = FrameExit.Yielded;
                    return v;
                }

                case OpCode.GetYieldFromIter:
                    sp = OpGetYieldFromIter(s, sp, arg, frame);
                    continue;

                case OpCode.Send:
                    sp = OpSend(s, sp, arg, frame, ip, out bool sendDone);
                    if (sendDone) ip = arg;
                    continue;

                case OpCode.PushExcInfo:
                    sp = OpPushExcInfo(s, sp, arg, frame);
                    continue;

                case OpCode.PopExcept:
                    sp = OpPopExcept(s, sp, arg, frame);
                    continue;

                case OpCode.Reraise:
                {
                    var exc = s[--sp]!; s[sp] = null;
                    // The lasti saved below the exception (arg != 0) only restores
                    // f_lineno in CPython; handler lookup uses this instruction's
                    // own position (ceval.c: "We can't use frame->f_lasti here").
                    frame.Sp = sp;
                    _reraising = true;
                    throw new PyException((PyBaseException)exc);
                }

                case OpCode.CheckExcMatch:
                    sp = OpCheckExcMatch(s, sp, arg, frame);
                    continue;

                case OpCode.RaiseVarargs:
                    sp = OpRaiseVarargs(s, sp, arg, frame);
                    continue;

                case OpCode.LoadAssertionError:
                    s[sp++] = Refs.NewRef<TRefs>(ExceptionTypes.AssertionError, tid);
                    continue;

                case OpCode.BeforeWith:
                    sp = OpBeforeWith(s, sp, arg, frame);
                    continue;

                case OpCode.WithExceptStart:
                    sp = OpWithExceptStart(s, sp, arg, frame);
                    continue;

                case OpCode.ImportName:
                    sp = OpImportName(s, sp, arg, frame);
                    continue;

                case OpCode.ImportFrom:
                    sp = OpImportFrom(s, sp, arg, frame);
                    continue;

                case OpCode.ImportStar:
                    sp = OpImportStar(s, sp, arg, frame);
                    continue;

                default:
                    throw Exc.SystemError($"unknown opcode {(OpCode)(word & 0xFF)}");
            }

        return_value:
            // RETURN_VALUE, with the value popped into result.
            if (frame.InitInstance is { } inst)
            {
                if (!ReferenceEquals(result, PyNone.Instance))
                {
                    s[sp++] = result;
                    throw Exc.TypeError($"__init__() should return None, not '{result.Type.Name}'");
                }
                Refs.Dec<TRefs>(result, tid);
                result = inst;
                frame.InitInstance = null;
            }
            if (frame.Generator is not null)
            {
                frame.Ip = ip; frame.Sp = sp;
                if (frame.ResumedInline)
                {
                    // The generator is exhausted: its FOR_ITER drops it and leaves the
                    // loop, and the return value goes nowhere (as StopIteration's does).
                    var gen = frame.Generator;
                    var consumer = LeaveInlineGenerator(frame);
                    FinishGenerator(gen);
                    Refs.Dec<TRefs>(result, tid);
                    var it = consumer.Slots[--consumer.Sp]!;
                    consumer.Slots[consumer.Sp] = null;
                    consumer.Ip = (consumer.Code.Quickened![consumer.Ip - 1]) >>> 8; // FOR_ITER's exit target
                    Refs.Dec<TRefs>(it, tid);
                    frame = consumer;
                    goto load_frame;
                }
                LastExit = FrameExit.Returned;
                return result;
            }
            var back = frame.Back;
            bool entry = frame.IsEntry;
            PopFrameAfterReturn<TRefs>(frame, sp, tid);
            if (entry)
            {
                LastExit = FrameExit.Returned;
                return result;
            }
            frame = back!;
            frame.Push(result);
            if (EvalBreaker != 0) { CurrentFrame = frame; HandleEvalBreaker(); }
            goto load_frame;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildSet(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var set = new PySet();
        try { for (int i = sp - arg; i < sp; i++) set.Add(s[i]!); }
        catch { set.Decref(); throw; }
        for (int i = 0; i < arg; i++) { var v = s[--sp]!; s[sp] = null; Decref(v); }
        s[sp++] = set;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildMap(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var d = new PyDict();
        try { for (int i = sp - 2 * arg; i < sp; i += 2) d.SetItem(s[i]!, s[i + 1]!); }
        catch { d.Decref(); throw; }
        for (int i = 0; i < 2 * arg; i++) { var v = s[--sp]!; s[sp] = null; Decref(v); }
        s[sp++] = d;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildConstKeyMap(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var keys = (PyTuple)s[sp - 1]!;
        var d = new PyDict();
        try { for (int i = 0; i < arg; i++) d.SetItem(keys[i], s[sp - 1 - arg + i]!); }
        catch { d.Decref(); throw; }
        for (int i = 0; i <= arg; i++) { var v = s[--sp]!; s[sp] = null; Decref(v); }
        s[sp++] = d;
        return sp;
    }

    /// <summary>DICT_UPDATE ({**m}) and DICT_MERGE (f(**m)): errors of the latter name f (format_kwargs_error), which sits below the dict and the positional tuple.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDictUpdate(Span<PyObject?> s, int sp, int arg, bool merge)
    {
        var update = s[sp - 1]!;
        var d = (PyDict)s[sp - 1 - arg]!;
        var callee = merge ? s[sp - 3 - arg]! : null;
        if (update is not PyDict)
        {
            var keysAttr = Ops.GetAttrOrNull(update, "keys")
                ?? throw Exc.TypeError(callee is not null ? $"{Ops.FunctionStr(callee)} argument after ** must be a mapping, not {update.Type.Name}"
                                                          : $"'{update.Type.Name}' object is not a mapping");
            Decref(keysAttr);
        }
        d.Update(update, keywordsOf: callee);
        s[--sp] = null;
        Decref(update);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpListExtend(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var iterable = s[sp - 1]!;
        var list = (PyList)s[sp - 1 - arg]!;
        try { list.Extend(iterable); }
        catch (PyException e) when (e.Value.Type == ExceptionTypes.TypeError && !iterable.Type.IsHeapType && iterable is not (PyList or PyTuple or PyStr or PyDict or PySet or PyRange or PyGenerator))
        {
            e.Value.Decref();
            throw Exc.TypeError($"Value after * must be an iterable, not {iterable.Type.Name}");
        }
        s[--sp] = null;
        Decref(iterable);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpFormatValue(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        bool hasSpec = (arg & 4) != 0;
        var spec = hasSpec ? (PyStr)s[sp - 1]! : null;
        var v = s[sp - (hasSpec ? 2 : 1)]!;
        PyObject converted = (arg & 3) switch
        {
            1 => Ops.Str(v),
            2 => Ops.Repr(v),
            3 => Modules.Builtins.Ascii(v),
            _ => v.NewRef(),
        };
        PyStr r;
        try
        {
            r = converted.Type == PyTypes.Str && (spec is null || spec.Value.Length == 0)
                ? (PyStr)converted.NewRef()
                : Ops.Format(converted, spec?.Value ?? "");
        }
        finally { Decref(converted); }
        if (hasSpec) { s[--sp] = null; Decref(spec!); }
        s[sp - 1] = r;
        Decref(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpCallFunctionEx(Span<PyObject?> s, int sp, int arg, Frame frame, int ip)
    {
        bool hasKw = (arg & 1) != 0;
        var kwargs = hasKw ? s[sp - 1] : null;
        var callargsObj = s[sp - (hasKw ? 2 : 1)]!;
        var callable = s[sp - (hasKw ? 3 : 2)]!;
        int baseIdx = sp - (hasKw ? 4 : 3);
        frame.Ip = ip; frame.Sp = sp;
        PyObject result;
        if (callargsObj is PyTuple { Type: var tt } callargs && tt == PyTypes.Tuple)
            result = Ops.CallWithDict(callable, callargs, kwargs as PyDict);
        else
        {
            // f(*x) with x not a tuple: make one, naming f when x is not iterable (check_args_iterable).
            PyTuple made;
            try { made = (PyTuple)Ops.Call1(PyTypes.Tuple, callargsObj); }
            catch (PyException e) when (e.Value.Type == ExceptionTypes.TypeError && !Ops.IsIterable(callargsObj))
            {
                e.Value.Decref();
                throw Exc.TypeError($"{Ops.FunctionStr(callable)} argument after * must be an iterable, not {callargsObj.Type.Name}");
            }
            try { result = Ops.CallWithDict(callable, made, kwargs as PyDict); }
            finally { made.Decref(); }
        }
        for (int i = sp - 1; i >= baseIdx; i--)
        {
            var v = s[i];
            if (v is not null) { s[i] = null; Decref(v); }
        }
        sp = baseIdx;
        s[sp++] = result;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpRaiseVarargs(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        frame.Sp = sp;
        if (arg == 0)
        {
            var cur = HandledException ?? throw Exc.RuntimeError("No active exception to reraise");
            cur.Incref();
            _reraising = true;
            throw new PyException((PyBaseException)cur);
        }
        PyObject? cause = null;
        if (arg == 2) { cause = s[--sp]; s[sp] = null; }
        var raised = s[--sp]!; s[sp] = null;
        PyBaseException e;
        try { e = MakeException(raised, null); }
        finally { Decref(raised); }
        if (cause is not null)
        {
            PyObject? c = null;
            try
            {
                if (cause is PyNone) c = null;
                else if (cause is PyType ct && ct.IsSubtypeOf(ExceptionTypes.BaseException)) c = Ops.Call0(ct);
                else if (cause is PyBaseException) c = cause.NewRef();
                else throw Exc.TypeError("exception causes must derive from BaseException");
            }
            catch { e.Decref(); Decref(cause); throw; }
            Decref(cause);
            var oldCause = e.Cause;
            e.Cause = c;
            e.SuppressContext = true;
            oldCause?.Decref();
        }
        throw new PyException(e);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBeforeWith(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var mgr = s[sp - 1]!;
        var enter = mgr.Type.Lookup("__enter__");
        var exit = mgr.Type.Lookup("__exit__");
        if (enter is null || exit is null)
            throw Exc.TypeError($"'{mgr.Type.Name}' object does not support the context manager protocol");
        var boundExit = exit.IsDescriptor ? exit.DescrGet(mgr, mgr.Type) : exit.NewRef();
        PyObject entered;
        try { entered = Ops.CallSpecial(enter, mgr); }
        catch { boundExit.Decref(); throw; }
        s[sp - 1] = boundExit;
        s[sp++] = entered;
        Decref(mgr);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpImportStar(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var module = s[sp - 1]!;
        var loc = frame.Locals ?? throw Exc.SystemError("import * only allowed at module level");
        if (module is PyModule pm)
        {
            var all = pm.Dict.GetItemString("__all__");
            if (all is not null)
            {
                var it = Ops.GetIter(all);
                try
                {
                    while (Ops.Next(it) is { } n)
                    {
                        using var nr = new TempRef(n);
                        using var val = new TempRef(Ops.GetAttr(pm, (PyStr)n));
                        loc.SetItem(n, val.Value);
                    }
                }
                finally { Decref(it); }
            }
            else
            {
                foreach (var (k, v) in pm.Dict.Items())
                    if (k is PyStr ks && !ks.Value.StartsWith('_')) loc.SetItem(k, v);
            }
        }
        s[--sp] = null;
        Decref(module);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpImportFrom(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var module = s[sp - 1]!;
        var name = frame.Code.Names[arg];
        var v = Ops.GetAttrOrNull(module, name);
        if (v is null)
        {
            string modName = module is PyModule pm ? pm.Name : "?";
            string where = module is PyModule pm2 && pm2.Dict.GetItemString("__file__") is PyStr file ? file.Value : "unknown location";
            throw Exc.ImportError(module is PyModule pm3 && Interp.IsBuiltinModule(pm3.Name)
                ? $"cannot import name '{name.Value}' from '{modName}' (unknown location)"
                : $"cannot import name '{name.Value}' from '{modName}' ({where})");
        }
        s[sp++] = v;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpImportName(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var fromlist = s[sp - 1]!;
        var level = s[sp - 2]!;
        var module = Interp.Import(this, frame.Code.Names[arg].Value, level is PyInt li ? (int)li.Value : 0,
            fromList: fromlist is not PyNone && Ops.IsTrue(fromlist));
        s[--sp] = null;
        s[sp - 1] = module;
        Decref(fromlist); Decref(level);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpUnpackEx(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var seq = s[sp - 1]!;
        int before = arg & 0xFF, after = arg >> 8;
        var items = UnpackIterable(seq, before, after);
        s[--sp] = null;
        for (int i = items.Length - 1; i >= 0; i--) s[sp++] = items[i];
        Decref(seq);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpSend(Span<PyObject?> s, int sp, int arg, Frame frame, int ip, out bool done)
    {
        done = false;
        var v = s[sp - 1]!;
        var receiver = s[sp - 2]!;
        frame.Ip = ip; frame.Sp = sp;
        PyObject? r;
        if (receiver is PyGenerator g) r = ResumeGenerator(g, ReferenceEquals(v, PyNone.Instance) ? null : v, null);
        else if (ReferenceEquals(v, PyNone.Instance)) r = Ops.Next(receiver);
        else r = Ops.CallMethod(receiver, "send", new[] { v });
        s[--sp] = null;
        Decref(v);
        if (r is not null) { s[sp++] = r; return sp; }
        // The sub-iterator returned: its return value replaces it.
        PyObject retval = receiver is PyGenerator g2 && g2.ReturnValue is { } rv ? rv : PyNone.Instance.NewRef();
        if (receiver is PyGenerator g3) g3.ReturnValue = null;
        s[sp - 1] = retval;
        Decref(receiver);
        done = true;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpWithExceptStart(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var exc = s[sp - 1]!;
        var exit = s[sp - 4]!;
        Span<PyObject> args = [exc.Type, exc, PyNone.Instance];
        var r = Ops.Call(exit, args, null);
        s[sp++] = r;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpCheckExcMatch(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var type = s[sp - 1]!;
        var exc = s[sp - 2]!;
        bool match = ExceptionMatches(exc, type);
        s[sp - 1] = match ? PyBool.True.NewRef() : PyBool.False.NewRef();
        Decref(type);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildString(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var r = PyStr.Concat(s.Slice(sp - arg, arg));
        for (int i = 0; i < arg; i++) { var v = s[--sp]!; s[sp] = null; Decref(v); }
        s[sp++] = r;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpMakeFunction(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var fcode = (CodeObject)s[--sp]!; s[sp] = null;
        var fn = new PyFunction(fcode, frame.Globals, frame.Builtins);
        if (RefMode.Biased) BiasedRefCount.Share(fn, fcode);
        Decref(fcode);
        if ((arg & 8) != 0) { fn.Closure = (PyTuple)s[--sp]!; s[sp] = null; }
        if ((arg & 4) != 0) { var ann = s[--sp]!; s[sp] = null; Decref(ann); }
        if ((arg & 2) != 0) { fn.KwDefaults = (PyDict)s[--sp]!; s[sp] = null; }
        if ((arg & 1) != 0) { fn.Defaults = (PyTuple)s[--sp]!; s[sp] = null; }
        s[sp++] = fn;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteName(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var loc = frame.Locals ?? throw Exc.SystemError("no locals when deleting");
        var old = loc.Pop(frame.Code.Names[arg]) ?? throw NameNotDefined(frame.Code.Names[arg]);
        Decref(old);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadClassDeref(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var name = frame.Code.LocalsPlusNames[arg];
        var v = frame.Locals?.GetItemString(name) ?? ((PyCell)s[arg]!).Contents ?? throw UnboundFree(frame.Code, arg);
        v.Incref();
        s[sp++] = v;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpStoreAttr(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        var v = s[sp - 2]!;
        var name = frame.Code.Names[arg];
        if (o is not PyInstance pi || !StoreInstanceDictAttr(pi, frame.Code, name, frame.LastI, v)) Ops.SetAttr(o, name, v);
        s[--sp] = null; s[--sp] = null;
        Decref(o); Decref(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteAttr(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        Ops.SetAttr(o, frame.Code.Names[arg], null);
        s[--sp] = null;
        Decref(o);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteSubscr(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var key = s[sp - 1]!;
        var container = s[sp - 2]!;
        Ops.DelItem(container, key);
        s[--sp] = null; s[--sp] = null;
        Decref(key); Decref(container);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpStoreSubscr(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var key = s[sp - 1]!;
        var container = s[sp - 2]!;
        var v = s[sp - 3]!;
        Ops.SetItem(container, key, v);
        s[--sp] = null; s[--sp] = null; s[--sp] = null;
        Decref(key); Decref(container); Decref(v);
        return sp;
    }

    /// <summary>A Python function call whose arguments need binding (keywords, defaults, *args): pushes the callee frame; the stack's argument references are released.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Frame PushBoundFrame(PyFunction f, Span<PyObject?> s, int argStart, int nargs, PyTuple? kw)
    {
        var callee = PushFrame(f.Code, f, f.Globals, f.Builtins, null);
        try
        {
            BindArguments(callee, f, s.Slice(argStart, nargs)!, kw);
        }
        catch
        {
            callee.Function = null; // the function reference is still on the caller's stack
            PopFrame(callee);
            throw;
        }
        for (int i = argStart; i < argStart + nargs; i++) { var v = s[i]!; s[i] = null; Decref(v); }
        return callee;
    }

    /// <summary>The __init__ to run inline for a call of this class, or null when the call must go through type.__call__.</summary>
    private static PyFunction? InlineInit(PyType cls)
    {
        // Two MRO lookups per instantiation otherwise: remembered until any type changes.
        int version = PyType.Version;
        if (cls.InlineInitVersion == version) return cls.InlineInitCache;
        PyFunction? found = null;
        if (cls.Alloc == (AllocFn)PyTypes.Object.Alloc! && cls.Lookup("__init__") is PyFunction init
            && (init.Code.Flags & CodeFlags.Generator) == 0 && !TypeAttributes.IsUserNew(cls.Lookup("__new__")))
            found = init;
        cls.InlineInitCache = found; // borrowed: the class's dict owns it while the version holds
        cls.InlineInitVersion = version;
        return found;
    }

    /// <summary>
    /// A class call runs __init__ inline on the frame stack: [NULL, cls, args] becomes
    /// [__init__, instance, args], a method call whose result is replaced by the instance.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Frame PushInitFrame(PyType cls, PyFunction init, Span<PyObject?> s, int baseIdx, int argc, PyTuple? kw)
    {
        if (kw is null && init.ExactArgCount == argc + 1)
        {
            // Positional arguments only: self and the arguments go straight into __init__'s slots.
            init.Incref();
            Frame frame;
            try { frame = PushFrame(init.Code, init, init.Globals, init.Builtins, null); }
            catch { Decref(init); throw; }
            var self = new PyInstance(cls);
            self.Incref(); // one reference in slot 0, one in InitInstance (the call's result)
            Span<PyObject?> slots = frame.Slots;
            slots[0] = self;
            for (int i = 0; i < argc; i++) { slots[1 + i] = s[baseIdx + 2 + i]; s[baseIdx + 2 + i] = null; }
            s[baseIdx + 1] = null;
            Decref(cls);
            frame.InitInstance = self;
            return frame;
        }
        var instance = new PyInstance(cls);
        s[baseIdx] = init.NewRef();
        s[baseIdx + 1] = instance;
        Decref(cls);
        instance.Incref();
        Frame callee;
        try
        {
            callee = PushFrame(init.Code, init, init.Globals, init.Builtins, null);
        }
        catch { Decref(instance); throw; }
        try
        {
            BindArguments(callee, init, s.Slice(baseIdx + 1, argc + 1)!, kw);
        }
        catch
        {
            callee.Function = null;
            PopFrame(callee);
            Decref(instance);
            throw;
        }
        for (int i = baseIdx + 1; i < baseIdx + 2 + argc; i++) { var v = s[i]!; s[i] = null; Decref(v); }
        s[baseIdx] = null;
        callee.InitInstance = instance;
        return callee;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PyObject LoadGlobalRef(Frame frame, PyStr name) =>
        frame.Globals.GetItemStrRef(name) ?? frame.Builtins.GetItemStrRef(name) ?? throw NameNotDefined(name);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadName(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var name = frame.Code.Names[arg];
        var v = (frame.Locals is { } loc ? loc.GetItemStrRef(name) : null)
                ?? frame.Globals.GetItemStrRef(name) ?? frame.Builtins.GetItemStrRef(name)
                ?? throw NameNotDefined(name);
        s[sp++] = v;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpStoreName(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var loc = frame.Locals ?? throw Exc.SystemError($"no locals found when storing {frame.Code.Names[arg].Value}");
        loc.SetItem(frame.Code.Names[arg], s[sp - 1]!);
        var v = s[--sp]!; s[sp] = null;
        Decref(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpStoreGlobal(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        frame.Globals.SetItem(frame.Code.Names[arg], s[sp - 1]!);
        var v = s[--sp]!; s[sp] = null;
        Decref(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteGlobal(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var old = frame.Globals.Pop(frame.Code.Names[arg]) ?? throw NameNotDefined(frame.Code.Names[arg]);
        Decref(old);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteFast(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var old = s[arg] ?? throw UnboundLocal(frame.Code, arg);
        s[arg] = null;
        Decref(old);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpDeleteDeref(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var cell = (PyCell)s[arg]!;
        var old = (RefMode.Biased ? cell.Swap(null) : cell.Contents) ?? throw UnboundFree(frame.Code, arg);
        cell.Contents = null;
        Decref(old);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadClosure(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var cell = s[arg]!;
        cell.Incref();
        s[sp++] = cell;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpCopyFreeVars(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var closure = frame.Function!.Closure!;
        int offset = frame.Code.NLocalsPlus - arg;
        for (int i = 0; i < arg; i++) s[offset + i] = closure[i].NewRef();
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadMethod(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        var name = frame.Code.Names[arg];
        var tp = o.Type;
        var entry = TypeAttr(frame.Code, frame.LastI, tp, name);
        var descr = entry.Descr;
        if (descr is PyFunction or PyMethodDescriptor && o is not PyType && o is not PyModule && o is not PySuper && entry.PlainGet)
        {
            bool shadowed = o is PyInstance pi ? pi.Dict?.GetItemStr(name) is not null : o.InstanceDict?.GetItemStr(name) is not null;
            if (!shadowed)
            {
                descr.Incref();
                s[sp - 1] = descr;
                s[sp++] = o; // the object's reference moves up a slot: it is self
                return sp;
            }
        }
        var attr = Ops.GetAttr(o, name);
        s[sp - 1] = null;
        s[sp++] = attr;
        Decref(o);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBinarySubscr(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var container = s[sp - 2]!;
        var key = s[sp - 1]!;
        PyObject r;
        if (container is PyList list && key.Type == PyTypes.Int && !((PyInt)key).IsBig)
        {
            long i = ((PyInt)key).Value;
            if (i < 0) i += list.Count;
            // ItemRefOrNull re-checks the bound (under the list's lock when free-threaded).
            if ((ulong)i >= (ulong)list.Count || list.ItemRefOrNull((int)i) is not { } item)
                throw Exc.IndexError("list index out of range");
            r = item;
        }
        else if (container.Type == PyTypes.Dict) r = container.GetItem(key);
        else r = Ops.GetItem(container, key);
        s[--sp] = null;
        s[sp - 1] = r;
        Decref(key); Decref(container);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildSlice(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        PyObject step = arg == 3 ? s[--sp]! : PyNone.Instance.NewRef();
        if (arg == 3) s[sp] = null;
        var stop = s[--sp]!; s[sp] = null;
        var start = s[sp - 1]!;
        s[sp - 1] = new PySlice(start, stop, step);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpUnaryNot(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        bool t = Ops.IsTrue(o);
        s[sp - 1] = t ? PyBool.False.NewRef() : PyBool.True.NewRef();
        Decref(o);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpIsOp(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var b = s[--sp]!; s[sp] = null;
        var a = s[sp - 1]!;
        bool t = ReferenceEquals(a, b) ^ (arg != 0);
        s[sp - 1] = t ? PyBool.True.NewRef() : PyBool.False.NewRef();
        Decref(a); Decref(b);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpContainsOp(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var container = s[sp - 1]!;
        var item = s[sp - 2]!;
        bool t = Ops.Contains(container, item) ^ (arg != 0);
        s[--sp] = null;
        s[sp - 1] = t ? PyBool.True.NewRef() : PyBool.False.NewRef();
        Decref(container); Decref(item);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpGetIter(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        var it = Ops.GetIter(o);
        s[sp - 1] = it;
        Decref(o);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildTuple(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var t = PyTuple.Allocate(arg);
        for (int i = arg - 1; i >= 0; i--) { ObjectArrays.Store(t.Items, i, s[--sp]!); s[sp] = null; }
        s[sp++] = t;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpBuildList(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var items = new PyObject[Math.Max(arg, 4)];
        for (int i = arg - 1; i >= 0; i--) { ObjectArrays.Store(items, i, s[--sp]!); s[sp] = null; }
        s[sp++] = PyList.FromArrayStealing(items, arg);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpListAppend(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var v = s[--sp]!; s[sp] = null;
        ((PyList)s[sp - arg]!).AppendStealing(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpSetAdd(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var v = s[sp - 1]!;
        ((PySet)s[sp - 1 - arg]!).Add(v);
        s[--sp] = null;
        Decref(v);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpMapAdd(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var value = s[sp - 1]!;
        var key = s[sp - 2]!;
        ((PyDict)s[sp - 2 - arg]!).SetItem(key, value);
        s[--sp] = null; s[--sp] = null;
        Decref(value); Decref(key);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpSetUpdate(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var iterable = s[sp - 1]!;
        ((PySet)s[sp - 1 - arg]!).Update(iterable);
        s[--sp] = null;
        Decref(iterable);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpListToTuple(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var list = (PyList)s[sp - 1]!;
        s[sp - 1] = PyTuple.FromSpan(list.Items.AsSpan(0, list.Count));
        Decref(list);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpUnpackSequence(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var seq = s[sp - 1]!;
        if (seq is PyTuple t && t.Count == arg)
        {
            s[--sp] = null;
            for (int i = arg - 1; i >= 0; i--) s[sp++] = t.Items[i].NewRef();
        }
        else if (seq is PyList l && l.Count == arg && !RefMode.Biased)
        {
            s[--sp] = null;
            for (int i = arg - 1; i >= 0; i--) s[sp++] = l.Items[i].NewRef();
        }
        else
        {
            var items = UnpackIterable(seq, arg, -1);
            s[--sp] = null;
            for (int i = items.Length - 1; i >= 0; i--) s[sp++] = items[i];
        }
        Decref(seq);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpGetYieldFromIter(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var o = s[sp - 1]!;
        if (o is PyGenerator) return sp;
        var it = Ops.GetIter(o);
        s[sp - 1] = it;
        Decref(o);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpPushExcInfo(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var exc = s[sp - 1]!;
        var prev = HandledException ?? PyNone.Instance.NewRef();
        exc.Incref();
        HandledException = exc;
        s[sp - 1] = prev;
        s[sp++] = exc;
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpPopExcept(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var prev = s[--sp]!; s[sp] = null;
        var old = HandledException;
        if (ReferenceEquals(prev, PyNone.Instance)) { HandledException = null; Decref(prev); }
        else HandledException = prev;
        if (old is not null) Decref(old);
        return sp;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadBuildClass(Span<PyObject?> s, int sp, int arg, Frame frame)
    {
        var bc = frame.Builtins.GetItemString("__build_class__") ?? throw Exc.NameError("__build_class__ not found");
        bc.Incref();
        s[sp++] = bc;
        return sp;
    }

    /// <summary>
    /// The per-instruction attribute cache (3.11's LOAD_ATTR_INSTANCE_VALUE and
    /// LOAD_METHOD specialisations, simplified): what the type's MRO says about a
    /// name, valid while the object has this type and no type dict has changed.
    /// </summary>
    internal sealed class TypeAttrEntry
    {
        public readonly PyType Type;
        public readonly int Version;
        /// <summary>The attribute found on the type (borrowed), or null.</summary>
        public readonly PyObject? Descr;
        /// <summary>No __getattribute__ written in Python: generic lookup applies.</summary>
        public readonly bool PlainGet;
        /// <summary>A read looks in the instance dict first: generic lookup, and no data descriptor on the type.</summary>
        public readonly bool ReadsInstanceDict;
        /// <summary>A store goes to the instance dict: a class written in Python, no __setattr__ in Python, no data descriptor.</summary>
        public readonly bool WritesInstanceDict;
        /// <summary>Where this instruction last found the name in an instance dict (PyDict's hinted lookups).</summary>
        public int DictHint;
        // Whether Descr is a data descriptor can only change with its class's
        // dict, which changes Version too: it is decided here once.
        public TypeAttrEntry(PyType type, int version, PyObject? descr, bool plainGet, bool plainSet)
        {
            Type = type; Version = version; Descr = descr; PlainGet = plainGet;
            bool dataDescriptor = descr is not null && descr.IsDataDescriptor;
            ReadsInstanceDict = plainGet && !dataDescriptor;
            WritesInstanceDict = plainSet && type.IsHeapType && !dataDescriptor;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TypeAttrEntry TypeAttr(CodeObject co, int index, PyType tp, PyStr name)
    {
        var cache = co.InlineCache;
        if (cache is not null && cache[index] is TypeAttrEntry e && ReferenceEquals(e.Type, tp) && e.Version == PyType.Version)
            return e;
        return TypeAttrMiss(co, index, tp, name);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TypeAttrEntry TypeAttrMiss(CodeObject co, int index, PyType tp, PyStr name)
    {
        TypeAttrEntry e;
        int version = PyType.Version;
        var descr = tp.Lookup(name.Value);
        bool plainGet = !tp.IsHeapType || tp.Lookup("__getattribute__") is not PyFunction;
        bool plainSet = !tp.IsHeapType || tp.Lookup("__setattr__") is not PyFunction;
        e = new TypeAttrEntry(tp, version, descr, plainGet, plainSet);
        (co.InlineCache ??= new object?[co.Instructions.Length])[index] = e;
        return e;
    }

    /// <summary>LOAD_ATTR: instances of Python classes take the cached path; everything else the generic one.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OpLoadAttr(Span<PyObject?> s, int sp, int arg, Frame frame, int index)
    {
        var o = s[sp - 1]!;
        var name = frame.Code.Names[arg];
        PyObject? r = null;
        if (o is PyInstance pi)
        {
            var e = TypeAttr(frame.Code, index, pi.Type, name);
            if (e.ReadsInstanceDict)
            {
                r = pi.Dict?.GetItemStrRefHinted(name, ref e.DictHint);
                if (r is null && e.Descr is not null)
                    r = e.Descr.IsDescriptor ? e.Descr.DescrGet(o, pi.Type) : RefMode.Biased ? pi.Type.LookupRef(name.Value) : e.Descr.NewRef();
            }
        }
        r ??= Ops.GetAttr(o, name);
        s[sp - 1] = r;
        Decref(o);
        return sp;
    }

    /// <summary>
    /// The instance-dict half of LOAD_ATTR's cached path (index: the LOAD_ATTR's
    /// cache slot): a new reference to the value, or null when the attribute is
    /// not a plain entry of the instance's dict. Nothing here can raise.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static PyObject? InstanceDictAttr(PyInstance pi, CodeObject co, PyStr name, int index)
    {
        var e = TypeAttr(co, index, pi.Type, name);
        return e.ReadsInstanceDict ? pi.Dict?.GetItemStrRefHinted(name, ref e.DictHint) : null;
    }

    /// <summary>STORE_ATTR's cached path (index: its cache slot): v (borrowed) stored into the instance dict, or false when a descriptor or __setattr__ must decide.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool StoreInstanceDictAttr(PyInstance pi, CodeObject co, PyStr name, int index, PyObject v)
    {
        var e = TypeAttr(co, index, pi.Type, name);
        if (!e.WritesInstanceDict) return false;
        (pi.Dict ??= PyDict.New()).SetItemStrHinted(name, v, ref e.DictHint);
        return true;
    }

    /// <summary>except T: T may be a class or a tuple of classes (recursively).</summary>
    internal static bool ExceptionMatches(PyObject exc, PyObject type)
    {
        if (type is PyTuple t)
        {
            foreach (var item in t.Items) if (ExceptionMatches(exc, item)) return true;
            return false;
        }
        if (type is not PyType tt || !tt.IsSubtypeOf(ExceptionTypes.BaseException))
            throw Exc.TypeError("catching classes that do not inherit from BaseException is not allowed");
        return exc.Type.IsSubtypeOf(tt);
    }

    /// <summary>Unpack an iterable into exactly `before` items (after &lt; 0) or before + [rest] + after items (starred).</summary>
    private static PyObject[] UnpackIterable(PyObject seq, int before, int after)
    {
        PyObject it;
        try { it = Ops.GetIter(seq); }
        catch (PyException e) when (e.Value.Type == ExceptionTypes.TypeError)
        {
            e.Value.Decref();
            throw Exc.TypeError($"cannot unpack non-iterable {seq.Type.Name} object");
        }
        var items = new List<PyObject>();
        try
        {
            while (Ops.Next(it) is { } x)
            {
                items.Add(x);
                if (after < 0 && items.Count > before)
                    throw Exc.ValueError($"too many values to unpack (expected {before})");
            }
            if (after < 0)
            {
                if (items.Count < before) throw Exc.ValueError($"not enough values to unpack (expected {before}, got {items.Count})");
                var r = items.ToArray();
                items.Clear();
                return r;
            }
            if (items.Count < before + after)
                throw Exc.ValueError($"not enough values to unpack (expected at least {before + after}, got {items.Count})");
            var result = new PyObject[before + after + 1];
            for (int i = 0; i < before; i++) result[i] = items[i];
            var rest = new PyList(items.Count - before - after);
            for (int i = before; i < items.Count - after; i++) rest.AppendStealing(items[i]);
            result[before] = rest;
            for (int i = 0; i < after; i++) result[before + 1 + i] = items[items.Count - after + i];
            items.Clear();
            return result;
        }
        finally
        {
            foreach (var x in items) x.Decref();
            it.Decref();
        }
    }
}
