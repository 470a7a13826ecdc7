using System.Globalization;
using System.Numerics;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>float (Objects/floatobject.c): an IEEE double; dead floats go to a per-thread free list.</summary>
public sealed partial class PyFloat : PyObject
{
    public double Value;
    [ThreadStatic] private static FreeList<PyFloat>? t_free;

    private PyFloat(double v) : base(PyTypes.Float) { Value = v; }

    public static PyFloat FromDouble(double v)
    {
        var o = t_free?.TryPop();
        if (o is not null) { o.Revive(); o.Value = v; return o; }
        return new PyFloat(v);
    }

    protected internal override void Recycle() => (t_free ??= new FreeList<PyFloat>(256)).TryPush(this);

    public override PyStr Repr() => PyStr.FromString(ReprOf(Value));

    /// <summary>float.__repr__: the shortest string that round-trips, in Python's layout (1.0, 1e+16, 1.5e-05, inf, nan).</summary>
    public static string ReprOf(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsPositiveInfinity(v)) return "inf";
        if (double.IsNegativeInfinity(v)) return "-inf";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        string r = v.ToString("R", CultureInfo.InvariantCulture); // shortest round-trip digits
        // Split into sign, digits and decimal exponent.
        bool neg = r[0] == '-';
        if (neg) r = r.Substring(1);
        int exp = 0;
        int e = r.IndexOfAny(new[] { 'E', 'e' });
        string mant = r;
        if (e >= 0) { exp = int.Parse(r.AsSpan(e + 1), CultureInfo.InvariantCulture); mant = r.Substring(0, e); }
        int dot = mant.IndexOf('.');
        string digits = dot >= 0 ? mant.Remove(dot, 1) : mant;
        int pointPos = (dot >= 0 ? dot : mant.Length) + exp; // digits[0..pointPos) are the integer part
        // strip leading zeros
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits.Substring(lead).TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        int decExp = pointPos - 1; // exponent in d.ddd form
        string s;
        if (decExp < -4 || decExp >= 16)
        {
            string m = digits.Length > 1 ? digits[0] + "." + digits.Substring(1) : digits;
            s = m + "e" + (decExp < 0 ? "-" : "+") + Math.Abs(decExp).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (pointPos <= 0)
            s = "0." + new string('0', -pointPos) + digits;
        else if (pointPos >= digits.Length)
            s = digits + new string('0', pointPos - digits.Length) + ".0";
        else
            s = digits.Substring(0, pointPos) + "." + digits.Substring(pointPos);
        return neg ? "-" + s : s;
    }

    public override bool IsTrue() => Value != 0;

    /// <summary>CPython's float hash (Python/pyhash.c _Py_HashDouble), so hash(2.0) == hash(2).</summary>
    public override long Hash() => HashDouble(Value);

    public static long HashDouble(double v)
    {
        if (double.IsInfinity(v)) return v > 0 ? 314159 : -314159;
        if (double.IsNaN(v)) return 0;
        if (Math.Floor(v) == v && Math.Abs(v) < 9.2e18) { long l = (long)v; return l == -1 ? -2 : (l % PyInt.HashModulus); }
        const int bits = 61;
        const long modulus = PyInt.HashModulus;
        double m = Math.Abs(v);
        int e;
        m = Frexp(m, out e);
        long x = 0;
        int sign = v < 0 ? -1 : 1;
        while (m != 0)
        {
            x = ((x << 28) & modulus) | (x >> (bits - 28));
            m *= 268435456.0;
            e -= 28;
            long y = (long)m;
            m -= y;
            x += y;
            if (x >= modulus) x -= modulus;
        }
        e = e >= 0 ? e % bits : bits - 1 - ((-1 - e) % bits);
        x = ((x << e) & modulus) | (x >> (bits - e));
        x *= sign;
        return x == -1 ? -2 : x;
    }

    private static double Frexp(double d, out int e)
    {
        if (d == 0) { e = 0; return 0; }
        long bitsv = BitConverter.DoubleToInt64Bits(d);
        int exp = (int)((bitsv >> 52) & 0x7FF);
        if (exp == 0) { d *= Math.Pow(2, 54); bitsv = BitConverter.DoubleToInt64Bits(d); exp = (int)((bitsv >> 52) & 0x7FF) - 54; }
        e = exp - 1022;
        bitsv = (bitsv & ~(0x7FFL << 52)) | (1022L << 52);
        return BitConverter.Int64BitsToDouble(bitsv);
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is PyFloat f) return PyBool.From(CompareDoubles(Value, f.Value, op));
        if (other is PyInt i) return CompareIntFloat(i, Value, op, reflected: true);
        return PyNotImplemented.Instance.NewRef();
    }

    private static bool CompareDoubles(double a, double b, ComparisonOperation op) => op switch
    {
        ComparisonOperation.Lt => a < b, ComparisonOperation.Le => a <= b,
        ComparisonOperation.Eq => a == b, ComparisonOperation.Ne => a != b,
        ComparisonOperation.Gt => a > b, _ => a >= b,
    };

    /// <summary>Exact int/float comparison (no rounding of big ints). reflected: the float is on the left.</summary>
    internal static PyObject CompareIntFloat(PyInt i, double f, ComparisonOperation op, bool reflected)
    {
        int c; // compare(int, float)
        if (double.IsNaN(f)) return PyBool.From(op == ComparisonOperation.Ne);
        if (double.IsInfinity(f)) c = f > 0 ? -1 : 1;
        else if (!i.IsBig && i.Value > -(1L << 53) && i.Value < (1L << 53)) c = ((double)i.Value).CompareTo(f);
        else
        {
            var fl = Math.Floor(f);
            var bi = new BigInteger(fl);
            c = i.ToBig().CompareTo(bi);
            if (c == 0 && fl != f) c = -1;
        }
        if (reflected) c = -c;
        return PyBool.From(Ops.CompareResult(c, op));
    }

    public override PyObject Negative() => FromDouble(-Value);
    public override PyObject Positive() => FromDouble(Value);
    public override PyObject Absolute() => FromDouble(Math.Abs(Value));

    public static bool TryAsDouble(PyObject o, out double d)
    {
        switch (o)
        {
            case PyFloat f: d = f.Value; return true;
            case PyInt i: d = i.AsDouble(); return true;
            default: d = 0; return false;
        }
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (!TryAsDouble(other, out double o)) return PyNotImplemented.Instance.NewRef();
        return reflected ? FloatOp(op, o, Value) : FloatOp(op, Value, o);
    }

    public static PyObject FloatOp(BinaryOperation op, double a, double b)
    {
        switch (op)
        {
            case BinaryOperation.Add: return FromDouble(a + b);
            case BinaryOperation.Subtract: return FromDouble(a - b);
            case BinaryOperation.Multiply: return FromDouble(a * b);
            case BinaryOperation.TrueDivide:
                if (b == 0) throw Exc.ZeroDivisionError("float division by zero");
                return FromDouble(a / b);
            case BinaryOperation.FloorDivide:
                if (b == 0) throw Exc.ZeroDivisionError("float floor division by zero");
                return FromDouble(FloorDivD(a, b));
            case BinaryOperation.Remainder:
                if (b == 0) throw Exc.ZeroDivisionError("float modulo");
                return FromDouble(ModD(a, b));
            case BinaryOperation.Power: return PowDouble(a, b);
        }
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>float_rem: fmod, then the sign of the divisor (a zero remainder takes the divisor's sign).</summary>
    public static double ModD(double a, double b)
    {
        double m = a % b; // fmod
        if (m != 0) { if ((b < 0) != (m < 0)) m += b; }
        else m = Math.CopySign(0.0, b);
        return m;
    }

    /// <summary>float_floor_div (_float_div_mod): the quotient snapped to an integral value; a zero quotient takes the sign of a / b.</summary>
    public static double FloorDivD(double a, double b)
    {
        double mod = a % b; // fmod
        double div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0;
        if (div == 0) return Math.CopySign(0.0, a / b);
        double floordiv = Math.Floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
        return floordiv;
    }

    public static PyObject PowDouble(double a, double b)
    {
        if (a == 0 && b < 0) throw Exc.ZeroDivisionError("0.0 cannot be raised to a negative power");
        if (a < 0 && Math.Floor(b) != b) throw Exc.NotImplementedError("complex numbers are not supported by ToyPy");
        double r = Math.Pow(a, b);
        if (double.IsInfinity(r) && !double.IsInfinity(a) && !double.IsInfinity(b)) throw Exc.OverflowError("(34, 'Numerical result out of range')");
        return FromDouble(r);
    }

    /// <summary>float(x): numbers, strings ("1.5", " inf ", "1_000.5").</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        if (kwnames is { Count: > 0 } && type == PyTypes.Float) throw Exc.TypeError("float() takes no keyword arguments");
        ArgParser.Positional("float", args, kwnames, 0, 1);
        if (args.Length == 0) return FromDouble(0);
        return Ops.ToFloat(args[0]);
    }

    public static double ParseFloat(string text)
    {
        string s = text.Trim();
        string l = s.ToLowerInvariant();
        string body = l.TrimStart('+', '-');
        bool neg = l.StartsWith('-');
        if (body is "inf" or "infinity") return neg ? double.NegativeInfinity : double.PositiveInfinity;
        if (body == "nan") return double.NaN;
        bool ok = s.Length > 0 && !s.Contains("__") && !s.StartsWith('_') && !s.EndsWith('_');
        foreach (char c in s) if (!(char.IsAsciiDigit(c) || c is '.' or 'e' or 'E' or '+' or '-' or '_')) ok = false;
        if (ok && double.TryParse(s.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        throw Exc.ValueError($"could not convert string to float: {PyStr.ReprOf(text)}");
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddNumberSlots(PyTypes.Float);
        AddLibraryMethods(PyTypes.Float);
    }
}
