using System.Globalization;
using System.Numerics;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// The format specification mini-language (Python/formatter_unicode.c):
/// [[fill]align][sign][z][#][0][width][grouping][.precision][type] for int,
/// float and str, used by format(), f-strings and str.format. Float digits come
/// from an exact port of PyOS_double_to_string / format_float_short
/// (Python/pystrtod.c) over correctly rounded _Py_dg_dtoa digit strings.
/// </summary>
public static class Formatting
{
    public struct Spec
    {
        /// <summary>The fill character (one code point: two UTF-16 units outside the BMP).</summary>
        public string FillText;
        public char Align; public char Sign; public bool Alternate;
        public long Width; public char Grouping; public long Precision; public char Type; public bool NoNegZero;
        /// <summary>'_' on b/o/x/X: groups of four digits (LT_UNDER_FOUR_LOCALE).</summary>
        public bool GroupByFour;
        /// <summary>The type as a code point, for messages (Type is '\uffff' when it does not fit in a char).</summary>
        public int TypeCodePoint;

        public char Fill => FillText is { Length: 1 } f ? f[0] : '\0';
        /// <summary>Kept for callers of the old layout: the 0 flag was given.</summary>
        public bool ZeroPad;
    }

    private static bool IsAlign(char c) => c is '<' or '>' or '=' or '^';

    /// <summary>Old entry point: parse with the defaults of "str", "int" or "float".</summary>
    public static Spec Parse(string spec, string typeName) => typeName switch
    {
        "str" => Parse(spec, 's', '<', typeName),
        "int" => Parse(spec, 'd', '>', typeName),
        _ => Parse(spec, '\0', '>', typeName),
    };

    /// <summary>parse_internal_render_format_spec: typeName is the object's type name, for messages.</summary>
    public static Spec Parse(string spec, char defaultType, char defaultAlign, string typeName)
    {
        var r = new Spec { FillText = " ", Align = defaultAlign, Sign = '\0', Width = -1, Precision = -1, Type = defaultType, TypeCodePoint = defaultType, Grouping = '\0' };
        int i = 0, n = spec.Length;
        bool alignSpecified = false, fillSpecified = false;
        int fillLen = n >= 2 && char.IsHighSurrogate(spec[0]) && char.IsLowSurrogate(spec[1]) ? 2 : 1;
        if (n >= fillLen + 1 && IsAlign(spec[fillLen]))
        {
            r.FillText = spec.Substring(0, fillLen); r.Align = spec[fillLen];
            fillSpecified = alignSpecified = true;
            i = fillLen + 1;
        }
        else if (n >= 1 && IsAlign(spec[0])) { r.Align = spec[0]; alignSpecified = true; i = 1; }
        if (i < n && spec[i] is '+' or '-' or ' ') r.Sign = spec[i++];
        if (i < n && spec[i] == 'z') { r.NoNegZero = true; i++; }
        if (i < n && spec[i] == '#') { r.Alternate = true; i++; }
        if (!fillSpecified && i < n && spec[i] == '0')
        {
            r.FillText = "0";
            r.ZeroPad = true;
            if (!alignSpecified && defaultAlign == '>') r.Align = '=';
            i++;
        }
        if (GetInteger(spec, ref i, out long width)) r.Width = width;
        if (i < n && spec[i] == ',') { r.Grouping = ','; i++; }
        if (i < n && spec[i] == '_')
        {
            if (r.Grouping != '\0') throw Exc.ValueError("Cannot specify both ',' and '_'.");
            r.Grouping = '_'; i++;
        }
        if (i < n && spec[i] == ',' && r.Grouping == '_') throw Exc.ValueError("Cannot specify both ',' and '_'.");
        if (i < n && spec[i] == '.')
        {
            i++;
            if (!GetInteger(spec, ref i, out long prec)) throw Exc.ValueError("Format specifier missing precision");
            r.Precision = prec;
        }
        int rest = n - i;
        if (rest == 2 && char.IsSurrogatePair(spec[i], spec[i + 1])) rest = 1;
        if (rest > 1) throw Exc.ValueError($"Invalid format specifier '{spec}' for object of type '{typeName}'");
        if (rest == 1)
        {
            r.TypeCodePoint = char.IsHighSurrogate(spec[i]) && i + 1 < n ? char.ConvertToUtf32(spec[i], spec[i + 1]) : spec[i];
            r.Type = r.TypeCodePoint > 0xffff ? '\uffff' : (char)r.TypeCodePoint;
        }
        if (r.Grouping != '\0')
        {
            if (r.Type is 'b' or 'o' or 'x' or 'X' && r.Grouping == '_') r.GroupByFour = true;
            else if (r.Type is not ('d' or 'e' or 'f' or 'g' or 'E' or 'G' or '%' or 'F' or '\0'))
                throw Exc.ValueError($"Cannot specify '{r.Grouping}' with {Quoted(r.TypeCodePoint)}.");
        }
        return r;
    }

    /// <summary>get_integer: decimal digits (any script's); false when there are none.</summary>
    private static bool GetInteger(string spec, ref int i, out long value)
    {
        value = 0;
        int start = i;
        while (i < spec.Length && char.IsDigit(spec[i]))
        {
            int d = (int)char.GetNumericValue(spec[i]);
            if (value > (long.MaxValue - d) / 10) throw Exc.ValueError("Too many decimal digits in format string");
            value = value * 10 + d;
            i++;
        }
        return i > start;
    }

    /// <summary>'%c' for printable ASCII, else '\x..' (unknown_presentation_type, invalid_thousands_separator_type).</summary>
    private static string Quoted(int c) => c > 32 && c < 128 ? $"'{(char)c}'" : $"'\\x{c:x}'";

    private static PyException UnknownType(int type, string typeName) =>
        Exc.ValueError($"Unknown format code {Quoted(type)} for object of type '{typeName}'");

    /// <summary>__format__ of str, int (and bool) and float.</summary>
    public static PyStr FormatBuiltin(PyObject value, string spec)
    {
        string typeName = value.Type.Name;
        switch (value)
        {
            case PyStr s:
                if (spec.Length == 0) return value.Type == PyTypes.Str ? (PyStr)s.NewRef() : PyStr.FromString(s.Value);
                return PyStr.FromString(FormatStr(s.Value, Parse(spec, 's', '<', typeName), typeName));
            case PyInt i:
                if (spec.Length == 0) return value.Type == PyTypes.Int ? PyStr.FromString(i.ToDecimalString()) : Ops.Str(value);
                return PyStr.FromString(FormatIntValue(i, Parse(spec, 'd', '>', typeName), typeName));
            case PyFloat f:
                if (spec.Length == 0) return value.Type == PyTypes.Float ? PyStr.FromString(PyFloat.ReprOf(f.Value)) : Ops.Str(value);
                var fs = Parse(spec, '\0', '>', typeName);
                if (fs.Type is not ('\0' or 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or 'n' or '%')) throw UnknownType(fs.TypeCodePoint, typeName);
                return PyStr.FromString(FormatFloatInternal(f.Value, fs));
        }
        if (spec.Length > 0) throw Exc.TypeError($"unsupported format string passed to {typeName}.__format__");
        return Ops.Str(value);
    }

    // ------------------------------------------------------------------ str

    public static string FormatStr(string v, Spec s) => FormatStr(v, s, "str");

    private static string FormatStr(string v, Spec s, string typeName)
    {
        if (s.Type != 's') throw UnknownType(s.TypeCodePoint, typeName);
        if (s.Sign == ' ') throw Exc.ValueError("Space not allowed in string format specifier");
        if (s.Sign != '\0') throw Exc.ValueError("Sign not allowed in string format specifier");
        if (s.NoNegZero) throw Exc.ValueError("Negative zero coercion (z) not allowed in string format specifier");
        if (s.Alternate) throw Exc.ValueError("Alternate form (#) not allowed in string format specifier");
        if (s.Align == '=') throw Exc.ValueError("'=' alignment not allowed in string format specifier");
        if (s.Precision >= 0) v = TruncateCodePoints(v, s.Precision);
        long len = CodePoints(v);
        long pad = s.Width - len;
        if (pad <= 0) return v;
        return s.Align switch
        {
            '>' => Repeat(s.FillText, pad) + v,
            '^' => Repeat(s.FillText, pad / 2) + v + Repeat(s.FillText, pad - pad / 2),
            _ => v + Repeat(s.FillText, pad),
        };
    }

    private static long CodePoints(string s)
    {
        long n = s.Length;
        for (int i = 0; i + 1 < s.Length; i++) if (char.IsSurrogatePair(s[i], s[i + 1])) { n--; i++; }
        return n;
    }

    private static string TruncateCodePoints(string s, long count)
    {
        int i = 0;
        for (long k = 0; k < count && i < s.Length; k++)
            i += i + 1 < s.Length && char.IsSurrogatePair(s[i], s[i + 1]) ? 2 : 1;
        return i >= s.Length ? s : s.Substring(0, i);
    }

    private static string Repeat(string s, long n)
    {
        if (n <= 0) return "";
        if (n * s.Length > int.MaxValue / 2) throw Exc.New(ExceptionTypes.MemoryError);
        if (s.Length == 1) return new string(s[0], (int)n);
        var sb = new StringBuilder(s.Length * (int)n);
        for (long k = 0; k < n; k++) sb.Append(s);
        return sb.ToString();
    }

    // ------------------------------------------------------------------ numbers: layout

    /// <summary>
    /// calc_number_widths + fill_number: [lpad][sign][prefix][spad][grouped digits][rest][rpad].
    /// rest is everything after the leading digits (decimal point, fraction, exponent, '%', or a 'c' character).
    /// </summary>
    private static string LayOutNumber(char sign, string prefix, string digits, string rest, Spec s, int groupEvery)
    {
        long nonDigits = (sign != '\0' ? 1 : 0) + prefix.Length + CodePoints(rest);
        long minWidth = s.FillText == "0" && s.Align == '=' ? s.Width - nonDigits : 0;
        string grouped = digits.Length == 0 ? "" : InsertGrouping(digits, minWidth, s.Grouping, groupEvery);
        long padding = s.Width - (nonDigits + grouped.Length);
        string lpad = "", spad = "", rpad = "";
        if (padding > 0)
        {
            switch (s.Align)
            {
                case '<': rpad = Repeat(s.FillText, padding); break;
                case '^': lpad = Repeat(s.FillText, padding / 2); rpad = Repeat(s.FillText, padding - padding / 2); break;
                case '=': spad = Repeat(s.FillText, padding); break;
                default: lpad = Repeat(s.FillText, padding); break;
            }
        }
        var sb = new StringBuilder();
        sb.Append(lpad);
        if (sign != '\0') sb.Append(sign);
        sb.Append(prefix).Append(spad).Append(grouped).Append(rest).Append(rpad);
        return sb.ToString();
    }

    /// <summary>
    /// _PyUnicode_InsertThousandsGrouping: groups of `every` digits from the right, padded with
    /// zeros (that continue the grouping) up to minWidth; no separator means no grouping.
    /// </summary>
    private static string InsertGrouping(string digits, long minWidth, char sep, int every)
    {
        int remaining = digits.Length;
        if (sep == '\0')
        {
            long l = Math.Max(Math.Max(remaining, minWidth), 1);
            return Repeat("0", l - remaining) + digits;
        }
        var pieces = new List<string>();
        bool useSep = false;
        int pos = digits.Length;
        while (true)
        {
            long l = Math.Min(every, Math.Max(Math.Max(remaining, minWidth), 1));
            int zeros = (int)Math.Max(0, l - remaining);
            int chars = (int)Math.Max(0, Math.Min(remaining, l));
            pos -= chars;
            pieces.Add(new string('0', zeros) + digits.Substring(pos, chars) + (useSep ? sep.ToString() : ""));
            useSep = true;
            remaining -= chars;
            minWidth -= l;
            if (remaining <= 0 && minWidth <= 0) break;
            minWidth -= 1;
        }
        pieces.Reverse();
        return string.Concat(pieces);
    }

    private static char SignChar(bool negative, char sign) => negative ? '-' : sign is '+' or ' ' ? sign : '\0';

    // ------------------------------------------------------------------ int

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
        string chars = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        int bits = radix == 2 ? 1 : radix == 8 ? 3 : 4;
        long nbits = (long)v.GetBitLength();
        byte[] bytes = v.ToByteArray(isUnsigned: true, isBigEndian: false);
        int ndigits = (int)((nbits + bits - 1) / bits);
        var result = new char[ndigits];
        for (int d = 0; d < ndigits; d++)
        {
            int value = 0;
            for (int b = 0; b < bits; b++)
            {
                long bit = (long)d * bits + b;
                if (bit < nbits && (bytes[bit >> 3] >> (int)(bit & 7) & 1) != 0) value |= 1 << b;
            }
            result[ndigits - 1 - d] = chars[value];
        }
        return new string(result);
    }

    public static string FormatInt(BigInteger v, Spec s) => FormatIntCore(v, s, "int");

    private static string FormatIntValue(PyInt i, Spec s, string typeName)
    {
        if (s.Type is 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%')
            return FormatFloatInternal(i.AsDouble(), s);
        return FormatIntCore(i.ToBig(), s, typeName);
    }

    private static string FormatIntCore(BigInteger v, Spec s, string typeName)
    {
        char t = s.Type;
        if (t is 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or '%')
        {
            double d = (double)v;
            if (double.IsInfinity(d)) throw Exc.OverflowError("int too large to convert to float");
            return FormatFloatInternal(d, s);
        }
        if (t is not ('b' or 'c' or 'd' or 'o' or 'x' or 'X' or 'n')) throw UnknownType(s.TypeCodePoint, typeName);
        if (s.Precision != -1) throw Exc.ValueError("Precision not allowed in integer format specifier");
        if (s.NoNegZero) throw Exc.ValueError("Negative zero coercion (z) not allowed in integer format specifier");
        if (t == 'c')
        {
            if (s.Sign != '\0') throw Exc.ValueError("Sign not allowed with integer format specifier 'c'");
            if (s.Alternate) throw Exc.ValueError("Alternate form (#) not allowed with integer format specifier 'c'");
            if (v > long.MaxValue || v < long.MinValue) throw Exc.OverflowError("Python int too large to convert to C long");
            if (v < 0 || v > 0x10ffff) throw Exc.OverflowError("%c arg not in range(0x110000)");
            int cp = (int)v;
            // Lone surrogates cannot be written out by the host; chr() maps them to U+FFFD as well.
            string ch = char.ConvertFromUtf32(cp is >= 0xd800 and <= 0xdfff ? 0xfffd : cp);
            return LayOutNumber('\0', "", "", ch, s, 3);
        }
        int radix = t switch { 'b' => 2, 'o' => 8, 'x' or 'X' => 16, _ => 10 };
        bool neg = v.Sign < 0;
        string digits = Digits(BigInteger.Abs(v), radix, t == 'X');
        string prefix = s.Alternate ? t switch { 'b' => "0b", 'o' => "0o", 'x' => "0x", 'X' => "0X", _ => "" } : "";
        // 'n' groups by the current locale; ToyPy runs in the C locale, which does not group.
        char sep = t == 'n' ? '\0' : s.Grouping;
        var layout = s; layout.Grouping = sep;
        return LayOutNumber(SignChar(neg, s.Sign), prefix, digits, "", layout, s.GroupByFour ? 4 : 3);
    }

    // ------------------------------------------------------------------ float

    public static string FormatFloat(double v, Spec s)
    {
        if (s.Type is not ('\0' or 'e' or 'E' or 'f' or 'F' or 'g' or 'G' or 'n' or '%')) throw UnknownType(s.TypeCodePoint, "float");
        return FormatFloatInternal(v, s);
    }

    /// <summary>format_float_internal.</summary>
    private static string FormatFloatInternal(double val, Spec s)
    {
        if (s.Precision > int.MaxValue) throw Exc.ValueError("precision too big");
        int precision = (int)s.Precision;
        int defaultPrecision = 6;
        char type = s.Type;
        bool addDot0 = false;
        if (type == '\0') { addDot0 = true; type = 'r'; defaultPrecision = 0; }
        if (type == 'n') type = 'g';
        bool addPct = false;
        if (type == '%') { type = 'f'; val *= 100; addPct = true; }
        if (precision < 0) precision = defaultPrecision;
        else if (type == 'r') type = 'g';
        string buf = DoubleToString(val, type, precision, s.Alternate, addDot0, s.NoNegZero);
        if (addPct) buf += "%";
        char sign = '\0';
        int index = 0;
        if (buf[0] == '-') { sign = '-'; index = 1; }
        int end = index;
        while (end < buf.Length && char.IsAsciiDigit(buf[end])) end++;
        string digits = buf.Substring(index, end - index), rest = buf.Substring(end);
        var layout = s;
        if (s.Type == 'n') layout.Grouping = '\0';
        return LayOutNumber(SignChar(sign == '-', s.Sign), "", digits, rest, layout, 3);
    }

    /// <summary>
    /// PyOS_double_to_string(val, code, precision, flags): code is one of e E f F g G r;
    /// alt = Py_DTSF_ALT, addDot0 = Py_DTSF_ADD_DOT_0, noNegZero = Py_DTSF_NO_NEG_0.
    /// </summary>
    public static string DoubleToString(double val, char code, int precision, bool alt = false, bool addDot0 = false, bool noNegZero = false)
    {
        bool upper = code is 'E' or 'F' or 'G';
        code = char.ToLowerInvariant(code);
        int mode;
        switch (code)
        {
            case 'e': mode = 2; precision++; break;
            case 'f': mode = 3; break;
            case 'g': mode = 2; if (precision == 0) precision = 1; break;
            case 'r': mode = 0; break;
            default: throw Exc.SystemError("bad argument to internal function");
        }
        bool sign = double.IsNegative(val) && !double.IsNaN(val);
        if (double.IsNaN(val) || double.IsInfinity(val))
        {
            string word = double.IsNaN(val) ? "nan" : "inf";
            if (upper) word = word.ToUpperInvariant();
            return (sign ? "-" : "") + word;
        }
        var (digits, decpt) = Dtoa(Math.Abs(val), mode, precision);
        if (noNegZero && sign && (digits.Length == 0 || digits == "0")) sign = false;

        int digitsLen = digits.Length;
        int vdigitsEnd = digitsLen;
        bool useExp = false;
        int exp = 0;
        switch (code)
        {
            case 'e': useExp = true; vdigitsEnd = precision; break;
            case 'f': vdigitsEnd = decpt + precision; break;
            case 'g':
                if (decpt <= -4 || decpt > (addDot0 ? precision - 1 : precision)) useExp = true;
                if (alt) vdigitsEnd = precision;
                break;
            case 'r':
                if (decpt <= -4 || decpt > 16) useExp = true;
                break;
        }
        if (useExp) { exp = decpt - 1; decpt = 1; }
        int vdigitsStart = decpt <= 0 ? decpt - 1 : 0;
        if (!useExp && addDot0) vdigitsEnd = vdigitsEnd > decpt ? vdigitsEnd : decpt + 1;
        else vdigitsEnd = vdigitsEnd > decpt ? vdigitsEnd : decpt;

        var sb = new StringBuilder();
        if (sign) sb.Append('-');
        if (decpt <= 0)
        {
            sb.Append('0', decpt - vdigitsStart);
            sb.Append('.');
            sb.Append('0', -decpt);
        }
        else sb.Append('0', -vdigitsStart);
        if (0 < decpt && decpt <= digitsLen)
        {
            sb.Append(digits, 0, decpt);
            sb.Append('.');
            sb.Append(digits, decpt, digitsLen - decpt);
        }
        else sb.Append(digits);
        if (digitsLen < decpt)
        {
            sb.Append('0', decpt - digitsLen);
            sb.Append('.');
            sb.Append('0', vdigitsEnd - decpt);
        }
        else sb.Append('0', vdigitsEnd - digitsLen);
        if (sb[^1] == '.' && !alt) sb.Length--;
        if (useExp)
        {
            sb.Append(upper ? 'E' : 'e');
            sb.Append(exp < 0 ? '-' : '+');
            sb.Append(Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>
    /// _Py_dg_dtoa for a finite a &gt;= 0: the digit string (no trailing zeros, "0" for zero, "" when
    /// mode 3 rounds to nothing) and the decimal point position. mode 0: shortest round-trip;
    /// mode 2: max(ndigits, 1) significant digits; mode 3: ndigits past the decimal point.
    /// Rounding is exact, half to even, on the double's true value.
    /// </summary>
    public static (string Digits, int DecPt) Dtoa(double a, int mode, int ndigits)
    {
        if (a == 0) return ("0", 1);
        if (mode == 0) return Shortest(a);
        var (num, den) = Exact(a);
        if (mode == 3)
        {
            BigInteger n;
            if (ndigits >= 0) n = RoundDiv(num * BigInteger.Pow(10, ndigits), den);
            else n = RoundDiv(num, den * BigInteger.Pow(10, -ndigits));
            if (n.IsZero) return ("", -ndigits);
            string s = n.ToString(CultureInfo.InvariantCulture);
            int decpt = s.Length - ndigits;
            return (s.TrimEnd('0'), decpt);
        }
        int nd = Math.Max(ndigits, 1);
        // k = floor(log10(a)), checked exactly
        int k = (int)Math.Floor(Math.Log10(a));
        while (Compare(num, den, k) < 0) k--;          // a < 10**k
        while (Compare(num, den, k + 1) >= 0) k++;     // a >= 10**(k+1)
        int p = nd - 1 - k;
        BigInteger q = p >= 0 ? RoundDiv(num * BigInteger.Pow(10, p), den) : RoundDiv(num, den * BigInteger.Pow(10, -p));
        if (q >= BigInteger.Pow(10, nd)) { q /= 10; k++; }
        return (q.ToString(CultureInfo.InvariantCulture).TrimEnd('0'), k + 1);
    }

    /// <summary>a == num / den exactly.</summary>
    private static (BigInteger Num, BigInteger Den) Exact(double a)
    {
        long bits = BitConverter.DoubleToInt64Bits(a);
        int exp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        long mant;
        if (exp == 0) { mant = frac; exp = -1074; }
        else { mant = frac | (1L << 52); exp -= 1075; }
        return exp >= 0 ? (new BigInteger(mant) << exp, BigInteger.One) : (new BigInteger(mant), BigInteger.One << -exp);
    }

    /// <summary>Sign of num/den - 10**k.</summary>
    private static int Compare(BigInteger num, BigInteger den, int k) =>
        k >= 0 ? num.CompareTo(den * BigInteger.Pow(10, k)) : (num * BigInteger.Pow(10, -k)).CompareTo(den);

    private static BigInteger RoundDiv(BigInteger num, BigInteger den)
    {
        var q = BigInteger.DivRem(num, den, out var r);
        var twice = r * 2;
        if (twice > den || (twice == den && !q.IsEven)) q += 1;
        return q;
    }

    /// <summary>Mode 0: the shortest digits that round-trip (the host's "R" format is shortest and closest).</summary>
    private static (string, int) Shortest(double a)
    {
        string r = a.ToString("R", CultureInfo.InvariantCulture);
        int exp = 0;
        int e = r.IndexOfAny(new[] { 'E', 'e' });
        string mant = r;
        if (e >= 0) { exp = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); mant = r.Substring(0, e); }
        int dot = mant.IndexOf('.');
        string digits = dot >= 0 ? mant.Remove(dot, 1) : mant;
        int pointPos = (dot >= 0 ? dot : mant.Length) + exp;
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits.Substring(lead).TrimEnd('0');
        if (digits.Length == 0) return ("0", 1);
        return (digits, pointPos);
    }
}
