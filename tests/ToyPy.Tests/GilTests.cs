using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace ToyPy.Tests;

/// <summary>
/// The GIL seen from outside: toypy runs small threaded programs as a child
/// process (see ToyPyRunner) and these tests read what `--gil-stats` and
/// `--gil-trace` report. Every run is bounded by a timeout; no assertion is
/// about speed, only about the protocol (both threads progress, drops on
/// request happen about once per switch interval, blocking calls release
/// the lock) and about the process always exiting.
/// </summary>
public sealed class GilTests : IDisposable
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(60);
    private readonly ITestOutputHelper _out;
    private readonly TempScripts _scripts;

    public GilTests(ITestOutputHelper output)
    {
        _out = output;
        _scripts = new TempScripts("gil");
    }

    public void Dispose()
    {
        _scripts.Dispose();
    }

    private string Write(string name, string source) => _scripts.Write(name, source);

    private RunResult ToyPy(params string[] args) => ToyPy(args, Bounded);

    private RunResult ToyPy(string[] args, TimeSpan timeout)
    {
        var r = ToyPyRunner.RunToyPy(args, _scripts.Dir, timeout: timeout);
        _out.WriteLine(r.ToString());
        return r;
    }

    private static void AssertRanCleanly(RunResult r)
    {
        Assert.False(r.TimedOut, $"toypy did not exit within the bound\n{r}");
        Assert.True(r.ExitCode == 0, $"exit status {r.ExitCode}\n{r}");
        Assert.DoesNotContain("Traceback", r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
    }

    // ------------------------------------------------------------------
    // The --gil-stats table (src/ToyPy/Runtime/GilReport.cs)
    // ------------------------------------------------------------------

    /// <summary>One row of the table: a thread, or the "total" line.</summary>
    public sealed record GilRow(string Thread, double HeldS, double WaitedS, double InIoS,
                                long Acquired, long DroppedOnRequest, long ReleasedForIo, double SwitchesPerS);

    public sealed record GilTable(int Threads, double WallS, double IntervalMs, List<GilRow> Rows, GilRow Total)
    {
        public GilRow Row(string thread) =>
            Rows.SingleOrDefault(r => r.Thread == thread)
            ?? throw new Xunit.Sdk.XunitException($"no row for thread '{thread}' in [{string.Join(", ", Rows.Select(r => r.Thread))}]");
    }

    private static readonly Regex s_header = new(
        @"^GIL statistics: (\d+) thread\(s\), ([\d.]+) s wall, switch interval ([\d.]+) ms$",
        RegexOptions.CultureInvariant);

    /// <summary>
    /// Reads the table from stderr: the header line, the column line, one row
    /// per thread, the total row. The thread name may hold blanks, so each row
    /// is read from the right: the last seven fields are the numbers.
    /// </summary>
    public static GilTable ParseGilStats(string stderr)
    {
        var lines = stderr.Replace("\r\n", "\n").Split('\n');
        int h = Array.FindLastIndex(lines, l => l.StartsWith("GIL statistics:", StringComparison.Ordinal));
        if (h < 0) throw new Xunit.Sdk.XunitException($"no 'GIL statistics:' line on stderr:\n{stderr}");
        var m = s_header.Match(lines[h].TrimEnd());
        if (!m.Success) throw new Xunit.Sdk.XunitException($"unexpected header: '{lines[h]}'");
        var inv = CultureInfo.InvariantCulture;
        int threads = int.Parse(m.Groups[1].Value, inv);

        var columns = lines[h + 1];
        foreach (var col in new[] { "thread", "held s", "waited s", "in I/O s", "acquired", "dropped on request", "released for I/O", "switches/s" })
            Assert.Contains(col, columns);

        var rows = new List<GilRow>();
        GilRow? total = null;
        for (int i = h + 2; i < lines.Length && lines[i].Trim().Length > 0; i++)
        {
            var fields = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8) throw new Xunit.Sdk.XunitException($"short row: '{lines[i]}'");
            var nums = fields[^7..];
            string name = Regex.Replace(lines[i], @"(\s+\S+){7}\s*$", "").TrimEnd();
            var row = new GilRow(name,
                double.Parse(nums[0], inv), double.Parse(nums[1], inv), double.Parse(nums[2], inv),
                long.Parse(nums[3], inv), long.Parse(nums[4], inv), long.Parse(nums[5], inv),
                double.Parse(nums[6], inv));
            if (name == "total") { total = row; break; }
            rows.Add(row);
        }
        if (total is null) throw new Xunit.Sdk.XunitException($"no total row:\n{stderr}");
        Assert.Equal(threads, rows.Count);
        return new GilTable(threads, double.Parse(m.Groups[2].Value, inv), double.Parse(m.Groups[3].Value, inv), rows, total);
    }

    [Fact]
    public void ParserReadsTheReportFormat()
    {
        const string sample =
            "something the program printed\n" +
            "GIL statistics: 3 thread(s), 1.430 s wall, switch interval 5.0 ms\n" +
            "thread                          held s  waited s  in I/O s  acquired  dropped on request  released for I/O  switches/s\n" +
            "MainThread                       0.419     0.020     0.984         5                   0                 4         2.8\n" +
            "Thread-1 (spin)                  0.506     0.273     0.000        52                  51                 0        51.8\n" +
            "worker-1                         0.502     0.278     0.000        52                  51                 0        52.0\n" +
            "total                            1.427     0.571     0.984       109                 102                 4        75.5\n";
        var t = ParseGilStats(sample);
        Assert.Equal(3, t.Threads);
        Assert.Equal(5.0, t.IntervalMs);
        Assert.Equal(0.506, t.Row("Thread-1 (spin)").HeldS);
        Assert.Equal(51, t.Row("worker-1").DroppedOnRequest);
        Assert.Equal(4, t.Row("MainThread").ReleasedForIo);
        Assert.Equal(75.5, t.Total.SwitchesPerS);
        Assert.Equal(109, t.Total.Acquired);
    }

    /// <summary>
    /// Two threads that each spin on pure Python code until a wall-clock
    /// deadline. If one starved the other, the starved one would find its
    /// deadline passed when it finally ran, and its held time would be small.
    /// </summary>
    private const string TwoSpinners = """
        import sys
        import threading
        import time

        if len(sys.argv) > 1:
            sys.setswitchinterval(float(sys.argv[1]))
        counts = {}


        def spin(name, seconds):
            deadline = time.monotonic() + seconds
            n = 0
            while time.monotonic() < deadline:
                n += 1
            counts[name] = n


        workers = [threading.Thread(target=spin, args=(f"worker-{i}", 1.0), name=f"worker-{i}") for i in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(30)
        print(sorted(counts), all(n > 0 for n in counts.values()))
        print(sys.getswitchinterval())
        """;

    private GilTable RunSpinners(string? interval)
    {
        var script = Write("spinners.tpy", TwoSpinners);
        var args = new List<string> { "--gil-stats", script };
        if (interval is not null) args.Add(interval);
        var r = ToyPy(args.ToArray());
        AssertRanCleanly(r);
        Assert.StartsWith("['worker-0', 'worker-1'] True\n", r.Stdout);
        return ParseGilStats(r.Stderr);
    }

    [Fact]
    public void TwoCpuBoundThreadsShareTheGilAndSwitchAboutOncePerInterval()
    {
        var t = RunSpinners(null);
        Assert.Equal(5.0, t.IntervalMs);
        Assert.Equal(3, t.Threads);
        Assert.Equal("MainThread", t.Rows[0].Thread);
        var w0 = t.Row("worker-0");
        var w1 = t.Row("worker-1");

        // Fairness: each worker held the lock for a good share of the workers' time.
        double both = w0.HeldS + w1.HeldS;
        Assert.True(both > 0.5, $"the workers held the GIL for only {both} s in all");
        Assert.True(w0.HeldS >= 0.2 * both, $"worker-0 held {w0.HeldS} s of {both} s");
        Assert.True(w1.HeldS >= 0.2 * both, $"worker-1 held {w1.HeldS} s of {both} s");

        // The protocol: each worker was asked to drop the lock, and did, several times;
        // the main thread only waited in join (released for I/O), never dropped on request.
        Assert.True(w0.DroppedOnRequest >= 3, $"worker-0 dropped on request {w0.DroppedOnRequest} times");
        Assert.True(w1.DroppedOnRequest >= 3, $"worker-1 dropped on request {w1.DroppedOnRequest} times");
        Assert.True(w0.Acquired > w0.DroppedOnRequest, "every drop on request is followed by a take");
        Assert.True(w0.WaitedS > 0 && w1.WaitedS > 0, "both workers waited for the lock at some point");
        Assert.True(t.Row("MainThread").ReleasedForIo >= 1, "join releases the GIL");
        Assert.Equal(0, w0.ReleasedForIo + w1.ReleasedForIo);

        // About one switch per interval (1 / 5 ms = 200/s), in a loose band: start-up and
        // a busy machine lower it, nothing should raise it far above.
        Assert.InRange(t.Total.SwitchesPerS, 20.0, 400.0);
        Assert.Equal(t.Rows.Sum(r => r.Acquired), t.Total.Acquired);
        Assert.Equal(t.Rows.Sum(r => r.DroppedOnRequest), t.Total.DroppedOnRequest);
    }

    [Fact]
    public void ALongerSwitchIntervalMeansFewerSwitches()
    {
        var fast = RunSpinners(null);
        var slow = RunSpinners("0.05");
        Assert.Equal(50.0, slow.IntervalMs);
        long fastDrops = fast.Total.DroppedOnRequest, slowDrops = slow.Total.DroppedOnRequest;
        _out.WriteLine($"5 ms: {fast.Total.SwitchesPerS}/s, {fastDrops} drops; 50 ms: {slow.Total.SwitchesPerS}/s, {slowDrops} drops");
        // Ten times the interval: expect several times fewer; assert only half.
        Assert.True(slow.Total.SwitchesPerS < fast.Total.SwitchesPerS / 2,
            $"switches/s {fast.Total.SwitchesPerS} at 5 ms, {slow.Total.SwitchesPerS} at 50 ms");
        Assert.True(slowDrops < fastDrops / 2, $"drops on request {fastDrops} at 5 ms, {slowDrops} at 50 ms");
        // Both workers still progress with the longer interval.
        Assert.True(slow.Row("worker-0").DroppedOnRequest >= 1 && slow.Row("worker-1").DroppedOnRequest >= 1);
        double both = slow.Row("worker-0").HeldS + slow.Row("worker-1").HeldS;
        Assert.True(slow.Row("worker-0").HeldS >= 0.2 * both && slow.Row("worker-1").HeldS >= 0.2 * both);
    }

    [Fact]
    public void BlockingCallsReleaseTheGil()
    {
        // A sleeper, a socket client of an echo server thread, and a cruncher that never blocks.
        var script = Write("io_release.tpy", """
            import socket
            import threading
            import time

            srv = socket.create_server(("127.0.0.1", 0))
            srv.settimeout(10)


            def echo():
                conn, _ = srv.accept()
                with conn:
                    conn.settimeout(10)
                    while data := conn.recv(100):
                        conn.sendall(data)


            def sleeper():
                for _ in range(10):
                    time.sleep(0.02)


            def talker():
                with socket.create_connection(srv.getsockname(), timeout=10) as c:
                    for i in range(20):
                        c.sendall(b"x")
                        assert c.recv(1) == b"x"


            def cruncher():
                deadline = time.monotonic() + 0.5
                n = 0
                while time.monotonic() < deadline:
                    n += 1


            names = ["echo", "sleeper", "talker", "cruncher"]
            ts = [threading.Thread(target=globals()[n], name=n) for n in names]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
            srv.close()
            print([t.is_alive() for t in ts])
            """);
        var r = ToyPy("--gil-stats", script);
        AssertRanCleanly(r);
        Assert.Equal("[False, False, False, False]\n", r.Stdout);
        var t = ParseGilStats(r.Stderr);

        var sleeper = t.Row("sleeper");
        Assert.True(sleeper.ReleasedForIo >= 10, $"sleeper released the GIL {sleeper.ReleasedForIo} times for 10 sleeps");
        Assert.True(sleeper.InIoS >= 0.15, $"sleeper spent {sleeper.InIoS} s in blocking calls (slept 0.2 s)");
        Assert.True(sleeper.InIoS > sleeper.HeldS, "a sleeper spends most of its life in the blocking call");

        var talker = t.Row("talker");
        // connect, 20 × (sendall + recv), close: at least 40 releases.
        Assert.True(talker.ReleasedForIo >= 40, $"talker released the GIL {talker.ReleasedForIo} times");
        Assert.True(t.Row("echo").ReleasedForIo >= 40, $"echo released the GIL {t.Row("echo").ReleasedForIo} times");

        var cruncher = t.Row("cruncher");
        Assert.Equal(0, cruncher.ReleasedForIo);
        Assert.True(cruncher.HeldS > 0.1, $"cruncher held the GIL {cruncher.HeldS} s");
        Assert.True(t.Total.ReleasedForIo >= sleeper.ReleasedForIo + talker.ReleasedForIo);
        Assert.True(t.Total.InIoS > 0);
    }

    // ------------------------------------------------------------------
    // --gil-trace
    // ------------------------------------------------------------------

    [Fact]
    public void GilTraceIsChromeTraceEventJson()
    {
        var script = Write("traced.tpy", """
            import threading
            import time


            def spin(seconds):
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    pass


            ws = [threading.Thread(target=spin, args=(0.3,), name=f"spinner-{i}") for i in range(2)]
            ws.append(threading.Thread(target=time.sleep, args=(0.05,), name="napper"))
            for w in ws:
                w.start()
            for w in ws:
                w.join(30)
            print("done")
            """);
        var trace = Path.Combine(_scripts.Dir, "out.json");
        var r = ToyPy("--gil-trace", trace, script);
        AssertRanCleanly(r);
        Assert.Equal("done\n", r.Stdout);
        Assert.True(File.Exists(trace), "no trace file written");

        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        var events = doc.RootElement.GetProperty("traceEvents");
        Assert.Equal(JsonValueKind.Array, events.ValueKind);

        var threadNames = new Dictionary<long, string>();
        var cats = new Dictionary<string, int>();
        var perThread = new Dictionary<long, HashSet<string>>();
        int pid = -1;
        foreach (var e in events.EnumerateArray())
        {
            string ph = e.GetProperty("ph").GetString()!;
            long tid = e.GetProperty("tid").GetInt64();
            int epid = e.GetProperty("pid").GetInt32();
            if (pid < 0) pid = epid;
            Assert.Equal(pid, epid);
            if (ph == "M")
            {
                Assert.Equal("thread_name", e.GetProperty("name").GetString());
                threadNames[tid] = e.GetProperty("args").GetProperty("name").GetString()!;
                continue;
            }
            Assert.Contains(ph, new[] { "X", "B", "E" });
            double ts = e.GetProperty("ts").GetDouble();
            Assert.True(ts >= 0, $"negative ts in {e}");
            if (ph == "X")
            {
                double dur = e.GetProperty("dur").GetDouble();
                Assert.True(dur >= 0, $"negative dur in {e}");
            }
            string cat = e.GetProperty("cat").GetString()!;
            Assert.Contains(cat, new[] { "hold", "wait", "io" });
            Assert.False(string.IsNullOrEmpty(e.GetProperty("name").GetString()));
            cats[cat] = cats.GetValueOrDefault(cat) + 1;
            (perThread.TryGetValue(tid, out var set) ? set : perThread[tid] = new HashSet<string>()).Add(cat);
        }

        Assert.Contains("MainThread", threadNames.Values);
        Assert.Contains("spinner-0", threadNames.Values);
        Assert.Contains("spinner-1", threadNames.Values);
        Assert.Contains("napper", threadNames.Values);
        Assert.Equal(threadNames.Count, threadNames.Values.Distinct().Count());
        foreach (var tid in perThread.Keys)
            Assert.True(threadNames.ContainsKey(tid), $"events for tid {tid}, which has no thread_name");

        Assert.True(cats.GetValueOrDefault("hold") > 0, "no hold events");
        Assert.True(cats.GetValueOrDefault("wait") > 0, "no wait events");
        Assert.True(cats.GetValueOrDefault("io") > 0, "no io events");
        long Tid(string name) => threadNames.Single(kv => kv.Value == name).Key;
        // The spinners fought for the lock: both held it and both waited for it.
        foreach (var s in new[] { "spinner-0", "spinner-1" })
        {
            Assert.Contains("hold", perThread[Tid(s)]);
            Assert.Contains("wait", perThread[Tid(s)]);
        }
        // The napper's sleep and the main thread's joins are I/O intervals.
        Assert.Contains("io", perThread[Tid("napper")]);
        Assert.Contains("io", perThread[Tid("MainThread")]);
    }

    [Fact]
    public void GilTraceIntervalsOfOneThreadDoNotOverlap()
    {
        var script = Write("traced2.tpy", """
            import threading
            import time


            def spin():
                deadline = time.monotonic() + 0.2
                while time.monotonic() < deadline:
                    pass


            ts = [threading.Thread(target=spin) for _ in range(3)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
            """);
        var trace = Path.Combine(_scripts.Dir, "out2.json");
        AssertRanCleanly(ToyPy("--gil-trace", trace, script));
        using var doc = JsonDocument.Parse(File.ReadAllText(trace));
        var byThread = doc.RootElement.GetProperty("traceEvents").EnumerateArray()
            .Where(e => e.GetProperty("ph").GetString() == "X")
            .GroupBy(e => e.GetProperty("tid").GetInt64());
        int threads = 0;
        foreach (var g in byThread)
        {
            threads++;
            // A thread holds, waits or blocks: one at a time. Allow a little rounding (0.1 µs printed).
            var spans = g.Select(e => (Start: e.GetProperty("ts").GetDouble(), End: e.GetProperty("ts").GetDouble() + e.GetProperty("dur").GetDouble()))
                         .OrderBy(s => s.Start).ToList();
            for (int i = 1; i < spans.Count; i++)
                Assert.True(spans[i].Start >= spans[i - 1].End - 1.0,
                    $"tid {g.Key}: interval at {spans[i].Start} starts before the previous one ends at {spans[i - 1].End}");
        }
        Assert.True(threads >= 4, $"events for {threads} threads, expected the main thread and 3 workers");
    }

    [Fact]
    public void GilTraceToAnUnwritablePathIsReported()
    {
        var script = Write("plain.tpy", "print('ran')\n");
        var r = ToyPy("--gil-trace", Path.Combine(_scripts.Dir, "no", "such", "dir", "t.json"), script);
        Assert.False(r.TimedOut);
        Assert.Equal("ran\n", r.Stdout);
        Assert.Contains("GIL trace", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
    }

    // ------------------------------------------------------------------
    // The process always exits
    // ------------------------------------------------------------------

    [Fact]
    public void ADaemonThreadSpinningForeverDoesNotPreventExit()
    {
        var script = Write("daemon_spin.tpy", """
            import threading
            import time


            def forever():
                n = 0
                while True:
                    n += 1


            t = threading.Thread(target=forever, daemon=True)
            t.start()
            time.sleep(0.1)
            print("main done", t.is_alive(), t.daemon)
            """);
        var r = ToyPy(new[] { script }, TimeSpan.FromSeconds(30));
        AssertRanCleanly(r);
        Assert.Equal("main done True True\n", r.Stdout);
    }

    [Fact]
    public void DaemonThreadsBlockedForeverDoNotPreventExit()
    {
        var script = Write("daemon_blocked.tpy", """
            import socket
            import threading
            import time

            never = threading.Lock()
            never.acquire()
            srv = socket.create_server(("127.0.0.1", 0))
            stuck = [
                threading.Thread(target=never.acquire, daemon=True),
                threading.Thread(target=time.sleep, args=(3600,), daemon=True),
                threading.Thread(target=threading.Event().wait, daemon=True),
                threading.Thread(target=srv.accept, daemon=True),
            ]
            for t in stuck:
                t.start()
            time.sleep(0.1)
            print("alive:", [t.is_alive() for t in stuck])
            """);
        var r = ToyPy(new[] { script }, TimeSpan.FromSeconds(30));
        AssertRanCleanly(r);
        Assert.Equal("alive: [True, True, True, True]\n", r.Stdout);
    }

    [Fact]
    public void ADaemonThreadSpinningWhileMainExitsWithAnErrorStillExits()
    {
        var script = Write("daemon_error.tpy", """
            import sys
            import threading


            def forever():
                while True:
                    pass


            threading.Thread(target=forever, daemon=True).start()
            print("leaving")
            sys.exit(4)
            """);
        var r = ToyPy(new[] { script }, TimeSpan.FromSeconds(30));
        Assert.False(r.TimedOut, $"toypy did not exit\n{r}");
        Assert.Equal(4, r.ExitCode);
        Assert.Equal("leaving\n", r.Stdout);
    }

    [Fact]
    public void ANonDaemonThreadIsWaitedForAtExit()
    {
        var script = Write("non_daemon.tpy", """
            import threading
            import time


            def late():
                time.sleep(0.3)
                n = 0
                for i in range(100_000):
                    n += i
                print("worker finished", n, flush=True)


            t = threading.Thread(target=late)
            t.start()
            print("main reached the end", t.daemon, flush=True)
            """);
        var r = ToyPy(new[] { script }, TimeSpan.FromSeconds(30));
        AssertRanCleanly(r);
        Assert.Equal("main reached the end False\nworker finished 4999950000\n", r.Stdout);
    }

    [Fact]
    public void ANonDaemonThreadIsWaitedForEvenWhenMainFails()
    {
        var script = Write("non_daemon_error.tpy", """
            import threading
            import time


            def late():
                time.sleep(0.2)
                print("worker finished", flush=True)


            threading.Thread(target=late).start()
            raise ValueError("main fails")
            """);
        var r = ToyPy(new[] { script }, TimeSpan.FromSeconds(30));
        Assert.False(r.TimedOut, $"toypy did not exit\n{r}");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("worker finished\n", r.Stdout);
        Assert.Contains("ValueError: main fails", r.Stderr);
        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { script }, _scripts.Dir, timeout: TimeSpan.FromSeconds(30));
            Assert.Equal(py.ExitCode, r.ExitCode);
            Assert.Equal(py.Stdout, r.Stdout);
            Assert.Equal(ToyPyRunner.Normalise(py.Stderr), ToyPyRunner.Normalise(r.Stderr));
        }
    }

    [Fact]
    public void TheGilStatsTableIsPrintedWhenTheProgramFails()
    {
        var script = Write("fails.tpy", """
            import threading
            t = threading.Thread(target=lambda: None, name="brief")
            t.start()
            t.join()
            raise RuntimeError("at the end")
            """);
        var r = ToyPy(new[] { "--gil-stats", script }, Bounded);
        Assert.False(r.TimedOut);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("RuntimeError: at the end", r.Stderr);
        var t = ParseGilStats(r.Stderr);
        Assert.Equal(2, t.Threads);
        Assert.True(t.Row("brief").Acquired >= 1);
    }

    // ------------------------------------------------------------------
    // sys
    // ------------------------------------------------------------------

    [Fact]
    public void SysReportsTheGilAndItsSwitchInterval()
    {
        var script = Write("sys_gil.tpy", """
            import sys
            print(sys._is_gil_enabled())
            print(sys.getswitchinterval())
            sys.setswitchinterval(0.001)
            print(sys.getswitchinterval())
            sys.setswitchinterval(1)
            print(sys.getswitchinterval())
            for bad in (0, 0.0, -1, -0.005):
                try:
                    sys.setswitchinterval(bad)
                except ValueError as e:
                    print("ValueError:", e)
            for bad in ("0.1", None):
                try:
                    sys.setswitchinterval(bad)
                except TypeError as e:
                    print("TypeError:", e)
            print(sys.getswitchinterval())
            """);
        var r = ToyPy(script);
        AssertRanCleanly(r);
        Assert.Equal(
            "True\n0.005\n0.001\n1.0\n" +
            string.Concat(Enumerable.Repeat("ValueError: switch interval must be strictly positive\n", 4)) +
            "TypeError: must be real number, not str\nTypeError: must be real number, not NoneType\n1.0\n",
            r.Stdout);
    }

    [Fact]
    public void TheSwitchIntervalIsSharedByAllThreads()
    {
        var script = Write("sys_gil_threads.tpy", """
            import sys
            import threading
            seen = []
            t = threading.Thread(target=lambda: (seen.append(sys.getswitchinterval()), sys.setswitchinterval(0.02)))
            sys.setswitchinterval(0.01)
            t.start()
            t.join()
            print(seen, sys.getswitchinterval(), sys._is_gil_enabled())
            """);
        var r = ToyPy("--gil-stats", script);
        AssertRanCleanly(r);
        Assert.Equal("[0.01] 0.02 True\n", r.Stdout);
        Assert.Equal(20.0, ParseGilStats(r.Stderr).IntervalMs);
    }
}
