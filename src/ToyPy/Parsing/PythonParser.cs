using System.Globalization;
using System.Numerics;
using System.Text;
using Pidgin;
using ToyPy.Lexing;
using ToyPy.Parsing.Ast;
using Attribute = ToyPy.Parsing.Ast.Attribute;

namespace ToyPy.Parsing;

/// <summary>
/// The ToyPy parser: Python 3.11's grammar written with Pidgin parser combinators
/// over the lexer's token array. The grammar lives in the nested classes
/// <see cref="ExprGrammar"/> (PythonParser.Expressions.cs) and
/// <see cref="StmtGrammar"/> (PythonParser.Statements.cs); their parsers are built
/// once, on first use. This file holds the entry points, error reporting and the
/// helpers the grammar's Map functions call (node construction, target checks,
/// number and string literals).
///
/// Errors: grammar failures come back from Pidgin as a ParseError (token offset plus
/// an optional message) and are turned into CPython's messages by ConvertError;
/// semantic checks made while building nodes (invalid assignment targets, argument
/// order, ...) throw <see cref="ParseFailure"/> with an exact position. Both end up
/// as <see cref="SyntaxErrorException"/>.
/// </summary>
public static partial class PythonParser
{
    // ------------------------------------------------------------------ entry points

    /// <summary>Tokenizes and parses a whole file ("exec" mode).</summary>
    public static Module ParseModule(string source, string filename)
    {
        // CPython's tokenizer is lazy: a syntax error before a lexical error is
        // reported first. Parse the tokens scanned before a lexical error and decide
        // which error CPython would report.
        var tokens = Lexer.Tokenize(source, filename, out var lexError);
        if (lexError == null) return ParseTokens(tokens, source, filename);
        try
        {
            Run(StmtGrammar.File, tokens, source, filename, truncated: true);
        }
        catch (SyntaxErrorException e) when (!LexerErrorWins(e, lexError, tokens))
        {
            throw;
        }
        catch (SyntaxErrorException)
        {
        }
        throw lexError;
    }

    /// <summary>
    /// Which error CPython reports when the parser fails in front of a lexical error:
    /// the lexer's when the parser ran into it; after a generic "invalid syntax" the
    /// tokenizer's exception, or its "'(' was never closed" if that bracket was opened
    /// on an earlier line (_PyPegen_tokenize_full_source_to_check_for_errors).
    /// </summary>
    private static bool LexerErrorWins(SyntaxErrorException parseError, SyntaxErrorException lexError, Token[] tokens)
    {
        if (tokens.Length == 0) return true;
        var last = tokens[^1];
        if (parseError.Line > last.EndLine || (parseError.Line == last.EndLine && parseError.Column >= last.EndColumn))
            return true;
        // The parser's generic path reports these without looking further.
        if (parseError.Msg == "unexpected indent") return false;
        if (lexError.Msg.EndsWith("was never closed", StringComparison.Ordinal))
            return parseError.Line > lexError.Line;
        // Errors CPython's tokenizer only reports when the parser asks for the token.
        if (lexError.Kind != "SyntaxError"
            || lexError.Msg == "unexpected character after line continuation character"
            || lexError.Msg == "unexpected EOF while parsing")
            return false;
        return true;
    }

    /// <summary>Parses a token array produced by <see cref="Lexer.Tokenize"/>.</summary>
    public static Module ParseTokens(Token[] tokens, string source, string filename)
        => Run(StmtGrammar.File, tokens, source, filename);

    /// <summary>Parses a single expression ("eval" mode: star_expressions, then end of input).</summary>
    public static Expr ParseExpression(string source, string filename)
    {
        // Like CPython's eval(), ignore leading spaces and tabs.
        int skip = 0;
        while (skip < source.Length && (source[skip] == ' ' || source[skip] == '\t')) skip++;
        if (skip > 0) source = source.Substring(skip);
        var tokens = Lexer.Tokenize(source, filename);
        return Run(ExprGrammar.EvalInput, tokens, source, filename);
    }

    private static T Run<T>(Parser<Token, T> parser, Token[] tokens, string source, string filename, bool truncated = false)
    {
        var ctx = new ParseContext(tokens, source ?? "", filename) { Truncated = truncated };
        var saved = t_ctx;
        t_ctx = ctx;
        try
        {
            var result = parser.Parse(tokens);
            if (result.Success) return result.Value;
            throw ctx.ToException(ConvertError(result.Error!, tokens, ctx));
        }
        catch (ParseFailure f)
        {
            throw ctx.ToException(CheckMatchStatement(f, tokens, ctx));
        }
        finally
        {
            t_ctx = saved;
        }
    }

    // ------------------------------------------------------------------ ambient state

    /// <summary>
    /// Per-parse state the grammar's Map functions need: the source (for f-string
    /// positions and error lines), the filename, and which expressions were written in
    /// parentheses (their extent is wider than the node's own, as in CPython's positions).
    /// </summary>
    internal sealed class ParseContext
    {
        public readonly Token[] Tokens;
        public readonly string Source;
        public readonly string Filename;
        /// <summary>The tokens stop at a lexical error (no ENDMARKER).</summary>
        public bool Truncated;
        public readonly Dictionary<Expr, (int L, int C, int EL, int EC)> Parens =
            new(ReferenceEqualityComparer.Instance);
        private int[]? _lineStarts;

        public ParseContext(Token[] tokens, string source, string filename)
        {
            Tokens = tokens; Source = source; Filename = filename;
        }

        /// <summary>Offsets of the first character of each line (index 0 = line 1).</summary>
        public int[] LineStarts
        {
            get
            {
                if (_lineStarts != null) return _lineStarts;
                var list = new List<int> { 0 };
                var s = Source;
                for (int i = 0; i < s.Length; i++)
                {
                    char c = s[i];
                    if (c == '\n') list.Add(i + 1);
                    else if (c == '\r')
                    {
                        if (i + 1 < s.Length && s[i + 1] == '\n') i++;
                        list.Add(i + 1);
                    }
                }
                return _lineStarts = list.ToArray();
            }
        }

        /// <summary>The text of a 1-based line without its line terminator, or null.</summary>
        public string? LineText(int line)
        {
            var starts = LineStarts;
            if (line < 1 || line > starts.Length) return null;
            int start = starts[line - 1];
            int end = line < starts.Length ? starts[line] : Source.Length;
            while (end > start && (Source[end - 1] == '\n' || Source[end - 1] == '\r')) end--;
            return Source.Substring(start, end - start);
        }

        /// <summary>Absolute offset of (line, col), or -1 when out of range.</summary>
        public int OffsetOf(int line, int col)
        {
            var starts = LineStarts;
            if (line < 1 || line > starts.Length) return -1;
            int off = starts[line - 1] + col;
            return off <= Source.Length ? off : -1;
        }

        /// <summary>(line, col) of an absolute offset.</summary>
        public (int Line, int Col) PosOf(int offset)
        {
            var starts = LineStarts;
            int idx = Array.BinarySearch(starts, offset);
            if (idx < 0) idx = ~idx - 1;
            if (idx < 0) idx = 0;
            return (idx + 1, offset - starts[idx]);
        }

        /// <summary>The SyntaxError, its columns as UTF-8 byte offsets as CPython's parser reports them.</summary>
        public SyntaxErrorException ToException(ParseFailure f)
        {
            var text = f.Text ?? LineText(f.Line);
            int endCol = f.EndLine > 0 && f.EndColumn >= 0
                ? SyntaxErrorException.ByteColumn(f.EndLine == f.Line ? text : LineText(f.EndLine), f.EndColumn)
                : -1;
            return new(f.Msg, Filename, f.Line, SyntaxErrorException.ByteColumn(text, f.Column), text, f.Kind, f.EndLine, endCol);
        }
    }

    [ThreadStatic] private static ParseContext? t_ctx;

    private static ParseContext Ctx => t_ctx ?? throw new InvalidOperationException("no parse in progress");

    // ------------------------------------------------------------------ errors

    /// <summary>A syntax error found while building nodes; converted to SyntaxErrorException by Run.</summary>
    internal sealed class ParseFailure : Exception
    {
        public string Msg { get; }
        public int Line { get; }
        public int Column { get; }
        public string Kind { get; }
        /// <summary>End of the error's range (CPython's end_lineno, end_offset - 1), -1 for none.</summary>
        public int EndLine { get; init; } = -1;
        public int EndColumn { get; init; } = -1;
        /// <summary>The error's text when it is not the source line (an f-string expression: "(expr)").</summary>
        public string? Text { get; init; }

        public ParseFailure(string msg, int line, int column, string kind = "SyntaxError") : base(msg)
        {
            Msg = msg; Line = line; Column = column; Kind = kind;
        }

        /// <summary>An error over a range (RAISE_SYNTAX_ERROR_KNOWN_RANGE and friends).</summary>
        public ParseFailure(string msg, int line, int column, int endLine, int endColumn, string kind = "SyntaxError")
            : this(msg, line, column, kind)
        {
            EndLine = endLine; EndColumn = endColumn;
        }
    }

    /// <summary>An error at a token, over the token (_PyPegen_raise_error's last token).</summary>
    internal static ParseFailure Fail(string msg, Token t) => new(msg, t.Line, t.Column, t.EndLine, t.EndColumn);

    /// <summary>An error at a node, over the node (RAISE_SYNTAX_ERROR_KNOWN_NODE).</summary>
    internal static ParseFailure Fail(string msg, Node n) => new(msg, n.Line, n.Column, n.EndLine, n.EndColumn);

    /// <summary>An error over the range from a to b (RAISE_SYNTAX_ERROR_KNOWN_RANGE).</summary>
    internal static ParseFailure FailRange(string msg, Node a, Node b) => new(msg, a.Line, a.Column, b.EndLine, b.EndColumn);

    internal static ParseFailure FailRange(string msg, Token a, Token b) => new(msg, a.Line, a.Column, b.EndLine, b.EndColumn);

    /// <summary>Message carried by the block parser when no INDENT follows "header:" NEWLINE.</summary>
    internal const string ExpectedIndentMarker = "\u0001expected-indent";

    private static ParseFailure ConvertError(ParseError<Token> error, Token[] tokens, ParseContext ctx)
    {
        if (tokens.Length == 0) return new ParseFailure("invalid syntax", 1, 0);
        if (error.ErrorOffset >= tokens.Length)
        {
            // Ran out of tokens: only happens when the lexer stopped at an error.
            var lastTok = tokens[^1];
            return new ParseFailure(error.Message is { Length: > 0 } m && m != ExpectedIndentMarker ? m : "invalid syntax",
                                    lastTok.EndLine, lastTok.EndColumn);
        }
        int idx = (int)Math.Max(0, error.ErrorOffset);
        var tok = tokens[idx];
        string? msg = error.Message;

        var match = MatchStatementAt(idx, tokens);
        if (match != null) return match;

        if (msg == ExpectedIndentMarker) return ExpectedIndentError(idx, tokens);
        if (!string.IsNullOrEmpty(msg)) return Fail(msg, tok);

        if (tok.Kind == TokenKind.Dedent)
            return new ParseFailure("unexpected unindent", tok.Line, tok.Column, "IndentationError");
        if (tok.Kind == TokenKind.Indent)
        {
            // CPython points one column before the first character of the indented line.
            int width = 0;
            var text = ctx.LineText(tok.Line);
            if (text != null) while (width < text.Length && (text[width] == ' ' || text[width] == '\t' || text[width] == '\f')) width++;
            else width = tok.EndColumn;
            return new ParseFailure("unexpected indent", tok.Line, Math.Max(0, width - 1), "IndentationError");
        }

        if (idx > 0)
        {
            var prev = tokens[idx - 1];
            int depth = BracketDepth(tokens, idx);

            // Two expressions side by side: CPython's error rules try to parse the second
            // one; if it runs into a lexical error, that error is the one reported.
            if (ctx.Truncated && StartsExpression(tok.Kind) && EndsExpression(prev.Kind) && ExpressionRunsToEnd(tokens, idx))
                return new ParseFailure("invalid syntax", tokens[^1].EndLine, tokens[^1].EndColumn);

            // print "x" / exec "code"
            if (prev.Kind == TokenKind.Name && (prev.Text == "print" || prev.Text == "exec")
                && StartsExpression(tok.Kind) && tok.Kind != TokenKind.LParen)
            {
                if (ctx.Truncated && ExpressionRunsToEnd(tokens, idx))
                    return new ParseFailure("invalid syntax", tokens[^1].EndLine, tokens[^1].EndColumn);
                // invalid_legacy_expression: RAISE_SYNTAX_ERROR_KNOWN_RANGE(a, b) with b = star_expressions
                return RangeToNodeEnd($"Missing parentheses in call to '{prev.Text}'. Did you mean {prev.Text}(...)?",
                                      prev, ExprGrammar.StarExpressions, tokens, idx);
            }

            // if x = 1:  /  (x = 1)  /  [x = 1]
            if (tok.Kind == TokenKind.Equal && prev.Kind == TokenKind.Name && idx >= 2
                && idx + 1 < tokens.Length && StartsExpression(tokens[idx + 1].Kind))
            {
                var before = tokens[idx - 2].Kind;
                if (before is TokenKind.If or TokenKind.Elif or TokenKind.While or TokenKind.LParen or TokenKind.LBracket
                        or TokenKind.LBrace
                    || (before == TokenKind.Comma && depth > 0))
                {
                    if (ctx.Truncated && ExpressionRunsToEnd(tokens, idx + 1))
                        return new ParseFailure("invalid syntax", tokens[^1].EndLine, tokens[^1].EndColumn);
                    // invalid_named_expression: a=NAME '=' b=bitwise_or, over a..b
                    return RangeToNodeEnd("invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
                                          prev, ExprGrammar.BitwiseOr, tokens, idx + 1);
                }
            }

            // f(a b): two expressions side by side inside brackets
            if (depth > 0 && StartsExpression(tok.Kind) && EndsExpression(prev.Kind) && !InParameterList(tokens, idx))
            {
                int start = DisjunctionStart(tokens, idx - 1);
                if (start >= 0)
                {
                    var st = tokens[start];
                    bool nameString = st.Kind == TokenKind.Name && start + 1 < tokens.Length
                                      && tokens[start + 1].Kind is TokenKind.String or TokenKind.FString;
                    bool soft = st.Kind == TokenKind.Name && st.Text is "match" or "case" or "_";
                    // CPython's rule looks one token past the second expression; when that
                    // is the lexical error, the lexer's error is the one reported.
                    if (ctx.Truncated && ExpressionRunsToEnd(tokens, idx))
                        return new ParseFailure("invalid syntax", tokens[^1].EndLine, tokens[^1].EndColumn);
                    // invalid_expression: a=disjunction b=expression_without_invalid, over a..b
                    if (!nameString && !soft)
                        return RangeToNodeEnd("invalid syntax. Perhaps you forgot a comma?", st, ExprGrammar.Expression, tokens, idx);
                }
            }
        }
        return Fail("invalid syntax", tok);
    }

    /// <summary>
    /// An error from token a to the end of the node the rule parses at tokens[from]
    /// (RAISE_SYNTAX_ERROR_KNOWN_RANGE(a, b)); at a alone when the rule does not parse.
    /// </summary>
    private static ParseFailure RangeToNodeEnd(string msg, Token a, Parser<Token, Expr> rule, Token[] tokens, int from)
    {
        if (from < tokens.Length)
        {
            try
            {
                var r = rule.Parse(tokens.AsSpan(from).ToArray());
                if (r.Success && r.Value.EndLine > 0)
                    return new ParseFailure(msg, a.Line, a.Column, r.Value.EndLine, r.Value.EndColumn);
            }
            catch (ParseFailure)
            {
            }
        }
        return new ParseFailure(msg, a.Line, a.Column);
    }

    /// <summary>Error conversion for the token array of an f-string expression.</summary>
    internal static ParseFailure ConvertSubError(ParseError<Token> error, Token[] tokens) => ConvertError(error, tokens, Ctx);

    /// <summary>
    /// Whether an expression starting at tokens[from] could extend to the end of a token
    /// array cut short by a lexical error: CPython's error rules would then have read the
    /// erroneous token, and the tokenizer's error is the one reported.
    /// </summary>
    private static bool ExpressionRunsToEnd(Token[] tokens, int from)
    {
        if (from >= tokens.Length) return true;
        for (int k = from; k < tokens.Length; k++)
            if (tokens[k].Kind is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) return false;
        try
        {
            var rest = tokens.AsSpan(from).ToArray();
            var r = ExpressionToEnd.Parse(rest);
            return r.Success || r.Error!.ErrorOffset >= rest.Length;
        }
        catch (ParseFailure)
        {
            return false;
        }
    }

    private static readonly Parser<Token, Expr> ExpressionToEnd =
        Parser.Rec(() => ExprGrammar.StarExpressions).Before(Parser<Token>.End);

    /// <summary>Whether tokens[idx] follows a parameter name in "def name(...)" (not an annotation or default).</summary>
    private static bool InParameterList(Token[] tokens, int idx)
    {
        if (idx < 2 || tokens[idx - 2].Kind is not (TokenKind.LParen or TokenKind.Comma or TokenKind.Star
                or TokenKind.DoubleStar or TokenKind.Slash))
            return false;
        int depth = 0;
        for (int i = idx - 1; i >= 0; i--)
        {
            var k = tokens[i].Kind;
            if (k is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent) return false;
            if (k is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace) depth++;
            else if (k is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace && depth-- == 0)
                return k == TokenKind.LParen && i >= 2 && tokens[i - 1].Kind == TokenKind.Name && tokens[i - 2].Kind == TokenKind.Def;
        }
        return false;
    }

    private static bool IsLineStart(TokenKind k)
        => k is TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent or TokenKind.Semicolon;

    private static int BracketDepth(Token[] tokens, int idx)
    {
        int depth = 0;
        for (int i = idx - 1; i >= 0; i--)
        {
            var k = tokens[i].Kind;
            if (k == TokenKind.Newline || k == TokenKind.Indent || k == TokenKind.Dedent) break;
            if (k is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace) depth--;
            else if (k is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace) depth++;
        }
        return Math.Max(0, depth);
    }

    private static bool StartsExpression(TokenKind k) => k is TokenKind.Name or TokenKind.Int or TokenKind.Float
        or TokenKind.String or TokenKind.FString or TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace
        or TokenKind.Minus or TokenKind.Plus or TokenKind.Tilde or TokenKind.Not or TokenKind.Lambda
        or TokenKind.Await or TokenKind.None or TokenKind.True or TokenKind.False or TokenKind.Ellipsis;

    private static bool EndsExpression(TokenKind k) => k is TokenKind.Name or TokenKind.Int or TokenKind.Float
        or TokenKind.String or TokenKind.FString or TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace
        or TokenKind.None or TokenKind.True or TokenKind.False or TokenKind.Ellipsis;

    /// <summary>
    /// Walks back from the last token of an expression to the first token of the
    /// disjunction it belongs to; returns -1 unless the disjunction is preceded by a
    /// token after which CPython's "Perhaps you forgot a comma?" rule applies.
    /// </summary>
    private static int DisjunctionStart(Token[] tokens, int last)
    {
        int i = last;
        while (i >= 0)
        {
            var k = tokens[i].Kind;
            if (k is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace)
            {
                int d = 0;
                for (; i >= 0; i--)
                {
                    var kk = tokens[i].Kind;
                    if (kk is TokenKind.RParen or TokenKind.RBracket or TokenKind.RBrace) d++;
                    else if (kk is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace && --d == 0) break;
                }
                if (i < 0) return -1;
                i--;
                continue;
            }
            if (k is TokenKind.Name or TokenKind.Int or TokenKind.Float or TokenKind.String or TokenKind.FString
                or TokenKind.None or TokenKind.True or TokenKind.False or TokenKind.Ellipsis
                or TokenKind.Dot or TokenKind.Plus or TokenKind.Minus or TokenKind.Star or TokenKind.Slash
                or TokenKind.DoubleSlash or TokenKind.Percent or TokenKind.DoubleStar or TokenKind.At
                or TokenKind.Amper or TokenKind.VBar or TokenKind.Circumflex or TokenKind.Tilde
                or TokenKind.LeftShift or TokenKind.RightShift or TokenKind.Less or TokenKind.Greater
                or TokenKind.LessEqual or TokenKind.GreaterEqual or TokenKind.EqEqual or TokenKind.NotEqual
                or TokenKind.In or TokenKind.Not or TokenKind.Is or TokenKind.And or TokenKind.Or or TokenKind.Await)
            {
                i--;
                continue;
            }
            break;
        }
        int start = i + 1;
        if (start > last) return -1;
        // A leading '*' or '**' is an unpacking, not a binary operator.
        while (start <= last && tokens[start].Kind is TokenKind.Star or TokenKind.DoubleStar) start++;
        if (start > last) return -1;
        if (i < 0) return -1;
        if (tokens[i].Kind == TokenKind.For)
        {
            // "for x y": the comprehension target is parsed as star_expressions in
            // CPython's error pass; "for x in y z" is not.
            for (int k = start; k <= last; k++) if (tokens[k].Kind == TokenKind.In) return -1;
            return start;
        }
        return tokens[i].Kind is TokenKind.LParen or TokenKind.LBracket or TokenKind.LBrace or TokenKind.Comma
            or TokenKind.Equal or TokenKind.Colon or TokenKind.ColonEqual or TokenKind.Else or TokenKind.Star
            or TokenKind.DoubleStar
            ? start : -1;
    }

    /// <summary>IndentationError "expected an indented block after 'if' statement on line N".</summary>
    private static ParseFailure ExpectedIndentError(int idx, Token[] tokens)
    {
        var at = tokens[idx];
        // tokens[idx-1] is the NEWLINE after the header's ':'; find the header's first token.
        int i = idx - 2;
        while (i >= 0 && tokens[i].Kind is not (TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent)) i--;
        int h = i + 1;
        string what = "statement";
        int line = at.Line;
        if (h >= 0 && h < idx)
        {
            var head = tokens[h];
            if (head.Kind == TokenKind.Async && h + 1 < idx) head = tokens[h + 1];
            line = head.Line;
            what = head.Kind switch
            {
                TokenKind.Def => "function definition",
                TokenKind.Class => "class definition",
                TokenKind.If => "'if' statement",
                TokenKind.Elif => "'elif' statement",
                TokenKind.Else => "'else' statement",
                TokenKind.While => "'while' statement",
                TokenKind.For => "'for' statement",
                TokenKind.With => "'with' statement",
                TokenKind.Try => "'try' statement",
                TokenKind.Except => "'except' statement",
                TokenKind.Finally => "'finally' statement",
                _ => "statement",
            };
        }
        string msg = what == "function definition" || what == "class definition"
            ? $"expected an indented block after {what} on line {line}"
            : what == "statement" ? "expected an indented block"
            : $"expected an indented block after {what} on line {line}";
        return new ParseFailure(msg, at.Line, at.Column, "IndentationError");
    }

    /// <summary>Reports "match x:" headers as unsupported instead of as a confusing syntax error.</summary>
    private static ParseFailure? MatchStatementAt(int idx, Token[] tokens)
    {
        if (idx < 0 || idx >= tokens.Length) return null;
        int i = idx;
        while (i > 0 && tokens[i - 1].Kind is not (TokenKind.Newline or TokenKind.Indent or TokenKind.Dedent)) i--;
        var first = tokens[i];
        if (first.Kind != TokenKind.Name || first.Text != "match" || i + 1 >= tokens.Length) return null;
        var next = tokens[i + 1].Kind;
        if (next is TokenKind.Equal or TokenKind.Dot or TokenKind.Newline or TokenKind.Semicolon
            or TokenKind.Comma || (next >= TokenKind.PlusEqual && next <= TokenKind.AtEqual)) return null;
        int j = i;
        while (j < tokens.Length && tokens[j].Kind != TokenKind.Newline) j++;
        if (j - 1 <= i || tokens[j - 1].Kind != TokenKind.Colon) return null;
        return new ParseFailure("match statements are not supported by ToyPy", first.Line, first.Column);
    }

    private static ParseFailure CheckMatchStatement(ParseFailure f, Token[] tokens, ParseContext ctx)
    {
        if (f.Kind != "SyntaxError" || tokens.Length == 0) return f;
        // locate the first token at or after the failure position
        int lo = 0, hi = tokens.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            var t = tokens[mid];
            if (t.Line < f.Line || (t.Line == f.Line && t.Column < f.Column)) lo = mid + 1; else hi = mid;
        }
        return MatchStatementAt(lo, tokens) ?? f;
    }

    // ------------------------------------------------------------------ custom primitive parsers

    /// <summary>Matches one token of the given kind.</summary>
    internal static Parser<Token, Token> Tok(TokenKind kind) => new KindParser(kind, null);

    /// <summary>Matches one token of the given kind; on failure reports <paramref name="message"/>.</summary>
    internal static Parser<Token, Token> Expect(TokenKind kind, string message) => new KindParser(kind, message);

    /// <summary>':' — or the error "expected ':'" when the line ends instead (CPython's invalid_*_stmt rules).</summary>
    internal static Parser<Token, Token> ColonOrNewlineError() => new ColonNlParser();

    /// <summary>Succeeds without consuming if the next token is one of <paramref name="kinds"/>; otherwise fails with a message.</summary>
    internal static Parser<Token, Unit> PeekOneOf(string message, params TokenKind[] kinds) => new PeekParser(kinds, message);

    /// <summary>Returns the next token without consuming it (never fails).</summary>
    internal static readonly Parser<Token, Token> PeekToken = new PeekTokenParser();

    /// <summary>
    /// Recursion guard for the grammar's recursive rules: deeply nested source (say
    /// 100000 unary minuses) becomes a SyntaxError instead of a stack overflow.
    /// </summary>
    internal static Parser<Token, T> Guarded<T>(Parser<Token, T> inner) => new StackGuard<T>(inner);

    internal const string TooComplexMessage = "too many nested parentheses or expressions: source too complex to parse";

    private sealed class StackGuard<T> : Parser<Token, T>
    {
        private readonly Parser<Token, T> _inner;
        public StackGuard(Parser<Token, T> inner) { _inner = inner; }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out T result)
        {
            if (!System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                var t = state.HasCurrent ? state.Current : default;
                throw new ParseFailure(TooComplexMessage, Math.Max(1, t.Line), t.Column);
            }
            return _inner.TryParse(ref state, ref expecteds, out result!);
        }
    }

    /// <summary>
    /// Chooses an alternative by the kind of the next token (an LL(1) OneOf): the
    /// statement-level alternatives all start with distinct keywords, so there is no
    /// need to try them one after the other.
    /// </summary>
    internal static Parser<Token, T> Dispatch<T>(Parser<Token, T> fallback, params (TokenKind Kind, Parser<Token, T> Parser)[] cases)
        => new DispatchParser<T>(fallback, cases);

    private sealed class DispatchParser<T> : Parser<Token, T>
    {
        private readonly Parser<Token, T>?[] _table = new Parser<Token, T>?[256];
        private readonly Parser<Token, T> _fallback;

        public DispatchParser(Parser<Token, T> fallback, (TokenKind Kind, Parser<Token, T> Parser)[] cases)
        {
            _fallback = fallback;
            foreach (var (kind, parser) in cases) _table[(int)kind] = parser;
        }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out T result)
        {
            var p = state.HasCurrent ? _table[(int)state.Current.Kind] ?? _fallback : _fallback;
            return p.TryParse(ref state, ref expecteds, out result!);
        }
    }

    /// <summary>One token whose kind is in the table; returns the value mapped to that kind.</summary>
    internal static Parser<Token, T> TokenSwitch<T>(params (TokenKind Kind, T Value)[] cases) => new TokenSwitchParser<T>(cases);

    private sealed class TokenSwitchParser<T> : Parser<Token, T>
    {
        private readonly bool[] _has = new bool[256];
        private readonly T[] _values = new T[256];

        public TokenSwitchParser((TokenKind Kind, T Value)[] cases)
        {
            foreach (var (kind, value) in cases) { _has[(int)kind] = true; _values[(int)kind] = value; }
        }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out T result)
        {
            if (state.HasCurrent)
            {
                var t = state.Current;
                if (_has[(int)t.Kind])
                {
                    state.Advance();
                    result = _values[(int)t.Kind];
                    return true;
                }
                state.SetError(Maybe.Just(t), false, state.Location, null);
            }
            else state.SetError(Maybe.Nothing<Token>(), true, state.Location, null);
            result = default!;
            return false;
        }
    }

    private sealed class KindParser : Parser<Token, Token>
    {
        private readonly TokenKind _kind;
        private readonly string? _message;
        public KindParser(TokenKind kind, string? message) { _kind = kind; _message = message; }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out Token result)
        {
            if (state.HasCurrent)
            {
                var t = state.Current;
                if (t.Kind == _kind)
                {
                    state.Advance();
                    result = t;
                    return true;
                }
                state.SetError(Maybe.Just(t), false, state.Location, _message);
            }
            else state.SetError(Maybe.Nothing<Token>(), true, state.Location, _message);
            result = default;
            return false;
        }
    }

    private sealed class ColonNlParser : Parser<Token, Token>
    {
        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out Token result)
        {
            if (state.HasCurrent)
            {
                var t = state.Current;
                if (t.Kind == TokenKind.Colon)
                {
                    state.Advance();
                    result = t;
                    return true;
                }
                state.SetError(Maybe.Just(t), false, state.Location, t.Kind == TokenKind.Newline ? "expected ':'" : null);
            }
            else state.SetError(Maybe.Nothing<Token>(), true, state.Location, null);
            result = default;
            return false;
        }
    }

    private sealed class PeekParser : Parser<Token, Unit>
    {
        private readonly TokenKind[] _kinds;
        private readonly string _message;
        public PeekParser(TokenKind[] kinds, string message) { _kinds = kinds; _message = message; }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out Unit result)
        {
            result = Unit.Value;
            if (state.HasCurrent)
            {
                var t = state.Current;
                if (Array.IndexOf(_kinds, t.Kind) >= 0) return true;
                state.SetError(Maybe.Just(t), false, state.Location, _message);
            }
            else state.SetError(Maybe.Nothing<Token>(), true, state.Location, _message);
            return false;
        }
    }

    private sealed class PeekTokenParser : Parser<Token, Token>
    {
        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out Token result)
        {
            // At the end of a token array cut short by a lexical error: an EndMarker-like token.
            result = state.HasCurrent ? state.Current : new Token(TokenKind.EndMarker, "", 0, 0, 0, 0);
            return true;
        }
    }

    // ------------------------------------------------------------------ comma-separated sequences

    /// <summary>Items of "a, b, c[,]" plus the trailing separator, if any.</summary>
    internal sealed class SepList<T> where T : class
    {
        public required List<T> Items { get; init; }
        public Token? Trailing { get; init; }
        public bool HasSeparator { get; init; }
    }

    /// <summary>
    /// item (sep item)* [sep]: one or more items, an optional trailing separator.
    /// Two separators in a row are reported as invalid syntax at the second one.
    /// </summary>
    internal static Parser<Token, SepList<T>> SepBy<T>(Parser<Token, T> item, TokenKind sep) where T : class
        => new SepByParser<T>(item, sep);

    /// <summary>
    /// item (sep item)* [sep] in one loop: after a separator, an item that fails without
    /// consuming input ends the list (that separator was the trailing one).
    /// </summary>
    /// <summary>(sep item)* [sep] after a first item that was parsed separately (display contents).</summary>
    internal static Parser<Token, SepList<T>> SepRest<T>(Parser<Token, T> item, TokenKind sep) where T : class
        => new SepByParser<T>(item, sep, firstParsed: true);

    /// <summary>
    /// item (sep item)* [sep] in one loop: after a separator, an item that fails without
    /// consuming input ends the list (that separator was the trailing one).
    /// </summary>
    private sealed class SepByParser<T> : Parser<Token, SepList<T>> where T : class
    {
        private readonly Parser<Token, T> _item;
        private readonly TokenKind _sep;
        private readonly bool _firstParsed;

        public SepByParser(Parser<Token, T> item, TokenKind sep, bool firstParsed = false)
        {
            _item = item; _sep = sep; _firstParsed = firstParsed;
        }

        public override bool TryParse(ref ParseState<Token> state, ref PooledList<Expected<Token>> expecteds, out SepList<T> result)
        {
            result = null!;
            var items = new List<T>();
            if (!_firstParsed)
            {
                if (!_item.TryParse(ref state, ref expecteds, out var first)) return false;
                items.Add(first);
            }
            Token? trailing = null;
            bool any = false;
            while (state.HasCurrent && state.Current.Kind == _sep)
            {
                var sepTok = state.Current;
                state.Advance();
                any = true;
                var before = state.Location;
                if (_item.TryParse(ref state, ref expecteds, out var next))
                {
                    items.Add(next);
                    continue;
                }
                if (state.Location != before) return false;   // failed inside an item
                trailing = sepTok;
                break;
            }
            result = new SepList<T> { Items = items, Trailing = trailing, HasSeparator = any };
            return true;
        }
    }

    /// <summary>Prepends the separately parsed first item to the rest of a list.</summary>
    internal static SepList<T> WithFirst<T>(T first, SepList<T> rest) where T : class
    {
        rest.Items.Insert(0, first);
        return rest;
    }

    // ------------------------------------------------------------------ positions

    /// <summary>Start of an expression including enclosing parentheses, as CPython's positions count them.</summary>
    internal static (int Line, int Col) Start(Expr e)
    {
        var p = t_ctx?.Parens;
        if (p != null && p.Count != 0 && p.TryGetValue(e, out var s)) return (s.L, s.C);
        return (e.Line, e.Column);
    }

    /// <summary>End of an expression including enclosing parentheses.</summary>
    internal static (int Line, int Col) End(Expr e)
    {
        var p = t_ctx?.Parens;
        if (p != null && p.Count != 0 && p.TryGetValue(e, out var s)) return (s.EL, s.EC);
        return (e.EndLine, e.EndColumn);
    }

    internal static bool IsParenthesized(Expr e)
    {
        var p = t_ctx?.Parens;
        return p != null && p.Count != 0 && p.ContainsKey(e);
    }

    internal static void MarkParens(Expr e, Token lp, Token rp)
    {
        var ctx = t_ctx;
        if (ctx != null) ctx.Parens[e] = (lp.Line, lp.Column, rp.EndLine, rp.EndColumn);
    }

    internal static (int Line, int Col) EndOf(Stmt s) => (s.EndLine, s.EndColumn);

    internal static (int Line, int Col) EndOfBody(IReadOnlyList<Stmt> body)
    {
        var last = body[body.Count - 1];
        return (last.EndLine, last.EndColumn);
    }

    // ------------------------------------------------------------------ node construction

    internal static Name MkName(Token t, ExprContext ctx = ExprContext.Load) => new()
    {
        Id = t.Text, Ctx = ctx, Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn,
    };

    internal static Constant MkConst(ConstantKind kind, Token t) => new()
    {
        Kind = kind, Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn,
    };

    internal static Expr MkBin(Expr l, BinaryOperator op, Expr r)
    {
        var (sl, sc) = Start(l);
        var (el, ec) = End(r);
        return new BinOp { Left = l, Op = op, Right = r, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
    }

    internal static Expr MkUnary(Token op, UnaryOperator kind, Expr operand)
    {
        var (el, ec) = End(operand);
        return new UnaryOp { Op = kind, Operand = operand, Line = op.Line, Column = op.Column, EndLine = el, EndColumn = ec };
    }

    internal static Expr MkBoolOp(BoolOperator op, List<Expr> values)
    {
        var (sl, sc) = Start(values[0]);
        var (el, ec) = End(values[values.Count - 1]);
        return new BoolOp { Op = op, Values = values, Line = sl, Column = sc, EndLine = el, EndColumn = ec };
    }

    internal static TupleExpr MkTuple(List<Expr> elts, (int L, int C) start, (int L, int C) end, ExprContext ctx = ExprContext.Load)
        => new() { Elts = elts, Ctx = ctx, Line = start.L, Column = start.C, EndLine = end.L, EndColumn = end.C };

    /// <summary>Turns "a, b, c[,]" into a single expression or an unparenthesized Tuple.</summary>
    internal static Expr SeqToExpr(SepList<Expr> seq)
    {
        if (seq.Items.Count == 1 && seq.Trailing == null) return seq.Items[0];
        var end = seq.Trailing is { } tr ? (tr.EndLine, tr.EndColumn) : End(seq.Items[seq.Items.Count - 1]);
        return MkTuple(seq.Items, Start(seq.Items[0]), end);
    }

    // ------------------------------------------------------------------ literals

    internal static Constant MkNumber(Token t)
    {
        string text = t.Text;
        if (text.IndexOf('_') >= 0) text = text.Replace("_", "");
        if (t.Kind == TokenKind.Float)
        {
            char last = text.Length > 0 ? text[^1] : ' ';
            if (last == 'j' || last == 'J')
                throw Fail("imaginary numbers are not supported by ToyPy", t);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                throw Fail("invalid decimal literal", t);
            return new Constant
            {
                Kind = ConstantKind.Float, FloatValue = d,
                Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn,
            };
        }
        if (text.Length > 0 && (text[^1] == 'j' || text[^1] == 'J'))
            throw Fail("imaginary numbers are not supported by ToyPy", t);

        BigInteger big;
        int radix = 10;
        string digits = text;
        if (text.Length > 1 && text[0] == '0')
        {
            char p = char.ToLowerInvariant(text[1]);
            if (p == 'x') { radix = 16; digits = text.Substring(2); }
            else if (p == 'o') { radix = 8; digits = text.Substring(2); }
            else if (p == 'b') { radix = 2; digits = text.Substring(2); }
        }
        if (radix == 10)
        {
            if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                return IntConst(t, v);
            if (!BigInteger.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out big))
                throw Fail("invalid decimal literal", t);
        }
        else
        {
            if (digits.Length == 0) throw Fail("invalid " + RadixName(radix) + " literal", t);
            big = BigInteger.Zero;
            ulong acc = 0;
            bool small = true;
            int bits = radix == 16 ? 4 : radix == 8 ? 3 : 1;
            foreach (char c in digits)
            {
                int dv = c >= '0' && c <= '9' ? c - '0'
                       : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
                if (dv >= radix) throw Fail("invalid " + RadixName(radix) + " literal", t);
                if (small && (acc >> (64 - bits)) == 0) acc = (acc << bits) | (uint)dv;
                else
                {
                    if (small) { big = acc; small = false; }
                    big = big * radix + dv;
                }
            }
            if (small)
            {
                if (acc <= long.MaxValue) return IntConst(t, (long)acc);
                big = acc;
            }
        }
        if (big >= long.MinValue && big <= long.MaxValue) return IntConst(t, (long)big);
        return new Constant
        {
            Kind = ConstantKind.Int, BigValue = big, IsBig = true,
            Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn,
        };
    }

    private static string RadixName(int radix) => radix switch { 16 => "hexadecimal", 8 => "octal", _ => "binary" };

    private static Constant IntConst(Token t, long v) => new()
    {
        Kind = ConstantKind.Int, IntValue = v, BigValue = v,
        Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn,
    };

    /// <summary>Concatenates adjacent String/FString tokens into a Constant or a JoinedStr.</summary>
    internal static Expr MkStrings(IEnumerable<Token> tokenSeq)
    {
        var tokens = tokenSeq as IReadOnlyList<Token> ?? tokenSeq.ToList();
        var first = tokens[0];
        var last = tokens[tokens.Count - 1];
        if (tokens.Count == 1 && first.Kind == TokenKind.String)
        {
            return new Constant
            {
                Kind = (first.Prefix & StringPrefix.Bytes) != 0 ? ConstantKind.Bytes : ConstantKind.Str,
                StrValue = first.Text,
                Line = first.Line, Column = first.Column, EndLine = first.EndLine, EndColumn = first.EndColumn,
            };
        }
        bool bytes = (first.Prefix & StringPrefix.Bytes) != 0;
        bool anyF = false;
        foreach (var t in tokens)
        {
            if (((t.Prefix & StringPrefix.Bytes) != 0) != bytes)
                throw new ParseFailure("cannot mix bytes and nonbytes literals", last.EndLine, last.EndColumn);
            if (t.Kind == TokenKind.FString) anyF = true;
        }
        if (!anyF)
        {
            var sb = new StringBuilder();
            foreach (var t in tokens) sb.Append(t.Text);
            return new Constant
            {
                Kind = bytes ? ConstantKind.Bytes : ConstantKind.Str, StrValue = sb.ToString(),
                Line = first.Line, Column = first.Column, EndLine = last.EndLine, EndColumn = last.EndColumn,
            };
        }
        var span = new FStringParser.Span(first.Line, first.Column, last.EndLine, last.EndColumn);
        var builder = new FStringParser.PartsBuilder(span);
        foreach (var t in tokens)
        {
            if (t.Kind == TokenKind.String) builder.Literal.Append(t.Text);
            else FStringParser.Parse(t, builder, Ctx);
        }
        return builder.ToJoinedStr();
    }

    // ------------------------------------------------------------------ names of expressions (for messages)

    internal static string ExprName(Expr e) => e switch
    {
        Attribute => "attribute",
        Subscript => "subscript",
        Starred => "starred",
        Name => "name",
        ListExpr => "list",
        TupleExpr => "tuple",
        Lambda => "lambda",
        Call => "function call",
        BoolOp or BinOp or UnaryOp => "expression",
        GeneratorExp => "generator expression",
        Yield or YieldFrom => "yield expression",
        Await => "await expression",
        ListComp => "list comprehension",
        SetComp => "set comprehension",
        DictComp => "dict comprehension",
        DictExpr => "dict literal",
        SetExpr => "set display",
        JoinedStr or FormattedValue => "f-string expression",
        Constant c => c.Kind switch
        {
            ConstantKind.None => "None",
            ConstantKind.True => "True",
            ConstantKind.False => "False",
            ConstantKind.Ellipsis => "ellipsis",
            _ => "literal",
        },
        Compare => "comparison",
        IfExp => "conditional expression",
        NamedExpr => "named expression",
        _ => "expression",
    };

    // ------------------------------------------------------------------ assignment / deletion targets

    internal enum TargetKind { Star, For, Del }

    /// <summary>The first sub-expression that cannot be a target (CPython's _PyPegen_get_invalid_target), or null.</summary>
    internal static Expr? InvalidTarget(Expr e, TargetKind kind)
    {
        switch (e)
        {
            case Name or Attribute or Subscript:
                return null;
            case TupleExpr t:
                foreach (var x in t.Elts) { var bad = InvalidTarget(x, kind); if (bad != null) return bad; }
                return null;
            case ListExpr l:
                foreach (var x in l.Elts) { var bad = InvalidTarget(x, kind); if (bad != null) return bad; }
                return null;
            case Starred s:
                return kind == TargetKind.Del ? e : InvalidTarget(s.Value, kind);
            case Compare c when kind == TargetKind.For:
                return c.Ops[0] == CompareOperator.In ? InvalidTarget(c.Left, kind) : e;
            default:
                return e;
        }
    }

    /// <summary>Checks a for/with/comprehension target and returns it with Store context.</summary>
    internal static Expr ToStoreTarget(Expr e, TargetKind kind = TargetKind.For)
    {
        var bad = InvalidTarget(e, kind);
        if (bad != null) throw Fail("cannot assign to " + ExprName(bad), bad);
        CheckStarredTarget(e);
        return WithCtx(e, ExprContext.Store);
    }

    /// <summary>Compile-time checks CPython makes on starred assignment targets.</summary>
    internal static void CheckStarredTarget(Expr e)
    {
        if (e is Starred)
            throw Fail("starred assignment target must be in a list or tuple", e);
        CheckMultipleStars(e);
    }

    private static void CheckMultipleStars(Expr e)
    {
        IReadOnlyList<Expr>? elts = e is TupleExpr t ? t.Elts : e is ListExpr l ? l.Elts : null;
        if (elts == null) return;
        bool seen = false;
        foreach (var x in elts)
        {
            if (x is Starred s)
            {
                if (seen) throw Fail("multiple starred expressions in assignment", e);
                seen = true;
                CheckMultipleStars(s.Value);
            }
            else CheckMultipleStars(x);
        }
    }

    internal static Expr ToDelTarget(Expr e)
    {
        var bad = InvalidTarget(e, TargetKind.Del);
        if (bad != null) throw Fail("cannot delete " + ExprName(bad), bad);
        return WithCtx(e, ExprContext.Del);
    }

    /// <summary>Rebuilds a target expression with the given context (recursively through Tuple/List/Starred).</summary>
    internal static Expr WithCtx(Expr e, ExprContext ctx)
    {
        Expr r;
        switch (e)
        {
            case Name n:
                if (n.Ctx == ctx) return n;
                r = new Name { Id = n.Id, Ctx = ctx, Line = n.Line, Column = n.Column, EndLine = n.EndLine, EndColumn = n.EndColumn };
                break;
            case Attribute a:
                r = new Attribute { Value = a.Value, Attr = a.Attr, Ctx = ctx, Line = a.Line, Column = a.Column, EndLine = a.EndLine, EndColumn = a.EndColumn };
                break;
            case Subscript s:
                r = new Subscript { Value = s.Value, Slice = s.Slice, Ctx = ctx, Line = s.Line, Column = s.Column, EndLine = s.EndLine, EndColumn = s.EndColumn };
                break;
            case Starred st:
                r = new Starred { Value = WithCtx(st.Value, ctx), Ctx = ctx, Line = st.Line, Column = st.Column, EndLine = st.EndLine, EndColumn = st.EndColumn };
                break;
            case TupleExpr t:
            {
                var elts = new List<Expr>(t.Elts.Count);
                foreach (var x in t.Elts) elts.Add(WithCtx(x, ctx));
                r = new TupleExpr { Elts = elts, Ctx = ctx, Line = t.Line, Column = t.Column, EndLine = t.EndLine, EndColumn = t.EndColumn };
                break;
            }
            case ListExpr l:
            {
                var elts = new List<Expr>(l.Elts.Count);
                foreach (var x in l.Elts) elts.Add(WithCtx(x, ctx));
                r = new ListExpr { Elts = elts, Ctx = ctx, Line = l.Line, Column = l.Column, EndLine = l.EndLine, EndColumn = l.EndColumn };
                break;
            }
            default:
                return e;
        }
        var p = t_ctx?.Parens;
        if (p != null && p.Count != 0 && p.TryGetValue(e, out var ext)) p[r] = ext;
        return r;
    }

    /// <summary>
    /// The error for an invalid target of "target = value". CPython adds "here. Maybe
    /// you meant '==' instead of '='?" when the statement has a single '=' and both
    /// sides are simple (bitwise_or) expressions (its invalid_named_expression rule).
    /// </summary>
    internal static ParseFailure InvalidAssignTarget(Expr target, Expr bad, bool single, Expr value)
    {
        if (single && StartsWithBitwiseOr(value))
        {
            // CPython's rule looks at the expression right before the '=': the target
            // itself, or the last element of an unparenthesized tuple.
            var cand = target is TupleExpr { Elts.Count: > 0 } t && !IsParenthesized(target) ? t.Elts[^1] : target;
            if (ReferenceEquals(InvalidTarget(cand, TargetKind.Star), cand) && IsBitwiseOrLevel(cand)
                && (IsParenthesized(cand) || cand is not (TupleExpr or ListExpr or GeneratorExp))
                && !(cand is Constant { Kind: ConstantKind.True or ConstantKind.False or ConstantKind.None }))
                return Fail($"cannot assign to {ExprName(cand)} here. Maybe you meant '==' instead of '='?", cand);
            if (!ReferenceEquals(cand, target) && cand is Name && !IsParenthesized(cand))
                return Fail("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", cand);
        }
        return Fail("cannot assign to " + ExprName(bad), bad);
    }

    private static bool IsBitwiseOrLevel(Expr e)
        => IsParenthesized(e) || e is not (BoolOp or Compare or UnaryOp { Op: UnaryOperator.Not } or IfExp or Lambda
            or Starred or NamedExpr or Yield or YieldFrom);

    private static bool StartsWithBitwiseOr(Expr e)
    {
        while (true)
        {
            if (IsParenthesized(e)) return true;
            switch (e)
            {
                case TupleExpr t when t.Elts.Count > 0: e = t.Elts[0]; continue;
                case BoolOp b: e = b.Values[0]; continue;
                case Compare c: e = c.Left; continue;
                case IfExp i: e = i.Body; continue;
                case BinOp b: e = b.Left; continue;
                case UnaryOp { Op: UnaryOperator.Not }: return false;
                case Lambda or Starred or Yield or YieldFrom: return false;
                default: return true;
            }
        }
    }

    // ------------------------------------------------------------------ parameters

    internal enum ParamKind { Slash, Star, DoubleStar, Normal }

    /// <summary>One entry of a parameter list before it is assembled into Arguments.</summary>
    internal sealed class ParamItem
    {
        public ParamKind Kind;
        public Token Tok;          // '/', '*', '**' or the name
        public Arg? Arg;
        public Token? EqTok;       // '=' of a default
        public Expr? Default;
    }

    /// <param name="seq">The parameters as parsed.</param>
    /// <param name="lambdaColon">For a lambda, its ':' (CPython reports some lambda errors there).</param>
    internal static Arguments BuildArguments(SepList<ParamItem> seq, Token? lambdaColon = null)
    {
        var items = seq.Items;
        var posonly = new List<Arg>();
        var args = new List<Arg>();
        var defaults = new List<Expr>();
        var kwonly = new List<Arg>();
        var kwdefaults = new List<Expr?>();
        Arg? vararg = null, kwarg = null;
        bool seenSlash = false, seenStar = false, seenDefault = false;
        Token? bareStar = null;

        foreach (var it in items)
        {
            if (kwarg != null) throw Fail("arguments cannot follow var-keyword argument", it.Tok);
            switch (it.Kind)
            {
                case ParamKind.Slash:
                    if (seenSlash) throw Fail("/ may appear only once", it.Tok);
                    if (seenStar) throw Fail("/ must be ahead of *", it.Tok);
                    if (args.Count == 0)
                        throw Fail(ReferenceEquals(it, items[^1]) && seq.Trailing == null
                            ? "invalid syntax" : "at least one argument must precede /", it.Tok);
                    posonly = args;
                    args = new List<Arg>();
                    seenSlash = true;
                    break;
                case ParamKind.Star:
                    if (seenStar) throw Fail("* argument may appear only once", it.Tok);
                    if (it.EqTok is { } eq1) throw Fail("var-positional argument cannot have default value", eq1);
                    seenStar = true;
                    vararg = it.Arg;
                    if (it.Arg == null) bareStar = it.Tok;
                    break;
                case ParamKind.DoubleStar:
                    if (it.EqTok is { } eq2) throw Fail("var-keyword argument cannot have default value", eq2);
                    kwarg = it.Arg;
                    break;
                default:
                    if (seenStar)
                    {
                        kwonly.Add(it.Arg!);
                        kwdefaults.Add(it.Default);
                    }
                    else
                    {
                        if (it.Default != null)
                        {
                            defaults.Add(it.Default);
                            seenDefault = true;
                        }
                        else if (seenDefault) throw Fail("non-default argument follows default argument", it.Tok);
                        args.Add(it.Arg!);
                    }
                    break;
            }
        }
        if (bareStar is { } bs && kwonly.Count == 0)
        {
            if (lambdaColon is { } colon)
            {
                // CPython reports the lambda form at the token after "*" / "*,".
                int k = 0;
                while (k < items.Count && items[k].Tok != bs) k++;
                throw Fail("named arguments must follow bare *", k + 1 < items.Count ? items[k + 1].Tok : colon);
            }
            throw Fail("named arguments must follow bare *", bs);
        }

        int l = 0, c = 0, el = 0, ec = 0;
        if (items.Count > 0)
        {
            var f = items[0].Tok;
            l = f.Line; c = f.Column;
            var lastItem = items[items.Count - 1];
            if (lastItem.Default != null) (el, ec) = End(lastItem.Default);
            else if (lastItem.Arg != null) { el = lastItem.Arg.EndLine; ec = lastItem.Arg.EndColumn; }
            else { el = lastItem.Tok.EndLine; ec = lastItem.Tok.EndColumn; }
        }
        return new Arguments
        {
            PosOnlyArgs = posonly, Args = args, VarArg = vararg, KwOnlyArgs = kwonly, KwDefaults = kwdefaults,
            KwArg = kwarg, Defaults = defaults, Line = l, Column = c, EndLine = el, EndColumn = ec,
        };
    }

    internal static readonly Arguments EmptyArguments = new();

    // ------------------------------------------------------------------ call arguments

    internal enum ArgKind { Positional, Star, Keyword, DoubleStar, BareGenerator }

    /// <summary>One argument of a call or class header before validation.</summary>
    internal sealed class ArgItem
    {
        public ArgKind Kind;
        public Expr? Value;
        public Keyword? Keyword;
    }

    /// <summary>Validates argument order and splits items into positional args and keywords.</summary>
    internal static (List<Expr> Args, List<Keyword> Keywords) SplitArgs(SepList<ArgItem>? seq, bool allowGenerator, Token close)
    {
        var args = new List<Expr>();
        var keywords = new List<Keyword>();
        if (seq == null) return (args, keywords);
        var items = seq.Items;
        bool seenKeyword = false, seenDoubleStar = false;
        foreach (var it in items)
        {
            switch (it.Kind)
            {
                case ArgKind.BareGenerator:
                    if (items.Count > 1 || seq.Trailing != null)
                        throw Fail("Generator expression must be parenthesized", it.Value!);
                    if (!allowGenerator)
                    {
                        // the generic error at the 'for' token
                        var g = ((GeneratorExp)it.Value!).Generators[0];
                        throw new ParseFailure("invalid syntax", g.Line, g.Column, g.Line, g.Column + 3);
                    }
                    args.Add(it.Value!);
                    break;
                case ArgKind.Positional:
                    if (seenDoubleStar) throw Fail("positional argument follows keyword argument unpacking", close);
                    if (seenKeyword) throw Fail("positional argument follows keyword argument", close);
                    args.Add(it.Value!);
                    break;
                case ArgKind.Star:
                    if (seenDoubleStar)
                    {
                        // the generic error at the '*' token
                        var st = it.Value!;
                        throw new ParseFailure("iterable argument unpacking follows keyword argument unpacking",
                                               st.Line, st.Column, st.Line, st.Column + 1);
                    }
                    args.Add(it.Value!);
                    break;
                case ArgKind.Keyword:
                    seenKeyword = true;
                    keywords.Add(it.Keyword!);
                    break;
                default:
                    seenDoubleStar = true;
                    keywords.Add(it.Keyword!);
                    break;
            }
        }
        return (args, keywords);
    }
}
