using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace ToyPy.Tests;

/// <summary>
/// multiprocessing when things go wrong: a child that raises, a child killed
/// by a signal, a target the child cannot find, arguments that cannot be
/// sent, a Pool worker that dies, join(timeout) on a hung child, Ctrl-C to
/// the parent. Each program prints the pids of the children it starts
/// ("child pid N"); after every run the test checks that none of them is
/// still running, and kills any that is (so a failing test leaves no orphan
/// behind). Every wait is bounded.
/// </summary>
public sealed class MultiprocessingTests : IDisposable
{
    private readonly ITestOutputHelper _out;
    private readonly TempScripts _scripts;
    private readonly List<int> _children = new();

    public MultiprocessingTests(ITestOutputHelper output)
    {
        _out = output;
        _scripts = new TempScripts("mp");
    }

    public void Dispose()
    {
        foreach (int pid in _children) if (IsRunning(pid)) kill(pid, 9);
        _scripts.Dispose();
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    /// <summary>True while pid names a live process that is not a zombie.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException) { return false; }
    }

    private string Write(string name, string source) => _scripts.Write(name, source);

    private static readonly Regex s_childPid = new(@"child pid (\d+)", RegexOptions.CultureInvariant);

    private void RememberChildren(string stdout)
    {
        foreach (Match m in s_childPid.Matches(stdout)) _children.Add(int.Parse(m.Groups[1].Value));
    }

    /// <summary>Run a program to its end (60 s at most) and check that no child it reported outlives it.</summary>
    private RunResult Run(string name, string source, TimeSpan? timeout = null)
    {
        var path = Write(name, source);
        var r = ToyPyRunner.RunToyPy(new[] { path }, _scripts.Dir, timeout: timeout ?? TimeSpan.FromSeconds(60));
        _out.WriteLine(r.ToString());
        RememberChildren(r.Stdout);
        Assert.False(r.TimedOut, "toypy did not finish");
        AssertNoOrphans();
        return r;
    }

    private void AssertNoOrphans()
    {
        // A child that was killed a moment ago may take a little while to be gone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        foreach (int pid in _children)
        {
            while (IsRunning(pid) && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Assert.False(IsRunning(pid), $"child process {pid} outlived its parent");
        }
    }

    [Fact]
    public void ChildThatRaisesExitsWith1AndThePrintsTraceback()
    {
        var r = Run("raises.tpy", """
import multiprocessing, os

def work(x):
    print('child pid', os.getpid(), flush=True)
    return 1 / x

if __name__ == '__main__':
    p = multiprocessing.Process(target=work, args=(0,))
    p.start()
    p.join()
    print('exitcode', p.exitcode)
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("exitcode 1", r.Stdout);
        Assert.Contains("Process Process-1:\nTraceback (most recent call last):", r.Stderr);
        Assert.Contains("    return 1 / x", r.Stderr);
        Assert.EndsWith("ZeroDivisionError: division by zero\n", r.Stderr);
    }

    [Fact]
    public void ChildKilledBySignalReportsMinusTheSignal()
    {
        var r = Run("killed.tpy", """
import multiprocessing, os

def work():
    print('child pid', os.getpid(), flush=True)
    os.kill(os.getpid(), 9)

if __name__ == '__main__':
    p = multiprocessing.Process(target=work)
    p.start()
    p.join()
    print('exitcode', p.exitcode)
    print(repr(p).split(' parent=')[1])
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("exitcode -9", r.Stdout);
        Assert.Contains("stopped exitcode=-SIGKILL>", r.Stdout);
    }

    [Fact]
    public void TargetMissingInTheChildFailsThereNotInTheParent()
    {
        // The target is defined under the __main__ guard: the child, which runs the
        // script as __mp_main__, never defines it (CPython's spawn fails the same way).
        var r = Run("missing.tpy", """
import multiprocessing

if __name__ == '__main__':
    def work():
        print('never')
    p = multiprocessing.Process(target=work)
    p.start()
    p.join()
    print('exitcode', p.exitcode)
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("exitcode 1", r.Stdout);
        Assert.DoesNotContain("never", r.Stdout);
        Assert.Matches(@"AttributeError: Can't get attribute 'work' on <module '__mp_main__' from '[^']*missing\.tpy'>\n$", r.Stderr);
    }

    [Fact]
    public void ArgumentsThatCannotBeSentFailInStart()
    {
        var r = Run("unsendable.tpy", """
import multiprocessing

def work(f):
    f()

if __name__ == '__main__':
    for arg in (lambda: 1, open(__file__)):
        p = multiprocessing.Process(target=work, args=(arg,))
        try:
            p.start()
        except Exception as e:
            print(type(e).__name__, str(e).split(' at 0x')[0])
        print(p.exitcode, multiprocessing.active_children())
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("PicklingError Can't pickle <function <lambda>\nNone []\n"
                     + "TypeError cannot pickle '_io.TextIOWrapper' object\nNone []\n", r.Stdout);
    }

    [Fact]
    public void PoolWorkerThatDiesFailsThePendingJobsAndIsReplaced()
    {
        var r = Run("pool_death.tpy", """
import multiprocessing, os, time

def pid(_):
    time.sleep(0.05)
    return os.getpid()

def die(_):
    os._exit(7)

if __name__ == '__main__':
    with multiprocessing.Pool(2) as pool:
        for p in set(pool.map(pid, range(8))):
            print('child pid', p)
        try:
            pool.apply_async(die, (1,)).get(timeout=30)
        except multiprocessing.ProcessError as e:
            print('ProcessError:', e)
        except multiprocessing.TimeoutError:
            print('timed out')
        print(sorted(pool.map(abs, [-1, -2, 3])))
        for p in set(pool.map(pid, range(8))):
            print('child pid', p)
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("ProcessError: a worker process of the pool died unexpectedly (exitcode=7); its task was lost", r.Stdout);
        Assert.Contains("[1, 2, 3]", r.Stdout);
    }

    [Fact]
    public void JoinWithTimeoutOnAHungChildReturnsInTime()
    {
        var r = Run("hung.tpy", """
import multiprocessing, os, time

def hang():
    print('child pid', os.getpid(), flush=True)
    while True:
        time.sleep(1)

if __name__ == '__main__':
    p = multiprocessing.Process(target=hang)
    p.start()
    start = time.monotonic()
    p.join(0.5)
    waited = time.monotonic() - start
    print('alive', p.is_alive(), p.exitcode, 0.4 < waited < 3)
    p.terminate()
    p.join(10)
    print('exitcode', p.exitcode)
""");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("alive True None True\nexitcode -15\n", Regex.Replace(r.Stdout, @"child pid \d+\n", ""));
    }

    [Fact]
    public void DaemonChildrenAreTerminatedWhenTheParentExits()
    {
        var r = Run("daemon.tpy", """
import multiprocessing, os, time

def hang(conn):
    conn.send(os.getpid())
    time.sleep(60)

if __name__ == '__main__':
    here, there = multiprocessing.Pipe()
    p = multiprocessing.Process(target=hang, args=(there,), daemon=True)
    p.start()
    print('child pid', here.recv())
    print('parent leaves')
""", TimeSpan.FromSeconds(30));
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("parent leaves", r.Stdout);
        Assert.Single(_children);
    }

    [Fact]
    public void CtrlCInTheParentInterruptsJoin()
    {
        var path = Write("interrupt.tpy", """
import multiprocessing, os, time

def hang():
    time.sleep(60)

if __name__ == '__main__':
    p = multiprocessing.Process(target=hang, daemon=True)
    p.start()
    print('child pid', p.pid, flush=True)
    try:
        p.join()
    except KeyboardInterrupt:
        print('KeyboardInterrupt in join', p.is_alive(), flush=True)
        raise
""");
        var (file, prefix) = ToyPyRunner.ToyPyCommand;
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = _scripts.Dir,
        };
        foreach (var a in prefix.Append(path)) psi.ArgumentList.Add(a);
        using var parent = Process.Start(psi)!;
        var stderrTask = parent.StandardError.ReadToEndAsync();
        string? line = parent.StandardOutput.ReadLine();
        Assert.NotNull(line);
        RememberChildren(line!);
        Thread.Sleep(300);
        kill(parent.Id, 2); // SIGINT to the parent only
        bool exited = parent.WaitForExit(20_000);
        if (!exited) parent.Kill(entireProcessTree: true);
        string rest = parent.StandardOutput.ReadToEnd();
        string stderr = stderrTask.Wait(5000) ? stderrTask.Result : "";
        _out.WriteLine(line + "\n" + rest + "\n--- stderr\n" + stderr);
        Assert.True(exited, "the parent did not end after SIGINT");
        Assert.Contains("KeyboardInterrupt in join True", rest);
        Assert.EndsWith("KeyboardInterrupt\n", stderr);
        AssertNoOrphans(); // the daemon child was terminated at exit
    }
}
