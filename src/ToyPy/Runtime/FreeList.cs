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

    public bool TryPush(T item)
    {
        if (_count == _items.Length) return false;
        _items[_count++] = item;
        return true;
    }

    public T? TryPop()
    {
        if (_count == 0) return null;
        var item = _items[--_count];
        _items[_count] = null!;
        return item;
    }

    public int Count => _count;
}
