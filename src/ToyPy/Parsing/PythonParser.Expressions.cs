using Pidgin;
using Pidgin.Expression;
using ToyPy.Lexing;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;
using TP = Pidgin.Parser<ToyPy.Lexing.Token>;

namespace ToyPy.Parsing;

public static partial class PythonParser
{
    /// <summary>
    /// Python 3.11's expression grammar (docs.python.org/3.11/reference/grammar.html),
    /// from atoms up to star_expressions. Every parser is built once, in textual order;
    /// forward references go through Parser.Rec. Alternatives are chosen by their first
    /// token, so no backtracking is needed: where Python's grammar looks ahead (keyword
    /// arguments, walrus, dict vs set, generator arguments) we parse the common prefix
    /// and decide on the token that follows.
    /// </summary>
    internal static class ExprGrammar
    {
        // ---------------------------------------------------------------- forward references

        private static readonly Parser<Token, Expr> ExpressionRef = Guarded(Parser.Rec(() => Expression!));
        private static readonly Parser<Token, Expr> NamedExpressionRef = Parser.Rec(() => NamedExpression!);
        private static readonly Parser<Token, Expr> StarNamedExpressionRef = Parser.Rec(() => StarNamedExpression!);
        private static readonly Parser<Token, Expr> BitwiseOrRef = Parser.Rec(() => BitwiseOr!);
        private static readonly Parser<Token, Expr> DisjunctionRef = Parser.Rec(() => Disjunction!);
        private static readonly Parser<Token, Expr> FactorRef = Guarded(Parser.Rec(() => Factor!));
        private static readonly Parser<Token, Expr> InversionRef = Guarded(Parser.Rec(() => Inversion!));
        private static readonly Parser<Token, Expr> YieldExprRef = Parser.Rec(() => YieldExpr!);
        private static readonly Parser<Token, Expr> PrimaryRef = Parser.Rec(() => Primary!);
        private static readonly Parser<Token, List<Comprehension>> CompForsRef = Parser.Rec(() => CompFors!);

        // ---------------------------------------------------------------- atoms

        private static readonly Parser<Token, Expr> NameAtom =
            Tok(TokenKind.Name).Select<Expr>(t => MkName(t));

        private static readonly Parser<Token, Expr> NumberAtom =
            TP.Token(t => t.Kind == TokenKind.Int || t.Kind == TokenKind.Float).Select<Expr>(MkNumber);

        private static readonly Parser<Token, Expr> StringsAtom =
            TP.Token(t => t.Kind == TokenKind.String || t.Kind == TokenKind.FString).AtLeastOnce().Select(MkStrings);

        private static readonly Parser<Token, Expr> KeywordConstAtom =
            TP.Token(t => t.Kind is TokenKind.None or TokenKind.True or TokenKind.False or TokenKind.Ellipsis)
              .Select<Expr>(t => MkConst(t.Kind switch
              {
                  TokenKind.None => ConstantKind.None,
                  TokenKind.True => ConstantKind.True,
                  TokenKind.False => ConstantKind.False,
                  _ => ConstantKind.Ellipsis,
              }, t));

        /// <summary>What follows the first element of a display: a comprehension, more elements, or nothing.</summary>
        internal sealed class SeqTail<T> where T : class
        {
            public List<Comprehension>? Gens;
            public SepList<T>? Rest;
        }

        private static Parser<Token, SeqTail<T>> DisplayTail<T>(Parser<Token, T> item) where T : class
            => Parser.OneOf(
                CompForsRef.Select(g => new SeqTail<T> { Gens = g }),
                SepRest(item, TokenKind.Comma).Select(r => new SeqTail<T> { Rest = r }));

        /// <summary>Contents of ( ... ): empty, a yield, a group, a tuple or a generator expression.</summary>
        private sealed class ParenContent
        {
            public required Expr First;
            public bool IsYield;
            public List<Comprehension>? Gens;
            public SepList<Expr>? Seq;
        }

        private static readonly Parser<Token, ParenContent> ParenBody = Parser.OneOf(
            YieldExprRef.Select(e => new ParenContent { First = e, IsYield = true }),
            Parser.Map((first, tail) => tail.Gens != null
                    ? new ParenContent { First = first, Gens = tail.Gens }
                    : new ParenContent { First = first, Seq = WithFirst(first, tail.Rest!) },
                StarNamedExpressionRef, DisplayTail(StarNamedExpressionRef)));

        private static readonly Parser<Token, Expr> ParenAtom =
            Parser.Map(BuildParen, Tok(TokenKind.LParen), ParenBody.Optional(), Tok(TokenKind.RParen));

        private static Expr BuildParen(Token lp, Maybe<ParenContent> content, Token rp)
        {
            if (!content.HasValue)
                return new TupleExpr { Elts = Array.Empty<Expr>(), Line = lp.Line, Column = lp.Column, EndLine = rp.EndLine, EndColumn = rp.EndColumn };
            var c = content.Value;
            if (c.Gens != null)
            {
                if (c.First is Starred) throw Fail("iterable unpacking cannot be used in comprehension", c.First);
                return new GeneratorExp { Elt = c.First, Generators = c.Gens, Line = lp.Line, Column = lp.Column, EndLine = rp.EndLine, EndColumn = rp.EndColumn };
            }
            if (c.Seq != null && c.Seq.HasSeparator)
                return new TupleExpr { Elts = c.Seq.Items, Line = lp.Line, Column = lp.Column, EndLine = rp.EndLine, EndColumn = rp.EndColumn };
            if (c.First is Starred) throw Fail("cannot use starred expression here", c.First);
            MarkParens(c.First, lp, rp);
            return c.First;
        }

        private static readonly Parser<Token, Expr> ListAtom = Parser.Map(BuildList,
            Tok(TokenKind.LBracket),
            Parser.Map((first, tail) => (first, tail), StarNamedExpressionRef, DisplayTail(StarNamedExpressionRef)).Optional(),
            Tok(TokenKind.RBracket));

        private static Expr BuildList(Token lb, Maybe<(Expr First, SeqTail<Expr> Tail)> content, Token rb)
        {
            if (!content.HasValue)
                return new ListExpr { Elts = Array.Empty<Expr>(), Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            var (first, tail) = content.Value;
            if (tail.Gens != null)
            {
                if (first is Starred) throw Fail("iterable unpacking cannot be used in comprehension", first);
                return new ListComp { Elt = first, Generators = tail.Gens, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            }
            var seq = WithFirst(first, tail.Rest!);
            return new ListExpr { Elts = seq.Items, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
        }

        /// <summary>One element of a {...} display: "k: v", "**m" or a set element.</summary>
        private sealed class BraceItem
        {
            public Expr? Key;
            public required Expr Value;
            public Token? Colon;
            public Token? DoubleStar;
            public bool IsDictItem => Colon != null || DoubleStar != null;
        }

        private static readonly Parser<Token, BraceItem> BraceElement = Parser.OneOf(
            Parser.Map((ds, v) => new BraceItem { Value = v, DoubleStar = ds }, Tok(TokenKind.DoubleStar), BitwiseOrRef),
            Parser.Map((k, kv) => kv.HasValue ? new BraceItem { Key = k, Colon = kv.Value.Item1, Value = kv.Value.Item2 } : new BraceItem { Value = k },
                StarNamedExpressionRef,
                Parser.Map((c, v) => (c, v), Tok(TokenKind.Colon), ExpressionRef).Optional()));

        private static readonly Parser<Token, Expr> BraceAtom = Parser.Map(BuildBrace,
            Tok(TokenKind.LBrace),
            Parser.Map((first, tail) => (first, tail), BraceElement, DisplayTail(BraceElement)).Optional(),
            Tok(TokenKind.RBrace));

        private static Expr BuildBrace(Token lb, Maybe<(BraceItem First, SeqTail<BraceItem> Tail)> content, Token rb)
        {
            if (!content.HasValue)
                return new DictExpr { Keys = Array.Empty<Expr?>(), Values = Array.Empty<Expr>(), Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            var (first, tail) = content.Value;
            if (tail.Gens != null)
            {
                if (first.DoubleStar is { } ds) throw Fail("dict unpacking cannot be used in dict comprehension", ds);
                if (first.Colon != null)
                {
                    if (first.Key is Starred) throw Fail("invalid syntax", first.Colon.Value);
                    return new DictComp { Key = first.Key!, Value = first.Value, Generators = tail.Gens, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
                }
                if (first.Value is Starred) throw Fail("iterable unpacking cannot be used in comprehension", first.Value);
                return new SetComp { Elt = first.Value, Generators = tail.Gens, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            }
            var items = WithFirst(first, tail.Rest!).Items;
            if (first.IsDictItem)
            {
                var keys = new List<Expr?>(items.Count);
                var values = new List<Expr>(items.Count);
                foreach (var it in items)
                {
                    // invalid_kvpair: at the key's last character, no range
                    if (!it.IsDictItem) throw new ParseFailure("':' expected after dictionary key", it.Value.EndLine, Math.Max(0, it.Value.EndColumn - 1));
                    // the generic error at the '*' token
                    if (it.Key is Starred sk) throw new ParseFailure("invalid syntax", sk.Line, sk.Column, sk.Line, sk.Column + 1);
                    keys.Add(it.Key);
                    values.Add(it.Value);
                }
                return new DictExpr { Keys = keys, Values = values, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            }
            var elts = new List<Expr>(items.Count);
            foreach (var it in items)
            {
                if (it.Colon is { } c) throw Fail("invalid syntax", c);
                if (it.DoubleStar is { } d) throw Fail("invalid syntax", d);
                elts.Add(it.Value);
            }
            return new SetExpr { Elts = elts, Line = lb.Line, Column = lb.Column, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
        }

        /// <summary>Every nesting of brackets passes through here, hence the recursion guard.</summary>
        private static readonly Parser<Token, Expr> Atom = Guarded(Dispatch(NameAtom,
            (TokenKind.Int, NumberAtom), (TokenKind.Float, NumberAtom), (TokenKind.String, StringsAtom),
            (TokenKind.FString, StringsAtom), (TokenKind.LParen, ParenAtom), (TokenKind.LBracket, ListAtom),
            (TokenKind.LBrace, BraceAtom), (TokenKind.None, KeywordConstAtom), (TokenKind.True, KeywordConstAtom),
            (TokenKind.False, KeywordConstAtom), (TokenKind.Ellipsis, KeywordConstAtom)));

        // ---------------------------------------------------------------- call arguments

        private sealed class ArgTail
        {
            public Token? Eq;
            public Expr? Value;
            public List<Comprehension>? Gens;
        }

        private static readonly Parser<Token, ArgItem> Argument = Parser.OneOf(
            Parser.Map((star, e, forTok) =>
                {
                    var (el, ec) = End(e);
                    if (forTok.HasValue)
                        throw new ParseFailure("iterable unpacking cannot be used in comprehension", star.Line, star.Column, el, ec);
                    return new ArgItem
                    {
                        Kind = ArgKind.Star,
                        Value = new Starred { Value = e, Line = star.Line, Column = star.Column, EndLine = el, EndColumn = ec },
                    };
                },
                Tok(TokenKind.Star), ExpressionRef, Tok(TokenKind.For).Optional()),
            Parser.Map((ds, e) =>
                {
                    var (el, ec) = End(e);
                    return new ArgItem
                    {
                        Kind = ArgKind.DoubleStar,
                        Keyword = new Keyword { Arg = null, Value = e, Line = ds.Line, Column = ds.Column, EndLine = el, EndColumn = ec },
                    };
                },
                Tok(TokenKind.DoubleStar), ExpressionRef),
            Parser.Map(BuildArgument, NamedExpressionRef, Parser.OneOf(
                Parser.Map((eq, v) => new ArgTail { Eq = eq, Value = v }, Tok(TokenKind.Equal), ExpressionRef),
                CompForsRef.Select(g => new ArgTail { Gens = g })).Optional()));

        private static ArgItem BuildArgument(Expr e, Maybe<ArgTail> tail)
        {
            if (!tail.HasValue) return new ArgItem { Kind = ArgKind.Positional, Value = e };
            var t = tail.Value;
            if (t.Gens != null)
            {
                var (sl, sc) = Start(e);
                var last = t.Gens[t.Gens.Count - 1];
                return new ArgItem
                {
                    Kind = ArgKind.BareGenerator,
                    Value = new GeneratorExp { Elt = e, Generators = t.Gens, Line = sl, Column = sc, EndLine = last.EndLine, EndColumn = last.EndColumn },
                };
            }
            if (e is not Name n || IsParenthesized(e))
                throw new ParseFailure("expression cannot contain assignment, perhaps you meant \"==\"?",
                                       e.Line, e.Column, t.Eq!.Value.EndLine, t.Eq!.Value.EndColumn);
            var (vl, vc) = End(t.Value!);
            return new ArgItem
            {
                Kind = ArgKind.Keyword,
                Keyword = new Keyword { Arg = n.Id, Value = t.Value!, Line = n.Line, Column = n.Column, EndLine = vl, EndColumn = vc },
            };
        }

        /// <summary>The arguments between a call's parentheses (at least one).</summary>
        internal static readonly Parser<Token, SepList<ArgItem>> Arguments = SepBy(Argument, TokenKind.Comma);

        private static Expr BuildCall(Expr func, Token lp, Maybe<SepList<ArgItem>> seq, Token rp)
        {
            var (args, keywords) = SplitArgs(seq.HasValue ? seq.Value : null, true, rp);
            if (args.Count == 1 && args[0] is GeneratorExp g && seq.Value.Items[0].Kind == ArgKind.BareGenerator)
                args[0] = new GeneratorExp { Elt = g.Elt, Generators = g.Generators, Line = lp.Line, Column = lp.Column, EndLine = rp.EndLine, EndColumn = rp.EndColumn };
            var (sl, sc) = Start(func);
            return new Call { Func = func, Args = args, Keywords = keywords, Line = sl, Column = sc, EndLine = rp.EndLine, EndColumn = rp.EndColumn };
        }

        // ---------------------------------------------------------------- subscripts

        private sealed class SliceTail
        {
            public Token Colon1;
            public Expr? Upper;
            public Token? Colon2;
            public Expr? Step;
        }

        private static readonly Parser<Token, SliceTail> SliceRest = Parser.Map(
            (c1, upper, step) => new SliceTail
            {
                Colon1 = c1,
                Upper = upper.HasValue ? upper.Value : null,
                Colon2 = step.HasValue ? step.Value.Item1 : null,
                Step = step.HasValue ? step.Value.Item2 : null,
            },
            Tok(TokenKind.Colon), ExpressionRef.Optional(),
            Parser.Map((c2, s) => (c2, s.HasValue ? s.Value : null), Tok(TokenKind.Colon), ExpressionRef.Optional()).Optional());

        private static Expr MkSlice(Expr? lower, SliceTail t)
        {
            var (sl, sc) = lower != null ? Start(lower) : (t.Colon1.Line, t.Colon1.Column);
            (int, int) end = t.Step != null ? End(t.Step)
                : t.Colon2 is { } c2 ? (c2.EndLine, c2.EndColumn)
                : t.Upper != null ? End(t.Upper)
                : (t.Colon1.EndLine, t.Colon1.EndColumn);
            return new Slice { Lower = lower, Upper = t.Upper, Step = t.Step, Line = sl, Column = sc, EndLine = end.Item1, EndColumn = end.Item2 };
        }

        private static readonly Parser<Token, Expr> SliceItem = Parser.OneOf(
            SliceRest.Select(t => MkSlice(null, t)),
            Parser.Map((lower, t) =>
                {
                    if (!t.HasValue) return lower;
                    // a slice bound is an expression: "a[x := 1:2]" needs parentheses
                    if (lower is NamedExpr && !IsParenthesized(lower)) throw Fail("invalid syntax", t.Value.Colon1);
                    return MkSlice(lower, t.Value);
                },
                NamedExpressionRef, SliceRest.Optional()),
            Parser.Map((star, e) =>
                {
                    var (el, ec) = End(e);
                    return (Expr)new Starred { Value = e, Line = star.Line, Column = star.Column, EndLine = el, EndColumn = ec };
                },
                Tok(TokenKind.Star), BitwiseOrRef));

        private static readonly Parser<Token, Expr> Slices = SepBy(SliceItem, TokenKind.Comma).Select(seq =>
            seq.Items.Count == 1 && seq.Trailing == null && seq.Items[0] is Starred s
                ? MkTuple(seq.Items, Start(s), End(s))
                : SeqToExpr(seq));

        // ---------------------------------------------------------------- primary

        private static readonly Parser<Token, Func<Expr, Expr>> AttributeTrailer = Parser.Map(
            (dot, name) => (Func<Expr, Expr>)(v =>
            {
                var (sl, sc) = Start(v);
                return new Attribute { Value = v, Attr = name.Text, Line = sl, Column = sc, EndLine = name.EndLine, EndColumn = name.EndColumn };
            }),
            Tok(TokenKind.Dot), Tok(TokenKind.Name));

        private static readonly Parser<Token, Func<Expr, Expr>> CallTrailer = Parser.Map(
            (lp, args, rp) => (Func<Expr, Expr>)(f => BuildCall(f, lp, args, rp)),
            Tok(TokenKind.LParen), Arguments.Optional(), Tok(TokenKind.RParen));

        private static readonly Parser<Token, Func<Expr, Expr>> SubscriptTrailer = Parser.Map(
            (lb, slice, rb) => (Func<Expr, Expr>)(v =>
            {
                var (sl, sc) = Start(v);
                return new Subscript { Value = v, Slice = slice, Line = sl, Column = sc, EndLine = rb.EndLine, EndColumn = rb.EndColumn };
            }),
            Tok(TokenKind.LBracket), Slices, Tok(TokenKind.RBracket));

        /// <summary>primary: atom followed by any number of .name, (args) and [slices].</summary>
        internal static readonly Parser<Token, Expr> Primary = ExpressionParser.Build(
            Atom,
            new[] { Operator.PostfixChainable(AttributeTrailer, CallTrailer, SubscriptTrailer) });

        // ---------------------------------------------------------------- await, power, unary

        private static readonly Parser<Token, Expr> AwaitPrimary = Dispatch(Primary,
            (TokenKind.Await, Parser.Map((aw, p) =>
                {
                    var (el, ec) = End(p);
                    return (Expr)new Await { Value = p, Line = aw.Line, Column = aw.Column, EndLine = el, EndColumn = ec };
                },
                Tok(TokenKind.Await), Primary)));

        /// <summary>power: await_primary ['**' factor] — right associative through factor.</summary>
        private static readonly Parser<Token, Expr> Power = Parser.Map(
            (b, rhs) => rhs.HasValue ? MkBin(b, BinaryOperator.Pow, rhs.Value) : b,
            AwaitPrimary, Tok(TokenKind.DoubleStar).Then(FactorRef).Optional());

        /// <summary>factor: ('+' | '-' | '~') factor | power.</summary>
        private static readonly Parser<Token, Expr> UnaryFactor = Parser.Map((op, operand) => MkUnary(op, op.Kind switch
            {
                TokenKind.Plus => UnaryOperator.UAdd,
                TokenKind.Minus => UnaryOperator.USub,
                _ => UnaryOperator.Invert,
            }, operand),
            TP.Token(t => t.Kind is TokenKind.Plus or TokenKind.Minus or TokenKind.Tilde), FactorRef);

        internal static readonly Parser<Token, Expr> Factor = Dispatch(Power,
            (TokenKind.Plus, UnaryFactor), (TokenKind.Minus, UnaryFactor), (TokenKind.Tilde, UnaryFactor));

        // ---------------------------------------------------------------- binary operators

        private static (TokenKind, Func<Expr, Expr, Expr>) BinOpToken(TokenKind kind, BinaryOperator op)
            => (kind, (l, r) => MkBin(l, op, r));

        /// <summary>term .. bitwise_or, highest precedence first, all left associative (an operator table).</summary>
        internal static readonly Parser<Token, Expr> BitwiseOr = ExpressionParser.Build(Factor, new[]
        {
            Operator.InfixL(TokenSwitch(
                BinOpToken(TokenKind.Star, BinaryOperator.Mult),
                BinOpToken(TokenKind.Slash, BinaryOperator.Div),
                BinOpToken(TokenKind.DoubleSlash, BinaryOperator.FloorDiv),
                BinOpToken(TokenKind.Percent, BinaryOperator.Mod),
                BinOpToken(TokenKind.At, BinaryOperator.MatMult))),
            Operator.InfixL(TokenSwitch(
                BinOpToken(TokenKind.Plus, BinaryOperator.Add),
                BinOpToken(TokenKind.Minus, BinaryOperator.Sub))),
            Operator.InfixL(TokenSwitch(
                BinOpToken(TokenKind.LeftShift, BinaryOperator.LShift),
                BinOpToken(TokenKind.RightShift, BinaryOperator.RShift))),
            Operator.InfixL(TokenSwitch(BinOpToken(TokenKind.Amper, BinaryOperator.BitAnd))),
            Operator.InfixL(TokenSwitch(BinOpToken(TokenKind.Circumflex, BinaryOperator.BitXor))),
            Operator.InfixL(TokenSwitch(BinOpToken(TokenKind.VBar, BinaryOperator.BitOr))),
        });

        // ---------------------------------------------------------------- comparisons and boolean operators

        private static readonly Parser<Token, CompareOperator> SimpleCompOp = TokenSwitch(
            (TokenKind.Less, CompareOperator.Lt), (TokenKind.Greater, CompareOperator.Gt),
            (TokenKind.LessEqual, CompareOperator.LtE), (TokenKind.GreaterEqual, CompareOperator.GtE),
            (TokenKind.EqEqual, CompareOperator.Eq), (TokenKind.NotEqual, CompareOperator.NotEq),
            (TokenKind.In, CompareOperator.In));

        private static readonly Parser<Token, CompareOperator> CompOp = Dispatch(SimpleCompOp,
            (TokenKind.Not, Tok(TokenKind.Not).Then(Tok(TokenKind.In)).ThenReturn(CompareOperator.NotIn)),
            (TokenKind.Is, Parser.Map((_, not) => not.HasValue ? CompareOperator.IsNot : CompareOperator.Is,
                Tok(TokenKind.Is), Tok(TokenKind.Not).Optional())));

        /// <summary>comparison: bitwise_or (compare_op bitwise_or)* — one Compare node for a chain.</summary>
        private static readonly Parser<Token, Expr> Comparison = Parser.Map(
            (left, rest) =>
            {
                if (!rest.HasValue) return left;
                var ops = new List<CompareOperator>();
                var comparators = new List<Expr>();
                foreach (var (op, e) in rest.Value) { ops.Add(op); comparators.Add(e); }
                var (sl, sc) = Start(left);
                var (el, ec) = End(comparators[comparators.Count - 1]);
                return new Compare { Left = left, Ops = ops, Comparators = comparators, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
            },
            BitwiseOr,
            Parser.Map((op, e) => (op, e), CompOp, BitwiseOr).AtLeastOnce().Optional());

        /// <summary>inversion: 'not' inversion | comparison.</summary>
        internal static readonly Parser<Token, Expr> Inversion = Dispatch(Comparison,
            (TokenKind.Not, Parser.Map((not, e) => MkUnary(not, UnaryOperator.Not, e), Tok(TokenKind.Not), InversionRef)));

        private static readonly Parser<Token, Expr> Conjunction = Parser.Map(
            (first, rest) =>
            {
                if (!rest.HasValue) return first;
                var values = new List<Expr> { first };
                values.AddRange(rest.Value);
                return MkBoolOp(BoolOperator.And, values);
            },
            Inversion, Tok(TokenKind.And).Then(Inversion).AtLeastOnce().Optional());

        /// <summary>disjunction: conjunction ('or' conjunction)*.</summary>
        internal static readonly Parser<Token, Expr> Disjunction = Parser.Map(
            (first, rest) =>
            {
                if (!rest.HasValue) return first;
                var values = new List<Expr> { first };
                values.AddRange(rest.Value);
                return MkBoolOp(BoolOperator.Or, values);
            },
            Conjunction, Tok(TokenKind.Or).Then(Conjunction).AtLeastOnce().Optional());

        // ---------------------------------------------------------------- conditional, lambda, expression

        private static readonly Parser<Token, Expr> Conditional = Parser.Map(
            (body, tail) =>
            {
                if (!tail.HasValue) return body;
                var (test, orelse, next) = tail.Value;
                if (orelse == null)
                {
                    // CPython's rule: disjunction 'if' disjunction !('else'|':')
                    if (next.Kind == TokenKind.Colon) throw Fail("invalid syntax", next);
                    throw FailRange("expected 'else' after 'if' expression", body, test);
                }
                var (sl, sc) = Start(body);
                var (el, ec) = End(orelse);
                return new IfExp { Test = test, Body = body, OrElse = orelse, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
            },
            Disjunction,
            Parser.Map((_, test, orelse) => (test, orelse.Item1, orelse.Item2),
                Tok(TokenKind.If), Disjunction,
                Parser.OneOf(
                    Tok(TokenKind.Else).Then(ExpressionRef).Select(e => ((Expr?)e, default(Token))),
                    PeekToken.Select(t => ((Expr?)null, t)))).Optional());

        private static readonly Parser<Token, (Token, Expr)> DefaultValue =
            Parser.Map((eq, e) => (eq, e), Tok(TokenKind.Equal), ExpressionRef);

        /// <summary>'=' expression in a def, where a missing expression has its own message.</summary>
        private static readonly Parser<Token, (Token, Expr)> DefDefaultValue = Parser.Map(
            (eq, e) => e.HasValue ? (eq, e.Value) : throw Fail("expected default value expression", eq),
            Tok(TokenKind.Equal), ExpressionRef.Optional());

        private static Arg MkArg(Token name, Expr? annotation)
        {
            var (el, ec) = annotation != null ? End(annotation) : (name.EndLine, name.EndColumn);
            return new Arg { Name = name.Text, Annotation = annotation, Line = name.Line, Column = name.Column, EndLine = el, EndColumn = ec };
        }

        /// <summary>One parameter of a def (with annotations) or a lambda (without).</summary>
        internal static Parser<Token, ParamItem> ParamItemParser(bool annotations)
        {
            var defaultValue = annotations ? DefDefaultValue : DefaultValue;
            var argP = annotations
                ? Parser.Map((n, ann) => MkArg(n, ann.HasValue ? ann.Value : null),
                    Tok(TokenKind.Name), Tok(TokenKind.Colon).Then(ExpressionRef).Optional())
                : Tok(TokenKind.Name).Select(n => MkArg(n, null));
            return Parser.OneOf(
                Tok(TokenKind.Slash).Select(t => new ParamItem { Kind = ParamKind.Slash, Tok = t }),
                Parser.Map((star, a, d) => new ParamItem
                    {
                        Kind = ParamKind.Star, Tok = star, Arg = a.HasValue ? a.Value : null,
                        EqTok = d.HasValue ? d.Value.Item1 : null,
                    },
                    Tok(TokenKind.Star), argP.Optional(), defaultValue.Optional()),
                Parser.Map((ds, a, d) => new ParamItem
                    {
                        Kind = ParamKind.DoubleStar, Tok = ds, Arg = a, EqTok = d.HasValue ? d.Value.Item1 : null,
                    },
                    Tok(TokenKind.DoubleStar), argP, defaultValue.Optional()),
                Parser.Map((a, d) => new ParamItem
                    {
                        Kind = ParamKind.Normal, Tok = new Token(TokenKind.Name, a.Name, a.Line, a.Column, a.EndLine, a.EndColumn),
                        Arg = a, EqTok = d.HasValue ? d.Value.Item1 : null, Default = d.HasValue ? d.Value.Item2 : null,
                    },
                    argP, defaultValue.Optional()));
        }

        private static readonly Parser<Token, Expr> LambdaDef = Parser.Map(
            (lam, ps, colon, body) =>
            {
                var args = ps.HasValue ? BuildArguments(ps.Value, colon) : new Arguments();
                var (el, ec) = End(body);
                return (Expr)new Lambda { Args = args, Body = body, Line = lam.Line, Column = lam.Column, EndLine = el, EndColumn = ec };
            },
            Tok(TokenKind.Lambda), SepBy(ParamItemParser(false), TokenKind.Comma).Optional(), Tok(TokenKind.Colon), ExpressionRef);

        /// <summary>expression: lambda | disjunction ['if' disjunction 'else' expression].</summary>
        internal static readonly Parser<Token, Expr> Expression = Dispatch(Conditional, (TokenKind.Lambda, LambdaDef));

        /// <summary>named_expression: NAME ':=' expression | expression.</summary>
        internal static readonly Parser<Token, Expr> NamedExpression = Parser.Map(
            (target, value) =>
            {
                if (!value.HasValue) return target;
                if (target is not Name n || IsParenthesized(target))
                    throw Fail("cannot use assignment expressions with " + ExprName(target), target);
                var (el, ec) = End(value.Value);
                return new NamedExpr
                {
                    Target = (Name)WithCtx(n, ExprContext.Store), Value = value.Value,
                    Line = n.Line, Column = n.Column, EndLine = el, EndColumn = ec,
                };
            },
            Expression, Tok(TokenKind.ColonEqual).Then(ExpressionRef).Optional());

        private static Expr MkStarred(Token star, Expr e)
        {
            var (el, ec) = End(e);
            return new Starred { Value = e, Line = star.Line, Column = star.Column, EndLine = el, EndColumn = ec };
        }

        /// <summary>star_named_expression: '*' bitwise_or | named_expression (display elements).</summary>
        internal static readonly Parser<Token, Expr> StarNamedExpression = Dispatch(NamedExpression,
            (TokenKind.Star, Parser.Map(MkStarred, Tok(TokenKind.Star), BitwiseOr)));

        /// <summary>star_expression: '*' bitwise_or | expression.</summary>
        internal static readonly Parser<Token, Expr> StarExpression = Dispatch(Expression,
            (TokenKind.Star, Parser.Map(MkStarred, Tok(TokenKind.Star), BitwiseOr)));

        /// <summary>star_expressions: one expression, or an unparenthesized tuple.</summary>
        internal static readonly Parser<Token, Expr> StarExpressions =
            SepBy(StarExpression, TokenKind.Comma).Select(SeqToExpr);

        /// <summary>yield_expr: 'yield' 'from' expression | 'yield' [star_expressions].</summary>
        internal static readonly Parser<Token, Expr> YieldExpr = Parser.Map(
            (y, tail) =>
            {
                if (tail.From)
                {
                    var (el, ec) = End(tail.Value!);
                    return (Expr)new YieldFrom { Value = tail.Value!, Line = y.Line, Column = y.Column, EndLine = el, EndColumn = ec };
                }
                var (l, c) = tail.Value != null ? End(tail.Value) : (y.EndLine, y.EndColumn);
                return new Yield { Value = tail.Value, Line = y.Line, Column = y.Column, EndLine = l, EndColumn = c };
            },
            Tok(TokenKind.Yield),
            Parser.OneOf(
                Tok(TokenKind.From).Then(Expression).Select(e => (From: true, Value: (Expr?)e)),
                StarExpressions.Optional().Select(m => (From: false, Value: m.HasValue ? m.Value : null))));

        // ---------------------------------------------------------------- targets and comprehensions

        /// <summary>star_target for for-loops, comprehensions and with-items (checked and set to Store by the caller).</summary>
        internal static readonly Parser<Token, Expr> StarTarget = Parser.OneOf(
            Parser.Map(MkStarred, Tok(TokenKind.Star), Primary),
            Primary);

        /// <summary>star_targets of a for loop or comprehension, with Store context.</summary>
        internal static readonly Parser<Token, Expr> ForTargets =
            SepBy(StarTarget, TokenKind.Comma).Select(seq => ToStoreTarget(SeqToExpr(seq)));

        private static readonly Parser<Token, Comprehension> CompFor = Parser.Map(
            (asyncTok, forTok, target, _, iter, ifs) =>
            {
                var start = asyncTok.HasValue ? asyncTok.Value : forTok;
                var ifList = ifs.ToList();
                var last = ifList.Count > 0 ? ifList[ifList.Count - 1] : iter;
                var (el, ec) = End(last);
                return new Comprehension
                {
                    Target = target, Iter = iter, Ifs = ifList, IsAsync = asyncTok.HasValue,
                    Line = start.Line, Column = start.Column, EndLine = el, EndColumn = ec,
                };
            },
            Tok(TokenKind.Async).Optional(), Tok(TokenKind.For), ForTargets, Tok(TokenKind.In), Disjunction,
            Tok(TokenKind.If).Then(Disjunction).Many());

        internal static readonly Parser<Token, List<Comprehension>> CompFors = CompFor.AtLeastOnce().Select(c => c.ToList());

        // ---------------------------------------------------------------- entry points

        /// <summary>"eval" input: star_expressions NEWLINE* ENDMARKER.</summary>
        internal static readonly Parser<Token, Expr> EvalInput =
            StarExpressions.Before(Tok(TokenKind.Newline).SkipMany()).Before(Tok(TokenKind.EndMarker));

        /// <summary>
        /// The expression of an f-string replacement field, lexed as "(" text ")" and
        /// parsed as star_expressions (so the parentheses count, as in CPython 3.11).
        /// </summary>
        internal static readonly Parser<Token, Expr> FStringExpr =
            StarExpressions.Before(Tok(TokenKind.Newline).SkipMany()).Before(Tok(TokenKind.EndMarker));
    }
}
