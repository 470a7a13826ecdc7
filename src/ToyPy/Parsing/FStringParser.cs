using System.Text;
using Pidgin;
using ToyPy.Lexing;
using ToyPy.Parsing.Ast;

namespace ToyPy.Parsing;

/// <summary>
/// Splits the raw body of an f-string token into literal text and replacement fields
/// {expr[=][!conv][:spec]}, the way CPython 3.11's Parser/string_parser.c does.
/// Literal text has its escapes processed (unless the string is raw); "{{" and "}}"
/// are literal braces. Each field's expression is lexed as "(" text ")" (so it may
/// span lines) and parsed with the same expression grammar; its tokens are moved to
/// their position in the source file first, so the nodes get real positions.
/// As in CPython 3.11, the Constant and FormattedValue parts themselves carry the
/// position of the whole string.
/// </summary>
internal static class FStringParser
{
    public readonly record struct Span(int Line, int Col, int EndLine, int EndCol);

    /// <summary>Accumulates the parts of a JoinedStr; adjacent literal text is merged.</summary>
    public sealed class PartsBuilder
    {
        public readonly StringBuilder Literal = new();
        public readonly List<Expr> Parts = new();
        public readonly Span Span;

        public PartsBuilder(Span span) { Span = span; }

        public void Flush()
        {
            if (Literal.Length == 0) return;
            Parts.Add(new Constant
            {
                Kind = ConstantKind.Str, StrValue = Literal.ToString(),
                Line = Span.Line, Column = Span.Col, EndLine = Span.EndLine, EndColumn = Span.EndCol,
            });
            Literal.Clear();
        }

        public JoinedStr ToJoinedStr()
        {
            Flush();
            return new JoinedStr
            {
                Values = Parts, Line = Span.Line, Column = Span.Col, EndLine = Span.EndLine, EndColumn = Span.EndCol,
            };
        }
    }

    /// <summary>State for one f-string token.</summary>
    private sealed class Source
    {
        public required Token Tok;
        public required string Body;
        public required bool Raw;
        public required PythonParser.ParseContext Ctx;
        public int BodyStart = -1;      // absolute offset of the body in the file's source, -1 if unknown

        public PythonParser.ParseFailure Error(string msg) => new(msg, Tok.EndLine, Tok.EndColumn);
    }

    public static void Parse(Token tok, PartsBuilder builder, PythonParser.ParseContext ctx)
    {
        var src = new Source
        {
            Tok = tok, Body = tok.Text, Raw = (tok.Prefix & StringPrefix.Raw) != 0, Ctx = ctx,
        };
        int i = 0;
        ParseLevel(src, ref i, 0, builder);
        if (i < src.Body.Length) throw src.Error("f-string: single '}' is not allowed");
    }

    /// <summary>Literal text and fields until the end of the body (level 0) or an unmatched '}' (format specs).</summary>
    private static void ParseLevel(Source src, ref int i, int level, PartsBuilder b)
    {
        var s = src.Body;
        int n = s.Length;
        while (true)
        {
            int litStart = i;
            while (i < n)
            {
                char ch = s[i];
                if (!src.Raw && ch == '\\' && i + 1 < n)
                {
                    char next = s[i + 1];
                    if (next == 'N' && i + 2 < n && s[i + 2] == '{')
                    {
                        i += 3;
                        while (i < n && s[i] != '}') i++;
                        if (i < n) i++;
                        continue;
                    }
                    if (next == '{' || next == '}')
                    {
                        i++;        // the backslash stays literal; the brace is handled below
                        continue;
                    }
                    i += 2;
                    continue;
                }
                if (ch == '{' || ch == '}')
                {
                    if (level == 0)
                    {
                        if (i + 1 < n && s[i + 1] == ch)
                        {
                            AppendLiteral(src, s, litStart, i + 1, b.Literal);
                            i += 2;
                            litStart = i;
                            continue;
                        }
                        if (ch == '}') throw src.Error("f-string: single '}' is not allowed");
                    }
                    break;
                }
                i++;
            }
            AppendLiteral(src, s, litStart, i, b.Literal);
            if (i >= n || s[i] == '}') return;
            ParseField(src, ref i, level, b);
        }
    }

    /// <summary>One {expr[=][!conv][:spec]} starting at s[i] == '{'.</summary>
    private static void ParseField(Source src, ref int i, int level, PartsBuilder b)
    {
        var s = src.Body;
        int n = s.Length;
        if (level >= 2) throw src.Error("f-string: expressions nested too deeply");
        i++;
        int exprStart = i;
        char quote = '\0';
        bool triple = false;
        var stack = new Stack<char>();
        while (i < n)
        {
            char ch = s[i];
            if (ch == '\\') throw src.Error("f-string expression part cannot include a backslash");
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    if (!triple) { quote = '\0'; i++; continue; }
                    if (i + 2 < n && s[i + 1] == quote && s[i + 2] == quote) { quote = '\0'; i += 3; continue; }
                }
                i++;
                continue;
            }
            if (ch == '\'' || ch == '"')
            {
                quote = ch;
                triple = i + 2 < n && s[i + 1] == ch && s[i + 2] == ch;
                i += triple ? 3 : 1;
                continue;
            }
            if (ch == '[' || ch == '(' || ch == '{')
            {
                if (stack.Count >= 200) throw src.Error("f-string: too many nested parenthesis");
                stack.Push(ch);
                i++;
                continue;
            }
            if (ch == '#') throw src.Error("f-string expression part cannot include '#'");
            if (stack.Count == 0 && (ch == '!' || ch == ':' || ch == '}' || ch == '=' || ch == '>' || ch == '<'))
            {
                if (i + 1 < n)
                {
                    char next = s[i + 1];
                    if ((ch == '!' || ch == '=' || ch == '<' || ch == '>') && next == '=')
                    {
                        i += 2;
                        continue;
                    }
                }
                if (ch == '>' || ch == '<') { i++; continue; }
                break;
            }
            if (ch == ']' || ch == ')' || ch == '}')
            {
                if (stack.Count == 0) throw src.Error($"f-string: unmatched '{ch}'");
                char open = stack.Pop();
                if (!((open == '(' && ch == ')') || (open == '[' && ch == ']') || (open == '{' && ch == '}')))
                    throw src.Error($"f-string: closing parenthesis '{ch}' does not match opening parenthesis '{open}'");
                i++;
                continue;
            }
            i++;
        }
        if (quote != '\0') throw src.Error("f-string: unterminated string");
        if (stack.Count > 0) throw src.Error($"f-string: unmatched '{stack.Peek()}'");
        if (i >= n) throw src.Error("f-string: expecting '}'");

        string exprText = s.Substring(exprStart, i - exprStart);
        if (string.IsNullOrWhiteSpace(exprText))
        {
            char stop = s[i];
            throw src.Error(stop == '}' ? "f-string: empty expression not allowed" : $"f-string: expression required before '{stop}'");
        }
        var expr = CompileExpression(src, exprText, exprStart);

        string? selfDoc = null;
        if (s[i] == '=')
        {
            i++;
            while (i < n && char.IsWhiteSpace(s[i])) i++;
            selfDoc = s.Substring(exprStart, i - exprStart);
            if (i >= n) throw src.Error("f-string: expecting '}'");
        }

        int conversion = -1;
        if (s[i] == '!')
        {
            i++;
            if (i >= n) throw src.Error("f-string: expecting '}'");
            conversion = s[i];
            i++;
            if (conversion != 's' && conversion != 'r' && conversion != 'a')
                throw src.Error("f-string: invalid conversion character: expected 's', 'r', or 'a'");
        }
        if (i >= n) throw src.Error("f-string: expecting '}'");

        JoinedStr? spec = null;
        if (s[i] == ':')
        {
            i++;
            // CPython 3.11 gives a format spec the span of its own string token.
            var t = src.Tok;
            var specBuilder = new PartsBuilder(new Span(t.Line, t.Column, t.EndLine, t.EndColumn));
            ParseLevel(src, ref i, level + 1, specBuilder);
            spec = specBuilder.ToJoinedStr();
        }
        if (i >= n || s[i] != '}') throw src.Error("f-string: expecting '}'");
        i++;

        if (selfDoc != null)
        {
            b.Literal.Append(selfDoc);
            if (conversion == -1 && spec == null) conversion = 'r';
        }
        b.Flush();
        b.Parts.Add(new FormattedValue
        {
            Value = expr, Conversion = conversion, FormatSpec = spec,
            Line = b.Span.Line, Column = b.Span.Col, EndLine = b.Span.EndLine, EndColumn = b.Span.EndCol,
        });
    }

    // ------------------------------------------------------------------ expressions

    private static Expr CompileExpression(Source src, string text, int bodyOffset)
    {
        string code = "(" + text + ")";
        Token[] tokens;
        try
        {
            tokens = Lexer.Tokenize(code, src.Ctx.Filename);
        }
        catch (SyntaxErrorException e) when (e.Line >= 1 && !e.Msg.StartsWith("f-string", StringComparison.Ordinal))
        {
            // CPython's tokenizer reports its own errors in "(expr)" as they are; a character
            // no token starts with becomes the parser's "f-string: invalid syntax" over it.
            var probe = new[] { new Token(TokenKind.LParen, "(", 1, 0, 1, 1) };
            Relocate(src, probe, code, bodyOffset);
            var lines = code.Split('\n');
            int rel = Math.Clamp(e.Line, 1, lines.Length);
            int line = probe[0].Line + rel - 1;
            string lineText = lines[rel - 1].TrimEnd('\r');
            if (e.Msg == "invalid syntax" && e.Kind == "SyntaxError")
            {
                int width = string.CompareOrdinal(lineText, Math.Min(e.Column, lineText.Length), "<>", 0, 2) == 0 ? 2 : 1;
                throw new PythonParser.ParseFailure("f-string: invalid syntax", line, e.Column, line, e.Column + width) { Text = lineText };
            }
            throw new PythonParser.ParseFailure(e.Msg, line, e.Column, e.Kind) { Text = lineText };
        }
        catch (SyntaxErrorException e)
        {
            throw src.Error(e.Msg.StartsWith("f-string", StringComparison.Ordinal) ? e.Msg : "f-string: " + e.Msg);
        }
        var original = (Token[])tokens.Clone();
        Relocate(src, tokens, code, bodyOffset);
        try
        {
            var result = PythonParser.ExprGrammar.FStringExpr.Parse(tokens);
            if (!result.Success)
                throw ExpressionError(code, tokens, PythonParser.ConvertSubError(result.Error!, original));
            return result.Value;
        }
        catch (PythonParser.ParseFailure f) when (!f.Msg.StartsWith("f-string", StringComparison.Ordinal))
        {
            // Positions relative to "(expr)": parse the tokens where the lexer put them.
            PythonParser.ParseFailure rel = f;
            try
            {
                var again = PythonParser.ExprGrammar.FStringExpr.Parse(original);
                if (!again.Success) rel = PythonParser.ConvertSubError(again.Error!, original);
            }
            catch (PythonParser.ParseFailure f2)
            {
                rel = f2;
            }
            throw ExpressionError(code, tokens, rel);
        }
    }

    /// <summary>
    /// A syntax error in an f-string expression as 3.11 reports it: CPython parses the
    /// expression as "(expr)" on its own, so the error's text is that string and its
    /// columns count from its '(' (on the expression's line in the file).
    /// </summary>
    private static PythonParser.ParseFailure ExpressionError(string code, Token[] relocated, PythonParser.ParseFailure f)
    {
        var lines = code.Split('\n');
        int rel = Math.Clamp(f.Line, 1, lines.Length);
        int exprLine = relocated.Length > 0 && relocated[0].Line > 0 ? relocated[0].Line : f.Line;
        int line = exprLine + rel - 1;
        bool range = f.EndLine > 0 && f.EndColumn >= 0;
        return new PythonParser.ParseFailure("f-string: " + f.Msg, line, f.Column, f.Kind)
        {
            EndLine = range ? exprLine + f.EndLine - 1 : -1,
            EndColumn = range ? f.EndColumn : -1,
            Text = lines[rel - 1].TrimEnd('\r'),
        };
    }

    /// <summary>Moves the tokens lexed from "(" + text + ")" to where the text sits in the file.</summary>
    private static void Relocate(Source src, Token[] tokens, string code, int bodyOffset)
    {
        if (src.BodyStart < 0) src.BodyStart = LocateBody(src);
        var ctx = src.Ctx;
        if (src.BodyStart < 0)
        {
            for (int k = 0; k < tokens.Length; k++)
                tokens[k] = tokens[k] with { Line = src.Tok.Line, Column = src.Tok.Column, EndLine = src.Tok.Line, EndColumn = src.Tok.Column };
            return;
        }
        var codeLines = new List<int> { 0 };
        for (int k = 0; k < code.Length; k++)
            if (code[k] == '\n') codeLines.Add(k + 1);
        int textLen = code.Length - 2;
        (int, int) Map(int line, int col)
        {
            int idx = (line >= 1 && line <= codeLines.Count ? codeLines[line - 1] : code.Length) + col;
            int t = Math.Clamp(idx - 1, -1, textLen + 1);
            return ctx.PosOf(src.BodyStart + bodyOffset + t);
        }
        for (int k = 0; k < tokens.Length; k++)
        {
            var t = tokens[k];
            var (l, c) = Map(t.Line, t.Column);
            var (el, ec) = Map(t.EndLine, t.EndColumn);
            tokens[k] = t with { Line = l, Column = c, EndLine = el, EndColumn = ec };
        }
    }

    /// <summary>Absolute offset of the token's body in the source, or -1 if the source does not match.</summary>
    private static int LocateBody(Source src)
    {
        var ctx = src.Ctx;
        int off = ctx.OffsetOf(src.Tok.Line, src.Tok.Column);
        var text = ctx.Source;
        if (off < 0) return -1;
        while (off < text.Length && char.IsLetter(text[off])) off++;
        if (off >= text.Length) return -1;
        char q = text[off];
        if (q != '\'' && q != '"') return -1;
        bool triple = off + 2 < text.Length && text[off + 1] == q && text[off + 2] == q;
        int start = off + (triple ? 3 : 1);
        if (start + src.Body.Length > text.Length) return -1;
        return string.CompareOrdinal(text, start, src.Body, 0, src.Body.Length) == 0 ? start : -1;
    }

    // ------------------------------------------------------------------ escapes

    private static void AppendLiteral(Source src, string s, int start, int end, StringBuilder sb)
    {
        if (end <= start) return;
        if (src.Raw || s.IndexOf('\\', start, end - start) < 0)
        {
            sb.Append(s, start, end - start);
            return;
        }
        // "\{": the backslash stays literal (CPython warns about the invalid escape).
        int run = 0;
        while (end - run - 1 >= start && s[end - run - 1] == '\\') run++;
        bool loneBackslash = run % 2 == 1 && end < s.Length && (s[end] == '{' || s[end] == '}');
        if (loneBackslash) end--;
        if (!Lexer.TryDecodeEscapes(s.AsSpan(start, end - start), false, out var value, out var error))
            throw src.Error(error ?? "(unicode error) 'unicodeescape' codec can't decode bytes");
        sb.Append(value);
        if (loneBackslash) sb.Append('\\');
    }
}
