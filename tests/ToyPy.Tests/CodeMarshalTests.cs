using System.Text.RegularExpressions;
using ToyPy.Bytecode;
using ToyPy.Compiling;
using ToyPy.Parsing;
using ToyPy.Runtime;
using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// Frozen library code (toypy --freeze-library) must be the compiled code,
/// byte for byte: a code object written by CodeMarshal and read back
/// disassembles exactly as the original, for every golden program and for
/// every library module.
/// </summary>
public class CodeMarshalTests
{
    private static string Normalize(string text) => Regex.Replace(text.Replace("\r\n", "\n"), "0x[0-9a-f]+", "0xADDR");

    private static void AssertRoundTrip(string source, string filename)
    {
        var code = Compiler.CompileModule(PythonParser.ParseModule(source, filename), filename, source);
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) CodeMarshal.Write(w, code);
        buffer.Position = 0;
        using var r = new BinaryReader(buffer);
        var back = CodeMarshal.Read(r);
        Assert.NotNull(back);
        Assert.Equal(Normalize(Disassembler.ToText(code)), Normalize(Disassembler.ToText(back!)));
        Assert.Equal(code.Lines, back!.Lines);
        Assert.Equal(code.ExceptionTable, back.ExceptionTable);
    }

    public static IEnumerable<object[]> LibraryModuleNames() => LibraryModules.Names().Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(LibraryModuleNames))]
    public void LibraryModuleRoundTrips(string name) => AssertRoundTrip(LibraryModules.Source(name)!, $"<frozen {name}>");

    [Fact]
    public void EveryKindOfConstantRoundTrips()
    {
        const string source = """
            big = 123456789012345678901234567890
            neg = -(2 ** 70)
            f = 1.5e300
            s = "caf\u00e9"
            name = "plain_name"
            b = b"\x00\xff"
            t = (1, (2.0, "x"), None, True, ...)
            def g(x, *, k=1):
                def inner():
                    return x in {1, 2, 3}
                try:
                    return inner()
                except ValueError as e:
                    raise RuntimeError("no") from e
            """;
        AssertRoundTrip(source, "consts.tpy");
    }

    [Fact]
    public void BytesFromAnotherFormatAreRefused()
    {
        using var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) w.Write("NOTTOYPY");
        buffer.Position = 0;
        Assert.Null(CodeMarshal.Read(new BinaryReader(buffer)));
    }
}
