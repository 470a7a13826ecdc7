using System.Globalization;
using System.Text;
using ToyPy.Parsing;

namespace ToyPy.Lexing;

/// <summary>
/// Hand-written tokenizer following CPython 3.11's Parser/tokenizer.c: the same
/// INDENT/DEDENT algorithm (tab size 8 plus the "alternate" tab size 1 used to
/// detect TabError), the same bracket bookkeeping, the same number scanner and
/// the same error messages and positions (line 1-based, column 0-based).
/// <para>
/// Token columns count code points, like Python's tokenize module. Error columns
/// are CPython's: code points for the errors its tokenizer raises, UTF-8 byte
/// offsets for the ones its parser raises (unclosed bracket, dedent, backslash
/// continuation, bytes/escape errors, "invalid syntax"), so the caret lands
/// exactly where CPython puts it.
/// </para>
/// <para>
/// Error precedence: CPython's tokenizer is lazy, but after any parser error it
/// tokenizes the rest of the file and a tokenizer error found there wins. So the
/// errors of its parser that the lexer can see ('$', '?', a lone '!', '&lt;&gt;',
/// bad escapes, non-ASCII bytes, and ToyPy's unsupported imaginary literals) are
/// deferred: scanning goes on and a later tokenizer error is thrown instead.
/// See <see cref="Tokenize(string, string, out SyntaxErrorException?)"/> and
/// <see cref="WinsOverEarlierParserErrors"/> to let the parser's own errors
/// come first where CPython's do.
/// </para>
/// <para>
/// Not supported: imaginary literals (an error); NFKC normalization of
/// identifiers (InvariantGlobalization makes it a no-op); <c>\N{...}</c> knows
/// only a table of common names (plus CJK ideographs and Hangul syllables).
/// </para>
/// </summary>
public static class Lexer
{
    private const int MaxIndent = 100;   // CPython's MAXINDENT
    private const int MaxLevel = 200;    // CPython's MAXLEVEL
    private const int TabSize = 8;

    /// <summary>
    /// Tokenizes a whole file. The result ends with NEWLINE (added when the
    /// last logical line lacks one), the DEDENTs closing open blocks and one
    /// EndMarker. Throws <see cref="SyntaxErrorException"/> on lexical errors.
    /// </summary>
    public static Token[] Tokenize(string source, string filename)
    {
        var s = new Scanner(source, filename);
        s.Run();
        return s.Tokens.ToArray();
    }

    /// <summary>
    /// Like <see cref="Tokenize(string, string)"/> but never throws: on a
    /// lexical error it returns the tokens before the point where CPython's
    /// parser would meet the error (without EndMarker) and the error in
    /// <paramref name="error"/>. A parser parses them and throws the error when
    /// it needs a token past the end; if it fails earlier, its own error wins
    /// unless <see cref="WinsOverEarlierParserErrors"/> says otherwise.
    /// </summary>
    public static Token[] Tokenize(string source, string filename, out SyntaxErrorException? error)
    {
        var s = new Scanner(source, filename);
        error = null;
        try { s.Run(); }
        catch (SyntaxErrorException e)
        {
            error = e;
            if (s.DeferredTokenCount >= 0) s.Tokens.RemoveRange(s.DeferredTokenCount, s.Tokens.Count - s.DeferredTokenCount);
        }
        return s.Tokens.ToArray();
    }

    /// <summary>
    /// Whether CPython reports this lexer error even when its parser has already
    /// failed earlier in the file. After a parser error CPython tokenizes the rest
    /// of the file and prefers the errors its tokenizer raises itself (invalid
    /// characters and number literals, unterminated strings, unmatched or
    /// mismatched brackets). It does not do so for the errors it reports only
    /// when the parser reaches them: bad dedent, TabError, backslash continuation,
    /// unexpected EOF, unclosed bracket, "invalid syntax" ('$', '?', '!'...) and
    /// string decoding errors; for those the parser's own earlier error wins.
    /// </summary>
    public static bool WinsOverEarlierParserErrors(SyntaxErrorException e)
    {
        string m = e.Msg;
        return !(m is "unindent does not match any outer indentation level"
                   or "inconsistent use of tabs and spaces in indentation"
                   or "too many levels of indentation"
                   or "unexpected character after line continuation character"
                   or "unexpected EOF while parsing"
                   or "invalid syntax"
                   or "bytes can only contain ASCII literal characters"
                   or "imaginary numbers are not supported by ToyPy"
                 || m.EndsWith("was never closed", StringComparison.Ordinal)
                 || m.StartsWith("(unicode error)", StringComparison.Ordinal)
                 || m.StartsWith("(value error)", StringComparison.Ordinal));
    }

    /// <summary>
    /// Decodes the backslash escapes of a (non-raw) string literal body as
    /// CPython does; for bytes every char of the result is one byte 0..255.
    /// Returns false with CPython's message (e.g. "(unicode error) 'unicodeescape'
    /// codec can't decode bytes in position 0-2: truncated \xXX escape") on error.
    /// Useful for the literal parts of f-strings.
    /// </summary>
    public static bool TryDecodeEscapes(ReadOnlySpan<char> body, bool isBytes, out string value, out string? error)
    {
        string? v = isBytes ? DecodeBytes(body, out error) : DecodeStr(body, out error);
        value = v ?? "";
        return v != null;
    }

    // ------------------------------------------------------------------
    // Scanner
    // ------------------------------------------------------------------

    private sealed class Scanner
    {
        private string _src;
        private int _len;
        private readonly string _filename;
        private bool _hasAstral;
        private bool _ascii;

        private int _pos;
        private int _line = 1;
        private int _lineStart;
        private int _bufStart;   // start of CPython's line buffer (see ContinuationLine)
        private int _tokStart;   // index where the token being scanned starts
        private bool _atBol = true;

        private readonly int[] _indStack = new int[MaxIndent];
        private readonly int[] _altIndStack = new int[MaxIndent];
        private int _indent;
        private int _pendin;

        private readonly char[] _parenStack = new char[MaxLevel];
        private readonly int[] _parenLine = new int[MaxLevel];
        private readonly int[] _parenPos = new int[MaxLevel];
        private readonly int[] _parenLineStart = new int[MaxLevel];
        private int _level;

        private readonly HashSet<string> _names = new(StringComparer.Ordinal);

        private SyntaxErrorException? _deferred;
        private bool _fixDeferred;
        public int DeferredTokenCount = -1;

        public readonly List<Token> Tokens;

        public Scanner(string source, string filename)
        {
            _src = source ?? "";
            _filename = filename ?? "<unknown>";
            Tokens = new List<Token>(_src.Length / 8 + 16);
        }

        private char Ch(int i) => (uint)i < (uint)_len ? _src[i] : '\0';

        public void Run()
        {
            Prepare();
            while (true)
            {
                // ---- nextline: indentation of a new physical line ----
                bool blankline = false;
                if (_atBol)
                {
                    _atBol = false;
                    blankline = Indentation();
                }

                int pcol = Col(_pos, _lineStart);
                while (_pendin != 0)
                {
                    if (_pendin < 0) { _pendin++; Add(TokenKind.Dedent, "", _line, pcol, _line, pcol); }
                    else { _pendin--; Add(TokenKind.Indent, "", _line, pcol, _line, pcol); }
                }

                // ---- again: tokens of this physical line ----
                while (true)
                {
                    char c = Ch(_pos);
                    while (c == ' ' || c == '\t' || c == '\f') c = Ch(++_pos);
                    int start = _pos;

                    if (c == '#')
                    {
                        int nl = _src.IndexOf('\n', _pos);
                        _pos = nl < 0 ? _len : nl;
                        c = Ch(_pos);
                    }

                    _tokStart = _pos;
                    if (c == '\0')
                    {
                        if (_level > 0) throw Fail(NeverClosed());
                        if (_deferred != null) throw _deferred;
                        int ecol = Col(_pos, _lineStart);
                        Add(TokenKind.EndMarker, "", _line, ecol, _line, ecol);
                        return;
                    }

                    if (c == '\n')
                    {
                        _atBol = true;
                        if (!blankline && _level == 0)
                        {
                            int ncol = Col(_pos, _lineStart);
                            Add(TokenKind.Newline, "\n", _line, ncol, _line, ncol + 1);
                        }
                        _pos++; _line++; _lineStart = _pos; _bufStart = _pos;
                        break; // nextline
                    }

                    if (c >= 128 || char.IsAsciiLetter(c) || c == '_') { NameOrString(start); continue; }

                    if (c == '.')
                    {
                        char c2 = Ch(_pos + 1);
                        if (char.IsAsciiDigit(c2)) { Number(start); continue; }
                        if (c2 == '.' && Ch(_pos + 2) == '.') { Op(TokenKind.Ellipsis, 3); continue; }
                        Op(TokenKind.Dot, 1);
                        continue;
                    }

                    if (char.IsAsciiDigit(c)) { Number(start); continue; }

                    if (c == '\'' || c == '"') { String(start, start, StringPrefix.None); continue; }

                    if (c == '\\') { ContinuationLine(inIndent: false); continue; }

                    Operator(c);
                }
            }
        }

        private void Prepare()
        {
            string s = _src;
            if (s.Length > 0 && s[0] == '\uFEFF') s = s.Substring(1);
            if (s.Contains('\r')) s = s.Replace("\r\n", "\n").Replace('\r', '\n');
            int nul = s.IndexOf('\0');
            if (nul >= 0)
            {
                int ls = nul == 0 ? 0 : s.LastIndexOf('\n', nul - 1) + 1;
                int ln = s.AsSpan(0, nul).Count('\n') + 1;
                throw new SyntaxErrorException("source code cannot contain null bytes", _filename, ln, 0,
                    s.Substring(ls, nul - ls));
            }
            if (s.Length > 0 && s[^1] != '\n') s += "\n";
            _src = s;
            _len = s.Length;
            _hasAstral = s.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') >= 0;
            _ascii = s.AsSpan().IndexOfAnyExceptInRange('\0', '\x7f') < 0;
        }

        // ------------------------------------------------------------------
        // Indentation (the atbol block of tok_get)
        // ------------------------------------------------------------------

        /// <summary>Measures the indentation of a new line; returns whether it is blank.</summary>
        private bool Indentation()
        {
            int col = 0, altcol = 0, contLineCol = 0;
            char c;
            while (true)
            {
                c = Ch(_pos);
                if (c == ' ') { col++; altcol++; _pos++; }
                else if (c == '\t') { col = (col / TabSize + 1) * TabSize; altcol++; _pos++; }
                else if (c == '\f') { col = altcol = 0; _pos++; }
                else if (c == '\\')
                {
                    // Indentation cannot be split over several physical lines: the
                    // first backslash found determines the indentation level.
                    contLineCol = contLineCol != 0 ? contLineCol : col;
                    ContinuationLine(inIndent: true);
                }
                else break;
            }
            bool blank = c == '#' || c == '\n';
            if (!blank && _level == 0)
            {
                if (contLineCol != 0) { col = contLineCol; altcol = contLineCol; }
                if (col == _indStack[_indent])
                {
                    if (altcol != _altIndStack[_indent]) throw Fail(TabError());
                }
                else if (col > _indStack[_indent])
                {
                    if (_indent + 1 >= MaxIndent)
                        throw Fail(new SyntaxErrorException("too many levels of indentation", _filename, _line, 0,
                            LineText(_lineStart), "IndentationError"));
                    if (altcol <= _altIndStack[_indent]) throw Fail(TabError());
                    _pendin++;
                    _indStack[++_indent] = col;
                    _altIndStack[_indent] = altcol;
                }
                else
                {
                    while (_indent > 0 && col < _indStack[_indent]) { _pendin--; _indent--; }
                    if (col != _indStack[_indent])
                    {
                        string text = LineText(_lineStart);
                        throw Fail(new SyntaxErrorException("unindent does not match any outer indentation level",
                            _filename, _line, ByteCol(_lineStart + text.Length, _lineStart), text, "IndentationError"));
                    }
                    if (altcol != _altIndStack[_indent]) throw Fail(TabError());
                }
            }
            return blank;
        }

        private SyntaxErrorException TabError() =>
            new("inconsistent use of tabs and spaces in indentation", _filename, _line, 0,
                LineText(_lineStart), "TabError");

        /// <summary>At a backslash: it must be followed by a newline (and not by the end of the file).</summary>
        private void ContinuationLine(bool inIndent)
        {
            if (Ch(_pos + 1) != '\n')
            {
                // CPython: cur - buf - 1, where its buffer may still hold the previous
                // lines of a multi-line string or of a backslash continuation.
                throw Fail(new SyntaxErrorException("unexpected character after line continuation character",
                    _filename, _line, ByteCol(_pos + 1, _bufStart), LineText(_lineStart)));
            }
            int lineLen = ByteCol(_pos + 1, _lineStart);
            _pos += 2; _line++; _lineStart = _pos;
            if (inIndent) _bufStart = _pos;
            if (_pos >= _len)
            {
                int ls = _src.LastIndexOf('\n', _pos - 2) + 1;
                throw Fail(new SyntaxErrorException("unexpected EOF while parsing", _filename, _line - 1,
                    inIndent ? 0 : lineLen, LineText(ls)));
            }
        }

        // ------------------------------------------------------------------
        // Names and string prefixes
        // ------------------------------------------------------------------

        private void NameOrString(int start)
        {
            int p = start;
            bool sawB = false, sawR = false, sawU = false, sawF = false;
            while (true)
            {
                char c = _src[p];
                if (!(sawB || sawU || sawF) && (c == 'b' || c == 'B')) sawB = true;
                else if (!(sawB || sawU || sawR || sawF) && (c == 'u' || c == 'U')) sawU = true;
                else if (!(sawR || sawU) && (c == 'r' || c == 'R')) sawR = true;
                else if (!(sawF || sawB || sawU) && (c == 'f' || c == 'F')) sawF = true;
                else break;
                p++;
                char q = Ch(p);
                if (q == '"' || q == '\'')
                {
                    var prefix = (sawB ? StringPrefix.Bytes : 0) | (sawR ? StringPrefix.Raw : 0)
                                 | (sawF ? StringPrefix.Format : 0);
                    String(start, p, prefix);
                    return;
                }
            }

            bool nonAscii = false;
            while (true)
            {
                char c = Ch(p);
                if (c >= 128) nonAscii = true;
                else if (!(char.IsAsciiLetterOrDigit(c) || c == '_')) break;
                p++;
            }
            if (nonAscii) VerifyIdentifier(start, p);

            var span = _src.AsSpan(start, p - start);
            TokenKind kind = KeywordKind(span);
            string text;
            if (kind != TokenKind.Name) text = KindText[(int)kind];
            else
            {
                var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
                if (!lookup.TryGetValue(span, out text!))
                {
                    text = span.ToString();
                    _names.Add(text);
                }
            }
            int col = Col(start, _lineStart);
            Add(kind, text, _line, col, _line, col + (nonAscii ? Col(p, start) : p - start));
            _pos = p;
        }

        private void VerifyIdentifier(int start, int end)
        {
            int i = start;
            while (i < end)
            {
                int cp = _src[i];
                int w = 1;
                if (char.IsHighSurrogate(_src[i]) && i + 1 < end && char.IsLowSurrogate(_src[i + 1]))
                {
                    cp = char.ConvertToUtf32(_src[i], _src[i + 1]);
                    w = 2;
                }
                bool ok = i == start ? (cp == '_' || IsXidStart(cp)) : IsXidContinue(cp);
                if (!ok)
                {
                    string hex = cp.ToString("X4", CultureInfo.InvariantCulture);
                    string msg = IsPrintable(cp)
                        ? $"invalid character '{_src.Substring(i, w)}' (U+{hex})"
                        : $"invalid non-printable character U+{hex}";
                    throw Error(msg, i);
                }
                i += w;
            }
        }

        private static TokenKind KeywordKind(ReadOnlySpan<char> s)
        {
            if (s.Length < 2 || s.Length > 8) return TokenKind.Name;
            return s switch
            {
                "False" => TokenKind.False,
                "None" => TokenKind.None,
                "True" => TokenKind.True,
                "and" => TokenKind.And,
                "as" => TokenKind.As,
                "assert" => TokenKind.Assert,
                "async" => TokenKind.Async,
                "await" => TokenKind.Await,
                "break" => TokenKind.Break,
                "class" => TokenKind.Class,
                "continue" => TokenKind.Continue,
                "def" => TokenKind.Def,
                "del" => TokenKind.Del,
                "elif" => TokenKind.Elif,
                "else" => TokenKind.Else,
                "except" => TokenKind.Except,
                "finally" => TokenKind.Finally,
                "for" => TokenKind.For,
                "from" => TokenKind.From,
                "global" => TokenKind.Global,
                "if" => TokenKind.If,
                "import" => TokenKind.Import,
                "in" => TokenKind.In,
                "is" => TokenKind.Is,
                "lambda" => TokenKind.Lambda,
                "nonlocal" => TokenKind.Nonlocal,
                "not" => TokenKind.Not,
                "or" => TokenKind.Or,
                "pass" => TokenKind.Pass,
                "raise" => TokenKind.Raise,
                "return" => TokenKind.Return,
                "try" => TokenKind.Try,
                "while" => TokenKind.While,
                "with" => TokenKind.With,
                "yield" => TokenKind.Yield,
                _ => TokenKind.Name,
            };
        }

        // ------------------------------------------------------------------
        // Numbers (a port of the NUMBER part of tok_get)
        // ------------------------------------------------------------------

        private enum NumNext { Done, Fraction, Exponent, Imaginary, VerifyDecimal }

        private void Number(int start)
        {
            int p = start;
            char c = Ch(p++);
            bool isFloat = false;
            NumNext next;

            if (c == '.')
            {
                c = Ch(p++);
                next = NumNext.Fraction;
            }
            else if (c == '0')
            {
                c = Ch(p++);
                if (c == 'x' || c == 'X')
                {
                    c = Ch(p++);
                    do
                    {
                        if (c == '_') c = Ch(p++);
                        if (!char.IsAsciiHexDigit(c)) { p--; throw Error("invalid hexadecimal literal", p - 1); }
                        do c = Ch(p++); while (char.IsAsciiHexDigit(c));
                    } while (c == '_');
                    VerifyEndOfNumber(ref p, c, "hexadecimal");
                    next = NumNext.Done;
                }
                else if (c == 'o' || c == 'O')
                {
                    c = Ch(p++);
                    do
                    {
                        if (c == '_') c = Ch(p++);
                        if (c < '0' || c >= '8')
                        {
                            if (char.IsAsciiDigit(c)) throw Error($"invalid digit '{c}' in octal literal", p - 1);
                            p--;
                            throw Error("invalid octal literal", p - 1);
                        }
                        do c = Ch(p++); while (c >= '0' && c < '8');
                    } while (c == '_');
                    if (char.IsAsciiDigit(c)) throw Error($"invalid digit '{c}' in octal literal", p - 1);
                    VerifyEndOfNumber(ref p, c, "octal");
                    next = NumNext.Done;
                }
                else if (c == 'b' || c == 'B')
                {
                    c = Ch(p++);
                    do
                    {
                        if (c == '_') c = Ch(p++);
                        if (c != '0' && c != '1')
                        {
                            if (char.IsAsciiDigit(c)) throw Error($"invalid digit '{c}' in binary literal", p - 1);
                            p--;
                            throw Error("invalid binary literal", p - 1);
                        }
                        do c = Ch(p++); while (c == '0' || c == '1');
                    } while (c == '_');
                    if (char.IsAsciiDigit(c)) throw Error($"invalid digit '{c}' in binary literal", p - 1);
                    VerifyEndOfNumber(ref p, c, "binary");
                    next = NumNext.Done;
                }
                else
                {
                    bool nonzero = false;
                    // maybe old-style octal; in any case allow '0' as a literal
                    while (true)
                    {
                        if (c == '_')
                        {
                            c = Ch(p++);
                            if (!char.IsAsciiDigit(c)) { p--; throw Error("invalid decimal literal", p - 1); }
                        }
                        if (c != '0') break;
                        c = Ch(p++);
                    }
                    if (char.IsAsciiDigit(c))
                    {
                        nonzero = true;
                        c = DecimalTail(ref p);
                    }
                    if (c == '.') { c = Ch(p++); next = NumNext.Fraction; }
                    else if (c == 'e' || c == 'E') next = NumNext.Exponent;
                    else if (c == 'j' || c == 'J') next = NumNext.Imaginary;
                    else if (nonzero)
                        throw Tok(ByteError("leading zeros in decimal integer literals are not permitted; " +
                                            "use an 0o prefix for octal integers", start));
                    else next = NumNext.VerifyDecimal;
                }
            }
            else
            {
                c = DecimalTail(ref p);
                if (c == '.') { c = Ch(p++); next = NumNext.Fraction; }
                else if (c == 'e' || c == 'E') next = NumNext.Exponent;
                else if (c == 'j' || c == 'J') next = NumNext.Imaginary;
                else next = NumNext.VerifyDecimal;
            }

            if (next == NumNext.Fraction)
            {
                isFloat = true;
                if (char.IsAsciiDigit(c)) c = DecimalTail(ref p);
                if (c == 'e' || c == 'E') next = NumNext.Exponent;
                else if (c == 'j' || c == 'J') next = NumNext.Imaginary;
                else next = NumNext.VerifyDecimal;
            }

            if (next == NumNext.Exponent)
            {
                char e = c;
                c = Ch(p++);
                if (c == '+' || c == '-')
                {
                    c = Ch(p++);
                    if (!char.IsAsciiDigit(c)) { p--; throw Error("invalid decimal literal", p - 1); }
                }
                else if (!char.IsAsciiDigit(c))
                {
                    // "1else": the 'e' starts a keyword, not an exponent
                    p--;
                    VerifyEndOfNumber(ref p, e, "decimal");
                    p--;
                    EmitNumber(start, p, isFloat);
                    return;
                }
                isFloat = true;
                c = DecimalTail(ref p);
                next = c == 'j' || c == 'J' ? NumNext.Imaginary : NumNext.VerifyDecimal;
            }

            if (next == NumNext.Imaginary)
            {
                c = Ch(p++);
                VerifyEndOfNumber(ref p, c, "imaginary");
                // A valid literal for CPython's tokenizer: reported like a parser error.
                p--;
                if (_deferred == null)
                    Defer(new SyntaxErrorException("imaginary numbers are not supported by ToyPy", _filename, _line,
                        Col(start, _lineStart), LineText(_lineStart)));
                _pos = p;
                return;
            }

            if (next == NumNext.VerifyDecimal) VerifyEndOfNumber(ref p, c, "decimal");

            p--; // back up the character after the literal
            EmitNumber(start, p, isFloat);
        }

        private void EmitNumber(int start, int end, bool isFloat)
        {
            int col = Col(start, _lineStart);
            Add(isFloat ? TokenKind.Float : TokenKind.Int, _src.Substring(start, end - start),
                _line, col, _line, col + (end - start));
            _pos = end;
        }

        /// <summary>tok_decimal_tail: digits with single '_' separators; returns the char after them (consumed).</summary>
        private char DecimalTail(ref int p)
        {
            char c;
            while (true)
            {
                do c = Ch(p++); while (char.IsAsciiDigit(c));
                if (c != '_') break;
                c = Ch(p++);
                if (!char.IsAsciiDigit(c)) { p--; throw Error("invalid decimal literal", p - 1); }
            }
            return c;
        }

        /// <summary>
        /// verify_end_of_number: c (just consumed, p is after it) must not start an
        /// identifier, except the keywords that may legally follow a number.
        /// </summary>
        private void VerifyEndOfNumber(ref int p, char c, string kind)
        {
            bool r = false;
            switch (c)
            {
                case 'a': r = Lookahead(p, "nd"); break;
                case 'e': r = Lookahead(p, "lse"); break;
                case 'f': r = Lookahead(p, "or"); break;
                case 'i': { char c2 = Ch(p); r = c2 == 'f' || c2 == 'n' || c2 == 's'; break; }
                case 'o': r = Lookahead(p, "r"); break;
                case 'n': r = Lookahead(p, "ot"); break;
            }
            if (r) return; // CPython only warns here
            if (char.IsAsciiLetterOrDigit(c) || c == '_') // CPython: c < 128 && is_potential_identifier_char(c)
            {
                p--;
                throw Error($"invalid {kind} literal", p - 1);
            }
        }

        private bool Lookahead(int p, string test)
        {
            foreach (char t in test)
            {
                if (Ch(p) != t) return false;
                p++;
            }
            char c = Ch(p);
            return !(c >= 128 || char.IsAsciiLetterOrDigit(c) || c == '_');
        }

        // ------------------------------------------------------------------
        // Strings
        // ------------------------------------------------------------------

        private void String(int start, int quotePos, StringPrefix prefix)
        {
            char q = _src[quotePos];
            int startLine = _line, startLineStart = _lineStart;
            int p = quotePos + 1;
            bool triple = Ch(p) == q && Ch(p + 1) == q;
            if (triple) p += 2;
            int bodyStart = p, bodyEnd;
            bool hasBackslash = false;

            while (true)
            {
                int k = p < _len ? _src.AsSpan(p).IndexOfAny(q, '\\', '\n') : -1;
                if (k < 0)
                {
                    // end of file: the last character read was the final '\n'
                    throw Tok(Unterminated(triple, start, startLine, startLineStart, _line - 1));
                }
                p += k;
                char c = _src[p];
                if (c == q)
                {
                    if (!triple) { bodyEnd = p; p++; break; }
                    if (Ch(p + 1) == q && Ch(p + 2) == q) { bodyEnd = p; p += 3; break; }
                    p++;
                }
                else if (c == '\n')
                {
                    if (!triple) throw Tok(Unterminated(false, start, startLine, startLineStart, _line));
                    p++; _line++; _lineStart = p;
                }
                else
                {
                    hasBackslash = true;
                    char n = Ch(p + 1);
                    if (n == '\0') { p++; continue; } // reported as end of file above
                    p += 2;
                    if (n == '\n') { _line++; _lineStart = p; }
                }
            }

            int col = Col(start, startLineStart);
            int endCol = Col(p, _lineStart);
            var body = _src.AsSpan(bodyStart, bodyEnd - bodyStart);
            string text;

            // Decoding errors are found by CPython's parser when it builds the
            // literal, so they are deferred like "invalid syntax" (see InvalidSyntax)
            // and not looked for once the parser would have failed already.
            bool check = _deferred == null;
            if (check && (prefix & StringPrefix.Bytes) != 0 && body.IndexOfAnyExceptInRange('\0', '\x7f') >= 0)
            {
                Defer(new SyntaxErrorException("bytes can only contain ASCII literal characters", _filename,
                    startLine, ByteCol(start, startLineStart), LineText(startLineStart)));
                check = false;
            }

            if (!check || (prefix & (StringPrefix.Format | StringPrefix.Raw)) != 0 || !hasBackslash)
            {
                text = body.ToString();
            }
            else
            {
                string? error;
                string? decoded = (prefix & StringPrefix.Bytes) != 0 ? DecodeBytes(body, out error) : DecodeStr(body, out error);
                if (decoded == null)
                {
                    // reported where the token after the group of adjacent literals starts
                    Defer(new SyntaxErrorException(error!, _filename, _line, ByteCol(p, _lineStart), LineText(_lineStart)));
                    _fixDeferred = true;
                }
                text = decoded ?? body.ToString();
            }

            Add((prefix & StringPrefix.Format) != 0 ? TokenKind.FString : TokenKind.String, text,
                startLine, col, _line, endCol, prefix);
            _pos = p;
        }

        private SyntaxErrorException Unterminated(bool triple, int start, int startLine, int startLineStart, int detected)
        {
            string msg = triple
                ? $"unterminated triple-quoted string literal (detected at line {detected})"
                : $"unterminated string literal (detected at line {detected})";
            return new SyntaxErrorException(msg, _filename, startLine, Col(start, startLineStart),
                LineText(startLineStart));
        }

        // ------------------------------------------------------------------
        // Operators and brackets
        // ------------------------------------------------------------------

        private void Operator(char c)
        {
            char c2 = Ch(_pos + 1);
            char c3 = Ch(_pos + 2);
            TokenKind kind;
            int n = 1;
            switch (c)
            {
                case '(': kind = TokenKind.LParen; OpenBracket(c); break;
                case '[': kind = TokenKind.LBracket; OpenBracket(c); break;
                case '{': kind = TokenKind.LBrace; OpenBracket(c); break;
                case ')': kind = TokenKind.RParen; CloseBracket(c); break;
                case ']': kind = TokenKind.RBracket; CloseBracket(c); break;
                case '}': kind = TokenKind.RBrace; CloseBracket(c); break;
                case ',': kind = TokenKind.Comma; break;
                case ';': kind = TokenKind.Semicolon; break;
                case '~': kind = TokenKind.Tilde; break;
                case ':':
                    if (c2 == '=') { kind = TokenKind.ColonEqual; n = 2; }
                    else kind = TokenKind.Colon;
                    break;
                case '-':
                    if (c2 == '>') { kind = TokenKind.Arrow; n = 2; }
                    else if (c2 == '=') { kind = TokenKind.MinusEqual; n = 2; }
                    else kind = TokenKind.Minus;
                    break;
                case '+':
                    if (c2 == '=') { kind = TokenKind.PlusEqual; n = 2; }
                    else kind = TokenKind.Plus;
                    break;
                case '*':
                    if (c2 == '*')
                    {
                        if (c3 == '=') { kind = TokenKind.DoubleStarEqual; n = 3; }
                        else { kind = TokenKind.DoubleStar; n = 2; }
                    }
                    else if (c2 == '=') { kind = TokenKind.StarEqual; n = 2; }
                    else kind = TokenKind.Star;
                    break;
                case '/':
                    if (c2 == '/')
                    {
                        if (c3 == '=') { kind = TokenKind.DoubleSlashEqual; n = 3; }
                        else { kind = TokenKind.DoubleSlash; n = 2; }
                    }
                    else if (c2 == '=') { kind = TokenKind.SlashEqual; n = 2; }
                    else kind = TokenKind.Slash;
                    break;
                case '%':
                    if (c2 == '=') { kind = TokenKind.PercentEqual; n = 2; }
                    else kind = TokenKind.Percent;
                    break;
                case '@':
                    if (c2 == '=') { kind = TokenKind.AtEqual; n = 2; }
                    else kind = TokenKind.At;
                    break;
                case '&':
                    if (c2 == '=') { kind = TokenKind.AmperEqual; n = 2; }
                    else kind = TokenKind.Amper;
                    break;
                case '|':
                    if (c2 == '=') { kind = TokenKind.VBarEqual; n = 2; }
                    else kind = TokenKind.VBar;
                    break;
                case '^':
                    if (c2 == '=') { kind = TokenKind.CircumflexEqual; n = 2; }
                    else kind = TokenKind.Circumflex;
                    break;
                case '<':
                    if (c2 == '<')
                    {
                        if (c3 == '=') { kind = TokenKind.LeftShiftEqual; n = 3; }
                        else { kind = TokenKind.LeftShift; n = 2; }
                    }
                    else if (c2 == '=') { kind = TokenKind.LessEqual; n = 2; }
                    else if (c2 == '>') { InvalidSyntax(2); return; } // '<>' (Barry as FLUFL)
                    else kind = TokenKind.Less;
                    break;
                case '>':
                    if (c2 == '>')
                    {
                        if (c3 == '=') { kind = TokenKind.RightShiftEqual; n = 3; }
                        else { kind = TokenKind.RightShift; n = 2; }
                    }
                    else if (c2 == '=') { kind = TokenKind.GreaterEqual; n = 2; }
                    else kind = TokenKind.Greater;
                    break;
                case '=':
                    if (c2 == '=') { kind = TokenKind.EqEqual; n = 2; }
                    else kind = TokenKind.Equal;
                    break;
                case '!':
                    if (c2 == '=') { kind = TokenKind.NotEqual; n = 2; }
                    else { InvalidSyntax(1); return; }
                    break;
                default:
                    if (!IsPrintable(c))
                        throw Error($"invalid non-printable character U+{((int)c).ToString("X4", CultureInfo.InvariantCulture)}", _pos);
                    InvalidSyntax(1); // '$', '?', '`'
                    return;
            }
            Op(kind, n);
        }

        private void Op(TokenKind kind, int n)
        {
            int col = Col(_pos, _lineStart);
            Add(kind, KindText[(int)kind], _line, col, _line, col + n);
            _pos += n;
        }

        /// <summary>
        /// A character no token starts with ('$', '?', '`', a lone '!', '<>').
        /// CPython's tokenizer returns it as an OP token and its parser fails
        /// there with "invalid syntax"; but before reporting that generic error
        /// it tokenizes the rest of the file, and a tokenizer error found there
        /// wins. So the error is deferred: scanning goes on, a later tokenizer
        /// error is thrown instead, and otherwise this one is thrown at the end.
        /// </summary>
        private void InvalidSyntax(int n)
        {
            if (_deferred == null) Defer(ByteError("invalid syntax", _pos));
            _pos += n;
        }

        private void Defer(SyntaxErrorException e)
        {
            _deferred = e;
            DeferredTokenCount = Tokens.Count;
        }

        /// <summary>
        /// An error CPython's tokenizer raises itself (syntaxerror()): it wins over
        /// a deferred parser error, except an unclosed bracket from an earlier line.
        /// </summary>
        private SyntaxErrorException Tok(SyntaxErrorException e)
        {
            if (_deferred != null && _level > 0 && _parenLine[_level - 1] < _deferred.Line) return NeverClosed();
            return e;
        }

        /// <summary>
        /// Errors CPython's tokenizer reports without raising (E_DEDENT, E_TABSPACE,
        /// E_LINECONT, E_EOF...): after a deferred "invalid syntax" they do not win
        /// over it, except an unclosed bracket opened on an earlier line.
        /// </summary>
        private SyntaxErrorException Fail(SyntaxErrorException e)
        {
            if (_deferred == null) return e;
            if (_level > 0 && _parenLine[_level - 1] < _deferred.Line) return NeverClosed();
            return _deferred;
        }

        private void OpenBracket(char c)
        {
            if (_level >= MaxLevel) throw Error("too many nested parentheses", _pos);
            _parenStack[_level] = c;
            _parenLine[_level] = _line;
            _parenPos[_level] = _pos;
            _parenLineStart[_level] = _lineStart;
            _level++;
        }

        private void CloseBracket(char c)
        {
            if (_level == 0) throw Error($"unmatched '{c}'", _pos);
            _level--;
            char opening = _parenStack[_level];
            if (!((opening == '(' && c == ')') || (opening == '[' && c == ']') || (opening == '{' && c == '}')))
            {
                string msg = _parenLine[_level] != _line
                    ? $"closing parenthesis '{c}' does not match opening parenthesis '{opening}' on line {_parenLine[_level]}"
                    : $"closing parenthesis '{c}' does not match opening parenthesis '{opening}'";
                throw Error(msg, _pos);
            }
        }

        private SyntaxErrorException NeverClosed()
        {
            int i = _level - 1;
            return new SyntaxErrorException($"'{_parenStack[i]}' was never closed", _filename, _parenLine[i],
                ByteCol(_parenPos[i], _parenLineStart[i]), LineText(_parenLineStart[i]));
        }

        // ------------------------------------------------------------------
        // Helpers
        // ------------------------------------------------------------------

        private void Add(TokenKind kind, string text, int line, int col, int endLine, int endCol,
                         StringPrefix prefix = StringPrefix.None)
        {
            if (_fixDeferred && kind != TokenKind.String && kind != TokenKind.FString)
            {
                _fixDeferred = false;
                _deferred = new SyntaxErrorException(_deferred!.Msg, _filename, _line,
                    ByteCol(_tokStart, _lineStart), LineText(_lineStart));
            }
            Tokens.Add(new Token(kind, text, line, col, endLine, endCol, prefix));
        }

        /// <summary>Column (in code points, as CPython counts) of index idx on the line starting at lineStart.</summary>
        private int Col(int idx, int lineStart)
        {
            int col = idx - lineStart;
            if (!_hasAstral) return col;
            for (int k = lineStart; k < idx - 1; k++)
                if (char.IsHighSurrogate(_src[k]) && char.IsLowSurrogate(_src[k + 1])) col--;
            return col;
        }

        /// <summary>
        /// Column as a UTF-8 byte offset: CPython reports the errors raised by its
        /// parser (rather than by the tokenizer's syntaxerror()) with byte offsets.
        /// </summary>
        private int ByteCol(int idx, int lineStart) =>
            _ascii ? idx - lineStart : Encoding.UTF8.GetByteCount(_src.AsSpan(lineStart, idx - lineStart));

        private string LineText(int lineStart)
        {
            if (lineStart >= _len) return "";
            int e = _src.IndexOf('\n', lineStart);
            return _src.Substring(lineStart, (e < 0 ? _len : e) - lineStart);
        }

        /// <summary>A SyntaxError on the current line at source index idx, with a byte column.</summary>
        private SyntaxErrorException ByteError(string msg, int idx) =>
            new(msg, _filename, _line, ByteCol(Math.Max(idx, _lineStart), _lineStart), LineText(_lineStart));

        /// <summary>A SyntaxError raised by the tokenizer on the current line at source index idx.</summary>
        private SyntaxErrorException Error(string msg, int idx) =>
            Tok(new(msg, _filename, _line, Col(Math.Max(idx, _lineStart), _lineStart), LineText(_lineStart)));
    }

    // ------------------------------------------------------------------
    // Character classes
    // ------------------------------------------------------------------

    private static bool IsXidStart(int cp)
    {
        if (cp < 128) return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.LetterNumber:
                return true;
        }
        // Other_ID_Start
        return cp is 0x1885 or 0x1886 or 0x2118 or 0x212E or 0x309B or 0x309C;
    }

    private static bool IsXidContinue(int cp)
    {
        if (cp < 128) return char.IsAsciiLetterOrDigit((char)cp) || cp == '_';
        if (IsXidStart(cp)) return true;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.ConnectorPunctuation:
                return true;
        }
        // Other_ID_Continue
        return cp == 0x00B7 || cp == 0x0387 || (cp >= 0x1369 && cp <= 0x1371) || cp == 0x19DA;
    }

    /// <summary>Python's str.isprintable for one code point.</summary>
    private static bool IsPrintable(int cp)
    {
        if (cp == ' ') return true;
        if (cp < 0x20 || cp == 0x7F) return false;
        if (cp < 0x7F) return true;
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.Control:
            case UnicodeCategory.Format:
            case UnicodeCategory.Surrogate:
            case UnicodeCategory.PrivateUse:
            case UnicodeCategory.OtherNotAssigned:
            case UnicodeCategory.LineSeparator:
            case UnicodeCategory.ParagraphSeparator:
            case UnicodeCategory.SpaceSeparator:
                return false;
        }
        return true;
    }

    private static readonly string[] KindText = BuildKindText();

    private static string[] BuildKindText()
    {
        var t = new string[256];
        Array.Fill(t, "");
        foreach (TokenKind k in Enum.GetValues<TokenKind>())
            if (k >= TokenKind.False && k <= TokenKind.Yield)
                t[(int)k] = k is TokenKind.False or TokenKind.None or TokenKind.True
                    ? k.ToString() : k.ToString().ToLowerInvariant();
        void S(TokenKind k, string s) => t[(int)k] = s;
        S(TokenKind.LParen, "("); S(TokenKind.RParen, ")"); S(TokenKind.LBracket, "[");
        S(TokenKind.RBracket, "]"); S(TokenKind.LBrace, "{"); S(TokenKind.RBrace, "}");
        S(TokenKind.Colon, ":"); S(TokenKind.Comma, ","); S(TokenKind.Semicolon, ";");
        S(TokenKind.Dot, "."); S(TokenKind.Ellipsis, "..."); S(TokenKind.Arrow, "->");
        S(TokenKind.At, "@"); S(TokenKind.ColonEqual, ":="); S(TokenKind.Plus, "+");
        S(TokenKind.Minus, "-"); S(TokenKind.Star, "*"); S(TokenKind.Slash, "/");
        S(TokenKind.DoubleSlash, "//"); S(TokenKind.Percent, "%"); S(TokenKind.DoubleStar, "**");
        S(TokenKind.Amper, "&"); S(TokenKind.VBar, "|"); S(TokenKind.Circumflex, "^");
        S(TokenKind.Tilde, "~"); S(TokenKind.LeftShift, "<<"); S(TokenKind.RightShift, ">>");
        S(TokenKind.Less, "<"); S(TokenKind.Greater, ">"); S(TokenKind.LessEqual, "<=");
        S(TokenKind.GreaterEqual, ">="); S(TokenKind.EqEqual, "=="); S(TokenKind.NotEqual, "!=");
        S(TokenKind.Equal, "="); S(TokenKind.PlusEqual, "+="); S(TokenKind.MinusEqual, "-=");
        S(TokenKind.StarEqual, "*="); S(TokenKind.SlashEqual, "/="); S(TokenKind.DoubleSlashEqual, "//=");
        S(TokenKind.PercentEqual, "%="); S(TokenKind.DoubleStarEqual, "**="); S(TokenKind.AmperEqual, "&=");
        S(TokenKind.VBarEqual, "|="); S(TokenKind.CircumflexEqual, "^="); S(TokenKind.LeftShiftEqual, "<<=");
        S(TokenKind.RightShiftEqual, ">>="); S(TokenKind.AtEqual, "@=");
        return t;
    }

    // ------------------------------------------------------------------
    // Escape decoding (decode_unicode_with_escapes / _PyBytes_DecodeEscape)
    // ------------------------------------------------------------------

    /// <summary>
    /// Weight of body[i] in the buffer CPython actually decodes: it rewrites each
    /// non-ASCII code point as "\UXXXXXXXX" (10 bytes) before decoding, so error
    /// positions count those as 10.
    /// </summary>
    private static int Weight(ReadOnlySpan<char> body, int i)
    {
        char c = body[i];
        if (c < 128) return 1;
        if (char.IsLowSurrogate(c) && i > 0 && char.IsHighSurrogate(body[i - 1])) return 0;
        return 10;
    }

    private static string? DecodeStr(ReadOnlySpan<char> body, out string? error)
    {
        error = null;
        var sb = new StringBuilder(body.Length);
        int n = body.Length;
        int i = 0, conv = 0;
        while (i < n)
        {
            char ch = body[i];
            if (ch != '\\')
            {
                sb.Append(ch);
                conv += Weight(body, i);
                i++;
                continue;
            }
            int escStart = conv;
            if (i + 1 >= n)
            {
                error = $"(unicode error) 'unicodeescape' codec can't decode byte 0x5c in position {escStart}: \\ at end of string";
                return null;
            }
            char e = body[i + 1];
            if (e >= 128)
            {
                // CPython turns it into "\u005c" followed by the escaped char: kept as-is
                sb.Append('\\');
                conv += 6;
                i++;
                continue;
            }
            i += 2;
            conv += 2;
            int count;
            string message;
            switch (e)
            {
                case '\n': continue;
                case '\\': case '\'': case '"': sb.Append(e); continue;
                case 'b': sb.Append('\b'); continue;
                case 'f': sb.Append('\f'); continue;
                case 't': sb.Append('\t'); continue;
                case 'n': sb.Append('\n'); continue;
                case 'r': sb.Append('\r'); continue;
                case 'v': sb.Append('\v'); continue;
                case 'a': sb.Append('\a'); continue;
                case >= '0' and <= '7':
                {
                    int v = e - '0';
                    if (i < n && body[i] >= '0' && body[i] <= '7')
                    {
                        v = v * 8 + (body[i++] - '0'); conv++;
                        if (i < n && body[i] >= '0' && body[i] <= '7') { v = v * 8 + (body[i++] - '0'); conv++; }
                    }
                    sb.Append((char)v);
                    continue;
                }
                case 'x': count = 2; message = "truncated \\xXX escape"; break;
                case 'u': count = 4; message = "truncated \\uXXXX escape"; break;
                case 'U': count = 8; message = "truncated \\UXXXXXXXX escape"; break;
                case 'N':
                {
                    message = "malformed \\N character escape";
                    if (i < n && body[i] == '{')
                    {
                        int nameStart = i + 1;
                        int j = nameStart;
                        while (j < n && body[j] != '}') j++;
                        if (j >= n)
                        {
                            for (int k = i; k < n; k++) conv += Weight(body, k);
                            error = UnicodeError(escStart, conv, message);
                            return null;
                        }
                        if (j > nameStart)
                        {
                            int after = conv;
                            for (int k = i; k <= j; k++) after += Weight(body, k);
                            if (UnicodeNames.TryLookup(body.Slice(nameStart, j - nameStart), out int cp))
                            {
                                AppendCodePoint(sb, cp);
                                i = j + 1;
                                conv = after;
                                continue;
                            }
                            error = UnicodeError(escStart, after, "unknown Unicode character name");
                            return null;
                        }
                        conv++; // the '{'
                    }
                    error = UnicodeError(escStart, conv, message);
                    return null;
                }
                default:
                    // unknown escape: kept with its backslash (CPython warns)
                    sb.Append('\\').Append(e);
                    continue;
            }

            // \x, \u, \U
            int value = 0;
            for (; count > 0; count--)
            {
                int d = i < n ? HexValue(body[i]) : -1;
                if (d < 0)
                {
                    error = UnicodeError(escStart, conv, message);
                    return null;
                }
                value = value * 16 + d;
                i++; conv++;
            }
            if (value > 0x10FFFF)
            {
                error = UnicodeError(escStart, conv, "illegal Unicode character");
                return null;
            }
            AppendCodePoint(sb, value);
        }
        return sb.ToString();
    }

    private static string UnicodeError(int start, int endExclusive, string message) =>
        $"(unicode error) 'unicodeescape' codec can't decode bytes in position {start}-{endExclusive - 1}: {message}";

    private static string? DecodeBytes(ReadOnlySpan<char> body, out string? error)
    {
        error = null;
        var sb = new StringBuilder(body.Length);
        int n = body.Length;
        int i = 0;
        while (i < n)
        {
            char ch = body[i];
            if (ch != '\\') { sb.Append(ch); i++; continue; }
            int bs = i;
            if (i + 1 >= n)
            {
                error = "(value error) Trailing \\ in string";
                return null;
            }
            char e = body[i + 1];
            i += 2;
            switch (e)
            {
                case '\n': break;
                case '\\': case '\'': case '"': sb.Append(e); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 't': sb.Append('\t'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 'v': sb.Append('\v'); break;
                case 'a': sb.Append('\a'); break;
                case >= '0' and <= '7':
                {
                    int v = e - '0';
                    if (i < n && body[i] >= '0' && body[i] <= '7')
                    {
                        v = v * 8 + (body[i++] - '0');
                        if (i < n && body[i] >= '0' && body[i] <= '7') v = v * 8 + (body[i++] - '0');
                    }
                    sb.Append((char)(v & 0xFF));
                    break;
                }
                case 'x':
                {
                    int d1 = i + 1 < n ? HexValue(body[i]) : -1;
                    int d2 = i + 1 < n ? HexValue(body[i + 1]) : -1;
                    if (d1 < 0 || d2 < 0)
                    {
                        error = $"(value error) invalid \\x escape at position {bs}";
                        return null;
                    }
                    sb.Append((char)(d1 * 16 + d2));
                    i += 2;
                    break;
                }
                default:
                    sb.Append('\\').Append(e);
                    break;
            }
        }
        return sb.ToString();
    }

    private static int HexValue(char c) =>
        c >= '0' && c <= '9' ? c - '0' :
        c >= 'a' && c <= 'f' ? c - 'a' + 10 :
        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

    private static void AppendCodePoint(StringBuilder sb, int cp)
    {
        if (cp < 0x10000) sb.Append((char)cp);
        else
        {
            cp -= 0x10000;
            sb.Append((char)(0xD800 + (cp >> 10))).Append((char)(0xDC00 + (cp & 0x3FF)));
        }
    }

    // ------------------------------------------------------------------
    // \N{...}: a table of common character names plus the algorithmic ones
    // ------------------------------------------------------------------

    private static class UnicodeNames
    {
        private static Dictionary<string, int>? _table;

        public static bool TryLookup(ReadOnlySpan<char> name, out int cp)
        {
            cp = 0;
            if (name.StartsWith("CJK UNIFIED IDEOGRAPH-", StringComparison.OrdinalIgnoreCase))
            {
                var hex = name.Slice(22);
                if (hex.Length != 4 && hex.Length != 5) return false;
                int v = 0;
                foreach (char c in hex)
                {
                    if (c >= '0' && c <= '9') v = v * 16 + (c - '0');
                    else if (c >= 'A' && c <= 'F') v = v * 16 + (c - 'A' + 10);
                    else return false;
                }
                if (!IsUnifiedIdeograph(v)) return false;
                cp = v;
                return true;
            }
            if (name.StartsWith("HANGUL SYLLABLE ", StringComparison.OrdinalIgnoreCase))
                return TryHangul(name.Slice(16), out cp);

            var table = _table ??= Build();
            return table.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out cp);
        }

        private static bool IsUnifiedIdeograph(int v) =>
            (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x4E00 && v <= 0x9FFF) ||
            (v >= 0x20000 && v <= 0x2A6DF) || (v >= 0x2A700 && v <= 0x2B738) ||
            (v >= 0x2B740 && v <= 0x2B81D) || (v >= 0x2B820 && v <= 0x2CEA1) ||
            (v >= 0x2CEB0 && v <= 0x2EBE0) || (v >= 0x30000 && v <= 0x3134A);

        private static readonly string[] JamoL =
            { "G", "GG", "N", "D", "DD", "R", "M", "B", "BB", "S", "SS", "", "J", "JJ", "C", "K", "T", "P", "H" };
        private static readonly string[] JamoV =
            { "A", "AE", "YA", "YAE", "EO", "E", "YEO", "YE", "O", "WA", "WAE", "OE", "YO", "U", "WEO", "WE", "WI", "YU", "EU", "YI", "I" };
        private static readonly string[] JamoT =
            { "", "G", "GG", "GS", "N", "NJ", "NH", "D", "L", "LG", "LM", "LB", "LS", "LT", "LP", "LH", "M", "B", "BS", "S", "SS", "NG", "J", "C", "K", "T", "P", "H" };

        private static int FindSyllable(ReadOnlySpan<char> s, string[] table, out int len)
        {
            len = -1;
            int pos = -1;
            for (int i = 0; i < table.Length; i++)
            {
                string t = table[i];
                if (t.Length <= len) continue;
                if (s.StartsWith(t, StringComparison.Ordinal)) { len = t.Length; pos = i; }
            }
            return pos;
        }

        private static bool TryHangul(ReadOnlySpan<char> s, out int cp)
        {
            cp = 0;
            int l = FindSyllable(s, JamoL, out int n1);
            if (l < 0) return false;
            s = s.Slice(n1);
            int v = FindSyllable(s, JamoV, out int n2);
            if (v < 0) return false;
            s = s.Slice(n2);
            int t = FindSyllable(s, JamoT, out int n3);
            if (t < 0) return false;
            if (n3 != s.Length) return false;
            cp = 0xAC00 + (l * 21 + v) * 28 + t;
            return true;
        }

        private static Dictionary<string, int> Build()
        {
            var d = new Dictionary<string, int>(600, StringComparer.OrdinalIgnoreCase);
            var data = Data.AsSpan();
            while (!data.IsEmpty)
            {
                int nl = data.IndexOf('\n');
                var entry = nl < 0 ? data : data.Slice(0, nl);
                data = nl < 0 ? default : data.Slice(nl + 1);
                int sp = entry.IndexOf(' ');
                if (sp <= 0) continue;
                int v = int.Parse(entry.Slice(0, sp), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                d[entry.Slice(sp + 1).ToString()] = v;
            }
            return d;
        }

        // "HEX NAME" per line (generated from CPython's unicodedata, Unicode 14.0).
        private const string Data = """
20 SPACE
21 EXCLAMATION MARK
22 QUOTATION MARK
23 NUMBER SIGN
24 DOLLAR SIGN
25 PERCENT SIGN
26 AMPERSAND
27 APOSTROPHE
28 LEFT PARENTHESIS
29 RIGHT PARENTHESIS
2A ASTERISK
2B PLUS SIGN
2C COMMA
2D HYPHEN-MINUS
2E FULL STOP
2F SOLIDUS
30 DIGIT ZERO
31 DIGIT ONE
32 DIGIT TWO
33 DIGIT THREE
34 DIGIT FOUR
35 DIGIT FIVE
36 DIGIT SIX
37 DIGIT SEVEN
38 DIGIT EIGHT
39 DIGIT NINE
3A COLON
3B SEMICOLON
3C LESS-THAN SIGN
3D EQUALS SIGN
3E GREATER-THAN SIGN
3F QUESTION MARK
40 COMMERCIAL AT
41 LATIN CAPITAL LETTER A
42 LATIN CAPITAL LETTER B
43 LATIN CAPITAL LETTER C
44 LATIN CAPITAL LETTER D
45 LATIN CAPITAL LETTER E
46 LATIN CAPITAL LETTER F
47 LATIN CAPITAL LETTER G
48 LATIN CAPITAL LETTER H
49 LATIN CAPITAL LETTER I
4A LATIN CAPITAL LETTER J
4B LATIN CAPITAL LETTER K
4C LATIN CAPITAL LETTER L
4D LATIN CAPITAL LETTER M
4E LATIN CAPITAL LETTER N
4F LATIN CAPITAL LETTER O
50 LATIN CAPITAL LETTER P
51 LATIN CAPITAL LETTER Q
52 LATIN CAPITAL LETTER R
53 LATIN CAPITAL LETTER S
54 LATIN CAPITAL LETTER T
55 LATIN CAPITAL LETTER U
56 LATIN CAPITAL LETTER V
57 LATIN CAPITAL LETTER W
58 LATIN CAPITAL LETTER X
59 LATIN CAPITAL LETTER Y
5A LATIN CAPITAL LETTER Z
5B LEFT SQUARE BRACKET
5C REVERSE SOLIDUS
5D RIGHT SQUARE BRACKET
5E CIRCUMFLEX ACCENT
5F LOW LINE
60 GRAVE ACCENT
61 LATIN SMALL LETTER A
62 LATIN SMALL LETTER B
63 LATIN SMALL LETTER C
64 LATIN SMALL LETTER D
65 LATIN SMALL LETTER E
66 LATIN SMALL LETTER F
67 LATIN SMALL LETTER G
68 LATIN SMALL LETTER H
69 LATIN SMALL LETTER I
6A LATIN SMALL LETTER J
6B LATIN SMALL LETTER K
6C LATIN SMALL LETTER L
6D LATIN SMALL LETTER M
6E LATIN SMALL LETTER N
6F LATIN SMALL LETTER O
70 LATIN SMALL LETTER P
71 LATIN SMALL LETTER Q
72 LATIN SMALL LETTER R
73 LATIN SMALL LETTER S
74 LATIN SMALL LETTER T
75 LATIN SMALL LETTER U
76 LATIN SMALL LETTER V
77 LATIN SMALL LETTER W
78 LATIN SMALL LETTER X
79 LATIN SMALL LETTER Y
7A LATIN SMALL LETTER Z
7B LEFT CURLY BRACKET
7C VERTICAL LINE
7D RIGHT CURLY BRACKET
7E TILDE
A0 NO-BREAK SPACE
A1 INVERTED EXCLAMATION MARK
A2 CENT SIGN
A3 POUND SIGN
A4 CURRENCY SIGN
A5 YEN SIGN
A6 BROKEN BAR
A7 SECTION SIGN
A8 DIAERESIS
A9 COPYRIGHT SIGN
AA FEMININE ORDINAL INDICATOR
AB LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
AC NOT SIGN
AD SOFT HYPHEN
AE REGISTERED SIGN
AF MACRON
B0 DEGREE SIGN
B1 PLUS-MINUS SIGN
B2 SUPERSCRIPT TWO
B3 SUPERSCRIPT THREE
B4 ACUTE ACCENT
B5 MICRO SIGN
B6 PILCROW SIGN
B7 MIDDLE DOT
B8 CEDILLA
B9 SUPERSCRIPT ONE
BA MASCULINE ORDINAL INDICATOR
BB RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
BC VULGAR FRACTION ONE QUARTER
BD VULGAR FRACTION ONE HALF
BE VULGAR FRACTION THREE QUARTERS
BF INVERTED QUESTION MARK
C0 LATIN CAPITAL LETTER A WITH GRAVE
C1 LATIN CAPITAL LETTER A WITH ACUTE
C2 LATIN CAPITAL LETTER A WITH CIRCUMFLEX
C3 LATIN CAPITAL LETTER A WITH TILDE
C4 LATIN CAPITAL LETTER A WITH DIAERESIS
C5 LATIN CAPITAL LETTER A WITH RING ABOVE
C6 LATIN CAPITAL LETTER AE
C7 LATIN CAPITAL LETTER C WITH CEDILLA
C8 LATIN CAPITAL LETTER E WITH GRAVE
C9 LATIN CAPITAL LETTER E WITH ACUTE
CA LATIN CAPITAL LETTER E WITH CIRCUMFLEX
CB LATIN CAPITAL LETTER E WITH DIAERESIS
CC LATIN CAPITAL LETTER I WITH GRAVE
CD LATIN CAPITAL LETTER I WITH ACUTE
CE LATIN CAPITAL LETTER I WITH CIRCUMFLEX
CF LATIN CAPITAL LETTER I WITH DIAERESIS
D0 LATIN CAPITAL LETTER ETH
D1 LATIN CAPITAL LETTER N WITH TILDE
D2 LATIN CAPITAL LETTER O WITH GRAVE
D3 LATIN CAPITAL LETTER O WITH ACUTE
D4 LATIN CAPITAL LETTER O WITH CIRCUMFLEX
D5 LATIN CAPITAL LETTER O WITH TILDE
D6 LATIN CAPITAL LETTER O WITH DIAERESIS
D7 MULTIPLICATION SIGN
D8 LATIN CAPITAL LETTER O WITH STROKE
D9 LATIN CAPITAL LETTER U WITH GRAVE
DA LATIN CAPITAL LETTER U WITH ACUTE
DB LATIN CAPITAL LETTER U WITH CIRCUMFLEX
DC LATIN CAPITAL LETTER U WITH DIAERESIS
DD LATIN CAPITAL LETTER Y WITH ACUTE
DE LATIN CAPITAL LETTER THORN
DF LATIN SMALL LETTER SHARP S
E0 LATIN SMALL LETTER A WITH GRAVE
E1 LATIN SMALL LETTER A WITH ACUTE
E2 LATIN SMALL LETTER A WITH CIRCUMFLEX
E3 LATIN SMALL LETTER A WITH TILDE
E4 LATIN SMALL LETTER A WITH DIAERESIS
E5 LATIN SMALL LETTER A WITH RING ABOVE
E6 LATIN SMALL LETTER AE
E7 LATIN SMALL LETTER C WITH CEDILLA
E8 LATIN SMALL LETTER E WITH GRAVE
E9 LATIN SMALL LETTER E WITH ACUTE
EA LATIN SMALL LETTER E WITH CIRCUMFLEX
EB LATIN SMALL LETTER E WITH DIAERESIS
EC LATIN SMALL LETTER I WITH GRAVE
ED LATIN SMALL LETTER I WITH ACUTE
EE LATIN SMALL LETTER I WITH CIRCUMFLEX
EF LATIN SMALL LETTER I WITH DIAERESIS
F0 LATIN SMALL LETTER ETH
F1 LATIN SMALL LETTER N WITH TILDE
F2 LATIN SMALL LETTER O WITH GRAVE
F3 LATIN SMALL LETTER O WITH ACUTE
F4 LATIN SMALL LETTER O WITH CIRCUMFLEX
F5 LATIN SMALL LETTER O WITH TILDE
F6 LATIN SMALL LETTER O WITH DIAERESIS
F7 DIVISION SIGN
F8 LATIN SMALL LETTER O WITH STROKE
F9 LATIN SMALL LETTER U WITH GRAVE
FA LATIN SMALL LETTER U WITH ACUTE
FB LATIN SMALL LETTER U WITH CIRCUMFLEX
FC LATIN SMALL LETTER U WITH DIAERESIS
FD LATIN SMALL LETTER Y WITH ACUTE
FE LATIN SMALL LETTER THORN
FF LATIN SMALL LETTER Y WITH DIAERESIS
391 GREEK CAPITAL LETTER ALPHA
392 GREEK CAPITAL LETTER BETA
393 GREEK CAPITAL LETTER GAMMA
394 GREEK CAPITAL LETTER DELTA
395 GREEK CAPITAL LETTER EPSILON
396 GREEK CAPITAL LETTER ZETA
397 GREEK CAPITAL LETTER ETA
398 GREEK CAPITAL LETTER THETA
399 GREEK CAPITAL LETTER IOTA
39A GREEK CAPITAL LETTER KAPPA
39B GREEK CAPITAL LETTER LAMDA
39C GREEK CAPITAL LETTER MU
39D GREEK CAPITAL LETTER NU
39E GREEK CAPITAL LETTER XI
39F GREEK CAPITAL LETTER OMICRON
3A0 GREEK CAPITAL LETTER PI
3A1 GREEK CAPITAL LETTER RHO
3A3 GREEK CAPITAL LETTER SIGMA
3A4 GREEK CAPITAL LETTER TAU
3A5 GREEK CAPITAL LETTER UPSILON
3A6 GREEK CAPITAL LETTER PHI
3A7 GREEK CAPITAL LETTER CHI
3A8 GREEK CAPITAL LETTER PSI
3A9 GREEK CAPITAL LETTER OMEGA
3B1 GREEK SMALL LETTER ALPHA
3B2 GREEK SMALL LETTER BETA
3B3 GREEK SMALL LETTER GAMMA
3B4 GREEK SMALL LETTER DELTA
3B5 GREEK SMALL LETTER EPSILON
3B6 GREEK SMALL LETTER ZETA
3B7 GREEK SMALL LETTER ETA
3B8 GREEK SMALL LETTER THETA
3B9 GREEK SMALL LETTER IOTA
3BA GREEK SMALL LETTER KAPPA
3BB GREEK SMALL LETTER LAMDA
3BC GREEK SMALL LETTER MU
3BD GREEK SMALL LETTER NU
3BE GREEK SMALL LETTER XI
3BF GREEK SMALL LETTER OMICRON
3C0 GREEK SMALL LETTER PI
3C1 GREEK SMALL LETTER RHO
3C2 GREEK SMALL LETTER FINAL SIGMA
3C3 GREEK SMALL LETTER SIGMA
3C4 GREEK SMALL LETTER TAU
3C5 GREEK SMALL LETTER UPSILON
3C6 GREEK SMALL LETTER PHI
3C7 GREEK SMALL LETTER CHI
3C8 GREEK SMALL LETTER PSI
3C9 GREEK SMALL LETTER OMEGA
2010 HYPHEN
2011 NON-BREAKING HYPHEN
2012 FIGURE DASH
2013 EN DASH
2014 EM DASH
2015 HORIZONTAL BAR
2016 DOUBLE VERTICAL LINE
2017 DOUBLE LOW LINE
2018 LEFT SINGLE QUOTATION MARK
2019 RIGHT SINGLE QUOTATION MARK
201A SINGLE LOW-9 QUOTATION MARK
201B SINGLE HIGH-REVERSED-9 QUOTATION MARK
201C LEFT DOUBLE QUOTATION MARK
201D RIGHT DOUBLE QUOTATION MARK
201E DOUBLE LOW-9 QUOTATION MARK
201F DOUBLE HIGH-REVERSED-9 QUOTATION MARK
2020 DAGGER
2021 DOUBLE DAGGER
2022 BULLET
2023 TRIANGULAR BULLET
2024 ONE DOT LEADER
2025 TWO DOT LEADER
2026 HORIZONTAL ELLIPSIS
2027 HYPHENATION POINT
2030 PER MILLE SIGN
2031 PER TEN THOUSAND SIGN
2032 PRIME
2033 DOUBLE PRIME
2034 TRIPLE PRIME
2035 REVERSED PRIME
2036 REVERSED DOUBLE PRIME
2037 REVERSED TRIPLE PRIME
2038 CARET
2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK
203A SINGLE RIGHT-POINTING ANGLE QUOTATION MARK
20A9 WON SIGN
20AC EURO SIGN
20B9 INDIAN RUPEE SIGN
20BD RUBLE SIGN
20BF BITCOIN SIGN
2122 TRADE MARK SIGN
2190 LEFTWARDS ARROW
2191 UPWARDS ARROW
2192 RIGHTWARDS ARROW
2193 DOWNWARDS ARROW
2194 LEFT RIGHT ARROW
2195 UP DOWN ARROW
2196 NORTH WEST ARROW
2197 NORTH EAST ARROW
2198 SOUTH EAST ARROW
2199 SOUTH WEST ARROW
21D0 LEFTWARDS DOUBLE ARROW
21D1 UPWARDS DOUBLE ARROW
21D2 RIGHTWARDS DOUBLE ARROW
21D3 DOWNWARDS DOUBLE ARROW
21D4 LEFT RIGHT DOUBLE ARROW
2200 FOR ALL
2201 COMPLEMENT
2202 PARTIAL DIFFERENTIAL
2203 THERE EXISTS
2204 THERE DOES NOT EXIST
2205 EMPTY SET
2206 INCREMENT
2207 NABLA
2208 ELEMENT OF
2209 NOT AN ELEMENT OF
220A SMALL ELEMENT OF
220B CONTAINS AS MEMBER
220C DOES NOT CONTAIN AS MEMBER
220D SMALL CONTAINS AS MEMBER
220E END OF PROOF
220F N-ARY PRODUCT
2210 N-ARY COPRODUCT
2211 N-ARY SUMMATION
2212 MINUS SIGN
2218 RING OPERATOR
2219 BULLET OPERATOR
221A SQUARE ROOT
221B CUBE ROOT
221C FOURTH ROOT
221D PROPORTIONAL TO
221E INFINITY
2227 LOGICAL AND
2228 LOGICAL OR
2229 INTERSECTION
222A UNION
222B INTEGRAL
2248 ALMOST EQUAL TO
2260 NOT EQUAL TO
2261 IDENTICAL TO
2262 NOT IDENTICAL TO
2263 STRICTLY EQUIVALENT TO
2264 LESS-THAN OR EQUAL TO
2265 GREATER-THAN OR EQUAL TO
2500 BOX DRAWINGS LIGHT HORIZONTAL
2501 BOX DRAWINGS HEAVY HORIZONTAL
2502 BOX DRAWINGS LIGHT VERTICAL
2503 BOX DRAWINGS HEAVY VERTICAL
2588 FULL BLOCK
2591 LIGHT SHADE
2592 MEDIUM SHADE
2593 DARK SHADE
25A0 BLACK SQUARE
25A1 WHITE SQUARE
25B2 BLACK UP-POINTING TRIANGLE
25B6 BLACK RIGHT-POINTING TRIANGLE
25BC BLACK DOWN-POINTING TRIANGLE
25C0 BLACK LEFT-POINTING TRIANGLE
25CB WHITE CIRCLE
25CF BLACK CIRCLE
2600 BLACK SUN WITH RAYS
2601 CLOUD
2602 UMBRELLA
2603 SNOWMAN
2604 COMET
2605 BLACK STAR
2606 WHITE STAR
2614 UMBRELLA WITH RAIN DROPS
2615 HOT BEVERAGE
2639 WHITE FROWNING FACE
263A WHITE SMILING FACE
2660 BLACK SPADE SUIT
2661 WHITE HEART SUIT
2662 WHITE DIAMOND SUIT
2663 BLACK CLUB SUIT
2664 WHITE SPADE SUIT
2665 BLACK HEART SUIT
2666 BLACK DIAMOND SUIT
2667 WHITE CLUB SUIT
26A0 WARNING SIGN
26A1 HIGH VOLTAGE SIGN
2705 WHITE HEAVY CHECK MARK
2713 CHECK MARK
2714 HEAVY CHECK MARK
2715 MULTIPLICATION X
2716 HEAVY MULTIPLICATION X
2717 BALLOT X
2718 HEAVY BALLOT X
274C CROSS MARK
2764 HEAVY BLACK HEART
2B50 WHITE MEDIUM STAR
1F600 GRINNING FACE
1F601 GRINNING FACE WITH SMILING EYES
1F602 FACE WITH TEARS OF JOY
1F603 SMILING FACE WITH OPEN MOUTH
1F604 SMILING FACE WITH OPEN MOUTH AND SMILING EYES
1F605 SMILING FACE WITH OPEN MOUTH AND COLD SWEAT
1F606 SMILING FACE WITH OPEN MOUTH AND TIGHTLY-CLOSED EYES
1F607 SMILING FACE WITH HALO
1F608 SMILING FACE WITH HORNS
1F609 WINKING FACE
1F60A SMILING FACE WITH SMILING EYES
1F60B FACE SAVOURING DELICIOUS FOOD
1F60C RELIEVED FACE
1F60D SMILING FACE WITH HEART-SHAPED EYES
1F60E SMILING FACE WITH SUNGLASSES
1F60F SMIRKING FACE
1F40D SNAKE
1F44D THUMBS UP SIGN
1F44E THUMBS DOWN SIGN
1F525 FIRE
1F680 ROCKET
1F389 PARTY POPPER
1F4A9 PILE OF POO
1F914 THINKING FACE
0 NULL
0 NUL
7 ALERT
7 BEL
8 BACKSPACE
8 BS
9 CHARACTER TABULATION
9 HORIZONTAL TABULATION
9 TAB
9 HT
A LINE FEED
A NEW LINE
A END OF LINE
A LF
A NL
A EOL
B LINE TABULATION
B VERTICAL TABULATION
B VT
C FORM FEED
C FF
D CARRIAGE RETURN
D CR
1B ESCAPE
1B ESC
7F DELETE
7F DEL
20 SP
A0 NBSP
FEFF BYTE ORDER MARK
FEFF BOM
FEFF ZWNBSP
200B ZERO WIDTH SPACE
200B ZWSP
200C ZERO WIDTH NON-JOINER
200C ZWNJ
200D ZERO WIDTH JOINER
200D ZWJ
FEFF ZERO WIDTH NO-BREAK SPACE
AD SHY
FFFD REPLACEMENT CHARACTER
FFFC OBJECT REPLACEMENT CHARACTER
200E LEFT-TO-RIGHT MARK
200F RIGHT-TO-LEFT MARK
200E LRM
200F RLM
85 NEXT LINE
85 NEL
2028 LINE SEPARATOR
2029 PARAGRAPH SEPARATOR
2060 WORD JOINER
2060 WJ
3000 IDEOGRAPHIC SPACE
2003 EM SPACE
2002 EN SPACE
2009 THIN SPACE
200A HAIR SPACE
202F NARROW NO-BREAK SPACE
202F NNBSP
""";
    }
}
