using System.Text;
using ToyPy.Modules;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// requests.models.Response (requests/models.py). As in requests, the plain
/// attributes (status_code, headers, url, encoding, history, reason, request)
/// live in the instance __dict__ and may be reassigned; content, text, ok,
/// is_redirect and apparent_encoding are properties computed from them, so
/// `r.encoding = 'utf-8'` changes r.text and `r.status_code = 500` changes
/// r.ok. The body is read completely before the object exists (requests'
/// stream=False); content is that one bytes object.
/// </summary>
public sealed class PyResponse : PyObject
{
    public static readonly PyType ResponseType = StaticTypeRegistry.Register(PyType.NewBuiltin("Response", PyTypes.Object));

    private PyDict _dict;
    private PyBytes _content;

    /// <summary>A response over content (stolen); the caller fills the attributes.</summary>
    public PyResponse(PyBytes content) : base(ResponseType)
    {
        _dict = new PyDict();
        _content = content;
    }

    static PyResponse()
    {
        ResponseType.ModuleName = "requests.models";
        ResponseType.Doc = "The :class:`Response <Response>` object, which contains a\nserver's response to an HTTP request.\n";
        InitType(ResponseType);
    }

    public override PyDict? InstanceDict => _dict;

    public PyBytes Content => _content;

    /// <summary>An attribute from the instance dict (borrowed), AttributeError when deleted.</summary>
    private PyObject Attr(string name) =>
        _dict.GetItemString(name) ?? throw Exc.AttributeError($"'Response' object has no attribute '{name}'");

    /// <summary>Set an attribute from host code (the value is borrowed).</summary>
    public void SetAttribute(string name, PyObject value) => _dict.SetItemString(name, value);

    /// <summary>Set an attribute from host code, stealing the value's reference.</summary>
    public void SetAttributeStealing(string name, PyObject value)
    {
        _dict.SetItemString(name, value);
        value.Decref();
    }

    public override PyStr Repr()
    {
        using var code = new TempRef(Ops.Format(Attr("status_code"), ""));
        return PyStr.FromString($"<Response [{((PyStr)code.Value).Value}]>");
    }

    /// <summary>__bool__ is ok.</summary>
    public override bool IsTrue() => HttpErrorMessage() is null;

    /// <summary>__iter__: iter_content(128).</summary>
    public override PyObject GetIter()
    {
        using var chunks = new TempRef(Chunks(128, decodeUnicode: false));
        return chunks.Value.GetIter();
    }

    public override void Traverse(Action<PyObject> visit)
    {
        visit(_dict);
        visit(_content);
    }

    protected internal override void ClearReferences()
    {
        var d = _dict; _dict = null!; d.Decref();
        var c = _content; _content = null!; c.Decref();
    }

    // ------------------------------------------------------------------ behaviour shared by the methods

    /// <summary>raise_for_status's message, or null when the status is not an error.</summary>
    internal string? HttpErrorMessage()
    {
        var status = Attr("status_code");
        var reasonObj = Attr("reason");
        string reason = reasonObj switch
        {
            PyBytes b => DecodeReason(b.Value),
            _ => Ops.StrString(reasonObj),
        };
        using var c400 = new TempRef(PyInt.FromLong(400));
        using var c500 = new TempRef(PyInt.FromLong(500));
        using var c600 = new TempRef(PyInt.FromLong(600));
        string kind;
        if (Ops.RichCompareBool(c400.Value, status, Bytecode.ComparisonOperation.Le) && Ops.RichCompareBool(status, c500.Value, Bytecode.ComparisonOperation.Lt))
            kind = "Client";
        else if (Ops.RichCompareBool(c500.Value, status, Bytecode.ComparisonOperation.Le) && Ops.RichCompareBool(status, c600.Value, Bytecode.ComparisonOperation.Lt))
            kind = "Server";
        else return null;
        return $"{Ops.StrString(status)} {kind} Error: {reason} for url: {Ops.StrString(Attr("url"))}";
    }

    private static string DecodeReason(byte[] b)
    {
        try { return new UTF8Encoding(false, true).GetString(b); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(b); }
    }

    /// <summary>requests.utils.get_encoding_from_headers.</summary>
    internal static string? EncodingFromHeaders(PyHeaders headers)
    {
        if (headers.Find("content-type") is not PyStr ct || ct.Value.Length == 0) return null;
        var tokens = ct.Value.Split(';');
        string contentType = tokens[0].Trim();
        string? charset = null;
        foreach (var raw in tokens.Skip(1))
        {
            string param = raw.Trim();
            if (param.Length == 0) continue;
            int eq = param.IndexOf('=');
            if (eq < 0) continue;
            string key = param[..eq].Trim('"', '\'', ' ').ToLowerInvariant();
            if (key == "charset") charset = param[(eq + 1)..].Trim('"', '\'', ' ');
        }
        if (charset is not null) return charset.Trim('\'', '"');
        if (contentType.Contains("text")) return "ISO-8859-1";
        if (contentType.Contains("application/json")) return "utf-8";
        return null;
    }

    /// <summary>
    /// Response.apparent_encoding. requests asks charset_normalizer; this
    /// answers what it says for the common cases (ASCII, UTF-8, empty) and
    /// ISO-8859-1 for anything else.
    /// </summary>
    internal string ApparentEncoding()
    {
        var b = _content.Value;
        if (b.Length == 0) return "utf-8";
        if (b.All(x => x < 0x80)) return "ascii";
        try { new UTF8Encoding(false, true).GetString(b); return "utf-8"; }
        catch (DecoderFallbackException) { return "ISO-8859-1"; }
    }

    /// <summary>str(content, encoding, errors='replace'), falling back to UTF-8 for an unknown encoding (requests' rule).</summary>
    internal static string DecodeText(byte[] content, string? encoding)
    {
        if (encoding is not null)
        {
            string canonical = TextCodecs.CanonicalName(encoding);
            if (canonical is "utf-8" or "ascii" or "latin-1") return TextCodecs.Decode(content, canonical, "replace");
            Encoding? e = canonical switch
            {
                "utf-16" or "utf16" => Encoding.Unicode,
                "utf-16-le" or "utf-16le" => new UnicodeEncoding(false, false),
                "utf-16-be" or "utf-16be" => new UnicodeEncoding(true, false),
                "utf-32" or "utf32" or "utf-32-le" or "utf-32le" => new UTF32Encoding(false, false),
                "utf-32-be" or "utf-32be" => new UTF32Encoding(true, false),
                _ => null,
            };
            if (e is not null)
            {
                var s = e.GetString(content);
                return s.Length > 0 && s[0] == '\uFEFF' && canonical is "utf-16" or "utf16" or "utf-32" or "utf32" ? s[1..] : s;
            }
        }
        return TextCodecs.Decode(content, "utf-8", "replace");
    }

    /// <summary>Response.text.</summary>
    internal string Text()
    {
        if (_content.Value.Length == 0) return "";
        var enc = Attr("encoding");
        string? encoding = enc is PyStr s ? s.Value : enc is PyNone ? ApparentEncoding() : null;
        return DecodeText(_content.Value, encoding);
    }

    /// <summary>iter_content's chunks as a list (the content is already read).</summary>
    internal PyList Chunks(long? chunkSize, bool decodeUnicode)
    {
        var b = _content.Value;
        long size = chunkSize is long n && n > 0 ? n : b.Length;
        var list = new PyList();
        string? encoding = decodeUnicode && Attr("encoding") is PyStr es ? es.Value : null;
        if (encoding is not null)
        {
            // stream_decode_response_unicode: an incremental decoder over the byte chunks.
            var text = DecodeText(b, encoding);
            var pieces = new List<string>();
            Decoder? dec = TextCodecs.CanonicalName(encoding) == "utf-8" ? new UTF8Encoding(false, false).GetDecoder() : null;
            for (long pos = 0; pos < b.Length; pos += size)
            {
                int len = (int)Math.Min(size, b.Length - pos);
                if (dec is not null)
                {
                    var chars = new char[dec.GetCharCount(b, (int)pos, len, flush: pos + len >= b.Length)];
                    dec.GetChars(b, (int)pos, len, chars, 0, flush: pos + len >= b.Length);
                    if (chars.Length > 0) pieces.Add(new string(chars));
                }
                else pieces.Add(DecodeText(b[(int)pos..(int)(pos + len)], encoding));
            }
            if (dec is null && pieces.Count == 0 && text.Length > 0) pieces.Add(text);
            foreach (var p in pieces) list.AppendStealing(PyStr.FromString(p));
            return list;
        }
        for (long pos = 0; pos < b.Length; pos += size)
        {
            int len = (int)Math.Min(size, b.Length - pos);
            list.AppendStealing(PyBytes.FromBytes(b.AsSpan((int)pos, len).ToArray()));
        }
        return list;
    }

    /// <summary>iter_lines: requests' algorithm over iter_content chunks (splitlines, a pending tail between chunks).</summary>
    internal PyList Lines(long? chunkSize, bool decodeUnicode, PyObject? delimiter)
    {
        using var chunks = new TempRef(Chunks(chunkSize, decodeUnicode));
        var result = new PyList();
        PyObject? pending = null;
        try
        {
            foreach (var chunk0 in ((PyList)chunks.Value).Items.Take(((PyList)chunks.Value).Count).ToArray())
            {
                PyObject chunk = pending is not null ? Ops.BinaryOp(pending, chunk0, Bytecode.BinaryOperation.Add) : chunk0.NewRef();
                pending?.Decref();
                pending = null;
                using var c = new TempRef(chunk);
                using var lines = new TempRef(delimiter is not null && Ops.IsTrue(delimiter)
                    ? Ops.CallMethod(chunk, "split", new[] { delimiter })
                    : Ops.CallMethod(chunk, "splitlines", ReadOnlySpan<PyObject>.Empty));
                var l = (PyList)lines.Value;
                int count = l.Count;
                if (count > 0 && Ops.IsTrue(l[count - 1]) && Ops.IsTrue(chunk) && LastEqual(l[count - 1], chunk))
                {
                    pending = l[count - 1].NewRef();
                    count--;
                }
                for (int i = 0; i < count; i++) result.Append(l[i]);
            }
            if (pending is not null) result.Append(pending);
        }
        catch { result.Decref(); throw; }
        finally { pending?.Decref(); }
        return result;
    }

    /// <summary>lines[-1][-1] == chunk[-1].</summary>
    private static bool LastEqual(PyObject line, PyObject chunk) => (line, chunk) switch
    {
        (PyBytes a, PyBytes b) => a.Value[^1] == b.Value[^1],
        (PyStr a, PyStr b) => a.Value[^1] == b.Value[^1],
        _ => false,
    };

    // ------------------------------------------------------------------ methods and properties

    private static PyResponse Self(ReadOnlySpan<PyObject> a, string name)
    {
        if (a.Length == 0 || a[0] is not PyResponse r) throw Exc.TypeError($"descriptor '{name}' requires a 'Response' object");
        return r;
    }

    private static void AddProperty(PyType t, string name, Func<PyResponse, PyObject> get, string doc)
    {
        var fn = new PyBuiltinFunction(name, (a, k) =>
        {
            ArgParser.Positional(name, a, k, 1, 1);
            return get(Self(a, name));
        }, doc);
        var prop = new PyProperty(fn, null, null, null);
        fn.Decref();
        t.AddAttr(name, prop);
        prop.Decref();
    }

    private static long? ChunkSizeArg(PyObject? o)
    {
        if (o is null || o is PyNone) return null;
        if (o is PyInt i && o is not PyBool) return i.AsLong();
        throw Exc.TypeError($"chunk_size must be an int, it is instead a {Ops.ReprString(o.Type)}.");
    }

    private static void InitType(PyType t)
    {
        SlotWrappers.AddStandardSlots(t);
        AddProperty(t, "content", r => r._content.NewRef(), "Content of the response, in bytes.");
        AddProperty(t, "text", r => PyStr.FromString(r.Text()), "Content of the response, in unicode.");
        AddProperty(t, "ok", r => PyBool.From(r.HttpErrorMessage() is null),
            "Returns True if :attr:`status_code` is less than 400, False if not.");
        AddProperty(t, "is_redirect", r => PyBool.From(
            r.Attr("headers") is PyHeaders h && h.Find("location") is not null && IsStatusIn(r.Attr("status_code"), 301, 302, 303, 307, 308)),
            "True if this Response is a well-formed HTTP redirect that could have been processed automatically.");
        AddProperty(t, "is_permanent_redirect", r => PyBool.From(
            r.Attr("headers") is PyHeaders h && h.Find("location") is not null && IsStatusIn(r.Attr("status_code"), 301, 308)),
            "True if this Response one of the permanent versions of redirect.");
        AddProperty(t, "apparent_encoding", r => PyStr.FromString(r.ApparentEncoding()),
            "The apparent encoding, provided by the charset_normalizer or chardet libraries.");
        AddProperty(t, "next", r => PyNone.Instance.NewRef(),
            "Returns a PreparedRequest for the next request in a redirect chain, if there is one.");

        t.AddMethod("json", (a, k) =>
        {
            var r = Self(a, "json");
            if (a.Length - (k?.Count ?? 0) > 1) throw Exc.TypeError($"Response.json() takes 1 positional argument but {a.Length - (k?.Count ?? 0)} were given");
            return RequestsModule.ResponseJson(r, a[1..], k);
        }, "Decodes the JSON response body (if any) as a Python object.");
        t.AddMethod("raise_for_status", (a, k) =>
        {
            ArgParser.Positional("raise_for_status", a, k, 1, 1);
            var r = Self(a, "raise_for_status");
            var msg = r.HttpErrorMessage();
            if (msg is not null) throw RequestsModule.HttpError(msg, r);
            return PyNone.Instance.NewRef();
        }, "Raises :class:`HTTPError`, if one occurred.");
        t.AddMethod("iter_content", (a, k) =>
        {
            var p = ArgParser.Parse("iter_content", a[1..], k, 0, 2, "chunk_size", "decode_unicode");
            var r = Self(a, "iter_content");
            long? size = p[0] is null ? 1 : ChunkSizeArg(p[0]);
            using var chunks = new TempRef(r.Chunks(size, p[1] is not null && Ops.IsTrue(p[1]!)));
            return chunks.Value.GetIter();
        }, "Iterates over the response data.");
        t.AddMethod("iter_lines", (a, k) =>
        {
            var p = ArgParser.Parse("iter_lines", a[1..], k, 0, 3, "chunk_size", "decode_unicode", "delimiter");
            var r = Self(a, "iter_lines");
            long? size = p[0] is null ? 512 : ChunkSizeArg(p[0]);
            var delimiter = p[2] is null or PyNone ? null : p[2];
            using var lines = new TempRef(r.Lines(size, p[1] is not null && Ops.IsTrue(p[1]!), delimiter));
            return lines.Value.GetIter();
        }, "Iterates over the response data, one line at a time.");
        t.AddMethod("close", (a, k) => { ArgParser.Positional("close", a, k, 1, 1); Self(a, "close"); return PyNone.Instance.NewRef(); },
            "Releases the connection back to the pool.");
        t.AddMethod("__enter__", (a, k) => { ArgParser.Positional("__enter__", a, k, 1, 1); return Self(a, "__enter__").NewRef(); });
        t.AddMethod("__exit__", (a, k) => { Self(a, "__exit__"); return PyNone.Instance.NewRef(); });
        t.AddMethod("__bool__", (a, k) => { ArgParser.Positional("__bool__", a, k, 1, 1); return PyBool.From(Self(a, "__bool__").IsTrue()); });
    }

    private static bool IsStatusIn(PyObject status, params int[] codes) =>
        status is PyInt i && !i.IsBig && codes.Contains((int)Math.Clamp(i.Value, int.MinValue, int.MaxValue));
}

/// <summary>requests.models.PreparedRequest: method, url, headers and body of a request as sent.</summary>
public sealed class PyPreparedRequest : PyObject
{
    public static readonly PyType PreparedRequestType = StaticTypeRegistry.Register(PyType.NewBuiltin("PreparedRequest", PyTypes.Object));

    private PyDict _dict = new();

    public PyPreparedRequest() : base(PreparedRequestType) { }

    static PyPreparedRequest()
    {
        PreparedRequestType.ModuleName = "requests.models";
        SlotWrappers.AddStandardSlots(PreparedRequestType);
        var fn = new PyBuiltinFunction("path_url", (a, k) =>
        {
            if (a.Length != 1 || a[0] is not PyPreparedRequest p) throw Exc.TypeError("path_url expects a PreparedRequest");
            var url = p._dict.GetItemString("url");
            return PyStr.FromString(RequestsUrl.PathUrl(url is PyStr s ? s.Value : ""));
        });
        var prop = new PyProperty(fn, null, null, null);
        fn.Decref();
        PreparedRequestType.AddAttr("path_url", prop);
        prop.Decref();
    }

    public override PyDict? InstanceDict => _dict;

    public void SetAttributeStealing(string name, PyObject value)
    {
        _dict.SetItemString(name, value);
        value.Decref();
    }

    public override PyStr Repr()
    {
        var m = _dict.GetItemString("method");
        return PyStr.FromString($"<PreparedRequest [{(m is null ? "None" : Ops.StrString(m))}]>");
    }

    public override void Traverse(Action<PyObject> visit) => visit(_dict);

    protected internal override void ClearReferences()
    {
        var d = _dict; _dict = null!; d.Decref();
    }
}
