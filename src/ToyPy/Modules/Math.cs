using System.Numerics;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The math module (Modules/mathmodule.c): libm functions with CPython's
/// error rules (a NaN from a non-NaN argument is "math domain error", an
/// infinity from a finite argument is "math range error" for the functions
/// that can overflow), and the exact integer functions on arbitrary ints.
/// </summary>
public static class MathModule
{
    private static PyException DomainError() => Exc.ValueError("math domain error");
    private static PyException RangeError() => Exc.OverflowError("math range error");

    // ------------------------------------------------------------------ argument conversion

    /// <summary>PyFloat_AsDouble: float, int, __float__, __index__; "must be real number, not X" otherwise.</summary>
    internal static double ToDouble(PyObject o)
    {
        switch (o)
        {
            case PyFloat f: return f.Value;
            case PyInt i: return i.AsDouble();
        }
        if (o.Type.IsHeapType)
        {
            if (o.Type.Lookup("__float__") is { } m)
            {
                using var r = new TempRef(Ops.CallSpecial(m, o));
                if (r.Value is PyFloat rf) return rf.Value;
                throw Exc.TypeError($"{o.Type.Name}.__float__ returned non-float (type {r.Value.Type.Name})");
            }
            if (o.Type.Lookup("__index__") is { } ix)
            {
                using var r = new TempRef(Ops.CallSpecial(ix, o));
                if (r.Value is PyInt ri) return ri.AsDouble();
                throw Exc.TypeError($"__index__ returned non-int (type {r.Value.Type.Name})");
            }
        }
        throw Exc.TypeError($"must be real number, not {o.Type.Name}");
    }

    /// <summary>A float with an integral value as a Python int (floor, ceil, trunc).</summary>
    internal static PyObject IntegralToInt(double d)
    {
        if (double.IsNaN(d)) throw Exc.ValueError("cannot convert float NaN to integer");
        if (double.IsInfinity(d)) throw Exc.OverflowError("cannot convert float infinity to integer");
        if (Math.Abs(d) < 9.2e18) return PyInt.FromLong((long)d);
        return PyInt.FromBig(new BigInteger(d));
    }

    private static PyObject Float(double d) => PyFloat.FromDouble(d);

    /// <summary>math_1: one float argument, CPython's domain/range error rules.</summary>
    private static PyObject Math1(string name, ReadOnlySpan<PyObject> a, PyTuple? k, Func<double, double> f, bool canOverflow)
    {
        ArgParser.Positional(name, a, k, 1, 1);
        double x = ToDouble(a[0]);
        double r = f(x);
        if (double.IsNaN(r) && !double.IsNaN(x)) throw DomainError();
        if (double.IsInfinity(r) && double.IsFinite(x)) throw canOverflow ? RangeError() : DomainError();
        return Float(r);
    }

    // ------------------------------------------------------------------ powers and logarithms

    /// <summary>math.sqrt(x): the square root of x.</summary>
    public static PyObject Sqrt(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("sqrt", a, k, Math.Sqrt, false);

    /// <summary>math.exp(x): e raised to the power x.</summary>
    public static PyObject Exp(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("exp", a, k, Math.Exp, true);

    /// <summary>math.expm1(x): exp(x) - 1, accurate for small x.</summary>
    public static PyObject Expm1(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("expm1", a, k, ExpM1, true);

    [System.Runtime.InteropServices.DllImport("libm.so.6", EntryPoint = "expm1")]
    private static extern double LibmExpm1(double x);
    [System.Runtime.InteropServices.DllImport("libm.so.6", EntryPoint = "log1p")]
    private static extern double LibmLog1p(double x);
    private static bool s_noLibm;

    /// <summary>The C library's expm1 (what CPython calls), or a portable fallback.</summary>
    private static double ExpM1(double x)
    {
        if (!s_noLibm)
        {
            try { return LibmExpm1(x); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { s_noLibm = true; }
        }
        if (Math.Abs(x) < 0.7)
        {
            // exp(x) - 1 without cancellation: (u - 1) * x / log(u) with u = exp(x) (Kahan's trick).
            double u = Math.Exp(x);
            if (u == 1.0) return x;
            double um1 = u - 1.0;
            if (um1 == -1.0) return -1.0;
            return um1 * x / Math.Log(u);
        }
        return Math.Exp(x) - 1.0;
    }

    /// <summary>math.pow(x, y): x raised to the power y, as floats (C99 special cases).</summary>
    public static PyObject Pow(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("pow", a, k, 2, 2);
        double x = ToDouble(a[0]), y = ToDouble(a[1]);
        double r;
        bool domain = false, range = false;
        if (!double.IsFinite(x) || !double.IsFinite(y))
        {
            if (double.IsNaN(x)) r = y == 0.0 ? 1.0 : x;
            else if (double.IsNaN(y)) r = x == 1.0 ? 1.0 : y;
            else if (double.IsInfinity(x))
            {
                bool oddY = double.IsFinite(y) && Math.Abs(y) % 2.0 == 1.0;
                if (y > 0) r = oddY ? x : Math.Abs(x);
                else if (y == 0) r = 1.0;
                else r = oddY ? Math.CopySign(0.0, x) : 0.0;
            }
            else
            {
                // y is infinite
                if (Math.Abs(x) == 1.0) r = 1.0;
                else if (y > 0 && Math.Abs(x) > 1.0) r = y;
                else if (y < 0 && Math.Abs(x) < 1.0) r = -y;
                else r = 0.0;
            }
        }
        else
        {
            r = Math.Pow(x, y);
            if (double.IsNaN(r)) domain = true;
            else if (double.IsInfinity(r)) { if (x == 0.0) domain = true; else range = true; }
        }
        if (domain) throw DomainError();
        if (range) throw RangeError();
        return Float(r);
    }

    /// <summary>
    /// loghelper: logarithms of ints too large for a float are computed from
    /// their binary exponent (log(m * 2**e) = log(m) + e * log(2)).
    /// </summary>
    private static double LogHelper(PyObject x, Func<double, double> f)
    {
        if (x is PyInt i)
        {
            if (i.Sign <= 0) throw DomainError();
            if (!i.IsBig) return f(i.Value);
            var big = i.Big;
            double d = PyInt.ToDouble(big);
            if (!double.IsInfinity(d)) return f(d);
            double m = Frexp(big, out long e);
            return f(m) + f(2.0) * e;
        }
        double v = ToDouble(x);
        if (double.IsNaN(v)) return v;
        if (v <= 0) throw DomainError();
        return f(v);
    }

    /// <summary>A positive BigInteger as m * 2**e with 0.5 &lt;= m &lt; 1, m rounded to 53 bits.</summary>
    private static double Frexp(BigInteger big, out long e)
    {
        long bits = (long)big.GetBitLength();
        int shift = (int)(bits - 55);
        var top = big >> shift;
        if (!(top << shift).Equals(big)) top |= 1; // sticky bit for correct rounding
        double m = (double)(ulong)top / 36028797018963968.0; // 2**55
        e = bits;
        if (m >= 1.0) { m /= 2; e++; }
        return m;
    }

    /// <summary>math.log(x[, base]): the natural logarithm, or the logarithm to the given base.</summary>
    public static PyObject Log(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("log", a, k, 1, 2);
        double num = LogHelper(a[0], Math.Log);
        if (a.Length == 1) return Float(num);
        double den = LogHelper(a[1], Math.Log);
        if (den == 0) throw Exc.ZeroDivisionError("float division by zero");
        return Float(num / den);
    }

    /// <summary>math.log2(x): the base 2 logarithm.</summary>
    public static PyObject Log2(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("log2", a, k, 1, 1);
        return Float(LogHelper(a[0], Math.Log2));
    }

    /// <summary>math.log10(x): the base 10 logarithm.</summary>
    public static PyObject Log10(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("log10", a, k, 1, 1);
        return Float(LogHelper(a[0], Math.Log10));
    }

    /// <summary>math.log1p(x): log(1 + x), accurate for small x.</summary>
    public static PyObject Log1p(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("log1p", a, k, LogOnePlus, false);

    /// <summary>The C library's log1p (what CPython calls), or a portable fallback.</summary>
    private static double LogOnePlus(double x)
    {
        if (!s_noLibm)
        {
            try { return LibmLog1p(x); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { s_noLibm = true; }
        }
        if (x < -1.0) return double.NaN;
        if (x == -1.0) return double.NegativeInfinity;
        double u = 1.0 + x;
        if (u == 1.0) return x;
        return Math.Log(u) * x / (u - 1.0);
    }

    // ------------------------------------------------------------------ trigonometry

    /// <summary>math.sin(x): the sine of x radians.</summary>
    public static PyObject Sin(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("sin", a, k, Math.Sin, false);
    /// <summary>math.cos(x): the cosine of x radians.</summary>
    public static PyObject Cos(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("cos", a, k, Math.Cos, false);
    /// <summary>math.tan(x): the tangent of x radians.</summary>
    public static PyObject Tan(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("tan", a, k, Math.Tan, false);
    /// <summary>math.asin(x): the arc sine, in radians.</summary>
    public static PyObject Asin(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("asin", a, k, Math.Asin, false);
    /// <summary>math.acos(x): the arc cosine, in radians.</summary>
    public static PyObject Acos(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("acos", a, k, Math.Acos, false);
    /// <summary>math.atan(x): the arc tangent, in radians.</summary>
    public static PyObject Atan(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("atan", a, k, Math.Atan, false);
    /// <summary>math.sinh(x): the hyperbolic sine.</summary>
    public static PyObject Sinh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("sinh", a, k, Math.Sinh, true);
    /// <summary>math.cosh(x): the hyperbolic cosine.</summary>
    public static PyObject Cosh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("cosh", a, k, Math.Cosh, true);
    /// <summary>math.tanh(x): the hyperbolic tangent.</summary>
    public static PyObject Tanh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("tanh", a, k, Math.Tanh, false);
    /// <summary>math.asinh(x): the inverse hyperbolic sine.</summary>
    public static PyObject Asinh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("asinh", a, k, Math.Asinh, false);
    /// <summary>math.acosh(x): the inverse hyperbolic cosine.</summary>
    public static PyObject Acosh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("acosh", a, k, Math.Acosh, false);
    /// <summary>math.atanh(x): the inverse hyperbolic tangent.</summary>
    public static PyObject Atanh(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("atanh", a, k, Math.Atanh, false);

    /// <summary>math.atan2(y, x): the arc tangent of y/x, in the right quadrant.</summary>
    public static PyObject Atan2(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("atan2", a, k, 2, 2);
        return Float(Math.Atan2(ToDouble(a[0]), ToDouble(a[1])));
    }

    /// <summary>math.degrees(x): radians to degrees.</summary>
    public static PyObject Degrees(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("degrees", a, k, 1, 1);
        return Float(ToDouble(a[0]) * (180.0 / Math.PI));
    }

    /// <summary>math.radians(x): degrees to radians.</summary>
    public static PyObject Radians(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("radians", a, k, 1, 1);
        return Float(ToDouble(a[0]) * (Math.PI / 180.0));
    }

    // ------------------------------------------------------------------ hypot / dist

    /// <summary>
    /// sqrt(sum(x*x)) for non-negative finite values with max the largest:
    /// power-of-two scaling, exact squares (fma), compensated summation and a
    /// differential correction of the square root, so the result is
    /// (almost always) correctly rounded, as CPython's vector_norm.
    /// </summary>
    private static double VectorNorm(double[] vec, double max, bool foundNan)
    {
        if (double.IsInfinity(max)) return max;
        if (foundNan) return double.NaN;
        int n = vec.Length;
        if (max == 0.0 || n <= 1) return max;
        int maxE = Math.ILogB(max) + 1; // frexp exponent
        if (maxE < -1023)
        {
            var scaled = new double[n];
            for (int i = 0; i < n; i++) scaled[i] = vec[i] / DblMin;
            return DblMin * VectorNorm(scaled, max / DblMin, false);
        }
        double scale = Math.ScaleB(1.0, -maxE);
        double csum = 1.0, frac1 = 0.0, frac2 = 0.0;
        for (int i = 0; i < n; i++)
        {
            double x = vec[i] * scale;
            double hi = x * x, lo = Math.FusedMultiplyAdd(x, x, -hi);
            double s = csum + hi;
            frac2 += csum - s + hi; // fast two-sum: csum >= hi
            csum = s;
            frac1 += lo;
        }
        double h = Math.Sqrt(csum - 1.0 + (frac1 + frac2));
        {
            double hi = -h * h, lo = Math.FusedMultiplyAdd(-h, h, -hi);
            double s = csum + hi;
            frac2 += csum - s + hi;
            csum = s;
            frac1 += lo;
        }
        double xr = csum - 1.0 + (frac1 + frac2);
        h += xr / (2.0 * h);
        return h / scale;
    }

    private const double DblMin = 2.2250738585072014e-308; // DBL_MIN, the smallest normal double

    /// <summary>math.hypot(*coordinates): the Euclidean norm.</summary>
    public static PyObject Hypot(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError("hypot() takes no keyword arguments");
        var v = new double[a.Length];
        double max = 0; bool nan = false;
        for (int i = 0; i < a.Length; i++)
        {
            double x = Math.Abs(ToDouble(a[i]));
            v[i] = x;
            nan |= double.IsNaN(x);
            if (x > max) max = x;
        }
        return Float(VectorNorm(v, max, nan));
    }

    /// <summary>math.dist(p, q): the Euclidean distance between two points.</summary>
    public static PyObject Dist(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("dist", a, k, 2, 2);
        using var p = new TempRef(Ops.ToTuple(a[0]));
        using var q = new TempRef(Ops.ToTuple(a[1]));
        var pt = (PyTuple)p.Value; var qt = (PyTuple)q.Value;
        if (pt.Count != qt.Count) throw Exc.ValueError("both points must have the same number of dimensions");
        var v = new double[pt.Count];
        double max = 0; bool nan = false;
        for (int i = 0; i < v.Length; i++)
        {
            double x = Math.Abs(ToDouble(pt[i]) - ToDouble(qt[i]));
            v[i] = x;
            nan |= double.IsNaN(x);
            if (x > max) max = x;
        }
        return Float(VectorNorm(v, max, nan));
    }

    // ------------------------------------------------------------------ rounding and representation

    /// <summary>math.floor(x): the largest integer &lt;= x, as an int.</summary>
    public static PyObject Floor(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("floor", a, k, 1, 1);
        var x = a[0];
        if (x is PyFloat f) return IntegralToInt(Math.Floor(f.Value));
        if (x is PyInt i) return i.Type == PyTypes.Int ? i.NewRef() : PyInt.FromBig(i.ToBig());
        if (x.Type.IsHeapType && x.Type.Lookup("__floor__") is { } m) return Ops.CallSpecial(m, x);
        return IntegralToInt(Math.Floor(ToDouble(x)));
    }

    /// <summary>math.ceil(x): the smallest integer &gt;= x, as an int.</summary>
    public static PyObject Ceil(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("ceil", a, k, 1, 1);
        var x = a[0];
        if (x is PyFloat f) return IntegralToInt(Math.Ceiling(f.Value));
        if (x is PyInt i) return i.Type == PyTypes.Int ? i.NewRef() : PyInt.FromBig(i.ToBig());
        if (x.Type.IsHeapType && x.Type.Lookup("__ceil__") is { } m) return Ops.CallSpecial(m, x);
        return IntegralToInt(Math.Ceiling(ToDouble(x)));
    }

    /// <summary>math.trunc(x): x truncated toward zero, through __trunc__.</summary>
    public static PyObject Trunc(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("trunc", a, k, 1, 1);
        var x = a[0];
        if (x is PyFloat f) return IntegralToInt(Math.Truncate(f.Value));
        if (x is PyInt i) return i.Type == PyTypes.Int ? i.NewRef() : PyInt.FromBig(i.ToBig());
        if (x.Type.IsHeapType && x.Type.Lookup("__trunc__") is { } m) return Ops.CallSpecial(m, x);
        throw Exc.TypeError($"type {x.Type.Name} doesn't define __trunc__ method");
    }

    /// <summary>math.fabs(x): the absolute value as a float.</summary>
    public static PyObject Fabs(ReadOnlySpan<PyObject> a, PyTuple? k) => Math1("fabs", a, k, Math.Abs, false);

    /// <summary>math.copysign(x, y): x with the sign of y.</summary>
    public static PyObject CopySign(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("copysign", a, k, 2, 2);
        return Float(Math.CopySign(ToDouble(a[0]), ToDouble(a[1])));
    }

    /// <summary>math.fmod(x, y): the C fmod (the sign follows x, unlike x % y).</summary>
    public static PyObject Fmod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("fmod", a, k, 2, 2);
        double x = ToDouble(a[0]), y = ToDouble(a[1]);
        if (double.IsInfinity(y) && double.IsFinite(x)) return Float(x);
        double r = x % y;
        if (double.IsNaN(r) && !double.IsNaN(x) && !double.IsNaN(y)) throw DomainError();
        return Float(r);
    }

    /// <summary>math.frexp(x): (m, e) with x == m * 2**e and 0.5 &lt;= abs(m) &lt; 1.</summary>
    public static PyObject Frexp(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("frexp", a, k, 1, 1);
        double x = ToDouble(a[0]);
        if (x == 0 || !double.IsFinite(x)) return PyTuple.Create(Float(x), PyInt.FromLong(0));
        int e = Math.ILogB(x) + 1;
        double m = Math.ScaleB(x, -e);
        return PyTuple.Create(Float(m), PyInt.FromLong(e));
    }

    /// <summary>math.ldexp(x, i): x * 2**i.</summary>
    public static PyObject Ldexp(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("ldexp", a, k, 2, 2);
        double x = ToDouble(a[0]);
        if (a[1] is not PyInt ie) throw Exc.TypeError("Expected an int as second argument to ldexp.");
        var big = ie.ToBig();
        int e = big > 100000 ? 100000 : big < -100000 ? -100000 : (int)big;
        if (x == 0 || !double.IsFinite(x)) return Float(x);
        double r = Math.ScaleB(x, e);
        if (double.IsInfinity(r)) throw RangeError();
        return Float(r);
    }

    /// <summary>math.modf(x): the fractional and integer parts of x, both floats with x's sign.</summary>
    public static PyObject Modf(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("modf", a, k, 1, 1);
        double x = ToDouble(a[0]);
        if (double.IsInfinity(x)) return PyTuple.Create(Float(Math.CopySign(0.0, x)), Float(x));
        double ip = Math.Truncate(x);
        return PyTuple.Create(Float(Math.CopySign(x - ip, x)), Float(ip));
    }

    // ------------------------------------------------------------------ classification

    /// <summary>math.isfinite(x): neither an infinity nor a NaN.</summary>
    public static PyObject IsFinite(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isfinite", a, k, 1, 1);
        return PyBool.From(double.IsFinite(ToDouble(a[0])));
    }

    /// <summary>math.isinf(x): positive or negative infinity.</summary>
    public static PyObject IsInf(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isinf", a, k, 1, 1);
        return PyBool.From(double.IsInfinity(ToDouble(a[0])));
    }

    /// <summary>math.isnan(x): not a number.</summary>
    public static PyObject IsNan(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isnan", a, k, 1, 1);
        return PyBool.From(double.IsNaN(ToDouble(a[0])));
    }

    /// <summary>math.isclose(a, b, *, rel_tol=1e-09, abs_tol=0.0): approximate equality.</summary>
    public static PyObject IsClose(ReadOnlySpan<PyObject> args, PyTuple? k)
    {
        int npos = args.Length - (k?.Count ?? 0);
        if (npos > 2) throw Exc.TypeError($"isclose() takes exactly 2 positional arguments ({npos} given)");
        var p = ArgParser.Parse("isclose", args, k, 2, 2, "a", "b", "rel_tol", "abs_tol");
        double x = ToDouble(p[0]!), y = ToDouble(p[1]!);
        double relTol = p[2] is null ? 1e-09 : ToDouble(p[2]!);
        double absTol = p[3] is null ? 0.0 : ToDouble(p[3]!);
        if (relTol < 0.0 || absTol < 0.0) throw Exc.ValueError("tolerances must be non-negative");
        if (x == y) return PyBool.True.NewRef();
        if (double.IsInfinity(x) || double.IsInfinity(y)) return PyBool.False.NewRef();
        double diff = Math.Abs(y - x);
        return PyBool.From(diff <= Math.Abs(relTol * y) || diff <= Math.Abs(relTol * x) || diff <= absTol);
    }

    // ------------------------------------------------------------------ integer functions

    /// <summary>The product lo * (lo+1) * ... * hi by binary splitting (1 when lo &gt; hi).</summary>
    private static BigInteger RangeProduct(BigInteger lo, BigInteger hi)
    {
        if (lo > hi) return BigInteger.One;
        var count = hi - lo + 1;
        if (count <= 16)
        {
            var r = lo;
            for (var x = lo + 1; x <= hi; x++) r *= x;
            return r;
        }
        var mid = (lo + hi) / 2;
        return RangeProduct(lo, mid) * RangeProduct(mid + 1, hi);
    }

    /// <summary>math.factorial(n): n! for a non-negative int.</summary>
    public static PyObject Factorial(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("factorial", a, k, 1, 1);
        var n = Ops.IndexAsBig(a[0]);
        if (n.Sign < 0) throw Exc.ValueError("factorial() not defined for negative values");
        if (n > long.MaxValue) throw Exc.OverflowError("factorial() argument should not exceed 9223372036854775807");
        return PyInt.FromBig(RangeProduct(1, n));
    }

    /// <summary>math.gcd(*integers): the greatest common divisor (0 for no arguments).</summary>
    public static PyObject Gcd(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError("gcd() takes no keyword arguments");
        var g = BigInteger.Zero;
        foreach (var x in a) g = BigInteger.GreatestCommonDivisor(g, Ops.IndexAsBig(x));
        return PyInt.FromBig(g);
    }

    /// <summary>math.lcm(*integers): the least common multiple (1 for no arguments).</summary>
    public static PyObject Lcm(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError("lcm() takes no keyword arguments");
        var l = BigInteger.One;
        foreach (var x in a)
        {
            var v = Ops.IndexAsBig(x);
            if (l.IsZero || v.IsZero) { l = BigInteger.Zero; continue; }
            l = BigInteger.Abs(l / BigInteger.GreatestCommonDivisor(l, v) * v);
        }
        return PyInt.FromBig(l);
    }

    /// <summary>The integer square root of a non-negative BigInteger (Newton's method from above).</summary>
    internal static BigInteger ISqrt(BigInteger n)
    {
        if (n < 2) return n;
        if (n < (BigInteger)long.MaxValue)
        {
            long v = (long)n;
            long r = (long)Math.Sqrt(v);
            while (r * r > v) r--;
            while ((r + 1) * (r + 1) <= v) r++;
            return r;
        }
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2);
        while (true)
        {
            var y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>math.isqrt(n): the floor of the exact square root of n.</summary>
    public static PyObject Isqrt(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("isqrt", a, k, 1, 1);
        var n = Ops.IndexAsBig(a[0]);
        if (n.Sign < 0) throw Exc.ValueError("isqrt() argument must be nonnegative");
        return PyInt.FromBig(ISqrt(n));
    }

    /// <summary>math.comb(n, k): the number of ways to choose k items from n.</summary>
    public static PyObject Comb(ReadOnlySpan<PyObject> a, PyTuple? kw)
    {
        ArgParser.Positional("comb", a, kw, 2, 2);
        var n = Ops.IndexAsBig(a[0]);
        var k = Ops.IndexAsBig(a[1]);
        if (n.Sign < 0) throw Exc.ValueError("n must be a non-negative integer");
        if (k.Sign < 0) throw Exc.ValueError("k must be a non-negative integer");
        if (k > n) return PyInt.FromLong(0);
        if (n - k < k) k = n - k;
        var r = BigInteger.One;
        for (var i = BigInteger.One; i <= k; i++) r = r * (n - k + i) / i;
        return PyInt.FromBig(r);
    }

    /// <summary>math.perm(n, k=None): the number of ordered arrangements of k items from n.</summary>
    public static PyObject Perm(ReadOnlySpan<PyObject> a, PyTuple? kw)
    {
        ArgParser.Positional("perm", a, kw, 1, 2);
        var n = Ops.IndexAsBig(a[0]);
        if (a.Length == 1 || a[1] is PyNone)
        {
            if (n.Sign < 0) throw Exc.ValueError("n must be a non-negative integer");
            return PyInt.FromBig(RangeProduct(1, n));
        }
        var k = Ops.IndexAsBig(a[1]);
        if (n.Sign < 0) throw Exc.ValueError("n must be a non-negative integer");
        if (k.Sign < 0) throw Exc.ValueError("k must be a non-negative integer");
        if (k > n) return PyInt.FromLong(0);
        return PyInt.FromBig(RangeProduct(n - k + 1, n));
    }

    // ------------------------------------------------------------------ sums and products

    /// <summary>math.prod(iterable, *, start=1): the product of start and the items, with Python's *.</summary>
    public static PyObject Prod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int npos = a.Length - (k?.Count ?? 0);
        if (npos != 1) throw Exc.TypeError(npos == 0 ? "prod() missing required argument 'iterable' (pos 1)" : $"prod() takes exactly 1 positional argument ({npos} given)");
        var p = ArgParser.Parse("prod", a, k, 1, 1, "iterable", "start");
        PyObject result = p[1] is null ? PyInt.FromLong(1) : p[1]!.NewRef();
        try
        {
            using var it = new TempRef(Ops.GetIter(p[0]!));
            while (Ops.Next(it.Value) is { } x)
            {
                try
                {
                    var r = Ops.BinaryOp(result, x, BinaryOperation.Multiply);
                    var old = result; result = r; old.Decref();
                }
                finally { x.Decref(); }
            }
            return result;
        }
        catch { result.Decref(); throw; }
    }

    /// <summary>
    /// math.fsum(iterable): the correctly rounded sum, from exact partial sums
    /// (Shewchuk's algorithm, with CPython's handling of infinities and the
    /// half-even correction of the final rounding).
    /// </summary>
    public static PyObject Fsum(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("fsum", a, k, 1, 1);
        var partials = new List<double>();
        double specialSum = 0.0, infSum = 0.0;
        using (var it = new TempRef(Ops.GetIter(a[0])))
        {
            while (Ops.Next(it.Value) is { } item)
            {
                double x;
                try { x = ToDouble(item); } finally { item.Decref(); }
                double xsave = x;
                int i = 0;
                for (int j = 0; j < partials.Count; j++)
                {
                    double y = partials[j];
                    if (Math.Abs(x) < Math.Abs(y)) (x, y) = (y, x);
                    double hi = x + y;
                    double yr = hi - x;
                    double lo = y - yr;
                    if (lo != 0.0) partials[i++] = lo;
                    x = hi;
                }
                partials.RemoveRange(i, partials.Count - i);
                if (x != 0.0)
                {
                    if (!double.IsFinite(x))
                    {
                        if (double.IsFinite(xsave)) throw Exc.OverflowError("intermediate overflow in fsum");
                        if (double.IsInfinity(xsave)) infSum += xsave;
                        specialSum += xsave;
                        partials.Clear();
                    }
                    else partials.Add(x);
                }
            }
        }
        if (specialSum != 0.0)
        {
            if (double.IsNaN(infSum)) throw Exc.ValueError("-inf + inf in fsum");
            return Float(specialSum);
        }
        double total = 0.0;
        int n = partials.Count;
        if (n > 0)
        {
            total = partials[--n];
            double lo = 0.0;
            while (n > 0)
            {
                double x = total, y = partials[--n];
                total = x + y;
                double yr = total - x;
                lo = y - yr;
                if (lo != 0.0) break;
            }
            // Round half-even correctly when the rest of the partials push past the halfway point.
            if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)))
            {
                double y = lo * 2.0;
                double x = total + y;
                double yr = x - total;
                if (y == yr) total = x;
            }
        }
        return Float(total);
    }

    // ------------------------------------------------------------------ the module table

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("math");
        m.AddObjectStealing("pi", Float(Math.PI));
        m.AddObjectStealing("e", Float(Math.E));
        m.AddObjectStealing("tau", Float(2 * Math.PI));
        m.AddObjectStealing("inf", Float(double.PositiveInfinity));
        m.AddObjectStealing("nan", Float(double.NaN));
        m.AddFunction("sqrt", Sqrt);
        m.AddFunction("pow", Pow);
        m.AddFunction("exp", Exp);
        m.AddFunction("expm1", Expm1);
        m.AddFunction("log", Log);
        m.AddFunction("log2", Log2);
        m.AddFunction("log10", Log10);
        m.AddFunction("log1p", Log1p);
        m.AddFunction("sin", Sin);
        m.AddFunction("cos", Cos);
        m.AddFunction("tan", Tan);
        m.AddFunction("asin", Asin);
        m.AddFunction("acos", Acos);
        m.AddFunction("atan", Atan);
        m.AddFunction("atan2", Atan2);
        m.AddFunction("sinh", Sinh);
        m.AddFunction("cosh", Cosh);
        m.AddFunction("tanh", Tanh);
        m.AddFunction("asinh", Asinh);
        m.AddFunction("acosh", Acosh);
        m.AddFunction("atanh", Atanh);
        m.AddFunction("hypot", Hypot);
        m.AddFunction("dist", Dist);
        m.AddFunction("degrees", Degrees);
        m.AddFunction("radians", Radians);
        m.AddFunction("floor", Floor);
        m.AddFunction("ceil", Ceil);
        m.AddFunction("trunc", Trunc);
        m.AddFunction("fabs", Fabs);
        m.AddFunction("copysign", CopySign);
        m.AddFunction("fmod", Fmod);
        m.AddFunction("frexp", Frexp);
        m.AddFunction("ldexp", Ldexp);
        m.AddFunction("modf", Modf);
        m.AddFunction("isfinite", IsFinite);
        m.AddFunction("isinf", IsInf);
        m.AddFunction("isnan", IsNan);
        m.AddFunction("isclose", IsClose);
        m.AddFunction("factorial", Factorial);
        m.AddFunction("gcd", Gcd);
        m.AddFunction("lcm", Lcm);
        m.AddFunction("isqrt", Isqrt);
        m.AddFunction("comb", Comb);
        m.AddFunction("perm", Perm);
        m.AddFunction("prod", Prod);
        m.AddFunction("fsum", Fsum);
        return m;
    }
}
