using ToyPy.Bytecode;
using ToyPy.Objects;
using ToyPy.Parsing;

namespace ToyPy.Runtime;

/// <summary>A child process started by multiprocessing (Modules/Multiprocessing.cs).</summary>
public sealed partial class Host
{
    /// <summary>
    /// Run the parent's main script as module __mp_main__, also known as
    /// __main__ (Lib/multiprocessing/spawn.py _fixup_main_from_path), so what
    /// `if __name__ == '__main__':` guards does not run again; then
    /// multiprocessing._child_main() unpickles the Process and bootstraps it.
    /// Answers the exit status: the Process's, or 1 if the main script or the
    /// unpickling raised (the traceback is printed as for any program).
    /// </summary>
    public int RunChild(string? source, string filename)
    {
        var main = new PyModule(source is null ? "__main__" : "__mp_main__");
        Interp.MainModule = main;
        main.Dict.SetItemString("__builtins__", Interp.BuiltinsDict);
        if (source is not null)
        {
            var f = PyStr.FromString(filename);
            main.Dict.SetItemString("__file__", f);
            f.Decref();
            Interp.Modules.SetItemString("__mp_main__", main);
        }
        Interp.Modules.SetItemString("__main__", main);
        int status;
        try
        {
            if (source is not null)
            {
                CodeObject code;
                try { code = Interp.Compile(source, filename); }
                catch (SyntaxErrorException se) { throw MainThread.SyntaxErrorToPython(se); }
                try { MainThread.RunModuleCode(code, main.Dict).Decref(); }
                finally { code.Decref(); }
            }
            using var mp = new TempRef(Interp.Import(MainThread, "multiprocessing", 0));
            using var childMain = new TempRef(Ops.GetAttr(mp.Value, "_child_main"));
            using var result = new TempRef(Ops.Call0(childMain.Value));
            status = result.Value is PyInt i && !i.IsBig ? (int)(i.Value & 0xFF) : 1;
        }
        catch (PyException e)
        {
            status = HandleUncaught(e.Value);
        }
        return Shutdown(status);
    }
}
