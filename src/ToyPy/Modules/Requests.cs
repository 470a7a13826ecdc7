using System.Globalization;
using System.Text;
using ToyPy.Objects;
using ToyPy.Runtime;
using static ToyPy.Modules.RequestsHttp;

namespace ToyPy.Modules;

/// <summary>
/// The requests module (requests 2.x: api.py, sessions.py, models.py,
/// exceptions.py): get / post / put / patch / delete / head / options /
/// request, the Response and PreparedRequest types, requests.codes, and the
/// exception classes with requests' hierarchy, in requests.exceptions.
///
/// A call goes in three steps, and only the middle one waits:
///  1. with the GIL: the Python arguments become plain .NET values
///     (RequestsHttp.HttpRequestSpec), as PreparedRequest.prepare does it:
///     URL normalisation, params and form encoding, JSON body, merged headers;
///  2. without it: BlockingCall.Run(ts, () => RequestsHttp.Perform(spec))
///     connects, sends, reads the response and follows redirects, touching no
///     Python object (see Requests.Http.cs for the protocol and why it is
///     sockets and not HttpClient);
///  3. with the GIL again: the responses become Response objects, or the
///     failure becomes the requests exception it is named after.
/// Nothing is created when the module is imported beyond its namespace: no
/// client, no connection, no thread.
///
/// requests' exception classes with two bases (ConnectTimeout is a
/// ConnectionError and a Timeout; MissingSchema / InvalidURL / InvalidHeader
/// / InvalidSchema are also ValueErrors; JSONDecodeError is also
/// json.JSONDecodeError) get the MRO CPython computes for them (C3), so
/// `except requests.Timeout` catches a ConnectTimeout exactly as it does under
/// CPython. ToyPy classes take one base, so __bases__ shows the first one only.
///
/// Not provided: Session, requests.auth objects (auth=(user, pass) works),
/// files= uploads, proxies, client certificates, cookies on the response,
/// Response.elapsed / raw / links, urllib3's InsecureRequestWarning.
/// Exceptions carry their message as a str argument where requests wraps a
/// urllib3 exception object: str(e) is the same, repr(e) is not.
/// </summary>
public static class RequestsModule
{
    // ------------------------------------------------------------------ exceptions (requests/exceptions.py)

    public static readonly PyType RequestException = MakeException("RequestException", ExceptionTypes.OSError);
    public static readonly PyType InvalidJSONError = MakeException("InvalidJSONError", RequestException);
    public static readonly PyType JSONDecodeError = MakeException("JSONDecodeError", InvalidJSONError, JsonModule.JSONDecodeError);
    public static readonly PyType HTTPError = MakeException("HTTPError", RequestException);
    public static readonly PyType ConnectionError = MakeException("ConnectionError", RequestException);
    public static readonly PyType ProxyError = MakeException("ProxyError", ConnectionError);
    public static readonly PyType SSLError = MakeException("SSLError", ConnectionError);
    public static readonly PyType Timeout = MakeException("Timeout", RequestException);
    public static readonly PyType ConnectTimeout = MakeException("ConnectTimeout", ConnectionError, Timeout);
    public static readonly PyType ReadTimeout = MakeException("ReadTimeout", Timeout);
    public static readonly PyType URLRequired = MakeException("URLRequired", RequestException);
    public static readonly PyType TooManyRedirects = MakeException("TooManyRedirects", RequestException);
    public static readonly PyType MissingSchema = MakeException("MissingSchema", RequestException, ExceptionTypes.ValueError);
    public static readonly PyType InvalidSchema = MakeException("InvalidSchema", RequestException, ExceptionTypes.ValueError);
    public static readonly PyType InvalidURL = MakeException("InvalidURL", RequestException, ExceptionTypes.ValueError);
    public static readonly PyType InvalidHeader = MakeException("InvalidHeader", RequestException, ExceptionTypes.ValueError);
    public static readonly PyType InvalidProxyURL = MakeException("InvalidProxyURL", InvalidURL);
    public static readonly PyType ChunkedEncodingError = MakeException("ChunkedEncodingError", RequestException);
    public static readonly PyType ContentDecodingError = MakeException("ContentDecodingError", RequestException);
    public static readonly PyType StreamConsumedError = MakeException("StreamConsumedError", RequestException, ExceptionTypes.TypeError);
    public static readonly PyType RetryError = MakeException("RetryError", RequestException);
    public static readonly PyType UnrewindableBodyError = MakeException("UnrewindableBodyError", RequestException);

    private static PyType[] AllExceptions() => new[]
    {
        RequestException, InvalidJSONError, JSONDecodeError, HTTPError, ConnectionError, ProxyError, SSLError,
        Timeout, ConnectTimeout, ReadTimeout, URLRequired, TooManyRedirects, MissingSchema, InvalidSchema,
        InvalidURL, InvalidHeader, InvalidProxyURL, ChunkedEncodingError, ContentDecodingError,
        StreamConsumedError, RetryError, UnrewindableBodyError,
    };

    private static PyType MakeException(string name, PyType first, params PyType[] more)
    {
        var t = PyType.NewBuiltin(name, first, ExceptionNew, PyBaseException.Alloc);
        t.ModuleName = "requests.exceptions";
        if (more.Length > 0) t.Mro = C3(t, new[] { first }.Concat(more).ToArray());
        if (name == "RequestException")
        {
            t.Doc = "There was an ambiguous exception that occurred while handling your\nrequest.\n";
            // A Python subclass is built by allocation then __init__: take response= and request= there.
            t.AddMethod("__init__", (a, k) =>
            {
                if (a.Length == 0 || a[0] is not PyBaseException self) throw Exc.TypeError("descriptor '__init__' requires a 'RequestException' object");
                InitException(self, a[1..], k);
                return PyNone.Instance.NewRef();
            });
        }
        return StaticTypeRegistry.Register(t);
    }

    /// <summary>C3 linearisation (Objects/typeobject.c mro_internal) of a class with several bases.</summary>
    private static PyType[] C3(PyType t, PyType[] bases)
    {
        var seqs = bases.Select(b => b.Mro.ToList()).Append(bases.ToList()).ToList();
        var result = new List<PyType> { t };
        while (true)
        {
            seqs.RemoveAll(s => s.Count == 0);
            if (seqs.Count == 0) return result.ToArray();
            PyType? head = null;
            foreach (var s in seqs)
            {
                var candidate = s[0];
                if (!seqs.Any(other => other.IndexOf(candidate) > 0)) { head = candidate; break; }
            }
            if (head is null) throw new InvalidOperationException($"no consistent MRO for {t.Name}");
            result.Add(head);
            foreach (var s in seqs) if (s.Count > 0 && ReferenceEquals(s[0], head)) s.RemoveAt(0);
        }
    }

    /// <summary>RequestException(*args, response=None, request=None) (and the JSONDecodeError form).</summary>
    private static PyObject ExceptionNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var e = (PyBaseException)PyBaseException.Alloc(type);
        try { InitException(e, args, kwnames); }
        catch { e.Decref(); throw; }
        return e;
    }

    /// <summary>RequestException.__init__: args from the positionals, response / request attributes from the keywords.</summary>
    private static void InitException(PyBaseException self, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        PyObject response = PyNone.Instance, request = PyNone.Instance;
        for (int i = 0; i < nkw; i++)
        {
            string name = ((PyStr)kwnames![i]).Value;
            if (name == "response") response = args[npos + i];
            else if (name == "request") request = args[npos + i];
            else throw Exc.TypeError($"{self.Type.Name}() takes no keyword arguments");
        }
        if (self.Type.IsSubtypeOf(JsonModule.JSONDecodeError)) JsonModule.InitDecodeError(self, args[..npos], null);
        else
        {
            var old = self.Args;
            self.Args = PyTuple.FromSpan(args[..npos]);
            old.Decref();
        }
        // requests: a response's request stands in for a missing request=.
        if (request is PyNone && response is not PyNone && response.InstanceDict?.GetItemString("request") is { } rr) request = rr;
        var dict = self.InstanceDict!;
        dict.SetItemString("response", response);
        dict.SetItemString("request", request);
    }

    /// <summary>An exception of type with one str argument and the response / request attributes (borrowed, may be null for None).</summary>
    internal static PyException Error(PyType type, string message, PyObject? response = null, PyObject? request = null)
    {
        var e = (PyBaseException)PyBaseException.Alloc(type);
        var old = e.Args;
        e.Args = PyTuple.Create(PyStr.FromString(message));
        old.Decref();
        if (request is null && response?.InstanceDict?.GetItemString("request") is { } rr) request = rr;
        var dict = e.InstanceDict!;
        dict.SetItemString("response", response ?? PyNone.Instance);
        dict.SetItemString("request", request ?? PyNone.Instance);
        return new PyException(e);
    }

    /// <summary>The HTTPError raise_for_status raises.</summary>
    internal static PyException HttpError(string message, PyResponse response) => Error(HTTPError, message, response);

    private static PyType TypeForFailure(string kind) => kind switch
    {
        "ConnectTimeout" => ConnectTimeout,
        "ReadTimeout" => ReadTimeout,
        "SSLError" => SSLError,
        "ChunkedEncodingError" => ChunkedEncodingError,
        "ContentDecodingError" => ContentDecodingError,
        "TooManyRedirects" => TooManyRedirects,
        "InvalidURL" => InvalidURL,
        "InvalidSchema" => InvalidSchema,
        "MissingSchema" => MissingSchema,
        "InvalidHeader" => InvalidHeader,
        _ => ConnectionError,
    };

    // ------------------------------------------------------------------ Response.json (models.py)

    /// <summary>Response.json(**kwargs): the body through json.loads, requests.exceptions.JSONDecodeError when it is not JSON.</summary>
    internal static PyObject ResponseJson(PyResponse r, ReadOnlySpan<PyObject> kwValues, PyTuple? kwnames)
    {
        var opts = JsonModule.ParseDecodeOptions(kwValues, kwnames);
        opts.ErrorType = JSONDecodeError;
        var content = r.Content.Value;
        var enc = r.InstanceDict!.GetItemString("encoding");
        bool noEncoding = enc is null || !Ops.IsTrue(enc);
        try
        {
            if (noEncoding && content.Length > 3 && GuessJsonUtf(content) is { } guessed)
            {
                string? text = null;
                try { text = DecodeStrict(content, guessed); }
                catch (DecoderFallbackException) { }
                if (text is not null)
                {
                    using var s = new TempRef(PyStr.FromString(text));
                    return JsonModule.LoadsObject(s.Value, opts);
                }
            }
            using var t = new TempRef(PyStr.FromString(r.Text()));
            return JsonModule.LoadsObject(t.Value, opts);
        }
        catch (PyException e) when (ReferenceEquals(e.Value.Type, JSONDecodeError))
        {
            var dict = e.Value.InstanceDict!;
            dict.SetItemString("response", PyNone.Instance);
            dict.SetItemString("request", PyNone.Instance);
            throw;
        }
    }

    /// <summary>requests.utils.guess_json_utf: the UTF flavour from BOMs and the NUL pattern of the first four bytes.</summary>
    private static string? GuessJsonUtf(byte[] data)
    {
        bool Starts(params byte[] p) => data.Length >= p.Length && data.AsSpan(0, p.Length).SequenceEqual(p);
        if (Starts(0, 0, 0xFE, 0xFF) || Starts(0xFF, 0xFE, 0, 0)) return "utf-32";
        if (Starts(0xEF, 0xBB, 0xBF)) return "utf-8-sig";
        if (Starts(0xFE, 0xFF) || Starts(0xFF, 0xFE)) return "utf-16";
        int nulls = 0;
        for (int i = 0; i < 4; i++) if (data[i] == 0) nulls++;
        if (nulls == 0) return "utf-8";
        if (nulls == 2)
        {
            if (data[0] == 0 && data[2] == 0) return "utf-16-be";
            if (data[1] == 0 && data[3] == 0) return "utf-16-le";
        }
        if (nulls == 3)
        {
            if (data[0] == 0 && data[1] == 0 && data[2] == 0) return "utf-32-be";
            if (data[1] == 0 && data[2] == 0 && data[3] == 0) return "utf-32-le";
        }
        return null;
    }

    private static string DecodeStrict(byte[] data, string encoding)
    {
        switch (encoding)
        {
            case "utf-8": return new UTF8Encoding(false, true).GetString(data);
            case "utf-8-sig": return new UTF8Encoding(false, true).GetString(data, 3, data.Length - 3);
            case "utf-16":
            {
                bool big = data[0] == 0xFE;
                return new UnicodeEncoding(big, false, true).GetString(data, 2, data.Length - 2);
            }
            case "utf-16-be": return new UnicodeEncoding(true, false, true).GetString(data);
            case "utf-16-le": return new UnicodeEncoding(false, false, true).GetString(data);
            case "utf-32":
            {
                bool big = data[0] == 0;
                return new UTF32Encoding(big, false, true).GetString(data, 4, data.Length - 4);
            }
            case "utf-32-be": return new UTF32Encoding(true, false, true).GetString(data);
            default: return new UTF32Encoding(false, false, true).GetString(data);
        }
    }

    // ------------------------------------------------------------------ the API functions (api.py)

    /// <summary>Session.request's keyword parameters after method and url.</summary>
    private static readonly string[] s_requestKeywords =
    {
        "params", "data", "headers", "cookies", "files", "auth", "timeout", "allow_redirects",
        "proxies", "hooks", "stream", "verify", "cert", "json",
    };

    /// <summary>
    /// Binds an api function's arguments: its own positional parameters
    /// (names), then **kwargs, which must be Session.request parameters.
    /// Returns url and the options by name (borrowed).
    /// </summary>
    private static Dictionary<string, PyObject> Bind(string fname, ReadOnlySpan<PyObject> a, PyTuple? k, string[] names, int required)
    {
        int nkw = k?.Count ?? 0;
        int npos = a.Length - nkw;
        if (npos > names.Length)
        {
            string range = required == names.Length ? $"{names.Length}" : $"from {required} to {names.Length}";
            throw Exc.TypeError($"{fname}() takes {range} positional argument{(names.Length == 1 ? "" : "s")} but {npos} were given");
        }
        var bound = new Dictionary<string, PyObject>(StringComparer.Ordinal);
        for (int i = 0; i < npos; i++) bound[names[i]] = a[i];
        for (int i = 0; i < nkw; i++)
        {
            string name = ((PyStr)k![i]).Value;
            int at = Array.IndexOf(names, name);
            if (at >= 0 && at < npos) throw Exc.TypeError($"{fname}() got multiple values for argument '{name}'");
            if (at < 0 && Array.IndexOf(s_requestKeywords, name) < 0)
                throw Exc.TypeError($"Session.request() got an unexpected keyword argument '{name}'");
            bound[name] = a[npos + i];
        }
        var missing = names.Take(required).Where(n => !bound.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            string list = missing.Count == 1 ? $"'{missing[0]}'" : string.Join(", ", missing.Take(missing.Count - 1).Select(m => $"'{m}'")) + $" and '{missing[^1]}'";
            throw Exc.TypeError($"{fname}() missing {missing.Count} required positional argument{(missing.Count == 1 ? "" : "s")}: {list}");
        }
        return bound;
    }

    /// <summary>requests.request(method, url, **kwargs).</summary>
    public static PyObject Request(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var b = Bind("request", a, k, new[] { "method", "url" }, 2);
        return Send(b["method"], b);
    }

    private static PyObject Verb(string fname, string method, ReadOnlySpan<PyObject> a, PyTuple? k, string[] names, bool redirectsByDefault = true)
    {
        var b = Bind(fname, a, k, names, 1);
        if (!redirectsByDefault && !b.ContainsKey("allow_redirects")) b["allow_redirects"] = PyBool.False;
        using var m = new TempRef(PyStr.FromString(method));
        return Send(m.Value, b);
    }

    /// <summary>requests.get(url, params=None, **kwargs).</summary>
    public static PyObject Get(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("get", "get", a, k, new[] { "url", "params" });
    /// <summary>requests.options(url, **kwargs).</summary>
    public static PyObject Options(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("options", "options", a, k, new[] { "url" });
    /// <summary>requests.head(url, **kwargs): allow_redirects defaults to False.</summary>
    public static PyObject Head(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("head", "head", a, k, new[] { "url" }, redirectsByDefault: false);
    /// <summary>requests.post(url, data=None, json=None, **kwargs).</summary>
    public static PyObject Post(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("post", "post", a, k, new[] { "url", "data", "json" });
    /// <summary>requests.put(url, data=None, **kwargs).</summary>
    public static PyObject Put(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("put", "put", a, k, new[] { "url", "data" });
    /// <summary>requests.patch(url, data=None, **kwargs).</summary>
    public static PyObject Patch(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("patch", "patch", a, k, new[] { "url", "data" });
    /// <summary>requests.delete(url, **kwargs).</summary>
    public static PyObject Delete(ReadOnlySpan<PyObject> a, PyTuple? k) => Verb("delete", "delete", a, k, new[] { "url" });

    private static PyObject? Opt(Dictionary<string, PyObject> b, string name) =>
        b.TryGetValue(name, out var v) && v is not PyNone ? v : null;

    /// <summary>Prepare, send without the GIL, build the response: the whole of Session.request.</summary>
    private static PyObject Send(PyObject methodObj, Dictionary<string, PyObject> b)
    {
        var spec = Prepare(methodObj, b);
        var ts = PyThreadState.Current;
        HttpResult result = BlockingCall.Run(ts, () => Perform(spec));
        return BuildResult(result, spec);
    }

    // ------------------------------------------------------------------ PreparedRequest.prepare (models.py)

    private static string ToNativeString(PyObject o) => o switch
    {
        PyStr s => s.Value,
        PyBytes by => TextCodecs.Decode(by.Value, "utf-8", "strict"),
        _ => Ops.StrString(o),
    };

    /// <summary>The arguments as plain values: what PreparedRequest holds and the adapter's settings.</summary>
    private static HttpRequestSpec Prepare(PyObject methodObj, Dictionary<string, PyObject> b)
    {
        var spec = new HttpRequestSpec();
        // prepare_method
        using (var upper = new TempRef(Ops.CallMethod(methodObj, "upper", ReadOnlySpan<PyObject>.Empty)))
            spec.Method = ToNativeString(upper.Value);

        // prepare_url
        var urlObj = b["url"];
        string url = urlObj is PyBytes ub ? TextCodecs.Decode(ub.Value, "utf-8", "strict") : Ops.StrString(urlObj);
        var paramsObj = Opt(b, "params");
        string encodedParams = paramsObj is null ? "" : EncodeParams(paramsObj);
        try { spec.Url = RequestsUrl.PrepareUrl(url, encodedParams); }
        catch (RequestsUrl.PrepareError e) { throw Error(TypeForFailure(e.Kind), e.Message); }

        // prepare_headers: the session's defaults, then the request's, None removing one.
        var headers = new PyHeaders();
        using var headersRef = new TempRef(headers);
        headers.Set("User-Agent", $"python-requests/{RequestsHttp.Version}");
        headers.Set("Accept-Encoding", "gzip, deflate");
        headers.Set("Accept", "*/*");
        headers.Set("Connection", "keep-alive");
        if (Opt(b, "headers") is { } userHeaders) headers.Update(userHeaders);
        foreach (var (key, value) in headers.ItemsBorrowed().ToList())
        {
            if (value is PyNone)
            {
                using var kk = new TempRef(PyStr.FromString(key));
                headers.DelItem(kk.Value);
            }
        }
        foreach (var (key, value) in headers.ItemsBorrowed()) CheckHeader(key, value);

        // prepare_cookies
        if (Opt(b, "cookies") is PyDict cookies && cookies.Count > 0)
        {
            var parts = cookies.Items().Select(kv => $"{Ops.StrString(kv.Key)}={Ops.StrString(kv.Value)}");
            headers.Set("Cookie", string.Join("; ", parts));
        }

        // prepare_body
        if (Opt(b, "files") is { } files && Ops.IsTrue(files))
            throw Exc.NotImplementedError("requests files= uploads are not supported by ToyPy");
        byte[]? body = null;
        string? contentType = null;
        var data = Opt(b, "data");
        var json = Opt(b, "json");
        bool hasData = data is not null && Ops.IsTrue(data);
        if (!hasData && json is not null)
        {
            contentType = "application/json";
            string text;
            try { text = JsonModule.Encode(json, new JsonModule.EncodeOptions { AllowNan = false }); }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.ValueError))
            {
                var inner = e.Value;
                try { throw Error(InvalidJSONError, Ops.StrString(inner)); }
                finally { inner.Decref(); }
            }
            body = Encoding.UTF8.GetBytes(text);
        }
        else if (hasData)
        {
            if (data is PyStr ds)
            {
                body = TextCodecs.Encode(ds.Value, "latin-1", "strict");
                spec.BodyIsText = true;
            }
            else if (data is PyBytes db)
            {
                body = db.Value;
            }
            else if (Ops.GetAttrOrNull(data!, "read") is { } read)
            {
                using var readRef = new TempRef(read);
                using var content = new TempRef(Ops.Call0(read));
                body = content.Value is PyBytes rb ? rb.Value : TextCodecs.Encode(Ops.StrString(content.Value), "latin-1", "strict");
                spec.BodyIsText = content.Value is not PyBytes;
            }
            else
            {
                body = Encoding.ASCII.GetBytes(EncodeParams(data!));
                spec.BodyIsText = true;
                contentType = "application/x-www-form-urlencoded";
            }
        }
        // prepare_content_length
        if (body is not null)
        {
            if (body.Length > 0) headers.Set("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
        }
        else if (spec.Method is not ("GET" or "HEAD") && headers.Find("Content-Length") is null)
            headers.Set("Content-Length", "0");
        if (contentType is not null && headers.Find("content-type") is null) headers.Set("Content-Type", contentType);
        spec.Body = body;

        // prepare_auth: auth=(user, password), else credentials in the URL.
        var auth = Opt(b, "auth");
        (string User, string Password)? credentials = null;
        if (auth is PyTuple { Count: 2 } at) credentials = (AuthPart(at[0]), AuthPart(at[1]));
        else if (auth is not null)
        {
            if (auth is PyTuple) throw Exc.ValueError("too many values to unpack (expected 2)");
            throw Exc.NotImplementedError("requests auth objects are not supported by ToyPy: pass auth=(user, password)");
        }
        else credentials = RequestsUrl.AuthFromUrl(spec.Url);
        if (credentials is var (user, password))
        {
            string token = Convert.ToBase64String(TextCodecs.Encode(user + ":" + password, "latin-1", "strict"));
            headers.Set("Authorization", "Basic " + token);
        }

        foreach (var (key, value) in headers.ItemsBorrowed())
        {
            spec.Headers.Add(new(key, value is PyBytes vb ? Encoding.Latin1.GetString(vb.Value) : EncodeHeaderValue(((PyStr)value).Value)));
            if (value is PyBytes) spec.BytesHeaders.Add(key);
        }

        // Adapter settings.
        ParseTimeout(b.TryGetValue("timeout", out var timeout) ? timeout : PyNone.Instance, spec);
        spec.AllowRedirects = !b.TryGetValue("allow_redirects", out var ar) || Ops.IsTrue(ar);
        spec.Verify = !b.TryGetValue("verify", out var verify) || verify is PyNone || Ops.IsTrue(verify);
        if (Opt(b, "proxies") is { } proxies && Ops.IsTrue(proxies))
            throw Exc.NotImplementedError("requests proxies= is not supported by ToyPy");
        if (Opt(b, "cert") is not null)
            throw Exc.NotImplementedError("requests client certificates (cert=) are not supported by ToyPy");
        return spec;
    }

    /// <summary>http.client sends header values as Latin-1 (UnicodeEncodeError otherwise).</summary>
    private static string EncodeHeaderValue(string value)
    {
        TextCodecs.Encode(value, "latin-1", "strict");
        return value;
    }

    private static string AuthPart(PyObject o) => o switch
    {
        PyStr s => s.Value,
        PyBytes by => Encoding.Latin1.GetString(by.Value),
        _ => Ops.StrString(o),
    };

    /// <summary>requests.utils.check_header_validity.</summary>
    private static void CheckHeader(string name, PyObject value)
    {
        if (value is not (PyStr or PyBytes))
        {
            using var nameObj = new TempRef(PyStr.FromString(name));
            using var pair = new TempRef(PyTuple.Create(nameObj.Value.NewRef(), value.NewRef()));
            throw Error(InvalidHeader,
                $"Header part ({Ops.ReprString(value)}) from {Ops.ReprString(pair.Value)} must be of type str or bytes, not {Ops.ReprString(value.Type)}");
        }
        bool nameOk = name.Length > 0 && name[0] != ':' && !IsPyWhitespace(name[0]) && name.IndexOfAny(new[] { ':', '\r', '\n' }, 1) < 0;
        if (!nameOk)
            throw Error(InvalidHeader, $"Invalid leading whitespace, reserved character(s), or return character(s) in header name: {PyStr.ReprOf(name)}");
        string v = value is PyStr s ? s.Value : Encoding.Latin1.GetString(((PyBytes)value).Value);
        bool valueOk = v.Length == 0 || (!IsPyWhitespace(v[0]) && v.IndexOfAny(new[] { '\r', '\n' }) < 0);
        if (!valueOk)
            throw Error(InvalidHeader, $"Invalid leading whitespace, reserved character(s), or return character(s) in header value: {Ops.ReprString(value)}");
    }

    private static bool IsPyWhitespace(char c) => char.IsWhiteSpace(c) || c is '\x1c' or '\x1d' or '\x1e' or '\x1f';

    /// <summary>
    /// RequestEncodingMixin._encode_params: str / bytes pass through; a dict or
    /// a sequence of pairs is urlencoded (doseq: list values repeat the key,
    /// None values are dropped).
    /// </summary>
    private static string EncodeParams(PyObject data)
    {
        if (data is PyStr s) return s.Value;
        if (data is PyBytes raw) return TextCodecs.Decode(raw.Value, "utf-8", "strict");
        List<(PyObject Key, PyObject Value)> pairs;
        var owned = new List<PyObject>();
        try
        {
            if (data is PyDict d) pairs = d.Items();
            else if (data is PyHeaders h) { pairs = h.ItemsNewRefs(); foreach (var (k, v) in pairs) { owned.Add(k); owned.Add(v); } }
            else
            {
                pairs = new List<(PyObject, PyObject)>();
                if (data is not (PyList or PyTuple)) throw Exc.ValueError("cannot encode objects that are not 2-tuples");
                var items = data is PyList l ? l.Items.Take(l.Count).ToArray() : ((PyTuple)data).Items;
                foreach (var item in items)
                {
                    if (item is not PyTuple { Count: 2 } and not PyList { Count: 2 }) throw Exc.ValueError("cannot encode objects that are not 2-tuples");
                    var t = Ops.ToTuple(item);
                    owned.Add(t);
                    pairs.Add((t[0], t[1]));
                }
            }
            var parts = new List<string>();
            foreach (var (key, vs) in pairs)
            {
                IEnumerable<PyObject> values = vs is PyStr or PyBytes || !HasAttr(vs, "__iter__") ? new[] { vs } : IterateOwned(vs, owned);
                foreach (var v in values)
                {
                    if (v is PyNone) continue;
                    string k = QuoteParam(key);
                    if (v is PyStr or PyBytes) parts.Add(k + "=" + QuoteParam(v));
                    else if (v is PyList or PyTuple)
                    {
                        foreach (var elt in IterateOwned(v, owned)) parts.Add(k + "=" + QuoteParam(elt));
                    }
                    else parts.Add(k + "=" + QuoteParam(v));
                }
            }
            return string.Join("&", parts);
        }
        finally { foreach (var o in owned) o.Decref(); }
    }

    private static bool HasAttr(PyObject o, string name)
    {
        var v = Ops.GetAttrOrNull(o, name);
        v?.Decref();
        return v is not null;
    }

    /// <summary>The items of an iterable, kept alive in owned until the caller is done.</summary>
    private static List<PyObject> IterateOwned(PyObject iterable, List<PyObject> owned)
    {
        var list = new List<PyObject>();
        using var it = new TempRef(Ops.GetIter(iterable));
        while (Ops.Next(it.Value) is { } item) { owned.Add(item); list.Add(item); }
        return list;
    }

    /// <summary>quote_plus of a key or value: bytes as they are, str as UTF-8, anything else through str().</summary>
    private static string QuoteParam(PyObject o) => o switch
    {
        PyBytes b => RequestsUrl.QuotePlus(b.Value),
        PyStr s => RequestsUrl.QuotePlus(TextCodecs.Encode(s.Value, "utf-8", "strict")),
        _ => RequestsUrl.QuotePlus(Encoding.UTF8.GetBytes(Ops.StrString(o))),
    };

    /// <summary>HTTPAdapter.send's timeout handling and urllib3's Timeout._validate_timeout.</summary>
    private static void ParseTimeout(PyObject timeout, HttpRequestSpec spec)
    {
        PyObject connect = timeout, read = timeout;
        if (timeout is PyTuple t)
        {
            if (t.Count != 2)
                throw Exc.ValueError($"Invalid timeout {Ops.StrString(t)}. Pass a (connect, read) timeout tuple, or a single float to set both timeouts to the same value.");
            connect = t[0];
            read = t[1];
        }
        try
        {
            (spec.ConnectTimeout, spec.ConnectTimeoutText) = ValidateTimeout(connect, "connect");
            (spec.ReadTimeout, spec.ReadTimeoutText) = ValidateTimeout(read, "read");
        }
        catch (PyException e) when (timeout is PyTuple && e.Value.Type == ExceptionTypes.ValueError)
        {
            // requests rewrites any ValueError of a (connect, read) tuple.
            e.Value.Decref();
            throw Exc.ValueError($"Invalid timeout {Ops.StrString(timeout)}. Pass a (connect, read) timeout tuple, or a single float to set both timeouts to the same value.");
        }
    }

    private static (double?, string) ValidateTimeout(PyObject value, string name)
    {
        if (value is PyNone) return (null, "None");
        if (value is PyBool) throw Exc.ValueError("Timeout cannot be a boolean value. It must be an int, float or None.");
        double seconds;
        if (value is PyInt i) seconds = i.AsDouble();
        else if (value is PyFloat f) seconds = f.Value;
        else throw Exc.ValueError($"Timeout value {name} was {Ops.StrString(value)}, but it must be an int, float or None.");
        string text = Ops.StrString(value);
        if (!(seconds > 0))
        {
            if (double.IsNaN(seconds)) return (null, text);
            throw Exc.ValueError($"Attempted to set {name} timeout to {text}, but the timeout cannot be set to a value less than or equal to 0.");
        }
        return (double.IsInfinity(seconds) ? null : seconds, text);
    }

    // ------------------------------------------------------------------ building the Response (adapters.build_response)

    private static PyObject BuildResult(HttpResult result, HttpRequestSpec spec)
    {
        var built = new List<PyResponse>();
        try
        {
            foreach (var data in result.Responses)
            {
                var r = BuildResponse(data);
                // Each response's history: the responses before it (requests gives the final one all of them).
                var history = new PyList(built.Count);
                foreach (var prev in built) history.Append(prev);
                r.SetAttributeStealing("history", history);
                built.Add(r);
            }
            if (result.Failure is { } f)
            {
                var type = TypeForFailure(f.Kind);
                if (f.Kind == "TooManyRedirects" && built.Count > 0) throw Error(type, f.Text, built[^1]);
                if (f.InBody) throw Error(type, f.Text);
                using var request = new TempRef(BuildPrepared(result.FailedRequest ?? spec));
                throw Error(type, f.Text, null, request.Value);
            }
            return built[^1].NewRef();
        }
        finally { foreach (var r in built) r.Decref(); }
    }

    private static PyPreparedRequest BuildPrepared(HttpRequestSpec req)
    {
        var p = new PyPreparedRequest();
        p.SetAttributeStealing("method", PyStr.FromString(req.Method));
        p.SetAttributeStealing("url", PyStr.FromString(req.Url));
        var h = new PyHeaders();
        foreach (var (k, v) in req.Headers)
        {
            if (!req.BytesHeaders.Contains(k)) { h.Set(k, v); continue; }
            using var key = new TempRef(PyStr.FromString(k));
            using var value = new TempRef(PyBytes.FromBytes(Encoding.Latin1.GetBytes(v)));
            h.Set(key.Value, value.Value);
        }
        p.SetAttributeStealing("headers", h);
        p.SetAttributeStealing("body", req.Body is null ? PyNone.Instance.NewRef()
            : req.BodyIsText ? PyStr.FromString(Encoding.Latin1.GetString(req.Body)) : PyBytes.FromBytes(req.Body));
        return p;
    }

    private static PyResponse BuildResponse(HttpResponseData data)
    {
        var r = new PyResponse(PyBytes.FromBytes(data.Content));
        try
        {
            var headers = new PyHeaders();
            foreach (var (k, v) in data.Headers) headers.Set(k, v);
            r.SetAttributeStealing("status_code", PyInt.FromLong(data.Status));
            r.SetAttribute("headers", headers);
            r.SetAttributeStealing("url", PyStr.FromString(data.Url));
            string? encoding = PyResponse.EncodingFromHeaders(headers);
            r.SetAttributeStealing("encoding", encoding is null ? PyNone.Instance.NewRef() : PyStr.FromString(encoding));
            r.SetAttributeStealing("reason", PyStr.FromString(data.Reason));
            r.SetAttributeStealing("request", BuildPrepared(data.Request));
            headers.Decref();
        }
        catch { r.Decref(); throw; }
        return r;
    }

    // ------------------------------------------------------------------ requests.codes (status_codes.py)

    private static readonly (int Code, string Names)[] s_codes =
    {
        (100, "continue"), (101, "switching_protocols"), (102, "processing early-hints"), (103, "checkpoint"),
        (122, "uri_too_long request_uri_too_long"), (200, "ok okay all_ok all_okay all_good \\o/ \u2713"),
        (201, "created"), (202, "accepted"), (203, "non_authoritative_info non_authoritative_information"),
        (204, "no_content"), (205, "reset_content reset"), (206, "partial_content partial"),
        (207, "multi_status multiple_status multi_stati multiple_stati"), (208, "already_reported"), (226, "im_used"),
        (300, "multiple_choices"), (301, "moved_permanently moved \\o-"), (302, "found"), (303, "see_other other"),
        (304, "not_modified"), (305, "use_proxy"), (306, "switch_proxy"), (307, "temporary_redirect temporary_moved temporary"),
        (308, "permanent_redirect resume_incomplete resume"), (400, "bad_request bad"), (401, "unauthorized"),
        (402, "payment_required payment"), (403, "forbidden"), (404, "not_found -o-"), (405, "method_not_allowed not_allowed"),
        (406, "not_acceptable"), (407, "proxy_authentication_required proxy_auth proxy_authentication"),
        (408, "request_timeout timeout"), (409, "conflict"), (410, "gone"), (411, "length_required"),
        (412, "precondition_failed precondition"), (413, "request_entity_too_large content_too_large"),
        (414, "request_uri_too_large uri_too_long"), (415, "unsupported_media_type unsupported_media media_type"),
        (416, "requested_range_not_satisfiable requested_range range_not_satisfiable"), (417, "expectation_failed"),
        (418, "im_a_teapot teapot i_am_a_teapot"), (421, "misdirected_request"),
        (422, "unprocessable_entity unprocessable unprocessable_content"), (423, "locked"), (424, "failed_dependency dependency"),
        (425, "unordered_collection unordered too_early"), (426, "upgrade_required upgrade"),
        (428, "precondition_required precondition"), (429, "too_many_requests too_many"),
        (431, "header_fields_too_large fields_too_large"), (444, "no_response none"), (449, "retry_with retry"),
        (450, "blocked_by_windows_parental_controls parental_controls"), (451, "unavailable_for_legal_reasons legal_reasons"),
        (499, "client_closed_request"), (500, "internal_server_error server_error /o\\ \u2717"), (501, "not_implemented"),
        (502, "bad_gateway"), (503, "service_unavailable unavailable"), (504, "gateway_timeout"),
        (505, "http_version_not_supported http_version"), (506, "variant_also_negotiates"), (507, "insufficient_storage"),
        (509, "bandwidth_limit_exceeded bandwidth"), (510, "not_extended"),
        (511, "network_authentication_required network_auth network_authentication"),
    };

    private static PyLookupDict MakeCodes()
    {
        var codes = new PyLookupDict("status_codes");
        foreach (var (code, names) in s_codes)
        {
            using var value = new TempRef(PyInt.FromLong(code));
            foreach (var title in names.Split(' '))
            {
                codes.Names.SetItemString(title, value.Value);
                if (!title.StartsWith('\\') && !title.StartsWith('/')) codes.Names.SetItemString(title.ToUpperInvariant(), value.Value);
            }
        }
        return codes;
    }

    // ------------------------------------------------------------------ module table

    public static PyModule Create(Interpreter interp)
    {
        var exceptions = new PyModule("requests.exceptions");
        exceptions.AddObjectStealing("__doc__", PyStr.FromString("\nrequests.exceptions\n~~~~~~~~~~~~~~~~~~~\n\nThis module contains the set of Requests' exceptions.\n"));
        foreach (var t in AllExceptions()) exceptions.Dict.SetItemString(t.Name, t);

        var models = new PyModule("requests.models");
        models.Dict.SetItemString("Response", PyResponse.ResponseType);
        models.Dict.SetItemString("PreparedRequest", PyPreparedRequest.PreparedRequestType);

        var structures = new PyModule("requests.structures");
        structures.Dict.SetItemString("CaseInsensitiveDict", PyHeaders.HeadersType);

        var m = new PyModule("requests");
        m.AddFunction("request", Request, "Constructs and sends a Request.");
        m.AddFunction("get", Get, "Sends a GET request.");
        m.AddFunction("options", Options, "Sends an OPTIONS request.");
        m.AddFunction("head", Head, "Sends a HEAD request.");
        m.AddFunction("post", Post, "Sends a POST request.");
        m.AddFunction("put", Put, "Sends a PUT request.");
        m.AddFunction("patch", Patch, "Sends a PATCH request.");
        m.AddFunction("delete", Delete, "Sends a DELETE request.");
        foreach (var t in new[] { ConnectionError, ConnectTimeout, HTTPError, JSONDecodeError, ReadTimeout, RequestException, Timeout, TooManyRedirects, URLRequired })
            m.Dict.SetItemString(t.Name, t);
        m.Dict.SetItemString("Response", PyResponse.ResponseType);
        m.Dict.SetItemString("PreparedRequest", PyPreparedRequest.PreparedRequestType);
        m.AddObjectStealing("codes", MakeCodes());
        m.AddObjectStealing("exceptions", exceptions);
        m.AddObjectStealing("models", models);
        m.AddObjectStealing("structures", structures);
        m.AddObjectStealing("__version__", PyStr.FromString(RequestsHttp.Version));
        return m;
    }
}

/// <summary>requests.structures.LookupDict (requests.codes): names as attributes, codes['name'] or None.</summary>
public sealed class PyLookupDict : PyObject
{
    public static readonly PyType LookupDictType = StaticTypeRegistry.Register(PyType.NewBuiltin("LookupDict", PyTypes.Object));

    public PyDict Names = new();
    private readonly string _name;

    public PyLookupDict(string name) : base(LookupDictType) { _name = name; }

    static PyLookupDict()
    {
        LookupDictType.ModuleName = "requests.structures";
        SlotWrappers.AddStandardSlots(LookupDictType);
        LookupDictType.AddMethod("get", (a, k) =>
        {
            ArgParser.Positional("get", a, k, 2, 3);
            var self = (PyLookupDict)a[0];
            return (self.Names.GetItemOrNull(a[1]) ?? (a.Length > 2 ? a[2] : PyNone.Instance)).NewRef();
        });
    }

    public override PyDict? InstanceDict => Names;

    public override PyObject GetItem(PyObject key) => (Names.GetItemOrNull(key) ?? PyNone.Instance).NewRef();

    public override long Length() => 0;

    public override PyStr Repr() => PyStr.FromString($"<lookup '{_name}'>");

    public override void Traverse(Action<PyObject> visit) => visit(Names);

    protected internal override void ClearReferences()
    {
        var n = Names; Names = null!; n.Decref();
    }
}
