using ToyPy.Bytecode;
using ToyPy.Compiling;
using ToyPy.Objects;
using ToyPy.Parsing;
using ToyPy.Runtime;
using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// 3.11's traceback positions: the compiler's per-instruction positions (co_positions),
/// the ~~~^^^ marker lines of Python/traceback.c, and SyntaxError caret ranges.
/// End-to-end comparisons with python3 live in tests/scripts/errors.
/// </summary>
public class TracebackTests
{
    private static CodeObject Compile(string source) =>
        Compiler.CompileModule(PythonParser.ParseModule(source, "<test>"), "<test>", source);

    /// <summary>Positions (line, end line, column, end column) of every instruction with this opcode.</summary>
    private static List<(int, int, int, int)> PositionsOf(CodeObject code, OpCode op)
    {
        var list = new List<(int, int, int, int)>();
        for (int i = 0; i < code.Instructions.Length; i++)
            if (CodeObject.OpOf(code.Instructions[i]) == op) list.Add(code.PositionOf(i));
        return list;
    }

    private static CodeObject FunctionCode(CodeObject module, string name)
    {
        foreach (var c in module.Consts)
            if (c is CodeObject co && co.Name == name) return co;
        throw new InvalidOperationException($"no code object {name}");
    }

    // ------------------------------------------------------------------ co_positions

    [Fact]
    public void BinaryOpHasTheBinOpRange()
    {
        var code = Compile("x = 1\nprint(x / (x - 1))\n");
        var ops = PositionsOf(code, OpCode.BinaryOp);
        Assert.Equal((2, 2, 11, 16), ops[0]); // x - 1
        Assert.Equal((2, 2, 6, 17), ops[1]);  // x / (x - 1)
    }

    [Fact]
    public void CallHasTheCallRangeAndLoadMethodTheAttributeRange()
    {
        var code = Compile("obj = 1\nobj.method(1, 2)\nlen(obj)\n");
        Assert.Equal((2, 2, 0, 10), PositionsOf(code, OpCode.LoadMethod)[0]);
        var calls = PositionsOf(code, OpCode.Call);
        Assert.Equal((2, 2, 0, 16), calls[0]);
        Assert.Equal((3, 3, 0, 8), calls[1]);
    }

    [Fact]
    public void SubscriptAndAttributeRanges()
    {
        var code = Compile("d = {}\ny = d['k'].real\n");
        Assert.Equal((2, 2, 4, 10), PositionsOf(code, OpCode.BinarySubscr)[0]);
        Assert.Equal((2, 2, 4, 15), PositionsOf(code, OpCode.LoadAttr)[0]);
    }

    [Fact]
    public void AttributeSpanningLinesStartsAtTheName()
    {
        // update_start_location_to_match_attr: line 3, from "name" to the attribute's end.
        var code = Compile("o = 1\nv = (o\n     .name)\n");
        Assert.Equal((3, 3, 6, 10), PositionsOf(code, OpCode.LoadAttr)[0]);
    }

    [Fact]
    public void FunctionBodiesAndArtificialInstructions()
    {
        var code = Compile("def f(a):\n    return a[0] + 1\n");
        var f = FunctionCode(code, "f");
        Assert.Equal((2, 2, 11, 15), PositionsOf(f, OpCode.BinarySubscr)[0]);
        Assert.Equal((2, 2, 11, 19), PositionsOf(f, OpCode.BinaryOp)[0]);
        // RESUME carries the definition line and no meaningful columns beyond 0..0.
        Assert.Equal((1, 1, 0, 0), PositionsOf(f, OpCode.Resume)[0]);
        Assert.Equal(f.Lines.Length, f.Columns!.Length);
        Assert.Equal(f.Lines.Length, f.EndColumns!.Length);
        Assert.Equal(f.Lines.Length, f.EndLines!.Length);
    }

    [Fact]
    public void AugmentedAssignmentUsesTheStatement()
    {
        var code = Compile("x = 1\nx += 'a'\n");
        Assert.Equal((2, 2, 0, 8), PositionsOf(code, OpCode.BinaryOp)[0]);
    }

    // ------------------------------------------------------------------ marker lines

    private static string? Markers(string line, int col, int endCol, int endLine = 1)
        => Traceback.FormatMarkers(line, new TracebackEntry("f", 1, "<module>", endLine, col, endCol));

    [Theory]
    [InlineData("print(1 / 0)", 6, 11, "          ~~^~~")]
    [InlineData("a = (1) + ('a')", 4, 15, "        ~~~~^~~~~~~")]
    [InlineData("y = a // b", 4, 10, "        ~~^^~~")]
    [InlineData("x = d [ 'k' ] ", 4, 13, "        ~~^^^^^^^")]
    [InlineData("    return a[b]", 11, 15, "           ~^^^")]
    [InlineData("print(x.foo(1, 2))", 6, 11, "          ^^^^^")]
    [InlineData("x += 'a'   ", 0, 8, "    ^^^^^^^^")]
    [InlineData("f()  # comment", 0, 3, "    ^^^")]
    public void MarkerLines(string line, int col, int endCol, string expected)
        => Assert.Equal(expected, Markers(line, col, endCol));

    [Theory]
    [InlineData("f()", 0, 3)]
    [InlineData("    raise ValueError(1)", 4, 23)]
    public void NoMarkersWhenTheRangeIsTheWholeLine(string line, int col, int endCol)
        => Assert.Null(Markers(line, col, endCol));

    [Fact]
    public void MultiLineRangeMarksToTheEndOfTheFirstLine()
        => Assert.Equal("           ^^^^", Markers("    return 1 +\\   ", 11, 5, endLine: 2));

    [Fact]
    public void NoMarkersWithoutColumns()
    {
        var e = new TracebackEntry("f", 1, "<module>");
        Assert.Null(Traceback.FormatMarkers("x = 1 / 0", e));
    }

    [Theory]
    [InlineData("s = \"该\"; t = s + 1", 13, 18, 14)]            // a wide character: two columns
    [InlineData("s = \"\U0001F600\"; t = s + 1", 13, 18, 14)]  // an emoji: one code point, two columns
    [InlineData("s = \"é\"; t = s + 1", 13, 18, 13)]            // narrow non-ASCII: one column
    public void ColumnsAreCodePointsShownAtTheirDisplayWidth(string line, int col, int endCol, int spaces)
        => Assert.Equal("    " + new string(' ', spaces) + "~~^~~", Markers(line, col, endCol));

    [Fact]
    public void WideCharactersInsideTheRangeAreMarkedTwice()
        => Assert.Equal("    " + new string(' ', 4) + "~~~~~^~~", Markers("x = \"该\" + 1", 4, 11));

    [Theory]
    [InlineData("x = \"é\" y", 8, 9)]
    [InlineData("x = \"\U0001F600\" y", 8, 11)]
    [InlineData("x = 1", 3, 3)]
    [InlineData("ab", 5, 5)]
    public void SyntaxErrorColumnsAreUtf8Offsets(string line, int column, int bytes)
        => Assert.Equal(bytes, SyntaxErrorException.ByteColumn(line, column));

    [Fact]
    public void AnchorsComeFromParsingTheSegment()
    {
        Assert.Equal((2, 4, true), Traceback.ExtractAnchors("a ** b"));
        Assert.Equal((1, 8, true), Traceback.ExtractAnchors("d['key']"));
        Assert.Null(Traceback.ExtractAnchors("f(x)"));
        Assert.Null(Traceback.ExtractAnchors("a +"));
    }

    // ------------------------------------------------------------------ SyntaxError ranges

    private static SyntaxErrorException SyntaxError(string source)
        => Assert.Throws<SyntaxErrorException>(() => Compile(source));

    [Theory]
    [InlineData("if x = 2:\n    pass\n", 1, 3, 1, 8)]
    [InlineData("x = [1, 2 3]\n", 1, 8, 1, 11)]
    [InlineData("f() = 1\n", 1, 0, 1, 3)]
    [InlineData("print 'hi', 'there'\n", 1, 0, 1, 19)]
    [InlineData("x = 5 if y\n", 1, 4, 1, 10)]
    [InlineData("a bcd\n", 1, 2, 1, 5)]
    [InlineData("return 1 + 2\n", 1, 0, 1, 12)]
    [InlineData("def f():\n    nonlocal abc\n", 2, 4, 2, 16)]
    [InlineData("def f(a, a): pass\n", 1, 9, 1, 10)]
    [InlineData("try:\n  pass\nexcept Abc, Def:\n  pass\n", 3, 7, 3, 15)]
    public void SyntaxErrorsCarryCPythonsRange(string source, int line, int col, int endLine, int endCol)
    {
        var e = SyntaxError(source);
        Assert.Equal((line, col, endLine, endCol), (e.Line, e.Column, e.EndLine, e.EndColumn));
    }

    [Theory]
    [InlineData("x = f\"{a b}\"\n", "f-string: invalid syntax. Perhaps you forgot a comma?", "(a b)", 1, 4)]
    [InlineData("y = 1\nx = f\"{ a $ b }\"\n", "f-string: invalid syntax", "( a $ b )", 4, 5)]
    [InlineData("x = f\"{1_}\"\n", "invalid decimal literal", "(1_)", 2, -1)]
    public void FStringExpressionErrorsShowTheParenthesisedExpression(string source, string msg, string text, int col, int endCol)
    {
        var e = SyntaxError(source);
        Assert.Equal((msg, text, col), (e.Msg, e.SourceLine, e.Column));
        Assert.Equal(source.Split('\n').Length - 1, e.Line);
        Assert.Equal(endCol, e.EndColumn);
    }

    [Theory]
    [InlineData("x = (1 +)\n")]
    [InlineData("f(**k, *a)\n")]
    [InlineData("x = {1: 2, 345}\n")]
    public void SomeSyntaxErrorsHaveOneCaret(string source)
    {
        var e = SyntaxError(source);
        Assert.True(!e.HasRange || e.EndColumn - e.Column <= 1, $"{e.Column}..{e.EndColumn}");
    }
}
