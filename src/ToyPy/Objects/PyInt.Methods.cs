using System.Numerics;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>int's methods (Objects/longobject.c); bool inherits them.</summary>
public partial class PyInt
{
    private static PyInt I(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyInt>(a, "int", method);

    /// <summary>long_long: the value as an exact int (self for ints, a plain int for bools).</summary>
    private static PyObject AsExactInt(PyInt i) => i.Type == PyTypes.Int ? i.NewRef() : i.IsBig ? FromBig(i.Big) : FromLong(i.Value);

    private static void NoArgsInt(PyType t, string name, Func<PyInt, PyObject> f)
    {
        string qual = "int." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return f(I(a, name)); });
    }

    public static long BitLength(PyInt i)
    {
        if (i.IsBig) return (long)BigInteger.Abs(i.Big).GetBitLength();
        if (i.Value == long.MinValue) return 64;
        return 64 - BitOperations.LeadingZeroCount((ulong)Math.Abs(i.Value));
    }

    private static long BitCount(PyInt i)
    {
        if (!i.IsBig) return i.Value == long.MinValue ? 1 : BitOperations.PopCount((ulong)Math.Abs(i.Value));
        long n = 0;
        foreach (var b in BigInteger.Abs(i.Big).ToByteArray(isUnsigned: true)) n += BitOperations.PopCount(b);
        return n;
    }

    private static bool ParseByteOrder(PyObject? o, string fname)
    {
        if (o is null) return true;
        if (o is not PyStr s) throw Exc.TypeError($"{fname}() argument 'byteorder' must be str, not {o.Type.Name}");
        return s.Value switch
        {
            "big" => true,
            "little" => false,
            _ => throw Exc.ValueError("byteorder must be either 'little' or 'big'"),
        };
    }

    private static PyObject ToBytes(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var self = I(a, "to_bytes");
        var p = MethodArgs.ParseKw("to_bytes", a[1..], k, 0, 2, "length", "byteorder", "signed");
        long length = p[0] is null ? 1 : MethodArgs.Index(p[0]!);
        bool big = ParseByteOrder(p[1], "to_bytes");
        bool signed = p[2] is not null && Ops.IsTrue(p[2]!);
        if (length < 0) throw Exc.ValueError("length argument must be non-negative");
        var v = self.ToBig();
        if (!signed && v.Sign < 0) throw Exc.OverflowError("can't convert negative int to unsigned");
        byte[] minimal = v.IsZero ? Array.Empty<byte>() : v.ToByteArray(isUnsigned: !signed, isBigEndian: false);
        if (minimal.Length > length) throw Exc.OverflowError("int too big to convert");
        var r = new byte[length];
        if (v.Sign < 0) Array.Fill(r, (byte)0xFF);
        minimal.CopyTo(r, 0);
        if (big) Array.Reverse(r);
        return PyBytes.FromBytes(r);
    }

    private static PyObject FromBytesMethod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var cls = a[0];
        var p = MethodArgs.ParseKw("from_bytes", a[1..], k, 1, 2, "bytes", "byteorder", "signed");
        bool big = ParseByteOrder(p[1], "from_bytes");
        bool signed = p[2] is not null && Ops.IsTrue(p[2]!);
        var src = p[0]!;
        byte[] data;
        if (src is PyBytes b) data = b.Value;
        else if (src is PyStr or PyInt or PyFloat or PyNone) throw Exc.TypeError($"cannot convert '{src.Type.Name}' object to bytes");
        else
        {
            var tmp = (PyBytes)PyBytes.TypeNew(PyTypes.Bytes, new[] { src }, null);
            data = tmp.Value;
            tmp.Decref();
        }
        var v = data.Length == 0 ? BigInteger.Zero : new BigInteger(data, isUnsigned: !signed, isBigEndian: big);
        var result = FromBig(v);
        if (ReferenceEquals(cls, PyTypes.Int)) return result;
        try { return Ops.Call1(cls, result); }
        finally { result.Decref(); }
    }

    private static PyObject Round(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int n = MethodArgs.Range("int.__round__", "__round__", a, k, 0, 1);
        var self = I(a, "__round__");
        if (n == 0) return AsExactInt(self);
        BigInteger nd;
        if (a[1] is PyInt ni) nd = ni.ToBig();
        else nd = Ops.IndexAsLong(a[1]);
        if (nd.Sign >= 0) return AsExactInt(self);
        if (-nd > 100_000) return FromLong(0);
        var m = BigInteger.Pow(10, (int)(-nd));
        var x = self.ToBig();
        var q = FloorDiv(x, m);
        var r = x - q * m;
        var twice = r * 2;
        if (twice > m || (twice == m && !q.IsEven)) q += 1;
        return FromBig(q * m);
    }

    private static PyObject DivMod(ReadOnlySpan<PyObject> a, PyTuple? k, bool reflected)
    {
        string name = reflected ? "__rdivmod__" : "__divmod__";
        // a slot wrapper in CPython, hence its argument messages
        if (k is not null && k.Count > 0) throw Exc.TypeError($"wrapper {name}() takes no keyword arguments");
        if (a.Length != 2) throw Exc.TypeError($"expected 1 argument, got {a.Length - 1}");
        var other = a[1];
        var self = I(a, name);
        if (other is not PyInt o) return PyNotImplemented.Instance.NewRef();
        var (x, y) = reflected ? (o, self) : (self, o);
        var q = IntOp(BinaryOperation.FloorDivide, x, y);
        PyObject r;
        try { r = IntOp(BinaryOperation.Remainder, x, y); }
        catch { q.Decref(); throw; }
        return PyTuple.Create(q, r);
    }

    static partial void AddLibraryMethods(PyType t)
    {
        NoArgsInt(t, "bit_length", i => FromLong(BitLength(i)));
        NoArgsInt(t, "bit_count", i => FromLong(BitCount(i)));
        NoArgsInt(t, "conjugate", AsExactInt);
        NoArgsInt(t, "as_integer_ratio", i => PyTuple.Create(AsExactInt(i), FromLong(1)));
        NoArgsInt(t, "__trunc__", AsExactInt);
        NoArgsInt(t, "__floor__", AsExactInt);
        NoArgsInt(t, "__ceil__", AsExactInt);
        t.AddMethod("to_bytes", ToBytes);
        MethodArgs.AddClassMethod(t, "from_bytes", FromBytesMethod);
        t.AddMethod("__round__", Round);
        t.AddMethod("__divmod__", (a, k) => DivMod(a, k, false));
        t.AddMethod("__rdivmod__", (a, k) => DivMod(a, k, true));
        t.AddMethod("__format__", (a, k) =>
        {
            var spec = MethodArgs.One("int.__format__", a, k);
            if (spec is not PyStr sp) throw Exc.TypeError($"__format__() argument must be str, not {spec.Type.Name}");
            return Formatting.FormatBuiltin(I(a, "__format__"), sp.Value);
        });
        MethodArgs.AddGetter(t, "real", o => AsExactInt((PyInt)o), "the real part of a complex number");
        MethodArgs.AddGetter(t, "imag", o => FromLong(0), "the imaginary part of a complex number");
        MethodArgs.AddGetter(t, "numerator", o => AsExactInt((PyInt)o), "the numerator of a rational number in lowest terms");
        MethodArgs.AddGetter(t, "denominator", o => FromLong(1), "the denominator of a rational number in lowest terms");
    }
}
