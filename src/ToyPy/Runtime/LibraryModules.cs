using System.Reflection;

namespace ToyPy.Runtime;

/// <summary>
/// Library modules written in Python (src/ToyPy/Lib/*.tpy), embedded in the
/// assembly and compiled on first import, as CPython ships threading.py and
/// queue.py over its C modules (_thread).
/// </summary>
public static class LibraryModules
{
    /// <summary>The source of library module name, or null when ToyPy has none.</summary>
    public static string? Source(string name)
    {
        using var stream = typeof(LibraryModules).Assembly.GetManifestResourceStream("Lib/" + name + ".tpy");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
