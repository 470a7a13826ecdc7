using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// int (Objects/longobject.c): arbitrary precision with a machine-size fast
/// path. Value holds the number when it fits a long (IsBig false); otherwise
/// Big holds it. -5..256 are cached and shared (not immortal: their counts
/// move like any other). Dead ints go to a per-thread free list.
/// </summary>
public partial class PyInt : PyObject
{
    public long Value;
    public BigInteger Big;
    public bool IsBig;

    public const int SmallMin = -5, SmallMax = 256;
    private static readonly PyInt[] s_small = MakeSmall();
    [ThreadStatic] private static FreeList<PyInt>? t_free;

    protected PyInt(PyType type, long value) : base(type) { Value = value; }
    private PyInt(BigInteger big) : base(PyTypes.Int) { Big = big; IsBig = true; }

    private static PyInt[] MakeSmall()
    {
        var a = new PyInt[SmallMax - SmallMin + 1];
        for (int i = 0; i < a.Length; i++) a[i] = new PyInt(PyTypes.Int, i + SmallMin);
        return a;
    }

    /// <summary>The small-int cache, for the refcount audit (it owns one reference to each).</summary>
    internal static PyInt[] SmallInts => s_small;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PyInt FromLong(long v)
    {
        if ((ulong)(v - SmallMin) <= (ulong)(SmallMax - SmallMin))
        {
            var s = s_small[v - SmallMin];
            s.Incref();
            return s;
        }
        return Allocate(v);
    }

    /// <summary>A new int outside the small-int range (from the free list when it has one).</summary>
    internal static PyInt Allocate(long v)
    {
        var fl = t_free;
        var o = fl?.TryPop();
        if (o is not null)
        {
            o.Revive();
            o.Value = v;
            return o;
        }
        return new PyInt(PyTypes.Int, v);
    }

    public static PyInt FromBig(BigInteger b)
    {
        if (b >= long.MinValue && b <= long.MaxValue) return FromLong((long)b);
        return new PyInt(b);
    }

    public static PyInt FromBool(bool b) => FromLong(b ? 1 : 0);

    protected internal override void Recycle()
    {
        if (IsBig || Type != PyTypes.Int) return;
        if (Value >= SmallMin && Value <= SmallMax && ReferenceEquals(s_small[Value - SmallMin], this)) return;
        (t_free ??= new FreeList<PyInt>(256)).TryPush(this);
    }

    public BigInteger ToBig() => IsBig ? Big : new BigInteger(Value);

    /// <summary>The value as a long, or OverflowError ("Python int too large to convert to C long").</summary>
    public long AsLong() => IsBig ? throw Exc.OverflowError("Python int too large to convert to C long") : Value;

    public int AsInt()
    {
        if (IsBig || Value > int.MaxValue || Value < int.MinValue)
            throw Exc.OverflowError("Python int too large to convert to C int");
        return (int)Value;
    }

    public double AsDouble()
    {
        if (!IsBig) return Value;
        var d = ToDouble(Big);
        if (double.IsInfinity(d)) throw Exc.OverflowError("int too large to convert to float");
        return d;
    }

    /// <summary>
    /// The double nearest to x, ties to even, as CPython's PyLong_AsDouble
    /// (BigInteger's own conversion truncates). Infinity when out of range.
    /// </summary>
    public static double ToDouble(BigInteger x)
    {
        if (x >= long.MinValue && x <= long.MaxValue) return (long)x; // the hardware conversion rounds to nearest
        var m = BigInteger.Abs(x);
        int shift = (int)m.GetBitLength() - 55;
        var top = m >> shift;
        // 55 significant bits and a sticky bit for everything shifted out:
        // rounding that to 53 bits rounds the whole number correctly.
        if (!(top << shift).Equals(m)) top |= 1;
        double d = Math.ScaleB((long)top, shift);
        return x.Sign < 0 ? -d : d;
    }

    public int Sign => IsBig ? Big.Sign : Math.Sign(Value);

    public override PyStr Repr() => PyStr.FromString(ToDecimalString());

    public string ToDecimalString() => IsBig ? Big.ToString(CultureInfo.InvariantCulture) : Value.ToString(CultureInfo.InvariantCulture);

    public override bool IsTrue() => IsBig || Value != 0;

    /// <summary>CPython's int hash: value modulo 2**61 - 1, with -1 mapped to -2.</summary>
    public override long Hash()
    {
        if (!IsBig)
        {
            if (Value == -1) return -2;
            if (Value > -HashModulus && Value < HashModulus) return Value;
        }
        var m = BigInteger.Remainder(BigInteger.Abs(ToBig()), HashModulus);
        long h = (long)m;
        if (Sign < 0) h = -h;
        return h == -1 ? -2 : h;
    }

    public const long HashModulus = (1L << 61) - 1;

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is PyInt o)
        {
            int c = (!IsBig && !o.IsBig) ? Value.CompareTo(o.Value) : ToBig().CompareTo(o.ToBig());
            return PyBool.From(Ops.CompareResult(c, op));
        }
        if (other is PyFloat f) return PyFloat.CompareIntFloat(this, f.Value, op, reflected: false);
        return PyNotImplemented.Instance.NewRef();
    }

    public override PyObject Negative() => IsBig ? FromBig(-Big) : Value == long.MinValue ? FromBig(-new BigInteger(Value)) : FromLong(-Value);
    public override PyObject Positive() => Type == PyTypes.Int ? NewRef() : IsBig ? FromBig(Big) : FromLong(Value);
    public override PyObject Invert() => IsBig ? FromBig(-Big - 1) : FromLong(~Value);
    public override PyObject Absolute() => Sign < 0 ? Negative() : Positive();

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (other is PyInt o)
            return reflected ? IntOp(op, o, this) : IntOp(op, this, o);
        return PyNotImplemented.Instance.NewRef();
    }

    /// <summary>a op b for two ints (bools included), Python semantics.</summary>
    public static PyObject IntOp(BinaryOperation op, PyInt a, PyInt b)
    {
        if (!a.IsBig && !b.IsBig)
        {
            long x = a.Value, y = b.Value;
            switch (op)
            {
                case BinaryOperation.Add: { long r = x + y; if (((x ^ r) & (y ^ r)) < 0) break; return FromLong(r); }
                case BinaryOperation.Subtract: { long r = x - y; if (((x ^ y) & (x ^ r)) < 0) break; return FromLong(r); }
                case BinaryOperation.Multiply:
                {
                    long r;
                    try { r = checked(x * y); } catch (OverflowException) { break; }
                    return FromLong(r);
                }
                case BinaryOperation.FloorDivide:
                    if (y == 0) throw Exc.ZeroDivisionError("integer division or modulo by zero");
                    if (x == long.MinValue && y == -1) break;
                    return FromLong(FloorDiv(x, y));
                case BinaryOperation.Remainder:
                    if (y == 0) throw Exc.ZeroDivisionError("integer modulo by zero");
                    if (y == -1) return FromLong(0);
                    return FromLong(FloorMod(x, y));
                case BinaryOperation.TrueDivide:
                    if (y == 0) throw Exc.ZeroDivisionError("division by zero");
                    if (x > -(1L << 53) && x < (1L << 53) && y > -(1L << 53) && y < (1L << 53)) return PyFloat.FromDouble((double)x / y);
                    break;
                case BinaryOperation.And: return FromLong(x & y);
                case BinaryOperation.Or: return FromLong(x | y);
                case BinaryOperation.Xor: return FromLong(x ^ y);
                case BinaryOperation.LShift:
                    if (y < 0) throw Exc.ValueError("negative shift count");
                    if (x == 0) return FromLong(0);
                    if (y < 63 && (x >> (int)(63 - y)) == 0 || y < 63 && (x >> (int)(63 - y)) == -1 && x < 0 && ((x << (int)y) >> (int)y) == x)
                        return FromLong(x << (int)y);
                    break;
                case BinaryOperation.RShift:
                    if (y < 0) throw Exc.ValueError("negative shift count");
                    return FromLong(y >= 64 ? (x < 0 ? -1 : 0) : x >> (int)y);
                case BinaryOperation.Power:
                    if (y < 0) return PyFloat.PowDouble(x, y);
                    break;
                case BinaryOperation.MatrixMultiply:
                    return PyNotImplemented.Instance.NewRef();
            }
        }
        return BigOp(op, a.ToBig(), b.ToBig());
    }

    private static PyObject BigOp(BinaryOperation op, BigInteger x, BigInteger y)
    {
        switch (op)
        {
            case BinaryOperation.Add: return FromBig(x + y);
            case BinaryOperation.Subtract: return FromBig(x - y);
            case BinaryOperation.Multiply: return FromBig(x * y);
            case BinaryOperation.FloorDivide:
                if (y.IsZero) throw Exc.ZeroDivisionError("integer division or modulo by zero");
                return FromBig(FloorDiv(x, y));
            case BinaryOperation.Remainder:
                if (y.IsZero) throw Exc.ZeroDivisionError("integer modulo by zero");
                return FromBig(x - y * FloorDiv(x, y));
            case BinaryOperation.TrueDivide:
                if (y.IsZero) throw Exc.ZeroDivisionError("division by zero");
                return PyFloat.FromDouble(TrueDivide(x, y));
            case BinaryOperation.And: return FromBig(x & y);
            case BinaryOperation.Or: return FromBig(x | y);
            case BinaryOperation.Xor: return FromBig(x ^ y);
            case BinaryOperation.LShift:
                if (y.Sign < 0) throw Exc.ValueError("negative shift count");
                if (y > 1_000_000_000) throw Exc.OverflowError("too many digits in integer");
                return FromBig(x << (int)y);
            case BinaryOperation.RShift:
                if (y.Sign < 0) throw Exc.ValueError("negative shift count");
                if (y > int.MaxValue) return FromLong(x.Sign < 0 ? -1 : 0);
                return FromBig(x >> (int)y);
            case BinaryOperation.Power:
                if (y.Sign < 0) return PyFloat.PowDouble(ToDouble(x), ToDouble(y));
                if (y > 100_000_000) throw Exc.OverflowError("exponent too large");
                return FromBig(BigInteger.Pow(x, (int)y));
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public static long FloorDiv(long x, long y)
    {
        long q = x / y;
        if ((x % y != 0) && ((x < 0) != (y < 0))) q--;
        return q;
    }

    public static long FloorMod(long x, long y)
    {
        long r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) r += y;
        return r;
    }

    public static BigInteger FloorDiv(BigInteger x, BigInteger y)
    {
        var q = BigInteger.DivRem(x, y, out var r);
        if (!r.IsZero && ((r.Sign < 0) != (y.Sign < 0))) q -= 1;
        return q;
    }

    /// <summary>
    /// x / y correctly rounded (long_true_divide): exact when both fit a
    /// double's 53 bits; otherwise an integer quotient of 55-56 bits plus a
    /// sticky bit for a nonzero remainder, rounded once to a double and scaled.
    /// </summary>
    public static double TrueDivide(BigInteger x, BigInteger y)
    {
        var a = BigInteger.Abs(x);
        var b = BigInteger.Abs(y);
        bool negative = (x.Sign < 0) != (y.Sign < 0);
        if (a.GetBitLength() <= 53 && b.GetBitLength() <= 53) return (double)(long)x / (double)(long)y;
        if (a.IsZero) return negative ? -0.0 : 0.0;
        int shift = (int)(a.GetBitLength() - b.GetBitLength()) - 55;
        var q = BigInteger.DivRem(shift >= 0 ? a : a << -shift, shift >= 0 ? b << shift : b, out var r);
        if (!r.IsZero) q |= 1;
        double d = Math.ScaleB((long)q, shift);
        if (double.IsInfinity(d)) throw Exc.OverflowError("integer division result too large for a float");
        return negative ? -d : d;
    }

    /// <summary>int(x) and int(s, base).</summary>
    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("int", args, kwnames, 0, 2, "x", "base");
        PyObject result;
        if (a[0] is null) result = FromLong(0);
        else if (a[1] is null) result = Ops.ToInt(a[0]!);
        else
        {
            if (a[0] is not PyStr and not PyBytes) throw Exc.TypeError("int() can't convert non-string with explicit base");
            int b = Ops.IndexAsInt(a[1]!);
            result = ParseIntLiteral(a[0] is PyStr s ? s.Value : ((PyBytes)a[0]!).AsLatin1(), b);
        }
        if (type != PyTypes.Int) throw Exc.NotImplementedError("subclasses of int are not supported by ToyPy");
        return result;
    }

    /// <summary>int(str, base) parsing with Python's rules (whitespace, sign, underscores, prefixes for base 0).</summary>
    public static PyInt ParseIntLiteral(string text, int numberBase)
    {
        string s = text.Trim();
        PyException Invalid() => Exc.ValueError($"invalid literal for int() with base {numberBase}: {PyStr.ReprOf(text)}");
        if (numberBase != 0 && (numberBase < 2 || numberBase > 36)) throw Exc.ValueError("int() base must be >= 2 and <= 36, or 0");
        bool neg = false;
        int i = 0;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        int b = numberBase;
        if (i + 1 < s.Length && s[i] == '0' && (b == 0 || b == 16 || b == 8 || b == 2))
        {
            char p = char.ToLowerInvariant(s[i + 1]);
            int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
            if (pb != 0 && (b == 0 || b == pb)) { b = pb; i += 2; if (i < s.Length && s[i] == '_') i++; }
        }
        if (b == 0)
        {
            b = 10;
            // base 0 forbids leading zeros in non-zero decimals
            if (i < s.Length && s[i] == '0')
            {
                for (int j = i; j < s.Length; j++) if (s[j] != '0' && s[j] != '_') throw Invalid();
            }
        }
        if (i >= s.Length) throw Invalid();
        BigInteger acc = BigInteger.Zero;
        long small = 0; bool useBig = false;
        bool lastUnderscore = true;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '_') { if (lastUnderscore) throw Invalid(); lastUnderscore = true; continue; }
            int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'z' ? c - 'a' + 10 : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
            if (d >= b) throw Invalid();
            lastUnderscore = false;
            if (!useBig)
            {
                if (small > (long.MaxValue - d) / b) { useBig = true; acc = small; acc = acc * b + d; }
                else small = small * b + d;
            }
            else acc = acc * b + d;
        }
        if (lastUnderscore) throw Invalid();
        if (!useBig) return FromLong(neg ? -small : small);
        return FromBig(neg ? -acc : acc);
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        var t = PyTypes.Int;
        SlotWrappers.AddNumberSlots(t);
        AddLibraryMethods(t);
    }
}
