using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>The library modules, one file each (math, random, os, collections, io).</summary>
public static partial class ModuleRegistry
{
    static partial void RegisterLibrary(Interpreter interp)
    {
        interp.RegisterBuiltinModule("math", MathModule.Create);
        interp.RegisterBuiltinModule("random", RandomModule.Create);
        interp.RegisterBuiltinModule("os", OsModule.Create);
        interp.RegisterBuiltinModule("posixpath", OsModule.CreatePath);
        interp.RegisterBuiltinModule("collections", CollectionsModule.Create);
        interp.RegisterBuiltinModule("io", FileIO.CreateIoModule);
        interp.RegisterBuiltinModule("socket", SocketModule.Create);
        interp.RegisterBuiltinModule("select", SelectModule.Create);
        interp.RegisterBuiltinModule("json", JsonModule.Create);
        interp.RegisterBuiltinModule("requests", RequestsModule.Create);
        interp.RegisterBuiltinModule("_multiprocessing", MultiprocessingModule.Create);
    }
}
