using System.Reflection;
using ToyPy.Bytecode;

namespace ToyPy.Runtime;

/// <summary>
/// Library modules written in Python (src/ToyPy/Lib/*.tpy), embedded in the
/// assembly, as CPython ships threading.py and queue.py over its C modules
/// (_thread). `make build` compiles them once into a frozen file beside the
/// binary (toypy --freeze-library, like CPython's .pyc files of its standard
/// library); an import uses the frozen code when its key matches the embedded
/// source and this build, and compiles the source otherwise.
/// </summary>
public static class LibraryModules
{
    public const string FrozenFileName = "toypy-lib.frozen";
    private const string Prefix = "Lib/";

    /// <summary>The source of library module name, or null when ToyPy has none.</summary>
    public static string? Source(string name)
    {
        using var stream = typeof(LibraryModules).Assembly.GetManifestResourceStream(Prefix + name + ".tpy");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Every library module's name.</summary>
    public static IEnumerable<string> Names() =>
        typeof(LibraryModules).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".tpy", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".tpy".Length])
            .OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>Identifies this build: frozen code from another build is never used.</summary>
    private static string BuildId => typeof(LibraryModules).Module.ModuleVersionId.ToString();

    public static string FrozenPath => Path.Combine(AppContext.BaseDirectory, FrozenFileName);

    /// <summary>Compile every library module and write them to path (toypy --freeze-library).</summary>
    public static int Freeze(Interpreter interp, string path)
    {
        using var file = File.Create(path);
        using var w = new BinaryWriter(file);
        var names = Names().ToList();
        w.Write(names.Count);
        foreach (var name in names)
        {
            string source = Source(name)!;
            var code = interp.Compile(source, $"<frozen {name}>");
            using var buffer = new MemoryStream();
            using (var bw = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) CodeMarshal.Write(bw, code);
            code.Decref();
            w.Write(name);
            w.Write(CodeMarshal.SourceKey(source, BuildId));
            w.Write((int)buffer.Length);
            w.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        return names.Count;
    }

    /// <summary>The frozen code of module name when the frozen file has it for this source and build; otherwise null.</summary>
    public static CodeObject? Frozen(string name, string source)
    {
        try
        {
            using var file = File.OpenRead(FrozenPath);
            using var r = new BinaryReader(file);
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string entry = r.ReadString();
                string key = r.ReadString();
                int length = r.ReadInt32();
                if (entry != name) { file.Seek(length, SeekOrigin.Current); continue; }
                if (key != CodeMarshal.SourceKey(source, BuildId)) return null;
                return CodeMarshal.Read(r);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or EndOfStreamException) { }
        return null;
    }
}
