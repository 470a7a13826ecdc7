using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// Stores into PyObject[] without the array-covariance check: the element
/// type is not sealed, so an ordinary `a[i] = v` calls a type-check helper
/// that walks v's class chain (StelemRef) on every store. Every PyObject[]
/// here is created as exactly PyObject[], so the check can never fail.
/// </summary>
internal static class ObjectArrays
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(PyObject[] array, int index, PyObject value)
    {
        if ((uint)index >= (uint)array.Length) ThrowIndex();
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), index) = value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(PyObject[] array, long index, PyObject value)
    {
        if ((ulong)index >= (ulong)array.Length) ThrowIndex();
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(array), (nint)index) = value;
    }

    private static void ThrowIndex() => throw new IndexOutOfRangeException();
}
