using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ToyPy.Tests;

/// <summary>What a finished (or killed) child process left behind.</summary>
public sealed record RunResult(int ExitCode, string Stdout, string Stderr, bool TimedOut, string CommandLine)
{
    /// <summary>Exit status as pydiff prints it: the number, or "timeout".</summary>
    public string Status => TimedOut ? "timeout" : ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public override string ToString() =>
        $"$ {CommandLine}\n[exit status: {Status}]\n--- stdout ---\n{Clip(Stdout)}\n--- stderr ---\n{Clip(Stderr)}";

    private static string Clip(string s) => s.Length <= 20000 ? s : s[..20000] + $"\n[... {s.Length - 20000} more characters]";
}

/// <summary>
/// Runs the toypy command (and python3, the oracle) as child processes, the
/// way /work/shared/tools/pydiff does: in a given folder, with arguments,
/// optional stdin text (empty otherwise) and a timeout after which the whole
/// process tree is killed.
/// </summary>
public static class ToyPyRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);
    private static readonly Lazy<(string File, string[] Prefix)> s_toypy = new(FindToyPy);
    private static readonly Lazy<bool> s_python = new(ProbePython);

    /// <summary>The folder holding ToyPy.sln, found walking up from the test assembly.</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>The folder of the script tests: &lt;repo&gt;/tests/scripts.</summary>
    public static string ScriptsRoot => Path.Combine(RepoRoot, "tests", "scripts");

    /// <summary>How toypy is started: an executable, or `dotnet ToyPy.Cli.dll`.</summary>
    public static string ToyPyDescription
    {
        get
        {
            var (file, prefix) = s_toypy.Value;
            return prefix.Length == 0 ? file : $"{file} {string.Join(' ', prefix)}";
        }
    }

    /// <summary>How toypy is started, for tests that drive the process themselves: the file and the arguments before the program's.</summary>
    public static (string File, string[] Prefix) ToyPyCommand => s_toypy.Value;

    /// <summary>True when `python3` can be started.</summary>
    public static bool PythonAvailable => s_python.Value;

    public static RunResult RunToyPy(IEnumerable<string> args, string? workDir = null, string? stdin = null,
                                     TimeSpan? timeout = null, IDictionary<string, string?>? env = null)
    {
        var (file, prefix) = s_toypy.Value;
        return Run(file, prefix.Concat(args), workDir, stdin, timeout, env);
    }

    public static RunResult RunPython(IEnumerable<string> args, string? workDir = null, string? stdin = null,
                                      TimeSpan? timeout = null, IDictionary<string, string?>? env = null)
        => Run("python3", args, workDir, stdin, timeout, env);

    // Same substitutions, same order, as pydiff's NORMALISE.
    private static readonly (Regex Pattern, string Replacement)[] s_normalise =
    {
        (new Regex(@"0x[0-9a-fA-F]+", RegexOptions.CultureInvariant), "0xADDR"),
        (new Regex(@"\b(started|pid|ident|native_id|process id:?|process)\s+\d+", RegexOptions.CultureInvariant), "$1 N"),
        (new Regex(@"\bid=\d+", RegexOptions.CultureInvariant), "id=N"),
        (new Regex(@"\d+\.\d+ ?(seconds|s)\b", RegexOptions.CultureInvariant), "T $1"),
        // Traceback frames inside the library's threading/queue/multiprocessing modules: CPython's are
        // files of its installation, ToyPy's are compiled in (<frozen threading>); the program's own frames stay.
        (new Regex(@"^  File ""(<frozen (threading|queue|multiprocessing)>|[^""]*/(threading|queue)\.py|[^""]*/multiprocessing/[a-z_]+\.py)"", line \d+, in [^\n]*\n(    [^\n]*\n)*",
                   RegexOptions.CultureInvariant | RegexOptions.Multiline), ""),
    };

    /// <summary>
    /// Whether toypy printed the same texts as python3 in some order: each of
    /// toypy's lines, taken out of python3's output with its newlines removed,
    /// must leave nothing behind (print writes its text and its newline
    /// separately, so concurrent printers can interleave them in CPython).
    /// Both texts already normalised.
    /// </summary>
    public static bool SamePrintsInAnyOrder(string python, string toypy)
    {
        var rest = python.Replace("\n", "");
        foreach (var line in toypy.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(l => l.Length))
        {
            int at = rest.IndexOf(line, StringComparison.Ordinal);
            if (at < 0) return false;
            rest = rest.Remove(at, line.Length);
        }
        return rest.Length == 0;
    }

    /// <summary>Normalise what legitimately differs between runs (addresses, pids, thread ids, timings), as pydiff does.</summary>
    public static string Normalise(string text)
    {
        foreach (var (pattern, replacement) in s_normalise)
            text = pattern.Replace(text, replacement);
        return text;
    }

    /// <summary>Run any program; never throws for a program that fails, only when it cannot be started.</summary>
    public static RunResult Run(string file, IEnumerable<string> args, string? workDir = null, string? stdin = null,
                                TimeSpan? timeout = null, IDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            StandardInputEncoding = new UTF8Encoding(false),
            WorkingDirectory = workDir ?? Directory.GetCurrentDirectory(),
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        psi.Environment["PYTHONIOENCODING"] = "utf-8";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        if (env is not null)
            foreach (var (k, v) in env)
            {
                if (v is null) psi.Environment.Remove(k);
                else psi.Environment[k] = v;
            }
        string commandLine = string.Join(' ', new[] { file }.Concat(psi.ArgumentList).Select(Quote));

        using var p = new Process { StartInfo = psi };
        p.Start();
        var stdoutTask = ReadCappedAsync(p.StandardOutput);
        var stderrTask = ReadCappedAsync(p.StandardError);
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited without reading its input.
        }

        bool timedOut = false;
        if (!p.WaitForExit(timeout ?? DefaultTimeout))
        {
            timedOut = true;
            try { p.Kill(entireProcessTree: true); }
            catch (InvalidOperationException) { }
            catch (System.ComponentModel.Win32Exception) { }
        }
        p.WaitForExit();
        // A grandchild that survived may still hold the pipes open: do not wait forever.
        string stdout = stdoutTask.Wait(TimeSpan.FromSeconds(10)) ? stdoutTask.Result : "<stdout not closed>";
        string stderr = stderrTask.Wait(TimeSpan.FromSeconds(10)) ? stderrTask.Result : "<stderr not closed>";
        return new RunResult(timedOut ? -1 : p.ExitCode, stdout, stderr, timedOut, commandLine);
    }

    /// <summary>At most this many characters of each stream are kept (a runaway program may print forever).</summary>
    public const int MaxCapture = 2_000_000;

    /// <summary>Reads a stream to its end, keeping the first MaxCapture characters and draining the rest.</summary>
    private static async Task<string> ReadCappedAsync(StreamReader reader)
    {
        var sb = new StringBuilder();
        var buffer = new char[16384];
        long dropped = 0;
        int n;
        while ((n = await reader.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
        {
            int keep = Math.Min(n, MaxCapture - sb.Length);
            if (keep > 0) sb.Append(buffer, 0, keep);
            dropped += n - keep;
        }
        if (dropped > 0) sb.Append($"\n[... {dropped} more characters not captured]\n");
        return sb.ToString();
    }

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ToyPy.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"ToyPy.sln not found above {AppContext.BaseDirectory}");
    }

    /// <summary>$TOYPY, else &lt;repo&gt;/bin/toypy, else `dotnet` on the newest built ToyPy.Cli.dll.</summary>
    private static (string, string[]) FindToyPy()
    {
        var fromEnv = Environment.GetEnvironmentVariable("TOYPY");
        if (!string.IsNullOrWhiteSpace(fromEnv))
        {
            var full = Path.GetFullPath(fromEnv);
            if (!File.Exists(full)) throw new FileNotFoundException($"TOYPY={fromEnv}: no such file", full);
            return (full, Array.Empty<string>());
        }
        var bin = Path.Combine(RepoRoot, "bin", "toypy");
        if (File.Exists(bin)) return (bin, Array.Empty<string>());

        var dll = new[] { "Release", "Debug" }
            .Select(c => new FileInfo(Path.Combine(RepoRoot, "src", "ToyPy.Cli", "bin", c, "net10.0", "ToyPy.Cli.dll")))
            .Where(f => f.Exists)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .FirstOrDefault();
        if (dll is null)
            throw new FileNotFoundException(
                "no toypy found: set TOYPY, run `make build` (bin/toypy), or `dotnet build src/ToyPy.Cli`");
        return ("dotnet", new[] { dll.FullName });
    }

    private static bool ProbePython()
    {
        try
        {
            var r = Run("python3", new[] { "--version" }, timeout: TimeSpan.FromSeconds(30));
            return !r.TimedOut && r.ExitCode == 0;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or FileNotFoundException)
        {
            return false;
        }
    }
}
