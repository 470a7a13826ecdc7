using System.Text;

namespace ToyPy.Tests;

/// <summary>A temporary folder for the .tpy programs a test writes; deleted with the test.</summary>
public sealed class TempScripts : IDisposable
{
    public readonly string Dir;

    public TempScripts(string prefix)
    {
        Dir = Path.Combine(Path.GetTempPath(), $"toypy-{prefix}-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
    }

    /// <summary>Write source (UTF-8, no BOM) as name in the folder; answers its path.</summary>
    public string Write(string name, string source)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, source, new UTF8Encoding(false));
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
