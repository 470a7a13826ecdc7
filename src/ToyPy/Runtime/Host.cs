using ToyPy.Bytecode;
using ToyPy.Modules;
using ToyPy.Objects;
using ToyPy.Parsing;

namespace ToyPy.Runtime;

/// <summary>
/// Runs a program the way `python3 FILE` does: set up the interpreter and the
/// main thread, run __main__, print an uncaught exception's traceback, honour
/// SystemExit, flush the streams, and answer the process exit status.
/// </summary>
public sealed partial class Host
{
    public readonly Interpreter Interp;
    public readonly PyThreadState MainThread;

    public Host(Interpreter interp)
    {
        Interp = interp;
        MainThread = new PyThreadState(interp, "MainThread");
        MainThread.Attach();
        if (interp.Mode == ThreadMode.Gil) interp.Gil.Take(MainThread);
        RegisterModules(interp);
        var builtins = (PyModule)interp.Import(MainThread, "builtins", 0);
        interp.BuiltinsDict = builtins.Dict;
        builtins.Decref();
        interp.Import(MainThread, "sys", 0).Decref();
        if (RefMode.Biased) BiasedRefCount.ImmortalizeRuntime(interp);
    }

    /// <summary>Every builtin module ToyPy provides, by import name.</summary>
    public static void RegisterModules(Interpreter interp)
    {
        interp.RegisterBuiltinModule("builtins", Builtins.Create);
        interp.RegisterBuiltinModule("sys", Sys.Create);
        ModuleRegistry.RegisterAll(interp);
    }

    /// <summary>Run source as __main__. Returns the exit status (0, 1 for an uncaught exception, SystemExit's code).</summary>
    public int RunMain(string source, string filename) => Shutdown(ExecMain(source, filename));

    /// <summary>Run source as __main__ and leave it alive (no shutdown): the status as RunMain would give it.</summary>
    public int ExecMain(string source, string filename)
    {
        var main = new PyModule("__main__");
        Interp.MainModule = main;
        main.Dict.SetItemString("__builtins__", Interp.BuiltinsDict);
        if (filename != "<string>")
        {
            var f = PyStr.FromString(filename);
            main.Dict.SetItemString("__file__", f);
            f.Decref();
        }
        Interp.Modules.SetItemString("__main__", main);
        int status = 0;
        try
        {
            CodeObject code;
            try { code = Interp.Compile(source, filename); }
            catch (SyntaxErrorException se) { throw MainThread.SyntaxErrorToPython(se); }
            try { MainThread.RunModuleCode(code, main.Dict).Decref(); }
            finally { code.Decref(); }
        }
        catch (PyException e)
        {
            status = HandleUncaught(e.Value);
        }
        return status;
    }

    /// <summary>Py_FinalizeEx's order: wait for non-daemon threads, clear __main__, flush the streams.</summary>
    private int Shutdown(int status)
    {
        WaitForThreadShutdown();
        // --free-threaded: objects other threads handed back are merged (and freed) before __main__ goes.
        if (RefMode.Biased) BiasedRefCount.MergeQueued(MainThread);
        FinalizeMain();
        Interp.Stdout.Flush();
        Interp.Stderr.Flush();
        return status;
    }

    /// <summary>
    /// wait_for_thread_shutdown (Python/pylifecycle.c): if threading was
    /// imported, call threading._shutdown(), which joins every non-daemon thread.
    /// </summary>
    private void WaitForThreadShutdown()
    {
        var threading = Interp.Modules.GetItemString("threading");
        if (threading is null) return;
        try
        {
            var shutdown = Ops.GetAttrOrNull(threading, "_shutdown");
            if (shutdown is null) return;
            try { Ops.Call0(shutdown).Decref(); }
            finally { shutdown.Decref(); }
        }
        catch (PyException e)
        {
            Finalizer.ReportUnraisable(MainThread, e.Value, "<module 'threading'>");
        }
    }

    /// <summary>
    /// Interpreter shutdown for __main__ (Objects/moduleobject.c _PyModule_ClearDict):
    /// names starting with one underscore are set to None first, then every other
    /// name but __builtins__, so module-level objects' __del__ run at exit as in CPython.
    /// </summary>
    private void FinalizeMain()
    {
        var dict = Interp.MainModule?.Dict;
        if (dict is null) return;
        try
        {
            foreach (bool underscoreFirst in new[] { true, false })
            {
                foreach (var (key, value) in dict.Items())
                {
                    if (key is not PyStr name || value is PyNone) continue;
                    string n = name.Value;
                    bool single = n.Length > 1 && n[0] == '_' && n[1] != '_';
                    if (underscoreFirst ? !single : n == "__builtins__") continue;
                    dict.SetItem(key, PyNone.Instance);
                }
            }
        }
        catch (PyException e)
        {
            Finalizer.ReportUnraisable(MainThread, e.Value, "<module '__main__'>");
        }
    }

    /// <summary>Print an uncaught exception (or honour SystemExit) and give the exit status.</summary>
    public int HandleUncaught(PyBaseException exc)
    {
        try
        {
            if (exc.Type.IsSubtypeOf(ExceptionTypes.SystemExit))
            {
                var code = exc.Args.Count == 0 ? PyNone.Instance : exc.Args.Count == 1 ? exc.Args[0] : exc.Args;
                if (code is PyNone) return 0;
                if (code is PyInt i) return (int)(i.IsBig ? 1 : i.Value & 0xFF);
                Interp.Stdout.Flush();
                Interp.Stderr.Write(Ops.StrString(code) + "\n");
                return 1;
            }
            Traceback.Print(Interp, exc, Interp.Stderr);
            return 1;
        }
        finally { exc.Decref(); }
    }
}
