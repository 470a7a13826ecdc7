using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>Owns a temporary new reference for a scope: `using var t = new TempRef(Ops.Str(x));`.</summary>
public readonly struct TempRef : IDisposable
{
    public readonly PyObject Value;
    public TempRef(PyObject value) { Value = value; }
    public void Dispose() => Value.Decref();
}
