using System.Globalization;
using System.Numerics;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// The format specification mini-language (Python/formatter_unicode.c):
/// [[fill]align][sign][z][#][0][width][grouping][.precision][type] for int,
/// float and str, used by format(), f-strings and str.format.
/// </summary>
public static class Formatting
{
    public struct Spec
    {
        public char Fill; public char Align; public char Sign; public bool Alternate; public bool ZeroPad;
        public int Width; public char Grouping; public int Precision; public char Type; public bool NoNegZero;
    }

    public static Spec Parse(string spec, string typeName)
    {
        var r = new Spec { Fill = ' ', Align = '\0', Sign = '\0', Width = -1, Precision = -1, Type = '\0', Grouping = '\0' };
        int i = 0, n = spec.Length;
        static bool IsAlign(char c) => c is '<' or '>' or '=' or '^';
        if (n >= 2 && IsAlign(spec[1])) { r.Fill = spec[0]; r.Align = spec[1]; i = 2; }
        else if (n >= 1 && IsAlign(spec[0])) { r.Align = spec[0]; i = 1; }
        if (i < n && spec[i] is '+' or '-' or ' ') r.Sign = spec[i++];
        if (i < n && spec[i] == 'z') { r.NoNegZero = true; i++; }
        if (i < n && spec[i] == '#') { r.Alternate = true; i++; }
        if (i < n && spec[i] == '0')
        {
            r.ZeroPad = true;
            if (r.Align == '\0') { r.Fill = '0'; r.Align = '='; }
            i++;
        }
        int start = i;
        while (i < n && char.IsAsciiDigit(spec[i])) i++;
        if (i > start) r.Width = int.Parse(spec.AsSpan(start, i - start), CultureInfo.InvariantCulture);
        if (i < n && spec[i] is ',' or '_') r.Grouping = spec[i++];
        if (i < n && spec[i] is ',' or '_') throw Exc.ValueError("Cannot specify both ',' and '_'.");
        if (i < n && spec[i] == '.')
        {
            i++;
            start = i;
            while (i < n && char.IsAsciiDigit(spec[i])) i++;
            if (i == start) throw Exc.ValueError("Format specifier missing precision");
            r.Precision = int.Parse(spec.AsSpan(start, i - start), CultureInfo.InvariantCulture);
        }
        if (i < n) r.Type = spec[i++];
        if (i < n) throw Exc.ValueError("Invalid format specifier");
        return r;
    }

    public static PyStr FormatBuiltin(PyObject value, string spec)
    {
        switch (value)
        {
            case PyStr s when value.Type == PyTypes.Str:
                return PyStr.FromString(spec.Length == 0 ? s.Value : FormatStr(s.Value, Parse(spec, "str")));
            case PyBool b when spec.Length == 0:
                return b.Repr();
            case PyInt i:
                return PyStr.FromString(spec.Length == 0 ? i.ToDecimalString() : FormatInt(i.ToBig(), Parse(spec, "int")));
            case PyFloat f:
                return PyStr.FromString(spec.Length == 0 ? PyFloat.ReprOf(f.Value) : FormatFloat(f.Value, Parse(spec, "float")));
        }
        if (spec.Length > 0) throw Exc.TypeError($"unsupported format string passed to {value.Type.Name}.__format__");
        return Ops.Str(value);
    }

    private static string Pad(string body, Spec s, char defaultAlign, string signPrefix = "")
    {
        int width = s.Width;
        char align = s.Align == '\0' ? defaultAlign : s.Align;
        int len = body.Length + signPrefix.Length;
        if (width <= len) return signPrefix + body;
        int pad = width - len;
        string fill = s.Fill.ToString();
        return align switch
        {
            '<' => signPrefix + body + Repeat(fill, pad),
            '^' => Repeat(fill, pad / 2) + signPrefix + body + Repeat(fill, pad - pad / 2),
            '=' => signPrefix + Repeat(fill, pad) + body,
            _ => Repeat(fill, pad) + signPrefix + body,
        };
    }

    private static string Repeat(string s, int n) => n <= 0 ? "" : new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    public static string FormatStr(string v, Spec s)
    {
        if (s.Type != '\0' && s.Type != 's') throw Exc.ValueError($"Unknown format code '{s.Type}' for object of type 'str'");
        if (s.Sign != '\0') throw Exc.ValueError("Sign not allowed in string format specifier");
        if (s.Align == '=') throw Exc.ValueError("'=' alignment not allowed in string format specifier");
        if (s.Precision >= 0 && v.Length > s.Precision) v = v.Substring(0, s.Precision);
        return Pad(v, s, '<');
    }

    private static string Group(string digits, char sep, int every)
    {
        if (sep == '\0' || digits.Length <= every) return digits;
        var sb = new StringBuilder();
        int first = digits.Length % every;
        if (first > 0) sb.Append(digits, 0, first);
        for (int i = first; i < digits.Length; i += every)
        {
            if (sb.Length > 0) sb.Append(sep);
            sb.Append(digits, i, every);
        }
        return sb.ToString();
    }

    private static string SignOf(bool negative, char sign) => negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";

    public static string ToBase(BigInteger v, int radix, string prefix)
    {
        bool neg = v.Sign < 0;
        var digits = Digits(BigInteger.Abs(v), radix, false);
        return (neg ? "-" : "") + prefix + digits;
    }

    private static string Digits(BigInteger v, int radix, bool upper)
    {
        if (radix == 10) return v.ToString(CultureInfo.InvariantCulture);
        if (v.IsZero) return "0";
        var sb = new StringBuilder();
        string chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        while (!v.IsZero) { sb.Insert(0, chars[(int)(v % radix)]); v /= radix; }
        return sb.ToString();
    }

    public static string FormatInt(BigInteger v, Spec s)
    {
        char t = s.Type;
        if (t is 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%')
            return FormatFloat((double)v, s);
        if (s.Precision >= 0) throw Exc.ValueError("Precision not allowed in integer format specifier");
        if (t == 'c')
        {
            if (s.Sign != '\0') throw Exc.ValueError("Sign not allowed with integer format specifier 'c'");
            return Pad(char.ConvertFromUtf32((int)v), s, '<');
        }
        int radix = t switch { 'b' => 2, 'o' => 8, 'x' or 'X' => 16, 'd' or 'n' or '\0' => 10, _ => 0 };
        if (radix == 0) throw Exc.ValueError($"Unknown format code '{t}' for object of type 'int'");
        bool neg = v.Sign < 0;
        string digits = Digits(BigInteger.Abs(v), radix, t == 'X');
        if (s.Grouping != '\0')
        {
            if (s.Grouping == ',' && radix != 10) throw Exc.ValueError($"Cannot specify ',' with '{t}'.");
            digits = Group(digits, s.Grouping, radix == 10 ? 3 : 4);
        }
        string prefix = s.Alternate ? t switch { 'b' => "0b", 'o' => "0o", 'x' => "0x", 'X' => "0X", _ => "" } : "";
        string sign = SignOf(neg, s.Sign) + prefix;
        if (s.ZeroPad && s.Grouping != '\0' && s.Align == '=' && s.Fill == '0')
            return sign + ZeroPadGrouped(digits, s.Width - sign.Length, s.Grouping, radix == 10 ? 3 : 4);
        return Pad(digits, s, '>', sign);
    }

    /// <summary>Zero padding that continues the digit grouping (format(1234, "010,") == '00,001,234').</summary>
    private static string ZeroPadGrouped(string grouped, int width, char sep, int every)
    {
        string raw = grouped.Replace(sep.ToString(), "");
        while (true)
        {
            var g = Group(raw, sep, every);
            if (g.Length >= width) return g.Length > width && g[0] == sep ? g.Substring(1) : g;
            raw = "0" + raw;
        }
    }

    public static string FormatFloat(double v, Spec s)
    {
        char t = s.Type;
        bool neg = v < 0 || (v == 0 && double.IsNegative(v));
        double a = Math.Abs(v);
        if (s.NoNegZero && neg) { }
        string body;
        int prec = s.Precision;
        if (double.IsNaN(v) || double.IsInfinity(v))
        {
            body = double.IsNaN(v) ? "nan" : "inf";
            if (t is 'E' or 'F' or 'G') body = body.ToUpperInvariant();
            if (double.IsNaN(v)) neg = false;
            if (t == '%') body += "%";
        }
        else switch (t)
        {
            case 'f': case 'F':
                body = FixedDigits(a, prec < 0 ? 6 : prec);
                if (s.Alternate && !body.Contains('.')) body += ".";
                break;
            case '%':
                body = FixedDigits(a * 100, prec < 0 ? 6 : prec) + "%";
                break;
            case 'e': case 'E':
                body = ExpDigits(a, prec < 0 ? 6 : prec, t == 'E', s.Alternate);
                break;
            case 'g': case 'G': case 'n':
                body = GeneralDigits(a, prec < 0 ? 6 : prec == 0 ? 1 : prec, t == 'G', s.Alternate, false);
                break;
            case '\0':
                body = prec < 0 ? PyFloat.ReprOf(a) : GeneralDigits(a, prec == 0 ? 1 : prec, false, s.Alternate, true);
                break;
            default:
                throw Exc.ValueError($"Unknown format code '{t}' for object of type 'float'");
        }
        if (s.NoNegZero && neg && body.Trim('0', '.', '%') == "") neg = false;
        if (s.Grouping != '\0')
        {
            int end = 0;
            while (end < body.Length && char.IsAsciiDigit(body[end])) end++;
            body = Group(body.Substring(0, end), s.Grouping, 3) + body.Substring(end);
        }
        string sign = SignOf(neg, s.Sign);
        if (s.ZeroPad && s.Grouping != '\0' && s.Align == '=' && s.Fill == '0')
        {
            int dot = 0;
            while (dot < body.Length && (char.IsAsciiDigit(body[dot]) || body[dot] == s.Grouping)) dot++;
            string intPart = ZeroPadGrouped(body.Substring(0, dot), s.Width - sign.Length - (body.Length - dot), s.Grouping, 3);
            return sign + intPart + body.Substring(dot);
        }
        return Pad(body, s, '>', sign);
    }

    private static string FixedDigits(double a, int prec) => a.ToString("F" + prec, CultureInfo.InvariantCulture);

    private static string ExpDigits(double a, int prec, bool upper, bool alternate)
    {
        string r = a.ToString((upper ? "E" : "e") + prec, CultureInfo.InvariantCulture); // d.ddde+ddd
        int e = r.IndexOfAny(new[] { 'e', 'E' });
        string mant = r.Substring(0, e);
        int exp = int.Parse(r.AsSpan(e + 1), CultureInfo.InvariantCulture);
        if (alternate && !mant.Contains('.')) mant += ".";
        return mant + (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }

    /// <summary>'g' formatting; noType is the spec-less form with a precision (always shows a fractional digit for integral results in exp-free form... as repr-like).</summary>
    private static string GeneralDigits(double a, int prec, bool upper, bool alternate, bool noType)
    {
        if (a == 0) return noType ? "0.0" : alternate ? "0." + new string('0', prec - 1) : "0";
        string es = a.ToString("E" + (prec - 1), CultureInfo.InvariantCulture);
        int exp = int.Parse(es.AsSpan(es.IndexOf('E') + 1), CultureInfo.InvariantCulture);
        string r;
        if (exp < -4 || exp >= prec)
        {
            r = ExpDigits(a, prec - 1, upper, alternate);
            if (!alternate)
            {
                int e = r.IndexOfAny(new[] { 'e', 'E' });
                string mant = r.Substring(0, e);
                if (mant.Contains('.')) mant = mant.TrimEnd('0').TrimEnd('.');
                r = mant + r.Substring(e);
            }
        }
        else
        {
            r = FixedDigits(a, Math.Max(0, prec - 1 - exp));
            if (!alternate && r.Contains('.')) r = r.TrimEnd('0').TrimEnd('.');
            if (noType && !r.Contains('.')) r += ".0";
        }
        return r;
    }
}
