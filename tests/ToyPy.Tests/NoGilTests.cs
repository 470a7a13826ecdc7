using Xunit;

namespace ToyPy.Tests;

/// <summary>
/// --no-gil: threads run bytecode in parallel with unprotected reference
/// counts. Whatever the race does, the run ends in bounded time with either
/// exit status 0 and a race report, or the documented fatal exit (134) with
/// "Fatal Python error:" and the report, and never a .NET stack trace.
/// </summary>
public class NoGilTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static string Script(string name) => Path.Combine(ToyPyRunner.RepoRoot, "scripts", name);

    private static void AssertNoHostTrace(RunResult r)
    {
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.DoesNotContain("   at ToyPy.", r.Stderr);
        Assert.DoesNotContain("internal error", r.Stderr);
    }

    private static void AssertEndsLikeARace(RunResult r)
    {
        Assert.False(r.TimedOut, $"--no-gil run hung:\n{r}");
        AssertNoHostTrace(r);
        Assert.True(r.ExitCode is 0 or 134, $"unexpected exit status {r.ExitCode}:\n{r}");
        Assert.Contains("Reference-count race report (--no-gil", r.Stderr);
        // A thread may first die of an ordinary exception the race caused (an
        // IndexError from a corrupted deque) before another hits the fatal one.
        if (r.ExitCode == 134) Assert.Matches("(?m)^Fatal Python error: ", r.Stderr);
    }

    [Fact]
    public void RefcountRaceIsDetectedAndReported()
    {
        // A wide race window makes the lost updates certain even on one core.
        var r = ToyPyRunner.RunToyPy(new[] { "--no-gil", "-X", "race-window=200", Script("refcount_race.tpy"), "20000" }, timeout: Bound);
        AssertEndsLikeARace(r);
        Assert.DoesNotContain(": 0 races detected", r.Stderr);
        Assert.Matches(@"(lost increment|lost decrement|premature free|use after free)", r.Stderr);
        Assert.Contains("The first race (figure 1.6):", r.Stderr);
        Assert.Matches(@"read the count as -?\d+ and wrote -?\d+", r.Stderr);
    }

    [Fact]
    public void FibThreadsAlwaysEndsInBoundedTime()
    {
        for (int i = 0; i < 3; i++)
        {
            var r = ToyPyRunner.RunToyPy(new[] { "--no-gil", Script("fib_threads.tpy"), "18", "19" }, timeout: Bound);
            AssertEndsLikeARace(r);
        }
    }

    [Fact]
    public void TheEnvironmentVariableSelectsTheMode()
    {
        var env = new Dictionary<string, string?> { ["TOYPY_GIL"] = "0" };
        var r = ToyPyRunner.RunToyPy(new[] { "-c", "import sys; print(sys._is_gil_enabled())" }, env: env, timeout: Bound);
        Assert.Equal("False\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr); // one thread cannot race: no report
    }

    [Fact]
    public void WithTheGilTheSameProgramIsExact()
    {
        var r = ToyPyRunner.RunToyPy(new[] { Script("refcount_race.tpy"), "20000" }, timeout: Bound);
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("references to the shared list: 1 (one: the global name)", r.Stdout);
        Assert.DoesNotContain("race", r.Stderr);
    }

    [Theory]
    [InlineData("list")]
    [InlineData("dict")]
    [InlineData("set")]
    [InlineData("deque")]
    public void ContainersMutatedFromTwoThreadsNeverCorruptTheHost(string kind)
    {
        using var scripts = new TempScripts("nogil");
        var path = scripts.Write("churn.tpy", ThreadPrograms.ContainerChurn);
        for (int i = 0; i < 3; i++)
        {
            var r = ToyPyRunner.RunToyPy(new[] { "--no-gil", path, kind }, scripts.Dir, timeout: Bound);
            AssertEndsLikeARace(r);
        }
        // With the GIL the same program is an ordinary, exact one.
        var gil = ToyPyRunner.RunToyPy(new[] { path, kind }, scripts.Dir, timeout: Bound);
        Assert.Equal(0, gil.ExitCode);
        Assert.StartsWith($"{kind} done ", gil.Stdout);
    }

    [Fact]
    public void GilStatsSayThereIsNoLock()
    {
        var r = ToyPyRunner.RunToyPy(new[] { "--no-gil", "--gil-stats", "-c",
            "import threading\nt = threading.Thread(target=sum, args=([1, 2],))\nt.start()\nt.join()" }, timeout: Bound);
        Assert.False(r.TimedOut);
        Assert.Contains("GIL statistics: no GIL in this mode", r.Stderr);
        Assert.Matches(@"MainThread\s+0\.000\s", r.Stderr);
    }

    [Fact]
    public void BadRaceWindowIsAUsageError()
    {
        var r = ToyPyRunner.RunToyPy(new[] { "-X", "race-window=many", "-c", "pass" }, timeout: Bound);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("race-window", r.Stderr);
    }
}
