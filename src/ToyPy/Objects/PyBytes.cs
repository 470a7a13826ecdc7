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
    public PyStr Decode(string encoding, string errors) => PyStr.FromString(TextCodecs.Decode(Value, encoding, errors));

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

/// <summary>
/// The text encodings ToyPy knows (utf-8, ascii, latin-1), with Python's names, error
/// handlers (strict, ignore, replace, backslashreplace, xmlcharrefreplace, surrogateescape,
/// surrogatepass) and messages. Encoding and decoding follow Objects/unicodeobject.c:
/// runs of unencodable characters form one error, and the UTF-8 decoder classifies bad
/// input as CPython's does (invalid start byte, invalid continuation byte, unexpected end of data).
/// Positions count code points, as CPython's do.
/// </summary>
public static class TextCodecs
{
    public static string CanonicalName(string name) => name.Trim().ToLowerInvariant().Replace('_', '-').Replace(' ', '-') switch
    {
        "utf8" or "utf-8" or "u8" or "utf" or "cp65001" => "utf-8",
        "ascii" or "us-ascii" or "us" or "646" or "cp367" or "csascii" or "ibm367" or "iso646-us" or "ansi-x3.4-1968" or "iso-ir-6" => "ascii",
        "latin-1" or "latin1" or "latin" or "iso-8859-1" or "iso8859-1" or "8859" or "cp819" or "l1" or "iso-ir-100" or "csisolatin1" or "ibm819" => "latin-1",
        var other => other,
    };

    private static PyException UnknownEncoding(string name) => Exc.New(ExceptionTypes.LookupError, $"unknown encoding: {name}");

    private static PyException UnknownHandler(string errors) => Exc.New(ExceptionTypes.LookupError, $"unknown error handler name '{errors}'");

    private static bool IsKnownHandler(string errors) =>
        errors is "strict" or "ignore" or "replace" or "backslashreplace" or "xmlcharrefreplace" or "surrogateescape" or "surrogatepass" or "namereplace";

    /// <summary>A host Encoding for streams (files); errors other than ignore/replace raise DecoderFallbackException / EncoderFallbackException.</summary>
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
            _ => throw UnknownEncoding(name),
        };
    }

    private static readonly Encoding s_strictUtf8 = new UTF8Encoding(false, true);

    // ------------------------------------------------------------------ encoding

    /// <summary>str.encode(encoding, errors).</summary>
    public static byte[] Encode(string s, string encoding, string errors)
    {
        string codec = CanonicalName(encoding);
        int limit = codec switch { "ascii" => 0x80, "latin-1" => 0x100, "utf-8" => 0x110000, _ => throw UnknownEncoding(encoding) };
        bool utf8 = codec == "utf-8";
        bool Bad(int cp) => utf8 ? cp is >= 0xd800 and <= 0xdfff : cp >= limit;
        // Fast path: nothing to complain about.
        int first = 0;
        while (first < s.Length && !Bad(s[first]) && !(char.IsHighSurrogate(s[first]) && !utf8)) first++;
        if (first == s.Length)
            return utf8 ? Encoding.UTF8.GetBytes(s) : limit == 0x80 ? Encoding.ASCII.GetBytes(s) : Encoding.Latin1.GetBytes(s);
        if (utf8)
        {
            // Valid pairs are fine in UTF-8; only lone surrogates are errors.
            bool lone = false;
            for (int i = 0; i < s.Length; i++)
            {
                if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                if (char.IsSurrogate(s[i])) { lone = true; break; }
            }
            if (!lone) return Encoding.UTF8.GetBytes(s);
        }
        var cps = CodePoints(s);
        var outb = new List<byte>(s.Length + 16);
        int pos = 0;
        string reason = utf8 ? "surrogates not allowed" : $"ordinal not in range({limit})";
        while (pos < cps.Count)
        {
            int cp = cps[pos];
            if (!Bad(cp))
            {
                AppendEncoded(outb, cp, utf8);
                pos++;
                continue;
            }
            int start = pos, end = pos + 1;
            while (end < cps.Count && Bad(cps[end])) end++;
            switch (errors)
            {
                case "strict":
                    throw EncodeError(codec, cps, start, end, reason);
                case "ignore":
                    break;
                case "replace":
                    for (int k = start; k < end; k++) outb.Add((byte)'?');
                    break;
                case "backslashreplace":
                    for (int k = start; k < end; k++) AppendAscii(outb, BackslashEscape(cps[k]));
                    break;
                case "xmlcharrefreplace":
                    for (int k = start; k < end; k++) AppendAscii(outb, $"&#{cps[k]};");
                    break;
                case "surrogateescape":
                    {
                        int k = start;
                        while (k < end && cps[k] is >= 0xdc80 and <= 0xdcff) outb.Add((byte)(cps[k++] - 0xdc00));
                        if (k < end) throw EncodeError(codec, cps, k, end, reason);
                        break;
                    }
                case "surrogatepass":
                    if (!utf8) throw EncodeError(codec, cps, start, end, reason);
                    for (int k = start; k < end; k++)
                    {
                        int c = cps[k];
                        outb.Add((byte)(0xe0 | (c >> 12)));
                        outb.Add((byte)(0x80 | ((c >> 6) & 0x3f)));
                        outb.Add((byte)(0x80 | (c & 0x3f)));
                    }
                    break;
                case "namereplace":
                    throw Exc.NotImplementedError("the 'namereplace' error handler is not supported by ToyPy");
                default:
                    throw UnknownHandler(errors);
            }
            pos = end;
        }
        return outb.ToArray();
    }

    private static List<int> CodePoints(string s)
    {
        var l = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { l.Add(char.ConvertToUtf32(s[i], s[i + 1])); i++; }
            else l.Add(s[i]);
        }
        return l;
    }

    private static void AppendEncoded(List<byte> outb, int cp, bool utf8)
    {
        if (!utf8 || cp < 0x80) { outb.Add((byte)cp); return; }
        if (cp < 0x800) { outb.Add((byte)(0xc0 | (cp >> 6))); outb.Add((byte)(0x80 | (cp & 0x3f))); return; }
        if (cp < 0x10000)
        {
            outb.Add((byte)(0xe0 | (cp >> 12))); outb.Add((byte)(0x80 | ((cp >> 6) & 0x3f))); outb.Add((byte)(0x80 | (cp & 0x3f)));
            return;
        }
        outb.Add((byte)(0xf0 | (cp >> 18))); outb.Add((byte)(0x80 | ((cp >> 12) & 0x3f)));
        outb.Add((byte)(0x80 | ((cp >> 6) & 0x3f))); outb.Add((byte)(0x80 | (cp & 0x3f)));
    }

    private static void AppendAscii(List<byte> outb, string text) { foreach (char c in text) outb.Add((byte)c); }

    private static string BackslashEscape(int cp) =>
        cp < 0x100 ? $"\\x{cp:x2}" : cp < 0x10000 ? $"\\u{cp:x4}" : $"\\U{cp:x8}";

    /// <summary>UnicodeEncodeError's message (Objects/exceptions.c UnicodeEncodeError_str).</summary>
    private static PyException EncodeError(string codec, List<int> cps, int start, int end, string reason)
    {
        if (end == start + 1)
            return Exc.UnicodeEncodeError($"'{codec}' codec can't encode character '{BackslashEscape(cps[start])}' in position {start}: {reason}");
        return Exc.UnicodeEncodeError($"'{codec}' codec can't encode characters in position {start}-{end - 1}: {reason}");
    }

    // ------------------------------------------------------------------ decoding

    /// <summary>bytes.decode(encoding, errors).</summary>
    public static string Decode(byte[] data, string encoding, string errors)
    {
        string codec = CanonicalName(encoding);
        switch (codec)
        {
            case "latin-1":
                return Encoding.Latin1.GetString(data);
            case "ascii":
                {
                    int i = 0;
                    while (i < data.Length && data[i] < 0x80) i++;
                    if (i == data.Length) return Encoding.ASCII.GetString(data);
                    var sb = new StringBuilder(data.Length);
                    for (i = 0; i < data.Length; i++)
                    {
                        if (data[i] < 0x80) sb.Append((char)data[i]);
                        else DecodeErrorHandler(sb, data, codec, errors, "ordinal not in range(128)", i, i + 1);
                    }
                    return sb.ToString();
                }
            case "utf-8":
                try { return s_strictUtf8.GetString(data); }
                catch (DecoderFallbackException) { return DecodeUtf8(data, errors); }
            default:
                throw UnknownEncoding(encoding);
        }
    }

    private static bool IsCont(int b) => (b & 0xc0) == 0x80;

    /// <summary>The UTF-8 decoder of Objects/stringlib/codecs.h with unicode_decode_utf8's error handling.</summary>
    private static string DecodeUtf8(byte[] b, string errors)
    {
        var sb = new StringBuilder(b.Length);
        int i = 0, n = b.Length;
        while (i < n)
        {
            int ch = b[i];
            if (ch < 0x80) { sb.Append((char)ch); i++; continue; }
            // err: 0 = ok (len bytes), 1 = invalid start, 2..4 = invalid continuation (err - 1 bytes), 5 = unexpected end
            int err = 0, len = 0;
            int left = n - i;
            if (ch < 0xc2) err = 1;
            else if (ch < 0xe0)
            {
                if (left < 2) err = 5;
                else if (!IsCont(b[i + 1])) err = 2;
                else len = 2;
            }
            else if (ch < 0xf0)
            {
                if (left < 3)
                {
                    if (left < 2) err = 5;
                    else
                    {
                        int c2 = b[i + 1];
                        err = !IsCont(c2) || (c2 < 0xa0 ? ch == 0xe0 : ch == 0xed) ? 2 : 5;
                    }
                }
                else
                {
                    int c2 = b[i + 1], c3 = b[i + 2];
                    if (!IsCont(c2) || (ch == 0xe0 && c2 < 0xa0) || (ch == 0xed && c2 >= 0xa0)) err = 2;
                    else if (!IsCont(c3)) err = 3;
                    else len = 3;
                }
            }
            else if (ch < 0xf5)
            {
                if (left < 4)
                {
                    if (left < 2) err = 5;
                    else
                    {
                        int c2 = b[i + 1];
                        if (!IsCont(c2) || (c2 < 0x90 ? ch == 0xf0 : ch == 0xf4)) err = 2;
                        else if (left < 3) err = 5;
                        else err = !IsCont(b[i + 2]) ? 3 : 5;
                    }
                }
                else
                {
                    int c2 = b[i + 1], c3 = b[i + 2], c4 = b[i + 3];
                    if (!IsCont(c2) || (ch == 0xf0 && c2 < 0x90) || (ch == 0xf4 && c2 >= 0x90)) err = 2;
                    else if (!IsCont(c3)) err = 3;
                    else if (!IsCont(c4)) err = 4;
                    else len = 4;
                }
            }
            else err = 1;

            if (err == 0)
            {
                int cp = len switch
                {
                    2 => ((ch & 0x1f) << 6) | (b[i + 1] & 0x3f),
                    3 => ((ch & 0x0f) << 12) | ((b[i + 1] & 0x3f) << 6) | (b[i + 2] & 0x3f),
                    _ => ((ch & 0x07) << 18) | ((b[i + 1] & 0x3f) << 12) | ((b[i + 2] & 0x3f) << 6) | (b[i + 3] & 0x3f),
                };
                if (cp < 0x10000) sb.Append((char)cp); else sb.Append(char.ConvertFromUtf32(cp));
                i += len;
                continue;
            }
            int start = i, end;
            string reason;
            if (err == 1) { reason = "invalid start byte"; end = start + 1; }
            else if (err == 5) { reason = "unexpected end of data"; end = n; }
            else { reason = "invalid continuation byte"; end = start + err - 1; }
            i = DecodeErrorHandler(sb, b, "utf-8", errors, reason, start, end);
        }
        return sb.ToString();
    }

    /// <summary>Apply the error handler to data[start:end); returns where decoding resumes.</summary>
    private static int DecodeErrorHandler(StringBuilder sb, byte[] data, string codec, string errors, string reason, int start, int end)
    {
        switch (errors)
        {
            case "strict":
                throw DecodeError(data, codec, start, end, reason);
            case "ignore":
                return end;
            case "replace":
                sb.Append('\ufffd');
                return end;
            case "backslashreplace":
                for (int k = start; k < end; k++) sb.Append($"\\x{data[k]:x2}");
                return end;
            case "surrogateescape":
                {
                    int k = start;
                    while (k < end && k - start < 4 && data[k] >= 0x80) { sb.Append((char)(0xdc00 + data[k])); k++; }
                    if (k == start) throw DecodeError(data, codec, start, end, reason);
                    return k;
                }
            case "surrogatepass":
                if (codec == "utf-8" && data.Length - start >= 3 && (data[start] & 0xf0) == 0xe0 && IsCont(data[start + 1]) && IsCont(data[start + 2]))
                {
                    int c = ((data[start] & 0x0f) << 12) | ((data[start + 1] & 0x3f) << 6) | (data[start + 2] & 0x3f);
                    if (c is >= 0xd800 and <= 0xdfff) { sb.Append((char)c); return start + 3; }
                }
                throw DecodeError(data, codec, start, end, reason);
            default:
                if (IsKnownHandler(errors)) throw Exc.TypeError($"don't know how to handle UnicodeDecodeError in error callback");
                throw UnknownHandler(errors);
        }
    }

    /// <summary>UnicodeDecodeError's message (Objects/exceptions.c UnicodeDecodeError_str).</summary>
    private static PyException DecodeError(byte[] data, string codec, int start, int end, string reason)
    {
        if (start < data.Length && end == start + 1)
            return Exc.UnicodeDecodeError($"'{codec}' codec can't decode byte 0x{data[start]:x2} in position {start}: {reason}");
        return Exc.UnicodeDecodeError($"'{codec}' codec can't decode bytes in position {start}-{end - 1}: {reason}");
    }
}
