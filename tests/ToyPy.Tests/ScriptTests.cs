using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace ToyPy.Tests;

/// <summary>
/// Every tests/scripts/**/*.tpy is a Python program: CPython 3.11 (python3) and
/// toypy must print the same stdout and stderr and exit with the same status,
/// after pydiff's normalisation; then `toypy -X refcheck` must find no
/// reference-count problem, and `toypy --free-threaded -X refcheck` (biased
/// counts, no lock) must print the same stdout and find none either.
///
/// Directives, in the comment lines at the top of a script:
///   # toypy-test: stdout-only     do not compare stderr (use sparingly)
///   # toypy-test: unordered       processes or threads print concurrently: compare the printed
///                                texts in any order (print writes text and newline separately,
///                                so CPython's own output may interleave them)
///   # toypy-test: stdin=FILE      feed FILE (next to the script) to stdin (otherwise stdin is empty)
///   # toypy-test: args=a b c      arguments for the program (split on blanks; last on its line)
///
/// Each case only spawns processes (python3 and toypy run at the same time,
/// in the script's folder, with the absolute script path as pydiff does), so
/// the cases share no state and are safe to run in parallel with other classes.
/// </summary>
public class ScriptTests
{
    private readonly ITestOutputHelper _out;

    public ScriptTests(ITestOutputHelper output) => _out = output;

    /// <summary>Relative paths (to tests/scripts, with '/') of every script.</summary>
    public static IEnumerable<object[]> Scripts()
    {
        var root = ToyPyRunner.ScriptsRoot;
        if (!Directory.Exists(root)) yield break;
        foreach (var f in Directory.EnumerateFiles(root, "*.tpy", SearchOption.AllDirectories)
                                   .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                                   .OrderBy(f => f, StringComparer.Ordinal))
            yield return new object[] { f };
    }

    public sealed record Directives(bool StdoutOnly, string[] Args, string? Stdin, bool Unordered = false);

    /// <summary>Reads the `# toypy-test:` directives from the leading comment lines.</summary>
    public static Directives ReadDirectives(string path)
    {
        bool stdoutOnly = false, unordered = false;
        string? stdin = null;
        var args = Array.Empty<string>();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (!line.StartsWith('#')) break;
            var m = Regex.Match(line, @"^#\s*toypy-test:\s*(.*)$");
            if (!m.Success) continue;
            var rest = m.Groups[1].Value.Trim();
            while (rest.Length > 0)
            {
                if (rest.StartsWith("args=", StringComparison.Ordinal))
                {
                    args = rest["args=".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    break;
                }
                var word = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
                if (word[0] == "stdout-only") stdoutOnly = true;
                else if (word[0] == "unordered") unordered = true;
                else if (word[0].StartsWith("stdin=", StringComparison.Ordinal))
                    stdin = File.ReadAllText(Path.Combine(Path.GetDirectoryName(path)!, word[0]["stdin=".Length..]));
                else throw new InvalidOperationException($"{path}: unknown toypy-test directive '{word[0]}'");
                rest = word.Length > 1 ? word[1].Trim() : "";
            }
        }
        return new Directives(stdoutOnly, args, stdin, unordered);
    }

    private static readonly Regex s_refcheck = new(
        @"^refcheck: (\d+) objects? checked, (\d+) problems?.*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Script(string script)
    {
        var path = Path.Combine(ToyPyRunner.ScriptsRoot, script);
        var dir = Path.GetDirectoryName(path)!;
        var d = ReadDirectives(path);
        var programArgs = new[] { path }.Concat(d.Args).ToArray();

        var toypyTask = Task.Run(() => ToyPyRunner.RunToyPy(programArgs, dir, d.Stdin));
        var refcheckTask = Task.Run(() => ToyPyRunner.RunToyPy(new[] { "-X", "refcheck" }.Concat(programArgs), dir, d.Stdin));
        var freeThreadedTask = Task.Run(() => ToyPyRunner.RunToyPy(new[] { "--free-threaded", "-X", "refcheck" }.Concat(programArgs), dir, d.Stdin));

        if (!ToyPyRunner.PythonAvailable)
        {
            _out.WriteLine($"SKIPPED the comparison for {script}: python3 was not found on PATH (CPython 3.11 is the oracle).");
        }
        else
        {
            var python = ToyPyRunner.RunPython(programArgs, dir, d.Stdin);
            var toypy = await toypyTask;
            Compare(script, python, toypy, d.StdoutOnly, d.Unordered);
            var freeThreaded = await freeThreadedTask;
            Compare(script + " (--free-threaded)", python, freeThreaded, stdoutOnly: true, d.Unordered);
        }

        CheckAudit(script, await refcheckTask);
        CheckAudit(script + " (--free-threaded)", await freeThreadedTask);
    }

    private void Compare(string script, RunResult python, RunResult toypy, bool stdoutOnly, bool unordered)
    {
        var diffs = new StringBuilder();
        void Check(string part, string want, string got)
        {
            want = ToyPyRunner.Normalise(want);
            got = ToyPyRunner.Normalise(got);
            if (unordered && part != "exit status")
            {
                if (ToyPyRunner.SamePrintsInAnyOrder(want, got)) return;
            }
            if (want != got) diffs.Append($"--- {part} differs\n").Append(Diff(want, got)).Append('\n');
        }
        Check("exit status", python.Status, toypy.Status);
        Check("stdout", python.Stdout, toypy.Stdout);
        if (stdoutOnly) _out.WriteLine("(stderr not compared: # toypy-test: stdout-only)");
        else Check("stderr", python.Stderr, toypy.Stderr);

        if (diffs.Length > 0)
        {
            _out.WriteLine($"python3:\n{python}\n\ntoypy:\n{toypy}");
            Assert.Fail($"{script}: toypy and python3 differ (- python3, + toypy)\n{diffs}");
        }
    }

    private void CheckAudit(string script, RunResult run)
    {
        if (run.TimedOut) Assert.Fail($"{script}: `toypy -X refcheck` timed out\n{run}");
        var ms = s_refcheck.Matches(run.Stderr);
        if (ms.Count == 0) Assert.Fail($"{script}: `toypy -X refcheck` printed no refcheck report\n{run}");
        var m = ms[^1];
        int problems = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        string report = run.Stderr[m.Index..].TrimEnd();
        _out.WriteLine(report);
        if (problems != 0)
            Assert.Fail($"{script}: the reference-count audit found {problems} problem(s):\n{report}");
    }

    /// <summary>A small line diff (LCS) for failure messages: '-' python3, '+' toypy.</summary>
    public static string Diff(string want, string got)
    {
        var a = want.Split('\n');
        var b = got.Split('\n');
        if ((long)a.Length * b.Length > 4_000_000)
            return $"- {Truncate(want)}\n+ {Truncate(got)}\n";
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (int i = a.Length - 1; i >= 0; i--)
            for (int j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var sb = new StringBuilder();
        int x = 0, y = 0, shown = 0;
        while ((x < a.Length || y < b.Length) && shown < 200)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { sb.Append("  ").Append(a[x]).Append('\n'); x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) { sb.Append("+ ").Append(b[y++]).Append('\n'); }
            else { sb.Append("- ").Append(a[x++]).Append('\n'); }
            shown++;
        }
        if (shown == 200) sb.Append("  ...\n");
        return sb.ToString();
    }

    private static string Truncate(string s) => s.Length > 4000 ? s[..4000] + "..." : s;
}
