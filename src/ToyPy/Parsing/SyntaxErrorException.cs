namespace ToyPy.Parsing;

/// <summary>
/// A compile-time error found by the lexer, parser or compiler. The runtime
/// turns it into the Python exception named by Kind ("SyntaxError",
/// "IndentationError" or "TabError") and prints it as CPython does:
/// <code>
///   File "x.tpy", line 3
///     if x
///         ^
/// SyntaxError: expected ':'
/// </code>
/// Line is 1-based; Column is the 0-based offset the caret points at.
/// SourceLine is the offending line's text without its newline (null if unknown).
/// </summary>
public sealed class SyntaxErrorException : Exception
{
    public string Kind { get; }
    public string Msg { get; }
    public string Filename { get; }
    public int Line { get; }
    public int Column { get; }
    public string? SourceLine { get; }

    public SyntaxErrorException(string msg, string filename, int line, int column,
                                string? sourceLine, string kind = "SyntaxError")
        : base($"{kind}: {msg} ({filename}, line {line})")
    {
        Msg = msg; Filename = filename; Line = line; Column = column;
        SourceLine = sourceLine; Kind = kind;
    }
}
