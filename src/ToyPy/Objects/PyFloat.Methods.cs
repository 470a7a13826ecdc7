using System.Globalization;
using System.Numerics;
using System.Text;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>float's methods (Objects/floatobject.c).</summary>
public sealed partial class PyFloat
{
    private static PyFloat F(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyFloat>(a, "float", method);

    private static void NoArgsFloat(PyType t, string name, Func<double, PyObject> f)
    {
        string qual = "float." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return f(F(a, name).Value); });
    }

    /// <summary>PyLong_FromDouble: an integral double as an int.</summary>
    public static PyInt IntFromIntegral(double d)
    {
        if (double.IsNaN(d)) throw Exc.ValueError("cannot convert float NaN to integer");
        if (double.IsInfinity(d)) throw Exc.OverflowError("cannot convert float infinity to integer");
        if (Math.Abs(d) < 9.2e18) return PyInt.FromLong((long)d);
        return PyInt.FromBig(new BigInteger(d));
    }

    /// <summary>The exact value of a finite double as mantissa * 2**exponent (mantissa odd or zero).</summary>
    private static (BigInteger Mant, int Exp) Decompose(double d)
    {
        long bits = BitConverter.DoubleToInt64Bits(d);
        bool neg = bits < 0;
        int exp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        long mant;
        if (exp == 0) { mant = frac; exp = -1074; }
        else { mant = frac | (1L << 52); exp -= 1075; }
        if (mant == 0) return (BigInteger.Zero, 0);
        int tz = BitOperations.TrailingZeroCount(mant);
        mant >>= tz;
        exp += tz;
        return (neg ? -new BigInteger(mant) : new BigInteger(mant), exp);
    }

    private static PyObject AsIntegerRatio(double d)
    {
        if (double.IsInfinity(d)) throw Exc.OverflowError("cannot convert Infinity to integer ratio");
        if (double.IsNaN(d)) throw Exc.ValueError("cannot convert NaN to integer ratio");
        var (m, e) = Decompose(d);
        if (e >= 0) return PyTuple.Create(PyInt.FromBig(m << e), PyInt.FromLong(1));
        return PyTuple.Create(PyInt.FromBig(m), PyInt.FromBig(BigInteger.One << -e));
    }

    /// <summary>float.hex: 0x1.&lt;13 hex digits&gt;p&lt;exp&gt;.</summary>
    public static string HexOf(double d)
    {
        if (!double.IsFinite(d)) return ReprOf(d);
        if (d == 0) return double.IsNegative(d) ? "-0x0.0p+0" : "0x0.0p+0";
        long bits = BitConverter.DoubleToInt64Bits(d);
        int exp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        char lead = exp == 0 ? '0' : '1';
        int e = exp == 0 ? -1022 : exp - 1023;
        var sb = new StringBuilder();
        if (d < 0) sb.Append('-');
        sb.Append("0x").Append(lead).Append('.').Append(frac.ToString("x13", CultureInfo.InvariantCulture));
        sb.Append('p').Append(e < 0 ? '-' : '+').Append(Math.Abs(e).ToString(CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    /// <summary>float.fromhex.</summary>
    public static double ParseHex(string text)
    {
        var invalid = () => Exc.ValueError("invalid hexadecimal floating-point string");
        string s = text.Trim(' ', '\t', '\n', '\r', '\v', '\f');
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        string rest = s.Substring(i).ToLowerInvariant();
        if (rest is "inf" or "infinity") return neg ? double.NegativeInfinity : double.PositiveInfinity;
        if (rest == "nan") return double.NaN;
        if (rest.StartsWith("0x")) i += 2;
        BigInteger mant = 0;
        int digits = 0, fracDigits = 0;
        static int Hex(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        while (i < s.Length && Hex(s[i]) >= 0) { mant = mant * 16 + Hex(s[i]); i++; digits++; }
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && Hex(s[i]) >= 0) { mant = mant * 16 + Hex(s[i]); i++; digits++; fracDigits++; }
        }
        if (digits == 0) throw invalid();
        long exp = 0;
        if (i < s.Length && (s[i] == 'p' || s[i] == 'P'))
        {
            i++;
            bool eneg = false;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) { eneg = s[i] == '-'; i++; }
            int start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) { if (exp < 100000) exp = exp * 10 + (s[i] - '0'); i++; }
            if (i == start) throw invalid();
            if (eneg) exp = -exp;
        }
        if (i != s.Length) throw invalid();
        exp -= 4L * fracDigits;
        double r = ScaleExact(mant, exp);
        if (double.IsInfinity(r)) throw Exc.OverflowError("hexadecimal value too large to represent as a float");
        return neg ? -r : r;
    }

    /// <summary>mant * 2**exp correctly rounded (half to even) to a double.</summary>
    private static double ScaleExact(BigInteger mant, long exp)
    {
        if (mant.IsZero) return 0.0;
        long bitLen = (long)mant.GetBitLength();
        long top = bitLen + exp; // value in [2**(top-1), 2**top)
        if (top > 1025) return double.PositiveInfinity;
        if (top < -1080) return 0.0;
        // Keep 53 significant bits (fewer for subnormals), rounding half to even.
        long keep = Math.Min(53, top + 1074);
        if (keep <= 0) keep = 0;
        long drop = bitLen - keep;
        if (drop > 0)
        {
            var q = mant >> (int)drop;
            var rem = mant - (q << (int)drop);
            var half = BigInteger.One << (int)(drop - 1);
            if (rem > half || (rem == half && !q.IsEven)) q += 1;
            mant = q;
            exp += drop;
        }
        return Math.ScaleB((double)mant, (int)exp);
    }

    /// <summary>round(x, ndigits) for finite x: correctly rounded, as CPython's dtoa-based double_round.</summary>
    private static double RoundDigits(double x, int ndigits)
    {
        var (m, e) = Decompose(x);
        bool neg = x < 0 || (x == 0 && double.IsNegative(x));
        m = BigInteger.Abs(m);
        // value * 10**ndigits = num / den exactly
        BigInteger num = m, den = BigInteger.One;
        if (e >= 0) num <<= e; else den <<= -e;
        if (ndigits >= 0) num *= BigInteger.Pow(10, ndigits);
        else den *= BigInteger.Pow(10, -ndigits);
        var q = BigInteger.DivRem(num, den, out var r);
        var twice = r * 2;
        if (twice > den || (twice == den && !q.IsEven)) q += 1;
        string text = (neg ? "-" : "") + q.ToString(CultureInfo.InvariantCulture) + "E" + (-ndigits).ToString(CultureInfo.InvariantCulture);
        double result = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (double.IsInfinity(result)) throw Exc.OverflowError("rounded value too large to represent");
        return result;
    }

    private static PyObject Round(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int n = MethodArgs.Range("float.__round__", "__round__", a, k, 0, 1);
        double x = F(a, "__round__").Value;
        if (n == 0 || a[1] is PyNone)
        {
            double rounded = Math.Round(x, MidpointRounding.ToEven);
            return IntFromIntegral(rounded);
        }
        long nd;
        if (a[1] is PyInt ni) nd = ni.IsBig ? (ni.Sign > 0 ? long.MaxValue : long.MinValue) : ni.Value;
        else nd = Ops.IndexAsLong(a[1]);
        if (!double.IsFinite(x)) return FromDouble(x);
        if (nd > 323) return FromDouble(x);
        if (nd < -308) return FromDouble(0.0 * x);
        return FromDouble(RoundDigits(x, (int)nd));
    }

    /// <summary>float.__divmod__ / __rdivmod__ (float_divmod), slot-wrapper argument rules.</summary>
    private static PyObject DivMod(ReadOnlySpan<PyObject> a, PyTuple? k, bool reflected)
    {
        string name = reflected ? "__rdivmod__" : "__divmod__";
        if (k is not null && k.Count > 0) throw Exc.TypeError($"wrapper {name}() takes no keyword arguments");
        if (a.Length != 2) throw Exc.TypeError($"expected 1 argument, got {a.Length - 1}");
        double self = F(a, name).Value;
        if (!TryAsDouble(a[1], out double other)) return PyNotImplemented.Instance.NewRef();
        var (x, y) = reflected ? (other, self) : (self, other);
        if (y == 0) throw Exc.ZeroDivisionError("float divmod()");
        double mod = x % y; // fmod
        double div = (x - mod) / y;
        if (mod != 0)
        {
            if ((y < 0) != (mod < 0)) { mod += y; div -= 1.0; }
        }
        else mod = Math.CopySign(0.0, y);
        double floordiv;
        if (div != 0)
        {
            floordiv = Math.Floor(div);
            if (div - floordiv > 0.5) floordiv += 1.0;
        }
        else floordiv = Math.CopySign(0.0, x / y);
        return PyTuple.Create(FromDouble(floordiv), FromDouble(mod));
    }

    static partial void AddLibraryMethods(PyType t)
    {
        t.AddMethod("__divmod__", (a, k) => DivMod(a, k, false));
        t.AddMethod("__rdivmod__", (a, k) => DivMod(a, k, true));
        NoArgsFloat(t, "is_integer", d => PyBool.From(double.IsFinite(d) && Math.Floor(d) == d));
        NoArgsFloat(t, "as_integer_ratio", AsIntegerRatio);
        NoArgsFloat(t, "hex", d => PyStr.FromString(HexOf(d)));
        NoArgsFloat(t, "conjugate", d => FromDouble(d));
        NoArgsFloat(t, "__trunc__", d => IntFromIntegral(Math.Truncate(d)));
        NoArgsFloat(t, "__floor__", d => IntFromIntegral(Math.Floor(d)));
        NoArgsFloat(t, "__ceil__", d => IntFromIntegral(Math.Ceiling(d)));
        t.AddMethod("__round__", Round);
        t.AddMethod("__format__", (a, k) =>
        {
            var spec = MethodArgs.One("float.__format__", a, k);
            if (spec is not PyStr sp) throw Exc.TypeError($"__format__() argument must be str, not {spec.Type.Name}");
            return Formatting.FormatBuiltin(F(a, "__format__"), sp.Value);
        });
        MethodArgs.AddClassMethod(t, "fromhex", (a, k) =>
        {
            MethodArgs.NoKeywords("float.fromhex", k);
            if (a.Length != 2) throw Exc.TypeError($"float.fromhex() takes exactly one argument ({a.Length - 1} given)");
            if (a[1] is not PyStr s) throw Exc.TypeError("bad argument type for built-in operation");
            var r = FromDouble(ParseHex(s.Value));
            if (ReferenceEquals(a[0], PyTypes.Float)) return r;
            try { return Ops.Call1(a[0], r); }
            finally { r.Decref(); }
        });
        MethodArgs.AddGetter(t, "real", o => FromDouble(((PyFloat)o).Value), "the real part of a complex number");
        MethodArgs.AddGetter(t, "imag", o => FromDouble(0.0), "the imaginary part of a complex number");
    }
}
