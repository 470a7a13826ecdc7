using System.Globalization;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Bytecode;

/// <summary>
/// Prints a code object the way CPython 3.11's `python3 -m dis` does (Lib/dis.py:
/// _disassemble_bytes / Instruction._disassemble), then every nested code object
/// found in co_consts. Offsets are instruction index * 2 (there are no CACHE
/// entries), jump arguments are absolute instruction indexes shown as "(to OFFSET)".
/// </summary>
public static class Disassembler
{
    private const int OpNameWidth = 20;
    private const int OpArgWidth = 5;

    private static readonly string[] s_cmpOps = { "<", "<=", "==", "!=", ">", ">=" };
    private static readonly string[] s_nbOps =
    {
        "+", "&", "//", "<<", "@", "*", "%", "|", "**", ">>", "-", "/", "^",
        "+=", "&=", "//=", "<<=", "@=", "*=", "%=", "|=", "**=", ">>=", "-=", "/=", "^=",
    };
    private static readonly string[] s_conversions = { "", "str", "repr", "ascii" };
    private static readonly string[] s_makeFunctionFlags = { "defaults", "kwdefaults", "annotations", "closure" };

    /// <summary>Disassemble code and, recursively, the code objects among its constants.</summary>
    public static void Disassemble(CodeObject code, TextWriter output)
    {
        DisassembleOne(code, output);
        foreach (var c in code.Consts)
        {
            if (c is CodeObject nested)
            {
                output.Write('\n');
                output.Write("Disassembly of " + ConstRepr(nested) + ":\n");
                Disassemble(nested, output);
            }
        }
    }

    /// <summary>The disassembly as a string.</summary>
    public static string ToText(CodeObject code)
    {
        var sw = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        Disassemble(code, sw);
        return sw.ToString();
    }

    /// <summary>Line starts: (instruction index, line) where the line changes, like dis.findlinestarts.</summary>
    public static Dictionary<int, int> FindLineStarts(CodeObject code)
    {
        var starts = new Dictionary<int, int>();
        int last = int.MinValue;
        for (int i = 0; i < code.Lines.Length; i++)
        {
            int line = code.Lines[i];
            if (line >= 0 && line != last)
            {
                starts[i] = line;
                last = line;
            }
        }
        return starts;
    }

    private static void DisassembleOne(CodeObject code, TextWriter output)
    {
        var linestarts = FindLineStarts(code);
        bool showLineno = linestarts.Count > 0;
        int linenoWidth = 0;
        if (showLineno)
        {
            int maxLine = linestarts.Values.Max();
            linenoWidth = maxLine >= 1000 ? maxLine.ToString(CultureInfo.InvariantCulture).Length : 3;
        }
        int maxOffset = (code.Instructions.Length - 1) * 2;
        int offsetWidth = maxOffset >= 10000 ? maxOffset.ToString(CultureInfo.InvariantCulture).Length : 4;

        var labels = new HashSet<int>();
        foreach (var ins in code.Instructions)
        {
            var op = CodeObject.OpOf(ins);
            if (OpCodeInfo.Has(op) && OpCodeInfo.Of(op).Kind == ArgKind.Jump) labels.Add(CodeObject.ArgOf(ins));
        }
        foreach (var e in code.ExceptionTable) labels.Add(e.Target);

        var sb = new StringBuilder();
        for (int i = 0; i < code.Instructions.Length; i++)
        {
            int ins = code.Instructions[i];
            var op = CodeObject.OpOf(ins);
            int arg = CodeObject.ArgOf(ins);
            bool startsLine = linestarts.TryGetValue(i, out var line);
            if (showLineno && startsLine && i > 0) output.Write('\n');

            sb.Clear();
            var fields = new List<string>();
            if (linenoWidth > 0)
                fields.Add(startsLine ? line.ToString(CultureInfo.InvariantCulture).PadLeft(linenoWidth) : new string(' ', linenoWidth));
            fields.Add("   ");
            fields.Add(labels.Contains(i) ? ">>" : "  ");
            fields.Add((i * 2).ToString(CultureInfo.InvariantCulture).PadLeft(offsetWidth));
            OpCodeInfo? info = OpCodeInfo.Has(op) ? OpCodeInfo.Of(op) : null;
            fields.Add((info?.Name ?? $"<{(int)op}>").PadRight(OpNameWidth));
            if (info is null || info.HasArg)
            {
                fields.Add(arg.ToString(CultureInfo.InvariantCulture).PadLeft(OpArgWidth));
                var argrepr = info is null ? "" : ArgRepr(code, info, arg);
                if (argrepr.Length > 0) fields.Add("(" + argrepr + ")");
            }
            output.Write(string.Join(' ', fields).TrimEnd() + "\n");
        }
        if (code.ExceptionTable.Length > 0)
        {
            output.Write("ExceptionTable:\n");
            foreach (var e in code.ExceptionTable)
            {
                var lasti = e.PushLasti ? " lasti" : "";
                output.Write($"  {e.Start * 2} to {(e.End - 1) * 2} -> {e.Target * 2} [{e.Depth}]{lasti}\n");
            }
        }
    }

    private static string ArgRepr(CodeObject code, OpCodeInfo info, int arg)
    {
        switch (info.Kind)
        {
            case ArgKind.Const:
                return arg < code.Consts.Length ? ConstRepr(code.Consts[arg]) : "";
            case ArgKind.Name:
                return arg < code.Names.Length ? code.Names[arg].Value : "";
            case ArgKind.GlobalName:
            {
                int ni = arg >> 1;
                if (ni >= code.Names.Length) return "";
                var name = code.Names[ni].Value;
                return (arg & 1) != 0 ? "NULL + " + name : name;
            }
            case ArgKind.Local:
            case ArgKind.Free:
                return arg < code.LocalsPlusNames.Length ? code.LocalsPlusNames[arg] : "";
            case ArgKind.Jump:
                return "to " + (arg * 2).ToString(CultureInfo.InvariantCulture);
            case ArgKind.Compare:
                return arg < s_cmpOps.Length ? s_cmpOps[arg] : "";
            case ArgKind.BinaryOp:
                return arg < s_nbOps.Length ? s_nbOps[arg] : "";
            case ArgKind.Invert:
                if (info.Op == OpCode.IsOp) return arg != 0 ? "is not" : "is";
                return arg != 0 ? "not in" : "in";
            case ArgKind.FormatFlags:
            {
                var r = s_conversions[arg & 3];
                if ((arg & 4) != 0) r = r.Length > 0 ? r + ", with format" : "with format";
                return r;
            }
            case ArgKind.FunctionFlags:
                return string.Join(", ", s_makeFunctionFlags.Where((_, i) => (arg & (1 << i)) != 0));
            default:
                return "";
        }
    }

    /// <summary>repr() of a constant, without running any Python code.</summary>
    public static string ConstRepr(PyObject o)
    {
        var s = o.Repr();
        var text = s.Value;
        s.Decref();
        return text;
    }
}
