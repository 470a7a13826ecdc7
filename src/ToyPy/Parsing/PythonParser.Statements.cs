using Pidgin;
using ToyPy.Lexing;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;
using TP = Pidgin.Parser<ToyPy.Lexing.Token>;

namespace ToyPy.Parsing;

public static partial class PythonParser
{
    /// <summary>
    /// Python 3.11's statement grammar: simple statements separated by ';', compound
    /// statements with indented blocks (NEWLINE INDENT statements DEDENT) or a body on
    /// the header's line. Uses the expression parsers of <see cref="ExprGrammar"/>.
    /// </summary>
    internal static class StmtGrammar
    {
        /// <summary>The statements of a block and where it ends (a trailing ';' counts, as in CPython's positions).</summary>
        private sealed class Body
        {
            public required List<Stmt> Stmts;
            public int EndLine;
            public int EndCol;

            public static Body Of(Stmt s) => new() { Stmts = new List<Stmt>(1) { s }, EndLine = s.EndLine, EndCol = s.EndColumn };
        }

        private static readonly Parser<Token, Body> BlockRef = Guarded(Parser.Rec(() => Block!));
        private static readonly Parser<Token, Body> StatementRef = Parser.Rec(() => Statement!);

        private static readonly Parser<Token, Expr> Expression = ExprGrammar.Expression;
        private static readonly Parser<Token, Expr> NamedExpression = ExprGrammar.NamedExpression;
        private static readonly Parser<Token, Expr> StarExpressions = ExprGrammar.StarExpressions;
        private static readonly Parser<Token, Expr> YieldOrStarExpressions =
            Parser.OneOf(ExprGrammar.YieldExpr, ExprGrammar.StarExpressions);

        private static readonly Parser<Token, Token> ForcedColon = Expect(TokenKind.Colon, "expected ':'");
        private static readonly Parser<Token, Token> HeaderColon = ColonOrNewlineError();

        // ---------------------------------------------------------------- expression statements and assignments

        private enum TailKind { Assign, Aug, Ann, Walrus }

        private sealed class StmtTail
        {
            public TailKind Kind;
            public List<(Token Eq, Expr? Value, Token Next)>? Parts;   // Assign: each '=' and what follows it
            public BinaryOperator Op;           // Aug
            public Token OpTok;
            public Expr? Value;                 // Aug value / Ann value
            public Expr? Annotation;            // Ann (null: missing after the ':')
            public Token Next;                  // Ann: the token after the ':' when the annotation is missing
        }

        private static readonly Parser<Token, BinaryOperator> AugOp =
            TP.Token(t => t.Kind is >= TokenKind.PlusEqual and <= TokenKind.AtEqual).Select(t => t.Kind switch
            {
                TokenKind.PlusEqual => BinaryOperator.Add,
                TokenKind.MinusEqual => BinaryOperator.Sub,
                TokenKind.StarEqual => BinaryOperator.Mult,
                TokenKind.SlashEqual => BinaryOperator.Div,
                TokenKind.DoubleSlashEqual => BinaryOperator.FloorDiv,
                TokenKind.PercentEqual => BinaryOperator.Mod,
                TokenKind.DoubleStarEqual => BinaryOperator.Pow,
                TokenKind.AmperEqual => BinaryOperator.BitAnd,
                TokenKind.VBarEqual => BinaryOperator.BitOr,
                TokenKind.CircumflexEqual => BinaryOperator.BitXor,
                TokenKind.LeftShiftEqual => BinaryOperator.LShift,
                TokenKind.RightShiftEqual => BinaryOperator.RShift,
                _ => BinaryOperator.MatMult,
            });

        private static readonly Parser<Token, StmtTail> Tail = Parser.OneOf(
            Parser.Map((eq, v, next) => (eq, v.HasValue ? v.Value : null, next),
                    Tok(TokenKind.Equal), YieldOrStarExpressions.Optional(), PeekToken)
                .AtLeastOnce()
                .Select(ps => new StmtTail { Kind = TailKind.Assign, Parts = ps.ToList() }),
            Parser.Map((op, v) => new StmtTail { Kind = TailKind.Aug, Op = op, Value = v }, AugOp, YieldOrStarExpressions),
            Parser.Map((colon, ann, next, v) => new StmtTail
                {
                    Kind = TailKind.Ann, OpTok = colon, Annotation = ann.HasValue ? ann.Value : null, Next = next,
                    Value = v.HasValue ? v.Value : null,
                },
                Tok(TokenKind.Colon), Expression.Optional(), PeekToken,
                Tok(TokenKind.Equal).Then(YieldOrStarExpressions).Optional()),
            Parser.Map((t, v) => new StmtTail { Kind = TailKind.Walrus, OpTok = t, Value = v.HasValue ? v.Value : null },
                Tok(TokenKind.ColonEqual), Expression.Optional()));

        private static readonly Parser<Token, Stmt> ExpressionStatement =
            Parser.Map(BuildExpressionStatement, YieldOrStarExpressions, Tail.Optional());

        private static Stmt BuildExpressionStatement(Expr first, Maybe<StmtTail> tailM)
        {
            var (sl, sc) = Start(first);
            if (!tailM.HasValue)
            {
                if (first is Starred) throw Fail("can't use starred expression here", first);
                var (el0, ec0) = End(first);
                return new ExprStmt { Value = first, Line = sl, Column = sc, EndLine = el0, EndColumn = ec0 };
            }
            var tail = tailM.Value;
            switch (tail.Kind)
            {
                case TailKind.Walrus:
                    // "x := 1" needs parentheses; "(a) := 1" is CPython's invalid_named_expression.
                    if (tail.Value == null || first is Name or TupleExpr && !IsParenthesized(first))
                        throw Fail("invalid syntax", tail.OpTok);
                    throw Fail("cannot use assignment expressions with " + ExprName(first), first);
                case TailKind.Assign:
                {
                    var parts = tail.Parts!;
                    // CPython checks each target when it sees the '=' after it, before the value.
                    int missing = parts.FindIndex(p => p.Value == null);
                    int count = missing >= 0 ? missing + 1 : parts.Count;
                    var value = parts[parts.Count - 1].Value;
                    var targets = new List<Expr>(count);
                    for (int i = 0; i < count; i++)
                    {
                        var t = i == 0 ? first : parts[i - 1].Value!;
                        if (t is Yield or YieldFrom && !IsParenthesized(t))
                            throw Fail("assignment to yield expression not possible", t);
                        var bad = InvalidTarget(t, TargetKind.Star);
                        if (bad != null)
                            throw InvalidAssignTarget(t, bad, parts.Count == 1 && i == 0 && value != null, value!);
                        CheckStarredTarget(t);
                        targets.Add(WithCtx(t, ExprContext.Store));
                    }
                    if (missing >= 0 || value == null) throw Fail("invalid syntax", parts[Math.Max(missing, 0)].Next);
                    CheckStarredValue(value);
                    var (el, ec) = End(value);
                    return new Assign { Targets = targets, Value = value, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
                }
                case TailKind.Aug:
                {
                    if (first is not (Name or Attribute or Subscript))
                        throw Fail($"'{ExprName(first)}' is an illegal expression for augmented assignment", first);
                    CheckStarredValue(tail.Value!);
                    var (el, ec) = End(tail.Value!);
                    return new AugAssign
                    {
                        Target = WithCtx(first, ExprContext.Store), Op = tail.Op, Value = tail.Value!,
                        Line = sl, Column = sc, EndLine = el, EndColumn = ec,
                    };
                }
                default:
                {
                    if (tail.Annotation == null)
                    {
                        // CPython only reads past the ':' after a valid single target.
                        bool target = first is Name or Attribute or Subscript || IsParenthesized(first) && first is Name;
                        throw Fail("invalid syntax", target ? tail.Next : tail.OpTok);
                    }
                    if (first is TupleExpr tt)
                    {
                        // invalid_ann_assign_target: an unparenthesized tuple is reported at its first element
                        bool bare = tt.Elts.Count > 0 && Start(tt.Elts[0]) == (tt.Line, tt.Column);
                        throw Fail("only single target (not tuple) can be annotated", bare ? tt.Elts[0] : first);
                    }
                    if (first is ListExpr) throw Fail("only single target (not list) can be annotated", first);
                    if (first is not (Name or Attribute or Subscript)) throw Fail("illegal target for annotation", first);
                    if (tail.Value != null) CheckStarredValue(tail.Value);
                    var (el, ec) = End(tail.Value ?? tail.Annotation!);
                    return new AnnAssign
                    {
                        Target = WithCtx(first, ExprContext.Store), Annotation = tail.Annotation!, Value = tail.Value,
                        Simple = first is Name && !IsParenthesized(first),
                        Line = sl, Column = sc, EndLine = el, EndColumn = ec,
                    };
                }
            }
        }

        /// <summary>"x = *a" (a lone starred value) is rejected as CPython's compiler does.</summary>
        private static void CheckStarredValue(Expr value)
        {
            if (value is Starred) throw Fail("can't use starred expression here", value);
        }

        // ---------------------------------------------------------------- other simple statements

        private static Stmt Simple<T>(Token t) where T : Stmt, new()
            => new T { Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn };

        private static readonly Parser<Token, Stmt> PassStmt = Tok(TokenKind.Pass).Select(Simple<Pass>);
        private static readonly Parser<Token, Stmt> BreakStmt = Tok(TokenKind.Break).Select(Simple<Break>);
        private static readonly Parser<Token, Stmt> ContinueStmt = Tok(TokenKind.Continue).Select(Simple<Continue>);

        private static readonly Parser<Token, Stmt> ReturnStmt = Parser.Map(
            (r, v) =>
            {
                if (!v.HasValue) return (Stmt)new Return { Line = r.Line, Column = r.Column, EndLine = r.EndLine, EndColumn = r.EndColumn };
                CheckStarredValue(v.Value);
                var (el, ec) = End(v.Value);
                return new Return { Value = v.Value, Line = r.Line, Column = r.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.Return), StarExpressions.Optional());

        private static readonly Parser<Token, Stmt> RaiseStmt = Parser.Map(
            (r, m) =>
            {
                if (!m.HasValue) return (Stmt)new Raise { Line = r.Line, Column = r.Column, EndLine = r.EndLine, EndColumn = r.EndColumn };
                var (exc, cause) = m.Value;
                var (el, ec) = End(cause ?? exc);
                return new Raise { Exc = exc, Cause = cause, Line = r.Line, Column = r.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.Raise),
            Parser.Map((exc, cause) => (exc, cause.HasValue ? cause.Value : null),
                Expression, Tok(TokenKind.From).Then(Expression).Optional()).Optional());

        private static Parser<Token, Stmt> NamesStmt(TokenKind keyword, bool global) => Parser.Map(
            (kw, names) =>
            {
                var list = names.ToList();
                var last = list[list.Count - 1];
                var ids = list.Select(n => n.Text).ToList();
                return global
                    ? (Stmt)new Global { Names = ids, Line = kw.Line, Column = kw.Column, EndLine = last.EndLine, EndColumn = last.EndColumn }
                    : new Nonlocal { Names = ids, Line = kw.Line, Column = kw.Column, EndLine = last.EndLine, EndColumn = last.EndColumn };
            },
            Tok(keyword), Tok(TokenKind.Name).SeparatedAtLeastOnce(Tok(TokenKind.Comma)));

        private static readonly Parser<Token, Stmt> GlobalStmt = NamesStmt(TokenKind.Global, true);
        private static readonly Parser<Token, Stmt> NonlocalStmt = NamesStmt(TokenKind.Nonlocal, false);

        private static readonly Parser<Token, Stmt> DelStmt = Parser.Map(
            (d, seq) =>
            {
                var targets = seq.Items.Select(ToDelTarget).ToList();
                var (el, ec) = seq.Trailing is { } tr ? (tr.EndLine, tr.EndColumn) : End(seq.Items[seq.Items.Count - 1]);
                return (Stmt)new Delete { Targets = targets, Line = d.Line, Column = d.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.Del), SepBy(ExprGrammar.StarExpression, TokenKind.Comma));

        private static readonly Parser<Token, Stmt> AssertStmt = Parser.Map(
            (a, test, msg) =>
            {
                var m = msg.HasValue ? msg.Value : null;
                var (el, ec) = End(m ?? test);
                return (Stmt)new Assert { Test = test, Msg = m, Line = a.Line, Column = a.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.Assert), Expression, Tok(TokenKind.Comma).Then(Expression).Optional());

        // ---------------------------------------------------------------- imports

        private sealed record Dotted(string Name, Token First, Token Last);

        private static readonly Parser<Token, Dotted> DottedName =
            Tok(TokenKind.Name).SeparatedAtLeastOnce(Tok(TokenKind.Dot)).Select(parts =>
            {
                var list = parts as IReadOnlyList<Token> ?? parts.ToList();
                var name = list.Count == 1 ? list[0].Text : string.Join(".", list.Select(p => p.Text));
                return new Dotted(name, list[0], list[list.Count - 1]);
            });

        private static readonly Parser<Token, Alias> DottedAsName = Parser.Map(
            (d, asName) =>
            {
                var end = asName.HasValue ? asName.Value : d.Last;
                return new Alias
                {
                    Name = d.Name, AsName = asName.HasValue ? asName.Value.Text : null,
                    Line = d.First.Line, Column = d.First.Column, EndLine = end.EndLine, EndColumn = end.EndColumn,
                };
            },
            DottedName, Tok(TokenKind.As).Then(Tok(TokenKind.Name)).Optional());

        private static readonly Parser<Token, Stmt> ImportStmt = Parser.Map(
            (imp, names) =>
            {
                var list = names.ToList();
                var last = list[list.Count - 1];
                return (Stmt)new Import { Names = list, Line = imp.Line, Column = imp.Column, EndLine = last.EndLine, EndColumn = last.EndColumn };
            },
            Tok(TokenKind.Import), DottedAsName.SeparatedAtLeastOnce(Tok(TokenKind.Comma)));

        private static readonly Parser<Token, Alias> ImportFromAsName = Parser.Map(
            (n, asName) =>
            {
                var end = asName.HasValue ? asName.Value : n;
                return new Alias
                {
                    Name = n.Text, AsName = asName.HasValue ? asName.Value.Text : null,
                    Line = n.Line, Column = n.Column, EndLine = end.EndLine, EndColumn = end.EndColumn,
                };
            },
            Tok(TokenKind.Name), Tok(TokenKind.As).Then(Tok(TokenKind.Name)).Optional());

        private sealed record ImportTargets(List<Alias> Names, int EndLine, int EndColumn);

        private static readonly Parser<Token, ImportTargets> ImportFromTargets = Parser.OneOf(
            Tok(TokenKind.Star).Select(t => new ImportTargets(
                new List<Alias> { new() { Name = "*", Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn } },
                t.EndLine, t.EndColumn)),
            Parser.Map((_, seq, rp) => new ImportTargets(seq.Items, rp.EndLine, rp.EndColumn),
                Tok(TokenKind.LParen), SepBy(ImportFromAsName, TokenKind.Comma), Tok(TokenKind.RParen)),
            Parser.Map((seq, next) =>
            {
                if (seq.Trailing is { } tr)
                {
                    if (next.Kind == TokenKind.Newline)
                        throw new ParseFailure("trailing comma not allowed without surrounding parentheses", tr.EndLine, tr.EndColumn);
                    throw Fail("invalid syntax", next);
                }
                var last = seq.Items[seq.Items.Count - 1];
                return new ImportTargets(seq.Items, last.EndLine, last.EndColumn);
            }, SepBy(ImportFromAsName, TokenKind.Comma), PeekToken));

        private static readonly Parser<Token, int> ImportDots =
            Parser.OneOf(Tok(TokenKind.Dot).ThenReturn(1), Tok(TokenKind.Ellipsis).ThenReturn(3))
                  .Many().Select(ds => ds.Sum());

        private static readonly Parser<Token, Stmt> ImportFromStmt = Parser.Map(
            (from, level, module, imp, targets) =>
            {
                if (level == 0 && !module.HasValue) throw Fail("invalid syntax", imp);
                return (Stmt)new ImportFrom
                {
                    ModuleName = module.HasValue ? module.Value.Name : null, Names = targets.Names, Level = level,
                    Line = from.Line, Column = from.Column, EndLine = targets.EndLine, EndColumn = targets.EndColumn,
                };
            },
            Tok(TokenKind.From), ImportDots, DottedName.Optional(), Tok(TokenKind.Import), ImportFromTargets);

        // ---------------------------------------------------------------- simple statement lines

        private static readonly Parser<Token, Stmt> SimpleStmt = Dispatch(ExpressionStatement,
            (TokenKind.Return, ReturnStmt), (TokenKind.Import, ImportStmt), (TokenKind.From, ImportFromStmt),
            (TokenKind.Raise, RaiseStmt), (TokenKind.Pass, PassStmt), (TokenKind.Del, DelStmt),
            (TokenKind.Assert, AssertStmt), (TokenKind.Break, BreakStmt), (TokenKind.Continue, ContinueStmt),
            (TokenKind.Global, GlobalStmt), (TokenKind.Nonlocal, NonlocalStmt));

        /// <summary>simple_stmts: simple_stmt (';' simple_stmt)* [';'] NEWLINE.</summary>
        private static readonly Parser<Token, Body> SimpleStmts =
            SepBy(SimpleStmt, TokenKind.Semicolon).Before(Tok(TokenKind.Newline)).Select(seq =>
            {
                var last = seq.Items[seq.Items.Count - 1];
                return seq.Trailing is { } semi
                    ? new Body { Stmts = seq.Items, EndLine = semi.EndLine, EndCol = semi.EndColumn }
                    : new Body { Stmts = seq.Items, EndLine = last.EndLine, EndCol = last.EndColumn };
            });

        // ---------------------------------------------------------------- blocks

        private static Body Concat(IEnumerable<Body?> lines)
        {
            var list = new List<Stmt>();
            Body? last = null;
            foreach (var l in lines)
            {
                if (l == null) continue;
                list.AddRange(l.Stmts);
                last = l;
            }
            return new Body { Stmts = list, EndLine = last?.EndLine ?? 1, EndCol = last?.EndCol ?? 0 };
        }

        /// <summary>block: NEWLINE INDENT statements DEDENT | simple_stmts.</summary>
        private static readonly Parser<Token, Body> Block = Parser.OneOf(
            Parser.Map((_, _, body, _) => Concat(body),
                Tok(TokenKind.Newline), Expect(TokenKind.Indent, ExpectedIndentMarker),
                StatementRef.AtLeastOnce(), Tok(TokenKind.Dedent)),
            SimpleStmts);

        private static readonly Parser<Token, Body> ElseBlock =
            Parser.Map((_, _, body) => body, Tok(TokenKind.Else), ForcedColon, BlockRef);

        // ---------------------------------------------------------------- if / while / for

        private static readonly Parser<Token, Body> ElifOrElseRef = Parser.Rec(() => ElifOrElse!);

        /// <summary>Where a compound statement ends: at the end of its last block.</summary>
        private static (int, int) EndOf(Body body, Maybe<Body> orelse)
            => orelse.HasValue ? (orelse.Value.EndLine, orelse.Value.EndCol) : (body.EndLine, body.EndCol);

        private static IReadOnlyList<Stmt> StmtsOf(Maybe<Body> b) => b.HasValue ? b.Value.Stmts : Array.Empty<Stmt>();

        private static Stmt BuildIf(Token kw, Expr test, Token _, Body body, Maybe<Body> orelse)
        {
            var (el, ec) = EndOf(body, orelse);
            return new If { Test = test, Body = body.Stmts, OrElse = StmtsOf(orelse), Line = kw.Line, Column = kw.Column, EndLine = el, EndColumn = ec };
        }

        private static readonly Parser<Token, Body> ElifOrElse = Parser.OneOf(
            Parser.Map(BuildIf, Tok(TokenKind.Elif), NamedExpression, HeaderColon, BlockRef, ElifOrElseRef.Optional())
                  .Select(Body.Of),
            ElseBlock);

        private static readonly Parser<Token, Stmt> IfStmt =
            Parser.Map(BuildIf, Tok(TokenKind.If), NamedExpression, HeaderColon, BlockRef, ElifOrElse.Optional());

        private static readonly Parser<Token, Stmt> WhileStmt = Parser.Map(
            (kw, test, _, body, orelse) =>
            {
                var (el, ec) = EndOf(body, orelse);
                return (Stmt)new While { Test = test, Body = body.Stmts, OrElse = StmtsOf(orelse), Line = kw.Line, Column = kw.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.While), NamedExpression, HeaderColon, BlockRef, ElseBlock.Optional());

        private static readonly Parser<Token, Stmt> ForStmt = Parser.Map(
            (kw, target, _, iter, _, body, orelse) =>
            {
                CheckStarredValue(iter);
                var (el, ec) = EndOf(body, orelse);
                return (Stmt)new For { Target = target, Iter = iter, Body = body.Stmts, OrElse = StmtsOf(orelse), Line = kw.Line, Column = kw.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.For), ExprGrammar.ForTargets, Tok(TokenKind.In), StarExpressions, HeaderColon, BlockRef, ElseBlock.Optional());

        // ---------------------------------------------------------------- try

        /// <summary>
        /// "except A, B:": RAISE_SYNTAX_ERROR_STARTING_FROM(A), which runs to the tokenizer's
        /// position after the ':' (taken as a 1-based end offset: up to the ':').
        /// </summary>
        private static ParseFailure ExceptTypesError(Expr type, Token comma)
        {
            const string msg = "multiple exception types must be parenthesized";
            var tokens = Ctx.Tokens;
            int i = Array.FindIndex(tokens, t => t.Line == comma.Line && t.Column == comma.Column);
            if (i >= 0)
            {
                int depth = 0;
                for (i++; i < tokens.Length; i++)
                {
                    var k = tokens[i].Kind;
                    if (k is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) break;
                    if (k is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace) depth++;
                    else if (k is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace) depth--;
                    else if (k == TokenKind.Colon && depth == 0)
                        return new ParseFailure(msg, type.Line, type.Column, tokens[i].Line, tokens[i].Column);
                }
            }
            return Fail(msg, type);
        }

        private static readonly Parser<Token, ExceptHandler> ExceptBlock = Parser.Map(
            (kw, star, clause, _, body) =>
            {
                if (star.HasValue) throw Fail("except* is not supported by ToyPy", star.Value);
                return new ExceptHandler
                {
                    Type = clause.HasValue ? clause.Value.Item1 : null,
                    Name = clause.HasValue ? clause.Value.Item2 : null,
                    Body = body.Stmts, Line = kw.Line, Column = kw.Column, EndLine = body.EndLine, EndColumn = body.EndCol,
                };
            },
            Tok(TokenKind.Except), Tok(TokenKind.Star).Optional(),
            Parser.Map((type, name) =>
                {
                    if (name.HasValue && name.Value.Kind == TokenKind.Comma)
                        throw ExceptTypesError(type, name.Value);
                    return (type, name.HasValue ? name.Value.Text : null);
                },
                Expression,
                Parser.OneOf(Tok(TokenKind.As).Then(Tok(TokenKind.Name)), Tok(TokenKind.Comma)).Optional()).Optional(),
            HeaderColon, BlockRef);

        private static readonly Parser<Token, Body> FinallyBlock =
            Parser.Map((_, _, body) => body, Tok(TokenKind.Finally), ForcedColon, BlockRef);

        private static readonly Parser<Token, Stmt> TryStmt = Parser.Map(
            (kw, _, body, _, handlers, orelse, final) =>
            {
                var hs = handlers.ToList();
                var (el, ec) = final.HasValue ? (final.Value.EndLine, final.Value.EndCol)
                    : orelse.HasValue ? (orelse.Value.EndLine, orelse.Value.EndCol)
                    : hs.Count > 0 ? (hs[^1].EndLine, hs[^1].EndColumn)
                    : (body.EndLine, body.EndCol);
                return (Stmt)new Try
                {
                    Body = body.Stmts, Handlers = hs, OrElse = StmtsOf(orelse), FinalBody = StmtsOf(final),
                    Line = kw.Line, Column = kw.Column, EndLine = el, EndColumn = ec,
                };
            },
            Tok(TokenKind.Try), ForcedColon, BlockRef,
            PeekOneOf("expected 'except' or 'finally' block", TokenKind.Except, TokenKind.Finally),
            ExceptBlock.Many(), ElseBlock.Optional(), FinallyBlock.Optional());

        // ---------------------------------------------------------------- with

        private static readonly Parser<Token, WithItem> WithItemP = Parser.Map(
            (e, target) =>
            {
                var (sl, sc) = Start(e);
                if (!target.HasValue)
                {
                    var (el0, ec0) = End(e);
                    return new WithItem { ContextExpr = e, Line = sl, Column = sc, EndLine = el0, EndColumn = ec0 };
                }
                var t = ToStoreTarget(target.Value, TargetKind.Star);
                var (el, ec) = End(t);
                return new WithItem { ContextExpr = e, OptionalVars = t, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
            },
            Expression, Tok(TokenKind.As).Then(ExprGrammar.StarTarget).Optional());

        /// <summary>with_item list, either "(a as b, c as d,)" (needs backtracking: it may be a parenthesized expression) or bare.</summary>
        private static readonly Parser<Token, IReadOnlyList<WithItem>> WithItems = Parser.OneOf(
            Parser.Try(Parser.Map((_, seq, _, _) => (IReadOnlyList<WithItem>)seq.Items,
                Tok(TokenKind.LParen), SepBy(WithItemP, TokenKind.Comma), Tok(TokenKind.RParen),
                Parser.Lookahead(Tok(TokenKind.Colon)))),
            WithItemP.SeparatedAtLeastOnce(Tok(TokenKind.Comma)).Select(items => (IReadOnlyList<WithItem>)items.ToList()));

        private static readonly Parser<Token, Stmt> WithStmt = Parser.Map(
            (kw, items, _, body) =>
                (Stmt)new With { Items = items, Body = body.Stmts, Line = kw.Line, Column = kw.Column, EndLine = body.EndLine, EndColumn = body.EndCol },
            Tok(TokenKind.With), WithItems, HeaderColon, BlockRef);

        // ---------------------------------------------------------------- def / class / decorators / async

        private static readonly Parser<Token, SepList<ParamItem>> Params =
            SepBy(ExprGrammar.ParamItemParser(true), TokenKind.Comma);

        private static readonly Parser<Token, Stmt> FuncDef = Parser.Map(
            (kw, name, _, ps, _, returns, _, body) =>
            {
                var args = ps.HasValue ? BuildArguments(ps.Value) : new Arguments();
                return (Stmt)new FunctionDef
                {
                    Name = name.Text, Args = args, Body = body.Stmts, Returns = returns.HasValue ? returns.Value : null,
                    Line = kw.Line, Column = kw.Column, EndLine = body.EndLine, EndColumn = body.EndCol,
                };
            },
            Tok(TokenKind.Def), Tok(TokenKind.Name), Expect(TokenKind.LParen, "expected '('"), Params.Optional(),
            Tok(TokenKind.RParen), Parser.Try(Tok(TokenKind.Arrow).Then(Expression)).Optional(), ForcedColon, BlockRef);

        private static readonly Parser<Token, Stmt> ClassDef = Parser.Map(
            (kw, name, args, _, body) =>
            {
                IReadOnlyList<Expr> bases = Array.Empty<Expr>();
                IReadOnlyList<Keyword> keywords = Array.Empty<Keyword>();
                if (args.HasValue)
                {
                    var (seq, rp) = args.Value;
                    (bases, keywords) = SplitArgs(seq.HasValue ? seq.Value : null, false, rp);
                }
                return (Stmt)new ClassDef
                {
                    Name = name.Text, Bases = bases, Keywords = keywords, Body = body.Stmts,
                    Line = kw.Line, Column = kw.Column, EndLine = body.EndLine, EndColumn = body.EndCol,
                };
            },
            Tok(TokenKind.Class), Tok(TokenKind.Name),
            Parser.Map((_, seq, rp) => (seq, rp), Tok(TokenKind.LParen), ExprGrammar.Arguments.Optional(), Tok(TokenKind.RParen)).Optional(),
            HeaderColon, BlockRef);

        private static Stmt MakeAsync(Token a, Stmt s) => s switch
        {
            FunctionDef f => new FunctionDef
            {
                Name = f.Name, Args = f.Args, Body = f.Body, DecoratorList = f.DecoratorList, Returns = f.Returns, IsAsync = true,
                Line = a.Line, Column = a.Column, EndLine = f.EndLine, EndColumn = f.EndColumn,
            },
            For f => new For
            {
                Target = f.Target, Iter = f.Iter, Body = f.Body, OrElse = f.OrElse, IsAsync = true,
                Line = a.Line, Column = a.Column, EndLine = f.EndLine, EndColumn = f.EndColumn,
            },
            With w => new With
            {
                Items = w.Items, Body = w.Body, IsAsync = true,
                Line = a.Line, Column = a.Column, EndLine = w.EndLine, EndColumn = w.EndColumn,
            },
            _ => s,
        };

        /// <summary>async def / async for / async with (the compiler decides where they are allowed).</summary>
        private static readonly Parser<Token, Stmt> AsyncStmt =
            Parser.Map(MakeAsync, Tok(TokenKind.Async), Parser.OneOf(FuncDef, WithStmt, ForStmt));

        private static readonly Parser<Token, Stmt> AsyncFuncDef = Parser.Map(MakeAsync, Tok(TokenKind.Async), FuncDef);

        private static readonly Parser<Token, Expr> Decorator =
            Parser.Map((_, e, _) => e, Tok(TokenKind.At), NamedExpression, Tok(TokenKind.Newline));

        private static readonly Parser<Token, Stmt> Decorated = Parser.Map(
            (decs, s) =>
            {
                var list = decs.ToList();
                return s switch
                {
                    FunctionDef f => (Stmt)new FunctionDef
                    {
                        Name = f.Name, Args = f.Args, Body = f.Body, DecoratorList = list, Returns = f.Returns, IsAsync = f.IsAsync,
                        Line = f.Line, Column = f.Column, EndLine = f.EndLine, EndColumn = f.EndColumn,
                    },
                    ClassDef c => new ClassDef
                    {
                        Name = c.Name, Bases = c.Bases, Keywords = c.Keywords, Body = c.Body, DecoratorList = list,
                        Line = c.Line, Column = c.Column, EndLine = c.EndLine, EndColumn = c.EndColumn,
                    },
                    _ => s,
                };
            },
            Decorator.AtLeastOnce(),
            Parser.OneOf(FuncDef, ClassDef, AsyncFuncDef));

        // ---------------------------------------------------------------- statements and files

        /// <summary>statement: compound_stmt | simple_stmts (chosen by the first token).</summary>
        private static readonly Parser<Token, Body> Statement = Dispatch(SimpleStmts,
            (TokenKind.If, IfStmt.Select(Body.Of)), (TokenKind.Def, FuncDef.Select(Body.Of)),
            (TokenKind.Class, ClassDef.Select(Body.Of)), (TokenKind.For, ForStmt.Select(Body.Of)),
            (TokenKind.While, WhileStmt.Select(Body.Of)), (TokenKind.Try, TryStmt.Select(Body.Of)),
            (TokenKind.With, WithStmt.Select(Body.Of)), (TokenKind.At, Decorated.Select(Body.Of)),
            (TokenKind.Async, AsyncStmt.Select(Body.Of)));

        /// <summary>file: statements ENDMARKER (stray NEWLINE tokens are tolerated).</summary>
        internal static readonly Parser<Token, Module> File = Parser.Map(
            (lines, end) =>
            {
                var body = Concat(lines);
                return new Module { Body = body.Stmts, Line = 1, Column = 0, EndLine = body.EndLine, EndColumn = body.EndCol };
            },
            Parser.OneOf(Statement.Select(b => (Body?)b), Tok(TokenKind.Newline).ThenReturn((Body?)null)).Many(),
            Tok(TokenKind.EndMarker));
    }
}
