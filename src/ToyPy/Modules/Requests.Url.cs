using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ToyPy.Objects;

namespace ToyPy.Modules;

/// <summary>
/// URL handling for the requests module, plain .NET strings only (it also runs
/// inside the blocking section, where no Python object may be touched):
/// urllib3's parse_url (urllib3/util/url.py: normalisation, percent-encoding
/// of invalid characters, dot segments, port checks), requests' requote_uri
/// and prepare_url, and urllib.parse's urlsplit / urlunsplit / urljoin, each
/// following the Python code it is named after so that Response.url and the
/// error messages come out the same.
/// </summary>
internal static partial class RequestsUrl
{
    /// <summary>urllib3's LocationParseError: "Failed to parse: URL" (requests turns it into InvalidURL).</summary>
    internal sealed class ParseError : Exception
    {
        public ParseError(string message) : base(message) { }
    }

    internal sealed record Url3(string? Scheme, string? Auth, string? Host, int? Port, string? Path, string? Query, string? Fragment);

    private const string Unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-~";
    private const string SubDelims = "!$&'()*+,;=";
    private const string UserinfoChars = Unreserved + SubDelims + ":";
    private const string PathChars = UserinfoChars + "@/";
    private const string QueryChars = PathChars + "?";

    // urllib3/util/url.py's patterns, compiled by the regex source generator (no regex parsing at run time).
    private const string HexPat = "[0-9A-Fa-f]{1,4}";
    private const string Ipv4Pat = @"(?:[0-9]{1,3}\.){3}[0-9]{1,3}";
    private const string Ls32Pat = "(?:" + HexPat + ":" + HexPat + "|" + Ipv4Pat + ")";
    private const string H = HexPat;
    private const string Ipv6Pat = "(?:"
        + "(?:" + H + ":){6}" + Ls32Pat
        + "|::(?:" + H + ":){5}" + Ls32Pat
        + "|(?:" + H + ")?::(?:" + H + ":){4}" + Ls32Pat
        + "|(?:(?:" + H + ":)?" + H + ")?::(?:" + H + ":){3}" + Ls32Pat
        + "|(?:(?:" + H + ":){0,2}" + H + ")?::(?:" + H + ":){2}" + Ls32Pat
        + "|(?:(?:" + H + ":){0,3}" + H + ")?::" + H + ":" + Ls32Pat
        + "|(?:(?:" + H + ":){0,4}" + H + ")?::" + Ls32Pat
        + "|(?:(?:" + H + ":){0,5}" + H + ")?::" + H
        + "|(?:(?:" + H + ":){0,6}" + H + ")?::"
        + ")";
    private const string ZoneIdPat = @"(?:%25|%)(?:[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._\-~]|%[a-fA-F0-9]{2})+";
    private const string Ipv6AddrzPat = @"\[" + Ipv6Pat + "(?:" + ZoneIdPat + @")?\]";
    private const string RegNamePat = @"(?:[^\[\]%:/?#]|%[a-fA-F0-9]{2})*";

    [GeneratedRegex(@"^(?:[a-zA-Z][a-zA-Z0-9+-]*:|/)", RegexOptions.CultureInvariant)]
    private static partial Regex SchemeRe();

    [GeneratedRegex(@"^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?://([^\\/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex UriRe();

    [GeneratedRegex("%[a-fA-F0-9]{2}", RegexOptions.CultureInvariant)]
    private static partial Regex PercentRe();

    [GeneratedRegex("^(" + RegNamePat + "|" + Ipv4Pat + "|" + Ipv6AddrzPat + ")(?::0*?(|0|[1-9][0-9]{0,4}))?$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex HostPortRe();

    [GeneratedRegex("^" + Ipv4Pat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv4Re();

    [GeneratedRegex("^" + Ipv6AddrzPat + "$", RegexOptions.CultureInvariant)]
    private static partial Regex Ipv6AddrzRe();

    /// <summary>urllib3.util.url.parse_url.</summary>
    public static Url3 ParseUrl(string url)
    {
        if (url.Length == 0) return new Url3(null, null, null, null, null, null, null);
        string source = url;
        if (!SchemeRe().IsMatch(url)) url = "//" + url;
        var m = UriRe().Match(url);
        if (!m.Success) throw new ParseError($"Failed to parse: {source}");
        string? scheme = m.Groups[1].Success ? m.Groups[1].Value : null;
        string? authority = m.Groups[2].Success ? m.Groups[2].Value : null;
        string? path = m.Groups[3].Value;
        string? query = m.Groups[4].Success ? m.Groups[4].Value : null;
        string? fragment = m.Groups[5].Success ? m.Groups[5].Value : null;
        bool normalize = scheme is null || scheme.ToLowerInvariant() is "http" or "https";
        if (scheme is not null) scheme = scheme.ToLowerInvariant();
        string? auth = null, host = null, port = null;
        if (!string.IsNullOrEmpty(authority))
        {
            int at = authority.LastIndexOf('@');
            auth = at >= 0 ? authority[..at] : "";
            string hostPort = at >= 0 ? authority[(at + 1)..] : authority;
            if (auth.Length == 0) auth = null;
            var hp = HostPortRe().Match(hostPort);
            if (!hp.Success) throw new ParseError($"Failed to parse: {source}");
            host = hp.Groups[1].Value;
            port = hp.Groups[2].Success ? hp.Groups[2].Value : null;
            if (auth is not null && normalize) auth = EncodeInvalidChars(auth, UserinfoChars);
            if (port == "") port = null;
        }
        int? portInt = null;
        if (port is not null)
        {
            if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p > 65535)
                throw new ParseError($"Failed to parse: {url}");
            portInt = p;
        }
        host = NormalizeHost(host, scheme);
        if (normalize && !string.IsNullOrEmpty(path))
        {
            path = RemoveDotSegments(path);
            path = EncodeInvalidChars(path, PathChars);
        }
        if (normalize && !string.IsNullOrEmpty(query)) query = EncodeInvalidChars(query, QueryChars);
        if (normalize && !string.IsNullOrEmpty(fragment)) fragment = EncodeInvalidChars(fragment, QueryChars);
        if (string.IsNullOrEmpty(path)) path = query is not null || fragment is not null ? "" : null;
        if (!string.IsNullOrEmpty(path) && path[0] != '/') path = "/" + path;
        return new Url3(scheme, auth, host, portInt, path, query, fragment);
    }

    /// <summary>_normalize_host: lower-case IPv6 literals, IDNA-encode (and lower-case) names.</summary>
    private static string? NormalizeHost(string? host, string? scheme)
    {
        if (string.IsNullOrEmpty(host) || !(scheme is null or "http" or "https")) return host;
        if (Ipv6AddrzRe().IsMatch(host)) return host.ToLowerInvariant();
        if (Ipv4Re().IsMatch(host)) return host;
        var labels = host.Split('.');
        for (int i = 0; i < labels.Length; i++) labels[i] = IdnaLabel(labels[i]);
        return string.Join(".", labels);
    }

    private static readonly IdnMapping s_idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    private static string IdnaLabel(string name)
    {
        if (name.All(char.IsAscii)) return name.ToLowerInvariant();
        try { return s_idn.GetAscii(name.ToLowerInvariant()); }
        catch (ArgumentException) { throw new ParseError($"Name '{name}' is not a valid IDNA label"); }
    }

    /// <summary>_encode_invalid_chars: percent-encode what is not allowed, keep existing %XX (upper-cased).</summary>
    public static string EncodeInvalidChars(string component, string allowed)
    {
        int encodings = 0;
        component = PercentRe().Replace(component, mm => { encodings++; return mm.Value.ToUpperInvariant(); });
        byte[] bytes = SurrogatePassUtf8(component);
        int percents = bytes.Count(b => b == '%');
        bool isPercentEncoded = encodings == percents;
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if ((isPercentEncoded && b == '%') || (b < 128 && allowed.IndexOf((char)b) >= 0)) sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>str.encode('utf-8', 'surrogatepass'): lone surrogates become their 3-byte forms.</summary>
    private static byte[] SurrogatePassUtf8(string s)
    {
        var list = new List<byte>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            int cp = s[i];
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { cp = char.ConvertToUtf32(s[i], s[i + 1]); i++; }
            if (cp < 0x80) list.Add((byte)cp);
            else if (cp < 0x800) { list.Add((byte)(0xC0 | cp >> 6)); list.Add((byte)(0x80 | cp & 0x3F)); }
            else if (cp < 0x10000) { list.Add((byte)(0xE0 | cp >> 12)); list.Add((byte)(0x80 | cp >> 6 & 0x3F)); list.Add((byte)(0x80 | cp & 0x3F)); }
            else { list.Add((byte)(0xF0 | cp >> 18)); list.Add((byte)(0x80 | cp >> 12 & 0x3F)); list.Add((byte)(0x80 | cp >> 6 & 0x3F)); list.Add((byte)(0x80 | cp & 0x3F)); }
        }
        return list.ToArray();
    }

    /// <summary>_remove_path_dot_segments (RFC 3986 5.2.4).</summary>
    private static string RemoveDotSegments(string path)
    {
        var output = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment == ".") continue;
            if (segment != "..") output.Add(segment);
            else if (output.Count > 0) output.RemoveAt(output.Count - 1);
        }
        if (path.StartsWith('/') && (output.Count == 0 || output[0].Length > 0)) output.Insert(0, "");
        if (path.EndsWith("/.") || path.EndsWith("/..")) output.Add("");
        return string.Join("/", output);
    }

    // ------------------------------------------------------------------ quoting (urllib.parse)

    private const string AlwaysSafe = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";

    /// <summary>urllib.parse.quote(s, safe) for str (UTF-8) or raw bytes.</summary>
    public static string Quote(byte[] bytes, string safe)
    {
        var sb = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b < 128 && (AlwaysSafe.IndexOf((char)b) >= 0 || safe.IndexOf((char)b) >= 0)) sb.Append((char)b);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    public static string Quote(string s, string safe) => Quote(Encoding.UTF8.GetBytes(s), safe);

    /// <summary>urllib.parse.quote_plus: spaces become '+'.</summary>
    public static string QuotePlus(byte[] bytes) => Quote(bytes, " ").Replace(' ', '+');

    /// <summary>requests.utils.unquote_unreserved; null when a %-escape is not hex (requests' InvalidURL).</summary>
    private static string? UnquoteUnreserved(string uri)
    {
        var parts = uri.Split('%');
        var sb = new StringBuilder(parts[0]);
        for (int i = 1; i < parts.Length; i++)
        {
            string p = parts[i];
            string h = p.Length >= 2 ? p[..2] : p;
            if (h.Length == 2 && char.IsLetterOrDigit(h[0]) && char.IsLetterOrDigit(h[1]))
            {
                if (!int.TryParse(h, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code) || !char.IsAscii(h[0]) || !char.IsAscii(h[1]))
                    return null;
                char c = (char)code;
                if (AlwaysSafe.IndexOf(c) >= 0) sb.Append(c).Append(p, 2, p.Length - 2);
                else sb.Append('%').Append(p);
            }
            else sb.Append('%').Append(p);
        }
        return sb.ToString();
    }

    /// <summary>requests.utils.requote_uri: unquote what needs no quoting, quote what is illegal.</summary>
    public static string RequoteUri(string uri)
    {
        var unquoted = UnquoteUnreserved(uri);
        return unquoted is not null ? Quote(unquoted, "!#$%&'()*+,/:;=?@[]~") : Quote(uri, "!#$&'()*+,/:;=?@[]~");
    }

    // ------------------------------------------------------------------ urlsplit / urlunsplit / urljoin

    internal sealed record Split(string Scheme, string Netloc, string Path, string Query, string Fragment)
    {
        /// <summary>SplitResult.hostname: lower-cased, without brackets or userinfo; null when there is none.</summary>
        public string? Hostname
        {
            get
            {
                string hostPort = Netloc[(Netloc.LastIndexOf('@') + 1)..];
                string host;
                if (hostPort.StartsWith('['))
                {
                    int close = hostPort.IndexOf(']');
                    host = close > 0 ? hostPort[1..close] : hostPort[1..];
                }
                else
                {
                    int colon = hostPort.IndexOf(':');
                    host = colon >= 0 ? hostPort[..colon] : hostPort;
                }
                if (host.Length == 0) return null;
                int pct = host.IndexOf('%');
                return pct >= 0 ? host[..pct].ToLowerInvariant() + host[pct..] : host.ToLowerInvariant();
            }
        }

        /// <summary>SplitResult.port (null when absent or not a number in range).</summary>
        public int? Port
        {
            get
            {
                string hostPort = Netloc[(Netloc.LastIndexOf('@') + 1)..];
                int close = hostPort.IndexOf(']');
                int colon = hostPort.IndexOf(':', close + 1);
                if (colon < 0) return null;
                string p = hostPort[(colon + 1)..];
                return int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v <= 65535 ? v : null;
            }
        }
    }

    private const string SchemeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.";

    /// <summary>urllib.parse.urlsplit (3.11).</summary>
    public static Split UrlSplit(string url, string defaultScheme = "")
    {
        url = url.TrimStart(' ', '\t', '\n', '\r', '\f', '\v', '\0');
        foreach (char c in "\t\r\n") url = url.Replace(c.ToString(), "");
        string scheme = defaultScheme, netloc = "", query = "", fragment = "";
        int i = url.IndexOf(':');
        if (i > 0 && char.IsAscii(url[0]) && char.IsLetter(url[0]) && url[..i].All(c => SchemeChars.IndexOf(c) >= 0))
        {
            scheme = url[..i].ToLowerInvariant();
            url = url[(i + 1)..];
        }
        if (url.StartsWith("//"))
        {
            int end = url.Length;
            foreach (char d in "/?#")
            {
                int w = url.IndexOf(d, 2);
                if (w >= 0) end = Math.Min(end, w);
            }
            netloc = url[2..end];
            url = url[end..];
        }
        int hash = url.IndexOf('#');
        if (hash >= 0) { fragment = url[(hash + 1)..]; url = url[..hash]; }
        int q = url.IndexOf('?');
        if (q >= 0) { query = url[(q + 1)..]; url = url[..q]; }
        return new Split(scheme, netloc, url, query, fragment);
    }

    private static readonly HashSet<string> s_usesNetloc = new() { "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews", "prospero", "rtsp", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss" };
    private static readonly HashSet<string> s_usesRelative = new() { "", "ftp", "http", "gopher", "nntp", "imap", "wais", "file", "https", "shttp", "mms", "prospero", "rtsp", "rtspu", "sftp", "svn", "svn+ssh", "ws", "wss" };

    /// <summary>urllib.parse.urlunsplit.</summary>
    public static string UrlUnsplit(string scheme, string netloc, string path, string query, string fragment)
    {
        string url = path;
        if (netloc.Length > 0 || (scheme.Length > 0 && s_usesNetloc.Contains(scheme) && !url.StartsWith("//")))
        {
            if (url.Length > 0 && url[0] != '/') url = "/" + url;
            url = "//" + netloc + url;
        }
        if (scheme.Length > 0) url = scheme + ":" + url;
        if (query.Length > 0) url += "?" + query;
        if (fragment.Length > 0) url += "#" + fragment;
        return url;
    }

    public static string UrlUnsplit(Split s) => UrlUnsplit(s.Scheme, s.Netloc, s.Path, s.Query, s.Fragment);

    /// <summary>urllib.parse.urljoin (RFC 3986 resolution as Python does it).</summary>
    public static string UrlJoin(string baseUrl, string url)
    {
        if (baseUrl.Length == 0) return url;
        if (url.Length == 0) return baseUrl;
        var b = UrlSplit(baseUrl);
        var u = UrlSplit(url, b.Scheme);
        string scheme = u.Scheme, netloc = u.Netloc, path = u.Path, query = u.Query, fragment = u.Fragment;
        if (scheme != b.Scheme || !s_usesRelative.Contains(scheme)) return url;
        if (s_usesNetloc.Contains(scheme))
        {
            if (netloc.Length > 0) return UrlUnsplit(scheme, netloc, path, query, fragment);
            netloc = b.Netloc;
        }
        if (path.Length == 0)
        {
            path = b.Path;
            if (query.Length == 0) query = b.Query;
            return UrlUnsplit(scheme, netloc, path, query, fragment);
        }
        var baseParts = b.Path.Split('/').ToList();
        if (baseParts[^1] != "") baseParts.RemoveAt(baseParts.Count - 1);
        List<string> segments;
        if (path.StartsWith('/')) segments = path.Split('/').ToList();
        else
        {
            segments = baseParts.Concat(path.Split('/')).ToList();
            if (segments.Count > 2)
            {
                var middle = segments.Skip(1).Take(segments.Count - 2).Where(s => s.Length > 0);
                segments = new[] { segments[0] }.Concat(middle).Append(segments[^1]).ToList();
            }
        }
        var resolved = new List<string>();
        foreach (var seg in segments)
        {
            if (seg == "..") { if (resolved.Count > 0) resolved.RemoveAt(resolved.Count - 1); }
            else if (seg != ".") resolved.Add(seg);
        }
        if (segments[^1] is "." or "..") resolved.Add("");
        string joined = string.Join("/", resolved);
        return UrlUnsplit(scheme, netloc, joined.Length > 0 ? joined : "/", query, fragment);
    }

    // ------------------------------------------------------------------ requests' PreparedRequest.prepare_url

    /// <summary>Why a URL cannot be prepared (each becomes the requests exception of that name).</summary>
    internal sealed class PrepareError : Exception
    {
        public readonly string Kind;
        public PrepareError(string kind, string message) : base(message) { Kind = kind; }
    }

    /// <summary>
    /// PreparedRequest.prepare_url (requests/models.py): the URL as Response.url
    /// shows it, with encodedParams (already urlencoded) appended to the query.
    /// Non-HTTP URLs with a colon pass through unchanged (send() then finds no adapter).
    /// </summary>
    public static string PrepareUrl(string url, string encodedParams)
    {
        url = url.TrimStart();
        if (url.Contains(':') && !url.ToLowerInvariant().StartsWith("http")) return url;
        Url3 p;
        try { p = ParseUrl(url); }
        catch (ParseError e) { throw new PrepareError("InvalidURL", e.Message); }
        if (string.IsNullOrEmpty(p.Scheme))
            throw new PrepareError("MissingSchema", $"Invalid URL {PyStr.ReprOf(url)}: No scheme supplied. Perhaps you meant https://{url}?");
        if (string.IsNullOrEmpty(p.Host))
            throw new PrepareError("InvalidURL", $"Invalid URL {PyStr.ReprOf(url)}: No host supplied");
        string host = p.Host;
        if (host.StartsWith('*') || host.StartsWith('.')) throw new PrepareError("InvalidURL", "URL has an invalid label.");
        string netloc = p.Auth ?? "";
        if (netloc.Length > 0) netloc += "@";
        netloc += host;
        if (p.Port is int port && port != 0) netloc += ":" + port.ToString(CultureInfo.InvariantCulture);
        string path = string.IsNullOrEmpty(p.Path) ? "/" : p.Path;
        string query = p.Query ?? "";
        if (encodedParams.Length > 0) query = query.Length > 0 ? query + "&" + encodedParams : encodedParams;
        return RequoteUri(UrlUnsplit(p.Scheme, netloc, path, query, p.Fragment ?? ""));
    }

    /// <summary>PreparedRequest.path_url: path (or '/') and '?query', no fragment.</summary>
    public static string PathUrl(string url)
    {
        var s = UrlSplit(url);
        string path = s.Path.Length > 0 ? s.Path : "/";
        return s.Query.Length > 0 ? path + "?" + s.Query : path;
    }

    /// <summary>urllib3's _encode_target: the request target with invalid characters percent-encoded.</summary>
    public static string EncodeTarget(string target)
    {
        int q = target.IndexOf('?');
        int hash = target.IndexOf('#');
        if (hash >= 0 && (q < 0 || hash < q)) { target = target[..hash]; q = -1; }
        else if (hash >= 0) target = target[..hash];
        if (q < 0) return EncodeInvalidChars(target, PathChars);
        return EncodeInvalidChars(target[..q], PathChars) + "?" + EncodeInvalidChars(target[(q + 1)..], QueryChars);
    }

    /// <summary>requests.utils.get_auth_from_url: the unquoted user and password of the URL, or null.</summary>
    public static (string User, string Password)? AuthFromUrl(string url)
    {
        var s = UrlSplit(url);
        int at = s.Netloc.LastIndexOf('@');
        if (at < 0) return null;
        string userinfo = s.Netloc[..at];
        int colon = userinfo.IndexOf(':');
        string user = colon >= 0 ? userinfo[..colon] : userinfo;
        string? password = colon >= 0 ? userinfo[(colon + 1)..] : null;
        // urlparse gives None for a missing password: requests then unquotes None, which fails
        // and yields ("", ""), so a user without a password means no auth at all.
        if (password is null) return null;
        user = Uri.UnescapeDataString(user);
        password = Uri.UnescapeDataString(password);
        if (user.Length == 0 && password.Length == 0) return null;
        return (user, password);
    }
}
