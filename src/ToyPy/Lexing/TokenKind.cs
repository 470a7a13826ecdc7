namespace ToyPy.Lexing;

/// <summary>
/// The kinds of token the lexer hands to the parser. Mirrors CPython's
/// Lib/token.py where a name exists there; keywords get a kind each so the
/// parser can match them without string comparisons.
/// </summary>
public enum TokenKind : byte
{
    EndMarker,
    Newline,
    Indent,
    Dedent,

    Name,
    Int,        // Token.Text is the literal as written (may carry '_', 0x, 0o, 0b)
    Float,      // Token.Text as written; imaginary literals are a SyntaxError
    String,     // Token.Text is the decoded value; Token.StringPrefix tells b/f/r
    FString,    // Token.Text is the raw body between the quotes (escapes not yet decoded)

    // keywords
    False, None, True, And, As, Assert, Async, Await, Break, Class, Continue,
    Def, Del, Elif, Else, Except, Finally, For, From, Global, If, Import, In,
    Is, Lambda, Nonlocal, Not, Or, Pass, Raise, Return, Try, While, With, Yield,

    // operators and delimiters
    LParen, RParen, LBracket, RBracket, LBrace, RBrace,
    Colon, Comma, Semicolon, Dot, Ellipsis, Arrow, At, ColonEqual,
    Plus, Minus, Star, Slash, DoubleSlash, Percent, DoubleStar,
    Amper, VBar, Circumflex, Tilde, LeftShift, RightShift,
    Less, Greater, LessEqual, GreaterEqual, EqEqual, NotEqual,
    Equal,
    PlusEqual, MinusEqual, StarEqual, SlashEqual, DoubleSlashEqual, PercentEqual,
    DoubleStarEqual, AmperEqual, VBarEqual, CircumflexEqual, LeftShiftEqual,
    RightShiftEqual, AtEqual,
}
