using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using ToyPy.Bytecode;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// str (Objects/unicodeobject.c), immutable to Python code, holding a .NET
/// string. Its hash is cached. Names used by code objects are interned: one
/// shared object per spelling, so name lookups usually succeed on reference
/// equality first. Lengths and positions count code points (see
/// CodePointOffsets). Like CPython's unicode_concatenate, `s += t` on a
/// string nothing else references grows it in place (AppendInPlace).
/// </summary>
public sealed partial class PyStr : PyObject
{
    private string? _value;
    /// <summary>The characters of a string grown in place: _value is made from them when first read.</summary>
    private char[]? _buffer;
    private int _bufferLength;
    private long _hash;
    private bool _hashed;
    internal bool IsInterned;

    private PyStr(string value) : base(PyTypes.Str) { _value = value; }

    public string Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _value ?? Materialize();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private string Materialize() => _value = new string(_buffer!, 0, _bufferLength);

    /// <summary>
    /// `s += t` may append to s itself instead of making a new string: s is a
    /// plain str that only the variable being assigned and the operand on the
    /// stack reference (the caller checks the count), not interned, and both
    /// are surrogate-free (so lengths stay UTF-16 lengths).
    /// </summary>
    internal bool CanAppendInPlace(PyStr other) => !IsInterned && SurrogateFree && other.SurrogateFree;

    /// <summary>Append other's characters, doubling the buffer as a list does (amortised O(len(other))).</summary>
    internal void AppendInPlace(PyStr other)
    {
        var add = other.Value;
        if (_buffer is null)
        {
            var v = _value!;
            _buffer = new char[Math.Max(64, 2 * (v.Length + add.Length))];
            v.CopyTo(_buffer);
            _bufferLength = v.Length;
        }
        else if (_bufferLength + add.Length > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(2 * _buffer.Length, _bufferLength + add.Length));
        add.CopyTo(0, _buffer, _bufferLength, add.Length);
        _bufferLength += add.Length;
        _value = null;
        _hashed = false;
    }

    public static PyStr FromString(string value) => new(value);

    private static readonly Dictionary<string, PyStr> s_interned = new(StringComparer.Ordinal);
    private static readonly object s_internLock = new();

    /// <summary>The interned str for this spelling (a new reference). The intern table holds one reference of its own.</summary>
    /// <summary>The interned string equal to value, or null when none is interned.</summary>
    public static PyStr? InternedOrNull(string value)
    {
        lock (s_internLock) return s_interned.TryGetValue(value, out var s) ? s : null;
    }

    public static PyStr Intern(string value)
    {
        lock (s_internLock)
        {
            if (!s_interned.TryGetValue(value, out var s))
            {
                s = new PyStr(value) { IsInterned = true };
                if (RefMode.Biased) BiasedRefCount.MakeImmortal(s);
                s_interned[value] = s; // the table's own reference (RefCount 1)
            }
            s.Incref();
            return s;
        }
    }

    /// <summary>Every interned string, for the refcount audit (the table owns one reference each).</summary>
    internal static List<PyStr> InternedStrings()
    {
        lock (s_internLock) return new List<PyStr>(s_interned.Values);
    }

    public override string ToString() => Value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override long Hash()
    {
        if (_hashed) return _hash;
        long h = Value.GetHashCode();
        if (h == -1) h = -2;
        _hash = h;
        _hashed = true;
        return h;
    }

    public override bool IsTrue() => (_value?.Length ?? _bufferLength) != 0;
    public override long Length() => CodePointCount;

    // Python strings are sequences of code points; .NET strings of UTF-16 units.
    // For strings holding surrogate pairs (characters outside the BMP), the
    // UTF-16 offset of every code point is computed once, so len(), indexing,
    // slicing and iteration count characters as CPython does.
    private int[]? _cpOffsets;
    private bool _cpScanned;
    /// <summary>Scanned, and no UTF-16 unit is a surrogate at all (not even a lone one).</summary>
    private bool _surrogateFree;

    /// <summary>
    /// No UTF-16 unit is a surrogate, so code points and UTF-16 units coincide.
    /// A concatenation or slice of such strings is one too and is marked so at
    /// creation: `s += t` in a loop then never rescans the growing string.
    /// </summary>
    private bool SurrogateFree
    {
        get
        {
            if (!_cpScanned) _ = CodePointOffsets;
            return _surrogateFree;
        }
    }

    /// <summary>
    /// BUILD_STRING: the parts (all str) joined in one copy. The result is
    /// marked surrogate-free only when every part is already known to be: a
    /// part never scanned is not scanned here.
    /// </summary>
    internal static PyStr Concat(ReadOnlySpan<PyObject?> parts)
    {
        int total = 0;
        bool surrogateFree = true;
        foreach (var p in parts)
        {
            var part = (PyStr)p!;
            total += part.Value.Length;
            surrogateFree &= part._cpScanned && part._surrogateFree;
        }
        Span<char> chars = total <= 512 ? stackalloc char[total] : new char[total];
        int at = 0;
        foreach (var p in parts)
        {
            var v = ((PyStr)p!).Value;
            v.CopyTo(chars[at..]);
            at += v.Length;
        }
        return FromParts(new string(chars), surrogateFree);
    }

    /// <summary>A str made from surrogate-free strings: marked so when it is one too, and its length needs no scan.</summary>
    private static PyStr FromParts(string value, bool surrogateFree) =>
        surrogateFree ? new PyStr(value) { _cpScanned = true, _surrogateFree = true } : new PyStr(value);

    private int[]? CodePointOffsets
    {
        get
        {
            if (_cpScanned) return _cpOffsets;
            var v = Value;
            // Most strings hold no surrogates at all: a vectorised search says so quickly.
            if (v.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0) { _surrogateFree = true; _cpScanned = true; return null; }
            int pairs = 0;
            for (int i = 0; i + 1 < v.Length; i++)
                if (char.IsHighSurrogate(v[i]) && char.IsLowSurrogate(v[i + 1])) { pairs++; i++; }
            if (pairs > 0)
            {
                var offsets = new int[v.Length - pairs];
                for (int i = 0, k = 0; i < v.Length; i++, k++)
                {
                    offsets[k] = i;
                    if (char.IsHighSurrogate(v[i]) && i + 1 < v.Length && char.IsLowSurrogate(v[i + 1])) i++;
                }
                _cpOffsets = offsets;
            }
            _cpScanned = true;
            return _cpOffsets;
        }
    }

    /// <summary>The string holds characters outside the BMP (positions differ between code points and UTF-16).</summary>
    public bool HasSurrogatePairs => CodePointOffsets is not null;

    /// <summary>The UTF-16 offset of a code-point position (clamped to the string).</summary>
    public int ToUtf16Offset(long cp)
    {
        var offsets = CodePointOffsets;
        if (offsets is null) return (int)Math.Clamp(cp, 0, Value.Length);
        if (cp <= 0) return 0;
        return cp >= offsets.Length ? Value.Length : offsets[cp];
    }

    /// <summary>The code-point position of a UTF-16 offset.</summary>
    public long ToCodePointIndex(int offset)
    {
        var offsets = CodePointOffsets;
        if (offsets is null) return offset;
        int i = Array.BinarySearch(offsets, offset);
        return i >= 0 ? i : ~i;
    }

    /// <summary>len(): the number of code points.</summary>
    public int CodePointCount => _value is null ? _bufferLength : CodePointOffsets?.Length ?? _value.Length;

    /// <summary>The code point at a code-point index, as a one-character str (new reference).</summary>
    public PyStr CodePointAt(int index)
    {
        var offsets = CodePointOffsets;
        if (offsets is null) return CharAt(index);
        int start = offsets[index];
        int end = index + 1 < offsets.Length ? offsets[index + 1] : Value.Length;
        return end - start == 1 ? CharAt(start) : FromString(Value.Substring(start, end - start));
    }
    public override PyStr Repr() => FromString(ReprOf(Value));

    public override PyStr Str()
    {
        if (Type == PyTypes.Str) { Incref(); return this; }
        return FromString(Value);
    }

    /// <summary>repr() of a string as CPython writes it: quotes chosen by content, escapes for the non-printable.</summary>
    public static string ReprOf(string s)
    {
        char quote = s.Contains('\'') && !s.Contains('"') ? '"' : '\'';
        var sb = new StringBuilder(s.Length + 2);
        sb.Append(quote);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == quote || c == '\\') { sb.Append('\\').Append(c); continue; }
            switch (c)
            {
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
            }
            if (c < 0x20 || c == 0x7f) { sb.Append("\\x").Append(((int)c).ToString("x2")); continue; }
            if (c < 0x7f) { sb.Append(c); continue; }
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[i + 1]); i++; continue;
            }
            if (IsPrintable(c)) sb.Append(c);
            else if (c <= 0xff) sb.Append("\\x").Append(((int)c).ToString("x2"));
            else sb.Append("\\u").Append(((int)c).ToString("x4"));
        }
        sb.Append(quote);
        return sb.ToString();
    }

    /// <summary>str.isprintable for one character (Unicode categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs except space are not printable).</summary>
    public static bool IsPrintable(char c)
    {
        if (c == ' ') return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or
            UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or
            UnicodeCategory.ParagraphSeparator or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    public override PyObject RichCompare(PyObject other, ComparisonOperation op)
    {
        if (other is not PyStr o) return PyNotImplemented.Instance.NewRef();
        if (op == ComparisonOperation.Eq) return PyBool.From(string.Equals(Value, o.Value));
        if (op == ComparisonOperation.Ne) return PyBool.From(!string.Equals(Value, o.Value));
        return PyBool.From(Ops.CompareResult(string.CompareOrdinal(Value, o.Value), op));
    }

    public override PyObject NumberOp(BinaryOperation op, PyObject other, bool reflected)
    {
        if (op == BinaryOperation.Add && !reflected)
        {
            if (other is PyStr o)
            {
                var joined = string.Concat(Value, o.Value);
                return FromParts(joined, SurrogateFree && o.SurrogateFree);
            }
            throw Exc.TypeError($"can only concatenate str (not \"{other.Type.Name}\") to str");
        }
        if (op == BinaryOperation.Multiply && other is PyInt n)
        {
            long count = n.IsBig ? (n.Sign > 0 ? long.MaxValue : 0) : n.Value;
            if (count <= 0 || Value.Length == 0) return FromString("");
            if (count * Value.Length > int.MaxValue / 2) throw Exc.New(ExceptionTypes.MemoryError, PyTuple.Empty());
            var sb = new StringBuilder(Value.Length * (int)count);
            for (long i = 0; i < count; i++) sb.Append(Value);
            return FromString(sb.ToString());
        }
        if (op == BinaryOperation.Remainder && !reflected)
            throw Exc.NotImplementedError("printf-style '%' string formatting is not supported by ToyPy; use f-strings or str.format");
        return PyNotImplemented.Instance.NewRef();
    }

    public override bool Contains(PyObject item)
    {
        if (item is not PyStr s) throw Exc.TypeError($"'in <string>' requires string as left operand, not {item.Type.Name}");
        return Value.Contains(s.Value, StringComparison.Ordinal);
    }

    public override PyObject GetItem(PyObject key)
    {
        if (key is PyInt i)
        {
            long idx = i.IsBig ? long.MaxValue : i.Value;
            int n = CodePointCount;
            if (idx < 0) idx += n;
            if (idx < 0 || idx >= n) throw Exc.IndexError("string index out of range");
            return CodePointAt((int)idx);
        }
        if (key is PySlice sl)
        {
            var offsets = CodePointOffsets;
            sl.Indices(CodePointCount, out long start, out long stop, out long step, out long len);
            if (offsets is null)
            {
                if (step == 1) return FromParts(Value.Substring((int)start, (int)len), _surrogateFree);
                var sb = new StringBuilder((int)len);
                for (long k = 0, j = start; k < len; k++, j += step) sb.Append(Value[(int)j]);
                return FromParts(sb.ToString(), _surrogateFree);
            }
            var sbc = new StringBuilder((int)len);
            for (long k = 0, j = start; k < len; k++, j += step)
            {
                int from = offsets[j], to = j + 1 < offsets.Length ? offsets[j + 1] : Value.Length;
                sbc.Append(Value, from, to - from);
            }
            return FromString(sbc.ToString());
        }
        if (Ops.TryIndex(key, out long ix)) { using var tmp = new TempRef(PyInt.FromLong(ix)); return GetItem(tmp.Value); }
        throw Exc.TypeError($"string indices must be integers, not '{key.Type.Name}'");
    }

    private static readonly PyStr[] s_chars = new PyStr[256];

    /// <summary>The shared one-character strings made so far (the cache owns one reference to each).</summary>
    internal static IEnumerable<PyStr> CachedChars()
    {
        foreach (var c in s_chars) if (c is not null) yield return c;
    }

    /// <summary>One-character strings for Latin-1 are shared, like CPython's.</summary>
    public PyStr CharAt(int i)
    {
        char c = Value[i];
        if (c < 256)
        {
            var s = s_chars[c];
            if (s is null) { s = Intern(c.ToString()); s_chars[c] = s; }
            s.Incref();
            return s;
        }
        return FromString(c.ToString());
    }

    public override PyObject GetIter() => new PyStrIterator(this);

    public static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        // str(x), by far the common call, without the argument parser.
        if (args.Length == 1 && (kwnames is null || kwnames.Count == 0)) return Ops.Str(args[0]);
        var a = ArgParser.Parse("str", args, kwnames, 0, 3, "object", "encoding", "errors");
        if (a[0] is null) return FromString("");
        if (a[1] is not null || a[2] is not null)
        {
            if (a[0] is not PyBytes b) throw Exc.TypeError($"decoding to str: need a bytes-like object, {a[0]!.Type.Name} found");
            return b.Decode(a[1] is PyStr e ? e.Value : "utf-8", a[2] is PyStr er ? er.Value : "strict");
        }
        return Ops.Str(a[0]!);
    }

    static partial void AddLibraryMethods(PyType t);

    internal static void InitType()
    {
        var t = PyTypes.Str;
        SlotWrappers.AddStandardSlots(t);
        AddLibraryMethods(t);
    }
}

/// <summary>iter(str): yields one-character strings.</summary>
public sealed class PyStrIterator : PyObject
{
    private PyStr? _s;
    private int _i;
    public PyStrIterator(PyStr s) : base(PyTypes.Iterator) { _s = s; s.Incref(); }
    public override PyObject GetIter() => NewRef();
    public override PyObject? Next()
    {
        if (_s is null) return null;
        if (_i < _s.CodePointCount) return _s.CodePointAt(_i++);
        var s = _s; _s = null; s.Decref();
        return null;
    }
    public override void Traverse(Action<PyObject> visit) { if (_s is not null) visit(_s); }
    protected internal override void ClearReferences() { var s = _s; _s = null; s?.Decref(); }
    public override PyStr Repr() => PyStr.FromString($"<str_ascii_iterator object at 0x{Heap.Address(this):x}>");
}
