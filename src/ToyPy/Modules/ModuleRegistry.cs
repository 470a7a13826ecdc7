using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>The builtin modules other than builtins and sys, by import name.</summary>
public static partial class ModuleRegistry
{
    public static void RegisterAll(Interpreter interp)
    {
        interp.RegisterBuiltinModule("time", Time.Create);
        interp.RegisterBuiltinModule("_thread", ThreadModule.Create);
        RegisterLibrary(interp);
    }

    /// <summary>Modules defined in their own files register here.</summary>
    static partial void RegisterLibrary(Interpreter interp);
}
