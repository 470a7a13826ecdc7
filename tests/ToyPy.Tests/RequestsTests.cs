using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.RegularExpressions;
using ToyPy.Modules;
using Xunit;
using Xunit.Abstractions;

namespace ToyPy.Tests;

/// <summary>
/// The requests module against a local HTTP server this class runs itself
/// (loopback only, every wait bounded). Each program is a Python program
/// taking the server's URL (and a port nobody listens on) from sys.argv: it
/// runs under toypy and under python3 with the real requests package, and the
/// two must print the same thing; then `toypy -X refcheck` must find no
/// reference-count problem. The server speaks HTTP/1.1 by hand so that it can
/// also misbehave: malformed status lines, resets mid-body, silence, a 20 MB
/// body, redirect loops.
/// </summary>
public sealed class RequestsTests : IClassFixture<RequestsTests.Servers>, IDisposable
{
    private readonly ITestOutputHelper _out;
    private readonly Servers _servers;
    private readonly string _dir;

    public RequestsTests(ITestOutputHelper output, Servers servers)
    {
        _out = output;
        _servers = servers;
        _dir = Path.Combine(Path.GetTempPath(), "toypy-requests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>
    /// One plain and one TLS server for the whole class, a port nothing listens
    /// on, and a port whose accept queue is full (Linux then drops new SYNs, so a
    /// connect there times out: requests' ConnectTimeout without leaving loopback).
    /// </summary>
    public sealed class Servers : IDisposable
    {
        public readonly TestHttpServer Plain = new(tls: false);
        public readonly TestHttpServer Tls = new(tls: true);
        public readonly int RefusedPort = FreePort();
        private readonly Socket _saturated = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        private readonly List<Socket> _fillers = new();
        public readonly int SaturatedPort;

        public Servers()
        {
            _saturated.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _saturated.Listen(0);
            SaturatedPort = ((IPEndPoint)_saturated.LocalEndPoint!).Port;
            for (int i = 0; i < 3; i++)
            {
                var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                _fillers.Add(c);
                try { c.ConnectAsync(new IPEndPoint(IPAddress.Loopback, SaturatedPort)).Wait(200); }
                catch (AggregateException) { }
            }
        }

        private static int FreePort()
        {
            var l = new TcpListener(IPAddress.Loopback, 0);
            l.Start();
            int port = ((IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return port;
        }

        public void Dispose()
        {
            Plain.Dispose();
            Tls.Dispose();
            foreach (var f in _fillers) f.Dispose();
            _saturated.Dispose();
        }
    }

    // ------------------------------------------------------------------ running programs

    private string Write(string name, string source)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, source, new UTF8Encoding(false));
        return path;
    }

    private string[] Args(string script) =>
        new[] { script, _servers.Plain.Url, _servers.RefusedPort.ToString(), _servers.Tls.Url, _servers.SaturatedPort.ToString() };

    /// <summary>
    /// Runs the program under toypy, python3 (when present) and toypy -X refcheck;
    /// stdout and the exit status must agree, and so must stderr's last line
    /// (CPython's tracebacks pass through requests' own frames, ToyPy's do not).
    /// </summary>
    private RunResult RunBoth(string name, string source, bool compareStderrTail = true)
    {
        var path = Write(name, source);
        var args = Args(path);
        var toypyTask = Task.Run(() => ToyPyRunner.RunToyPy(args, _dir, timeout: TimeSpan.FromSeconds(120)));
        var auditTask = Task.Run(() => ToyPyRunner.RunToyPy(new[] { "-X", "refcheck" }.Concat(args), _dir, timeout: TimeSpan.FromSeconds(120)));
        RunResult? python = ToyPyRunner.PythonAvailable && PythonHasRequests()
            ? ToyPyRunner.RunPython(args, _dir, timeout: TimeSpan.FromSeconds(120))
            : null;
        var toypy = toypyTask.Result;
        _out.WriteLine($"toypy:\n{toypy}");
        Assert.False(toypy.TimedOut, $"toypy timed out\n{toypy}");
        Assert.DoesNotContain("Unhandled exception", toypy.Stderr);
        if (python is null) _out.WriteLine("SKIPPED the comparison: python3 with the requests package was not found.");
        else
        {
            _out.WriteLine($"python3:\n{python}");
            Assert.Equal(python.Status, toypy.Status);
            Assert.Equal(ToyPyRunner.Normalise(python.Stdout), ToyPyRunner.Normalise(toypy.Stdout));
            if (compareStderrTail) Assert.Equal(LastLine(python.Stderr), LastLine(toypy.Stderr));
        }
        var audit = auditTask.Result;
        var m = Regex.Matches(audit.Stderr, @"^refcheck: (\d+) objects? checked, (\d+) problems?", RegexOptions.Multiline);
        Assert.True(m.Count > 0, $"no refcheck report\n{audit}");
        Assert.True(m[^1].Groups[2].Value == "0", $"the reference-count audit found problems\n{audit.Stderr}");
        return toypy;
    }

    private static string LastLine(string s) => s.TrimEnd('\n').Split('\n')[^1];

    private static readonly Lazy<bool> s_pythonRequests = new(() =>
    {
        try
        {
            var r = ToyPyRunner.RunPython(new[] { "-c", "import requests" }, timeout: TimeSpan.FromSeconds(60));
            return r.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FileNotFoundException) { return false; }
    });

    private static bool PythonHasRequests() => s_pythonRequests.Value;

    private const string Prelude = """
        import sys
        import requests

        BASE = sys.argv[1]
        REFUSED = int(sys.argv[2])
        TLS = sys.argv[3]
        SATURATED = int(sys.argv[4])


        def show_error(label, e):
            print(label, '!!', type(e).__module__ + '.' + type(e).__name__, '|', e)
            print('   ', isinstance(e, requests.ConnectionError), isinstance(e, requests.Timeout),
                  isinstance(e, requests.RequestException), isinstance(e, OSError), isinstance(e, ValueError),
                  e.response, type(e.request).__name__)


        def attempt(label, f):
            try:
                r = f()
                print(label, '->', r, r.status_code, repr(r.reason), r.url, repr(r.encoding), r.ok)
                print('    headers:', r.headers)
                print('    content:', len(r.content), r.content[:60])
                print('    history:', r.history, [h.url for h in r.history])
            except requests.RequestException as e:
                show_error(label, e)

        """;

    // ------------------------------------------------------------------ the programs

    [Fact]
    public void ResponseAttributes()
    {
        RunBoth("basics.tpy", Prelude + """
            r = requests.get(BASE + '/json', timeout=5)
            print(r, r.status_code, r.ok, bool(r), r.reason, r.url, r.encoding)
            print(r.headers)
            print(r.headers['content-type'], r.headers['CONTENT-LENGTH'], r.headers.get('x-missing'), 'Content-Type' in r.headers)
            print(r.json())
            data = r.json()
            print(data['list'][1] + 1, data['text'])
            print(type(r.content).__name__, r.content[:30], type(r.text).__name__, r.text[:30])
            print(r.history, r.request, r.request.method, r.request.url, r.request.headers, r.request.body)
            print(type(r), type(r.headers), r.is_redirect, r.is_permanent_redirect, r.next)
            print(r.raise_for_status())

            for code in [200, 201, 204, 400, 404, 418, 500, 503]:
                r = requests.get(BASE + '/status/' + str(code))
                try:
                    r.raise_for_status()
                    print(code, 'fine', r.ok, repr(r.text))
                except requests.HTTPError as e:
                    print(code, 'HTTPError:', e)
                    print('   ', e.response is r, e.request is r.request, r.ok, bool(r), repr(r.text))

            r = requests.get(BASE + '/status/404')
            r.status_code = 200
            print(r.ok, r)
            r.status_code = 502
            print(r.ok, r)

            r = requests.get(BASE + '/headers')
            print(r.headers)
            print(list(r.headers), r.headers.keys(), r.headers.values(), r.headers.items())
            print(dict(r.headers), len(r.headers), r.headers == {k.upper(): v for k, v in r.headers.items()})
            print(r.text, r.encoding)
            r.encoding = 'utf-8'
            print(repr(r.text))

            r = requests.get(BASE + '/notjson')
            try:
                r.json()
            except requests.exceptions.JSONDecodeError as e:
                print('JSONDecodeError:', e, '|', e.msg, e.pos, e.lineno, e.colno)
                print('   ', isinstance(e, ValueError), isinstance(e, requests.RequestException), e.response, e.request)

            r = requests.get(BASE + '/lines')
            print(list(r.iter_lines()))
            print(list(r.iter_content(10)))
            print(list(r.iter_lines(chunk_size=3)))
            print(list(r))
            with requests.get(BASE + '/json') as r:
                print('with', r.status_code)

            for route in ['/gzip', '/deflate', '/chunked', '/http10', '/cont100', '/nocolon', '/json#fragment',
                          '/a/../b/./c?x=1 2&y=é', '/status/204']:
                attempt(route, lambda: requests.get(BASE + route))
            attempt('/badgzip', lambda: requests.get(BASE + '/badgzip'))
            """);
    }

    [Fact]
    public void Redirects()
    {
        RunBoth("redirects.tpy", Prelude + """
            attempt('chain', lambda: requests.get(BASE + '/redirect/3'))
            attempt('absolute', lambda: requests.get(BASE + '/abs-redirect'))
            attempt('no follow', lambda: requests.get(BASE + '/redirect/2', allow_redirects=False))
            attempt('head', lambda: requests.head(BASE + '/redirect/2'))
            attempt('head follow', lambda: requests.head(BASE + '/redirect/2', allow_redirects=True))
            attempt('loop', lambda: requests.get(BASE + '/loop'))
            try:
                requests.get(BASE + '/loop')
            except requests.TooManyRedirects as e:
                print('TooManyRedirects:', e, e.response, e.response.url, len(e.response.history), e.request.url)

            r = requests.get(BASE + '/redirect/2')
            print([(h.status_code, h.headers['Location']) for h in r.history], r.history[0].is_redirect, r.history[0].is_permanent_redirect)
            r = requests.post(BASE + '/post-redirect', data={'a': '1'})
            print(r.url, [h.status_code for h in r.history])
            print(r.text)
            r = requests.post(BASE + '/307', data={'a': '1'})
            print(r.url, [h.status_code for h in r.history])
            print(r.text)
            r = requests.get(BASE + '/fragment-redirect#keep')
            print(r.url, [h.url for h in r.history])
            """);
    }

    [Fact]
    public void RequestComposition()
    {
        RunBoth("compose.tpy", Prelude + """
            def echo(label, r):
                print(label, r.url)
                print(r.text)
                print('   prepared:', r.request.method, r.request.url, r.request.headers, repr(r.request.body), r.request.path_url)

            echo('form', requests.post(BASE + '/echo?x=1#frag', data={'a': 1, 'b': [1, 'x y'], 'c': None, 'é': 'ü'}))
            echo('json', requests.post(BASE + '/echo', json={'a': [1, 2.5, None, True], 'u': 'é'}))
            echo('str', requests.post(BASE + '/echo', data='raw str'))
            echo('bytes', requests.put(BASE + '/echo', data=b'raw bytes'))
            echo('empty post', requests.post(BASE + '/echo'))
            echo('pairs', requests.patch(BASE + '/echo', data=[('k', 'v'), ('k', 'w')]))
            echo('params', requests.get(BASE + '/echo?x=1', params={'q': 'a b', 'n': [1, 2], 'z': None}))
            echo('str params', requests.get(BASE + '/echo', params='raw=1&x'))
            echo('headers', requests.get(BASE + '/echo', headers={'X-Y': 'z', 'accept': 'text/html', 'User-Agent': None, 'X-B': b'bytes'}))
            echo('no defaults', requests.get(BASE + '/echo', headers={'Accept-Encoding': None, 'Connection': None}))
            echo('cookies', requests.get(BASE + '/echo', cookies={'sid': 'abc', 'theme': 'dark'}))
            echo('auth', requests.get(BASE + '/echo', auth=('user', 'pässword')))
            echo('url auth', requests.get(BASE.replace('http://', 'http://user:p%40ss@') + '/echo'))
            echo('delete', requests.delete(BASE + '/echo'))
            echo('options', requests.options(BASE + '/echo'))
            echo('request', requests.request('get', BASE + '/echo', params=[('a', 1), ('b', 2)]))
            r = requests.head(BASE + '/echo')
            print('head', r.status_code, r.headers['Content-Length'], r.content)
            """);
    }

    [Fact]
    public void ConnectionRefused()
    {
        RunBoth("refused.tpy", Prelude + """
            attempt('refused', lambda: requests.get(f'http://127.0.0.1:{REFUSED}/x?y=1', timeout=2))
            attempt('refused https', lambda: requests.get(f'https://127.0.0.1:{REFUSED}/', timeout=2))
            attempt('refused post', lambda: requests.post(f'http://127.0.0.1:{REFUSED}/', json={}))
            try:
                requests.get(f'http://127.0.0.1:{REFUSED}/')
            except requests.ConnectionError as e:
                print('caught as requests.ConnectionError:', type(e).__name__)
            try:
                requests.get(f'http://127.0.0.1:{REFUSED}/')
            except requests.exceptions.RequestException as e:
                print('caught as RequestException:', type(e).__name__)
            try:
                requests.get(f'http://127.0.0.1:{REFUSED}/')
            except OSError as e:
                print('caught as OSError:', type(e).__name__, e.errno)
            requests.get(f'http://127.0.0.1:{REFUSED}/last')
            """);
    }

    [Fact]
    public void TimeoutWhenTheServerNeverAnswers()
    {
        var sw = Stopwatch.StartNew();
        var r = RunBoth("timeout.tpy", Prelude + """
            import time

            for timeout in [0.3, (2, 0.3), (None, 0.3)]:
                start = time.monotonic()
                try:
                    requests.get(BASE + '/hang', timeout=timeout)
                    print('answered?!')
                except requests.Timeout as e:
                    print(type(e).__name__, e, isinstance(e, requests.exceptions.ReadTimeout), isinstance(e, requests.ConnectionError))
                print('bounded:', time.monotonic() - start < 3)
            start = time.monotonic()
            attempt('silent mid-body', lambda: requests.get(BASE + '/hang-body', timeout=0.3))
            print('bounded:', time.monotonic() - start < 3)
            start = time.monotonic()
            try:
                requests.get(f'http://127.0.0.1:{SATURATED}/', timeout=(0.3, 5))
                print('connected?!')
            except requests.exceptions.ConnectTimeout as e:
                print('ConnectTimeout', str(e).replace(str(SATURATED), 'PORT'))
                print('   ', isinstance(e, requests.Timeout), isinstance(e, requests.ConnectionError), e.request.url.replace(str(SATURATED), 'PORT'))
            print('bounded:', time.monotonic() - start < 3)
            for bad in [0, -1, 'abc', (1, 2, 3), True, [1, 2], (1,), (None, -2)]:
                try:
                    requests.get(BASE + '/status/200', timeout=bad)
                except ValueError as e:
                    print(repr(bad), 'ValueError:', e)
            print(requests.get(BASE + '/status/200', timeout=(5, 5)).status_code)
            """);
        _out.WriteLine($"elapsed {sw.Elapsed}");
        Assert.Contains("ReadTimeout", r.Stdout);
    }

    [Fact]
    public void MalformedResponses()
    {
        RunBoth("malformed.tpy", Prelude + """
            for route in ['/garbage', '/empty', '/rst', '/http2', '/bad-status-code', '/status-too-long', '/too-many-headers']:
                attempt(route, lambda: requests.get(BASE + route, timeout=5))
            for route in ['/short', '/short-rst', '/badchunk', '/truncchunk', '/chunkeof', '/rst-mid-close']:
                attempt(route, lambda: requests.get(BASE + route, timeout=5))
            try:
                requests.get(BASE + '/garbage')
            except requests.ConnectionError as e:
                print('ConnectionError caught:', e)
            try:
                requests.get(BASE + '/short-rst')
            except requests.exceptions.ChunkedEncodingError as e:
                print('ChunkedEncodingError caught:', e)
            """);
    }

    [Fact]
    public void HugeBody()
    {
        RunBoth("huge.tpy", Prelude + """
            r = requests.get(BASE + '/big', timeout=30)
            body = r.content
            print(r.status_code, r.headers['Content-Length'], len(body), body[:8], body[-8:], body[1234567], body.count(b'\xff'))
            print(r.encoding, r.ok, r is not None)
            """);
    }

    [Fact]
    public void BadUrls()
    {
        RunBoth("urls.tpy", Prelude + """
            for url in ['example.com', 'www.example.com/path', 'http://', 'ftp://x.com/', 'http:///foo', 'http://[::1',
                        'http://a:99999/', 'http://a:abc/', '', 'localhost:8080/x', 'httpx://a', 'http://*.a.com/',
                        '  http://', f'HTTP://127.0.0.1:{REFUSED}/']:
                try:
                    requests.get(url, timeout=1)
                except (requests.RequestException, ValueError) as e:
                    print(repr(url), type(e).__name__, '|', str(e).replace(str(REFUSED), 'PORT'), '|', isinstance(e, ValueError))
            for bad in [{'X': 1}, {'X': ' lead'}, {'X': 'a\r\nb'}, {'Bad:Name': 'v'}]:
                try:
                    requests.get(BASE + '/echo', headers=bad)
                except requests.exceptions.InvalidHeader as e:
                    print('InvalidHeader:', e)
            try:
                requests.post(BASE + '/echo', json={'a': float('nan')})
            except requests.exceptions.InvalidJSONError as e:
                print('InvalidJSONError:', e)
            for call in [lambda: requests.get(BASE, foo=1), lambda: requests.get(BASE, None, 3), lambda: requests.get(),
                         lambda: requests.get(BASE, None, params=1), lambda: requests.request('GET')]:
                try:
                    call()
                except TypeError as e:
                    print('TypeError:', e)
            requests.get('example.com')
            """);
    }

    [Fact]
    public void ModuleSurface()
    {
        RunBoth("surface.tpy", Prelude + """
            import requests.exceptions
            from requests.exceptions import ConnectTimeout, MissingSchema, InvalidURL, ChunkedEncodingError

            print(requests.ConnectTimeout.__mro__)
            print(MissingSchema.__mro__)
            print(requests.exceptions.JSONDecodeError.__mro__)
            print(issubclass(ConnectTimeout, requests.Timeout), issubclass(ConnectTimeout, requests.ConnectionError))
            print(issubclass(InvalidURL, ValueError), issubclass(ChunkedEncodingError, requests.ConnectionError))
            print(requests.exceptions.SSLError.__mro__[1], requests.exceptions.ReadTimeout.__mro__[1])
            print(requests.Response, requests.exceptions.HTTPError, requests.ConnectionError is requests.exceptions.ConnectionError)
            print(requests.codes.ok, requests.codes.NOT_FOUND, requests.codes['teapot'], requests.codes['nope'], requests.codes.get('ok'), requests.codes)

            e = requests.RequestException('a', 'b')
            print(str(e), e.args, e.response, e.request, e.errno, e.strerror)
            e = requests.HTTPError('boom', response=requests.get(BASE + '/status/404'))
            print(e, e.response, e.request, e.request.url)


            class MyError(requests.RequestException):
                pass


            try:
                raise MyError('custom', response=1)
            except requests.RequestException as e:
                print(type(e).__name__, e, e.response, e.request)

            try:
                raise requests.ConnectTimeout('slow')
            except requests.Timeout as e:
                print('Timeout catches ConnectTimeout:', e)

            h = requests.structures.CaseInsensitiveDict({'Content-Type': 'x'}, Accept='y')
            h['content-TYPE'] = 'z'
            print(h, len(h), 'ACCEPT' in h, h == {'content-type': 'z', 'accept': 'y'}, h.get('nope', 5), dict(h), list(h))
            c = h.copy()
            del h['accept']
            print(h, c, h.setdefault('New', 1), h.pop('content-type'), h, list(c.lower_items()))
            try:
                c['missing']
            except KeyError as e:
                print('KeyError', e)
            """);
    }

    [Fact]
    public void Https()
    {
        // urllib3 warns about verify=False on stderr; stdout must agree.
        RunBoth("https.tpy", Prelude + """
            r = requests.get(TLS + '/json', verify=False, timeout=5)
            print(r.status_code, r.json(), r.url)
            try:
                requests.get(TLS + '/json', timeout=5)
            except requests.exceptions.SSLError as e:
                print('SSLError', isinstance(e, requests.ConnectionError), e)
            """, compareStderrTail: false);
    }

    /// <summary>
    /// Fifty threads doing GETs at once against a server that answers each after
    /// one second: the requests wait side by side (the GIL is released around
    /// the network wait), so the whole lot takes a few seconds, not fifty.
    /// Runs once ToyPy has a threading module.
    /// </summary>
    [Fact]
    public void FiftyThreadsWaitInParallel()
    {
        var probe = ToyPyRunner.RunToyPy(new[] { "-c", "import threading" }, _dir, timeout: TimeSpan.FromSeconds(60));
        if (probe.ExitCode != 0)
        {
            _out.WriteLine("SKIPPED: ToyPy has no threading module yet.\n" + probe);
            return;
        }
        var r = RunBoth("threads.tpy", Prelude + """
            import threading
            import time

            results = []


            def fetch(i):
                r = requests.get(BASE + f'/delay?i={i}', timeout=30)
                results.append((i, r.status_code, r.text))


            threads = [threading.Thread(target=fetch, args=(i,)) for i in range(50)]
            start = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - start
            print(len(results), sorted(results)[:3], sorted(results)[-1])
            print('parallel:', elapsed < 10)
            """);
        Assert.Contains("parallel: True", r.Stdout);
    }

    /// <summary>The HTTP layer itself: fifty concurrent requests from .NET threads overlap their waits.</summary>
    [Fact]
    public void HttpLayerHasNoConnectionLimit()
    {
        var sw = Stopwatch.StartNew();
        var results = new RequestsHttp.HttpResult[50];
        var threads = Enumerable.Range(0, 50).Select(i => new Thread(() =>
        {
            var spec = new RequestsHttp.HttpRequestSpec
            {
                Url = $"{_servers.Plain.Url}/delay?i={i}",
                ReadTimeout = 30, ReadTimeoutText = "30", ConnectTimeout = 30, ConnectTimeoutText = "30",
            };
            results[i] = RequestsHttp.Perform(spec);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join(TimeSpan.FromSeconds(60)));
        _out.WriteLine($"50 delayed requests took {sw.Elapsed}");
        for (int i = 0; i < 50; i++)
        {
            Assert.NotNull(results[i]);
            Assert.Null(results[i].Failure);
            Assert.Equal(200, results[i].Responses[^1].Status);
            Assert.Equal($"delayed {i}", Encoding.ASCII.GetString(results[i].Responses[^1].Content));
        }
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"the requests did not overlap: {sw.Elapsed}");
    }

    [Fact]
    public void ImportCreatesNoClient()
    {
        // The module costs nothing until a request is made: importing it opens no connection.
        var r = ToyPyRunner.RunToyPy(new[] { "-c", "import requests; print(requests.__version__, requests.get.__name__)" }, _dir);
        _out.WriteLine(r.ToString());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("2.34.2 get\n", r.Stdout);
    }
}

/// <summary>
/// A small HTTP/1.1 server on 127.0.0.1 for the requests tests: one thread per
/// connection, one response per connection (Connection: close), routes that
/// answer normally and routes that misbehave on purpose.
/// </summary>
public sealed class TestHttpServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2? _certificate;
    private readonly Thread _acceptThread;

    public int Port { get; }
    public string Url => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}";

    public TestHttpServer(bool tls)
    {
        if (tls) _certificate = SelfSigned();
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(200);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "test-http-accept" };
        _acceptThread.Start();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        req.CertificateExtensions.Add(san.Build());
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pfx), null);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _listener.Stop(); } catch (SocketException) { }
        _certificate?.Dispose();
    }

    private void AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = _listener.AcceptTcpClient(); }
            catch (Exception) { return; }
            new Thread(() => Serve(client)) { IsBackground = true, Name = "test-http-conn" }.Start();
        }
    }

    private void Serve(TcpClient client)
    {
        try
        {
            using (client)
            {
                Stream stream = client.GetStream();
                if (_certificate is not null)
                {
                    var ssl = new SslStream(stream, false);
                    ssl.AuthenticateAsServer(_certificate);
                    stream = ssl;
                }
                var (method, target, head, body) = ReadRequest(stream);
                if (method is null) return;
                Route(client, stream, method, target!, head!, body!);
            }
        }
        catch (Exception)
        {
            // A client that gave up (a timeout test) or a TLS client that refused the certificate.
        }
    }

    private static (string? Method, string? Target, byte[]? Head, byte[]? Body) ReadRequest(Stream s)
    {
        var buf = new MemoryStream();
        var one = new byte[1];
        while (true)
        {
            int n = s.Read(one, 0, 1);
            if (n == 0) return (null, null, null, null);
            buf.WriteByte(one[0]);
            var b = buf.GetBuffer();
            long len = buf.Length;
            if (len >= 4 && b[len - 4] == '\r' && b[len - 3] == '\n' && b[len - 2] == '\r' && b[len - 1] == '\n') break;
        }
        byte[] head = buf.ToArray();
        string text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var first = lines[0].Split(' ');
        int contentLength = 0;
        foreach (var line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("content-length", StringComparison.OrdinalIgnoreCase))
                contentLength = int.Parse(line[(colon + 1)..].Trim());
        }
        var body = new byte[contentLength];
        int got = 0;
        while (got < contentLength)
        {
            int n = s.Read(body, got, contentLength - got);
            if (n == 0) break;
            got += n;
        }
        return (first[0], first.Length > 1 ? first[1] : "/", head, body);
    }

    private static void Send(Stream s, string status, IEnumerable<(string, string)> headers, byte[] body, bool close = true)
    {
        var sb = new StringBuilder($"HTTP/1.1 {status}\r\n");
        foreach (var (k, v) in headers) sb.Append(k).Append(": ").Append(v).Append("\r\n");
        if (close) sb.Append("Connection: close\r\n");
        sb.Append("\r\n");
        s.Write(Encoding.Latin1.GetBytes(sb.ToString()));
        s.Write(body);
        s.Flush();
    }

    private static void Raw(Stream s, string text)
    {
        s.Write(Encoding.Latin1.GetBytes(text));
        s.Flush();
    }

    private static void Reset(TcpClient c)
    {
        c.Client.LingerState = new LingerOption(true, 0);
        c.Client.Close();
    }

    private void Wait(TimeSpan t) => _stop.Token.WaitHandle.WaitOne(t);

    private static readonly Dictionary<int, string> s_reasons = new()
    {
        [200] = "OK", [201] = "Created", [204] = "No Content", [400] = "Bad Request", [404] = "Not Found",
        [418] = "I'm a Teapot", [500] = "Internal Server Error", [503] = "Service Unavailable",
    };

    private void Route(TcpClient client, Stream s, string method, string target, byte[] head, byte[] body)
    {
        string path = target.Split('?')[0];
        byte[] B(string x) => Encoding.UTF8.GetBytes(x);
        switch (path)
        {
            case "/echo":
            {
                var all = head.Concat(body).ToArray();
                Send(s, "200 OK", new[] { ("Content-Type", "text/plain"), ("Content-Length", all.Length.ToString()) }, all);
                return;
            }
            case "/json":
            {
                var json = B($"{{\"method\": \"{method}\", \"target\": \"{target}\", \"list\": [1, 2.5, null, true], \"text\": \"\\u00e9\"}}");
                Send(s, "200 OK", new[] { ("Content-Type", "application/json"), ("Content-Length", json.Length.ToString()) }, json);
                return;
            }
            case "/abs-redirect":
                Send(s, "301 Moved Permanently", new[] { ("Location", $"{Url}/echo?from=abs"), ("Content-Length", "0") }, Array.Empty<byte>());
                return;
            case "/loop":
                Send(s, "302 Found", new[] { ("Location", "/loop"), ("Content-Length", "0") }, Array.Empty<byte>());
                return;
            case "/post-redirect":
                Send(s, "303 See Other", new[] { ("Location", "echo"), ("Content-Length", "0") }, Array.Empty<byte>());
                return;
            case "/307":
                Send(s, "307 Temporary Redirect", new[] { ("Location", "/echo"), ("Content-Length", "0") }, Array.Empty<byte>());
                return;
            case "/fragment-redirect":
                Send(s, "302 Found", new[] { ("Location", "/json"), ("Content-Length", "0") }, Array.Empty<byte>());
                return;
            case "/gzip":
            {
                var ms = new MemoryStream();
                using (var gz = new System.IO.Compression.GZipStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                    gz.Write(B(string.Concat(Enumerable.Repeat("compressed body ", 10))));
                var z = ms.ToArray();
                Send(s, "200 OK", new[] { ("Content-Encoding", "gzip"), ("Content-Length", z.Length.ToString()) }, z);
                return;
            }
            case "/deflate":
            {
                var ms = new MemoryStream();
                using (var zl = new System.IO.Compression.ZLibStream(ms, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
                    zl.Write(B("deflated body"));
                var z = ms.ToArray();
                Send(s, "200 OK", new[] { ("Content-Encoding", "deflate"), ("Content-Length", z.Length.ToString()) }, z);
                return;
            }
            case "/badgzip":
                Send(s, "200 OK", new[] { ("Content-Encoding", "gzip"), ("Content-Length", "9") }, B("not gzip!"));
                return;
            case "/chunked":
                Raw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nConnection: close\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n");
                return;
            case "/big":
            {
                const int size = 20 * 1024 * 1024;
                Raw(s, $"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n");
                var chunk = new byte[256 * 4096];
                for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)i;
                for (int sent = 0; sent < size; sent += chunk.Length) s.Write(chunk);
                s.Flush();
                return;
            }
            case "/delay":
            {
                Wait(TimeSpan.FromSeconds(1));
                string i = target.Contains("i=") ? target[(target.IndexOf("i=") + 2)..] : "";
                var b = B("delayed " + i);
                Send(s, "200 OK", new[] { ("Content-Length", b.Length.ToString()) }, b);
                return;
            }
            case "/hang":
                Wait(TimeSpan.FromSeconds(5));
                return;
            case "/hang-body":
                Raw(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
                Wait(TimeSpan.FromSeconds(5));
                return;
            case "/garbage": Raw(s, "garbage\r\n\r\n"); return;
            case "/empty": return;
            case "/rst": Reset(client); return;
            case "/http2": Raw(s, "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok"); return;
            case "/bad-status-code": Raw(s, "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nok"); return;
            case "/status-too-long": Raw(s, "HTTP/1.1 200 " + new string('x', 70000) + "\r\n\r\n"); return;
            case "/too-many-headers":
                Raw(s, "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 120).Select(i => $"X-H{i}: {i}\r\n")) + "\r\nok");
                return;
            case "/short": Raw(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('x', 100)); return;
            case "/short-rst":
                Raw(s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + new string('x', 100));
                Wait(TimeSpan.FromMilliseconds(100));
                Reset(client);
                return;
            case "/rst-mid-close":
                Raw(s, "HTTP/1.1 200 OK\r\n\r\n" + new string('y', 50));
                Wait(TimeSpan.FromMilliseconds(100));
                Reset(client);
                return;
            case "/badchunk": Raw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"); return;
            case "/truncchunk": Raw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc"); return;
            case "/chunkeof": Raw(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"); return;
            case "/headers":
                Raw(s, "HTTP/1.1 200 OK\r\nX-A:   spaced  \r\nx-a: again\r\nX-B:\tt\r\nX-Fold: a\r\n  b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: text/html; charset=ISO-8859-1\r\nContent-Length: 4\r\n\r\ncaf\u00e9");
                return;
            case "/nocolon": Raw(s, "HTTP/1.1 200 OK\r\nX-Before: 1\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nok"); return;
            case "/cont100": Raw(s, "HTTP/1.1 100 Continue\r\nX-I: 1\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"); return;
            case "/http10": Raw(s, "HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nhello till close"); return;
            case "/notjson":
                Send(s, "200 OK", new[] { ("Content-Type", "text/html"), ("Content-Length", "15") }, B("<html>hi</html>"));
                return;
            case "/lines":
            {
                var b = B("line one\nline two\r\nline three\rlast");
                Send(s, "200 OK", new[] { ("Content-Length", b.Length.ToString()) }, b);
                return;
            }
        }
        if (path.StartsWith("/status/"))
        {
            int code = int.Parse(path["/status/".Length..]);
            var b = code == 204 ? Array.Empty<byte>() : B($"status {code}");
            Send(s, $"{code} {s_reasons.GetValueOrDefault(code, "Whatever")}", new[] { ("Content-Length", b.Length.ToString()) }, b);
            return;
        }
        if (path.StartsWith("/redirect/"))
        {
            int n = int.Parse(path["/redirect/".Length..]);
            Send(s, "302 Found", new[] { ("Location", n > 1 ? $"/redirect/{n - 1}" : "/json"), ("Content-Length", "0") }, Array.Empty<byte>());
            return;
        }
        Send(s, "404 Not Found", new[] { ("Content-Length", "9") }, B("not found"));
    }
}
