using System.Globalization;
using System.Text;
using ToyPy.Parsing;
using ToyPy.Parsing.Ast;
using Xunit;
using Assert = Xunit.Assert;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Tests;

/// <summary>
/// Parser tests. Expected trees, positions and error messages were checked against
/// CPython 3.11 (ast.parse / compile); the dump format is a compact ast.dump.
/// </summary>
public class ParserTests
{
    // ------------------------------------------------------------------ helpers

    private static Module Parse(string source) => PythonParser.ParseModule(source, "<test>");

    /// <summary>Dump of the whole module, statements separated by "; ".</summary>
    private static string DumpModule(string source)
        => string.Join("; ", Parse(source).Body.Select(s => Dump.Of(s)));

    /// <summary>Dump of the value of a single expression statement.</summary>
    private static string DumpExpr(string source)
    {
        var body = Parse(source).Body;
        Assert.Single(body);
        return Dump.Of(Assert.IsType<ExprStmt>(body[0]).Value);
    }

    private static SyntaxErrorException Error(string source)
        => Assert.Throws<SyntaxErrorException>(() => Parse(source));

    // ------------------------------------------------------------------ statements

    [Theory]
    [InlineData("x = 1", "Assign([Name(x, Store)], 1)")]
    [InlineData("a = b = c", "Assign([Name(a, Store), Name(b, Store)], Name(c))")]
    [InlineData("a, b = b, a", "Assign([Tuple([Name(a, Store), Name(b, Store)], Store)], Tuple([Name(b), Name(a)]))")]
    [InlineData("a, *b = c", "Assign([Tuple([Name(a, Store), Starred(Name(b, Store), Store)], Store)], Name(c))")]
    [InlineData("[a, (b, c)] = d", "Assign([List([Name(a, Store), Tuple([Name(b, Store), Name(c, Store)], Store)], Store)], Name(d))")]
    [InlineData("x.y[0] = 1", "Assign([Subscript(Attribute(Name(x), y), 0, Store)], 1)")]
    [InlineData("x = 1,", "Assign([Name(x, Store)], Tuple([1]))")]
    [InlineData("x += 1", "AugAssign(Name(x, Store), Add, 1)")]
    [InlineData("x -= 1; x *= 2; x /= 3; x //= 4; x %= 5; x **= 6", "AugAssign(Name(x, Store), Sub, 1); AugAssign(Name(x, Store), Mult, 2); AugAssign(Name(x, Store), Div, 3); AugAssign(Name(x, Store), FloorDiv, 4); AugAssign(Name(x, Store), Mod, 5); AugAssign(Name(x, Store), Pow, 6)")]
    [InlineData("x <<= 1; x >>= 2; x &= 3; x |= 4; x ^= 5; x @= 6", "AugAssign(Name(x, Store), LShift, 1); AugAssign(Name(x, Store), RShift, 2); AugAssign(Name(x, Store), BitAnd, 3); AugAssign(Name(x, Store), BitOr, 4); AugAssign(Name(x, Store), BitXor, 5); AugAssign(Name(x, Store), MatMult, 6)")]
    [InlineData("a.b += c", "AugAssign(Attribute(Name(a), b, Store), Add, Name(c))")]
    [InlineData("x: int = 3", "AnnAssign(Name(x, Store), Name(int), 3, simple=1)")]
    [InlineData("x: int", "AnnAssign(Name(x, Store), Name(int), None, simple=1)")]
    [InlineData("(x): int = 3", "AnnAssign(Name(x, Store), Name(int), 3, simple=0)")]
    [InlineData("a.b: List[int] = []", "AnnAssign(Attribute(Name(a), b, Store), Subscript(Name(List), Name(int)), List([]), simple=0)")]
    [InlineData("del x, y[0], z.w", "Delete([Name(x, Del), Subscript(Name(y), 0, Del), Attribute(Name(z), w, Del)])")]
    [InlineData("del (a, b), [c]", "Delete([Tuple([Name(a, Del), Name(b, Del)], Del), List([Name(c, Del)], Del)])")]
    [InlineData("pass", "Pass")]
    [InlineData("while True: break", "While(True, [Break], [])")]
    [InlineData("for x in y: continue", "For(Name(x, Store), Name(y), [Continue], [])")]
    [InlineData("def f(): return", "Def(f, Args(), [Return(None)])")]
    [InlineData("def f(): return 1, 2", "Def(f, Args(), [Return(Tuple([1, 2]))])")]
    [InlineData("raise", "Raise(None, None)")]
    [InlineData("raise E", "Raise(Name(E), None)")]
    [InlineData("raise E from cause", "Raise(Name(E), Name(cause))")]
    [InlineData("def f():\n    global a, b\n    nonlocal c", "Def(f, Args(), [Global(a, b), Nonlocal(c)])")]
    [InlineData("assert x", "Assert(Name(x), None)")]
    [InlineData("assert x, 'message'", "Assert(Name(x), 'message')")]
    [InlineData("import a.b as c, d", "Import([a.b as c, d])")]
    [InlineData("import os.path", "Import([os.path])")]
    [InlineData("from x import a as b, c", "ImportFrom(x, [a as b, c], level=0)")]
    [InlineData("from x import (a, b,)", "ImportFrom(x, [a, b], level=0)")]
    [InlineData("from . import x", "ImportFrom(None, [x], level=1)")]
    [InlineData("from .. import x", "ImportFrom(None, [x], level=2)")]
    [InlineData("from ...pkg.mod import y", "ImportFrom(pkg.mod, [y], level=3)")]
    [InlineData("from x import *", "ImportFrom(x, [*], level=0)")]
    [InlineData("if a:\n    x\nelif b:\n    y\nelif c:\n    z\nelse:\n    w", "If(Name(a), [Expr(Name(x))], [If(Name(b), [Expr(Name(y))], [If(Name(c), [Expr(Name(z))], [Expr(Name(w))])])])")]
    [InlineData("if x: y = 1", "If(Name(x), [Assign([Name(y, Store)], 1)], [])")]
    [InlineData("if x: a; b", "If(Name(x), [Expr(Name(a)), Expr(Name(b))], [])")]
    [InlineData("while x:\n    pass\nelse:\n    y", "While(Name(x), [Pass], [Expr(Name(y))])")]
    [InlineData("for a, b in c:\n    pass\nelse:\n    d", "For(Tuple([Name(a, Store), Name(b, Store)], Store), Name(c), [Pass], [Expr(Name(d))])")]
    [InlineData("for x, in y: pass", "For(Tuple([Name(x, Store)], Store), Name(y), [Pass], [])")]
    [InlineData("for i in 1, 2, 3: pass", "For(Name(i, Store), Tuple([1, 2, 3]), [Pass], [])")]
    [InlineData("try:\n    a\nexcept E as e:\n    b\nexcept (A, B) as e:\n    c\nexcept:\n    d\nelse:\n    e\nfinally:\n    f", "Try([Expr(Name(a))], [Except(Name(E), e, [Expr(Name(b))]), Except(Tuple([Name(A), Name(B)]), e, [Expr(Name(c))]), Except(None, None, [Expr(Name(d))])], [Expr(Name(e))], [Expr(Name(f))])")]
    [InlineData("try:\n    a\nfinally:\n    b", "Try([Expr(Name(a))], [], [], [Expr(Name(b))])")]
    [InlineData("with a as b, c as (d, e):\n    pass", "With([Name(a) as Name(b, Store), Name(c) as Tuple([Name(d, Store), Name(e, Store)], Store)], [Pass])")]
    [InlineData("with (a as b, c as d,):\n    pass", "With([Name(a) as Name(b, Store), Name(c) as Name(d, Store)], [Pass])")]
    [InlineData("with (a, b):\n    pass", "With([Name(a), Name(b)], [Pass])")]
    [InlineData("with (a, b) as c:\n    pass", "With([Tuple([Name(a), Name(b)]) as Name(c, Store)], [Pass])")]
    [InlineData("with open(f) as [x, y]: pass", "With([Call(Name(open), [Name(f)], []) as List([Name(x, Store), Name(y, Store)], Store)], [Pass])")]
    [InlineData("@dec\n@dec.attr(1)\ndef f(a, b=1, *args, c, d=2, **kwargs) -> int:\n    return a", "Def(f, Args(args=[a, b], vararg=args, kwonly=[c, d], kw_defaults=[None, 2], kwarg=kwargs, defaults=[1]), [Return(Name(a))], decorators=[Name(dec), Call(Attribute(Name(dec), attr), [1], [])], returns=Name(int))")]
    [InlineData("def f(a, /, b, *, c): pass", "Def(f, Args(posonly=[a], args=[b], kwonly=[c], kw_defaults=[None]), [Pass])")]
    [InlineData("def f(a: int, b: str = 'x', *c: int, **d: float) -> None: pass", "Def(f, Args(args=[a: Name(int), b: Name(str)], vararg=c: Name(int), kwarg=d: Name(float), defaults=['x']), [Pass], returns=None)")]
    [InlineData("def f(*, a=1, b): pass", "Def(f, Args(kwonly=[a, b], kw_defaults=[1, None]), [Pass])")]
    [InlineData("def f(a, b=2, /, c=3): pass", "Def(f, Args(posonly=[a, b], args=[c], defaults=[2, 3]), [Pass])")]
    [InlineData("@d\nclass C(Base, metaclass=M):\n    x = 1", "Class(C, [Name(Base)], [metaclass=Name(M)], [Assign([Name(x, Store)], 1)], decorators=[Name(d)])")]
    [InlineData("class C: pass", "Class(C, [], [], [Pass])")]
    [InlineData("class C(*bases, **kw): pass", "Class(C, [Starred(Name(bases))], [**Name(kw)], [Pass])")]
    [InlineData("async def f():\n    await x\n    async for a in b:\n        pass\n    async with a as b:\n        pass", "AsyncDef(f, Args(), [Expr(Await(Name(x))), AsyncFor(Name(a, Store), Name(b), [Pass], []), AsyncWith([Name(a) as Name(b, Store)], [Pass])])")]
    [InlineData("@d\nasync def f(): pass", "AsyncDef(f, Args(), [Pass], decorators=[Name(d)])")]
    [InlineData("def g():\n    yield\n    yield x\n    yield x, y\n    yield from z\n    x = yield\n    return (yield)", "Def(g, Args(), [Expr(Yield(None)), Expr(Yield(Name(x))), Expr(Yield(Tuple([Name(x), Name(y)]))), Expr(YieldFrom(Name(z))), Assign([Name(x, Store)], Yield(None)), Return(Yield(None))])")]
    [InlineData("x = 1; y = 2;", "Assign([Name(x, Store)], 1); Assign([Name(y, Store)], 2)")]
    [InlineData("print(*a, sep='')", "Expr(Call(Name(print), [Starred(Name(a))], [sep='']))")]
    public void Statements(string source, string expected) => Assert.Equal(expected, DumpModule(source));

    // ------------------------------------------------------------------ expressions and precedence

    [Theory]
    [InlineData("-2**2", "Expr(UnaryOp(USub, BinOp(2, Pow, 2)))")]
    [InlineData("2**-1", "Expr(BinOp(2, Pow, UnaryOp(USub, 1)))")]
    [InlineData("-a**-b", "Expr(UnaryOp(USub, BinOp(Name(a), Pow, UnaryOp(USub, Name(b)))))")]
    [InlineData("a**b**c", "Expr(BinOp(Name(a), Pow, BinOp(Name(b), Pow, Name(c))))")]
    [InlineData("not a == b", "Expr(UnaryOp(Not, Compare(Name(a), [Eq], [Name(b)])))")]
    [InlineData("not not a", "Expr(UnaryOp(Not, UnaryOp(Not, Name(a))))")]
    [InlineData("a or b and c", "Expr(BoolOp(Or, [Name(a), BoolOp(And, [Name(b), Name(c)])]))")]
    [InlineData("a and b or c and d", "Expr(BoolOp(Or, [BoolOp(And, [Name(a), Name(b)]), BoolOp(And, [Name(c), Name(d)])]))")]
    [InlineData("(a or b) and c", "Expr(BoolOp(And, [BoolOp(Or, [Name(a), Name(b)]), Name(c)]))")]
    [InlineData("a if b else c if d else e", "Expr(IfExp(Name(b), Name(a), IfExp(Name(d), Name(c), Name(e))))")]
    [InlineData("(a if b else c) if d else e", "Expr(IfExp(Name(d), IfExp(Name(b), Name(a), Name(c)), Name(e)))")]
    [InlineData("lambda x: x + 1", "Expr(Lambda(Args(args=[x]), BinOp(Name(x), Add, 1)))")]
    [InlineData("lambda: 0", "Expr(Lambda(Args(), 0))")]
    [InlineData("lambda *a, **k: 0", "Expr(Lambda(Args(vararg=a, kwarg=k), 0))")]
    [InlineData("lambda a, /, b=1, *, c: 0", "Expr(Lambda(Args(posonly=[a], args=[b], kwonly=[c], kw_defaults=[None], defaults=[1]), 0))")]
    [InlineData("lambda x: lambda y: x + y", "Expr(Lambda(Args(args=[x]), Lambda(Args(args=[y]), BinOp(Name(x), Add, Name(y)))))")]
    [InlineData("a < b < c", "Expr(Compare(Name(a), [Lt, Lt], [Name(b), Name(c)]))")]
    [InlineData("a < b == c > d <= e >= f != g", "Expr(Compare(Name(a), [Lt, Eq, Gt, LtE, GtE, NotEq], [Name(b), Name(c), Name(d), Name(e), Name(f), Name(g)]))")]
    [InlineData("a not in b", "Expr(Compare(Name(a), [NotIn], [Name(b)]))")]
    [InlineData("a is not b", "Expr(Compare(Name(a), [IsNot], [Name(b)]))")]
    [InlineData("a in b is c", "Expr(Compare(Name(a), [In, Is], [Name(b), Name(c)]))")]
    [InlineData("a | b ^ c & d << e >> f", "Expr(BinOp(Name(a), BitOr, BinOp(Name(b), BitXor, BinOp(Name(c), BitAnd, BinOp(BinOp(Name(d), LShift, Name(e)), RShift, Name(f))))))")]
    [InlineData("a + b - c", "Expr(BinOp(BinOp(Name(a), Add, Name(b)), Sub, Name(c)))")]
    [InlineData("a - b * c", "Expr(BinOp(Name(a), Sub, BinOp(Name(b), Mult, Name(c))))")]
    [InlineData("a * b / c // d % e @ f", "Expr(BinOp(BinOp(BinOp(BinOp(BinOp(Name(a), Mult, Name(b)), Div, Name(c)), FloorDiv, Name(d)), Mod, Name(e)), MatMult, Name(f)))")]
    [InlineData("-a + ~b - +c", "Expr(BinOp(BinOp(UnaryOp(USub, Name(a)), Add, UnaryOp(Invert, Name(b))), Sub, UnaryOp(UAdd, Name(c))))")]
    [InlineData("a + b << c", "Expr(BinOp(BinOp(Name(a), Add, Name(b)), LShift, Name(c)))")]
    [InlineData("a & b | c ^ d", "Expr(BinOp(BinOp(Name(a), BitAnd, Name(b)), BitOr, BinOp(Name(c), BitXor, Name(d))))")]
    [InlineData("await a ** 2", "Expr(BinOp(Await(Name(a)), Pow, 2))")]
    [InlineData("a.b.c", "Expr(Attribute(Attribute(Name(a), b), c))")]
    [InlineData("a(b)(c)", "Expr(Call(Call(Name(a), [Name(b)], []), [Name(c)], []))")]
    [InlineData("a[b][c]", "Expr(Subscript(Subscript(Name(a), Name(b)), Name(c)))")]
    [InlineData("a.b(c)[d].e", "Expr(Attribute(Subscript(Call(Attribute(Name(a), b), [Name(c)], []), Name(d)), e))")]
    [InlineData("f(a, b, *c, d=1, **e)", "Expr(Call(Name(f), [Name(a), Name(b), Starred(Name(c))], [d=1, **Name(e)]))")]
    [InlineData("f(*a, *b, c=1, **d)", "Expr(Call(Name(f), [Starred(Name(a)), Starred(Name(b))], [c=1, **Name(d)]))")]
    [InlineData("f(a for a in b)", "Expr(Call(Name(f), [GeneratorExp(Name(a), [for Name(a, Store) in Name(b)])], []))")]
    [InlineData("f((a for a in b), 1)", "Expr(Call(Name(f), [GeneratorExp(Name(a), [for Name(a, Store) in Name(b)]), 1], []))")]
    [InlineData("f(a, b,)", "Expr(Call(Name(f), [Name(a), Name(b)], []))")]
    [InlineData("f()", "Expr(Call(Name(f), [], []))")]
    [InlineData("f(x := 1)", "Expr(Call(Name(f), [NamedExpr(Name(x, Store), 1)], []))")]
    [InlineData("a[1:2]", "Expr(Subscript(Name(a), Slice(1, 2, None)))")]
    [InlineData("a[::2]", "Expr(Subscript(Name(a), Slice(None, None, 2)))")]
    [InlineData("a[:]", "Expr(Subscript(Name(a), Slice(None, None, None)))")]
    [InlineData("a[1:2:3]", "Expr(Subscript(Name(a), Slice(1, 2, 3)))")]
    [InlineData("a[1:2, 3]", "Expr(Subscript(Name(a), Tuple([Slice(1, 2, None), 3])))")]
    [InlineData("a[1,]", "Expr(Subscript(Name(a), Tuple([1])))")]
    [InlineData("a[*b]", "Expr(Subscript(Name(a), Tuple([Starred(Name(b))])))")]
    [InlineData("x", "Expr(Name(x))")]
    [InlineData("...", "Expr(...)")]
    [InlineData("None, True, False", "Expr(Tuple([None, True, False]))")]
    [InlineData("'a' 'b'", "Expr('ab')")]
    [InlineData("b'a' b'b'", "Expr(b'ab')")]
    [InlineData("0x1F, 0o17, 0b101, 1_000_000", "Expr(Tuple([31, 15, 5, 1000000]))")]
    [InlineData("123456789012345678901234567890", "Expr(Big(123456789012345678901234567890))")]
    [InlineData("0xFFFFFFFFFFFFFFFFFFFF", "Expr(Big(1208925819614629174706175))")]
    [InlineData("9223372036854775807, 9223372036854775808", "Expr(Tuple([9223372036854775807, Big(9223372036854775808)]))")]
    [InlineData("1.5, 1e10, .5, 5., 1_0.0_1", "Expr(Tuple([1.5f, 10000000000f, 0.5f, 5f, 10.01f]))")]
    [InlineData("()", "Expr(Tuple([]))")]
    [InlineData("(1)", "Expr(1)")]
    [InlineData("(1,)", "Expr(Tuple([1]))")]
    [InlineData("(1, 2)", "Expr(Tuple([1, 2]))")]
    [InlineData("[]", "Expr(List([]))")]
    [InlineData("[1, 2,]", "Expr(List([1, 2]))")]
    [InlineData("{}", "Expr(Dict([]))")]
    [InlineData("{1: 2, **m, 3: 4}", "Expr(Dict([1: 2, **Name(m), 3: 4]))")]
    [InlineData("{1, 2}", "Expr(Set([1, 2]))")]
    [InlineData("{*a, b}", "Expr(Set([Starred(Name(a)), Name(b)]))")]
    [InlineData("[x for x in y]", "Expr(ListComp(Name(x), [for Name(x, Store) in Name(y)]))")]
    [InlineData("[x for x in y if x if z]", "Expr(ListComp(Name(x), [for Name(x, Store) in Name(y) if Name(x) if Name(z)]))")]
    [InlineData("[(x, y) for x in a if x for y in b]", "Expr(ListComp(Tuple([Name(x), Name(y)]), [for Name(x, Store) in Name(a) if Name(x), for Name(y, Store) in Name(b)]))")]
    [InlineData("{x for x in y}", "Expr(SetComp(Name(x), [for Name(x, Store) in Name(y)]))")]
    [InlineData("{k: v for k, v in items}", "Expr(DictComp(Name(k), Name(v), [for Tuple([Name(k, Store), Name(v, Store)], Store) in Name(items)]))")]
    [InlineData("(x for x in y)", "Expr(GeneratorExp(Name(x), [for Name(x, Store) in Name(y)]))")]
    [InlineData("[i async for i in y]", "Expr(ListComp(Name(i), [async for Name(i, Store) in Name(y)]))")]
    [InlineData("[*a, *b]", "Expr(List([Starred(Name(a)), Starred(Name(b))]))")]
    [InlineData("[y := 1, y ** 2]", "Expr(List([NamedExpr(Name(y, Store), 1), BinOp(Name(y), Pow, 2)]))")]
    [InlineData("(yield)", "Expr(Yield(None))")]
    [InlineData("f'hello'", "Expr(JoinedStr(['hello']))")]
    [InlineData("f'{a} b {c!r} {d:>10}'", "Expr(JoinedStr([FormattedValue(Name(a), -1), ' b ', FormattedValue(Name(c), r), ' ', FormattedValue(Name(d), -1, JoinedStr(['>10']))]))")]
    [InlineData("f'{x=}'", "Expr(JoinedStr(['x=', FormattedValue(Name(x), r)]))")]
    [InlineData("f'{x = !s:^5}'", "Expr(JoinedStr(['x = ', FormattedValue(Name(x), s, JoinedStr(['^5']))]))")]
    [InlineData("f'{a:{b}.{c}}'", "Expr(JoinedStr([FormattedValue(Name(a), -1, JoinedStr([FormattedValue(Name(b), -1), '.', FormattedValue(Name(c), -1)]))]))")]
    [InlineData("f'{{literal}} {x}'", "Expr(JoinedStr(['{literal} ', FormattedValue(Name(x), -1)]))")]
    [InlineData("'a' f'b{c}d' 'e'", "Expr(JoinedStr(['ab', FormattedValue(Name(c), -1), 'de']))")]
    [InlineData("f''", "Expr(JoinedStr([]))")]
    [InlineData("rf'\\n{x}'", "Expr(JoinedStr(['\\\\n', FormattedValue(Name(x), -1)]))")]
    [InlineData("f'\\t{x}\\n'", "Expr(JoinedStr(['\\t', FormattedValue(Name(x), -1), '\\n']))")]
    [InlineData("f'{a, b}'", "Expr(JoinedStr([FormattedValue(Tuple([Name(a), Name(b)]), -1)]))")]
    [InlineData("f\"{'a' if x else 'b'}\"", "Expr(JoinedStr([FormattedValue(IfExp(Name(x), 'a', 'b'), -1)]))")]
    [InlineData("f'{d[\"k\"]!a}'", "Expr(JoinedStr([FormattedValue(Subscript(Name(d), 'k'), a)]))")]
    public void Expressions(string source, string expected) => Assert.Equal(expected, DumpModule(source));

    [Fact]
    public void ChainedComparisonIsOneCompareNode()
    {
        var c = Assert.IsType<Compare>(Assert.IsType<ExprStmt>(Parse("a < b <= c != d\n").Body[0]).Value);
        Assert.Equal(new[] { CompareOperator.Lt, CompareOperator.LtE, CompareOperator.NotEq }, c.Ops);
        Assert.Equal(3, c.Comparators.Count);
    }

    [Fact]
    public void IntegerAndFloatLiterals()
    {
        Constant C(string src) => Assert.IsType<Constant>(PythonParser.ParseExpression(src, "<test>"));
        Assert.Equal(255L, C("0xff").IntValue);
        Assert.Equal(8L, C("0o10").IntValue);
        Assert.Equal(5L, C("0b101").IntValue);
        Assert.Equal(1_000_000L, C("1_000_000").IntValue);
        Assert.Equal(long.MaxValue, C("9223372036854775807").IntValue);
        Assert.False(C("9223372036854775807").IsBig);
        var big = C("9223372036854775808");
        Assert.True(big.IsBig);
        Assert.Equal(System.Numerics.BigInteger.Parse("9223372036854775808"), big.BigValue);
        Assert.Equal(System.Numerics.BigInteger.Parse("295147905179352825855"), C("0x_FFFF_FFFF_FFFF_FFFF_F").BigValue);
        Assert.Equal(ConstantKind.Float, C("1e500").Kind);
        Assert.True(double.IsPositiveInfinity(C("1e500").FloatValue));
        Assert.Equal(0.1, C("0.1").FloatValue);
        Assert.Equal(1500.0, C("1_500.0").FloatValue);
    }

    [Fact]
    public void ParseExpressionApi()
    {
        Assert.Equal("BinOp(Name(a), Add, BinOp(Name(b), Mult, 2))", Dump.Of(PythonParser.ParseExpression("a + b * 2", "<eval>")));
        Assert.Equal("Tuple([1, 2])", Dump.Of(PythonParser.ParseExpression("  1, 2\n\n", "<eval>")));
        var e = Assert.Throws<SyntaxErrorException>(() => PythonParser.ParseExpression("x = 1", "<eval>"));
        Assert.Equal("invalid syntax", e.Msg);
        Assert.Equal("<eval>", e.Filename);
    }

    [Fact]
    public void StringConcatenationAndBytes()
    {
        var c = Assert.IsType<Constant>(PythonParser.ParseExpression("'a' \"b\" '''c'''", "<test>"));
        Assert.Equal(ConstantKind.Str, c.Kind);
        Assert.Equal("abc", c.StrValue);
        var b = Assert.IsType<Constant>(PythonParser.ParseExpression("b'\\x00' b'\\xff'", "<test>"));
        Assert.Equal(ConstantKind.Bytes, b.Kind);
        Assert.Equal("\u0000\u00ff", b.StrValue);
    }

    [Fact]
    public void MatchStatementsAreReportedAsUnsupported()
    {
        var e = Error("x = 1\nmatch x:\n    case 1:\n        pass\n");
        Assert.Equal("match statements are not supported by ToyPy", e.Msg);
        Assert.Equal((2, 0), (e.Line, e.Column));
        // "match" is a soft keyword: it is still a name elsewhere
        Assert.Equal("Assign([Name(match, Store)], 1); Expr(Call(Name(match), [Name(x)], [])); Assign([Attribute(Name(match), y, Store)], 2)",
            DumpModule("match = 1\nmatch(x)\nmatch.y = 2\n"));
    }

    // ------------------------------------------------------------------ positions

    [Fact]
    public void PositionsOfNodes()
    {
        var m = Parse("x = foo(a, b=1)\nif x:\n    y = [i for i in x]\n");
        var assign = Assert.IsType<Assign>(m.Body[0]);
        AssertPos(assign, 1, 0, 1, 15);
        var call = Assert.IsType<Call>(assign.Value);
        AssertPos(call, 1, 4, 1, 15);
        AssertPos(call.Func, 1, 4, 1, 7);
        AssertPos(call.Args[0], 1, 8, 1, 9);
        AssertPos(call.Keywords[0], 1, 11, 1, 14);
        var iff = Assert.IsType<If>(m.Body[1]);
        AssertPos(iff, 2, 0, 3, 22);
        var inner = Assert.IsType<Assign>(iff.Body[0]);
        AssertPos(inner, 3, 4, 3, 22);
        AssertPos(inner.Value, 3, 8, 3, 22);
    }

    [Fact]
    public void PositionsIncludeParenthesesAsCPythonDoes()
    {
        // (a) + b: the BinOp starts at the parenthesis, the Name inside it does not.
        var b = Assert.IsType<BinOp>(PythonParser.ParseExpression("(a) + b", "<test>"));
        AssertPos(b, 1, 0, 1, 7);
        AssertPos(b.Left, 1, 1, 1, 2);
        // an unparenthesized tuple includes its trailing comma
        var t = Assert.IsType<Assign>(Parse("x = 1, 2,\n").Body[0]);
        AssertPos(t.Value, 1, 4, 1, 9);
        // a generator expression as the only argument spans the call's parentheses
        var call = Assert.IsType<Call>(PythonParser.ParseExpression("f(x for x in y)", "<test>"));
        AssertPos(call.Args[0], 1, 1, 1, 15);
        // decorated functions start at "def"; a trailing ';' ends the block
        AssertPos(Parse("@d\ndef f(): pass;\n").Body[0], 2, 0, 2, 14);
    }

    [Fact]
    public void PositionsInsideFStrings()
    {
        var j = Assert.IsType<JoinedStr>(PythonParser.ParseExpression("f'ab{x + 1}c{y!r:>{w}}'", "<test>"));
        AssertPos(j, 1, 0, 1, 23);
        var fv = Assert.IsType<FormattedValue>(j.Values[1]);
        AssertPos(fv.Value, 1, 5, 1, 10);
        var fv2 = Assert.IsType<FormattedValue>(j.Values[3]);
        AssertPos(fv2.Value, 1, 13, 1, 14);
        var w = Assert.IsType<FormattedValue>(fv2.FormatSpec!.Values[1]);
        AssertPos(w.Value, 1, 19, 1, 20);
        var multi = Assert.IsType<JoinedStr>(Assert.IsType<ExprStmt>(Parse("x\nf\"\"\"{\n  a}\"\"\"\n").Body[1]).Value);
        AssertPos(((FormattedValue)multi.Values[0]).Value, 3, 2, 3, 3);
    }

    private static void AssertPos(Node n, int line, int col, int endLine, int endCol)
        => Assert.Equal((line, col, endLine, endCol), (n.Line, n.Column, n.EndLine, n.EndColumn));

    // ------------------------------------------------------------------ errors: message, line, column as CPython 3.11 reports them

    [Theory]
    [InlineData("f() = 1", "SyntaxError", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("1 = x", "SyntaxError", "cannot assign to literal here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("x + 1 = 2", "SyntaxError", "cannot assign to expression here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("(a, b) += 1", "SyntaxError", "'tuple' is an illegal expression for augmented assignment", 1, 0)]
    [InlineData("a, b += 1", "SyntaxError", "'tuple' is an illegal expression for augmented assignment", 1, 0)]
    [InlineData("[a] += 1", "SyntaxError", "'list' is an illegal expression for augmented assignment", 1, 0)]
    [InlineData("x() += 1", "SyntaxError", "'function call' is an illegal expression for augmented assignment", 1, 0)]
    [InlineData("del 1", "SyntaxError", "cannot delete literal", 1, 4)]
    [InlineData("del f()", "SyntaxError", "cannot delete function call", 1, 4)]
    [InlineData("del x + 1", "SyntaxError", "cannot delete expression", 1, 4)]
    [InlineData("del (a, 1)", "SyntaxError", "cannot delete literal", 1, 8)]
    [InlineData("del *a", "SyntaxError", "cannot delete starred", 1, 4)]
    [InlineData("for 1 in x: pass", "SyntaxError", "cannot assign to literal", 1, 4)]
    [InlineData("for f() in x: pass", "SyntaxError", "cannot assign to function call", 1, 4)]
    [InlineData("with a as 1: pass", "SyntaxError", "cannot assign to literal", 1, 10)]
    [InlineData("[x for 1 in y]", "SyntaxError", "cannot assign to literal", 1, 7)]
    [InlineData("a = b = 1 = c", "SyntaxError", "cannot assign to literal", 1, 8)]
    [InlineData("x: int = 3 = 4", "SyntaxError", "invalid syntax", 1, 11)]
    [InlineData("(a, b): int", "SyntaxError", "only single target (not tuple) can be annotated", 1, 0)]
    [InlineData("[a]: int", "SyntaxError", "only single target (not list) can be annotated", 1, 0)]
    [InlineData("a, b: int", "SyntaxError", "only single target (not tuple) can be annotated", 1, 0)]
    [InlineData("f(): int", "SyntaxError", "illegal target for annotation", 1, 0)]
    [InlineData("lambda: 1 = 2", "SyntaxError", "cannot assign to lambda", 1, 0)]
    [InlineData("a if b else c = 1", "SyntaxError", "cannot assign to conditional expression", 1, 0)]
    [InlineData("None = 1", "SyntaxError", "cannot assign to None", 1, 0)]
    [InlineData("True = 1", "SyntaxError", "cannot assign to True", 1, 0)]
    [InlineData("... = 1", "SyntaxError", "cannot assign to ellipsis here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("'a' = 1", "SyntaxError", "cannot assign to literal here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("f'a' = 1", "SyntaxError", "cannot assign to f-string expression here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("(yield) = 1", "SyntaxError", "cannot assign to yield expression here. Maybe you meant '==' instead of '='?", 1, 1)]
    [InlineData("a = yield = 1", "SyntaxError", "assignment to yield expression not possible", 1, 4)]
    [InlineData("not x = 1", "SyntaxError", "cannot assign to expression", 1, 0)]
    [InlineData("-x = 1", "SyntaxError", "cannot assign to expression here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("a < b = 1", "SyntaxError", "cannot assign to comparison", 1, 0)]
    [InlineData("a and b = 1", "SyntaxError", "cannot assign to expression", 1, 0)]
    [InlineData("(x for x in y) = 1", "SyntaxError", "cannot assign to generator expression", 1, 0)]
    [InlineData("[x for x in y] = 1", "SyntaxError", "cannot assign to list comprehension here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("{a: b} = 1", "SyntaxError", "cannot assign to dict literal here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("{a} = 1", "SyntaxError", "cannot assign to set display here. Maybe you meant '==' instead of '='?", 1, 0)]
    [InlineData("x = *a", "SyntaxError", "can't use starred expression here", 1, 4)]
    [InlineData("*a = 1", "SyntaxError", "starred assignment target must be in a list or tuple", 1, 0)]
    [InlineData("a, *b, *c = 1", "SyntaxError", "multiple starred expressions in assignment", 1, 0)]
    [InlineData("(*a)", "SyntaxError", "cannot use starred expression here", 1, 1)]
    [InlineData("for *a in b: pass", "SyntaxError", "starred assignment target must be in a list or tuple", 1, 4)]
    [InlineData("f(x for x in y, 1)", "SyntaxError", "Generator expression must be parenthesized", 1, 2)]
    [InlineData("f(1, x for x in y)", "SyntaxError", "Generator expression must be parenthesized", 1, 5)]
    [InlineData("f(a=1, b)", "SyntaxError", "positional argument follows keyword argument", 1, 8)]
    [InlineData("f(**k, a)", "SyntaxError", "positional argument follows keyword argument unpacking", 1, 8)]
    [InlineData("f(**k, *a)", "SyntaxError", "iterable argument unpacking follows keyword argument unpacking", 1, 7)]
    [InlineData("f(a.b=1)", "SyntaxError", "expression cannot contain assignment, perhaps you meant \"==\"?", 1, 2)]
    [InlineData("f(1=2)", "SyntaxError", "expression cannot contain assignment, perhaps you meant \"==\"?", 1, 2)]
    [InlineData("f(*a for a in b)", "SyntaxError", "iterable unpacking cannot be used in comprehension", 1, 2)]
    [InlineData("x := 1", "SyntaxError", "invalid syntax", 1, 2)]
    [InlineData("(a.b := 1)", "SyntaxError", "cannot use assignment expressions with attribute", 1, 1)]
    [InlineData("(a[0] := 1)", "SyntaxError", "cannot use assignment expressions with subscript", 1, 1)]
    [InlineData("((a, b) := 1)", "SyntaxError", "cannot use assignment expressions with tuple", 1, 1)]
    [InlineData("(a) := 1", "SyntaxError", "cannot use assignment expressions with name", 1, 1)]
    [InlineData("def f(a=1, b): pass", "SyntaxError", "non-default argument follows default argument", 1, 11)]
    [InlineData("lambda a=1, b: 0", "SyntaxError", "non-default argument follows default argument", 1, 12)]
    [InlineData("def f(*): pass", "SyntaxError", "named arguments must follow bare *", 1, 6)]
    [InlineData("def f(*, **k): pass", "SyntaxError", "named arguments must follow bare *", 1, 6)]
    [InlineData("x = lambda *: 1", "SyntaxError", "named arguments must follow bare *", 1, 12)]
    [InlineData("def f(/): pass", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("def f(/, a): pass", "SyntaxError", "at least one argument must precede /", 1, 6)]
    [InlineData("def f(a, /, b, /): pass", "SyntaxError", "/ may appear only once", 1, 15)]
    [InlineData("def f(*a, /): pass", "SyntaxError", "/ must be ahead of *", 1, 10)]
    [InlineData("def f(a, *, /): pass", "SyntaxError", "/ must be ahead of *", 1, 12)]
    [InlineData("def f(**k, a): pass", "SyntaxError", "arguments cannot follow var-keyword argument", 1, 11)]
    [InlineData("def f(*a, *b): pass", "SyntaxError", "* argument may appear only once", 1, 10)]
    [InlineData("def f(*a=1): pass", "SyntaxError", "var-positional argument cannot have default value", 1, 8)]
    [InlineData("def f(**k=1): pass", "SyntaxError", "var-keyword argument cannot have default value", 1, 9)]
    [InlineData("if x\n  pass", "SyntaxError", "expected ':'", 1, 4)]
    [InlineData("for x in y\n  pass", "SyntaxError", "expected ':'", 1, 10)]
    [InlineData("while x\n  pass", "SyntaxError", "expected ':'", 1, 7)]
    [InlineData("def f()\n  pass", "SyntaxError", "expected ':'", 1, 7)]
    [InlineData("class C\n  pass", "SyntaxError", "expected ':'", 1, 7)]
    [InlineData("with a\n  pass", "SyntaxError", "expected ':'", 1, 6)]
    [InlineData("try\n  pass", "SyntaxError", "expected ':'", 1, 3)]
    [InlineData("def f() -> : pass", "SyntaxError", "expected ':'", 1, 8)]
    [InlineData("for x in range(3): pass\nelse x: pass", "SyntaxError", "expected ':'", 2, 5)]
    [InlineData("if x y: pass", "SyntaxError", "invalid syntax", 1, 5)]
    [InlineData("for x in y z: pass", "SyntaxError", "invalid syntax", 1, 11)]
    [InlineData("if x:\npass", "IndentationError", "expected an indented block after 'if' statement on line 1", 2, 0)]
    [InlineData("for x in y:\npass", "IndentationError", "expected an indented block after 'for' statement on line 1", 2, 0)]
    [InlineData("while x:\npass", "IndentationError", "expected an indented block after 'while' statement on line 1", 2, 0)]
    [InlineData("def f():\npass", "IndentationError", "expected an indented block after function definition on line 1", 2, 0)]
    [InlineData("class C:\npass", "IndentationError", "expected an indented block after class definition on line 1", 2, 0)]
    [InlineData("try:\npass", "IndentationError", "expected an indented block after 'try' statement on line 1", 2, 0)]
    [InlineData("try:\n  pass\nexcept:\npass", "IndentationError", "expected an indented block after 'except' statement on line 3", 4, 0)]
    [InlineData("try:\n  pass\nfinally:\npass", "IndentationError", "expected an indented block after 'finally' statement on line 3", 4, 0)]
    [InlineData("if x:\n  pass\nelse:\npass", "IndentationError", "expected an indented block after 'else' statement on line 3", 4, 0)]
    [InlineData("if x:\n  pass\nelif y:\npass", "IndentationError", "expected an indented block after 'elif' statement on line 3", 4, 0)]
    [InlineData("with x:\npass", "IndentationError", "expected an indented block after 'with' statement on line 1", 2, 0)]
    [InlineData("async def f():\npass", "IndentationError", "expected an indented block after function definition on line 1", 2, 0)]
    [InlineData("if x:", "IndentationError", "expected an indented block after 'if' statement on line 1", 2, 0)]
    [InlineData("def f():\n    if x:\n    pass", "IndentationError", "expected an indented block after 'if' statement on line 2", 3, 4)]
    [InlineData("  x = 1", "IndentationError", "unexpected indent", 1, 1)]
    [InlineData("x = 1\n  y = 2", "IndentationError", "unexpected indent", 2, 1)]
    [InlineData("x=1\n    y=2", "IndentationError", "unexpected indent", 2, 3)]
    [InlineData("if x:\n    a\n        b", "IndentationError", "unexpected indent", 3, 7)]
    [InlineData("print(a b)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1, 6)]
    [InlineData("[1 2]", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1, 1)]
    [InlineData("x = (1 2)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1, 5)]
    [InlineData("f(a, b c)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1, 5)]
    [InlineData("f(a b=1)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1, 2)]
    [InlineData("x = 1 2", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("a b", "SyntaxError", "invalid syntax", 1, 2)]
    [InlineData("import", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("from x import", "SyntaxError", "invalid syntax", 1, 13)]
    [InlineData("from x import a,", "SyntaxError", "trailing comma not allowed without surrounding parentheses", 1, 16)]
    [InlineData("import a.b as c.d", "SyntaxError", "invalid syntax", 1, 15)]
    [InlineData("import a as 1", "SyntaxError", "invalid syntax", 1, 12)]
    [InlineData("try:\n  pass\nx = 1", "SyntaxError", "expected 'except' or 'finally' block", 3, 0)]
    [InlineData("try:\n  pass\nexcept A, B:\n  pass", "SyntaxError", "multiple exception types must be parenthesized", 3, 7)]
    [InlineData("x = b'a' 'b'", "SyntaxError", "cannot mix bytes and nonbytes literals", 1, 12)]
    [InlineData("x = 'a' b'b'", "SyntaxError", "cannot mix bytes and nonbytes literals", 1, 12)]
    [InlineData("x = 1 +", "SyntaxError", "invalid syntax", 1, 7)]
    [InlineData("else: pass", "SyntaxError", "invalid syntax", 1, 0)]
    [InlineData("elif x: pass", "SyntaxError", "invalid syntax", 1, 0)]
    [InlineData("f(**)", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("x = {1: 2, 3}", "SyntaxError", "':' expected after dictionary key", 1, 11)]
    [InlineData("x = {1, 2: 3}", "SyntaxError", "invalid syntax", 1, 9)]
    [InlineData("x = {**a, 3}", "SyntaxError", "':' expected after dictionary key", 1, 10)]
    [InlineData("x = [*a for a in b]", "SyntaxError", "iterable unpacking cannot be used in comprehension", 1, 5)]
    [InlineData("x = {**a for a in b}", "SyntaxError", "dict unpacking cannot be used in dict comprehension", 1, 5)]
    [InlineData("f'{}'", "SyntaxError", "f-string: empty expression not allowed", 1, 5)]
    [InlineData("f'{ }'", "SyntaxError", "f-string: empty expression not allowed", 1, 6)]
    [InlineData("f'{x'", "SyntaxError", "f-string: expecting '}'", 1, 5)]
    [InlineData("f'}'", "SyntaxError", "f-string: single '}' is not allowed", 1, 4)]
    [InlineData("f'{x}}'", "SyntaxError", "f-string: single '}' is not allowed", 1, 7)]
    [InlineData("f'{x!z}'", "SyntaxError", "f-string: invalid conversion character: expected 's', 'r', or 'a'", 1, 8)]
    [InlineData("f'{x!}'", "SyntaxError", "f-string: invalid conversion character: expected 's', 'r', or 'a'", 1, 7)]
    [InlineData("f'{x:{y:{z}}}'", "SyntaxError", "f-string: expressions nested too deeply", 1, 14)]
    [InlineData("f'{!r}'", "SyntaxError", "f-string: expression required before '!'", 1, 7)]
    [InlineData("f'{=}'", "SyntaxError", "f-string: expression required before '='", 1, 6)]
    [InlineData("f'{:x}'", "SyntaxError", "f-string: expression required before ':'", 1, 7)]
    [InlineData("f'{x)}'", "SyntaxError", "f-string: unmatched ')'", 1, 7)]
    [InlineData("f'{(x}'", "SyntaxError", "f-string: closing parenthesis '}' does not match opening parenthesis '('", 1, 7)]
    [InlineData("f'{\"a}'", "SyntaxError", "f-string: unterminated string", 1, 7)]
    [InlineData("f'{#}'", "SyntaxError", "f-string expression part cannot include '#'", 1, 6)]
    [InlineData("global x, 1", "SyntaxError", "invalid syntax", 1, 10)]
    [InlineData("nonlocal", "SyntaxError", "invalid syntax", 1, 8)]
    [InlineData("assert", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("raise from x", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("pass x", "SyntaxError", "invalid syntax", 1, 5)]
    [InlineData("break 1", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("x = 1 if 2", "SyntaxError", "expected 'else' after 'if' expression", 1, 4)]
    [InlineData("x = 1 if 2 else", "SyntaxError", "invalid syntax", 1, 15)]
    [InlineData("a = not", "SyntaxError", "invalid syntax", 1, 7)]
    [InlineData("a.1", "SyntaxError", "invalid syntax", 1, 1)]
    [InlineData("a.b.", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("await = 1", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("print 'hi'", "SyntaxError", "Missing parentheses in call to 'print'. Did you mean print(...)?", 1, 0)]
    [InlineData("print x", "SyntaxError", "Missing parentheses in call to 'print'. Did you mean print(...)?", 1, 0)]
    [InlineData("if x = 1: pass", "SyntaxError", "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 1, 3)]
    [InlineData("while x = 1: pass", "SyntaxError", "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 1, 6)]
    [InlineData("x = 1; ; y = 2", "SyntaxError", "invalid syntax", 1, 7)]
    [InlineData(";", "SyntaxError", "invalid syntax", 1, 0)]
    [InlineData("x = 1;;", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("if x: pass; else: pass", "SyntaxError", "invalid syntax", 1, 12)]
    [InlineData("@dec\nx = 1", "SyntaxError", "invalid syntax", 2, 0)]
    [InlineData("class C(x for x in y): pass", "SyntaxError", "invalid syntax", 1, 10)]
    [InlineData("class C(metaclass=M, x for x in y): pass", "SyntaxError", "Generator expression must be parenthesized", 1, 21)]
    [InlineData("x = (", "SyntaxError", "'(' was never closed", 1, 4)]
    [InlineData("x = [1, 2", "SyntaxError", "'[' was never closed", 1, 4)]
    [InlineData("x = ]", "SyntaxError", "unmatched ']'", 1, 4)]
    [InlineData("x = )", "SyntaxError", "unmatched ')'", 1, 4)]
    [InlineData("def f(:\n  pass", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("x = 0777", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1, 4)]
    [InlineData("if x:\n  pass\n else: pass", "IndentationError", "unindent does not match any outer indentation level", 3, 11)]
    public void Errors(string source, string kind, string message, int line, int column)
    {
        var e = Error(source + "\n");
        Assert.Equal((kind, message, line, column), (e.Kind, e.Msg, e.Line, e.Column));
        Assert.Equal("<test>", e.Filename);
    }

    [Fact]
    public void ErrorCarriesSourceLine()
    {
        var e = Error("x = 1\nif y\n    pass\n");
        Assert.Equal("expected ':'", e.Msg);
        Assert.Equal("if y", e.SourceLine);
        Assert.Equal((2, 4), (e.Line, e.Column));
    }

    [Fact]
    public void StarredExpressionInFString()
        => Assert.Equal("f-string: cannot use starred expression here", Error("f'{*a}'\n").Msg);

    [Fact]
    public void DeepNestingIsASyntaxErrorNotACrash()
    {
        foreach (var src in new[]
                 {
                     new string('-', 100_000) + "1\n",
                     string.Concat(Enumerable.Repeat("not ", 50_000)) + "x\n",
                     "x = " + string.Concat(Enumerable.Repeat("lambda: ", 20_000)) + "1\n",
                     "x = " + string.Concat(Enumerable.Repeat("a if b else ", 20_000)) + "1\n",
                     "x = " + string.Join(" ** ", Enumerable.Repeat("a", 50_000)) + "\n",
                 })
        {
            Assert.Equal("SyntaxError", Error(src).Kind);
        }
        // moderate nesting parses
        Assert.Single(Parse("x = " + new string('(', 50) + "1" + new string(')', 50) + "\n").Body);
    }

    // ------------------------------------------------------------------ fuzz

    private static readonly string[] Fragments =
    {
        "x", "y", "foo", "1", "2.5", "0x1f", "'s'", "f'{x}'", "f'{", "f'{x!r:>{y}}'", "f'}'", "b'b'", "(", ")", "[", "]",
        "{", "}", ",", ":", ";", ".", "=", "==", "+", "-", "*", "**", "/", "//", "%", "@", "<", ">", "<=", "!=", "->", ":=",
        "+=", "if", "else", "elif", "for", "in", "not", "and", "or", "is", "lambda", "def", "class", "return", "yield",
        "from", "import", "as", "with", "try", "except", "finally", "while", "break", "continue", "pass", "del", "global",
        "nonlocal", "assert", "raise", "async", "await", "None", "True", "False", "...", "\\", "#c", "'", "\"", "match",
        "case", "_", "print", "0777",
    };

    private static readonly string[] Seeds =
    {
        "x = 1", "a, *b = c", "def f(a, b=1, *args, c, d=2, **kwargs) -> int:\n    return a", "class C(B, metaclass=M):\n    x = 1",
        "for a, b in c:\n    pass\nelse:\n    d", "try:\n    a\nexcept E as e:\n    b\nfinally:\n    c", "with a as b, c as (d, e):\n    pass",
        "x = [i for i in y if i if z]", "f(a, *b, c=1, **d)", "x = {1: 2, **m}", "x = f'{a!r:>{w}} {b=}'", "lambda a, /, b=1, *, c: 0",
        "a[1:2, ::3]", "if a:\n    b\nelif c:\n    d", "x = a if b else c", "@d\nasync def f():\n    await x", "del a[0], b.c",
        "from . import (a, b,)", "import a.b as c", "while x:\n    break", "x: int = 3", "x += yield y", "print(*a, sep='')",
    };

    [Fact]
    public void FuzzRandomTokenSoupOnlyThrowsSyntaxErrors()
    {
        var rnd = new Random(20240611);
        var indents = new[] { "", "", "", "  ", "    ", "        ", "\t" };
        for (int i = 0; i < 3000; i++)
        {
            var sb = new StringBuilder();
            int lines = rnd.Next(1, 8);
            for (int l = 0; l < lines; l++)
            {
                sb.Append(indents[rnd.Next(indents.Length)]);
                int n = rnd.Next(0, 12);
                for (int j = 0; j < n; j++) sb.Append(Fragments[rnd.Next(Fragments.Length)]).Append(rnd.Next(4) == 0 ? "" : " ");
                sb.Append('\n');
            }
            CheckOnlySyntaxErrors(sb.ToString());
        }
    }

    [Fact]
    public void FuzzMutatedProgramsOnlyThrowSyntaxErrors()
    {
        var rnd = new Random(7);
        for (int i = 0; i < 3000; i++)
        {
            var chars = Seeds[rnd.Next(Seeds.Length)].ToList();
            int mutations = rnd.Next(1, 4);
            for (int m = 0; m < mutations && chars.Count > 0; m++)
            {
                int p = rnd.Next(chars.Count);
                switch (rnd.Next(3))
                {
                    case 0: chars.RemoveAt(p); break;
                    case 1: chars.Insert(p, chars[rnd.Next(chars.Count)]); break;
                    default: chars.InsertRange(p, Fragments[rnd.Next(Fragments.Length)] + " "); break;
                }
            }
            CheckOnlySyntaxErrors(new string(chars.ToArray()) + "\n");
        }
    }

    private static void CheckOnlySyntaxErrors(string source)
    {
        try
        {
            Parse(source);
        }
        catch (SyntaxErrorException e)
        {
            Assert.True(e.Line >= 1 && e.Column >= 0 && e.Msg.Length > 0, $"bad error {e.Msg} {e.Line}:{e.Column} for {source}");
            Assert.Contains(e.Kind, new[] { "SyntaxError", "IndentationError", "TabError" });
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message} for source:\n{source}\n{e.StackTrace}");
        }
    }

    /// <summary>A compact, reflection-free ast.dump: ctx is shown only when it is not Load.</summary>
    private static class Dump
    {
        public static string Of(Node? n) => n switch
        {
            null => "None",
            Module m => $"Module({L(m.Body)})",

            // statements
            ExprStmt e => $"Expr({Of(e.Value)})",
            Assign a => $"Assign({L(a.Targets)}, {Of(a.Value)})",
            AugAssign a => $"AugAssign({Of(a.Target)}, {a.Op}, {Of(a.Value)})",
            AnnAssign a => $"AnnAssign({Of(a.Target)}, {Of(a.Annotation)}, {Of(a.Value)}, simple={(a.Simple ? 1 : 0)})",
            Delete d => $"Delete({L(d.Targets)})",
            Pass => "Pass",
            Break => "Break",
            Continue => "Continue",
            Return r => $"Return({Of(r.Value)})",
            Raise r => $"Raise({Of(r.Exc)}, {Of(r.Cause)})",
            Global g => $"Global({string.Join(", ", g.Names)})",
            Nonlocal g => $"Nonlocal({string.Join(", ", g.Names)})",
            ToyPy.Parsing.Ast.Assert a => $"Assert({Of(a.Test)}, {Of(a.Msg)})",
            Import i => $"Import({L(i.Names)})",
            ImportFrom i => $"ImportFrom({i.ModuleName ?? "None"}, {L(i.Names)}, level={i.Level})",
            Alias a => a.AsName == null ? a.Name : $"{a.Name} as {a.AsName}",
            If i => $"If({Of(i.Test)}, {L(i.Body)}, {L(i.OrElse)})",
            While w => $"While({Of(w.Test)}, {L(w.Body)}, {L(w.OrElse)})",
            For f => $"{(f.IsAsync ? "AsyncFor" : "For")}({Of(f.Target)}, {Of(f.Iter)}, {L(f.Body)}, {L(f.OrElse)})",
            Try t => $"Try({L(t.Body)}, {L(t.Handlers)}, {L(t.OrElse)}, {L(t.FinalBody)})",
            ExceptHandler h => $"Except({Of(h.Type)}, {h.Name ?? "None"}, {L(h.Body)})",
            With w => $"{(w.IsAsync ? "AsyncWith" : "With")}({L(w.Items)}, {L(w.Body)})",
            WithItem i => i.OptionalVars == null ? Of(i.ContextExpr) : $"{Of(i.ContextExpr)} as {Of(i.OptionalVars)}",
            FunctionDef f => $"{(f.IsAsync ? "AsyncDef" : "Def")}({f.Name}, {Of(f.Args)}, {L(f.Body)}"
                             + (f.DecoratorList.Count > 0 ? $", decorators={L(f.DecoratorList)}" : "")
                             + (f.Returns != null ? $", returns={Of(f.Returns)}" : "") + ")",
            ClassDef c => $"Class({c.Name}, {L(c.Bases)}, {L(c.Keywords)}, {L(c.Body)}"
                          + (c.DecoratorList.Count > 0 ? $", decorators={L(c.DecoratorList)}" : "") + ")",
            Arguments a => ArgumentsOf(a),
            Arg a => a.Annotation == null ? a.Name : $"{a.Name}: {Of(a.Annotation)}",
            Keyword k => k.Arg == null ? $"**{Of(k.Value)}" : $"{k.Arg}={Of(k.Value)}",

            // expressions
            Name x => x.Ctx == ExprContext.Load ? $"Name({x.Id})" : $"Name({x.Id}, {x.Ctx})",
            Constant c => ConstantOf(c),
            BinOp b => $"BinOp({Of(b.Left)}, {b.Op}, {Of(b.Right)})",
            UnaryOp u => $"UnaryOp({u.Op}, {Of(u.Operand)})",
            BoolOp b => $"BoolOp({b.Op}, {L(b.Values)})",
            Compare c => $"Compare({Of(c.Left)}, [{string.Join(", ", c.Ops)}], {L(c.Comparators)})",
            IfExp i => $"IfExp({Of(i.Test)}, {Of(i.Body)}, {Of(i.OrElse)})",
            Lambda l => $"Lambda({Of(l.Args)}, {Of(l.Body)})",
            NamedExpr ne => $"NamedExpr({Of(ne.Target)}, {Of(ne.Value)})",
            Attribute a => $"Attribute({Of(a.Value)}, {a.Attr}{Ctx(a.Ctx)})",
            Subscript s => $"Subscript({Of(s.Value)}, {Of(s.Slice)}{Ctx(s.Ctx)})",
            Slice s => $"Slice({Of(s.Lower)}, {Of(s.Upper)}, {Of(s.Step)})",
            Starred s => $"Starred({Of(s.Value)}{Ctx(s.Ctx)})",
            Call c => $"Call({Of(c.Func)}, {L(c.Args)}, {L(c.Keywords)})",
            TupleExpr t => $"Tuple({L(t.Elts)}{Ctx(t.Ctx)})",
            ListExpr l => $"List({L(l.Elts)}{Ctx(l.Ctx)})",
            SetExpr s => $"Set({L(s.Elts)})",
            DictExpr d => "Dict([" + string.Join(", ", d.Keys.Select((k, i) => k == null ? $"**{Of(d.Values[i])}" : $"{Of(k)}: {Of(d.Values[i])}")) + "])",
            ListComp c => $"ListComp({Of(c.Elt)}, {L(c.Generators)})",
            SetComp c => $"SetComp({Of(c.Elt)}, {L(c.Generators)})",
            GeneratorExp c => $"GeneratorExp({Of(c.Elt)}, {L(c.Generators)})",
            DictComp c => $"DictComp({Of(c.Key)}, {Of(c.Value)}, {L(c.Generators)})",
            Comprehension c => $"{(c.IsAsync ? "async " : "")}for {Of(c.Target)} in {Of(c.Iter)}"
                               + string.Concat(c.Ifs.Select(i => " if " + Of(i))),
            Await a => $"Await({Of(a.Value)})",
            Yield y => $"Yield({Of(y.Value)})",
            YieldFrom y => $"YieldFrom({Of(y.Value)})",
            JoinedStr j => $"JoinedStr({L(j.Values)})",
            FormattedValue f => $"FormattedValue({Of(f.Value)}, {(f.Conversion < 0 ? "-1" : ((char)f.Conversion).ToString())}"
                                + (f.FormatSpec != null ? $", {Of(f.FormatSpec)}" : "") + ")",
            _ => n.GetType().Name,
        };

        private static string Ctx(ExprContext ctx) => ctx == ExprContext.Load ? "" : ", " + ctx;

        private static string L<T>(IEnumerable<T?> nodes) where T : Node
            => "[" + string.Join(", ", nodes.Select(x => Of(x))) + "]";

        private static string ArgumentsOf(Arguments a)
        {
            var parts = new List<string>();
            if (a.PosOnlyArgs.Count > 0) parts.Add("posonly=" + L(a.PosOnlyArgs));
            if (a.Args.Count > 0) parts.Add("args=" + L(a.Args));
            if (a.VarArg != null) parts.Add("vararg=" + Of(a.VarArg));
            if (a.KwOnlyArgs.Count > 0) parts.Add("kwonly=" + L(a.KwOnlyArgs));
            if (a.KwDefaults.Count > 0) parts.Add("kw_defaults=" + L(a.KwDefaults));
            if (a.KwArg != null) parts.Add("kwarg=" + Of(a.KwArg));
            if (a.Defaults.Count > 0) parts.Add("defaults=" + L(a.Defaults));
            return "Args(" + string.Join(", ", parts) + ")";
        }

        private static string ConstantOf(Constant c) => c.Kind switch
        {
            ConstantKind.None => "None",
            ConstantKind.True => "True",
            ConstantKind.False => "False",
            ConstantKind.Ellipsis => "...",
            ConstantKind.Int => c.IsBig ? $"Big({c.BigValue})" : c.IntValue.ToString(CultureInfo.InvariantCulture),
            ConstantKind.Float => c.FloatValue.ToString("R", CultureInfo.InvariantCulture) + "f",
            ConstantKind.Str => Quote(c.StrValue!),
            _ => "b" + Quote(c.StrValue!),
        };

        private static string Quote(string s)
        {
            var sb = new StringBuilder("'");
            foreach (var ch in s)
            {
                if (ch == '\n') sb.Append("\\n");
                else if (ch == '\t') sb.Append("\\t");
                else if (ch == '\'' || ch == '\\') sb.Append('\\').Append(ch);
                else if (ch < ' ' || ch > '~') sb.Append($"\\u{(int)ch:x4}");
                else sb.Append(ch);
            }
            return sb.Append('\'').ToString();
        }
    }
}
