using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Modules;

/// <summary>
/// The HTTP client under the requests module: HTTP/1.1 over a Socket (and an
/// SslStream for https), one new connection per request, as a top-level
/// requests.get makes one (no pool survives between calls).
///
/// Why sockets and not HttpClient. requests is urllib3 over http.client, and a
/// program sees that layer directly: response.headers keeps the server's
/// order, casing and repeated fields joined by ", " (HttpClient splits them
/// into response and content headers and drops Content-Encoding / Content-Length
/// when it decompresses); timeout=(connect, read) bounds the connect and then
/// each wait for data (HttpClient has one overall deadline); and every failure
/// has a message users match on — BadStatusLine('garbage\r\n'), IncompleteRead(100
/// bytes read, 900 more expected), InvalidChunkLength, RemoteDisconnected —
/// which needs the bytes where the parse failed. Reading the response by hand
/// gives all of that, costs nothing at startup, and keeps HttpClient's
/// connection pool out of a runtime whose threads are meant to be seen
/// blocking one socket each.
///
/// THE GIL RULE: Perform runs inside BlockingCall.Run, while another thread
/// may be running bytecode. Nothing in this file touches a Python object or a
/// reference count: requests arrive as plain .NET values (HttpRequestSpec),
/// results leave as plain values (HttpResult), and every failure is caught
/// and described (HttpFailure) for the caller to raise once it holds the GIL
/// again. (PyStr.ReprOf / PyBytes.ReprOf used for messages are pure string
/// functions.)
/// </summary>
internal static class RequestsHttp
{
    /// <summary>http.client's _MAXLINE and _MAXHEADERS.</summary>
    private const int MaxLine = 65536;
    private const int MaxHeaders = 100;

    internal const string Version = "2.34.2";
    internal const string Urllib3UserAgent = "python-urllib3/2.7.0";

    // ------------------------------------------------------------------ plain-value request and result

    /// <summary>A prepared request (requests' PreparedRequest) and the adapter's settings.</summary>
    internal sealed class HttpRequestSpec
    {
        public string Method = "GET";
        public string Url = "";
        /// <summary>The headers requests sends, in order; values as latin-1 strings (one char per byte).</summary>
        public List<KeyValuePair<string, string>> Headers = new();
        /// <summary>Headers whose value was given as bytes (PreparedRequest.headers shows them as bytes).</summary>
        public HashSet<string> BytesHeaders = new(StringComparer.OrdinalIgnoreCase);
        public byte[]? Body;
        /// <summary>The body came from a str (PreparedRequest.body shows a str, not bytes).</summary>
        public bool BodyIsText;
        /// <summary>Seconds; null waits forever.</summary>
        public double? ConnectTimeout, ReadTimeout;
        /// <summary>The timeouts as Python prints them in messages ("0.3", "None").</summary>
        public string ConnectTimeoutText = "None", ReadTimeoutText = "None";
        public bool AllowRedirects = true;
        public bool Verify = true;
        public int MaxRedirects = 30;

        public HttpRequestSpec CopyFor(string method, string url) => new()
        {
            Method = method, Url = url, Headers = new(Headers), BytesHeaders = BytesHeaders, Body = Body, BodyIsText = BodyIsText,
            ConnectTimeout = ConnectTimeout, ReadTimeout = ReadTimeout,
            ConnectTimeoutText = ConnectTimeoutText, ReadTimeoutText = ReadTimeoutText,
            AllowRedirects = AllowRedirects, Verify = Verify, MaxRedirects = MaxRedirects,
        };
    }

    /// <summary>One response as urllib3 hands it to requests.</summary>
    internal sealed class HttpResponseData
    {
        public string Url = "";
        public int Status;
        public string Reason = "";
        /// <summary>urllib3's HTTPHeaderDict: first casing and place, repeated fields joined by ", ".</summary>
        public List<KeyValuePair<string, string>> Headers = new();
        public byte[] Content = Array.Empty<byte>();
        /// <summary>The request that produced this response.</summary>
        public HttpRequestSpec Request = new();
    }

    /// <summary>A failure, named after the requests exception it becomes, with str(exception).</summary>
    internal sealed class HttpFailure : Exception
    {
        public readonly string Kind;
        public readonly string Text;
        /// <summary>
        /// Raised while reading the body: requests raises these from Response.content,
        /// outside the adapter, so the exception carries no request.
        /// </summary>
        public readonly bool InBody;
        public HttpFailure(string kind, string text, bool inBody = false) : base(text) { Kind = kind; Text = text; InBody = inBody; }
    }

    /// <summary>What Perform gives back: the responses (redirects first) and the failure, if any.</summary>
    internal sealed class HttpResult
    {
        public readonly List<HttpResponseData> Responses = new();
        public HttpFailure? Failure;
        /// <summary>The request that failed (the exception's request attribute).</summary>
        public HttpRequestSpec? FailedRequest;
    }

    // ------------------------------------------------------------------ Session.send with resolve_redirects

    /// <summary>
    /// Send the request and follow redirects as Session.resolve_redirects does.
    /// Never throws: an unexpected host error becomes a ConnectionError.
    /// </summary>
    public static HttpResult Perform(HttpRequestSpec spec)
    {
        var result = new HttpResult();
        var current = spec;
        try
        {
            string previousFragment = RequestsUrl.UrlSplit(spec.Url).Fragment;
            while (true)
            {
                var resp = SendOne(current);
                result.Responses.Add(resp);
                if (!spec.AllowRedirects) break;
                string? location = RedirectTarget(resp);
                if (location is null) break;
                if (result.Responses.Count - 1 >= spec.MaxRedirects)
                    throw new HttpFailure("TooManyRedirects", $"Exceeded {spec.MaxRedirects} redirects.");
                current = NextRequest(current, resp, location, ref previousFragment);
            }
        }
        catch (HttpFailure f) { result.Failure = f; }
        catch (RequestsUrl.ParseError e) { result.Failure = new HttpFailure("InvalidURL", e.Message); }
        catch (Exception e) { result.Failure = new HttpFailure("ConnectionError", e.Message); }
        if (result.Failure is not null) result.FailedRequest = current;
        return result;
    }

    private static string? Header(List<KeyValuePair<string, string>> headers, string name)
    {
        foreach (var kv in headers) if (string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)) return kv.Value;
        return null;
    }

    private static void RemoveHeader(List<KeyValuePair<string, string>> headers, string name) =>
        headers.RemoveAll(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>SessionRedirectMixin.get_redirect_target: Location of a 301/302/303/307/308, as UTF-8.</summary>
    private static string? RedirectTarget(HttpResponseData resp)
    {
        if (resp.Status is not (301 or 302 or 303 or 307 or 308)) return null;
        string? location = Header(resp.Headers, "location");
        if (location is null) return null;
        if (location.All(c => c < 256))
        {
            try { return new UTF8Encoding(false, true).GetString(Encoding.Latin1.GetBytes(location)); }
            catch (DecoderFallbackException) { }
        }
        return location;
    }

    /// <summary>The next request of a redirect chain: URL resolution, rebuild_method, the purged headers, rebuild_auth.</summary>
    private static HttpRequestSpec NextRequest(HttpRequestSpec prev, HttpResponseData resp, string url, ref string previousFragment)
    {
        if (url.StartsWith("//")) url = RequestsUrl.UrlSplit(resp.Url).Scheme + ":" + url;
        var parsed = RequestsUrl.UrlSplit(url);
        if (parsed.Fragment.Length == 0 && previousFragment.Length > 0) parsed = parsed with { Fragment = previousFragment };
        else if (parsed.Fragment.Length > 0) previousFragment = parsed.Fragment;
        url = RequestsUrl.UrlUnsplit(parsed);
        url = parsed.Netloc.Length == 0 ? RequestsUrl.UrlJoin(resp.Url, RequestsUrl.RequoteUri(url)) : RequestsUrl.RequoteUri(url);

        string method = prev.Method;
        if (resp.Status == 303 && method != "HEAD") method = "GET";
        if (resp.Status == 302 && method != "HEAD") method = "GET";
        if (resp.Status == 301 && method == "POST") method = "GET";

        var next = prev.CopyFor(method, url);
        if (resp.Status is not (307 or 308))
        {
            foreach (var h in new[] { "Content-Length", "Content-Type", "Transfer-Encoding" }) RemoveHeader(next.Headers, h);
            next.Body = null;
        }
        RemoveHeader(next.Headers, "Cookie");
        if (Header(next.Headers, "Authorization") is not null && ShouldStripAuth(resp.Url, url))
            RemoveHeader(next.Headers, "Authorization");
        return next;
    }

    /// <summary>SessionRedirectMixin.should_strip_auth.</summary>
    private static bool ShouldStripAuth(string oldUrl, string newUrl)
    {
        var o = RequestsUrl.UrlSplit(oldUrl);
        var n = RequestsUrl.UrlSplit(newUrl);
        if (o.Hostname != n.Hostname) return true;
        if (o.Scheme == "http" && o.Port is 80 or null && n.Scheme == "https" && n.Port is 443 or null) return false;
        bool changedPort = o.Port != n.Port;
        bool changedScheme = o.Scheme != n.Scheme;
        int? defaultPort = o.Scheme switch { "http" => 80, "https" => 443, _ => null };
        if (!changedScheme && (o.Port is null || o.Port == defaultPort) && (n.Port is null || n.Port == defaultPort)) return false;
        return changedPort || changedScheme;
    }

    // ------------------------------------------------------------------ one request on one connection

    /// <summary>Where a request goes and how urllib3 names it in messages.</summary>
    private sealed class Target
    {
        public bool Https;
        public string Host = "";
        public int Port;
        public string PathAndQuery = "/";
        /// <summary>The connection's host: urllib3's HTTPConnection drops a trailing dot (the pool keeps it).</summary>
        public string ConnHost => Host.TrimEnd('.');
        public string Pool => $"{(Https ? "HTTPSConnectionPool" : "HTTPConnectionPool")}(host={PyStr.ReprOf(Host)}, port={Port})";
        public string Conn => $"{(Https ? "HTTPSConnection" : "HTTPConnection")}(host={PyStr.ReprOf(ConnHost)}, port={Port})";

        public string MaxRetries(string cause) => $"{Pool}: Max retries exceeded with url: {PathAndQuery} (Caused by {cause})";
    }

    private static Target ResolveTarget(string url)
    {
        // HTTPAdapter.get_adapter: only http:// and https:// have an adapter.
        string lower = url.ToLowerInvariant();
        bool https = lower.StartsWith("https://");
        if (!https && !lower.StartsWith("http://"))
            throw new HttpFailure("InvalidSchema", $"No connection adapters were found for {PyStr.ReprOf(url)}");
        var split = RequestsUrl.UrlSplit(url);
        RequestsUrl.ParseUrl(url); // LocationParseError -> InvalidURL, as urllib3 would raise it
        string? host = split.Hostname;
        if (string.IsNullOrEmpty(host)) throw new HttpFailure("InvalidURL", "No host specified.");
        return new Target
        {
            Https = https,
            Host = host,
            Port = split.Port ?? (https ? 443 : 80),
            PathAndQuery = RequestsUrl.EncodeTarget(RequestsUrl.PathUrl(url)),
        };
    }

    private static int? Millis(double? seconds) =>
        seconds is double s ? (int)Math.Clamp(Math.Ceiling(s * 1000), 1, int.MaxValue) : null;

    private static HttpResponseData SendOne(HttpRequestSpec req)
    {
        var target = ResolveTarget(req.Url);
        using var conn = Connection.Open(target, req);
        conn.SendRequest(req, target);
        var resp = conn.ReadResponse(req, target);
        resp.Url = req.Url;
        resp.Request = req;
        return resp;
    }

    // ------------------------------------------------------------------ socket errors as Python names them

    /// <summary>The SocketError behind a .NET exception (directly or inside an IOException).</summary>
    private static SocketError? SocketErrorOf(Exception e) => e switch
    {
        SocketException se => se.SocketErrorCode,
        IOException { InnerException: SocketException se } => se.SocketErrorCode,
        IOException { InnerException: IOException { InnerException: SocketException se } } => se.SocketErrorCode,
        _ => null,
    };

    private static bool IsTimeout(Exception e) => e is TimeoutException || SocketErrorOf(e) == SocketError.TimedOut;

    /// <summary>Linux errno and strerror for a socket error.</summary>
    private static (int Errno, string Message) Errno(SocketError? error, string fallback) => error switch
    {
        SocketError.ConnectionRefused => (111, "Connection refused"),
        SocketError.ConnectionReset => (104, "Connection reset by peer"),
        SocketError.ConnectionAborted => (103, "Software caused connection abort"),
        SocketError.Shutdown => (32, "Broken pipe"),
        SocketError.NetworkUnreachable => (101, "Network is unreachable"),
        SocketError.HostUnreachable => (113, "No route to host"),
        SocketError.NetworkDown => (100, "Network is down"),
        SocketError.TimedOut => (110, "Connection timed out"),
        SocketError.AddressNotAvailable => (99, "Cannot assign requested address"),
        SocketError.AddressFamilyNotSupported => (97, "Address family not supported by protocol"),
        SocketError.AccessDenied => (13, "Permission denied"),
        SocketError.NotConnected => (107, "Transport endpoint is not connected"),
        _ => (5, fallback),
    };

    /// <summary>repr() of the OSError subclass Python raises for an errno.</summary>
    private static string OSErrorRepr(int errno, string message)
    {
        string name = errno switch
        {
            111 => "ConnectionRefusedError", 104 => "ConnectionResetError", 103 => "ConnectionAbortedError",
            32 => "BrokenPipeError", 110 => "TimeoutError", 13 => "PermissionError", _ => "OSError",
        };
        return $"{name}({errno}, {PyStr.ReprOf(message)})";
    }

    private static string OSErrorRepr(Exception e)
    {
        var (errno, msg) = Errno(SocketErrorOf(e), e.Message);
        return OSErrorRepr(errno, msg);
    }

    /// <summary>http.client's exceptions as repr() shows them inside urllib3's ProtocolError.</summary>
    private sealed class ProtocolFailure : Exception
    {
        public readonly string Repr;
        public ProtocolFailure(string repr) : base(repr) { Repr = repr; }
    }

    // ------------------------------------------------------------------ the connection

    /// <summary>One TCP (or TLS) connection with a read buffer, closed after one response.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly Socket _socket;
        private readonly NetworkStream _net;
        private Stream _stream;
        private readonly byte[] _buf = new byte[64 * 1024];
        private int _pos, _len;

        private Connection(Socket socket)
        {
            _socket = socket;
            _net = new NetworkStream(socket, ownsSocket: true);
            _stream = _net;
        }

        public void Dispose()
        {
            try { _stream.Dispose(); } catch (Exception) { }
            try { _net.Dispose(); } catch (Exception) { }
        }

        /// <summary>urllib3's HTTPConnection._new_conn (+ the TLS handshake): errors become ConnectionError / ConnectTimeout / SSLError.</summary>
        public static Connection Open(Target t, HttpRequestSpec req)
        {
            IPAddress[] addresses;
            string dnsHost = t.ConnHost;
            // getaddrinfo takes no %-escapes (a zone id stays "%25eth0" in the URL's host): no such name.
            if (!dnsHost.Contains('%') && IPAddress.TryParse(dnsHost, out var literal)) addresses = new[] { literal };
            else
            {
                try
                {
                    if (dnsHost.Contains('%')) throw new SocketException((int)SocketError.HostNotFound);
                    addresses = Dns.GetHostAddresses(dnsHost);
                }
                catch (Exception e) when (e is SocketException or ArgumentException)
                {
                    var (errno, msg) = SocketErrorOf(e) switch
                    {
                        SocketError.TryAgain => (-3, "Temporary failure in name resolution"),
                        SocketError.NoData => (-5, "No address associated with hostname"),
                        _ => (-2, "Name or service not known"),
                    };
                    string inner = $"{t.Conn}: Failed to resolve {PyStr.ReprOf(t.ConnHost)} ([Errno {errno}] {msg})";
                    throw new HttpFailure("ConnectionError", t.MaxRetries($"NameResolutionError({PyStr.ReprOf(inner)})"));
                }
                if (addresses.Length == 0)
                {
                    string inner = $"{t.Conn}: Failed to resolve {PyStr.ReprOf(t.ConnHost)} ([Errno -5] No address associated with hostname)";
                    throw new HttpFailure("ConnectionError", t.MaxRetries($"NameResolutionError({PyStr.ReprOf(inner)})"));
                }
            }

            Exception? last = null;
            int? connectMs = Millis(req.ConnectTimeout);
            foreach (var address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    Connect(socket, new IPEndPoint(address, t.Port), connectMs);
                    var conn = new Connection(socket);
                    if (t.Https) conn.StartTls(t, req, connectMs);
                    return conn;
                }
                catch (HttpFailure) { socket.Dispose(); throw; }
                catch (Exception e)
                {
                    socket.Dispose();
                    last = e;
                }
            }
            if (last is not null && IsTimeout(last))
            {
                string message = $"Connection to {t.ConnHost} timed out. (connect timeout={req.ConnectTimeoutText})";
                throw new HttpFailure("ConnectTimeout",
                    t.MaxRetries($"ConnectTimeoutError(<{t.Conn} at 0x{FakeAddress(t):x}>, {PyStr.ReprOf(message)})"));
            }
            var (no, text) = Errno(last is null ? null : SocketErrorOf(last), last?.Message ?? "connection failed");
            string cause = $"{t.Conn}: Failed to establish a new connection: [Errno {no}] {text}";
            throw new HttpFailure("ConnectionError", t.MaxRetries($"NewConnectionError({PyStr.ReprOf(cause)})"));
        }

        /// <summary>An address-like number for the connection object's repr (Python shows id(conn) there).</summary>
        private static long FakeAddress(Target t) => 0x7f0000000000L + ((long)(uint)HashCode.Combine(t.Host, t.Port, Environment.CurrentManagedThreadId) << 4);

        private static void Connect(Socket socket, IPEndPoint ep, int? timeoutMs)
        {
            if (timeoutMs is null)
            {
                socket.Connect(ep);
                return;
            }
            var task = socket.ConnectAsync(ep);
            bool done;
            try { done = task.Wait(timeoutMs.Value); }
            catch (AggregateException ae) when (ae.InnerException is not null) { throw ae.InnerException; }
            if (!done)
            {
                // Observe the abandoned attempt so its failure is not reported as unobserved.
                task.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                throw new TimeoutException();
            }
        }

        private void StartTls(Target t, HttpRequestSpec req, int? timeoutMs)
        {
            SslPolicyErrors seen = SslPolicyErrors.None;
            X509ChainStatusFlags chainFlags = X509ChainStatusFlags.NoError;
            bool selfSigned = false;
            var ssl = new SslStream(_net, leaveInnerStreamOpen: true, (sender, cert, chain, errors) =>
            {
                seen = errors;
                if (chain is not null) foreach (var s in chain.ChainStatus) chainFlags |= s.Status;
                if (cert is not null) selfSigned = cert.Subject == cert.Issuer;
                return !req.Verify || errors == SslPolicyErrors.None;
            });
            _net.ReadTimeout = timeoutMs ?? Timeout.Infinite;
            _net.WriteTimeout = timeoutMs ?? Timeout.Infinite;
            try
            {
                ssl.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = t.Host,
                    ApplicationProtocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http11 },
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                });
            }
            catch (Exception e) when (e is AuthenticationException or IOException)
            {
                ssl.Dispose();
                if (IsTimeout(e))
                    throw new HttpFailure("ReadTimeout", $"{t.Pool}: Read timed out. (read timeout={req.ConnectTimeoutText})");
                string inner;
                if (seen != SslPolicyErrors.None)
                {
                    string reason =
                        seen.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) && !seen.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors)
                            ? $"Hostname mismatch, certificate is not valid for {PyStr.ReprOf(t.Host)}."
                        : chainFlags.HasFlag(X509ChainStatusFlags.NotTimeValid) ? "certificate has expired"
                        : chainFlags.HasFlag(X509ChainStatusFlags.UntrustedRoot) ? (selfSigned ? "self-signed certificate" : "self-signed certificate in certificate chain")
                        : "unable to get local issuer certificate";
                    inner = $"SSLCertVerificationError(1, {PyStr.ReprOf($"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {reason} (_ssl.c:1006)")})";
                }
                else inner = $"SSLError(1, {PyStr.ReprOf($"[SSL] {e.Message} (_ssl.c:1006)")})";
                throw new HttpFailure("SSLError", t.MaxRetries($"SSLError({inner})"));
            }
            _stream = ssl;
        }

        // ---------------------------------------------------------------- sending

        /// <summary>http.client putrequest / putheader / endheaders as urllib3's HTTPConnection.request drives them.</summary>
        public void SendRequest(HttpRequestSpec req, Target t)
        {
            var sb = new StringBuilder();
            sb.Append(req.Method).Append(' ').Append(t.PathAndQuery).Append(" HTTP/1.1\r\n");
            bool has(string name) => Header(req.Headers, name) is not null;
            if (!has("host"))
            {
                string host = t.ConnHost.Contains(':') ? "[" + t.ConnHost + "]" : t.ConnHost;
                int defaultPort = t.Https ? 443 : 80;
                sb.Append("Host: ").Append(t.Port == defaultPort ? host : host + ":" + t.Port.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
            }
            if (!has("accept-encoding")) sb.Append("Accept-Encoding: identity\r\n");
            if (!has("content-length") && !has("transfer-encoding") && req.Body is not null)
                sb.Append("Content-Length: ").Append(req.Body.Length).Append("\r\n");
            if (!has("user-agent")) sb.Append("User-Agent: ").Append(Urllib3UserAgent).Append("\r\n");
            foreach (var (name, value) in req.Headers) sb.Append(name).Append(": ").Append(value).Append("\r\n");
            sb.Append("\r\n");
            byte[] head = Encoding.Latin1.GetBytes(sb.ToString());
            try
            {
                _net.WriteTimeout = Millis(req.ConnectTimeout) ?? Timeout.Infinite;
                _stream.Write(head);
                if (req.Body is { Length: > 0 }) _stream.Write(req.Body);
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // urllib3 ignores a broken pipe or a reset while sending and reads the response,
                // which then reports what the server did.
                if (IsTimeout(e)) throw new HttpFailure("ReadTimeout", $"{t.Pool}: Read timed out. (read timeout={req.ConnectTimeoutText})");
            }
        }

        // ---------------------------------------------------------------- reading

        private int Fill()
        {
            _pos = 0;
            _len = _stream.Read(_buf, 0, _buf.Length);
            return _len;
        }

        /// <summary>fp.readline(limit): up to and including '\n', at most limit bytes; empty at end of stream.</summary>
        private byte[] ReadLine(int limit)
        {
            var line = new MemoryStream();
            while (line.Length < limit)
            {
                if (_pos == _len && Fill() == 0) break;
                int take = (int)Math.Min(_len - _pos, limit - line.Length);
                int nl = Array.IndexOf(_buf, (byte)'\n', _pos, take);
                if (nl >= 0)
                {
                    line.Write(_buf, _pos, nl + 1 - _pos);
                    _pos = nl + 1;
                    break;
                }
                line.Write(_buf, _pos, take);
                _pos += take;
            }
            return line.ToArray();
        }

        /// <summary>Up to count bytes into dst (fewer only at end of stream).</summary>
        private int ReadInto(MemoryStream dst, long count)
        {
            long done = 0;
            while (done < count)
            {
                if (_pos == _len && Fill() == 0) break;
                int take = (int)Math.Min(_len - _pos, count - done);
                dst.Write(_buf, _pos, take);
                _pos += take;
                done += take;
            }
            return (int)done;
        }

        private void ReadToEnd(MemoryStream dst)
        {
            while (true)
            {
                if (_pos == _len && Fill() == 0) return;
                dst.Write(_buf, _pos, _len - _pos);
                _pos = _len;
            }
        }

        /// <summary>HTTPResponse.begin (http.client) then the body as urllib3 reads and decodes it.</summary>
        public HttpResponseData ReadResponse(HttpRequestSpec req, Target t)
        {
            _net.ReadTimeout = Millis(req.ReadTimeout) ?? Timeout.Infinite;
            int status;
            string reason, version;
            List<KeyValuePair<string, string>> headers;
            try
            {
                while (true)
                {
                    (version, status, reason) = ReadStatus();
                    if (status != 100) break;
                    ReadHeaderLines(); // skip the interim response's headers
                }
                if (!(version is "HTTP/1.0" or "HTTP/0.9" || version.StartsWith("HTTP/1.")))
                    throw new ProtocolFailure($"UnknownProtocol({PyStr.ReprOf(version)})");
                headers = ParseHeaders(ReadHeaderLines());
            }
            catch (ProtocolFailure p)
            {
                throw new HttpFailure("ConnectionError", $"('Connection aborted.', {p.Repr})");
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                if (IsTimeout(e)) throw new HttpFailure("ReadTimeout", $"{t.Pool}: Read timed out. (read timeout={req.ReadTimeoutText})");
                throw new HttpFailure("ConnectionError", $"('Connection aborted.', {OSErrorRepr(e)})");
            }

            var resp = new HttpResponseData { Status = status, Reason = reason, Headers = headers };
            byte[] raw = ReadBody(req, t, status, headers);
            resp.Content = Decode(raw, headers);
            return resp;
        }

        /// <summary>HTTPResponse._read_status.</summary>
        private (string Version, int Status, string Reason) ReadStatus()
        {
            byte[] raw = ReadLine(MaxLine + 1);
            if (raw.Length > MaxLine) throw new ProtocolFailure($"LineTooLong({PyStr.ReprOf($"got more than {MaxLine} bytes when reading status line")})");
            if (raw.Length == 0) throw new ProtocolFailure("RemoteDisconnected('Remote end closed connection without response')");
            string line = Encoding.Latin1.GetString(raw);
            var parts = SplitWhitespace(line, 2);
            string version = parts.Count > 0 ? parts[0] : "";
            string statusText = parts.Count > 1 ? parts[1] : "";
            string reason = parts.Count > 2 ? parts[2] : "";
            if (parts.Count < 2) version = "";
            if (!version.StartsWith("HTTP/")) throw new ProtocolFailure($"BadStatusLine({PyStr.ReprOf(line)})");
            if (!TryPythonInt(statusText, 10, out long status) || status < 100 || status > 999)
                throw new ProtocolFailure($"BadStatusLine({PyStr.ReprOf(line)})");
            return (version, (int)status, PyStrip(reason));
        }

        /// <summary>http.client._read_headers: the raw header lines up to the blank line.</summary>
        private List<byte[]> ReadHeaderLines()
        {
            var lines = new List<byte[]>();
            while (true)
            {
                byte[] line = ReadLine(MaxLine + 1);
                if (line.Length > MaxLine) throw new ProtocolFailure($"LineTooLong({PyStr.ReprOf($"got more than {MaxLine} bytes when reading header line")})");
                lines.Add(line);
                if (lines.Count > MaxHeaders) throw new ProtocolFailure($"HTTPException({PyStr.ReprOf($"got more than {MaxHeaders} headers")})");
                if (line.Length == 0 || (line.Length == 1 && line[0] == '\n') || (line.Length == 2 && line[0] == '\r' && line[1] == '\n')) break;
            }
            return lines;
        }

        /// <summary>
        /// The header block as email.parser reads it (compat32) and urllib3's
        /// HTTPHeaderDict merges it: a name is printable ASCII without ':' or
        /// space; a line starting with space or tab continues the previous field
        /// (kept with its line break); the first other line ends the headers.
        /// </summary>
        private static List<KeyValuePair<string, string>> ParseHeaders(List<byte[]> lines)
        {
            var fields = new List<(string Name, StringBuilder Value)>();
            foreach (var raw in lines)
            {
                string line = Encoding.Latin1.GetString(raw);
                if (line is "" or "\n" or "\r\n") break;
                if (line[0] is ' ' or '\t')
                {
                    if (fields.Count > 0) fields[^1].Value.Append(line);
                    continue;
                }
                int colon = line.IndexOf(':');
                bool isHeader = colon >= 0;
                for (int i = 0; i < colon && isHeader; i++) isHeader = line[i] >= '!' && line[i] <= '~';
                if (!isHeader) break;
                if (colon == 0) continue;
                fields.Add((line[..colon], new StringBuilder(line[(colon + 1)..].TrimStart(' ', '\t'))));
            }
            var merged = new List<KeyValuePair<string, string>>();
            var index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, valueSb) in fields)
            {
                string value = valueSb.ToString().TrimEnd('\r', '\n');
                if (index.TryGetValue(name, out int i)) merged[i] = new(merged[i].Key, merged[i].Value + ", " + value);
                else { index[name] = merged.Count; merged.Add(new(name, value)); }
            }
            return merged;
        }

        /// <summary>The body: chunked, Content-Length or until close (http.client's rules), errors as urllib3 reports them.</summary>
        private byte[] ReadBody(HttpRequestSpec req, Target t, int status, List<KeyValuePair<string, string>> headers)
        {
            if (status is 204 or 304 || (status >= 100 && status < 200) || req.Method == "HEAD") return Array.Empty<byte>();
            var te = FirstField(headers, "transfer-encoding");
            bool chunked = te is not null && te.ToLowerInvariant() == "chunked";
            long? length = null;
            var cl = FirstField(headers, "content-length");
            if (cl is not null && !chunked && TryPythonInt(cl, 10, out long n) && n >= 0) length = n;
            // A declared length sizes the buffer once (up to a sane bound: the header is the server's word).
            var body = length is long expected && expected <= 256 * 1024 * 1024 ? new MemoryStream((int)expected) : new MemoryStream();
            try
            {
                if (chunked) ReadChunked(body);
                else if (length is long len)
                {
                    int got = ReadInto(body, len);
                    if (got < len)
                    {
                        string ir = $"IncompleteRead({got} bytes read, {len - got} more expected)";
                        throw new ProtocolFailure(ir);
                    }
                }
                else ReadToEnd(body);
            }
            catch (ProtocolFailure p) when (p.Repr == "Response ended prematurely")
            {
                throw new HttpFailure("ChunkedEncodingError", p.Repr, inBody: true);
            }
            catch (ProtocolFailure p)
            {
                throw new HttpFailure("ChunkedEncodingError", $"({PyStr.ReprOf("Connection broken: " + p.Repr)}, {p.Repr})", inBody: true);
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                if (IsTimeout(e)) throw new HttpFailure("ConnectionError", $"{t.Pool}: Read timed out.", inBody: true);
                string r = OSErrorRepr(e);
                throw new HttpFailure("ChunkedEncodingError", $"({PyStr.ReprOf("Connection broken: " + r)}, {r})", inBody: true);
            }
            return body.Length == body.Capacity ? body.GetBuffer() : body.ToArray();
        }

        /// <summary>HTTPHeaderDict lookups answer the joined value; http.client's own (Content-Length) answer the first.</summary>
        private static string? FirstField(List<KeyValuePair<string, string>> headers, string name)
        {
            var v = Header(headers, name);
            if (v is null) return null;
            int comma = v.IndexOf(", ", StringComparison.Ordinal);
            return comma >= 0 ? v[..comma] : v;
        }

        /// <summary>urllib3's read_chunked with http.client's _safe_read under it.</summary>
        private void ReadChunked(MemoryStream body)
        {
            while (true)
            {
                byte[] line = ReadLine(MaxLine + 1);
                int semi = Array.IndexOf(line, (byte)';');
                byte[] sizeText = semi >= 0 ? line[..semi] : line;
                if (!TryPythonInt(Encoding.Latin1.GetString(sizeText), 16, out long size))
                {
                    if (sizeText.Length > 0)
                        throw new ProtocolFailure($"InvalidChunkLength(got length {PyBytes.ReprOf(sizeText)}, 0 bytes read)");
                    throw new ProtocolFailure("Response ended prematurely");
                }
                if (size == 0) break;
                var chunk = new MemoryStream();
                int got = ReadInto(chunk, size);
                if (got < size) throw new ProtocolFailure($"IncompleteRead({got} bytes read, {size - got} more expected)");
                chunk.Position = 0;
                chunk.CopyTo(body);
                var crlf = new MemoryStream();
                int end = ReadInto(crlf, 2);
                if (end < 2) throw new ProtocolFailure($"IncompleteRead({end} bytes read, {2 - end} more expected)");
            }
            // Trailers, up to a blank line or the end of the stream.
            while (true)
            {
                byte[] line = ReadLine(MaxLine + 1);
                if (line.Length == 0 || (line.Length == 2 && line[0] == '\r' && line[1] == '\n')) break;
            }
        }

        /// <summary>urllib3's content decoding (gzip, x-gzip, deflate, and comma lists of them).</summary>
        private static byte[] Decode(byte[] raw, List<KeyValuePair<string, string>> headers)
        {
            string encoding = (Header(headers, "content-encoding") ?? "").ToLowerInvariant();
            if (encoding.Length == 0) return raw;
            bool known = encoding is "gzip" or "x-gzip" or "deflate" || encoding.Contains(',');
            if (!known || raw.Length == 0) return raw;
            try
            {
                var modes = encoding.Split(',').Select(m => m.Trim()).Reverse();
                byte[] data = raw;
                foreach (var mode in modes)
                {
                    if (mode is "gzip" or "x-gzip") data = Inflate(new GZipStream(new MemoryStream(data), CompressionMode.Decompress));
                    else if (mode == "deflate")
                    {
                        try { data = Inflate(new ZLibStream(new MemoryStream(data), CompressionMode.Decompress)); }
                        catch (InvalidDataException) { data = Inflate(new DeflateStream(new MemoryStream(data), CompressionMode.Decompress)); }
                    }
                }
                return data;
            }
            catch (InvalidDataException)
            {
                string msg = $"Received response with content-encoding: {encoding}, but failed to decode it.";
                throw new HttpFailure("ContentDecodingError", $"({PyStr.ReprOf(msg)}, error('Error -3 while decompressing data: incorrect header check'))", inBody: true);
            }
        }

        private static byte[] Inflate(Stream s)
        {
            using (s)
            {
                var o = new MemoryStream();
                s.CopyTo(o);
                return o.ToArray();
            }
        }
    }

    // ------------------------------------------------------------------ Python's str helpers

    /// <summary>Python's str.isspace for the Latin-1 range (what str.split() splits on).</summary>
    private static bool IsPySpace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x1f' or '\x85' or '\xa0';

    private static string PyStrip(string s)
    {
        int a = 0, b = s.Length;
        while (a < b && IsPySpace(s[a])) a++;
        while (b > a && IsPySpace(s[b - 1])) b--;
        return s[a..b];
    }

    /// <summary>str.split(None, maxsplit).</summary>
    private static List<string> SplitWhitespace(string s, int maxsplit)
    {
        var parts = new List<string>();
        int i = 0;
        while (true)
        {
            while (i < s.Length && IsPySpace(s[i])) i++;
            if (i >= s.Length) break;
            if (parts.Count == maxsplit)
            {
                int end = s.Length;
                while (end > i && IsPySpace(s[end - 1])) end--;
                parts.Add(s[i..end]);
                break;
            }
            int j = i;
            while (j < s.Length && !IsPySpace(s[j])) j++;
            parts.Add(s[i..j]);
            i = j;
        }
        return parts;
    }

    /// <summary>int(text, base) for base 10 or 16 (whitespace, sign, underscores, 0x): false where Python raises ValueError.</summary>
    private static bool TryPythonInt(string text, int numberBase, out long value)
    {
        value = 0;
        string s = PyStrip(text);
        int i = 0;
        bool neg = false;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) { neg = s[i] == '-'; i++; }
        if (numberBase == 16 && i + 1 < s.Length && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        {
            i += 2;
            if (i < s.Length && s[i] == '_') i++;
        }
        if (i >= s.Length) return false;
        bool lastUnderscore = true;
        bool overflow = false;
        for (; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '_') { if (lastUnderscore) return false; lastUnderscore = true; continue; }
            int d = c >= '0' && c <= '9' ? c - '0' : numberBase == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 : numberBase == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
            if (d < 0) return false;
            lastUnderscore = false;
            if (value > (long.MaxValue - d) / numberBase) overflow = true;
            else value = value * numberBase + d;
        }
        if (lastUnderscore) return false;
        if (overflow) value = long.MaxValue;
        if (neg) value = -value;
        return true;
    }
}
