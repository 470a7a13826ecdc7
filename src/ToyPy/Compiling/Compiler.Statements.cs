using ToyPy.Bytecode;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Compiling;

internal sealed partial class CodeGenerator
{
    private void VisitStmts(IReadOnlyList<Stmt> body)
    {
        foreach (var s in body) VisitStmt(s);
    }

    private void VisitStmt(Stmt s)
    {
        SetLoc(s);
        switch (s)
        {
            case FunctionDef fd: CompileFunction(fd); break;
            case ClassDef cd: CompileClass(cd); break;
            case Return r: CompileReturn(r); break;
            case Delete d:
                foreach (var t in d.Targets) VisitExpr(t);
                break;
            case Assign a:
                VisitExpr(a.Value);
                for (int i = 0; i < a.Targets.Count; i++)
                {
                    if (i < a.Targets.Count - 1) Addop(OpCode.Copy, 1);
                    VisitExpr(a.Targets[i]);
                }
                break;
            case AugAssign ag: CompileAugAssign(ag); break;
            case AnnAssign aa: CompileAnnAssign(aa); break;
            case For f: CompileFor(f); break;
            case While w: CompileWhile(w); break;
            case If i: CompileIf(i); break;
            case Raise r:
            {
                int n = 0;
                if (r.Exc is not null)
                {
                    VisitExpr(r.Exc);
                    n++;
                    if (r.Cause is not null) { VisitExpr(r.Cause); n++; }
                }
                Addop(OpCode.RaiseVarargs, n);
                NextBlock();
                break;
            }
            case Try t:
                if (t.FinalBody.Count > 0) CompileTryFinally(t);
                else CompileTryExcept(t);
                break;
            case Assert asr: CompileAssert(asr); break;
            case Import imp: CompileImport(imp); break;
            case ImportFrom imf: CompileImportFrom(imf); break;
            case Global or Nonlocal: break;
            case ExprStmt es:
                if (Fold(es.Value) is not null)
                {
                    Addop(OpCode.Nop);
                    break;
                }
                VisitExpr(es.Value);
                UnsetLoc();
                Addop(OpCode.PopTop);
                break;
            case Pass: Addop(OpCode.Nop); break;
            case Break br: CompileBreak(br); break;
            case Continue co: CompileContinue(co); break;
            case With w: CompileWith(w, 0); break;
            default:
                throw Error($"{s.GetType().Name} is not supported by ToyPy", s);
        }
    }

    // ------------------------------------------------------------------ functions and classes

    private int DefaultArguments(Arguments args)
    {
        int flags = 0;
        if (args.Defaults.Count > 0)
        {
            foreach (var d in args.Defaults) VisitExpr(d);
            Addop(OpCode.BuildTuple, args.Defaults.Count);
            flags |= 0x01;
        }
        if (args.KwOnlyArgs.Count > 0)
        {
            var keys = new List<ConstValue>();
            for (int i = 0; i < args.KwOnlyArgs.Count; i++)
            {
                var def = i < args.KwDefaults.Count ? args.KwDefaults[i] : null;
                if (def is null) continue;
                keys.Add(new CStr(SymbolTable.Mangle(u.Private, args.KwOnlyArgs[i].Name)));
                VisitExpr(def);
            }
            if (keys.Count > 0)
            {
                LoadConst(new CTuple(keys.ToArray()));
                Addop(OpCode.BuildConstKeyMap, keys.Count);
                flags |= 0x02;
            }
        }
        return flags;
    }

    private void ApplyDecorators(IReadOnlyList<Expr> decos)
    {
        var old = u.Loc;
        for (int i = decos.Count - 1; i >= 0; i--)
        {
            SetLoc(decos[i]);
            Addop(OpCode.Call, 0);
        }
        u.Loc = old;
    }

    /// <summary>compiler_check_debug_args: no parameter may be named __debug__ (reported at the current location).</summary>
    private void CheckDebugArgs(Arguments args)
    {
        bool Bad(Arg? a) => a is not null && a.Name == "__debug__";
        if (args.PosOnlyArgs.Any(Bad) || args.Args.Any(Bad) || Bad(args.VarArg) || args.KwOnlyArgs.Any(Bad) || Bad(args.KwArg))
            throw Error("cannot assign to __debug__");
    }

    private void CompileFunction(FunctionDef s)
    {
        CheckDebugArgs(s.Args);
        foreach (var d in s.DecoratorList) VisitExpr(d);
        int firstLine = s.DecoratorList.Count > 0 ? s.DecoratorList[0].Line : s.Line;
        int funcFlags = DefaultArguments(s.Args);

        EnterScope(s.Name, ScopeKind.Function, s, firstLine);
        var doc = GetDocString(s.Body);
        u.AddConst(doc is not null ? new CStr(doc) : CNone.Instance);
        u.ArgCount = s.Args.Args.Count;
        u.PosOnlyArgCount = s.Args.PosOnlyArgs.Count;
        u.KwOnlyArgCount = s.Args.KwOnlyArgs.Count;
        for (int i = doc is not null ? 1 : 0; i < s.Body.Count; i++) VisitStmt(s.Body[i]);
        var co = Assemble(true);
        ExitScope();

        MakeClosure(co, funcFlags);
        ApplyDecorators(s.DecoratorList);
        NameOp(s.Name, ExprContext.Store, s);
    }

    private void MakeClosure(CodeObject co, int flags)
    {
        int nfree = co.NFree;
        if (nfree > 0)
        {
            for (int i = co.NLocalsPlus - nfree; i < co.NLocalsPlus; i++)
            {
                var name = co.LocalsPlusNames[i];
                var reftype = GetRefType(name);
                int arg;
                if (reftype == Scope.Cell && u.CellIndex.TryGetValue(name, out var ci)) arg = ci;
                else if (u.FreeIndex.TryGetValue(name, out var fi)) arg = fi;
                else throw new InvalidOperationException($"closure lookup failed for {name} in {u.Name}");
                Addop(OpCode.LoadClosure, arg);
            }
            flags |= 0x08;
            Addop(OpCode.BuildTuple, nfree);
        }
        LoadConst(new CCode(co));
        Addop(OpCode.MakeFunction, flags);
    }

    private void CompileClass(ClassDef s)
    {
        foreach (var d in s.DecoratorList) VisitExpr(d);
        int firstLine = s.DecoratorList.Count > 0 ? s.DecoratorList[0].Line : s.Line;

        EnterScope(s.Name, ScopeKind.Class, s, firstLine);
        u.Private = s.Name;
        NameOp("__name__", ExprContext.Load);
        NameOp("__module__", ExprContext.Store);
        LoadConst(new CStr(u.QualName));
        NameOp("__qualname__", ExprContext.Store);
        CompileBody(s.Body);
        UnsetLoc();
        if (u.Ste.NeedsClassClosure)
        {
            Addop(OpCode.LoadClosure, u.CellIndex["__class__"]);
            Addop(OpCode.Copy, 1);
            NameOp("__classcell__", ExprContext.Store);
        }
        else LoadConst(CNone.Instance);
        Addop(OpCode.ReturnValue);
        var co = Assemble(true);
        ExitScope();

        Addop(OpCode.PushNull);
        Addop(OpCode.LoadBuildClass);
        MakeClosure(co, 0);
        LoadConst(new CStr(s.Name));
        CallHelper(2, s.Bases, s.Keywords);
        ApplyDecorators(s.DecoratorList);
        NameOp(s.Name, ExprContext.Store, s);
    }

    // ------------------------------------------------------------------ return, break, continue, unwinding

    private void CompileReturn(Return s)
    {
        var constValue = s.Value is null ? null : Fold(s.Value);
        bool preserveTos = s.Value is not null && constValue is null;
        if (u.Ste.Type != BlockType.Function) throw Error("'return' outside function", s);
        if (preserveTos) VisitExpr(s.Value!);
        else if (s.Value is not null)
        {
            SetLoc(s.Value);
            Addop(OpCode.Nop);
        }
        if (s.Value is null || s.Value.Line != s.Line)
        {
            SetLoc(s);
            Addop(OpCode.Nop);
        }
        UnwindFBlockStack(preserveTos, false);
        if (s.Value is null) LoadConst(CNone.Instance);
        else if (!preserveTos) LoadConst(constValue!);
        Addop(OpCode.ReturnValue);
        NextBlock();
    }

    private void CompileBreak(Break s)
    {
        Addop(OpCode.Nop);
        var loop = UnwindFBlockStack(false, true);
        if (loop is null) throw Error("'break' outside loop", s);
        UnwindFBlock(loop, false);
        AddopJump(Pseudo.Jump, loop.Exit!);
        NextBlock();
    }

    private void CompileContinue(Continue s)
    {
        Addop(OpCode.Nop);
        var loop = UnwindFBlockStack(false, true);
        if (loop is null) throw Error("'continue' not properly in loop", s);
        AddopJump(Pseudo.Jump, loop.Block!);
        NextBlock();
    }

    /// <summary>Unwind the block stack; with stopAtLoop, stop at (and return) the innermost loop.</summary>
    private FBlockInfo? UnwindFBlockStack(bool preserveTos, bool stopAtLoop)
    {
        if (u.FBlocks.Count == 0) return null;
        var top = u.FBlocks[^1];
        if (stopAtLoop && top.Type is FBlockType.WhileLoop or FBlockType.ForLoop) return top;
        u.FBlocks.RemoveAt(u.FBlocks.Count - 1);
        UnwindFBlock(top, preserveTos);
        var loop = UnwindFBlockStack(preserveTos, stopAtLoop);
        u.FBlocks.Add(top);
        return loop;
    }

    private void UnwindFBlock(FBlockInfo info, bool preserveTos)
    {
        switch (info.Type)
        {
            case FBlockType.WhileLoop:
            case FBlockType.ExceptionHandler:
                return;
            case FBlockType.ForLoop:
                if (preserveTos) Addop(OpCode.Swap, 2);
                Addop(OpCode.PopTop);
                return;
            case FBlockType.TryExcept:
                AddopPseudo(Pseudo.PopBlock);
                return;
            case FBlockType.FinallyTry:
                AddopPseudo(Pseudo.PopBlock);
                if (preserveTos) PushFBlock(FBlockType.PopValue, null, null, null);
                VisitStmts((IReadOnlyList<Stmt>)info.Datum!);
                if (preserveTos) PopFBlock(FBlockType.PopValue);
                UnsetLoc();
                return;
            case FBlockType.FinallyEnd:
                if (preserveTos) Addop(OpCode.Swap, 2);
                Addop(OpCode.PopTop);
                if (preserveTos) Addop(OpCode.Swap, 2);
                AddopPseudo(Pseudo.PopBlock);
                Addop(OpCode.PopExcept);
                return;
            case FBlockType.With:
                SetLoc((Stmt)info.Datum!);
                AddopPseudo(Pseudo.PopBlock);
                if (preserveTos) Addop(OpCode.Swap, 2);
                CallExitWithNones();
                Addop(OpCode.PopTop);
                UnsetLoc();
                return;
            case FBlockType.HandlerCleanup:
            {
                var name = (string?)info.Datum;
                if (name is not null) AddopPseudo(Pseudo.PopBlock);
                if (preserveTos) Addop(OpCode.Swap, 2);
                AddopPseudo(Pseudo.PopBlock);
                Addop(OpCode.PopExcept);
                if (name is not null)
                {
                    LoadConst(CNone.Instance);
                    NameOp(name, ExprContext.Store);
                    NameOp(name, ExprContext.Del);
                }
                return;
            }
            case FBlockType.PopValue:
                if (preserveTos) Addop(OpCode.Swap, 2);
                Addop(OpCode.PopTop);
                return;
        }
    }

    private void CallExitWithNones()
    {
        LoadConst(CNone.Instance);
        LoadConst(CNone.Instance);
        LoadConst(CNone.Instance);
        Addop(OpCode.Call, 2);
    }

    private void PopExceptAndReraise()
    {
        Addop(OpCode.Copy, 3);
        Addop(OpCode.PopExcept);
        Addop(OpCode.Reraise, 1);
    }

    // ------------------------------------------------------------------ control flow

    private void CompileIf(If s)
    {
        var end = NewBlock();
        var next = s.OrElse.Count > 0 ? NewBlock() : end;
        JumpIf(s.Test, next, false);
        VisitStmts(s.Body);
        if (s.OrElse.Count > 0)
        {
            AddopJumpNoLine(Pseudo.Jump, end);
            UseNextBlock(next);
            VisitStmts(s.OrElse);
        }
        UseNextBlock(end);
    }

    private void CompileFor(For s)
    {
        var start = NewBlock();
        var body = NewBlock();
        var cleanup = NewBlock();
        var end = NewBlock();
        PushFBlock(FBlockType.ForLoop, start, end, null, s);
        VisitIterable(s.Iter);
        Addop(OpCode.GetIter);
        UseNextBlock(start);
        AddopJump(OpCode.ForIter, cleanup);
        UseNextBlock(body);
        VisitExpr(s.Target);
        VisitStmts(s.Body);
        UnsetLoc();
        AddopJump(Pseudo.Jump, start);
        UseNextBlock(cleanup);
        PopFBlock(FBlockType.ForLoop);
        VisitStmts(s.OrElse);
        UseNextBlock(end);
    }

    private void CompileWhile(While s)
    {
        var loop = NewBlock();
        var body = NewBlock();
        var anchor = NewBlock();
        var end = NewBlock();
        UseNextBlock(loop);
        PushFBlock(FBlockType.WhileLoop, loop, end, null, s);
        JumpIf(s.Test, anchor, false);
        UseNextBlock(body);
        VisitStmts(s.Body);
        SetLoc(s);
        JumpIf(s.Test, body, true);
        PopFBlock(FBlockType.WhileLoop);
        UseNextBlock(anchor);
        VisitStmts(s.OrElse);
        UseNextBlock(end);
    }

    // ------------------------------------------------------------------ try / with

    private void CompileTryFinally(Try s)
    {
        var body = NewBlock();
        var end = NewBlock();
        var exit = NewBlock();
        var cleanup = NewBlock();
        AddopJump(Pseudo.SetupFinally, end);
        UseNextBlock(body);
        PushFBlock(FBlockType.FinallyTry, body, end, s.FinalBody, s);
        if (s.Handlers.Count > 0) CompileTryExcept(s);
        else VisitStmts(s.Body);
        UnsetLoc();
        u.Emit(Pseudo.PopBlock, 0, Loc.None);
        PopFBlock(FBlockType.FinallyTry);
        VisitStmts(s.FinalBody);
        AddopJumpNoLine(Pseudo.Jump, exit);

        UseNextBlock(end);
        UnsetLoc();
        AddopJump(Pseudo.SetupCleanup, cleanup);
        Addop(OpCode.PushExcInfo);
        PushFBlock(FBlockType.FinallyEnd, end, null, null, s);
        VisitStmts(s.FinalBody);
        PopFBlock(FBlockType.FinallyEnd);
        Addop(OpCode.Reraise, 0);
        UseNextBlock(cleanup);
        PopExceptAndReraise();
        UseNextBlock(exit);
    }

    private void CompileTryExcept(Try s)
    {
        var body = NewBlock();
        var except = NewBlock();
        var end = NewBlock();
        var cleanup = NewBlock();
        AddopJump(Pseudo.SetupFinally, except);
        UseNextBlock(body);
        PushFBlock(FBlockType.TryExcept, body, null, null, s);
        VisitStmts(s.Body);
        PopFBlock(FBlockType.TryExcept);
        u.Emit(Pseudo.PopBlock, 0, Loc.None);
        VisitStmts(s.OrElse);
        AddopJumpNoLine(Pseudo.Jump, end);
        int n = s.Handlers.Count;
        UseNextBlock(except);

        UnsetLoc();
        AddopJump(Pseudo.SetupCleanup, cleanup);
        Addop(OpCode.PushExcInfo);
        PushFBlock(FBlockType.ExceptionHandler, null, null, null, s);
        for (int i = 0; i < n; i++)
        {
            var handler = s.Handlers[i];
            SetLoc(handler);
            if (handler.Type is null && i < n - 1) throw Error("default 'except:' must be last", handler);
            except = NewBlock();
            if (handler.Type is not null)
            {
                VisitExpr(handler.Type);
                Addop(OpCode.CheckExcMatch);
                AddopJump(OpCode.PopJumpIfFalse, except);
            }
            if (handler.Name is not null)
            {
                var cleanupEnd = NewBlock();
                var cleanupBody = NewBlock();
                NameOp(handler.Name, ExprContext.Store, handler);
                // try: body finally: name = None; del name
                AddopJump(Pseudo.SetupCleanup, cleanupEnd);
                UseNextBlock(cleanupBody);
                PushFBlock(FBlockType.HandlerCleanup, cleanupBody, null, handler.Name, handler);
                VisitStmts(handler.Body);
                PopFBlock(FBlockType.HandlerCleanup);
                UnsetLoc();
                AddopPseudo(Pseudo.PopBlock);
                AddopPseudo(Pseudo.PopBlock);
                Addop(OpCode.PopExcept);
                LoadConst(CNone.Instance);
                NameOp(handler.Name, ExprContext.Store);
                NameOp(handler.Name, ExprContext.Del);
                AddopJump(Pseudo.Jump, end);

                UseNextBlock(cleanupEnd);
                UnsetLoc();
                LoadConst(CNone.Instance);
                NameOp(handler.Name, ExprContext.Store);
                NameOp(handler.Name, ExprContext.Del);
                Addop(OpCode.Reraise, 1);
            }
            else
            {
                var cleanupBody = NewBlock();
                Addop(OpCode.PopTop);
                UseNextBlock(cleanupBody);
                PushFBlock(FBlockType.HandlerCleanup, cleanupBody, null, null, handler);
                VisitStmts(handler.Body);
                PopFBlock(FBlockType.HandlerCleanup);
                UnsetLoc();
                AddopPseudo(Pseudo.PopBlock);
                Addop(OpCode.PopExcept);
                AddopJump(Pseudo.Jump, end);
            }
            UseNextBlock(except);
        }
        UnsetLoc();
        PopFBlock(FBlockType.ExceptionHandler);
        Addop(OpCode.Reraise, 0);
        UseNextBlock(cleanup);
        PopExceptAndReraise();
        UseNextBlock(end);
    }

    private void CompileWith(With s, int pos)
    {
        var item = s.Items[pos];
        var body = NewBlock();
        var final = NewBlock();
        var exit = NewBlock();
        var cleanup = NewBlock();
        VisitExpr(item.ContextExpr);
        Addop(OpCode.BeforeWith);
        AddopJump(Pseudo.SetupWith, final);
        UseNextBlock(body);
        PushFBlock(FBlockType.With, body, final, s, s);
        if (item.OptionalVars is not null) VisitExpr(item.OptionalVars);
        else Addop(OpCode.PopTop);
        pos++;
        if (pos == s.Items.Count) VisitStmts(s.Body);
        else CompileWith(s, pos);
        UnsetLoc();
        AddopPseudo(Pseudo.PopBlock);
        PopFBlock(FBlockType.With);

        SetLoc(s);
        CallExitWithNones();
        Addop(OpCode.PopTop);
        AddopJump(Pseudo.Jump, exit);

        UseNextBlock(final);
        AddopJump(Pseudo.SetupCleanup, cleanup);
        Addop(OpCode.PushExcInfo);
        Addop(OpCode.WithExceptStart);
        WithExceptFinish(cleanup);
        UseNextBlock(exit);
    }

    private void WithExceptFinish(BasicBlock cleanup)
    {
        UnsetLoc();
        var exit = NewBlock();
        AddopJump(OpCode.PopJumpIfTrue, exit);
        Addop(OpCode.Reraise, 2);
        UseNextBlock(cleanup);
        PopExceptAndReraise();
        UseNextBlock(exit);
        Addop(OpCode.PopTop);
        AddopPseudo(Pseudo.PopBlock);
        Addop(OpCode.PopExcept);
        Addop(OpCode.PopTop);
        Addop(OpCode.PopTop);
    }

    // ------------------------------------------------------------------ assignments

    private static BinaryOperation ToBinaryOperation(BinaryOperator op, bool inplace)
    {
        var b = op switch
        {
            BinaryOperator.Add => BinaryOperation.Add,
            BinaryOperator.Sub => BinaryOperation.Subtract,
            BinaryOperator.Mult => BinaryOperation.Multiply,
            BinaryOperator.MatMult => BinaryOperation.MatrixMultiply,
            BinaryOperator.Div => BinaryOperation.TrueDivide,
            BinaryOperator.Mod => BinaryOperation.Remainder,
            BinaryOperator.Pow => BinaryOperation.Power,
            BinaryOperator.LShift => BinaryOperation.LShift,
            BinaryOperator.RShift => BinaryOperation.RShift,
            BinaryOperator.BitOr => BinaryOperation.Or,
            BinaryOperator.BitXor => BinaryOperation.Xor,
            BinaryOperator.BitAnd => BinaryOperation.And,
            BinaryOperator.FloorDiv => BinaryOperation.FloorDivide,
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
        return inplace ? b + 13 : b;
    }

    /// <summary>
    /// update_start_location_to_match_attr: when an attribute access spans lines, its
    /// instructions start at the attribute name (so tracebacks point at ".name").
    /// </summary>
    private void UpdateStartLocationToMatchAttr(Attribute a)
    {
        var loc = u.Loc;
        if (loc.Line == a.EndLine || a.EndLine <= 0) return;
        int line = a.EndLine, col, endCol = loc.EndCol;
        int len = a.Attr.Length;
        if (len <= a.EndColumn) col = a.EndColumn - len;
        else { col = -1; endCol = -1; }
        int endLine = Math.Max(line, loc.EndLine);
        if (line == endLine) endCol = Math.Max(col, endCol);
        u.Loc = new Loc(line, endLine, col, endCol);
    }

    private void CompileAugAssign(AugAssign s)
    {
        var e = s.Target;
        var oldLoc = u.Loc;
        SetLoc(e);
        switch (e)
        {
            case Attribute a:
                VisitExpr(a.Value);
                Addop(OpCode.Copy, 1);
                UpdateStartLocationToMatchAttr(a);
                AddopName(OpCode.LoadAttr, a.Attr);
                break;
            case Subscript sub:
                VisitExpr(sub.Value);
                VisitExpr(sub.Slice);
                Addop(OpCode.Copy, 2);
                Addop(OpCode.Copy, 2);
                Addop(OpCode.BinarySubscr);
                break;
            case Name n:
                NameOp(n.Id, ExprContext.Load, n);
                break;
            default:
                throw Error("'" + e.GetType().Name + "' is an illegal expression for augmented assignment", e);
        }
        u.Loc = oldLoc;
        VisitExpr(s.Value);
        Addop(OpCode.BinaryOp, (int)ToBinaryOperation(s.Op, true));
        SetLoc(e);
        switch (e)
        {
            case Attribute a:
                UpdateStartLocationToMatchAttr(a);
                Addop(OpCode.Swap, 2);
                AddopName(OpCode.StoreAttr, a.Attr);
                break;
            case Subscript:
                Addop(OpCode.Swap, 3);
                Addop(OpCode.Swap, 2);
                Addop(OpCode.StoreSubscr);
                break;
            case Name n:
                NameOp(n.Id, ExprContext.Store, n);
                break;
        }
    }

    private void CompileAnnAssign(AnnAssign s)
    {
        if (s.Value is not null)
        {
            VisitExpr(s.Value);
            VisitExpr(s.Target);
            return;
        }
        // The annotation itself is never evaluated; the target's object still is, as in CPython.
        switch (s.Target)
        {
            case Attribute a:
                VisitExpr(a.Value);
                Addop(OpCode.PopTop);
                break;
            case Subscript sub:
                VisitExpr(sub.Value);
                Addop(OpCode.PopTop);
                CheckAnnSubscript(sub.Slice);
                break;
        }
    }

    private void CheckAnnSubscript(Expr e)
    {
        switch (e)
        {
            case Slice sl:
                foreach (var part in new[] { sl.Lower, sl.Upper, sl.Step })
                    if (part is not null) { VisitExpr(part); Addop(OpCode.PopTop); }
                break;
            case TupleExpr t:
                foreach (var elt in t.Elts) CheckAnnSubscript(elt);
                break;
            default:
                VisitExpr(e);
                Addop(OpCode.PopTop);
                break;
        }
    }

    // ------------------------------------------------------------------ assert, import

    private void CompileAssert(Assert s)
    {
        var end = NewBlock();
        JumpIf(s.Test, end, true);
        Addop(OpCode.LoadAssertionError);
        if (s.Msg is not null)
        {
            VisitExpr(s.Msg);
            Addop(OpCode.Call, 0);
        }
        Addop(OpCode.RaiseVarargs, 1);
        UseNextBlock(end);
    }

    private void CompileImport(Import s)
    {
        foreach (var alias in s.Names)
        {
            LoadConst(new CInt(0));
            LoadConst(CNone.Instance);
            AddopName(OpCode.ImportName, alias.Name);
            if (alias.AsName is not null)
            {
                var parts = alias.Name.Split('.');
                if (parts.Length > 1)
                {
                    for (int i = 1; i < parts.Length; i++)
                    {
                        AddopNameUnmangled(OpCode.ImportFrom, parts[i]);
                        if (i == parts.Length - 1) break;
                        Addop(OpCode.Swap, 2);
                        Addop(OpCode.PopTop);
                    }
                    NameOp(alias.AsName, ExprContext.Store, alias);
                    Addop(OpCode.PopTop);
                }
                else NameOp(alias.AsName, ExprContext.Store, alias);
            }
            else
            {
                var dot = alias.Name.IndexOf('.');
                NameOp(dot >= 0 ? alias.Name[..dot] : alias.Name, ExprContext.Store, alias);
            }
        }
    }

    private void CompileImportFrom(ImportFrom s)
    {
        LoadConst(new CInt(s.Level));
        var names = s.Names.Select(a => (ConstValue)new CStr(a.Name)).ToArray();
        LoadConst(new CTuple(names));
        AddopName(OpCode.ImportName, s.ModuleName ?? "");
        for (int i = 0; i < s.Names.Count; i++)
        {
            var alias = s.Names[i];
            if (i == 0 && alias.Name.StartsWith('*'))
            {
                Addop(OpCode.ImportStar);
                return;
            }
            AddopName(OpCode.ImportFrom, alias.Name);
            NameOp(alias.AsName ?? alias.Name, ExprContext.Store, alias);
        }
        Addop(OpCode.PopTop);
    }
}
