namespace ToyPy.Lexing;

/// <summary>String literal prefixes, combined as flags ("rb" = Raw | Bytes).</summary>
[Flags]
public enum StringPrefix : byte { None = 0, Raw = 1, Bytes = 2, Format = 4 }

/// <summary>
/// One token. Line and column are 1-based line and 0-based column of the
/// token's first character (CPython's convention for SyntaxError and the AST).
/// EndLine/EndColumn point just past the token.
/// For String tokens Text is the decoded value (escapes processed; for bytes
/// literals each char is one byte 0..255). Adjacent string literals are NOT
/// concatenated by the lexer: the parser does that.
/// For FString tokens Text is the raw source between the quotes; the parser
/// splits it into literal parts and expressions (FStringParser).
/// </summary>
public readonly record struct Token(
    TokenKind Kind,
    string Text,
    int Line,
    int Column,
    int EndLine,
    int EndColumn,
    StringPrefix Prefix = StringPrefix.None)
{
    public override string ToString() => $"{Kind} '{Text}' {Line}:{Column}";
}
