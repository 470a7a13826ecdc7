using System.Text;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>bytes' methods (Objects/bytesobject.c, Objects/bytes_methods.c): ASCII semantics throughout.</summary>
public sealed partial class PyBytes
{
    private static PyBytes B(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyBytes>(a, "bytes", method);

    /// <summary>Py_ISSPACE for bytes: space, \t \n \v \f \r.</summary>
    private static bool IsSpaceByte(byte c) => c == ' ' || (c >= '\t' && c <= '\r');
    private static bool IsLowerByte(byte c) => c >= 'a' && c <= 'z';
    private static bool IsUpperByte(byte c) => c >= 'A' && c <= 'Z';
    private static bool IsAlphaByte(byte c) => IsLowerByte(c) || IsUpperByte(c);
    private static bool IsDigitByte(byte c) => c >= '0' && c <= '9';
    private static byte ToLowerByte(byte c) => IsUpperByte(c) ? (byte)(c + 32) : c;
    private static byte ToUpperByte(byte c) => IsLowerByte(c) ? (byte)(c - 32) : c;

    /// <summary>A bytes-like argument: "a bytes-like object is required, not 'str'".</summary>
    private static byte[] BytesArg(PyObject o) =>
        o is PyBytes b ? b.Value : throw Exc.TypeError($"a bytes-like object is required, not '{o.Type.Name}'");

    /// <summary>The sub argument of find/count/index: bytes or an int in range(256).</summary>
    private static byte[] SubArg(PyObject o)
    {
        if (o is PyBytes b) return b.Value;
        if (o is PyInt || Ops.TryIndex(o, out _))
        {
            long v = o is PyInt i && i.IsBig ? -1 : Ops.IndexAsLong(o);
            if (v < 0 || v > 255) throw Exc.ValueError("byte must be in range(0, 256)");
            return new[] { (byte)v };
        }
        throw Exc.TypeError($"argument should be integer or bytes-like object, not '{o.Type.Name}'");
    }

    private static PyList ListOf(byte[] s, List<(int Start, int Len)> ranges)
    {
        var l = new PyList(ranges.Count);
        foreach (var (st, len) in ranges) l.AppendStealing(FromBytes(s.AsSpan(st, len).ToArray()));
        return l;
    }

    private static PyObject Same(PyBytes self) => self.NewRef();

    private static PyObject Split(ReadOnlySpan<PyObject> a, PyTuple? k, bool right)
    {
        string name = right ? "rsplit" : "split";
        var s = B(a, name).Value;
        var p = ArgParser.Parse(name, a[1..], k, 0, 2, "sep", "maxsplit");
        long maxsplit = p[1] is null ? -1 : MethodArgs.Index(p[1]!);
        if (p[0] is null or PyNone) return ListOf(s, MethodArgs.SplitWhitespace<byte>(s, maxsplit, IsSpaceByte, right));
        return ListOf(s, MethodArgs.SplitSep<byte>(s, BytesArg(p[0]!), maxsplit, right));
    }

    private static long FindImpl(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool last)
    {
        MethodArgs.Tuple("bytes." + name, name, a, k, 1, 3);
        var s = B(a, name).Value;
        var sub = SubArg(a[1]);
        long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
        long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
        return MethodArgs.Find<byte>(s, sub, start, end, last);
    }

    private static PyObject StartsEnds(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool atEnd)
    {
        MethodArgs.Tuple("bytes." + name, name, a, k, 1, 3);
        var s = B(a, name).Value;
        long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
        long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
        if (a[1] is PyTuple t)
        {
            foreach (var item in t.Items)
                if (MethodArgs.TailMatch<byte>(s, BytesArg(item), start, end, atEnd)) return PyBool.True.NewRef();
            return PyBool.False.NewRef();
        }
        if (a[1] is not PyBytes p) throw Exc.TypeError($"{name} first arg must be bytes or a tuple of bytes, not {a[1].Type.Name}");
        return PyBool.From(MethodArgs.TailMatch<byte>(s, p.Value, start, end, atEnd));
    }

    private static PyObject Strip(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool left, bool right)
    {
        MethodArgs.Range("bytes." + name, name, a, k, 0, 1);
        var self = B(a, name);
        var s = self.Value;
        Func<byte, bool> strip;
        if (a.Length < 2 || a[1] is PyNone) strip = IsSpaceByte;
        else { var set = BytesArg(a[1]); strip = c => Array.IndexOf(set, c) >= 0; }
        int i = 0, j = s.Length;
        if (left) while (i < j && strip(s[i])) i++;
        if (right) while (j > i && strip(s[j - 1])) j--;
        if (i == 0 && j == s.Length) return Same(self);
        return FromBytes(s.AsSpan(i, j - i).ToArray());
    }

    private static PyObject Join(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var it = MethodArgs.One("bytes.join", a, k);
        var sep = B(a, "join").Value;
        PyObject seq;
        if (it is PyList shared && RefMode.Biased) seq = shared.SnapshotTuple();
        else if (it is PyList or PyTuple) seq = it.NewRef();
        else
        {
            PyObject iter;
            try { iter = Ops.GetIter(it); }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.TypeError))
            {
                e.Value.Decref();
                throw Exc.TypeError("can only join an iterable");
            }
            var l = new PyList();
            try { while (Ops.Next(iter) is { } x) l.AppendStealing(x); }
            catch { l.Decref(); throw; }
            finally { iter.Decref(); }
            seq = l;
        }
        try
        {
            var items = seq is PyList pl ? pl.Items.AsSpan(0, pl.Count) : ((PyTuple)seq).Items.AsSpan();
            var r = new List<byte>();
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is not PyBytes pb) throw Exc.TypeError($"sequence item {i}: expected a bytes-like object, {items[i].Type.Name} found");
                if (i > 0) r.AddRange(sep);
                r.AddRange(pb.Value);
            }
            return FromBytes(r.ToArray());
        }
        finally { seq.Decref(); }
    }

    private static PyObject Hex(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var s = B(a, "hex").Value;
        var p = ArgParser.Parse("hex", a[1..], k, 0, 2, "sep", "bytes_per_sep");
        char sep = '\0';
        if (p[0] is not null)
        {
            string sepStr = p[0] switch
            {
                PyStr ps => ps.Value,
                PyBytes pb => Encoding.Latin1.GetString(pb.Value),
                _ => throw Exc.TypeError($"object of type '{p[0]!.Type.Name}' has no len()"),
            };
            if (sepStr.Length != 1) throw Exc.ValueError("sep must be length 1.");
            if (sepStr[0] > 127) throw Exc.ValueError("sep must be ASCII.");
            sep = sepStr[0];
        }
        long per = p[1] is null ? 1 : MethodArgs.Index(p[1]!);
        const string digits = "0123456789abcdef";
        var sb = new StringBuilder(s.Length * 3);
        if (sep == '\0' || per == 0 || s.Length == 0)
        {
            foreach (byte b in s) sb.Append(digits[b >> 4]).Append(digits[b & 15]);
            return PyStr.FromString(sb.ToString());
        }
        long group = Math.Abs(per);
        for (int i = 0; i < s.Length; i++)
        {
            // Groups are counted from the right for a positive bytes_per_sep, from the left for a negative one.
            if (i > 0)
            {
                bool boundary = per > 0 ? (s.Length - i) % group == 0 : i % group == 0;
                if (boundary) sb.Append(sep);
            }
            sb.Append(digits[s[i] >> 4]).Append(digits[s[i] & 15]);
        }
        return PyStr.FromString(sb.ToString());
    }

    private static PyObject FromHex(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        MethodArgs.NoKeywords("bytes.fromhex", k);
        if (a.Length != 2) throw Exc.TypeError($"fromhex() takes exactly one argument ({a.Length - 1} given)");
        if (a[1] is not PyStr ps) throw Exc.TypeError($"fromhex() argument must be str, not {a[1].Type.Name}");
        string s = ps.Value;
        static int Digit(char c) => c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        static bool Space(char c) => c == ' ' || (c >= '\t' && c <= '\r');
        var r = new List<byte>();
        int i = 0, n = s.Length;
        while (i < n)
        {
            if (Space(s[i]))
            {
                while (i < n && Space(s[i])) i++;
                if (i >= n) break;
            }
            int hi = Digit(s[i]);
            if (hi < 0) throw Exc.ValueError($"non-hexadecimal number found in fromhex() arg at position {i}");
            i++;
            int lo = i < n ? Digit(s[i]) : -1;
            if (lo < 0) throw Exc.ValueError($"non-hexadecimal number found in fromhex() arg at position {i}");
            i++;
            r.Add((byte)(hi * 16 + lo));
        }
        var bytes = FromBytes(r.ToArray());
        if (ReferenceEquals(a[0], PyTypes.Bytes)) return bytes;
        try { return Ops.Call1(a[0], bytes); }
        finally { bytes.Decref(); }
    }

    private static PyObject Partition(ReadOnlySpan<PyObject> a, PyTuple? k, bool right)
    {
        string name = right ? "rpartition" : "partition";
        var sepObj = MethodArgs.One("bytes." + name, a, k);
        var self = B(a, name);
        var s = self.Value;
        var sep = BytesArg(sepObj);
        if (sep.Length == 0) throw Exc.ValueError("empty separator");
        int p = right ? s.AsSpan().LastIndexOf(sep) : s.AsSpan().IndexOf(sep);
        var empty = Array.Empty<byte>();
        if (p < 0)
            return right ? PyTuple.Create(FromBytes(empty), FromBytes(empty), self.NewRef())
                         : PyTuple.Create(self.NewRef(), FromBytes(empty), FromBytes(empty));
        return PyTuple.Create(FromBytes(s.AsSpan(0, p).ToArray()), sepObj.NewRef(), FromBytes(s.AsSpan(p + sep.Length).ToArray()));
    }

    private static PyObject Justify(ReadOnlySpan<PyObject> a, PyTuple? k, string name)
    {
        MethodArgs.Range("bytes." + name, name, a, k, 1, 2);
        var self = B(a, name);
        var s = self.Value;
        long width = MethodArgs.Index(a[1]);
        byte fill = (byte)' ';
        if (a.Length > 2)
        {
            if (a[2] is not PyBytes f || f.Value.Length != 1)
                throw Exc.TypeError($"{name}() argument 2 must be a byte string of length 1, not {a[2].Type.Name}");
            fill = f.Value[0];
        }
        if (width <= s.Length) return Same(self);
        long marg = width - s.Length;
        long left = name switch { "ljust" => 0, "rjust" => marg, _ => marg / 2 + (marg & width & 1) };
        var r = new byte[width];
        Array.Fill(r, fill);
        s.CopyTo(r, left);
        return FromBytes(r);
    }

    private static void Pred(PyType t, string name, Func<byte[], bool> p)
    {
        string qual = "bytes." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return PyBool.From(p(B(a, name).Value)); });
    }

    private static void Mapper(PyType t, string name, Func<byte[], byte[]> f)
    {
        string qual = "bytes." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return FromBytes(f(B(a, name).Value)); });
    }

    private static bool AllBytes(byte[] s, Func<byte, bool> p)
    {
        if (s.Length == 0) return false;
        foreach (var c in s) if (!p(c)) return false;
        return true;
    }

    static partial void AddLibraryMethods(PyType t)
    {
        t.AddMethod("decode", (a, k) =>
        {
            var self = B(a, "decode");
            var p = ArgParser.Parse("decode", a[1..], k, 0, 2, "encoding", "errors");
            string enc = "utf-8", errors = "strict";
            if (p[0] is not null) enc = p[0] is PyStr e ? e.Value : throw Exc.TypeError($"decode() argument 'encoding' must be str, not {p[0]!.Type.Name}");
            if (p[1] is not null) errors = p[1] is PyStr r ? r.Value : throw Exc.TypeError($"decode() argument 'errors' must be str, not {p[1]!.Type.Name}");
            return self.Decode(enc, errors);
        });
        t.AddMethod("hex", Hex);
        MethodArgs.AddClassMethod(t, "fromhex", FromHex);
        t.AddMethod("startswith", (a, k) => StartsEnds(a, k, "startswith", false));
        t.AddMethod("endswith", (a, k) => StartsEnds(a, k, "endswith", true));
        t.AddMethod("find", (a, k) => PyInt.FromLong(FindImpl(a, k, "find", false)));
        t.AddMethod("rfind", (a, k) => PyInt.FromLong(FindImpl(a, k, "rfind", true)));
        t.AddMethod("index", (a, k) =>
        {
            long r = FindImpl(a, k, "index", false);
            return r < 0 ? throw Exc.ValueError("subsection not found") : PyInt.FromLong(r);
        });
        t.AddMethod("rindex", (a, k) =>
        {
            long r = FindImpl(a, k, "rindex", true);
            return r < 0 ? throw Exc.ValueError("subsection not found") : PyInt.FromLong(r);
        });
        t.AddMethod("count", (a, k) =>
        {
            MethodArgs.Tuple("bytes.count", "count", a, k, 1, 3);
            var s = B(a, "count").Value;
            var sub = SubArg(a[1]);
            long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
            long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
            return PyInt.FromLong(MethodArgs.Count<byte>(s, sub, start, end));
        });
        t.AddMethod("split", (a, k) => Split(a, k, false));
        t.AddMethod("rsplit", (a, k) => Split(a, k, true));
        t.AddMethod("splitlines", (a, k) =>
        {
            var s = B(a, "splitlines").Value;
            var p = ArgParser.Parse("splitlines", a[1..], k, 0, 1, "keepends");
            bool keep = p[0] is not null && (p[0] is PyInt ki ? ki.IsTrue() : MethodArgs.Index(p[0]!) != 0);
            var l = new PyList();
            int i = 0, n = s.Length;
            while (i < n)
            {
                int j = i;
                while (j < n && s[j] != '\n' && s[j] != '\r') j++;
                int eol = j;
                if (j < n)
                {
                    if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n') j += 2; else j++;
                    if (keep) eol = j;
                }
                l.AppendStealing(FromBytes(s.AsSpan(i, eol - i).ToArray()));
                i = j;
            }
            return l;
        });
        t.AddMethod("join", Join);
        t.AddMethod("strip", (a, k) => Strip(a, k, "strip", true, true));
        t.AddMethod("lstrip", (a, k) => Strip(a, k, "lstrip", true, false));
        t.AddMethod("rstrip", (a, k) => Strip(a, k, "rstrip", false, true));
        Mapper(t, "upper", s => Array.ConvertAll(s, ToUpperByte));
        Mapper(t, "lower", s => Array.ConvertAll(s, ToLowerByte));
        Mapper(t, "swapcase", s => Array.ConvertAll(s, c => IsUpperByte(c) ? ToLowerByte(c) : ToUpperByte(c)));
        Mapper(t, "capitalize", s =>
        {
            var r = Array.ConvertAll(s, ToLowerByte);
            if (r.Length > 0) r[0] = ToUpperByte(r[0]);
            return r;
        });
        Mapper(t, "title", s =>
        {
            var r = new byte[s.Length];
            bool prevCased = false;
            for (int i = 0; i < s.Length; i++)
            {
                byte c = s[i];
                r[i] = prevCased ? ToLowerByte(c) : ToUpperByte(c);
                prevCased = IsAlphaByte(c);
            }
            return r;
        });
        t.AddMethod("replace", (a, k) =>
        {
            int n = MethodArgs.Range("bytes.replace", "replace", a, k, 2, 3);
            var s = B(a, "replace").Value;
            var o = BytesArg(a[1]);
            var nw = BytesArg(a[2]);
            long count = n == 3 ? MethodArgs.Index(a[3]) : -1;
            return FromBytes(MethodArgs.Replace<byte>(s, o, nw, count));
        });
        t.AddMethod("partition", (a, k) => Partition(a, k, false));
        t.AddMethod("rpartition", (a, k) => Partition(a, k, true));
        t.AddMethod("center", (a, k) => Justify(a, k, "center"));
        t.AddMethod("ljust", (a, k) => Justify(a, k, "ljust"));
        t.AddMethod("rjust", (a, k) => Justify(a, k, "rjust"));
        t.AddMethod("zfill", (a, k) =>
        {
            var w = MethodArgs.One("bytes.zfill", a, k);
            var self = B(a, "zfill");
            var s = self.Value;
            long width = MethodArgs.Index(w);
            if (width <= s.Length) return Same(self);
            var r = new byte[width];
            long fill = width - s.Length;
            Array.Fill(r, (byte)'0');
            s.CopyTo(r, fill);
            if (s.Length > 0 && (s[0] == '+' || s[0] == '-')) { r[0] = s[0]; r[fill] = (byte)'0'; }
            return FromBytes(r);
        });
        t.AddMethod("removeprefix", (a, k) =>
        {
            var p = BytesArg(MethodArgs.One("bytes.removeprefix", a, k));
            var self = B(a, "removeprefix");
            if (p.Length > 0 && self.Value.AsSpan().StartsWith(p)) return FromBytes(self.Value.AsSpan(p.Length).ToArray());
            return Same(self);
        });
        t.AddMethod("removesuffix", (a, k) =>
        {
            var p = BytesArg(MethodArgs.One("bytes.removesuffix", a, k));
            var self = B(a, "removesuffix");
            if (p.Length > 0 && self.Value.AsSpan().EndsWith(p)) return FromBytes(self.Value.AsSpan(0, self.Value.Length - p.Length).ToArray());
            return Same(self);
        });
        Pred(t, "isdigit", s => AllBytes(s, IsDigitByte));
        Pred(t, "isalpha", s => AllBytes(s, IsAlphaByte));
        Pred(t, "isalnum", s => AllBytes(s, c => IsAlphaByte(c) || IsDigitByte(c)));
        Pred(t, "isspace", s => AllBytes(s, IsSpaceByte));
        Pred(t, "isascii", s => { foreach (var c in s) if (c >= 128) return false; return true; });
        Pred(t, "isupper", s =>
        {
            bool cased = false;
            foreach (var c in s) { if (IsLowerByte(c)) return false; if (IsUpperByte(c)) cased = true; }
            return cased;
        });
        Pred(t, "islower", s =>
        {
            bool cased = false;
            foreach (var c in s) { if (IsUpperByte(c)) return false; if (IsLowerByte(c)) cased = true; }
            return cased;
        });
    }
}
