using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>list's methods (Objects/listobject.c, clinic/listobject.c.h).</summary>
public sealed partial class PyList
{
    private static PyList L(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyList>(a, "list", method);

    /// <summary>Index of the first item equal to value in [start, stop), or -1. The item is held while compared (__eq__ may change the list).</summary>
    private int IndexOf(PyObject value, long start, long stop)
    {
        for (long i = start; i < stop && i < Count; i++)
        {
            if (ItemRefOrNull((int)i) is not { } item) break;
            bool eq;
            try { eq = Ops.Equal(item, value); }
            finally { item.Decref(); }
            if (eq) return (int)i;
        }
        return -1;
    }

    static partial void AddLibraryMethods(PyType t)
    {
        t.AddMethod("append", (a, k) =>
        {
            var x = MethodArgs.One("list.append", a, k);
            L(a, "append").Append(x);
            return MethodArgs.None();
        });
        t.AddMethod("extend", (a, k) =>
        {
            var x = MethodArgs.One("list.extend", a, k);
            L(a, "extend").Extend(x);
            return MethodArgs.None();
        });
        t.AddMethod("insert", (a, k) =>
        {
            MethodArgs.Range("list.insert", "insert", a, k, 2, 2);
            var l = L(a, "insert");
            long index = a[1] is PyInt bi && bi.IsBig ? (bi.Sign > 0 ? long.MaxValue : long.MinValue / 2) : MethodArgs.Index(a[1]);
            if (index > l.Count) index = l.Count;
            l.Insert(index, a[2]);
            return MethodArgs.None();
        });
        t.AddMethod("pop", (a, k) =>
        {
            int n = MethodArgs.Range("list.pop", "pop", a, k, 0, 1);
            var l = L(a, "pop");
            long index = -1;
            if (n == 1)
            {
                if (a[1] is PyInt bi && bi.IsBig) { if (l.Count == 0) throw Exc.IndexError("pop from empty list"); throw Exc.IndexError("pop index out of range"); }
                index = MethodArgs.Index(a[1]);
            }
            return l.PopAt(index);
        });
        t.AddMethod("remove", (a, k) =>
        {
            var x = MethodArgs.One("list.remove", a, k);
            var l = L(a, "remove");
            int i = l.IndexOf(x, 0, long.MaxValue);
            if (i < 0) throw Exc.ValueError("list.remove(x): x not in list");
            l.PopAt(i).Decref();
            return MethodArgs.None();
        });
        t.AddMethod("index", (a, k) =>
        {
            int n = MethodArgs.Range("list.index", "index", a, k, 1, 3);
            var l = L(a, "index");
            long start = n >= 2 ? MethodArgs.SliceIndex(a[2], 0, allowNone: false) : 0;
            long stop = n >= 3 ? MethodArgs.SliceIndex(a[3], 0, allowNone: false) : long.MaxValue;
            if (start < 0) { start += l.Count; if (start < 0) start = 0; }
            if (stop < 0) { stop += l.Count; if (stop < 0) stop = 0; }
            int i = l.IndexOf(a[1], start, stop);
            if (i < 0) throw Exc.ValueError($"{Ops.ReprString(a[1])} is not in list");
            return PyInt.FromLong(i);
        });
        t.AddMethod("count", (a, k) =>
        {
            var x = MethodArgs.One("list.count", a, k);
            var l = L(a, "count");
            long n = 0;
            for (int i = 0; l.ItemRefOrNull(i) is { } item; i++)
            {
                try { if (Ops.Equal(item, x)) n++; }
                finally { item.Decref(); }
            }
            return PyInt.FromLong(n);
        });
        t.AddMethod("clear", (a, k) =>
        {
            MethodArgs.NoArgs("list.clear", a, k);
            L(a, "clear").Clear();
            return MethodArgs.None();
        });
        t.AddMethod("copy", (a, k) =>
        {
            MethodArgs.NoArgs("list.copy", a, k);
            using var items = new TempRef(L(a, "copy").SnapshotTuple());
            var r = new PyList(((PyTuple)items.Value).Count);
            foreach (var x in ((PyTuple)items.Value).Items) r.Append(x);
            return r;
        });
        t.AddMethod("reverse", (a, k) =>
        {
            MethodArgs.NoArgs("list.reverse", a, k);
            var l = L(a, "reverse");
            if (RefMode.Special) CriticalSection.Run(l, ref l.LockWord, static c => Array.Reverse(c.Items, 0, c.Count));
            else Array.Reverse(l.Items, 0, l.Count);
            return MethodArgs.None();
        });
        t.AddMethod("sort", (a, k) =>
        {
            var l = L(a, "sort");
            Modules.ListSort.Sort(l, a[1..], k);
            return MethodArgs.None();
        });
    }
}
