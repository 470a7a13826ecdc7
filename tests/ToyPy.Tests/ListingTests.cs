using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// The chapter's listings in scripts/ (1.2, 1.3, 1.5-1.8) agree with python3
/// apart from pids, thread idents and times. The status listings fetch from a
/// loopback HTTP server this test starts (port 0, 100 ms per answer).
/// Thread output may interleave differently from run to run in CPython too, so
/// the listings with threads compare their lines as sorted multisets.
/// </summary>
public sealed class ListingTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public ListingTests()
    {
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    private string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/";

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                {
                    var stream = client.GetStream();
                    var buf = new byte[4096];
                    var request = new StringBuilder();
                    while (!request.ToString().Contains("\r\n\r\n"))
                    {
                        int n = await stream.ReadAsync(buf);
                        if (n == 0) return;
                        request.Append(Encoding.ASCII.GetString(buf, 0, n));
                    }
                    await Task.Delay(100);
                    var body = "<html><body>listing test</body></html>";
                    var response = $"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
                }
            });
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }

    private static string Script(string name) => Path.Combine(ToyPyRunner.RepoRoot, "scripts", name);

    private static string Lines(string text, bool sorted)
    {
        var lines = ToyPyRunner.Normalise(text).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (sorted) Array.Sort(lines, StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    [Theory]
    [InlineData("processes_and_threads.tpy", false, false)]
    [InlineData("hello_thread.tpy", true, false)]
    [InlineData("fib.tpy", false, false)]
    [InlineData("fib_threads.tpy", true, false)]
    [InlineData("status_sync.tpy", false, true)]
    [InlineData("status_threads.tpy", true, true)]
    public void ListingAgreesWithPython(string script, bool threads, bool needsUrl)
    {
        if (!ToyPyRunner.PythonAvailable) return;
        var args = new List<string> { Script(script) };
        if (needsUrl) args.Add(Url);
        else if (script.StartsWith("fib", StringComparison.Ordinal)) { args.Add("20"); args.Add("21"); }
        var python = ToyPyRunner.RunPython(args, timeout: TimeSpan.FromSeconds(60));
        if (needsUrl && python.Stderr.Contains("No module named 'requests'")) return;
        var toypy = ToyPyRunner.RunToyPy(args, timeout: TimeSpan.FromSeconds(60));
        Assert.Equal(python.Status, toypy.Status);
        if (threads)
        {
            SamePrintsInAnyOrder(python.Stdout, toypy.Stdout);
            SamePrintsInAnyOrder(python.Stderr, toypy.Stderr);
        }
        else
        {
            Assert.Equal(Lines(python.Stdout, false), Lines(toypy.Stdout, false));
            Assert.Equal(Lines(python.Stderr, false), Lines(toypy.Stderr, false));
        }
    }

    /// <summary>
    /// print writes its text and its "\n" separately, so another thread's text
    /// can land in between (CPython does that too). What must agree is the
    /// multiset of printed texts: each of ToyPy's lines, taken out of python3's
    /// output with the newlines removed, must leave nothing behind.
    /// </summary>
    [Fact]
    public void InterleavedPrintsCompareAsTheSameTexts()
    {
        Assert.True(ToyPyRunner.SamePrintsInAnyOrder("Hello from child N!Hello from parent N\n\n", "Hello from parent N\nHello from child N!\n"));
        Assert.False(ToyPyRunner.SamePrintsInAnyOrder("a\nb\n", "a\nc\n"));
        Assert.False(ToyPyRunner.SamePrintsInAnyOrder("a\nb\n", "a\n"));
    }

    private static void SamePrintsInAnyOrder(string python, string toypy)
    {
        // Listing 1.3 counts threads while its thread may or may not have finished: 1 or 2, in CPython too.
        static string Norm(string s) => System.Text.RegularExpressions.Regex.Replace(
            ToyPyRunner.Normalise(s), @"currently running [12] thread\(s\)", "currently running N thread(s)");
        Assert.True(ToyPyRunner.SamePrintsInAnyOrder(Norm(python), Norm(toypy)),
            $"toypy and python3 printed different texts:\npython3: {python}\ntoypy: {toypy}");
    }
}
