using System.Globalization;
using System.Numerics;
using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Parsing.Ast;

namespace ToyPy.Compiling;

/// <summary>
/// A compile-time constant, kept as a C# value until the code object is built
/// (so the compiler never needs the object model's equality). Two constants are
/// the same co_consts entry when they have the same type and value, like
/// CPython's _PyCode_ConstantKey: 1, 1.0 and True differ, and so do 0.0 and -0.0.
/// </summary>
internal abstract class ConstValue : IEquatable<ConstValue>
{
    public abstract bool Equals(ConstValue? other);
    public override bool Equals(object? obj) => obj is ConstValue c && Equals(c);
    public abstract override int GetHashCode();
    /// <summary>A new reference to the runtime object.</summary>
    public abstract PyObject Materialize();
    /// <summary>Python truthiness (used by the CFG optimiser).</summary>
    public abstract bool IsTrue { get; }
    public override string ToString() => Repr();
    public abstract string Repr();
}

internal sealed class CNone : ConstValue
{
    public static readonly CNone Instance = new();
    public override bool Equals(ConstValue? other) => other is CNone;
    public override int GetHashCode() => 1;
    public override PyObject Materialize() => PyNone.Instance.NewRef();
    public override bool IsTrue => false;
    public override string Repr() => "None";
}

internal sealed class CEllipsis : ConstValue
{
    public static readonly CEllipsis Instance = new();
    public override bool Equals(ConstValue? other) => other is CEllipsis;
    public override int GetHashCode() => 2;
    public override PyObject Materialize() => PyEllipsis.Instance.NewRef();
    public override bool IsTrue => true;
    public override string Repr() => "Ellipsis";
}

internal sealed class CBool : ConstValue
{
    public static readonly CBool True = new(true), False = new(false);
    public bool Value { get; }
    private CBool(bool v) { Value = v; }
    public static CBool Of(bool v) => v ? True : False;
    public override bool Equals(ConstValue? other) => other is CBool b && b.Value == Value;
    public override int GetHashCode() => Value ? 3 : 4;
    public override PyObject Materialize() => (Value ? PyBool.True : PyBool.False).NewRef();
    public override bool IsTrue => Value;
    public override string Repr() => Value ? "True" : "False";
}

internal sealed class CInt : ConstValue
{
    public BigInteger Value { get; }
    public CInt(BigInteger v) { Value = v; }
    public override bool Equals(ConstValue? other) => other is CInt i && i.Value == Value;
    public override int GetHashCode() => HashCode.Combine(5, Value);
    public override PyObject Materialize() =>
        Value >= long.MinValue && Value <= long.MaxValue ? PyInt.FromLong((long)Value) : PyInt.FromBig(Value);
    public override bool IsTrue => !Value.IsZero;
    public override string Repr() => Value.ToString(CultureInfo.InvariantCulture);
}

internal sealed class CFloat : ConstValue
{
    public double Value { get; }
    public CFloat(double v) { Value = v; }
    public override bool Equals(ConstValue? other) =>
        other is CFloat f && BitConverter.DoubleToInt64Bits(f.Value) == BitConverter.DoubleToInt64Bits(Value);
    public override int GetHashCode() => HashCode.Combine(6, BitConverter.DoubleToInt64Bits(Value));
    public override PyObject Materialize() => PyFloat.FromDouble(Value);
    public override bool IsTrue => Value != 0.0;
    public override string Repr() => Value.ToString("R", CultureInfo.InvariantCulture);
}

internal sealed class CStr : ConstValue
{
    public string Value { get; }
    public CStr(string v) { Value = v; }
    public override bool Equals(ConstValue? other) => other is CStr s && string.Equals(s.Value, Value, StringComparison.Ordinal);
    public override int GetHashCode() => HashCode.Combine(7, StringComparer.Ordinal.GetHashCode(Value));
    /// <summary>Identifier-like strings are interned, like CPython's intern_string_constants.</summary>
    public override PyObject Materialize() => IsNameLike(Value) ? PyStr.Intern(Value) : PyStr.FromString(Value);
    public override bool IsTrue => Value.Length != 0;
    public override string Repr() => "'" + Value + "'";

    private static bool IsNameLike(string s)
    {
        foreach (var ch in s)
            if (!(ch == '_' || (ch < 128 && char.IsAsciiLetterOrDigit(ch)))) return false;
        return true;
    }
}

internal sealed class CBytes : ConstValue
{
    public byte[] Value { get; }
    public CBytes(byte[] v) { Value = v; }
    public override bool Equals(ConstValue? other) => other is CBytes b && b.Value.AsSpan().SequenceEqual(Value);
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(8);
        h.AddBytes(Value);
        return h.ToHashCode();
    }
    public override PyObject Materialize() => PyBytes.FromBytes((byte[])Value.Clone());
    public override bool IsTrue => Value.Length != 0;
    public override string Repr() => "b'...'";
}

internal sealed class CTuple : ConstValue
{
    public ConstValue[] Items { get; }
    public CTuple(ConstValue[] items) { Items = items; }
    public override bool Equals(ConstValue? other)
    {
        if (other is not CTuple t || t.Items.Length != Items.Length) return false;
        for (int i = 0; i < Items.Length; i++) if (!Items[i].Equals(t.Items[i])) return false;
        return true;
    }
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(9);
        foreach (var i in Items) h.Add(i.GetHashCode());
        return h.ToHashCode();
    }
    public override PyObject Materialize()
    {
        var items = new PyObject[Items.Length];
        for (int i = 0; i < items.Length; i++) items[i] = Items[i].Materialize();
        return PyTuple.Create(items);
    }
    public override bool IsTrue => Items.Length != 0;
    public override string Repr() => "(" + string.Join(", ", Items.Select(i => i.Repr())) + (Items.Length == 1 ? ",)" : ")");
}

/// <summary>A frozenset constant (set displays folded by CPython: `x in {1, 2}`, `for x in {1, 2}`, `{1, 2, 3}`).</summary>
internal sealed class CFrozenSet : ConstValue
{
    public ConstValue[] Items { get; }
    public CFrozenSet(ConstValue[] items) { Items = items; }
    public override bool Equals(ConstValue? other)
    {
        if (other is not CFrozenSet t || t.Items.Length != Items.Length) return false;
        for (int i = 0; i < Items.Length; i++) if (!Items[i].Equals(t.Items[i])) return false;
        return true;
    }
    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(10);
        foreach (var i in Items) h.Add(i.GetHashCode());
        return h.ToHashCode();
    }
    public override PyObject Materialize()
    {
        var set = new PySet(frozen: true);
        foreach (var item in Items)
        {
            var o = item.Materialize();
            set.Add(o);
            o.Decref();
        }
        set.Seal();
        return set;
    }
    public override bool IsTrue => Items.Length != 0;
    public override string Repr() => "frozenset({" + string.Join(", ", Items.Select(i => i.Repr())) + "})";
}

internal sealed class CCode : ConstValue
{
    public CodeObject Code { get; }
    public CCode(CodeObject code) { Code = code; }
    public override bool Equals(ConstValue? other) => other is CCode c && ReferenceEquals(c.Code, Code);
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Code);
    public override PyObject Materialize() => Code.NewRef();
    public override bool IsTrue => true;
    public override string Repr() => $"<code object {Code.Name}>";
}

/// <summary>AST-level constant folding (a subset of Python/ast_opt.c) producing C# constant values.</summary>
internal static class ConstFolder
{
    private const int MaxIntSize = 128;        // bits
    private const int MaxCollectionSize = 256;
    private const int MaxStrSize = 4096;

    public static ConstValue FromConstant(Constant c) => c.Kind switch
    {
        ConstantKind.None => CNone.Instance,
        ConstantKind.True => CBool.True,
        ConstantKind.False => CBool.False,
        ConstantKind.Ellipsis => CEllipsis.Instance,
        ConstantKind.Int => new CInt(c.IsBig ? c.BigValue : new BigInteger(c.IntValue)),
        ConstantKind.Float => new CFloat(c.FloatValue),
        ConstantKind.Str => new CStr(c.StrValue ?? ""),
        ConstantKind.Bytes => new CBytes((c.StrValue ?? "").Select(ch => (byte)ch).ToArray()),
        _ => throw new InvalidOperationException("bad constant kind"),
    };

    private static BigInteger? AsInt(ConstValue v) => v switch
    {
        CInt i => i.Value,
        CBool b => b.Value ? BigInteger.One : BigInteger.Zero,
        _ => null,
    };

    private static double? AsDouble(ConstValue v)
    {
        if (v is CFloat f) return f.Value;
        var i = AsInt(v);
        if (i is { } bi && BigInteger.Abs(bi) < (BigInteger.One << 53)) return (double)bi;
        return null;
    }

    private static long BitLength(BigInteger v) => v.IsZero ? 0 : (long)BigInteger.Abs(v).GetBitLength();

    public static ConstValue? Unary(UnaryOperator op, ConstValue v)
    {
        switch (op)
        {
            case UnaryOperator.Not: return CBool.Of(!v.IsTrue);
            case UnaryOperator.USub:
                if (v is CFloat f) return new CFloat(-f.Value);
                if (AsInt(v) is { } i) return new CInt(-i);
                return null;
            case UnaryOperator.UAdd:
                if (v is CFloat) return v;
                if (AsInt(v) is { } j) return new CInt(j);
                return null;
            case UnaryOperator.Invert:
                if (AsInt(v) is { } k) return new CInt(-k - 1);
                return null;
        }
        return null;
    }

    public static ConstValue? Binary(BinaryOperator op, ConstValue l, ConstValue r)
    {
        var li = AsInt(l);
        var ri = AsInt(r);
        if (li is { } a && ri is { } b)
        {
            switch (op)
            {
                case BinaryOperator.Add: return new CInt(a + b);
                case BinaryOperator.Sub: return new CInt(a - b);
                case BinaryOperator.Mult:
                    if (!a.IsZero && !b.IsZero && BitLength(a) + BitLength(b) > MaxIntSize) return null;
                    return new CInt(a * b);
                case BinaryOperator.FloorDiv:
                    if (b.IsZero) return null;
                    return new CInt(FloorDiv(a, b));
                case BinaryOperator.Mod:
                    if (b.IsZero) return null;
                    return new CInt(a - b * FloorDiv(a, b));
                case BinaryOperator.Pow:
                    if (b.Sign < 0) return null;
                    if (!a.IsZero && b > 0 && BitLength(a) > MaxIntSize / (long)BigInteger.Min(b, MaxIntSize + 1)) return null;
                    if (b > MaxIntSize && BigInteger.Abs(a) > 1) return null;
                    return new CInt(BigInteger.Pow(a, (int)BigInteger.Min(b, int.MaxValue)));
                case BinaryOperator.LShift:
                    if (b.Sign < 0) return null;
                    if (!a.IsZero && (b > MaxIntSize || BitLength(a) > MaxIntSize - (long)b)) return null;
                    return new CInt(a << (int)BigInteger.Min(b, MaxIntSize));
                case BinaryOperator.RShift:
                    if (b.Sign < 0) return null;
                    if (b > 100000) return new CInt(a.Sign < 0 ? BigInteger.MinusOne : BigInteger.Zero);
                    return new CInt(a >> (int)b);
                case BinaryOperator.BitAnd: return l is CBool && r is CBool ? CBool.Of(!(a & b).IsZero) : new CInt(a & b);
                case BinaryOperator.BitOr: return l is CBool && r is CBool ? CBool.Of(!(a | b).IsZero) : new CInt(a | b);
                case BinaryOperator.BitXor: return l is CBool && r is CBool ? CBool.Of(!(a ^ b).IsZero) : new CInt(a ^ b);
                case BinaryOperator.Div:
                {
                    if (b.IsZero) return null;
                    var da = AsDouble(l); var db = AsDouble(r);
                    if (da is null || db is null) return null;
                    return new CFloat(da.Value / db.Value);
                }
                default: return null;
            }
        }
        if ((l is CFloat || r is CFloat) && AsDouble(l) is { } x && AsDouble(r) is { } y)
        {
            switch (op)
            {
                case BinaryOperator.Add: return new CFloat(x + y);
                case BinaryOperator.Sub: return new CFloat(x - y);
                case BinaryOperator.Mult: return new CFloat(x * y);
                case BinaryOperator.Div: return y == 0.0 ? null : new CFloat(x / y);
                default: return null;
            }
        }
        switch (op)
        {
            case BinaryOperator.Add:
                if (l is CStr s1 && r is CStr s2) return new CStr(s1.Value + s2.Value);
                if (l is CBytes b1 && r is CBytes b2) return new CBytes(b1.Value.Concat(b2.Value).ToArray());
                if (l is CTuple t1 && r is CTuple t2) return new CTuple(t1.Items.Concat(t2.Items).ToArray());
                return null;
            case BinaryOperator.Mult:
            {
                ConstValue seq; BigInteger n;
                if (ri is { } rn) { seq = l; n = rn; }
                else if (li is { } ln) { seq = r; n = ln; }
                else return null;
                if (n.Sign <= 0) n = 0;
                switch (seq)
                {
                    case CStr s:
                        if (s.Value.Length != 0 && n > MaxStrSize / s.Value.Length) return null;
                        return new CStr(string.Concat(Enumerable.Repeat(s.Value, (int)n)));
                    case CBytes by:
                        if (by.Value.Length != 0 && n > MaxStrSize / by.Value.Length) return null;
                        return new CBytes(Enumerable.Repeat(by.Value, (int)n).SelectMany(x => x).ToArray());
                    case CTuple tu:
                        if (tu.Items.Length != 0 && n > MaxCollectionSize / tu.Items.Length) return null;
                        return new CTuple(Enumerable.Repeat(tu.Items, (int)n).SelectMany(x => x).ToArray());
                }
                return null;
            }
        }
        return null;
    }

    /// <summary>fold_subscr: constant[constant index] for str, bytes and tuples.</summary>
    public static ConstValue? Subscript(ConstValue v, ConstValue index)
    {
        if (AsInt(index) is not { } bi) return null;
        int len = v switch
        {
            CStr s when !s.Value.Any(char.IsSurrogate) => s.Value.Length,
            CBytes b => b.Value.Length,
            CTuple t => t.Items.Length,
            _ => -1,
        };
        if (len < 0) return null;
        if (bi < 0) bi += len;
        if (bi < 0 || bi >= len) return null;
        int i = (int)bi;
        return v switch
        {
            CStr s => new CStr(s.Value[i].ToString()),
            CBytes b => new CInt(b.Value[i]),
            CTuple t => t.Items[i],
            _ => null,
        };
    }

    private static BigInteger FloorDiv(BigInteger a, BigInteger b)
    {
        var q = BigInteger.DivRem(a, b, out var rem);
        if (!rem.IsZero && (rem.Sign < 0) != (b.Sign < 0)) q -= 1;
        return q;
    }
}
