using ToyPy.Bytecode;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Compiling;

internal sealed partial class CodeGenerator
{
    private readonly Dictionary<UnaryOp, Compare?> _notCompare = new(ReferenceEqualityComparer.Instance);

    private void VisitExpr(Expr e)
    {
        var old = u.Loc;
        SetLoc(e);
        VisitExpr1(e);
        u.Loc = old;
    }

    private void VisitExprs(IEnumerable<Expr> exprs)
    {
        foreach (var e in exprs) VisitExpr(e);
    }

    /// <summary>ast_opt's "not (a is b)" -> "a is not b" (only is/in can be inverted safely).</summary>
    private Compare? FoldNotCompare(UnaryOp un)
    {
        if (_notCompare.TryGetValue(un, out var c)) return c;
        c = null;
        if (un.Op == UnaryOperator.Not && un.Operand is Compare cmp && cmp.Ops.Count == 1)
        {
            CompareOperator? inv = cmp.Ops[0] switch
            {
                CompareOperator.Is => CompareOperator.IsNot,
                CompareOperator.IsNot => CompareOperator.Is,
                CompareOperator.In => CompareOperator.NotIn,
                CompareOperator.NotIn => CompareOperator.In,
                _ => null,
            };
            if (inv is { } op)
                c = new Compare
                {
                    Left = cmp.Left, Ops = new[] { op }, Comparators = cmp.Comparators,
                    Line = cmp.Line, Column = cmp.Column, EndLine = cmp.EndLine, EndColumn = cmp.EndColumn,
                };
        }
        _notCompare[un] = c;
        return c;
    }

    private void VisitExpr1(Expr e)
    {
        if (e is Constant or UnaryOp or BinOp or TupleExpr { Ctx: ExprContext.Load } or Name { Id: "__debug__" } or Subscript { Ctx: ExprContext.Load } && Fold(e) is { } folded)
        {
            LoadConst(folded);
            return;
        }
        switch (e)
        {
            case NamedExpr ne:
                VisitExpr(ne.Value);
                Addop(OpCode.Copy, 1);
                NameOp(ne.Target.Id, ExprContext.Store, ne.Target);
                break;
            case BoolOp bo: CompileBoolOp(bo); break;
            case BinOp b when OptimizeFormat(b) is { } joined:
                CompileJoinedStr(joined);
                break;
            case BinOp b:
                VisitExpr(b.Left);
                VisitExpr(b.Right);
                Addop(OpCode.BinaryOp, (int)ToBinaryOperation(b.Op, false));
                break;
            case UnaryOp un:
                if (FoldNotCompare(un) is { } inv)
                {
                    // ast_opt replaces the UnaryOp by the inverted Compare (COPY_NODE): its location too.
                    SetLoc(inv);
                    CompileCompare(inv);
                    break;
                }
                VisitExpr(un.Operand);
                Addop(un.Op switch
                {
                    UnaryOperator.Invert => OpCode.UnaryInvert,
                    UnaryOperator.Not => OpCode.UnaryNot,
                    UnaryOperator.UAdd => OpCode.UnaryPositive,
                    _ => OpCode.UnaryNegative,
                });
                break;
            case Lambda l: CompileLambda(l); break;
            case IfExp ie: CompileIfExp(ie); break;
            case DictExpr d: CompileDict(d); break;
            case SetExpr se: StarUnpackHelper(se.Elts, 0, OpCode.BuildSet, OpCode.SetAdd, OpCode.SetUpdate, false); break;
            case GeneratorExp g: CompileComprehension(g, "<genexpr>", CompKind.GenExp, g.Generators, g.Elt, null); break;
            case ListComp lc: CompileComprehension(lc, "<listcomp>", CompKind.ListComp, lc.Generators, lc.Elt, null); break;
            case SetComp sc: CompileComprehension(sc, "<setcomp>", CompKind.SetComp, sc.Generators, sc.Elt, null); break;
            case DictComp dc: CompileComprehension(dc, "<dictcomp>", CompKind.DictComp, dc.Generators, dc.Key, dc.Value); break;
            case Yield y:
                if (u.Ste.Type != BlockType.Function) throw Error("'yield' outside function", y);
                if (y.Value is not null) VisitExpr(y.Value);
                else LoadConst(CNone.Instance);
                Addop(OpCode.YieldValue);
                Addop(OpCode.Resume, 1);
                break;
            case YieldFrom yf:
                if (u.Ste.Type != BlockType.Function) throw Error("'yield' outside function", yf);
                VisitExpr(yf.Value);
                Addop(OpCode.GetYieldFromIter);
                LoadConst(CNone.Instance);
                AddYieldFrom();
                break;
            case Await aw:
                throw Error("await is not supported by ToyPy", aw);
            case Compare c: CompileCompare(c); break;
            case Call call: CompileCall(call); break;
            case Constant k: LoadConst(ConstFolder.FromConstant(k)); break;
            case JoinedStr js: CompileJoinedStr(js); break;
            case FormattedValue fv: CompileFormattedValue(fv); break;
            case Attribute a:
                VisitExpr(a.Value);
                UpdateStartLocationToMatchAttr(a);
                switch (a.Ctx)
                {
                    case ExprContext.Load: AddopName(OpCode.LoadAttr, a.Attr); break;
                    case ExprContext.Store:
                        if (a.Attr == "__debug__") throw Error("cannot assign to __debug__", a);
                        AddopName(OpCode.StoreAttr, a.Attr);
                        break;
                    default: AddopName(OpCode.DeleteAttr, a.Attr); break;
                }
                break;
            case Subscript s:
                VisitExpr(s.Value);
                VisitExpr(s.Slice);
                Addop(s.Ctx switch
                {
                    ExprContext.Load => OpCode.BinarySubscr,
                    ExprContext.Store => OpCode.StoreSubscr,
                    _ => OpCode.DeleteSubscr,
                });
                break;
            case Starred st:
                throw Error(st.Ctx == ExprContext.Store
                    ? "starred assignment target must be in a list or tuple"
                    : "can't use starred expression here", st);
            case Slice sl: CompileSlice(sl); break;
            case Name n: NameOp(n.Id, n.Ctx, n); break;
            case ListExpr l:
                switch (l.Ctx)
                {
                    case ExprContext.Store: AssignmentHelper(l.Elts); break;
                    case ExprContext.Load: StarUnpackHelper(l.Elts, 0, OpCode.BuildList, OpCode.ListAppend, OpCode.ListExtend, false); break;
                    default: VisitExprs(l.Elts); break;
                }
                break;
            case TupleExpr t:
                switch (t.Ctx)
                {
                    case ExprContext.Store: AssignmentHelper(t.Elts); break;
                    case ExprContext.Load: StarUnpackHelper(t.Elts, 0, OpCode.BuildList, OpCode.ListAppend, OpCode.ListExtend, true); break;
                    default: VisitExprs(t.Elts); break;
                }
                break;
            default:
                throw Error($"{e.GetType().Name} is not supported by ToyPy", e);
        }
    }

    /// <summary>ast_opt's fold_iter: a list literal being iterated over (for, comprehension, 'in') becomes a tuple.</summary>
    private void VisitIterable(Expr e)
    {
        if (e is ListExpr l && !l.Elts.Any(x => x is Starred))
        {
            var old = u.Loc;
            SetLoc(e);
            if (FoldTuple(l.Elts) is { } t) LoadConst(t);
            else StarUnpackHelper(l.Elts, 0, OpCode.BuildList, OpCode.ListAppend, OpCode.ListExtend, true);
            u.Loc = old;
            return;
        }
        if (e is SetExpr se && FoldTuple(se.Elts) is { } items)
        {
            var old = u.Loc;
            SetLoc(e);
            LoadConst(new CFrozenSet(items.Items));
            u.Loc = old;
            return;
        }
        VisitExpr(e);
    }

    // ------------------------------------------------------------------ displays and unpacking

    private void StarUnpackHelper(IReadOnlyList<Expr> elts, int pushed, OpCode build, OpCode add, OpCode extend, bool tuple)
    {
        int n = elts.Count;
        if (n > 2 && AreAllItemsConst(elts.Cast<Expr?>().ToList(), 0, n))
        {
            var items = elts.Select(x => Fold(x)!).ToArray();
            ConstValue folded = add == OpCode.SetAdd ? new CFrozenSet(items) : new CTuple(items);
            if (tuple && pushed == 0) LoadConst(folded);
            else
            {
                Addop(build, pushed);
                LoadConst(folded);
                Addop(extend, 1);
                if (tuple) Addop(OpCode.ListToTuple);
            }
            return;
        }
        bool big = n + pushed > StackUseGuideline;
        bool seenStar = elts.Any(x => x is Starred);
        if (!seenStar && !big)
        {
            VisitExprs(elts);
            Addop(tuple ? OpCode.BuildTuple : build, n + pushed);
            return;
        }
        bool sequenceBuilt = false;
        if (big)
        {
            Addop(build, pushed);
            sequenceBuilt = true;
        }
        for (int i = 0; i < n; i++)
        {
            var elt = elts[i];
            if (elt is Starred st)
            {
                if (!sequenceBuilt)
                {
                    Addop(build, i + pushed);
                    sequenceBuilt = true;
                }
                VisitExpr(st.Value);
                Addop(extend, 1);
            }
            else
            {
                VisitExpr(elt);
                if (sequenceBuilt) Addop(add, 1);
            }
        }
        if (tuple) Addop(OpCode.ListToTuple);
    }

    private void UnpackHelper(IReadOnlyList<Expr> elts)
    {
        int n = elts.Count;
        bool seenStar = false;
        for (int i = 0; i < n; i++)
        {
            var elt = elts[i];
            if (elt is Starred && !seenStar)
            {
                if (i >= (1 << 8) || n - i - 1 >= (1 << 16))
                    throw Error("too many expressions in star-unpacking assignment", elt);
                Addop(OpCode.UnpackEx, i + ((n - i - 1) << 8));
                seenStar = true;
            }
            else if (elt is Starred)
                throw Error("multiple starred expressions in assignment", elt);
        }
        if (!seenStar) Addop(OpCode.UnpackSequence, n);
    }

    private void AssignmentHelper(IReadOnlyList<Expr> elts)
    {
        UnpackHelper(elts);
        foreach (var elt in elts) VisitExpr(elt is Starred st ? st.Value : elt);
    }

    private void CompileSubDict(DictExpr e, int begin, int end)
    {
        int n = end - begin;
        bool big = n * 2 > StackUseGuideline;
        if (n > 1 && !big && AreAllItemsConst(e.Keys, begin, end))
        {
            for (int i = begin; i < end; i++) VisitExpr(e.Values[i]);
            var keys = new ConstValue[n];
            for (int i = begin; i < end; i++) keys[i - begin] = Fold(e.Keys[i]!)!;
            LoadConst(new CTuple(keys));
            Addop(OpCode.BuildConstKeyMap, n);
            return;
        }
        if (big) Addop(OpCode.BuildMap, 0);
        for (int i = begin; i < end; i++)
        {
            VisitExpr(e.Keys[i]!);
            VisitExpr(e.Values[i]);
            if (big) Addop(OpCode.MapAdd, 1);
        }
        if (!big) Addop(OpCode.BuildMap, n);
    }

    private void CompileDict(DictExpr e)
    {
        int n = e.Values.Count;
        bool haveDict = false;
        int elements = 0;
        for (int i = 0; i < n; i++)
        {
            bool isUnpacking = e.Keys[i] is null;
            if (isUnpacking)
            {
                if (elements > 0)
                {
                    CompileSubDict(e, i - elements, i);
                    if (haveDict) Addop(OpCode.DictUpdate, 1);
                    haveDict = true;
                    elements = 0;
                }
                if (!haveDict)
                {
                    Addop(OpCode.BuildMap, 0);
                    haveDict = true;
                }
                VisitExpr(e.Values[i]);
                Addop(OpCode.DictUpdate, 1);
            }
            else
            {
                if (elements * 2 > StackUseGuideline)
                {
                    CompileSubDict(e, i - elements, i + 1);
                    if (haveDict) Addop(OpCode.DictUpdate, 1);
                    haveDict = true;
                    elements = 0;
                }
                else elements++;
            }
        }
        if (elements > 0)
        {
            CompileSubDict(e, n - elements, n);
            if (haveDict) Addop(OpCode.DictUpdate, 1);
            haveDict = true;
        }
        if (!haveDict) Addop(OpCode.BuildMap, 0);
    }

    private void CompileSlice(Slice s)
    {
        int n = 2;
        if (s.Lower is not null) VisitExpr(s.Lower); else LoadConst(CNone.Instance);
        if (s.Upper is not null) VisitExpr(s.Upper); else LoadConst(CNone.Instance);
        if (s.Step is not null) { n++; VisitExpr(s.Step); }
        Addop(OpCode.BuildSlice, n);
    }

    // ------------------------------------------------------------------ boolean logic and comparisons

    private void CompileBoolOp(BoolOp e)
    {
        var jump = e.Op == BoolOperator.And ? OpCode.JumpIfFalseOrPop : OpCode.JumpIfTrueOrPop;
        var end = NewBlock();
        int n = e.Values.Count - 1;
        for (int i = 0; i < n; i++)
        {
            VisitExpr(e.Values[i]);
            AddopJump(jump, end);
            UseNextBlock(NewBlock());
        }
        VisitExpr(e.Values[n]);
        UseNextBlock(end);
    }

    private void CompileIfExp(IfExp e)
    {
        var end = NewBlock();
        var next = NewBlock();
        JumpIf(e.Test, next, false);
        VisitExpr(e.Body);
        AddopJumpNoLine(Pseudo.Jump, end);
        UseNextBlock(next);
        VisitExpr(e.OrElse);
        UseNextBlock(end);
    }

    private void AddopCompare(CompareOperator op)
    {
        switch (op)
        {
            case CompareOperator.Eq: Addop(OpCode.CompareOp, (int)ComparisonOperation.Eq); break;
            case CompareOperator.NotEq: Addop(OpCode.CompareOp, (int)ComparisonOperation.Ne); break;
            case CompareOperator.Lt: Addop(OpCode.CompareOp, (int)ComparisonOperation.Lt); break;
            case CompareOperator.LtE: Addop(OpCode.CompareOp, (int)ComparisonOperation.Le); break;
            case CompareOperator.Gt: Addop(OpCode.CompareOp, (int)ComparisonOperation.Gt); break;
            case CompareOperator.GtE: Addop(OpCode.CompareOp, (int)ComparisonOperation.Ge); break;
            case CompareOperator.Is: Addop(OpCode.IsOp, 0); break;
            case CompareOperator.IsNot: Addop(OpCode.IsOp, 1); break;
            case CompareOperator.In: Addop(OpCode.ContainsOp, 0); break;
            case CompareOperator.NotIn: Addop(OpCode.ContainsOp, 1); break;
        }
    }

    /// <summary>Comparators, with the last one folded by fold_compare when the operator is 'in' / 'not in'.</summary>
    private void VisitComparator(Compare e, int i)
    {
        if (i == e.Comparators.Count - 1 && e.Ops[i] is CompareOperator.In or CompareOperator.NotIn)
            VisitIterable(e.Comparators[i]);
        else VisitExpr(e.Comparators[i]);
    }

    private void CompileCompare(Compare e)
    {
        VisitExpr(e.Left);
        int n = e.Ops.Count - 1;
        if (n == 0)
        {
            VisitComparator(e, 0);
            AddopCompare(e.Ops[0]);
            return;
        }
        var cleanup = NewBlock();
        for (int i = 0; i < n; i++)
        {
            VisitComparator(e, i);
            Addop(OpCode.Swap, 2);
            Addop(OpCode.Copy, 2);
            AddopCompare(e.Ops[i]);
            AddopJump(OpCode.JumpIfFalseOrPop, cleanup);
            NextBlock();
        }
        VisitComparator(e, n);
        AddopCompare(e.Ops[n]);
        var end = NewBlock();
        AddopJumpNoLine(Pseudo.Jump, end);
        UseNextBlock(cleanup);
        Addop(OpCode.Swap, 2);
        Addop(OpCode.PopTop);
        UseNextBlock(end);
    }

    /// <summary>Jump to next if the truth of e equals cond (compiler_jump_if).</summary>
    private void JumpIf(Expr e, BasicBlock next, bool cond) => JumpIf1(e, next, cond);

    private void JumpIf1(Expr e, BasicBlock next, bool cond)
    {
        switch (e)
        {
            case UnaryOp { Op: UnaryOperator.Not } un when Fold(un) is null:
                if (FoldNotCompare(un) is { } inv)
                {
                    JumpIf(inv, next, cond);
                    return;
                }
                JumpIf(un.Operand, next, !cond);
                return;
            case BoolOp bo:
            {
                int n = bo.Values.Count - 1;
                bool cond2 = bo.Op == BoolOperator.Or;
                var next2 = next;
                if (cond2 != cond) next2 = NewBlock();
                for (int i = 0; i < n; i++) JumpIf(bo.Values[i], next2, cond2);
                JumpIf(bo.Values[n], next, cond);
                if (next2 != next) UseNextBlock(next2);
                return;
            }
            case IfExp ie:
            {
                var end = NewBlock();
                var next2 = NewBlock();
                JumpIf(ie.Test, next2, false);
                JumpIf(ie.Body, next, cond);
                AddopJumpNoLine(Pseudo.Jump, end);
                UseNextBlock(next2);
                JumpIf(ie.OrElse, next, cond);
                UseNextBlock(end);
                return;
            }
            case Compare c when c.Ops.Count > 1:
            {
                // CPython 3.11 leaves the comparison's line current for the jumps that follow.
                SetLoc(c);
                int n = c.Ops.Count - 1;
                var cleanup = NewBlock();
                VisitExpr(c.Left);
                for (int i = 0; i < n; i++)
                {
                    VisitComparator(c, i);
                    Addop(OpCode.Swap, 2);
                    Addop(OpCode.Copy, 2);
                    AddopCompare(c.Ops[i]);
                    AddopJump(OpCode.PopJumpIfFalse, cleanup);
                    NextBlock();
                }
                VisitComparator(c, n);
                AddopCompare(c.Ops[n]);
                AddopJump(cond ? OpCode.PopJumpIfTrue : OpCode.PopJumpIfFalse, next);
                NextBlock();
                var end = NewBlock();
                AddopJumpNoLine(Pseudo.Jump, end);
                UseNextBlock(cleanup);
                Addop(OpCode.PopTop);
                if (!cond) AddopJumpNoLine(Pseudo.Jump, next);
                UseNextBlock(end);
                return;
            }
        }
        if (e is Compare) SetLoc(e);
        VisitExpr(e);
        AddopJump(cond ? OpCode.PopJumpIfTrue : OpCode.PopJumpIfFalse, next);
        NextBlock();
    }

    // ------------------------------------------------------------------ calls

    private bool IsImportOriginated(Expr e) =>
        e is Name n && (_st.Top.GetFlags(n.Id) & SymbolFlags.DefImport) != 0;

    private static (int Line, int Col) Pos(Node n) => (n.Line, n.Column);

    private static bool Before((int Line, int Col) a, (int Line, int Col) b) =>
        a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col);

    /// <summary>Argument order rules the syntax tree cannot express (positional after keyword...).</summary>
    private void CheckCallArgumentOrder(IReadOnlyList<Expr> args, IReadOnlyList<Keyword> keywords)
    {
        if (keywords.Count == 0) return;
        foreach (var a in args)
        {
            if (a.Line <= 0) continue;
            foreach (var k in keywords)
            {
                if (k.Line <= 0 || !Before(Pos(k), Pos(a))) continue;
                if (a is Starred)
                {
                    if (k.Arg is null) throw Error("iterable argument unpacking follows keyword argument unpacking", a);
                    continue;
                }
                throw Error(k.Arg is null
                    ? "positional argument follows keyword argument unpacking"
                    : "positional argument follows keyword argument", a);
            }
        }
    }

    private void ValidateKeywords(IReadOnlyList<Keyword> keywords, Node? at = null)
    {
        for (int i = 0; i < keywords.Count; i++)
        {
            var key = keywords[i];
            if (key.Arg is null) continue;
            if (key.Arg == "__debug__") throw Error("cannot assign to __debug__", at ?? key);
            for (int j = i + 1; j < keywords.Count; j++)
            {
                var other = keywords[j];
                if (other.Arg is not null && other.Arg == key.Arg)
                    throw Error($"keyword argument repeated: {key.Arg}", other);
            }
        }
    }

    private void CompileCall(Call e)
    {
        CheckCallArgumentOrder(e.Args, e.Keywords);
        ValidateKeywords(e.Keywords, e);
        if (MaybeOptimizeMethodCall(e)) return;
        SetLoc(e.Func);
        Addop(OpCode.PushNull);
        SetLoc(e);
        VisitExpr(e.Func);
        CallHelper(0, e.Args, e.Keywords);
    }

    private bool MaybeOptimizeMethodCall(Call e)
    {
        if (e.Func is not Attribute { Ctx: ExprContext.Load } meth) return false;
        if (IsImportOriginated(meth.Value)) return false;
        int argsl = e.Args.Count, kwdsl = e.Keywords.Count;
        if (argsl + kwdsl + (kwdsl != 0 ? 1 : 0) >= StackUseGuideline) return false;
        if (e.Args.Any(a => a is Starred)) return false;
        if (e.Keywords.Any(k => k.Arg is null)) return false;
        ValidateKeywords(e.Keywords, e);

        VisitExpr(meth.Value);
        // LOAD_METHOD carries the attribute's location, CALL the call's.
        SetLoc(meth);
        UpdateStartLocationToMatchAttr(meth);
        AddopName(OpCode.LoadMethod, meth.Attr);
        VisitExprs(e.Args);
        if (kwdsl > 0)
        {
            foreach (var k in e.Keywords) VisitExpr(k.Value);
            CallSimpleKwHelper(e.Keywords);
        }
        SetLoc(e);
        UpdateStartLocationToMatchAttr(meth);
        Addop(OpCode.Call, argsl + kwdsl);
        return true;
    }

    private void CallSimpleKwHelper(IReadOnlyList<Keyword> keywords)
    {
        var names = keywords.Select(k => (ConstValue)new CStr(k.Arg!)).ToArray();
        Addop(OpCode.KwNames, u.AddConst(new CTuple(names)));
    }

    /// <summary>compiler_call_helper: n values (callable's extra leading arguments) are already pushed.</summary>
    private void CallHelper(int n, IReadOnlyList<Expr> args, IReadOnlyList<Keyword> keywords)
    {
        ValidateKeywords(keywords);
        int nelts = args.Count, nkwelts = keywords.Count;
        bool exCall = nelts + nkwelts * 2 > StackUseGuideline
                      || args.Any(a => a is Starred)
                      || keywords.Any(k => k.Arg is null);
        if (!exCall)
        {
            VisitExprs(args);
            if (nkwelts > 0)
            {
                foreach (var k in keywords) VisitExpr(k.Value);
                CallSimpleKwHelper(keywords);
            }
            Addop(OpCode.Call, n + nelts + nkwelts);
            return;
        }

        // Positional arguments: f(*x) passes x itself (CALL_FUNCTION_EX makes the tuple and
        // names f in its error), anything else is built into a tuple here.
        if (n == 0 && args.Count == 1 && args[0] is Starred only) VisitExpr(only.Value);
        else StarUnpackHelper(args, n, OpCode.BuildList, OpCode.ListAppend, OpCode.ListExtend, true);
        if (nkwelts > 0)
        {
            bool haveDict = false;
            int nseen = 0;
            for (int i = 0; i < nkwelts; i++)
            {
                var kw = keywords[i];
                if (kw.Arg is null)
                {
                    if (nseen > 0)
                    {
                        SubKwargs(keywords, i - nseen, i);
                        if (haveDict) Addop(OpCode.DictMerge, 1);
                        haveDict = true;
                        nseen = 0;
                    }
                    if (!haveDict)
                    {
                        Addop(OpCode.BuildMap, 0);
                        haveDict = true;
                    }
                    VisitExpr(kw.Value);
                    Addop(OpCode.DictMerge, 1);
                }
                else nseen++;
            }
            if (nseen > 0)
            {
                SubKwargs(keywords, nkwelts - nseen, nkwelts);
                if (haveDict) Addop(OpCode.DictMerge, 1);
            }
        }
        Addop(OpCode.CallFunctionEx, nkwelts > 0 ? 1 : 0);
    }

    private void SubKwargs(IReadOnlyList<Keyword> keywords, int begin, int end)
    {
        int n = end - begin;
        bool big = n * 2 > StackUseGuideline;
        if (n > 1 && !big)
        {
            for (int i = begin; i < end; i++) VisitExpr(keywords[i].Value);
            var keys = new ConstValue[n];
            for (int i = begin; i < end; i++) keys[i - begin] = new CStr(keywords[i].Arg!);
            LoadConst(new CTuple(keys));
            Addop(OpCode.BuildConstKeyMap, n);
            return;
        }
        if (big) AddopNoLine(OpCode.BuildMap, 0);
        for (int i = begin; i < end; i++)
        {
            LoadConst(new CStr(keywords[i].Arg!));
            VisitExpr(keywords[i].Value);
            if (big) AddopNoLine(OpCode.MapAdd, 1);
        }
        if (!big) Addop(OpCode.BuildMap, n);
    }

    // ------------------------------------------------------------------ f-strings

    private readonly Dictionary<BinOp, JoinedStr?> _formats = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// ast_opt's optimize_format: 'literal %s %r %a' % (a, b, c) with only simple
    /// conversions (optional width / precision) becomes an f-string.
    /// </summary>
    private JoinedStr? OptimizeFormat(BinOp node)
    {
        if (_formats.TryGetValue(node, out var cached)) return cached;
        JoinedStr? result = null;
        if (node.Op == BinaryOperator.Mod && Fold(node.Left) is CStr fmt
            && node.Right is TupleExpr { Ctx: ExprContext.Load } rhs
            && !rhs.Elts.Any(x => x is Starred) && Fold(rhs) is null)
            result = BuildFormat(node, fmt.Value, rhs.Elts);
        _formats[node] = result;
        return result;
    }

    private static JoinedStr? BuildFormat(BinOp node, string fmt, IReadOnlyList<Expr> elts)
    {
        var seq = new List<Expr>();
        int pos = 0, cnt = 0;
        while (true)
        {
            // literal text up to the next lone '%', with '%%' -> '%'
            int start = pos;
            bool hasPercents = false;
            while (pos < fmt.Length)
            {
                if (fmt[pos] != '%') pos++;
                else if (pos + 1 < fmt.Length && fmt[pos + 1] == '%') { hasPercents = true; pos += 2; }
                else break;
            }
            if (pos > start)
            {
                var lit = fmt[start..pos];
                if (hasPercents) lit = lit.Replace("%%", "%");
                seq.Add(new Constant { Kind = ConstantKind.Str, StrValue = lit, Line = -1, EndLine = -1, Column = -1, EndColumn = -1 });
            }
            if (pos >= fmt.Length) break;
            if (cnt >= elts.Count) return null; // more format units than items
            pos++; // '%'
            var fv = ParseFormatUnit(fmt, ref pos, elts[cnt]);
            cnt++;
            if (fv is null) return null;
            seq.Add(fv);
        }
        if (cnt < elts.Count) return null; // more items than format units
        return new JoinedStr { Values = seq, Line = node.Line, Column = node.Column, EndLine = node.EndLine, EndColumn = node.EndColumn };
    }

    private static FormattedValue? ParseFormatUnit(string fmt, ref int ppos, Expr arg)
    {
        const int MaxDigits = 3;
        int pos = ppos;
        bool ljust = false;
        int width = -1, prec = -1;
        char ch;
        bool Next(out char c)
        {
            if (pos >= fmt.Length) { c = '\0'; return false; }
            c = fmt[pos++];
            return true;
        }
        while (true)
        {
            if (!Next(out ch)) return null;
            if (ch == '-') { ljust = true; continue; }
            if (ch is '+' or ' ' or '#' or '0') continue;
            break;
        }
        if (ch is >= '0' and <= '9')
        {
            width = 0;
            int digits = 0;
            while (ch is >= '0' and <= '9')
            {
                width = width * 10 + (ch - '0');
                if (!Next(out ch)) return null;
                if (++digits >= MaxDigits) return null;
            }
        }
        if (ch == '.')
        {
            if (!Next(out ch)) return null;
            prec = 0;
            if (ch is >= '0' and <= '9')
            {
                int digits = 0;
                while (ch is >= '0' and <= '9')
                {
                    prec = prec * 10 + (ch - '0');
                    if (!Next(out ch)) return null;
                    if (++digits >= MaxDigits) return null;
                }
            }
        }
        if (ch is not ('s' or 'r' or 'a')) return null;
        ppos = pos;
        var spec = "";
        if (!ljust && width > 0) spec += ">";
        if (width >= 0) spec += width.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (prec >= 0) spec += "." + prec.ToString(System.Globalization.CultureInfo.InvariantCulture);
        JoinedStr? formatSpec = spec.Length == 0 ? null : new JoinedStr
        {
            Values = new Expr[] { new Constant { Kind = ConstantKind.Str, StrValue = spec, Line = -1, EndLine = -1, Column = -1, EndColumn = -1 } },
            Line = -1, EndLine = -1, Column = -1, EndColumn = -1,
        };
        return new FormattedValue
        {
            Value = arg, Conversion = ch, FormatSpec = formatSpec,
            Line = arg.Line, Column = arg.Column, EndLine = arg.EndLine, EndColumn = arg.EndColumn,
        };
    }

    private void CompileJoinedStr(JoinedStr e)
    {
        int n = e.Values.Count;
        if (n > StackUseGuideline)
        {
            LoadConst(new CStr(""));
            AddopName(OpCode.LoadMethod, "join");
            Addop(OpCode.BuildList, 0);
            foreach (var v in e.Values)
            {
                VisitExpr(v);
                Addop(OpCode.ListAppend, 1);
            }
            Addop(OpCode.Call, 1);
            return;
        }
        VisitExprs(e.Values);
        if (n != 1) Addop(OpCode.BuildString, n);
    }

    private void CompileFormattedValue(FormattedValue e)
    {
        VisitExpr(e.Value);
        int oparg = e.Conversion switch
        {
            's' => 1,
            'r' => 2,
            'a' => 3,
            _ => 0,
        };
        if (e.FormatSpec is not null)
        {
            VisitExpr(e.FormatSpec);
            oparg |= 4;
        }
        Addop(OpCode.FormatValue, oparg);
    }

    // ------------------------------------------------------------------ functions made by expressions

    private void CompileLambda(Lambda e)
    {
        CheckDebugArgs(e.Args);
        int funcFlags = DefaultArguments(e.Args);
        EnterScope("<lambda>", ScopeKind.Lambda, e, e.Line);
        u.AddConst(CNone.Instance);
        u.ArgCount = e.Args.Args.Count;
        u.PosOnlyArgCount = e.Args.PosOnlyArgs.Count;
        u.KwOnlyArgCount = e.Args.KwOnlyArgs.Count;
        VisitExpr(e.Body);
        CodeObject co;
        if (u.Ste.IsGenerator) co = Assemble(false);
        else
        {
            Addop(OpCode.ReturnValue);
            co = Assemble(true);
        }
        ExitScope();
        MakeClosure(co, funcFlags);
    }

    private void AddYieldFrom()
    {
        var start = NewBlock();
        var resume = NewBlock();
        var exit = NewBlock();
        UseNextBlock(start);
        AddopJump(OpCode.Send, exit);
        UseNextBlock(resume);
        Addop(OpCode.YieldValue);
        Addop(OpCode.Resume, 2);
        AddopJump(Pseudo.JumpNoInterrupt, start);
        UseNextBlock(exit);
    }

    private enum CompKind { GenExp, ListComp, SetComp, DictComp }

    private void CompileComprehension(Expr e, string name, CompKind kind, IReadOnlyList<Comprehension> generators,
                                      Expr elt, Expr? val)
    {
        var outermost = generators[0];
        EnterScope(name, ScopeKind.Comprehension, e, e.Line);
        SetLoc(e);
        if (kind != CompKind.GenExp)
        {
            Addop(kind switch
            {
                CompKind.ListComp => OpCode.BuildList,
                CompKind.SetComp => OpCode.BuildSet,
                _ => OpCode.BuildMap,
            }, 0);
        }
        ComprehensionGenerator(generators, 0, 0, elt, val, kind);
        if (kind != CompKind.GenExp) Addop(OpCode.ReturnValue);
        var co = Assemble(true);
        ExitScope();

        MakeClosure(co, 0);
        VisitIterable(outermost.Iter);
        Addop(OpCode.GetIter);
        Addop(OpCode.Call, 0);
    }

    private void ComprehensionGenerator(IReadOnlyList<Comprehension> generators, int genIndex, int depth,
                                        Expr elt, Expr? val, CompKind kind)
    {
        BasicBlock? start = NewBlock();
        var ifCleanup = NewBlock();
        var anchor = NewBlock();
        var gen = generators[genIndex];
        if (genIndex == 0)
        {
            // The outermost iterator is received as the implicit argument .0
            u.ArgCount = 1;
            Addop(OpCode.LoadFast, u.VarNames.Add(".0"));
        }
        else
        {
            IReadOnlyList<Expr>? elts = gen.Iter switch
            {
                ListExpr l => l.Elts,
                TupleExpr t => t.Elts,
                _ => null,
            };
            if (elts is { Count: 1 } && elts[0] is not Starred && FoldTuple(elts) is null)
            {
                VisitExpr(elts[0]);
                start = null;
            }
            if (start is not null)
            {
                VisitIterable(gen.Iter);
                Addop(OpCode.GetIter);
            }
        }
        if (start is not null)
        {
            depth++;
            UseNextBlock(start);
            AddopJump(OpCode.ForIter, anchor);
            NextBlock();
        }
        VisitExpr(gen.Target);
        foreach (var cond in gen.Ifs)
        {
            JumpIf(cond, ifCleanup, false);
            NextBlock();
        }
        if (++genIndex < generators.Count)
            ComprehensionGenerator(generators, genIndex, depth, elt, val, kind);
        if (genIndex >= generators.Count)
        {
            switch (kind)
            {
                case CompKind.GenExp:
                    VisitExpr(elt);
                    Addop(OpCode.YieldValue);
                    Addop(OpCode.Resume, 1);
                    Addop(OpCode.PopTop);
                    break;
                case CompKind.ListComp:
                    VisitExpr(elt);
                    Addop(OpCode.ListAppend, depth + 1);
                    break;
                case CompKind.SetComp:
                    VisitExpr(elt);
                    Addop(OpCode.SetAdd, depth + 1);
                    break;
                case CompKind.DictComp:
                    VisitExpr(elt);
                    VisitExpr(val!);
                    Addop(OpCode.MapAdd, depth + 1);
                    break;
            }
        }
        UseNextBlock(ifCleanup);
        if (start is not null)
        {
            AddopJump(Pseudo.Jump, start);
            UseNextBlock(anchor);
        }
    }
}
