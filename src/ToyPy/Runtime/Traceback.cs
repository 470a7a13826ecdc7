using System.Text;
using ToyPy.Objects;
using ToyPy.Parsing;
using ToyPy.Parsing.Ast;

namespace ToyPy.Runtime;

/// <summary>
/// Printing exceptions as CPython 3.11's default excepthook does (Python/pythonrun.c
/// print_exception_recursive, Python/traceback.c tb_displayline): chained causes and
/// contexts, the source line of each frame with its ~~~^^^ position markers, and
/// SyntaxError's caret range.
/// </summary>
public static class Traceback
{
    public static void Print(Interpreter interp, PyBaseException exc, PyOutput output)
    {
        var sb = new StringBuilder();
        Format(interp, exc, sb, new HashSet<PyBaseException>(ReferenceEqualityComparer.Instance));
        interp.Stdout.Flush();
        output.Write(sb.ToString());
        output.Flush();
    }

    private static void Format(Interpreter interp, PyBaseException exc, StringBuilder sb, HashSet<PyBaseException> seen)
    {
        seen.Add(exc);
        if (exc.Cause is PyBaseException cause && !seen.Contains(cause))
        {
            Format(interp, cause, sb, seen);
            sb.Append("\nThe above exception was the direct cause of the following exception:\n\n");
        }
        else if (exc.Context is PyBaseException ctx && !exc.SuppressContext && !seen.Contains(ctx))
        {
            Format(interp, ctx, sb, seen);
            sb.Append("\nDuring handling of the above exception, another exception occurred:\n\n");
        }
        if (exc.Traceback is { Count: > 0 } tb)
        {
            sb.Append("Traceback (most recent call last):\n");
            var outermostFirst = new List<TracebackEntry>(tb);
            outermostFirst.Reverse();
            AppendEntries(interp, outermostFirst, sb);
        }
        if (exc.Type.IsSubtypeOf(ExceptionTypes.SyntaxError))
        {
            AppendSyntaxError(exc, sb);
            return;
        }
        sb.Append(exc.FormatMessageLine()).Append('\n');
    }

    /// <summary>tb_printinternal: runs of more than 3 entries for the same file, line and function are collapsed.</summary>
    private static void AppendEntries(Interpreter interp, List<TracebackEntry> tb, StringBuilder sb)
    {
        const int RecursiveCutoff = 3;
        int i = 0;
        while (i < tb.Count)
        {
            int j = i;
            while (j + 1 < tb.Count && tb[j + 1].SameLine(tb[i])) j++;
            int run = j - i + 1;
            for (int k = 0; k < Math.Min(run, RecursiveCutoff); k++) AppendEntry(interp, tb[i + k], sb);
            if (run > RecursiveCutoff)
            {
                int more = run - RecursiveCutoff;
                sb.Append($"  [Previous line repeated {more} more time{(more > 1 ? "s" : "")}]\n");
            }
            i = j + 1;
        }
    }

    /// <summary>tb_displayline: the frame's file, line and function, its source line, then the position markers.</summary>
    private static void AppendEntry(Interpreter interp, TracebackEntry e, StringBuilder sb)
    {
        sb.Append($"  File \"{e.Filename}\", line {e.Line}, in {e.FunctionName}\n");
        // Like display_source_line, no source for "<string>", "<stdin>" and the like.
        if (e.Filename.Length > 1 && e.Filename[0] == '<' && e.Filename[^1] == '>') return;
        var line = interp.SourceLine(e.Filename, e.Line);
        if (line is null || line.Trim().Length == 0) return;
        line = line.TrimEnd('\r');
        int indent = 0;
        while (indent < line.Length && IsIndent(line[indent])) indent++;
        sb.Append("    ").Append(line, indent, line.Length - indent).Append('\n');
        if (FormatMarkers(line, e) is { } markers) sb.Append(markers).Append('\n');
    }

    /// <summary>
    /// The marker line under a frame's source line (3.11's tb_displayline and
    /// print_error_location_carets), or null when there is none: no columns, or the
    /// range spans the whole (indentation-stripped) line without secondary anchors.
    /// A range running over several lines is marked up to the last non-blank character
    /// of its first line. Positions are code points (CPython converts its UTF-8 byte
    /// offsets); each character is marked with as many columns as it displays
    /// (2 for East Asian wide and fullwidth characters, as 3.11.7 does).
    /// </summary>
    internal static string? FormatMarkers(string text, TracebackEntry e)
    {
        if (e.Line < 0 || e.EndLine < 0 || e.Column < 0 || e.EndColumn < 0) return null;
        var line = CodePoints(text);
        int indent = 0;
        while (indent < line.Length && IsIndent(line[indent])) indent++;
        int start = Math.Min(e.Column, line.Length + 1);
        int end = Math.Min(e.EndColumn, line.Length + 1);
        int leftAnchor = -1, rightAnchor = -1;
        char primary = '^', secondary = '^';
        if (e.Line == e.EndLine)
        {
            if (start <= end && end <= line.Length
                && ExtractAnchors(line.AsSpan(start, end - start).ToArray()) is { } a)
            {
                leftAnchor = a.Left + start;
                rightAnchor = a.Right + start;
                if (a.Tilde) primary = '~';
            }
        }
        else
        {
            int i = line.Length;
            while (--i >= 0 && IsIndent(line[i])) { }
            end = i + 1;
        }
        bool special = leftAnchor != -1 || rightAnchor != -1;
        if (end - start == line.Length - indent && !special) return null;

        var sb = new StringBuilder("    ");
        for (int col = indent; col < end; col++)
        {
            char c = col < start ? ' '
                : special && leftAnchor <= col && col < rightAnchor ? secondary
                : primary;
            sb.Append(c, col < line.Length && IsWide(line[col]) ? 2 : 1);
        }
        return sb.ToString();
    }

    private static bool IsIndent(int c) => c is ' ' or '\t' or '\f';

    /// <summary>A string as code points (the unit of CPython's columns).</summary>
    private static int[] CodePoints(string s)
    {
        var list = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                list.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else list.Add(s[i]);
        }
        return list.ToArray();
    }

    private static string FromCodePoints(int[] cps)
    {
        var sb = new StringBuilder(cps.Length);
        foreach (var cp in cps)
        {
            if (cp >= 0x10000 && cp <= 0x10FFFF) sb.Append(char.ConvertFromUtf32(cp));
            else sb.Append((char)cp);
        }
        return sb.ToString();
    }

    internal static (int Left, int Right, bool Tilde)? ExtractAnchors(string segment) => ExtractAnchors(CodePoints(segment));

    /// <summary>
    /// extract_anchors_from_line: parse the marked segment on its own; a binary operation
    /// anchors its operator, a subscript its brackets. Offsets are relative to the segment.
    /// </summary>
    private static (int Left, int Right, bool Tilde)? ExtractAnchors(int[] segment)
    {
        Module module;
        try
        {
            module = PythonParser.ParseModule(FromCodePoints(segment), "<traceback>");
        }
        catch (Exception)
        {
            return null;
        }
        if (module.Body.Count != 1 || module.Body[0] is not ExprStmt { Value: var value }) return null;
        switch (value)
        {
            case BinOp b when b.Left.EndLine == 1 && b.Right.Line == 1:
            {
                int rightCol = b.Right.Column;
                (int, int, bool)? anchors = null;
                for (int i = b.Left.EndColumn; i < rightCol && i < segment.Length; i++)
                {
                    if (IsIndent(segment[i])) continue;
                    int l = i, r = i + 1;
                    // a two-character operator (//, **, <<, ...)
                    if (i + 1 < rightCol && !IsIndent(segment[i + 1])) r++;
                    anchors = (l, r, false);
                    // a closing parenthesis of the left operand: keep looking for the operator
                    if (i + 1 < rightCol && segment[i] == ')') continue;
                    anchors = (l, r, true);
                    break;
                }
                return anchors;
            }
            case Subscript s when s.Value.EndLine == 1 && s.Slice.EndLine == 1:
            {
                int left = s.Value.EndColumn, right = s.Slice.EndColumn + 1;
                int len = segment.Length;
                while (left < len && segment[left] != '[') left++;
                while (right < len && segment[right] != ']') right++;
                if (right < len) right++;
                return (left, right, true);
            }
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether a code point is East Asian Wide or Fullwidth (unicodedata.east_asian_width
    /// in "WF", Unicode 14.0 as in CPython 3.11; unassigned code points count as wide there too).
    /// </summary>
    internal static bool IsWide(int cp)
    {
        if (cp < 0x1100) return false;
        if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp) == System.Globalization.UnicodeCategory.OtherNotAssigned)
            return true;
        int lo = 0, hi = s_wide.Length / 2 - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (cp < s_wide[2 * mid]) hi = mid - 1;
            else if (cp > s_wide[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /// <summary>Inclusive ranges of assigned wide/fullwidth code points (generated from unicodedata 14.0.0).</summary>
    private static readonly int[] s_wide =
    {
        0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC, 0x23F0, 0x23F0, 0x23F3, 0x23F3, 0x25FD, 0x25FE, 0x2614, 0x2615,
        0x2648, 0x2653, 0x267F, 0x267F, 0x2693, 0x2693, 0x26A1, 0x26A1, 0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE,
        0x26D4, 0x26D4, 0x26EA, 0x26EA, 0x26F2, 0x26F3, 0x26F5, 0x26F5, 0x26FA, 0x26FA, 0x26FD, 0x26FD, 0x2705, 0x2705, 0x270A, 0x270B,
        0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797, 0x27B0, 0x27B0, 0x27BF, 0x27BF,
        0x2B1B, 0x2B1C, 0x2B50, 0x2B50, 0x2B55, 0x2B55, 0x2E80, 0x303E, 0x3041, 0x3247, 0x3250, 0x4DBF, 0x4E00, 0xA4C6, 0xA960, 0xA97C,
        0xAC00, 0xD7A3, 0xF900, 0xFAD9, 0xFE10, 0xFE19, 0xFE30, 0xFE6B, 0xFF01, 0xFF60, 0xFFE0, 0xFFE6, 0x16FE0, 0x1B2FB, 0x1F004, 0x1F004,
        0x1F0CF, 0x1F0CF, 0x1F18E, 0x1F18E, 0x1F191, 0x1F19A, 0x1F200, 0x1F320, 0x1F32D, 0x1F335, 0x1F337, 0x1F37C, 0x1F37E, 0x1F393, 0x1F3A0, 0x1F3CA,
        0x1F3CF, 0x1F3D3, 0x1F3E0, 0x1F3F0, 0x1F3F4, 0x1F3F4, 0x1F3F8, 0x1F43E, 0x1F440, 0x1F440, 0x1F442, 0x1F4FC, 0x1F4FF, 0x1F53D, 0x1F54B, 0x1F54E,
        0x1F550, 0x1F567, 0x1F57A, 0x1F57A, 0x1F595, 0x1F596, 0x1F5A4, 0x1F5A4, 0x1F5FB, 0x1F64F, 0x1F680, 0x1F6C5, 0x1F6CC, 0x1F6CC, 0x1F6D0, 0x1F6D2,
        0x1F6D5, 0x1F6DF, 0x1F6EB, 0x1F6EC, 0x1F6F4, 0x1F6FC, 0x1F7E0, 0x1F7F0, 0x1F90C, 0x1F93A, 0x1F93C, 0x1F945, 0x1F947, 0x1F9FF, 0x1FA70, 0x1FAF6,
        0x20000, 0x3134A,
    };

    /// <summary>
    /// A SyntaxError's "File ..., line N", its source line and the caret range from
    /// offset to end_offset (print_exception_file_and_line and print_error_text).
    /// </summary>
    private static void AppendSyntaxError(PyBaseException exc, StringBuilder sb)
    {
        var d = exc.Dict;
        string? file = (d?.GetItemString("filename") as PyStr)?.Value;
        long line = (d?.GetItemString("lineno") as PyInt)?.Value ?? 0;
        long offset = (d?.GetItemString("offset") as PyInt)?.Value ?? -1;
        string? text = (d?.GetItemString("text") as PyStr)?.Value;
        string msg = (d?.GetItemString("msg") as PyStr)?.Value ?? Ops.StrString(exc);
        long endLine = line, endOffset = -1;
        if (exc.Type == ExceptionTypes.SyntaxError)
        {
            // Only SyntaxError itself has its range printed; subclasses get one caret.
            if (d?.GetItemString("end_lineno") is PyInt el) endLine = el.Value;
            if (d?.GetItemString("end_offset") is PyInt eo) endOffset = eo.Value;
        }
        if (file is not null) sb.Append($"  File \"{file}\", line {line}\n");
        if (text is not null)
        {
            // CPython's text ends with the line's newline: its length counts it.
            string body = text.TrimEnd('\n', '\r');
            long lineSize = body.Length + 1;
            if (endLine > line) endOffset = lineSize;
            if (endOffset > lineSize + 1) endOffset = lineSize + 1;
            AppendErrorText(sb, offset, endOffset, body);
        }
        var type = exc.Type;
        string typeName = type.ModuleName is "builtins" or "__main__" ? type.QualName : type.ModuleName + "." + type.QualName;
        sb.Append(typeName);
        if (msg.Length > 0) sb.Append(": ").Append(msg);
        sb.Append('\n');
    }

    /// <summary>print_error_text: the stripped text line, then the carets (at least one).</summary>
    private static void AppendErrorText(StringBuilder sb, long offset, long endOffset, string text)
    {
        long carets = endOffset > 0 && endOffset > offset ? endOffset - offset : 1;
        offset--; // 1-based to 0-based
        int i = 0;
        while (i < text.Length && IsIndent(text[i])) { i++; offset--; }
        text = text.Substring(i);
        if (offset > text.Length) offset = text.Length;
        // Several lines (a multi-line token): show the one the offset points into.
        while (true)
        {
            int nl = text.IndexOf('\n');
            if (nl < 0 || nl >= offset) break;
            text = text.Substring(nl + 1);
            offset -= nl + 1;
        }
        sb.Append("    ").Append(text).Append('\n');
        if (offset < 0) return;
        sb.Append("    ").Append(' ', (int)offset).Append('^', (int)Math.Min(carets, 100_000)).Append('\n');
    }
}
