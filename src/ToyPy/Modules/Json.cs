using System.Globalization;
using System.Text;
using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The json module: loads / load (Lib/json/decoder.py with the C scanner of
/// Modules/_json.c) and dumps / dump (Lib/json/encoder.py).
///
/// The scanner and the encoder are written out by hand instead of on top of
/// System.Text.Json: a Python program must print what CPython prints, and
/// Utf8JsonReader differs from the json module in what it accepts (NaN,
/// Infinity, ints of any size, lone surrogates from \ud800 escapes, duplicate
/// keys) and in every error message ("Expecting ',' delimiter: line 1 column 4
/// (char 3)"), while Utf8JsonWriter escapes differently from ensure_ascii and
/// cannot print floats with Python's repr. Nothing here uses reflection, so
/// Native AOT has nothing to trim.
///
/// Positions in error messages count code points, as CPython's do; the
/// scanner works on UTF-16 offsets and converts when it raises.
/// </summary>
public static class JsonModule
{
    /// <summary>json.JSONDecodeError(msg, doc, pos): a ValueError with msg, doc, pos, lineno and colno.</summary>
    public static readonly PyType JSONDecodeError = MakeDecodeErrorType();

    private static PyType MakeDecodeErrorType()
    {
        var t = PyType.NewBuiltin("JSONDecodeError", ExceptionTypes.ValueError, DecodeErrorNew, PyBaseException.Alloc);
        t.ModuleName = "json.decoder";
        t.Doc = "Subclass of ValueError with the following additional properties:\n\nmsg: The unformatted error message\ndoc: The JSON document being parsed\npos: The start index of doc where parsing failed\nlineno: The line corresponding to pos\ncolno: The column corresponding to pos\n";
        // A Python subclass reaches this through its __init__ (the class call runs __init__ for heap types).
        t.AddMethod("__init__", (a, k) =>
        {
            if (a.Length == 0 || a[0] is not PyBaseException self) throw Exc.TypeError("descriptor '__init__' requires a 'json.decoder.JSONDecodeError' object");
            InitDecodeError(self, a[1..], k);
            return PyNone.Instance.NewRef();
        });
        return StaticTypeRegistry.Register(t);
    }

    private static PyObject DecodeErrorNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var e = (PyBaseException)PyBaseException.Alloc(type);
        try { InitDecodeError(e, args, kwnames); }
        catch { e.Decref(); throw; }
        return e;
    }

    /// <summary>JSONDecodeError.__init__(self, msg, doc, pos).</summary>
    internal static void InitDecodeError(PyBaseException self, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var a = ArgParser.Parse("JSONDecodeError", args, kwnames, 3, 3, "msg", "doc", "pos");
        if (a[1] is not PyStr doc) throw Exc.TypeError($"must be str, not {a[1]!.Type.Name}");
        long pos = Ops.IndexAsLong(a[2]!);
        int upto = doc.ToUtf16Offset(Math.Max(0, pos));
        string text = doc.Value;
        int lineno = 1, lastNewline = -1;
        for (int i = 0; i < upto && i < text.Length; i++)
            if (text[i] == '\n') { lineno++; lastNewline = i; }
        long colno = pos - (lastNewline < 0 ? -1 : doc.ToCodePointIndex(lastNewline));
        string msg = Ops.StrString(a[0]!);
        var oldArgs = self.Args;
        self.Args = PyTuple.Create(PyStr.FromString($"{msg}: line {lineno} column {colno} (char {pos})"));
        oldArgs.Decref();
        var dict = self.InstanceDict!;
        dict.SetItemString("msg", a[0]!);
        dict.SetItemString("doc", doc);
        dict.SetItemString("pos", a[2]!);
        using var line = new TempRef(PyInt.FromLong(lineno));
        dict.SetItemString("lineno", line.Value);
        using var col = new TempRef(PyInt.FromLong(colno));
        dict.SetItemString("colno", col.Value);
    }

    /// <summary>A JSONDecodeError (or a subclass such as requests' own) for msg at UTF-16 offset index of doc.</summary>
    internal static PyException DecodeError(PyType type, string msg, PyStr doc, int index)
    {
        var e = (PyBaseException)PyBaseException.Alloc(type);
        try
        {
            using var m = new TempRef(PyStr.FromString(msg));
            using var p = new TempRef(PyInt.FromLong(doc.ToCodePointIndex(index)));
            InitDecodeError(e, new PyObject[] { m.Value, doc, p.Value }, null);
        }
        catch { e.Decref(); throw; }
        return new PyException(e);
    }

    // ------------------------------------------------------------------ decoding

    /// <summary>The keyword arguments of loads that shape the result (JSONDecoder's).</summary>
    internal sealed class DecodeOptions
    {
        public PyObject? ObjectHook, ObjectPairsHook, ParseFloat, ParseInt, ParseConstant;
        public bool Strict = true;
        /// <summary>The exception type raised for bad documents (requests raises its own subclass).</summary>
        public PyType ErrorType = JSONDecodeError;
    }

    /// <summary>Reads loads' keyword arguments (cls, object_hook, ... and JSONDecoder's strict), borrowed.</summary>
    internal static DecodeOptions ParseDecodeOptions(ReadOnlySpan<PyObject> kwValues, PyTuple? kwnames)
    {
        var o = new DecodeOptions();
        for (int i = 0; i < (kwnames?.Count ?? 0); i++)
        {
            string name = ((PyStr)kwnames![i]).Value;
            var v = kwValues[i];
            PyObject? hook = v is PyNone ? null : v;
            switch (name)
            {
                case "object_hook": o.ObjectHook = hook; break;
                case "object_pairs_hook": o.ObjectPairsHook = hook; break;
                case "parse_float": o.ParseFloat = hook; break;
                case "parse_int": o.ParseInt = hook; break;
                case "parse_constant": o.ParseConstant = hook; break;
                case "strict": o.Strict = Ops.IsTrue(v); break;
                case "cls":
                    if (hook is not null) throw Exc.NotImplementedError("json.loads(cls=...) is not supported by ToyPy");
                    break;
                default: throw Exc.TypeError($"JSONDecoder.__init__() got an unexpected keyword argument '{name}'");
            }
        }
        return o;
    }

    /// <summary>json.loads(s, *, cls=None, object_hook=None, parse_float=None, parse_int=None, parse_constant=None, object_pairs_hook=None, **kw).</summary>
    public static PyObject Loads(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int nkw = k?.Count ?? 0;
        int npos = a.Length - nkw;
        if (npos > 1) throw Exc.TypeError($"loads() takes 1 positional argument but {npos} were given");
        PyObject? s = npos == 1 ? a[0] : null;
        var names = new List<PyObject>();
        var values = new List<PyObject>();
        for (int i = 0; i < nkw; i++)
        {
            if (((PyStr)k![i]).Value == "s")
            {
                if (s is not null) throw Exc.TypeError("loads() got multiple values for argument 's'");
                s = a[npos + i];
            }
            else { names.Add(k[i]); values.Add(a[npos + i]); }
        }
        if (s is null) throw Exc.TypeError("loads() missing 1 required positional argument: 's'");
        using var kw = new TempRef(PyTuple.FromSpan(names.ToArray()));
        var opts = ParseDecodeOptions(values.ToArray(), (PyTuple)kw.Value);
        return LoadsObject(s, opts);
    }

    /// <summary>loads on a str or bytes object (borrowed): the decoded value, a new reference.</summary>
    internal static PyObject LoadsObject(PyObject s, DecodeOptions opts)
    {
        PyStr text;
        if (s is PyStr str)
        {
            if (str.Value.StartsWith('\uFEFF')) throw DecodeError(opts.ErrorType, "Unexpected UTF-8 BOM (decode using utf-8-sig)", str, 0);
            text = (PyStr)str.NewRef();
        }
        else if (s is PyBytes b) text = PyStr.FromString(DecodeBytes(b.Value));
        else throw Exc.TypeError($"the JSON object must be str, bytes or bytearray, not {s.Type.Name}");
        using var t = new TempRef(text);
        return Decode(text, opts);
    }

    /// <summary>json.detect_encoding and the decode that follows it (surrogatepass).</summary>
    private static string DecodeBytes(byte[] b)
    {
        string enc = DetectEncoding(b);
        switch (enc)
        {
            case "utf-8": return TextCodecs.Decode(b, "utf-8", "surrogatepass");
            case "utf-8-sig": return TextCodecs.Decode(b[3..], "utf-8", "surrogatepass");
            default:
                {
                    bool big = enc.EndsWith("-be");
                    Encoding e = enc.StartsWith("utf-16")
                        ? new UnicodeEncoding(bigEndian: big, byteOrderMark: false, throwOnInvalidBytes: false)
                        : new UTF32Encoding(bigEndian: big, byteOrderMark: false, throwOnInvalidCharacters: false);
                    int skip = 0;
                    if (enc == "utf-16")
                    {
                        big = b[0] == 0xFE;
                        e = new UnicodeEncoding(big, false, false);
                        skip = 2;
                    }
                    else if (enc == "utf-32")
                    {
                        big = b[0] == 0;
                        e = new UTF32Encoding(big, false, false);
                        skip = 4;
                    }
                    return e.GetString(b, skip, b.Length - skip);
                }
        }
    }

    private static string DetectEncoding(byte[] b)
    {
        bool Starts(params byte[] p) => b.Length >= p.Length && b.AsSpan(0, p.Length).SequenceEqual(p);
        if (Starts(0, 0, 0xFE, 0xFF) || Starts(0xFF, 0xFE, 0, 0)) return "utf-32";
        if (Starts(0xFE, 0xFF) || Starts(0xFF, 0xFE)) return "utf-16";
        if (Starts(0xEF, 0xBB, 0xBF)) return "utf-8-sig";
        if (b.Length >= 4)
        {
            if (b[0] == 0) return b[1] != 0 ? "utf-16-be" : "utf-32-be";
            if (b[1] == 0) return b[2] != 0 || b[3] != 0 ? "utf-16-le" : "utf-32-le";
        }
        else if (b.Length == 2)
        {
            if (b[0] == 0) return "utf-16-be";
            if (b[1] == 0) return "utf-16-le";
        }
        return "utf-8";
    }

    /// <summary>JSONDecoder.decode: one value, surrounded by whitespace only. New reference.</summary>
    internal static PyObject Decode(PyStr doc, DecodeOptions opts)
    {
        var scanner = new Scanner(doc, opts);
        string s = doc.Value;
        int idx = SkipWhitespace(s, 0);
        PyObject result;
        try { result = scanner.ScanOnce(idx, out idx); }
        catch (StopScan stop) { throw DecodeError(opts.ErrorType, "Expecting value", doc, stop.Index); }
        idx = SkipWhitespace(s, idx);
        if (idx != s.Length)
        {
            result.Decref();
            throw DecodeError(opts.ErrorType, "Extra data", doc, idx);
        }
        return result;
    }

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r';

    private static int SkipWhitespace(string s, int i)
    {
        while (i < s.Length && IsWhitespace(s[i])) i++;
        return i;
    }

    /// <summary>The scanner's StopIteration(idx): no value starts at Index.</summary>
    private sealed class StopScan : Exception
    {
        public readonly int Index;
        public StopScan(int index) { Index = index; }
    }

    /// <summary>scan_once_unicode and its helpers (Modules/_json.c), over UTF-16 offsets.</summary>
    private sealed class Scanner
    {
        private readonly PyStr _doc;
        private readonly string _s;
        private readonly DecodeOptions _o;
        private readonly PyThreadState _ts = PyThreadState.Current;
        private int _depth;

        public Scanner(PyStr doc, DecodeOptions o) { _doc = doc; _s = doc.Value; _o = o; }

        private PyException Error(string msg, int index) => DecodeError(_o.ErrorType, msg, _doc, index);

        private void Enter(string what)
        {
            if (_ts.Depth + ++_depth > _ts.Interp.RecursionLimit)
                throw Exc.RecursionError($"maximum recursion depth exceeded while decoding a JSON {what} from a unicode string");
        }

        private bool At(int i, string word) => i + word.Length <= _s.Length && string.CompareOrdinal(_s, i, word, 0, word.Length) == 0;

        /// <summary>One JSON value starting at idx: a new reference; next is the offset after it.</summary>
        public PyObject ScanOnce(int idx, out int next)
        {
            string s = _s;
            if (idx >= s.Length) throw new StopScan(idx);
            switch (s[idx])
            {
                case '"':
                    return PyStr.FromString(ScanString(idx + 1, out next));
                case '{':
                    Enter("object");
                    try { return ParseObject(idx + 1, out next); } finally { _depth--; }
                case '[':
                    Enter("array");
                    try { return ParseArray(idx + 1, out next); } finally { _depth--; }
                case 'n' when At(idx, "null"):
                    next = idx + 4; return PyNone.Instance.NewRef();
                case 't' when At(idx, "true"):
                    next = idx + 4; return PyBool.True.NewRef();
                case 'f' when At(idx, "false"):
                    next = idx + 5; return PyBool.False.NewRef();
                case 'N' when At(idx, "NaN"):
                    next = idx + 3; return Constant("NaN", double.NaN);
                case 'I' when At(idx, "Infinity"):
                    next = idx + 8; return Constant("Infinity", double.PositiveInfinity);
                case '-' when At(idx, "-Infinity"):
                    next = idx + 9; return Constant("-Infinity", double.NegativeInfinity);
            }
            return MatchNumber(idx, out next);
        }

        private PyObject Constant(string name, double value)
        {
            if (_o.ParseConstant is null) return PyFloat.FromDouble(value);
            using var n = new TempRef(PyStr.FromString(name));
            return Ops.Call1(_o.ParseConstant, n.Value);
        }

        /// <summary>_match_number_unicode: an int, or a float when there is a fraction or an exponent.</summary>
        private PyObject MatchNumber(int start, out int next)
        {
            string s = _s;
            int end = s.Length - 1;
            int idx = start;
            if (s[idx] == '-')
            {
                idx++;
                if (idx > end) throw new StopScan(start);
            }
            if (s[idx] >= '1' && s[idx] <= '9')
            {
                idx++;
                while (idx <= end && char.IsAsciiDigit(s[idx])) idx++;
            }
            else if (s[idx] == '0') idx++;
            else throw new StopScan(start);
            bool isFloat = false;
            if (idx < end && s[idx] == '.' && char.IsAsciiDigit(s[idx + 1]))
            {
                isFloat = true;
                idx += 2;
                while (idx <= end && char.IsAsciiDigit(s[idx])) idx++;
            }
            if (idx < end && (s[idx] == 'e' || s[idx] == 'E'))
            {
                int eStart = idx;
                idx++;
                if (idx < end && (s[idx] == '-' || s[idx] == '+')) idx++;
                int digits = idx;
                while (idx <= end && char.IsAsciiDigit(s[idx])) idx++;
                if (idx > digits) isFloat = true;
                else idx = eStart;
            }
            next = idx;
            string num = s.Substring(start, idx - start);
            if (isFloat)
            {
                if (_o.ParseFloat is not null) return CallWithString(_o.ParseFloat, num);
                return PyFloat.FromDouble(double.Parse(num, NumberStyles.Float, CultureInfo.InvariantCulture));
            }
            if (_o.ParseInt is not null) return CallWithString(_o.ParseInt, num);
            if (num.Length < 19) return PyInt.FromLong(long.Parse(num, CultureInfo.InvariantCulture));
            return PyInt.ParseIntLiteral(num, 10);
        }

        private static PyObject CallWithString(PyObject f, string text)
        {
            using var t = new TempRef(PyStr.FromString(text));
            return Ops.Call1(f, t.Value);
        }

        /// <summary>scanstring_unicode: the string whose body starts at end (just after the quote).</summary>
        public string ScanString(int end, out int next)
        {
            string s = _s;
            int len = s.Length;
            int begin = end - 1;
            StringBuilder? sb = null;
            while (true)
            {
                char c = '\0';
                int n;
                for (n = end; n < len; n++)
                {
                    c = s[n];
                    if (c == '"' || c == '\\') break;
                    if (c <= 0x1f && _o.Strict) throw Error("Invalid control character at", n);
                }
                if (c != '"' && c != '\\') throw Error("Unterminated string starting at", begin);
                if (c == '"' && sb is null)
                {
                    next = n + 1;
                    return s.Substring(end, n - end);
                }
                sb ??= new StringBuilder();
                sb.Append(s, end, n - end);
                n++;
                if (c == '"') { end = n; break; }
                if (n == len) throw Error("Unterminated string starting at", begin);
                c = s[n];
                if (c != 'u')
                {
                    end = n + 1;
                    char r = c switch
                    {
                        '"' => '"', '\\' => '\\', '/' => '/', 'b' => '\b', 'f' => '\f', 'n' => '\n', 'r' => '\r', 't' => '\t',
                        _ => '\0',
                    };
                    if (r == '\0') throw Error("Invalid \\escape", end - 2);
                    sb.Append(r);
                    continue;
                }
                n++;
                end = n + 4;
                if (end >= len) throw Error("Invalid \\uXXXX escape", n - 1);
                int cp = Hex4(n, end - 5);
                n = end;
                // A high surrogate followed by \uDCxx makes one astral character (both halves are kept in UTF-16).
                if (cp >= 0xD800 && cp <= 0xDBFF && end + 6 < len && s[n] == '\\' && s[n + 1] == 'u')
                {
                    int low = Hex4(n + 2, end + 1);
                    if (low >= 0xDC00 && low <= 0xDFFF)
                    {
                        sb.Append((char)cp).Append((char)low);
                        end += 6;
                        continue;
                    }
                }
                sb.Append((char)cp);
            }
            next = end;
            return sb.ToString();
        }

        private int Hex4(int at, int errorIndex)
        {
            int v = 0;
            for (int i = at; i < at + 4; i++)
            {
                char h = _s[i];
                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
                if (d < 0) throw Error("Invalid \\uXXXX escape", errorIndex);
                v = v * 16 + d;
            }
            return v;
        }

        /// <summary>_parse_object_unicode: the members after '{' (pairs in order, the last of equal keys wins).</summary>
        private PyObject ParseObject(int idx, out int next)
        {
            string s = _s;
            int end = s.Length - 1;
            var pairs = new List<(PyObject Key, PyObject Value)>();
            try
            {
                idx = SkipWhitespace(s, idx);
                if (idx > end || s[idx] != '}')
                {
                    while (true)
                    {
                        if (idx > end || s[idx] != '"') throw Error("Expecting property name enclosed in double quotes", idx);
                        var key = PyStr.FromString(ScanString(idx + 1, out idx));
                        idx = SkipWhitespace(s, idx);
                        if (idx > end || s[idx] != ':') { key.Decref(); throw Error("Expecting ':' delimiter", idx); }
                        idx = SkipWhitespace(s, idx + 1);
                        PyObject value;
                        try { value = ScanOnce(idx, out idx); }
                        catch { key.Decref(); throw; }
                        pairs.Add((key, value));
                        idx = SkipWhitespace(s, idx);
                        if (idx <= end && s[idx] == '}') break;
                        if (idx > end || s[idx] != ',') throw Error("Expecting ',' delimiter", idx);
                        idx = SkipWhitespace(s, idx + 1);
                    }
                }
                next = idx + 1;
                return BuildObject(pairs);
            }
            finally
            {
                foreach (var (k, v) in pairs) { k.Decref(); v.Decref(); }
            }
        }

        private PyObject BuildObject(List<(PyObject Key, PyObject Value)> pairs)
        {
            if (_o.ObjectPairsHook is not null)
            {
                var list = new PyList(pairs.Count);
                foreach (var (k, v) in pairs) list.AppendStealing(PyTuple.Create(k.NewRef(), v.NewRef()));
                using var l = new TempRef(list);
                return Ops.Call1(_o.ObjectPairsHook, list);
            }
            var d = new PyDict();
            try { foreach (var (k, v) in pairs) d.SetItem(k, v); }
            catch { d.Decref(); throw; }
            if (_o.ObjectHook is null) return d;
            using var dr = new TempRef(d);
            return Ops.Call1(_o.ObjectHook, d);
        }

        /// <summary>_parse_array_unicode: the items after '['.</summary>
        private PyObject ParseArray(int idx, out int next)
        {
            string s = _s;
            int end = s.Length - 1;
            var list = new PyList();
            try
            {
                idx = SkipWhitespace(s, idx);
                if (idx > end || s[idx] != ']')
                {
                    while (true)
                    {
                        list.AppendStealing(ScanOnce(idx, out idx));
                        idx = SkipWhitespace(s, idx);
                        if (idx <= end && s[idx] == ']') break;
                        if (idx > end || s[idx] != ',') throw Error("Expecting ',' delimiter", idx);
                        idx = SkipWhitespace(s, idx + 1);
                    }
                }
            }
            catch { list.Decref(); throw; }
            next = idx + 1;
            return list;
        }
    }

    /// <summary>json.load(fp, **kw): loads(fp.read(), **kw).</summary>
    public static PyObject Load(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int nkw = k?.Count ?? 0;
        int npos = a.Length - nkw;
        if (npos != 1) throw Exc.TypeError(npos == 0 ? "load() missing 1 required positional argument: 'fp'" : $"load() takes 1 positional argument but {npos} were given");
        var opts = ParseDecodeOptions(a[1..], k);
        using var text = new TempRef(Ops.CallMethod(a[0], "read", ReadOnlySpan<PyObject>.Empty));
        return LoadsObject(text.Value, opts);
    }

    // ------------------------------------------------------------------ encoding

    /// <summary>The JSONEncoder settings dumps builds from its keyword arguments.</summary>
    internal sealed class EncodeOptions
    {
        public bool SkipKeys, EnsureAscii = true, CheckCircular = true, AllowNan = true, SortKeys;
        public string? Indent;
        public string ItemSeparator = ", ", KeySeparator = ": ";
        public PyObject? Default;
    }

    private static readonly string[] s_dumpsNames =
        { "obj", "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "cls", "indent", "separators", "default", "sort_keys" };

    /// <summary>Reads dumps' keyword-only arguments (everything after obj / obj, fp).</summary>
    private static EncodeOptions ParseEncodeOptions(string fname, ReadOnlySpan<PyObject> kwValues, PyTuple? kwnames)
    {
        var o = new EncodeOptions();
        PyObject? indent = null, separators = null;
        for (int i = 0; i < (kwnames?.Count ?? 0); i++)
        {
            string name = ((PyStr)kwnames![i]).Value;
            var v = kwValues[i];
            switch (name)
            {
                case "skipkeys": o.SkipKeys = Ops.IsTrue(v); break;
                case "ensure_ascii": o.EnsureAscii = Ops.IsTrue(v); break;
                case "check_circular": o.CheckCircular = Ops.IsTrue(v); break;
                case "allow_nan": o.AllowNan = Ops.IsTrue(v); break;
                case "sort_keys": o.SortKeys = Ops.IsTrue(v); break;
                case "indent": indent = v is PyNone ? null : v; break;
                case "separators": separators = v is PyNone ? null : v; break;
                case "default": o.Default = v is PyNone ? null : v; break;
                case "cls":
                    if (v is not PyNone) throw Exc.NotImplementedError($"json.{fname}(cls=...) is not supported by ToyPy");
                    break;
                default: throw Exc.TypeError($"JSONEncoder.__init__() got an unexpected keyword argument '{name}'");
            }
        }
        if (indent is not null)
        {
            if (indent is PyStr istr) o.Indent = istr.Value;
            else if (indent is PyInt n) o.Indent = new string(' ', (int)Math.Max(0, Math.Min(n.AsLong(), 1 << 20)));
            else throw Exc.TypeError($"can't multiply sequence by non-int of type '{indent.Type.Name}'");
            o.ItemSeparator = ",";
        }
        if (separators is not null)
        {
            using var t = new TempRef(Ops.ToTuple(separators));
            var tup = (PyTuple)t.Value;
            if (tup.Count != 2)
                throw Exc.ValueError(tup.Count < 2 ? $"not enough values to unpack (expected 2, got {tup.Count})" : "too many values to unpack (expected 2)");
            o.ItemSeparator = tup[0] is PyStr s0 ? s0.Value : throw Exc.TypeError($"sequence item 0: expected str instance, {tup[0].Type.Name} found");
            o.KeySeparator = tup[1] is PyStr s1 ? s1.Value : throw Exc.TypeError($"sequence item 0: expected str instance, {tup[1].Type.Name} found");
        }
        return o;
    }

    /// <summary>json.dumps(obj, *, skipkeys=False, ensure_ascii=True, check_circular=True, allow_nan=True, cls=None, indent=None, separators=None, default=None, sort_keys=False).</summary>
    public static PyObject Dumps(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int nkw = k?.Count ?? 0;
        int npos = a.Length - nkw;
        if (npos > 1) throw Exc.TypeError($"dumps() takes 1 positional argument but {npos} were given");
        if (npos == 0) throw Exc.TypeError("dumps() missing 1 required positional argument: 'obj'");
        var opts = ParseEncodeOptions("dumps", a[1..], k);
        return PyStr.FromString(Encode(a[0], opts));
    }

    /// <summary>json.dump(obj, fp, **kw): fp.write(dumps(obj, **kw)).</summary>
    public static PyObject Dump(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        int nkw = k?.Count ?? 0;
        int npos = a.Length - nkw;
        if (npos > 2) throw Exc.TypeError($"dump() takes 2 positional arguments but {npos} were given");
        if (npos < 2) throw Exc.TypeError(npos == 0 ? "dump() missing 2 required positional arguments: 'obj' and 'fp'" : "dump() missing 1 required positional argument: 'fp'");
        var opts = ParseEncodeOptions("dump", a[2..], k);
        using var text = new TempRef(PyStr.FromString(Encode(a[0], opts)));
        Span<PyObject> args = [text.Value];
        Ops.CallMethod(a[1], "write", args).Decref();
        return PyNone.Instance.NewRef();
    }

    /// <summary>JSONEncoder.encode: the whole document as one string.</summary>
    internal static string Encode(PyObject obj, EncodeOptions opts)
    {
        var sb = new StringBuilder();
        new Encoder(opts, sb).EncodeValue(obj, 0);
        return sb.ToString();
    }

    /// <summary>_make_iterencode / c_make_encoder: appends the JSON text of a value.</summary>
    private sealed class Encoder
    {
        private readonly EncodeOptions _o;
        private readonly StringBuilder _sb;
        private readonly HashSet<PyObject>? _markers;
        private readonly PyThreadState _ts = PyThreadState.Current;
        private int _depth;

        public Encoder(EncodeOptions o, StringBuilder sb)
        {
            _o = o;
            _sb = sb;
            if (o.CheckCircular) _markers = new HashSet<PyObject>(ReferenceEqualityComparer.Instance);
        }

        private void Enter()
        {
            if (_ts.Depth + ++_depth > _ts.Interp.RecursionLimit)
                throw Exc.RecursionError("maximum recursion depth exceeded while encoding a JSON object");
        }

        private void Mark(PyObject o)
        {
            if (_markers is not null && !_markers.Add(o)) throw Exc.ValueError("Circular reference detected");
        }

        private void Unmark(PyObject o) => _markers?.Remove(o);

        public void EncodeValue(PyObject o, int level)
        {
            switch (o)
            {
                case PyNone: _sb.Append("null"); return;
                case PyBool b: _sb.Append(ReferenceEquals(b, PyBool.True) ? "true" : "false"); return;
                case PyStr s: AppendString(s.Value); return;
                case PyInt i: _sb.Append(i.ToDecimalString()); return;
                case PyFloat f: _sb.Append(FloatStr(f.Value)); return;
                case PyList l: EncodeList(l.Items.AsSpan(0, l.Count).ToArray(), o, level); return;
                case PyTuple t: EncodeList(t.Items, o, level); return;
                case PyDict d: EncodeDict(d, level); return;
            }
            if (_o.Default is null) throw Exc.TypeError($"Object of type {o.Type.Name} is not JSON serializable");
            Mark(o);
            using (var replacement = new TempRef(Ops.Call1(_o.Default, o)))
            {
                Enter();
                try { EncodeValue(replacement.Value, level); } finally { _depth--; }
            }
            Unmark(o);
        }

        private string FloatStr(double v)
        {
            if (double.IsFinite(v)) return PyFloat.ReprOf(v);
            if (!_o.AllowNan) throw Exc.ValueError("Out of range float values are not JSON compliant");
            return double.IsNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
        }

        private void NewLine(int level)
        {
            _sb.Append('\n');
            for (int i = 0; i < level; i++) _sb.Append(_o.Indent);
        }

        private void EncodeList(PyObject[] items, PyObject owner, int level)
        {
            if (items.Length == 0) { _sb.Append("[]"); return; }
            Mark(owner);
            Enter();
            // Hold the items: a default() hook may change the list while we walk it.
            foreach (var item in items) item.Incref();
            try
            {
                _sb.Append('[');
                if (_o.Indent is not null) { level++; NewLine(level); }
                for (int i = 0; i < items.Length; i++)
                {
                    if (i > 0)
                    {
                        _sb.Append(_o.ItemSeparator);
                        if (_o.Indent is not null) NewLine(level);
                    }
                    EncodeValue(items[i], level);
                }
                if (_o.Indent is not null) { level--; NewLine(level); }
                _sb.Append(']');
            }
            finally
            {
                foreach (var item in items) item.Decref();
                _depth--;
            }
            Unmark(owner);
        }

        private void EncodeDict(PyDict d, int level)
        {
            if (d.Count == 0) { _sb.Append("{}"); return; }
            Mark(d);
            Enter();
            var items = new PyList(d.Count);
            try
            {
                foreach (var (k, v) in d.Items()) items.AppendStealing(PyTuple.Create(k.NewRef(), v.NewRef()));
                if (_o.SortKeys) ListSort.Sort(items, ReadOnlySpan<PyObject>.Empty, null);
                _sb.Append('{');
                if (_o.Indent is not null) { level++; NewLine(level); }
                bool first = true;
                for (int i = 0; i < items.Count; i++)
                {
                    var pair = (PyTuple)items[i];
                    string? key = KeyString(pair[0]);
                    if (key is null) continue;
                    if (!first)
                    {
                        _sb.Append(_o.ItemSeparator);
                        if (_o.Indent is not null) NewLine(level);
                    }
                    first = false;
                    AppendString(key);
                    _sb.Append(_o.KeySeparator);
                    EncodeValue(pair[1], level);
                }
                if (_o.Indent is not null) { level--; NewLine(level); }
                _sb.Append('}');
            }
            finally
            {
                items.Decref();
                _depth--;
            }
            Unmark(d);
        }

        /// <summary>A dict key as JSON allows it (str, float, bool, None, int), null to skip it (skipkeys).</summary>
        private string? KeyString(PyObject key)
        {
            switch (key)
            {
                case PyStr s: return s.Value;
                case PyFloat f: return FloatStr(f.Value);
                case PyBool b: return ReferenceEquals(b, PyBool.True) ? "true" : "false";
                case PyNone: return "null";
                case PyInt i: return i.ToDecimalString();
            }
            if (_o.SkipKeys) return null;
            throw Exc.TypeError($"keys must be str, int, float, bool or None, not {key.Type.Name}");
        }

        private void AppendString(string s) => AppendQuoted(_sb, s, _o.EnsureAscii);
    }

    /// <summary>encode_basestring_ascii / encode_basestring: s as a JSON string literal.</summary>
    internal static void AppendQuoted(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
            }
            if (c < ' ' || (ensureAscii && c > '~'))
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        sb.Append('"');
    }

    // ------------------------------------------------------------------ module table

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("json");
        m.AddFunction("loads", Loads, "Deserialize s (a str or bytes instance containing a JSON document) to a Python object.");
        m.AddFunction("load", Load, "Deserialize fp (a .read()-supporting file-like object containing a JSON document) to a Python object.");
        m.AddFunction("dumps", Dumps, "Serialize obj to a JSON formatted str.");
        m.AddFunction("dump", Dump, "Serialize obj as a JSON formatted stream to fp (a .write()-supporting file-like object).");
        m.Dict.SetItemString("JSONDecodeError", JSONDecodeError);
        return m;
    }
}
