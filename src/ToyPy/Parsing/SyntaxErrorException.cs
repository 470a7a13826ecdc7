namespace ToyPy.Parsing;

/// <summary>
/// A compile-time error found by the lexer, parser or compiler. The runtime
/// turns it into the Python exception named by Kind ("SyntaxError",
/// "IndentationError" or "TabError") and prints it as CPython does:
/// <code>
///   File "x.tpy", line 3
///     if x = 2:
///        ^^^^^
/// SyntaxError: invalid syntax. Maybe you meant '==' or ':=' instead of '='?
/// </code>
/// Line is 1-based; Column is the 0-based offset the caret points at.
/// EndLine / EndColumn (0-based, exclusive) give the range CPython 3.11 reports as
/// end_lineno / end_offset - 1, or -1 when the error has no range (one caret).
/// SourceLine is the offending line's text without its newline (null if unknown).
/// </summary>
public sealed class SyntaxErrorException : Exception
{
    public string Kind { get; }
    public string Msg { get; }
    public string Filename { get; }
    public int Line { get; }
    public int Column { get; }
    public int EndLine { get; }
    public int EndColumn { get; }
    public string? SourceLine { get; }

    public SyntaxErrorException(string msg, string filename, int line, int column,
                                string? sourceLine, string kind = "SyntaxError",
                                int endLine = -1, int endColumn = -1)
        : base($"{kind}: {msg} ({filename}, line {line})")
    {
        Msg = msg; Filename = filename; Line = line; Column = column;
        SourceLine = sourceLine; Kind = kind;
        if (endLine > 0 && endColumn >= 0) { EndLine = endLine; EndColumn = endColumn; }
        else { EndLine = -1; EndColumn = -1; }
    }

    /// <summary>Whether the error carries a range (end_lineno / end_offset).</summary>
    public bool HasRange => EndLine > 0 && EndColumn >= 0;

    /// <summary>
    /// A column in code points (the syntax tree's unit) as the UTF-8 byte offset CPython's
    /// parser and compiler report in a SyntaxError for a file (columns past the end of the
    /// line count one byte each).
    /// </summary>
    public static int ByteColumn(string? lineText, int column)
    {
        if (lineText is null || column <= 0) return column;
        int bytes = 0, cp = 0, i = 0;
        while (cp < column && i < lineText.Length)
        {
            int c = lineText[i];
            if (char.IsHighSurrogate(lineText[i]) && i + 1 < lineText.Length && char.IsLowSurrogate(lineText[i + 1]))
            {
                bytes += 4;
                i += 2;
            }
            else
            {
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
                i++;
            }
            cp++;
        }
        return bytes + (column - cp);
    }
}
