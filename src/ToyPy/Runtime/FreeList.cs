using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ToyPy.Runtime;

/// <summary>
/// A bounded stack of dead objects of one type kept for reuse (CPython's
/// per-type free lists, e.g. Objects/floatobject.c). Each thread has its own,
/// so a free list never needs a lock, in any of the thread modes.
/// </summary>
public sealed class FreeList<T> where T : class
{
    private readonly T[] _items;
    private int _count;

    public FreeList(int capacity) { _items = new T[capacity]; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryPush(T item)
    {
        if (_count == _items.Length) return false;
        // Unsafe store: T is often a non-sealed type, whose array stores would
        // otherwise pay an array-covariance check.
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), _count++) = item;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public T? TryPop()
    {
        if (_count == 0) return null;
        ref T slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_items), --_count);
        var item = slot;
        slot = null!;
        return item;
    }

    public int Count => _count;
}
