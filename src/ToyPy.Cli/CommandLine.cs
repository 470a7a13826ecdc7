using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Parsing;
using ToyPy.Runtime;

namespace ToyPy.Cli;

/// <summary>The `toypy` command: python3's command line for what ToyPy supports.</summary>
public static class CommandLine
{
    private const string Usage = """
usage: toypy [option] ... [-c cmd | -m mod | file] [arg] ...
Options:
-c cmd         : program passed in as string (terminates option list)
-m dis file    : disassemble file (also --dis file)
-h, --help     : print this help message and exit
-V, --version  : print the ToyPy version and exit
-X opt         : set implementation-specific option:
                 -X refcheck      audit every reference count at exit
                 -X gil=0|1       thread mode (0: free-threaded)
-u             : unbuffered stdout and stderr (also PYTHONUNBUFFERED=x)
--gil          : one global interpreter lock, as CPython 3.11 (default)
--gil-stats    : print, at exit, what each thread did with the GIL
--gil-trace F  : write the GIL's hold, wait and I/O intervals to F (Chrome trace JSON)
--no-gil       : no lock, unprotected reference counts: races are reported
                 (also TOYPY_GIL=0; -X race-window=N widens each update)
--free-threaded: no lock, PEP 703 reference counting
file           : program read from script file
arg ...        : arguments passed to program in sys.argv[1:]
""";

    public static int Execute(string[] args)
    {
        int status = 70;
        // Python frames live on the heap, but host re-entry (a builtin calling
        // Python) still nests: give the main thread a generous stack.
        var thread = new Thread(() => status = Run(args), 256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        return status;
    }

    private static int Run(string[] args)
    {
        try
        {
            return RunChecked(args);
        }
        catch (Exception e) when (e is not PyException)
        {
            // Without the GIL, a race can corrupt the interpreter's own structures: that is a crash, reported as one.
            if (RefRace.Enabled) RefRace.Fatal($"{e.GetType().Name} in the main thread: interpreter state corrupted by a race");
            Console.Out.Flush();
            Console.Error.WriteLine($"toypy: internal error: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            if (Environment.GetEnvironmentVariable("TOYPY_DEBUG") == "1") Console.Error.WriteLine(e.ToString());
            return 70;
        }
    }

    private static int RunChecked(string[] args)
    {
        // A child process started by multiprocessing (the hidden mode of Modules/Multiprocessing.cs).
        if (args.Length == 2 && args[0] == ToyPy.Modules.MultiprocessingModule.ChildFlag)
            return ToyPy.Modules.MultiprocessingModule.RunChild(args);
        var interp = new Interpreter();
        string? code = null, file = null;
        bool dis = false, refcheck = false, gilStats = false;
        string? gilTrace = null;
        int i = 0;
        for (; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "-c")
            {
                if (i + 1 >= args.Length) { Console.Error.WriteLine("Argument expected for the -c option"); return 2; }
                code = args[++i];
                i++;
                break;
            }
            if (a is "-h" or "--help") { Console.Out.Write(Usage); return 0; }
            if (a is "-V" or "--version") { Console.Out.WriteLine("ToyPy 0.1 (Python 3.11 language subset)"); return 0; }
            if (a == "--dis") { dis = true; continue; }
            if (a == "-m")
            {
                if (i + 1 < args.Length && args[i + 1] == "dis") { dis = true; i++; continue; }
                Console.Error.WriteLine($"toypy: -m supports only 'dis'");
                return 2;
            }
            if (a == "-X" || a.StartsWith("-X", StringComparison.Ordinal))
            {
                string opt = a == "-X" ? (i + 1 < args.Length ? args[++i] : "") : a.Substring(2);
                int eq = opt.IndexOf('=');
                string key = eq >= 0 ? opt[..eq] : opt;
                interp.XOptions[key] = eq >= 0 ? opt[(eq + 1)..] : "1";
                if (key == "refcheck") refcheck = true;
                if (key == "race-window")
                {
                    if (eq < 0 || !int.TryParse(opt[(eq + 1)..], out int window) || window < 0)
                    {
                        Console.Error.WriteLine("toypy: -X race-window=N needs a non-negative integer N");
                        return 2;
                    }
                    RefRace.Window = window;
                }
                if (key == "gil")
                {
                    string value = eq >= 0 ? opt[(eq + 1)..] : "";
                    if (value is not ("0" or "1")) { Console.Error.WriteLine("Fatal Python error: config_read_gil: -X gil=0 or -X gil=1 expected"); return 1; }
                    interp.Mode = value == "0" ? ThreadMode.FreeThreaded : ThreadMode.Gil;
                }
                continue;
            }
            if (a == "--gil") { interp.Mode = ThreadMode.Gil; continue; }
            if (a == "--gil-stats") { gilStats = true; continue; }
            if (a == "--gil-trace")
            {
                if (i + 1 >= args.Length) { Console.Error.WriteLine("Argument expected for the --gil-trace option"); return 2; }
                gilTrace = args[++i];
                continue;
            }
            if (a == "--freeze-library")
            {
                // Build step (make build): compile the library modules written in Python into a file beside the binary.
                string target = i + 1 < args.Length ? args[++i] : LibraryModules.FrozenPath;
                new Host(interp);
                int n = LibraryModules.Freeze(interp, target);
                Console.Out.WriteLine($"froze {n} library modules into {target}");
                return 0;
            }
            if (a == "-u") { interp.Stdout.Unbuffered = true; interp.Stderr.Unbuffered = true; continue; }
            if (a == "--no-gil") { interp.Mode = ThreadMode.NoGil; continue; }
            if (a == "--free-threaded") { interp.Mode = ThreadMode.FreeThreaded; continue; }
            if (a.StartsWith('-') && a != "-")
            {
                Console.Error.WriteLine($"Unknown option: {a}");
                Console.Error.WriteLine("usage: toypy [option] ... [-c cmd | -m mod | file] [arg] ...");
                Console.Error.WriteLine("Try `toypy -h' for more information.");
                return 2;
            }
            file = a;
            i++;
            break;
        }
        if (Environment.GetEnvironmentVariable("TOYPY_GIL") == "0") interp.Mode = ThreadMode.NoGil;
        interp.ApplyThreadMode();
        string source, filename;
        if (code is not null)
        {
            source = code;
            filename = "<string>";
            interp.Argv.Add("-c");
        }
        else if (file is not null)
        {
            string full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                Console.Error.WriteLine($"toypy: can't open file '{full}': [Errno 2] No such file or directory");
                return 2;
            }
            source = File.ReadAllText(full);
            filename = full; // CPython 3.9+ makes the main script's path absolute (__file__, tracebacks)
            interp.ScriptDirectory = Path.GetDirectoryName(full)!;
            interp.Argv.Add(file);
        }
        else
        {
            Console.Error.WriteLine("toypy: no input file (interactive mode is not supported); see toypy -h");
            return 2;
        }
        for (; i < args.Length; i++) interp.Argv.Add(args[i]);
        if (refcheck) Heap.StartTracking();
        interp.ScriptPath = filename;

        var host = new Host(interp);
        if (dis)
        {
            try
            {
                var co = interp.Compile(source, filename);
                var w = new StringWriter();
                Disassembler.Disassemble(co, w);
                Console.Out.Write(w.ToString());
                return 0;
            }
            catch (SyntaxErrorException se)
            {
                return host.HandleUncaught(host.MainThread.SyntaxErrorToPython(se).Value);
            }
        }
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; host.MainThread.RequestInterrupt(); };
        interp.Gil.Tracing = gilTrace is not null;
        int status = host.RunMain(source, filename);
        // The report is for programs that ran threads (or raced anyway); a single thread cannot race.
        if (interp.Mode == ThreadMode.NoGil && (interp.FinishedThreads.Count > 0 || RefRace.TotalEvents() > 0))
        {
            RefRace.CheckAtExit();
            interp.Stderr.Write("\n" + RefRace.FormatReport(atExit: true));
            interp.Stderr.Flush();
        }
        if (gilStats)
        {
            interp.Stderr.Write(GilReport.FormatStats(interp, host.MainThread));
            interp.Stderr.Flush();
        }
        if (gilTrace is not null)
        {
            try { File.WriteAllText(gilTrace, GilReport.FormatTrace(interp, host.MainThread)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"toypy: can't write GIL trace '{gilTrace}': {e.Message}");
            }
        }
        if (refcheck)
        {
            var report = RefAudit.Run(host);
            interp.Stderr.Write(report.Format());
            interp.Stderr.Flush();
            if (!report.Clean && status == 0) status = 3;
        }
        return status;
    }
}
