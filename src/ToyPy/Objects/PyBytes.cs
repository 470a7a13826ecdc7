using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>bytes (Objects/bytesobject.c): immutable byte strings.</summary>
public sealed partial class PyBytes : PyObject
{
    public readonly byte[] Value;

    private PyBytes(byte[] value) : base(PyTypes.Bytes) { Value = value; }

    /// <summary>Wraps the array (which must not be changed afterwards).</summary>
    public static PyBytes FromBytes(byte[] value) => new(value);

    public string AsLatin1() => Encoding.Latin1.GetString(Value);

    public override PyStr Repr() => PyStr.FromString(ReprOf(Value));

    public static string ReprOf(byte[] b)
    {
        bool hasSingle = Array.IndexOf(b, (byte)'\'') >= 0, hasDouble = Array.IndexOf(b, (byte)'"') >= 0;
        char quote = hasSingle && !hasDouble ? '"' : '\'';
        var sb = new StringBuilder("b").Append(quote);
        foreach (byte c in b)
        {
            if (c == quote || c == '\\') sb.Append('\\').Append((char)c);
            else if (c == '\t') sb.Append("\\t");
            else if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c < 0x20 || c >= 0x7f) sb.Append("\\x").Append(c.ToString("x2"));
            else sb.Append((char)c);
        }
        return sb.Append(quote).ToString();
    }

    public override PyStr Str() => Repr();
    public override bool IsTrue() => Value.Length != 0;
    public override long Length() => Value.Length;

    public override long Hash()
    {
        var h = new HashCode();
        h.AddBytes(Value);
        long r = h.ToHashCode();
        return r == -1 ? -2 : r;
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyBytes o) return PyNotImplemented.Instance.NewRef();
        int c = Value.AsSpan().SequenceCompareTo(o.Value);
        return PyBool.From(Ops.CompareResult(c, op));
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Add && !reflected)
        {
            if (other is not PyBytes o) throw Exc.TypeError($"can't concat {other.Type.Name} to bytes");
            var r = new byte[Value.Length + o.Value.Length];
            Value.CopyTo(r, 0); o.Value.CopyTo(r, Value.Length);
            return FromBytes(r);
        }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            long count = n.IsBig ? 0 : Math.Max(0, n.Value);
            var r = new byte[Value.Length * count];
            for (long i = 0; i < count; i++) Value.CopyTo(r, i * Value.Length);
            return FromBytes(r);
        }
        return PyNotImplemented.Instance.NewRef();
    }

    public override bool Contains(PyObject item)
    {
        if (item is PyInt i) return Array.IndexOf(Value, (byte)Ops.IndexAsLong(i)) >= 0;
        if (item is PyBytes b) return Value.AsSpan().IndexOf(b.Value) >= 0;
        throw Exc.TypeError($"a bytes-like object is required, not '{item.Type.Name}'");
    }

    public override PyObject GetItem(PyObject key)
    {
        if (key is PySlice sl)
        {
            sl.Indices(Value.Length, out long start, out _, out long step, out long len);
            var r = new byte[len];
            for (long k = 0, j = start; k < len; k++, j += step) r[k] = Value[j];
            return FromBytes(r);
        }
        long idx = Ops.IndexAsLong(key);
        if (idx < 0) idx += Value.Length;
        if (idx < 0 || idx >= Value.Length) throw Exc.IndexError("index out of range");
        return PyInt.FromLong(Value[idx]);
    }

    public override PyObject GetIter()
    {
        var l = new PyList(Value.Length);
        foreach (var b in Value) l.AppendStealing(PyInt.FromLong(b));
        var it = new PySequenceIterator(l, l.Count);
        l.Decref();
        return it;
    }

    /// <summary>bytes.decode(encoding, errors) for utf-8, ascii and latin-1.</summary>
    public PyStr Decode(string encoding, string errors)
    {
        var enc = TextCodecs.Get(encoding, errors);
        try { return PyStr.FromString(enc.GetString(Value)); }
        catch (DecoderFallbackException ex)
        {
            int pos = ex.Index;
            byte bad = ex.BytesUnknown is { Length: > 0 } bu ? bu[0] : (byte)0;
            throw Exc.UnicodeDecodeError($"'{TextCodecs.CanonicalName(encoding)}' codec can't decode byte 0x{bad:x2} in position {Math.Max(pos, 0)}: invalid start byte");
        }
    }

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("bytes", args, kwnames, 0, 3, "source", "encoding", "errors");
        var src = a[0];
        if (src is null) return FromBytes(Array.Empty<byte>());
        if (src is PyStr s)
        {
            if (a[1] is not PyStr e) throw Exc.TypeError("string argument without an encoding");
            return FromBytes(TextCodecs.Encode(s.Value, e.Value, a[2] is PyStr er ? er.Value : "strict"));
        }
        if (src is PyInt n) return FromBytes(new byte[Ops.IndexAsLong(n)]);
        if (src is PyBytes b) return b.NewRef();
        var items = new List<byte>();
        var it = Ops.GetIter(src);
        try
        {
            while (Ops.Next(it) is { } x)
            {
                long v;
                try { v = Ops.IndexAsLong(x); } finally { x.Decref(); }
                if (v < 0 || v > 255) throw Exc.ValueError("bytes must be in range(0, 256)");
                items.Add((byte)v);
            }
        }
        finally { it.Decref(); }
        return FromBytes(items.ToArray());
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        SlotWrappers.AddStandardSlots(PyTypes.Bytes);
        AddLibraryMethods(PyTypes.Bytes);
    }
}

/// <summary>The text encodings ToyPy knows, with Python's names and error handlers.</summary>
public static class TextCodecs
{
    public static string CanonicalName(string name) => name.ToLowerInvariant().Replace('_', '-') switch
    {
        "utf8" or "utf-8" or "u8" => "utf-8",
        "ascii" or "us-ascii" => "ascii",
        "latin-1" or "latin1" or "iso-8859-1" or "l1" => "latin-1",
        var other => other,
    };

    public static Encoding Get(string name, string errors)
    {
        bool strict = errors == "strict";
        var dec = strict ? DecoderFallback.ExceptionFallback : errors == "ignore" ? new DecoderReplacementFallback("") : new DecoderReplacementFallback("\uFFFD");
        var enc = strict ? EncoderFallback.ExceptionFallback : errors == "ignore" ? new EncoderReplacementFallback("") : new EncoderReplacementFallback("?");
        return CanonicalName(name) switch
        {
            "utf-8" => Encoding.GetEncoding("utf-8", enc, dec),
            "ascii" => Encoding.GetEncoding("us-ascii", enc, dec),
            "latin-1" => Encoding.GetEncoding("iso-8859-1", enc, dec),
            _ => throw Exc.New(ExceptionTypes.LookupError, $"unknown encoding: {name}"),
        };
    }

    public static byte[] Encode(string s, string encoding, string errors)
    {
        var enc = Get(encoding, errors);
        try { return enc.GetBytes(s); }
        catch (EncoderFallbackException ex)
        {
            throw Exc.UnicodeEncodeError($"'{CanonicalName(encoding)}' codec can't encode character '\\x{(int)ex.CharUnknown:x2}' in position {ex.Index}: ordinal not in range({(CanonicalName(encoding) == "ascii" ? 128 : 256)})");
        }
    }
}
