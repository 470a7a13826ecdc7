using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace ToyPy.Tests;

/// <summary>The `toypy` command line, run as a child process (see ToyPyRunner).</summary>
public sealed class CliTests : IDisposable
{
    private readonly ITestOutputHelper _out;
    private readonly TempScripts _scripts;

    public CliTests(ITestOutputHelper output)
    {
        _out = output;
        _scripts = new TempScripts("cli");
    }

    public void Dispose()
    {
        _scripts.Dispose();
    }

    private string Write(string name, string source) => _scripts.Write(name, source);

    private RunResult ToyPy(params string[] args) => ToyPy(args, null);

    private RunResult ToyPy(string[] args, TimeSpan? timeout)
    {
        var r = ToyPyRunner.RunToyPy(args, _scripts.Dir, timeout: timeout);
        _out.WriteLine(r.ToString());
        return r;
    }

    /// <summary>What must never reach the user: the host's own failure modes.</summary>
    private static void AssertNoHostFailure(RunResult r)
    {
        Assert.False(r.TimedOut, $"toypy timed out\n{r}");
        Assert.DoesNotContain("toypy: internal error", r.Stderr);
        Assert.DoesNotContain("Unhandled exception", r.Stderr);
        Assert.DoesNotContain("Stack overflow", r.Stderr);
        Assert.DoesNotMatch(new Regex(@"^\s+at [\w.`<>\[\]]+\(.*\)", RegexOptions.Multiline), r.Stderr);
        Assert.True(r.ExitCode is >= 0 and <= 3, $"unexpected exit status {r.ExitCode} (host crash?)\n{r}");
    }

    [Fact]
    public void Version()
    {
        var r = ToyPy("-V");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("ToyPy ", r.Stdout);
        Assert.Matches(@"^ToyPy \d+\.\d+", r.Stdout);
        Assert.Equal(r.Stdout, ToyPy("--version").Stdout);
    }

    [Fact]
    public void Help()
    {
        var r = ToyPy("-h");
        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith("usage: toypy ", r.Stdout);
        Assert.Contains("-c cmd", r.Stdout);
        Assert.Contains("-X refcheck", r.Stdout);
        Assert.Equal(r.Stdout, ToyPy("--help").Stdout);
    }

    [Fact]
    public void Command()
    {
        var r = ToyPy("-c", "print(1+1)");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("2\n", r.Stdout);
        Assert.Equal("", r.Stderr);
    }

    [Fact]
    public void CommandArgvStartsWithDashC()
    {
        var r = ToyPy("-c", "import sys; print(sys.argv)", "a", "b");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("['-c', 'a', 'b']\n", r.Stdout);
    }

    [Fact]
    public void MissingFile()
    {
        var missing = Path.Combine(_scripts.Dir, "no-such-file.tpy");
        var r = ToyPy(missing);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal($"toypy: can't open file '{missing}': [Errno 2] No such file or directory\n", r.Stderr);

        // A relative name is reported by its absolute path, as python3 does.
        r = ToyPy("no-such-file.tpy");
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"toypy: can't open file '{missing}': [Errno 2] No such file or directory\n", r.Stderr);
    }

    [Fact]
    public void ArgsReachSysArgv()
    {
        var path = Write("argv.tpy", "import sys\nprint(sys.argv)\nprint(len(sys.argv))\n");
        var r = ToyPy("argv.tpy", "one", "two words", "-x", "--flag=3");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("['argv.tpy', 'one', 'two words', '-x', '--flag=3']\n5\n", r.Stdout);

        r = ToyPy(path, "a");
        Assert.Equal($"['{path}', 'a']\n2\n", r.Stdout);

        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { "argv.tpy", "one", "two words", "-x", "--flag=3" }, _scripts.Dir);
            Assert.Equal(py.Stdout, ToyPy("argv.tpy", "one", "two words", "-x", "--flag=3").Stdout);
        }
    }

    [Fact]
    public void UncaughtExceptionPrintsTracebackAndExits1()
    {
        var path = Write("boom.tpy", "print('before')\n\ndef f(x):\n    raise ValueError('boom ' + str(x))\n\nf(42)\nprint('after')\n");
        var r = ToyPy(path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("before\n", r.Stdout);
        Assert.Equal(
            "Traceback (most recent call last):\n" +
            $"  File \"{path}\", line 6, in <module>\n" +
            "    f(42)\n" +
            $"  File \"{path}\", line 4, in f\n" +
            "    raise ValueError('boom ' + str(x))\n" +
            "ValueError: boom 42\n",
            r.Stderr);
        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { path }, _scripts.Dir);
            Assert.Equal(py.Stderr, r.Stderr);
        }
    }

    [Fact]
    public void SyntaxErrorShowsFileLineAndCaret()
    {
        var path = Write("bad.tpy", "x = 1\nif x = 2:\n    pass\n");
        var r = ToyPy(path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        AssertNoHostFailure(r);
        var lines = r.Stderr.TrimEnd('\n').Split('\n');
        Assert.Contains($"  File \"{path}\", line 2", lines);
        Assert.Contains(lines, l => l.Trim() == "if x = 2:");
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^\s+\^+$"));
        Assert.StartsWith("SyntaxError: ", lines[^1]);
        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { path }, _scripts.Dir);
            Assert.Equal(py.Stderr, r.Stderr);
        }
    }

    [Fact]
    public void RelativeScriptPathIsAbsoluteInTracebacks()
    {
        var path = Write("rel.tpy", "import sys\nprint(sys.argv[0], __file__)\nraise RuntimeError('x')\n");
        var r = ToyPy("rel.tpy");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"rel.tpy {path}\n", r.Stdout);
        Assert.Contains($"  File \"{path}\", line 3, in <module>\n", r.Stderr);
        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { "rel.tpy" }, _scripts.Dir);
            Assert.Equal(py.Stdout, r.Stdout);
            Assert.Equal(py.Stderr, r.Stderr);
        }
    }

    [Fact]
    public void SyntaxErrorMatchesPython()
    {
        var path = Write("bad2.tpy", "print('not run')\ndef f(:\n    pass\n");
        var r = ToyPy(path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Equal(
            $"  File \"{path}\", line 2\n" +
            "    def f(:\n" +
            "          ^\n" +
            "SyntaxError: invalid syntax\n",
            r.Stderr);
        if (ToyPyRunner.PythonAvailable)
        {
            var py = ToyPyRunner.RunPython(new[] { path }, _scripts.Dir);
            Assert.Equal(py.Stderr, r.Stderr);
            Assert.Equal(py.ExitCode, r.ExitCode);
        }
    }

    [Fact]
    public void SyntaxErrorUnclosedParen()
    {
        var path = Write("paren.tpy", "print('a')\nx = (1,\nprint(x)\n");
        var r = ToyPy(path);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains($"  File \"{path}\", line 2", r.Stderr);
        Assert.EndsWith("SyntaxError: '(' was never closed\n", r.Stderr);
    }

    [Fact]
    public void SysExitStatus()
    {
        Write("exit3.tpy", "import sys\nprint('x')\nsys.exit(3)\nprint('not reached')\n");
        var r = ToyPy("exit3.tpy");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("x\n", r.Stdout);
        Assert.Equal("", r.Stderr);

        Write("exit0.tpy", "import sys\nsys.exit()\n");
        Assert.Equal(0, ToyPy("exit0.tpy").ExitCode);

        Write("exitmsg.tpy", "import sys\nsys.exit('bye')\n");
        r = ToyPy("exitmsg.tpy");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("bye\n", r.Stderr);
    }

    [Fact]
    public void Disassembly()
    {
        var path = Write("dis.tpy", "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n");
        var r = ToyPy("--dis", path);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        Assert.Contains("RESUME", r.Stdout);
        Assert.Contains("LOAD_CONST", r.Stdout);
        Assert.Contains("MAKE_FUNCTION", r.Stdout);
        Assert.Contains("BINARY_OP", r.Stdout);
        Assert.Contains("RETURN_VALUE", r.Stdout);
        Assert.Contains("Disassembly of <code object add", r.Stdout);
        Assert.Matches(new Regex(@"^\s+\d+\s+\d+ RESUME\s+0$", RegexOptions.Multiline), r.Stdout);

        var viaM = ToyPy("-m", "dis", path);
        Assert.Equal(0, viaM.ExitCode);
        Assert.Equal(r.Stdout, viaM.Stdout);
    }

    [Fact]
    public void RunawayRecursionRaisesRecursionError()
    {
        var path = Write("rec.tpy", "def f(n):\n    return f(n + 1)\n\nf(0)\n");
        var r = ToyPy(path);
        AssertNoHostFailure(r);
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("Traceback (most recent call last):\n", r.Stderr);
        Assert.Contains("more times]\n", r.Stderr);
        Assert.EndsWith("RecursionError: maximum recursion depth exceeded\n", r.Stderr);
    }

    [Fact]
    public void RunawayRecursionRaisesRecursionErrorEvenWithHugeLimit()
    {
        // CPython 3.11 raises RecursionError here too (frames are on the heap,
        // its C stack guard stops it); toypy must neither crash nor hang.
        var path = Write("rec_huge.tpy",
            "import sys\nsys.setrecursionlimit(10**6)\n\ndef f(n):\n    return f(n + 1)\n\n" +
            "try:\n    f(0)\nexcept RecursionError as e:\n    print('caught', type(e).__name__)\n\nf(0)\n");
        var r = ToyPy(new[] { path }, TimeSpan.FromSeconds(120));
        AssertNoHostFailure(r);
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("caught RecursionError\n", r.Stdout);
        Assert.EndsWith("RecursionError: maximum recursion depth exceeded\n", r.Stderr);
    }

    [Fact]
    public void RecursionThroughBuiltinsDoesNotCrash()
    {
        // Recursion that re-enters the host (repr of a user class calling repr).
        var path = Write("rec_repr.tpy",
            "class A:\n    def __repr__(self):\n        return repr(self)\n\n" +
            "try:\n    repr(A())\nexcept RecursionError:\n    print('caught')\n");
        var r = ToyPy(path);
        AssertNoHostFailure(r);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("caught\n", r.Stdout);
    }

    public static IEnumerable<object[]> GarbageSeeds() =>
        new[] { 1, 2, 3, 7, 42, 1234 }.Select(s => new object[] { s });

    [Theory]
    [MemberData(nameof(GarbageSeeds))]
    public void RandomBytesNeverCrashTheHost(int seed)
    {
        var rng = new Random(seed);
        var bytes = new byte[64 + rng.Next(2048)];
        rng.NextBytes(bytes);
        var path = Path.Combine(_scripts.Dir, $"bytes{seed}.tpy");
        File.WriteAllBytes(path, bytes);
        var r = ToyPy(path);
        AssertNoHostFailure(r);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("Error", r.Stderr);
    }

    private static readonly string[] s_tokens =
    {
        "def", "class", "if", "elif", "else", "while", "for", "in", "not", "is", "and", "or", "return", "yield",
        "lambda", "try", "except", "finally", "with", "as", "raise", "from", "import", "global", "nonlocal",
        "del", "pass", "break", "continue", "async", "await", "None", "True", "False", "x", "y", "f", "_",
        "(", ")", "[", "]", "{", "}", ":", ",", ".", ";", "=", "==", "+", "-", "*", "**", "/", "//", "%", "@",
        "<", ">", "<=", "!=", "+=", "->", "~", "|", "&", "^", "<<", "\\", "'", "\"", "'''", "f'{", "}'",
        "0", "1", "10**9", "1.5e3", "0x1f", "1_000", "'s'", "b'b'", "f'{x}'", "#", "\n", "\n    ", "\n\t", " ",
        "\r\n", "\0", "\u00e9", "\u200b", "\ud7ff",
    };

    [Theory]
    [MemberData(nameof(GarbageSeeds))]
    public void GarbageTokensNeverCrashTheHost(int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 4; round++)
        {
            var sb = new StringBuilder();
            int n = 20 + rng.Next(300);
            for (int i = 0; i < n; i++) sb.Append(s_tokens[rng.Next(s_tokens.Length)]).Append(rng.Next(3) == 0 ? "" : " ");
            var path = Write($"tokens{seed}_{round}.tpy", sb.ToString());
            var r = ToyPy(new[] { path }, TimeSpan.FromSeconds(30));
            AssertNoHostFailure(r);
            Assert.True(r.ExitCode is 0 or 1, $"exit status {r.ExitCode}\n{r}");
        }
    }

    [Fact]
    public void DeeplyNestedSourceDoesNotCrashTheHost()
    {
        foreach (var src in new[]
                 {
                     "x = " + new string('(', 500) + "1" + new string(')', 500) + "\n",
                     "x = " + new string('[', 300) + new string(']', 300) + "\n",
                     "x = " + string.Concat(Enumerable.Repeat("-", 5000)) + "1\n",
                     "x = 1" + string.Concat(Enumerable.Repeat(" + 1", 20000)) + "\nprint(x)\n",
                 })
        {
            var path = Write("nested.tpy", src);
            var r = ToyPy(new[] { path }, TimeSpan.FromSeconds(60));
            AssertNoHostFailure(r);
            Assert.True(r.ExitCode is 0 or 1, $"exit status {r.ExitCode}\n{r}");
        }
    }
}
