using System.Text.RegularExpressions;
using ToyPy.Bytecode;
using ToyPy.Compiling;
using ToyPy.Parsing;
using Xunit;

namespace ToyPy.Tests;

public class DisassemblerTests
{
    /// <summary>The repository root: the folder holding ToyPy.sln, found by walking up from the test binaries.</summary>
    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ToyPy.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("ToyPy.sln not found above " + AppContext.BaseDirectory);
    }

    private static string GoldenDir => Path.Combine(RepoRoot(), "tests", "ToyPy.Tests", "Golden", "dis");

    public static IEnumerable<object[]> GoldenCases() =>
        Directory.GetFiles(GoldenDir, "*.tpy").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new object[] { Path.GetFileNameWithoutExtension(f) });

    private static string Normalize(string text) => Regex.Replace(text.Replace("\r\n", "\n"), "0x[0-9a-f]+", "0xADDR");

    private static string Dis(string source, string filename)
    {
        var module = PythonParser.ParseModule(source, filename);
        var code = Compiler.CompileModule(module, filename, source);
        return Normalize(Disassembler.ToText(code));
    }

    [Theory]
    [MemberData(nameof(GoldenCases))]
    public void MatchesGolden(string name)
    {
        var tpy = Path.Combine(GoldenDir, name + ".tpy");
        var expectedPath = Path.Combine(GoldenDir, name + ".dis");
        var actual = Dis(File.ReadAllText(tpy), name + ".tpy");
        if (Environment.GetEnvironmentVariable("TOYPY_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(expectedPath, actual);
            return;
        }
        Assert.True(File.Exists(expectedPath), $"missing golden file {expectedPath} (run with TOYPY_UPDATE_GOLDEN=1)");
        var expected = Normalize(File.ReadAllText(expectedPath));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void GoldenSetIsComplete()
    {
        var names = GoldenCases().Select(c => (string)c[0]).ToHashSet();
        foreach (var required in new[] { "fib", "loops", "try_except", "with_stmt", "class_super", "listcomp", "genexpr", "chained_compare", "calls" })
            Assert.Contains(required, names);
    }

    [Fact]
    public void EveryOpCodeHasAnInfoRow()
    {
        foreach (OpCode op in Enum.GetValues<OpCode>())
        {
            Assert.True(OpCodeInfo.Has(op), $"no OpCodeInfo row for {op}");
            var info = OpCodeInfo.Of(op);
            Assert.Equal(op, info.Op);
            Assert.Matches("^[A-Z_]+$", info.Name);
        }
        Assert.Equal(Enum.GetValues<OpCode>().Length, OpCodeInfo.All.Count());
        Assert.Equal(Enum.GetValues<OpCode>().Length, OpCodeInfo.All.Select(i => i.Name).Distinct().Count());
    }

    [Theory]
    [InlineData(OpCode.LoadConst, 0, false, 1)]
    [InlineData(OpCode.LoadGlobal, 3, false, 2)]
    [InlineData(OpCode.LoadGlobal, 2, false, 1)]
    [InlineData(OpCode.Call, 2, false, -3)]
    [InlineData(OpCode.CallFunctionEx, 1, false, -3)]
    [InlineData(OpCode.CallFunctionEx, 0, false, -2)]
    [InlineData(OpCode.ForIter, 0, false, 1)]
    [InlineData(OpCode.ForIter, 0, true, -1)]
    [InlineData(OpCode.JumpIfFalseOrPop, 0, true, 0)]
    [InlineData(OpCode.JumpIfFalseOrPop, 0, false, -1)]
    [InlineData(OpCode.Send, 0, true, -1)]
    [InlineData(OpCode.Send, 0, false, 0)]
    [InlineData(OpCode.MakeFunction, 0x0B, false, -3)]
    [InlineData(OpCode.BuildMap, 2, false, -3)]
    [InlineData(OpCode.BuildConstKeyMap, 2, false, -2)]
    [InlineData(OpCode.UnpackEx, 0x102, false, 3)]
    [InlineData(OpCode.UnpackSequence, 3, false, 2)]
    [InlineData(OpCode.BuildSlice, 3, false, -2)]
    [InlineData(OpCode.FormatValue, 4, false, -1)]
    [InlineData(OpCode.RaiseVarargs, 2, false, -2)]
    [InlineData(OpCode.WithExceptStart, 0, false, 1)]
    public void StackEffectsMatchCPython(OpCode op, int arg, bool jump, int effect) =>
        Assert.Equal(effect, OpCodeInfo.StackEffect(op, arg, jump));

    [Fact]
    public void ModuleLayoutMatchesDis()
    {
        var text = Dis("x = 1\nprint(x is not None)\n", "m.tpy");
        var expected = string.Join("\n",
            "  0           0 RESUME                   0",
            "",
            "  1           2 LOAD_CONST               0 (1)",
            "              4 STORE_NAME               0 (x)",
            "",
            "  2           6 PUSH_NULL",
            "              8 LOAD_NAME                1 (print)",
            "             10 LOAD_NAME                0 (x)",
            "             12 LOAD_CONST               1 (None)",
            "             14 IS_OP                    1 (is not)",
            "             16 CALL                     1",
            "             18 POP_TOP",
            "             20 LOAD_CONST               1 (None)",
            "             22 RETURN_VALUE",
            "");
        Assert.Equal(expected, text);
    }

    [Fact]
    public void NestedCodeJumpTargetsAndExceptionTable()
    {
        var text = Dis("def f(a):\n    for x in a:\n        try:\n            g(x)\n        except:\n            pass\n", "m.tpy");
        Assert.Contains("Disassembly of <code object f at 0xADDR, file \"m.tpy\", line 1>:", text);
        Assert.Contains("LOAD_GLOBAL              1 (NULL + g)", text);
        Assert.Matches(@">>\s+\d+ FOR_ITER\s+\d+ \(to \d+\)", text);
        Assert.Contains("ExceptionTable:", text);
        Assert.Matches(@"  \d+ to \d+ -> \d+ \[2\] lasti", text);
        Assert.Contains("JUMP_BACKWARD", text);
    }
}
