using System.Text.RegularExpressions;
using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// --free-threaded: no lock, and no race. Biased reference counts keep every
/// count exact while threads run in parallel: the refcount audit is clean, the
/// outputs are exact, and no race report is ever printed. (Every script test
/// also runs in this mode: ScriptTests.)
/// </summary>
public class FreeThreadedTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private static string Script(string name) => Path.Combine(ToyPyRunner.RepoRoot, "scripts", name);

    private static RunResult Run(params string[] args) => ToyPyRunner.RunToyPy(args, timeout: Bound);

    private static void AssertCleanAudit(RunResult r)
    {
        Assert.False(r.TimedOut, $"run hung:\n{r}");
        Assert.Matches(@"refcheck: \d+ objects checked, 0 problems", r.Stderr);
        Assert.DoesNotContain("race", r.Stderr);
        Assert.DoesNotContain("Fatal Python error", r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
    }

    [Theory]
    [InlineData("--free-threaded")]
    [InlineData("-X", "gil=0")]
    public void TheModeHasNoGil(params string[] flags)
    {
        var r = Run(flags.Concat(new[] { "-c", "import sys; print(sys._is_gil_enabled())" }).ToArray());
        Assert.Equal("False\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void GilEqualsOneKeepsTheLock()
    {
        var r = Run("-X", "gil=1", "-c", "import sys; print(sys._is_gil_enabled())");
        Assert.Equal("True\n", r.Stdout);
        var bad = Run("-X", "gil=2", "-c", "pass");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("-X gil=0 or -X gil=1", bad.Stderr);
    }

    [Fact]
    public void FibThreadsIsExactAndItsCountsAreClean()
    {
        for (int i = 0; i < 5; i++)
        {
            var r = Run("--free-threaded", "-X", "refcheck", Script("fib_threads.tpy"), "20", "21");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("fib(20) is 4181\n", r.Stdout);
            Assert.Contains("fib(21) is 6765\n", r.Stdout);
            AssertCleanAudit(r);
        }
    }

    [Fact]
    public void TheSharedObjectOfFigure16KeepsAnExactCount()
    {
        for (int i = 0; i < 3; i++)
        {
            var r = Run("--free-threaded", "-X", "refcheck", Script("refcount_race.tpy"), "20000");
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("'thread 1': 60000", r.Stdout);
            Assert.Contains("'thread 2': 60000", r.Stdout);
            Assert.Contains("references to the shared list: 1 (one: the global name)", r.Stdout);
            AssertCleanAudit(r);
        }
    }

    [Fact]
    public void AnObjectDroppedByAnotherThreadIsHandedBackToItsOwnerAndFreed()
    {
        // The main thread owns `x`; the thread drops the last reference. It may not
        // touch the owner's local count, so it queues the object; the owner merges
        // the counts at its next eval-breaker check and frees it there.
        const string code = """
            import threading
            class D:
                def __del__(self): print("freed")
            x = D()
            def drop():
                global x
                x = None
            t = threading.Thread(target=drop)
            t.start(); t.join()
            for i in range(3): pass
            print("end")
            """;
        var r = Run("--free-threaded", "--gil-stats", "-c", code);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("freed\nend\n", r.Stdout);
        var main = Regex.Match(r.Stderr, @"^MainThread\s+[\d.]+\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
        Assert.True(main.Success, r.Stderr);
        Assert.True(int.Parse(main.Groups[4].Value) >= 1, $"the main thread merged nothing:\n{r.Stderr}");
        var thread = Regex.Match(r.Stderr, @"^Thread-1 \(drop\)\s+[\d.]+\s+(\d+)\s+(\d+)\s+(\d+)", RegexOptions.Multiline);
        Assert.True(thread.Success, r.Stderr);
        Assert.True(int.Parse(thread.Groups[3].Value) >= 1, $"the thread queued nothing:\n{r.Stderr}");
    }

    [Fact]
    public void AnObjectWhoseOwnerHasExitedIsFreedAtOnce()
    {
        // The thread made the object and ended; nobody is left to merge, so the
        // thread that drops the last reference merges and frees it immediately.
        const string code = """
            import threading
            class D:
                def __del__(self): print("freed")
            box = []
            t = threading.Thread(target=lambda: box.append(D()))
            t.start(); t.join()
            print("popping")
            box.pop()
            print("popped")
            """;
        var r = Run("--free-threaded", "-X", "refcheck", "-c", code);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("popping\nfreed\npopped\n", r.Stdout);
        AssertCleanAudit(r);
    }

    [Fact]
    public void SharedSingletonsAreImmortal()
    {
        var r = Run("--free-threaded", "-c", "import sys\nprint(sys.getrefcount(None), sys.getrefcount(7), sys.getrefcount([]))");
        Assert.Equal("4294967295 4294967295 1\n", r.Stdout);
    }

    [Theory]
    [InlineData("list", 100)]
    [InlineData("dict", 500)]
    [InlineData("set", 700)]
    [InlineData("deque", 50)]
    public void ContainersChangedFromTwoThreadsStayExact(string kind, int size)
    {
        // Each change holds the container's lock, so none is lost: the final
        // sizes are what they are under the GIL.
        using var scripts = new TempScripts("freethreaded");
        var path = scripts.Write("churn.tpy", ThreadPrograms.ContainerChurn);
        for (int i = 0; i < 3; i++)
        {
            var r = ToyPyRunner.RunToyPy(new[] { "--free-threaded", "-X", "refcheck", path, kind }, scripts.Dir, timeout: Bound);
            Assert.Equal(0, r.ExitCode);
            Assert.Equal($"{kind} done {size}\n", r.Stdout);
            AssertCleanAudit(r);
        }
    }
}
