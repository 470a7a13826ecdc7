using System.Diagnostics;
using System.Text;
using ToyPy.Lexing;
using ToyPy.Parsing;
using Xunit;
using K = ToyPy.Lexing.TokenKind;

namespace ToyPy.Tests;

public class LexerTests
{
    private static Token[] Lex(string src) => Lexer.Tokenize(src, "t.tpy");

    private static TokenKind[] Kinds(string src) => Lex(src).Select(t => t.Kind).ToArray();

    private static SyntaxErrorException Fail(string src) =>
        Assert.Throws<SyntaxErrorException>(() => Lexer.Tokenize(src, "t.tpy"));

    private static Token Single(string src, TokenKind kind)
    {
        var toks = Lex(src);
        Assert.Equal(kind, toks[0].Kind);
        return toks[0];
    }

    // ------------------------------------------------------------------
    // Logical lines, indentation, brackets
    // ------------------------------------------------------------------

    [Fact]
    public void SimpleStatement()
    {
        Assert.Equal(new[] { K.Name, K.Equal, K.Int, K.Newline, K.EndMarker }, Kinds("x = 1\n"));
    }

    [Fact]
    public void MissingFinalNewlineIsAdded()
    {
        var toks = Lex("x = 1");
        Assert.Equal(new[] { K.Name, K.Equal, K.Int, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal((1, 5, 1, 6), (toks[3].Line, toks[3].Column, toks[3].EndLine, toks[3].EndColumn));
        Assert.Equal((2, 0), (toks[4].Line, toks[4].Column));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("# just a comment")]
    [InlineData("   \n\t\n  # indented comment\n\n")]
    [InlineData("\uFEFF")]
    public void NoLogicalLines(string src)
    {
        Assert.Equal(new[] { K.EndMarker }, Kinds(src));
    }

    [Fact]
    public void NestedBlocksWithMultipleDedents()
    {
        const string src = "if a:\n    if b:\n        c\n    d\ne\n";
        Assert.Equal(new[]
        {
            K.If, K.Name, K.Colon, K.Newline,
            K.Indent, K.If, K.Name, K.Colon, K.Newline,
            K.Indent, K.Name, K.Newline,
            K.Dedent, K.Name, K.Newline,
            K.Dedent, K.Name, K.Newline,
            K.EndMarker,
        }, Kinds(src));
    }

    [Fact]
    public void TwoDedentsAtOnce()
    {
        Assert.Equal(new[] { K.If, K.Name, K.Colon, K.Newline, K.Indent, K.If, K.Name, K.Colon, K.Newline, K.Indent, K.Name, K.Newline,
                             K.Dedent, K.Dedent, K.Name, K.Newline, K.EndMarker },
            Kinds("if a:\n  if b:\n    c\nd\n"));
    }

    [Fact]
    public void DedentsAtEndOfFile()
    {
        var toks = Lex("def f():\n  if x:\n    return 1\n");
        Assert.Equal(new[] { K.Def, K.Name, K.LParen, K.RParen, K.Colon, K.Newline, K.Indent, K.If, K.Name, K.Colon, K.Newline,
                             K.Indent, K.Return, K.Int, K.Newline, K.Dedent, K.Dedent, K.EndMarker }, toks.Select(t => t.Kind));
        foreach (var t in toks[^3..]) Assert.Equal((4, 0, 4, 0), (t.Line, t.Column, t.EndLine, t.EndColumn));
    }

    [Fact]
    public void DedentsAtEndOfFileWithoutNewline()
    {
        Assert.Equal(new[] { K.While, K.Name, K.Colon, K.Newline, K.Indent, K.Pass, K.Newline, K.Dedent, K.EndMarker },
            Kinds("while x:\n\tpass"));
    }

    [Fact]
    public void IndentAndDedentPositions()
    {
        var toks = Lex("if a:\n    b\nc\n");
        var indent = toks[4];
        Assert.Equal(K.Indent, indent.Kind);
        Assert.Equal((2, 4, 2, 4), (indent.Line, indent.Column, indent.EndLine, indent.EndColumn));
        var dedent = toks[7];
        Assert.Equal(K.Dedent, dedent.Kind);
        Assert.Equal((3, 0, 3, 0), (dedent.Line, dedent.Column, dedent.EndLine, dedent.EndColumn));
    }

    [Fact]
    public void UnexpectedIndentIsLeftToTheParser()
    {
        Assert.Equal(new[] { K.Name, K.Newline, K.Indent, K.Name, K.Newline, K.Dedent, K.EndMarker }, Kinds("a\n  b\n"));
    }

    [Fact]
    public void BlankAndCommentLinesDoNotAffectIndentation()
    {
        const string src = "if a:\n  b\n\n# top comment\n        # deep comment\n  \t\n  c\n";
        Assert.Equal(new[] { K.If, K.Name, K.Colon, K.Newline, K.Indent, K.Name, K.Newline, K.Name, K.Newline, K.Dedent, K.EndMarker },
            Kinds(src));
    }

    [Fact]
    public void CommentAfterCodeEndsWithNewlineAtLineEnd()
    {
        var toks = Lex("x = 1  # comment\n");
        Assert.Equal(new[] { K.Name, K.Equal, K.Int, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal((1, 16), (toks[3].Line, toks[3].Column));
    }

    [Fact]
    public void BracketsSuppressNewlinesAndIndentation()
    {
        const string src = "x = (1,\n        2)\ny = [\n  3,\n# c\n]\nz = {\n'a':\n    1}\n";
        Assert.Equal(new[]
        {
            K.Name, K.Equal, K.LParen, K.Int, K.Comma, K.Int, K.RParen, K.Newline,
            K.Name, K.Equal, K.LBracket, K.Int, K.Comma, K.RBracket, K.Newline,
            K.Name, K.Equal, K.LBrace, K.String, K.Colon, K.Int, K.RBrace, K.Newline,
            K.EndMarker,
        }, Kinds(src));
    }

    [Fact]
    public void BackslashContinuationJoinsLines()
    {
        var toks = Lex("x = 1 + \\\n        2\ny\n");
        Assert.Equal(new[] { K.Name, K.Equal, K.Int, K.Plus, K.Int, K.Newline, K.Name, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal((2, 8), (toks[4].Line, toks[4].Column));
    }

    [Fact]
    public void BackslashContinuationInIndentationUsesTheFirstColumn()
    {
        // CPython: the first backslash found determines the indentation of what follows
        Assert.Equal(new[] { K.If, K.Int, K.Colon, K.Newline, K.Indent, K.Name, K.Newline, K.Name, K.Newline, K.Dedent, K.EndMarker },
            Kinds("if 1:\n  x\n  \\\ny\n"));
    }

    [Fact]
    public void FormFeedResetsIndentation()
    {
        Assert.Equal(new[] { K.If, K.Int, K.Colon, K.Newline, K.Indent, K.Name, K.Newline, K.Name, K.Newline, K.Dedent, K.EndMarker },
            Kinds("if 1:\n    x\n  \f    y\n"));
    }

    [Fact]
    public void TabsAndSpacesConsistentlyUsed()
    {
        Assert.Equal(new[] { K.If, K.Int, K.Colon, K.Newline, K.Indent, K.If, K.Int, K.Colon, K.Newline, K.Indent, K.Name, K.Newline,
                             K.Dedent, K.Name, K.Newline, K.Dedent, K.EndMarker },
            Kinds("if 1:\n\tif 1:\n\t\tx\n\ty\n"));
        Assert.Equal(new[] { K.If, K.Int, K.Colon, K.Newline, K.Indent, K.Name, K.Newline, K.Name, K.Newline, K.Dedent, K.EndMarker },
            Kinds("if 1:\n  \tx\n  \ty\n"));
    }

    [Theory]
    [InlineData("a\r\nb\r\n")]
    [InlineData("a\rb\r")]
    [InlineData("a\nb")]
    [InlineData("\uFEFFa\nb\n")]
    public void NewlineStylesAndBom(string src)
    {
        var toks = Lex(src);
        Assert.Equal(new[] { K.Name, K.Newline, K.Name, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal((2, 0), (toks[2].Line, toks[2].Column));
        Assert.Equal((1, 0), (toks[0].Line, toks[0].Column));
    }

    [Fact]
    public void CrLfInsideTripleQuotedStringBecomesLf()
    {
        Assert.Equal("a\nb", Single("'''a\r\nb'''\r\n", K.String).Text);
    }

    // ------------------------------------------------------------------
    // Names, keywords, operators
    // ------------------------------------------------------------------

    [Fact]
    public void Keywords()
    {
        const string src = "False None True and as assert async await break class continue def del elif else " +
                           "except finally for from global if import in is lambda nonlocal not or pass raise " +
                           "return try while with yield\n";
        var toks = Lex(src);
        Assert.Equal(new[] { K.False, K.None, K.True, K.And, K.As, K.Assert, K.Async, K.Await, K.Break, K.Class, K.Continue, K.Def, K.Del,
                             K.Elif, K.Else, K.Except, K.Finally, K.For, K.From, K.Global, K.If, K.Import, K.In, K.Is, K.Lambda, K.Nonlocal,
                             K.Not, K.Or, K.Pass, K.Raise, K.Return, K.Try, K.While, K.With, K.Yield, K.Newline, K.EndMarker },
            toks.Select(t => t.Kind));
        Assert.Equal(src.TrimEnd('\n').Split(' '), toks[..^2].Select(t => t.Text));
    }

    [Fact]
    public void SoftKeywordsAndKeywordLookalikesAreNames()
    {
        var toks = Lex("match case _ type If NONE iff _if print__ __init__ async_\n");
        Assert.All(toks[..^2], t => Assert.Equal(K.Name, t.Kind));
        Assert.Equal(new[] { "match", "case", "_", "type", "If", "NONE", "iff", "_if", "print__", "__init__", "async_" },
            toks[..^2].Select(t => t.Text));
    }

    [Fact]
    public void UnicodeIdentifiers()
    {
        var toks = Lex("caf\u00e9 = \u03c0 if False else \u540d\u524d_1 + x\u0301\n");
        Assert.Equal(new[] { K.Name, K.Equal, K.Name, K.If, K.False, K.Else, K.Name, K.Plus, K.Name, K.Newline, K.EndMarker },
            toks.Select(t => t.Kind));
        Assert.Equal("caf\u00e9", toks[0].Text);
        Assert.Equal("\u540d\u524d_1", toks[6].Text);
        Assert.Equal("x\u0301", toks[8].Text);
    }

    [Fact]
    public void EveryOperator()
    {
        const string src = "( ) [ ] { } : , ; . ... -> @ := + - * / // % ** & | ^ ~ << >> < > <= >= == != = " +
                           "+= -= *= /= //= %= **= &= |= ^= <<= >>= @=\n";
        var expected = new[]
        {
            K.LParen, K.RParen, K.LBracket, K.RBracket, K.LBrace, K.RBrace, K.Colon, K.Comma, K.Semicolon, K.Dot, K.Ellipsis,
            K.Arrow, K.At, K.ColonEqual, K.Plus, K.Minus, K.Star, K.Slash, K.DoubleSlash, K.Percent, K.DoubleStar, K.Amper, K.VBar,
            K.Circumflex, K.Tilde, K.LeftShift, K.RightShift, K.Less, K.Greater, K.LessEqual, K.GreaterEqual, K.EqEqual, K.NotEqual,
            K.Equal, K.PlusEqual, K.MinusEqual, K.StarEqual, K.SlashEqual, K.DoubleSlashEqual, K.PercentEqual, K.DoubleStarEqual,
            K.AmperEqual, K.VBarEqual, K.CircumflexEqual, K.LeftShiftEqual, K.RightShiftEqual, K.AtEqual, K.Newline, K.EndMarker,
        };
        var toks = Lex(src);
        Assert.Equal(expected, toks.Select(t => t.Kind));
        var texts = src.TrimEnd('\n').Split(' ');
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], toks[i].Text);
            Assert.Equal(texts[i].Length, toks[i].EndColumn - toks[i].Column);
        }
    }

    [Fact]
    public void OperatorsLongestMatchWithoutSpaces()
    {
        Assert.Equal(new[] { K.Name, K.DoubleStarEqual, K.Name, K.DoubleSlash, K.Minus, K.Name, K.RightShiftEqual, K.Int, K.Newline, K.EndMarker },
            Kinds("a**=b//-c>>=1\n"));
        Assert.Equal(new[] { K.Name, K.LParen, K.Star, K.Comma, K.DoubleStar, K.Name, K.RParen, K.Arrow, K.Name, K.Colon, K.Newline, K.EndMarker },
            Kinds("f(*,**k)->x:\n"));
        Assert.Equal(new[] { K.Ellipsis, K.Dot, K.Dot, K.Newline, K.EndMarker }, Kinds("....\t. \n"));
        Assert.Equal(new[] { K.Name, K.ColonEqual, K.Name, K.EqEqual, K.Equal, K.Name, K.Newline, K.EndMarker }, Kinds("a:=b===c\n"));
    }

    // ------------------------------------------------------------------
    // Numbers
    // ------------------------------------------------------------------

    [Theory]
    [InlineData("0", false)]
    [InlineData("00", false)]
    [InlineData("0_0", false)]
    [InlineData("7", false)]
    [InlineData("1_000_000", false)]
    [InlineData("0x1F", false)]
    [InlineData("0Xdead_BEEF", false)]
    [InlineData("0x_1", false)]
    [InlineData("0o17", false)]
    [InlineData("0O_7_7", false)]
    [InlineData("0b1010", false)]
    [InlineData("0B_1_0", false)]
    [InlineData("123456789012345678901234567890", false)]
    [InlineData("1.5", true)]
    [InlineData(".5", true)]
    [InlineData("1.", true)]
    [InlineData("1e10", true)]
    [InlineData("1E+10", true)]
    [InlineData("1.5e-3", true)]
    [InlineData("1_000.000_1", true)]
    [InlineData("1e1_0", true)]
    [InlineData("09.5", true)]
    [InlineData("00.5", true)]
    [InlineData("0e0", true)]
    [InlineData("07e1", true)]
    [InlineData("1.e5", true)]
    public void NumberLiterals(string literal, bool isFloat)
    {
        var toks = Lex("x = " + literal + "\n");
        Assert.Equal(new[] { K.Name, K.Equal, isFloat ? K.Float : K.Int, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal(literal, toks[2].Text);
        Assert.Equal((1, 4, 1, 4 + literal.Length), (toks[2].Line, toks[2].Column, toks[2].EndLine, toks[2].EndColumn));
    }

    [Theory]
    [InlineData("1if x else 2", new[] { K.Int, K.If, K.Name, K.Else, K.Int })]
    [InlineData("1else", new[] { K.Int, K.Else })]
    [InlineData("1.5else", new[] { K.Float, K.Else })]
    [InlineData("0x1for", new[] { K.Int, K.Or })] // 0x1f or
    [InlineData("1or 2", new[] { K.Int, K.Or, K.Int })]
    [InlineData("1and 2", new[] { K.Int, K.And, K.Int })]
    [InlineData("1in x", new[] { K.Int, K.In, K.Name })]
    [InlineData("1is x", new[] { K.Int, K.Is, K.Name })]
    [InlineData("1not in x", new[] { K.Int, K.Not, K.In, K.Name })]
    [InlineData("1 .real", new[] { K.Int, K.Dot, K.Name })]
    [InlineData("1.5.5", new[] { K.Float, K.Float })]
    [InlineData("1\u00e9", new[] { K.Int, K.Name })] // CPython: "invalid syntax" from the parser
    public void NumbersFollowedByKeywordsOrDots(string src, TokenKind[] expected)
    {
        Assert.Equal(expected.Append(K.Newline).Append(K.EndMarker), Kinds(src));
    }

    // ------------------------------------------------------------------
    // Strings
    // ------------------------------------------------------------------

    [Theory]
    [InlineData("'abc'", "abc", StringPrefix.None)]
    [InlineData("\"abc\"", "abc", StringPrefix.None)]
    [InlineData("''", "", StringPrefix.None)]
    [InlineData("\"\"", "", StringPrefix.None)]
    [InlineData("''''''", "", StringPrefix.None)]
    [InlineData("'''a'b''c'''", "a'b''c", StringPrefix.None)]
    [InlineData("\"\"\"a\"b\"\"c\"\"\"", "a\"b\"\"c", StringPrefix.None)]
    [InlineData("'\"'", "\"", StringPrefix.None)]
    [InlineData("'\u00e9\U0001F600'", "\u00e9\U0001F600", StringPrefix.None)]
    [InlineData("u'x'", "x", StringPrefix.None)]
    [InlineData("U\"x\"", "x", StringPrefix.None)]
    [InlineData("r'a\\nb'", "a\\nb", StringPrefix.Raw)]
    [InlineData("R'\\''", "\\'", StringPrefix.Raw)]
    [InlineData("r'\\\\'", "\\\\", StringPrefix.Raw)]
    [InlineData("b'ab'", "ab", StringPrefix.Bytes)]
    [InlineData("B'\\x00\\xff'", "\u0000\u00ff", StringPrefix.Bytes)]
    [InlineData("rb'\\x00'", "\\x00", StringPrefix.Raw | StringPrefix.Bytes)]
    [InlineData("bR'a'", "a", StringPrefix.Raw | StringPrefix.Bytes)]
    [InlineData("Br'a'", "a", StringPrefix.Raw | StringPrefix.Bytes)]
    [InlineData("RB'a'", "a", StringPrefix.Raw | StringPrefix.Bytes)]
    public void StringForms(string literal, string value, StringPrefix prefix)
    {
        var t = Single(literal + "\n", K.String);
        Assert.Equal(value, t.Text);
        Assert.Equal(prefix, t.Prefix);
        int cps = literal.EnumerateRunes().Count();
        Assert.Equal((1, 0, 1, cps), (t.Line, t.Column, t.EndLine, t.EndColumn));
    }

    [Theory]
    [InlineData(@"'\\'", "\\")]
    [InlineData(@"'\''", "'")]
    [InlineData(@"'\""'", "\"")]
    [InlineData(@"""\""""", "\"")]
    [InlineData(@"'\a\b\f\n\r\t\v'", "\a\b\f\n\r\t\v")]
    [InlineData(@"'\0\12\101\1011'", "\0\n\u0041\u00411")]
    [InlineData(@"'\777'", "\u01ff")]
    [InlineData(@"'\x41\xfF'", "A\u00ff")]
    [InlineData(@"'\u20ac\u00e9'", "\u20ac\u00e9")]
    [InlineData(@"'\U0001F600\U00000041'", "\U0001F600A")]
    [InlineData(@"'\N{BULLET}\N{em dash}\N{LATIN SMALL LETTER E WITH ACUTE}'", "\u2022\u2014\u00e9")]
    [InlineData(@"'\N{GREEK SMALL LETTER ALPHA}\N{LF}\N{NO-BREAK SPACE}'", "\u03b1\n\u00a0")]
    [InlineData(@"'\N{CJK UNIFIED IDEOGRAPH-4E00}\N{HANGUL SYLLABLE GAG}'", "\u4e00\uac01")]
    [InlineData(@"'\d\w\ \%\8'", @"\d\w\ \%\8")]
    [InlineData("'a\\\nb'", "ab")]
    [InlineData("'''a\\\nb\nc'''", "ab\nc")]
    [InlineData("'\u00e9\\\u00e9'", "\u00e9\\\u00e9")]
    [InlineData(@"b'\x41\777\101\N{BULLET}\u1234\q'", "A\u00ffA" + @"\N{BULLET}\u1234\q")]
    [InlineData("b'\\\n'", "")]
    public void StringEscapes(string literal, string value)
    {
        Assert.Equal(value, Lex(literal + "\n")[0].Text);
    }

    [Fact]
    public void LoneSurrogateEscape()
    {
        Assert.Equal("\ud800x", Lex("'\\uD800x'\n")[0].Text);
    }

    [Fact]
    public void TripleQuotedStringSpansLines()
    {
        var toks = Lex("x = '''first\n  second\n'''  + y\n");
        var s = toks[2];
        Assert.Equal(K.String, s.Kind);
        Assert.Equal("first\n  second\n", s.Text);
        Assert.Equal((1, 4, 3, 3), (s.Line, s.Column, s.EndLine, s.EndColumn));
        Assert.Equal((3, 5), (toks[3].Line, toks[3].Column));
        Assert.Equal(new[] { K.Name, K.Equal, K.String, K.Plus, K.Name, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
    }

    [Fact]
    public void TripleQuotedStringEndsAtFirstTripleQuote()
    {
        var toks = Lex("'''a'''' '\n");
        Assert.Equal(new[] { K.String, K.String, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal("a", toks[0].Text);
        Assert.Equal(" ", toks[1].Text);
        Assert.Equal("a\\'", Lex("r'''a\\''''\n")[0].Text);
    }

    [Fact]
    public void AdjacentLiteralsAreSeparateTokens()
    {
        var toks = Lex("x = 'a' \"b\" f'c' b'd'\n");
        Assert.Equal(new[] { K.Name, K.Equal, K.String, K.String, K.FString, K.String, K.Newline, K.EndMarker }, toks.Select(t => t.Kind));
        Assert.Equal(new[] { "a", "b", "c", "d" }, toks[2..6].Select(t => t.Text));
    }

    [Theory]
    [InlineData("f'{x!r:>{w}} \\n {{'", "{x!r:>{w}} \\n {{", StringPrefix.Format)]
    [InlineData("F\"{a['k']}\"", "{a['k']}", StringPrefix.Format)]
    [InlineData("rf'\\d{x}'", "\\d{x}", StringPrefix.Format | StringPrefix.Raw)]
    [InlineData("fR'{x}'", "{x}", StringPrefix.Format | StringPrefix.Raw)]
    [InlineData("f'''{\nx\n}'''", "{\nx\n}", StringPrefix.Format)]
    [InlineData("f'\\''", "\\'", StringPrefix.Format)]
    [InlineData("f'\\N{BULLET} {x}'", "\\N{BULLET} {x}", StringPrefix.Format)]
    [InlineData("f'\\x4'", "\\x4", StringPrefix.Format)]
    [InlineData("f''", "", StringPrefix.Format)]
    public void FStringsKeepTheRawBody(string literal, string body, StringPrefix prefix)
    {
        var t = Single(literal + "\n", K.FString);
        Assert.Equal(body, t.Text);
        Assert.Equal(prefix, t.Prefix);
    }

    [Theory]
    [InlineData("ub'x'")]
    [InlineData("ur'x'")]
    [InlineData("bf'x'")]
    [InlineData("fb'x'")]
    [InlineData("rr'x'")]
    [InlineData("bu'x'")]
    public void InvalidPrefixesAreANameFollowedByAString(string src)
    {
        Assert.Equal(new[] { K.Name, K.String, K.Newline, K.EndMarker }, Kinds(src));
    }

    [Fact]
    public void DecodeHelperForFStringParts()
    {
        Assert.True(Lexer.TryDecodeEscapes(@"a\n\x41\N{BULLET}", false, out var v, out var err));
        Assert.Equal("a\nA\u2022", v);
        Assert.Null(err);
        Assert.False(Lexer.TryDecodeEscapes(@"ab\x4", false, out _, out err));
        Assert.Equal(@"(unicode error) 'unicodeescape' codec can't decode bytes in position 2-4: truncated \xXX escape", err);
        Assert.False(Lexer.TryDecodeEscapes(@"\x", true, out _, out err));
        Assert.Equal(@"(value error) invalid \x escape at position 0", err);
    }

    // ------------------------------------------------------------------
    // Positions
    // ------------------------------------------------------------------

    [Fact]
    public void TokenPositions()
    {
        var toks = Lex("def f(a):\n    return a  # c\n");
        var expected = new (TokenKind, int, int, int, int)[]
        {
            (K.Def, 1, 0, 1, 3), (K.Name, 1, 4, 1, 5), (K.LParen, 1, 5, 1, 6), (K.Name, 1, 6, 1, 7),
            (K.RParen, 1, 7, 1, 8), (K.Colon, 1, 8, 1, 9), (K.Newline, 1, 9, 1, 10),
            (K.Indent, 2, 4, 2, 4), (K.Return, 2, 4, 2, 10), (K.Name, 2, 11, 2, 12), (K.Newline, 2, 17, 2, 18),
            (K.Dedent, 3, 0, 3, 0), (K.EndMarker, 3, 0, 3, 0),
        };
        Assert.Equal(expected, toks.Select(t => (t.Kind, t.Line, t.Column, t.EndLine, t.EndColumn)));
    }

    [Fact]
    public void ColumnsCountCodePoints()
    {
        var toks = Lex("s = '\U0001F600\u00e9' + x\u00e9\U0001F600y\n".Replace("\U0001F600y", "y"));
        Assert.Equal((1, 4, 1, 8), (toks[2].Line, toks[2].Column, toks[2].EndLine, toks[2].EndColumn));
        Assert.Equal((9, 10), (toks[3].Column, toks[3].EndColumn));
        Assert.Equal((11, 14), (toks[4].Column, toks[4].EndColumn));
    }

    [Fact]
    public void TabsCountAsOneColumn()
    {
        var toks = Lex("if x:\n\ty = 1\n");
        Assert.Equal((2, 1), (toks[4].Line, toks[4].Column)); // INDENT
        Assert.Equal((2, 1), (toks[5].Line, toks[5].Column));
    }

    // ------------------------------------------------------------------
    // Errors (expected values produced by CPython 3.11 running the file;
    // the column is CPython's offset minus one)
    // ------------------------------------------------------------------

    [Theory]
    [InlineData("x = (1,\n", "SyntaxError", "'(' was never closed", 1, 4)]
    [InlineData("x = )\n", "SyntaxError", "unmatched ')'", 1, 4)]
    [InlineData("x = (]\n", "SyntaxError", "closing parenthesis ']' does not match opening parenthesis '('", 1, 5)]
    [InlineData("x = [1,\n 2)\n", "SyntaxError", "closing parenthesis ')' does not match opening parenthesis '[' on line 1", 2, 2)]
    [InlineData("x = {\n\n", "SyntaxError", "'{' was never closed", 1, 4)]
    [InlineData("x = [(\n", "SyntaxError", "'(' was never closed", 1, 5)]
    [InlineData("x=1\n)\n", "SyntaxError", "unmatched ')'", 2, 0)]
    [InlineData("x = 012\n", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1, 4)]
    [InlineData("x=0_9\n", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1, 2)]
    [InlineData("x = 1__0\n", "SyntaxError", "invalid decimal literal", 1, 5)]
    [InlineData("x = 0x\n", "SyntaxError", "invalid hexadecimal literal", 1, 5)]
    [InlineData("x = 0xg\n", "SyntaxError", "invalid hexadecimal literal", 1, 5)]
    [InlineData("x = 0o8\n", "SyntaxError", "invalid digit '8' in octal literal", 1, 6)]
    [InlineData("x = 0b2\n", "SyntaxError", "invalid digit '2' in binary literal", 1, 6)]
    [InlineData("x = 0b1_\n", "SyntaxError", "invalid binary literal", 1, 7)]
    [InlineData("x = 0o\n", "SyntaxError", "invalid octal literal", 1, 5)]
    [InlineData("x = 0b\n", "SyntaxError", "invalid binary literal", 1, 5)]
    [InlineData("x = 1_\n", "SyntaxError", "invalid decimal literal", 1, 5)]
    [InlineData("x = 1e\n", "SyntaxError", "invalid decimal literal", 1, 4)]
    [InlineData("x = 1e+\n", "SyntaxError", "invalid decimal literal", 1, 6)]
    [InlineData("x = 1.5x\n", "SyntaxError", "invalid decimal literal", 1, 6)]
    [InlineData("x = 1abc\n", "SyntaxError", "invalid decimal literal", 1, 4)]
    [InlineData("x=1._5\n", "SyntaxError", "invalid decimal literal", 1, 3)]
    [InlineData("x=1e_1\n", "SyntaxError", "invalid decimal literal", 1, 2)]
    [InlineData("x = 1jk\n", "SyntaxError", "invalid imaginary literal", 1, 5)]
    [InlineData("x=0o17a\n", "SyntaxError", "invalid octal literal", 1, 5)]
    [InlineData("x=0x1g\n", "SyntaxError", "invalid hexadecimal literal", 1, 4)]
    [InlineData("x = 1andy\n", "SyntaxError", "invalid decimal literal", 1, 4)]
    [InlineData("x = 'abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 1, 4)]
    [InlineData("x = \"abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 1, 4)]
    [InlineData("x = rb'abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 1, 4)]
    [InlineData("x = '''abc\n\n", "SyntaxError", "unterminated triple-quoted string literal (detected at line 2)", 1, 4)]
    [InlineData("x = '''abc", "SyntaxError", "unterminated triple-quoted string literal (detected at line 1)", 1, 4)]
    [InlineData("x = (\nrb'''abc\n", "SyntaxError", "unterminated triple-quoted string literal (detected at line 2)", 2, 0)]
    [InlineData("x = \"a\\\nb\n", "SyntaxError", "unterminated string literal (detected at line 2)", 1, 4)]
    [InlineData("x = b'é'\n", "SyntaxError", "bytes can only contain ASCII literal characters", 1, 4)]
    [InlineData("x = rb\"é\"\n", "SyntaxError", "bytes can only contain ASCII literal characters", 1, 4)]
    [InlineData("x = '\\N{FOO}'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-6: unknown Unicode character name", 1, 13)]
    [InlineData("x = '\\x4'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 1, 9)]
    [InlineData("x = b'\\x4'\n", "SyntaxError", "(value error) invalid \\x escape at position 0", 1, 10)]
    [InlineData("x = b\"ab\\xzz\"\n", "SyntaxError", "(value error) invalid \\x escape at position 2", 1, 13)]
    [InlineData("x = '\\u12'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-3: truncated \\uXXXX escape", 1, 10)]
    [InlineData("x = '\\U1234567'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-8: truncated \\UXXXXXXXX escape", 1, 15)]
    [InlineData("x='\\U00110000'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-9: illegal Unicode character", 1, 14)]
    [InlineData("x = \"é\\x4\"\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 10-12: truncated \\xXX escape", 1, 11)]
    [InlineData("x = '\\N'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-1: malformed \\N character escape", 1, 8)]
    [InlineData("x = '\\N{}'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: malformed \\N character escape", 1, 10)]
    [InlineData("x = '\\N{abc'\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-5: malformed \\N character escape", 1, 12)]
    [InlineData("x = '\\x4' + 1\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 1, 10)]
    [InlineData("x = '\\x4' 'a' f'b' + 1\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 1, 19)]
    [InlineData("x = ('\\x4' #c\n)\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 2, 0)]
    [InlineData("x = \"\"\"\nabc\\x4\n\"\"\"\n", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 4-6: truncated \\xXX escape", 3, 3)]
    [InlineData("if 1:\n  x\n y\n", "IndentationError", "unindent does not match any outer indentation level", 3, 2)]
    [InlineData("if 1:\n  x\n y = 1\n", "IndentationError", "unindent does not match any outer indentation level", 3, 6)]
    [InlineData("if 1:\n\tx\n        y\n", "TabError", "inconsistent use of tabs and spaces in indentation", 3, 0)]
    [InlineData("if 1:\n        x\n\ty\n", "TabError", "inconsistent use of tabs and spaces in indentation", 3, 0)]
    [InlineData("if 1:\n  \tx\n\t  y\n", "TabError", "inconsistent use of tabs and spaces in indentation", 3, 0)]
    [InlineData("\u000cif 1:\n    x\n\u000c  y\n", "IndentationError", "unindent does not match any outer indentation level", 3, 4)]
    [InlineData("x = 1 \\ 2\n", "SyntaxError", "unexpected character after line continuation character", 1, 7)]
    [InlineData("x=1\ny = 1 \\ 2\n", "SyntaxError", "unexpected character after line continuation character", 2, 7)]
    [InlineData("x = '''a\nb''' \\ 1\n", "SyntaxError", "unexpected character after line continuation character", 2, 15)]
    [InlineData("x = 1 + \\\n 2 \\ 3\n", "SyntaxError", "unexpected character after line continuation character", 2, 14)]
    [InlineData("(1,\n 2 \\ 3)\n", "SyntaxError", "unexpected character after line continuation character", 2, 4)]
    [InlineData("x = 1 \\\n", "SyntaxError", "unexpected EOF while parsing", 1, 7)]
    [InlineData("x = 1\n\\", "SyntaxError", "unexpected EOF while parsing", 2, 0)]
    [InlineData("x = 1 + \\\n 2 + \\\n", "SyntaxError", "unexpected EOF while parsing", 2, 6)]
    [InlineData("x = $\n", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("x = ?\n", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("x = a ! b\n", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("x = `\n", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("x = 1 <> 2\n", "SyntaxError", "invalid syntax", 1, 6)]
    [InlineData("$€\n", "SyntaxError", "invalid character '€' (U+20AC)", 1, 1)]
    [InlineData("{<>€\n", "SyntaxError", "invalid character '€' (U+20AC)", 1, 3)]
    [InlineData("x = $\ny = 'abc\n", "SyntaxError", "unterminated string literal (detected at line 2)", 2, 4)]
    [InlineData("x = $\nif 1:\n  a\n b\n", "SyntaxError", "invalid syntax", 1, 4)]
    [InlineData("x = €\n", "SyntaxError", "invalid character '€' (U+20AC)", 1, 4)]
    [InlineData("x = a€b\n", "SyntaxError", "invalid character '€' (U+20AC)", 1, 5)]
    [InlineData("x = \u00a0\n", "SyntaxError", "invalid non-printable character U+00A0", 1, 4)]
    [InlineData("x = \u200b\n", "SyntaxError", "invalid non-printable character U+200B", 1, 4)]
    [InlineData("x = \U0001f600\n", "SyntaxError", "invalid character '\U0001f600' (U+1F600)", 1, 4)]
    [InlineData("x = a\U0001f600\n", "SyntaxError", "invalid character '\U0001f600' (U+1F600)", 1, 5)]
    [InlineData("x = ²\n", "SyntaxError", "invalid character '²' (U+00B2)", 1, 4)]
    [InlineData("x=\u0001\n", "SyntaxError", "invalid non-printable character U+0001", 1, 2)]
    [InlineData("x=\u000b\n", "SyntaxError", "invalid non-printable character U+000B", 1, 2)]
    [InlineData("\u007f\n", "SyntaxError", "invalid non-printable character U+007F", 1, 0)]
    [InlineData("x = 1\u0000\n", "SyntaxError", "source code cannot contain null bytes", 1, 0)]
    [InlineData("if 1:\n  x\n\u0000\n", "SyntaxError", "source code cannot contain null bytes", 3, 0)]
    [InlineData("x = '\U0001f600' + (\n", "SyntaxError", "'(' was never closed", 1, 13)]
    [InlineData("x = '\U0001f600' + ) \n", "SyntaxError", "unmatched ')'", 1, 10)]
    [InlineData("x = '\U0001f600' + 0x\n", "SyntaxError", "invalid hexadecimal literal", 1, 11)]
    [InlineData("s = '\U0001f600'; x = 'abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 1, 13)]
    [InlineData("s = '\U0001f600'; x = b'é'\n", "SyntaxError", "bytes can only contain ASCII literal characters", 1, 16)]
    [InlineData("s = '\U0001f600'; x = 012\n", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 1, 16)]
    [InlineData("x = 'é' \\ 1\n", "SyntaxError", "unexpected character after line continuation character", 1, 10)]
    [InlineData("if 1:\n  x\n y = 'é'\n", "IndentationError", "unindent does not match any outer indentation level", 3, 9)]
    [InlineData("x = 1.__class__\n", "SyntaxError", "invalid decimal literal", 1, 5)]
    [InlineData("x = 1j\n", "SyntaxError", "imaginary numbers are not supported by ToyPy", 1, 4)]
    [InlineData("x = (1.5j)\n", "SyntaxError", "imaginary numbers are not supported by ToyPy", 1, 5)]
    public void Errors(string src, string kind, string msg, int line, int column)
    {
        var e = Fail(src);
        Assert.Equal((kind, msg, line, column), (e.Kind, e.Msg, e.Line, e.Column));
        Assert.Equal("t.tpy", e.Filename);
        Assert.NotNull(e.SourceLine);
    }

    [Theory]
    [InlineData("x = (1,\n", "x = (1,")]
    [InlineData("x = 1\ny = 'abc\n", "y = 'abc")]
    [InlineData("x = '''abc\n\ndef\n", "x = '''abc")]
    [InlineData("if 1:\n  x\n y = 2\n", " y = 2")]
    [InlineData("a = [\n  1,\n  2)\n", "  2)")]
    [InlineData("x = 1\r\ny = 0x\r\n", "y = 0x")]
    [InlineData("x = 1 +\ty = 1 \\ 2", "x = 1 +\ty = 1 \\ 2")]
    [InlineData("x = 1\0", "x = 1")]
    public void ErrorsCarryTheSourceLine(string src, string line)
    {
        Assert.Equal(line, Fail(src).SourceLine);
    }

    [Fact]
    public void TooManyLevelsOfIndentation()
    {
        var sb = new StringBuilder("if 1:\n");
        for (int i = 1; i <= 100; i++) sb.Append(' ', i).Append("if 1:\n");
        sb.Append(' ', 101).Append("x = 1\n");
        var e = Fail(sb.ToString());
        Assert.Equal(("IndentationError", "too many levels of indentation", 101, 0), (e.Kind, e.Msg, e.Line, e.Column));
    }

    [Fact]
    public void NinetyNineLevelsOfIndentationAreFine()
    {
        var sb = new StringBuilder("if 1:\n");
        for (int i = 1; i < 99; i++) sb.Append(' ', i).Append("if 1:\n");
        sb.Append(' ', 99).Append("x = 1\n");
        Assert.Equal(99, Lex(sb.ToString()).Count(t => t.Kind == K.Dedent));
    }

    [Fact]
    public void TooManyNestedParentheses()
    {
        var e = Fail("x = " + new string('(', 201) + new string(')', 201) + "\n");
        Assert.Equal(("too many nested parentheses", 1, 204), (e.Msg, e.Line, e.Column));
        Assert.Equal(200, Lex(new string('[', 200) + new string(']', 200)).Count(t => t.Kind == K.LBracket));
    }

    [Fact]
    public void DeferredErrorYieldsToLaterTokenizerError()
    {
        // CPython's parser fails at '$', then finds the unterminated string further on
        var e = Fail("x = $\ny = 1\nz = 'abc\n");
        Assert.Equal(("unterminated string literal (detected at line 3)", 3, 4), (e.Msg, e.Line, e.Column));
        // ...but not the errors its tokenizer only reports to the parser
        e = Fail("x = $\nif y:\n    a\n  b\n");
        Assert.Equal(("invalid syntax", 1, 4), (e.Msg, e.Line, e.Column));
        // a bad escape is found by the parser, so it is deferred as well
        e = Fail("x = '\\x4' + 1\ny = 1.5x\n");
        Assert.Equal(("invalid decimal literal", 2, 6), (e.Msg, e.Line, e.Column));
        // unless it is the only error
        e = Fail("x = '\\x4' + 1\ny = 1.5\n");
        Assert.Equal((1, 10), (e.Line, e.Column));
    }

    [Fact]
    public void OutOverloadReturnsTokensBeforeTheError()
    {
        var toks = Lexer.Tokenize("x = 1\ny = $ + 2\nz = 3\n", "t.tpy", out var error);
        Assert.NotNull(error);
        Assert.Equal("invalid syntax", error!.Msg);
        Assert.Equal(new[] { K.Name, K.Equal, K.Int, K.Newline, K.Name, K.Equal }, toks.Select(t => t.Kind));
        Assert.False(Lexer.WinsOverEarlierParserErrors(error));

        toks = Lexer.Tokenize("x = (1,\ny = 'abc\n", "t.tpy", out error);
        Assert.Equal("unterminated string literal (detected at line 2)", error!.Msg);
        Assert.True(Lexer.WinsOverEarlierParserErrors(error));
        Assert.Equal(new[] { K.Name, K.Equal, K.LParen, K.Int, K.Comma, K.Name, K.Equal }, toks.Select(t => t.Kind));

        toks = Lexer.Tokenize("x = 1\n", "t.tpy", out error);
        Assert.Null(error);
        Assert.Equal(K.EndMarker, toks[^1].Kind);
    }

    // ------------------------------------------------------------------
    // Robustness and speed
    // ------------------------------------------------------------------

    [Fact]
    public void RandomInputOnlyEverThrowsSyntaxErrors()
    {
        var rng = new Random(12345);
        string[] pieces =
        {
            "x", " ", "  ", "\t", "\n", "\r\n", "\r", "\f", "(", ")", "[", "]", "{", "}", "'", "\"", "'''", "\"\"\"",
            "\\", "\\\n", "#", "0", "1", "9", "_", "e", "j", ".", "0x", "0o", "0b", "if x:\n", "    ", "else",
            "\u00e9", "\u20ac", "$", "!", "=", "\\x4", "\\N{", "\\U0001F600", "\\777", "b'", "rb'", "f'", "u'",
            "\u00a0", "\U0001F600", "\ud800", "\udc00", "\0", "\u0001", "\u007f", "\uFEFF", "<>", "**=", "->", ":=",
            "...", "and", "or", "not", "in",
        };
        var sb = new StringBuilder();
        for (int i = 0; i < 4000; i++)
        {
            sb.Clear();
            if (i % 2 == 0)
            {
                int n = rng.Next(1, 20);
                for (int k = 0; k < n; k++) sb.Append(pieces[rng.Next(pieces.Length)]);
            }
            else
            {
                int n = rng.Next(0, 60);
                for (int k = 0; k < n; k++)
                    sb.Append(rng.Next(4) == 0 ? (char)rng.Next(0, 0x10000) : (char)rng.Next(0, 128));
            }
            string src = sb.ToString();
            try
            {
                var toks = Lexer.Tokenize(src, "fuzz.tpy");
                Assert.Equal(K.EndMarker, toks[^1].Kind);
                Assert.Equal(toks.Count(t => t.Kind == K.Indent), toks.Count(t => t.Kind == K.Dedent));
            }
            catch (SyntaxErrorException e)
            {
                Assert.True(e.Line >= 1, src);
                Assert.True(e.Column >= 0, src);
                Assert.NotNull(e.SourceLine);
            }
            // the non-throwing overload must never throw either
            Lexer.Tokenize(src, "fuzz.tpy", out _);
        }
    }

    [Fact]
    public void TenThousandLinesTokenizeQuickly()
    {
        var sb = new StringBuilder();
        for (int i = 0; i < 2500; i++)
        {
            sb.Append("def func_").Append(i).Append("(a, b=1.5, *args, **kw):\n");
            sb.Append("    \"\"\"Docstring for func.\"\"\"\n");
            sb.Append("    x = [a + b * 0x1F, \"str\\n\", f\"{a!r}\"]  # comment\n");
            sb.Append("    return x if a >= b else {\"k\": (a, b)}\n");
        }
        string src = sb.ToString();
        Lexer.Tokenize(src, "big.tpy"); // warm up
        double best = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            var sw = Stopwatch.StartNew();
            var toks = Lexer.Tokenize(src, "big.tpy");
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
            Assert.Equal(130001, toks.Length);
        }
        // well under 50 ms on an idle machine; the bound is generous for busy test machines
        Assert.True(best < 250, $"best of 5: {best} ms");
    }
}
