using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>tuple's methods (Objects/tupleobject.c).</summary>
public sealed partial class PyTuple
{
    static partial void AddLibraryMethods(PyType t)
    {
        t.AddMethod("index", (a, k) =>
        {
            int n = MethodArgs.Range("tuple.index", "index", a, k, 1, 3);
            var self = MethodArgs.Self<PyTuple>(a, "tuple", "index");
            long len = self.Items.Length;
            long start = n >= 2 ? MethodArgs.SliceIndex(a[2], 0, allowNone: false) : 0;
            long stop = n >= 3 ? MethodArgs.SliceIndex(a[3], 0, allowNone: false) : long.MaxValue;
            if (start < 0) { start += len; if (start < 0) start = 0; }
            if (stop < 0) { stop += len; if (stop < 0) stop = 0; }
            for (long i = start; i < stop && i < len; i++)
                if (Ops.Equal(self.Items[i], a[1])) return PyInt.FromLong(i);
            throw Exc.ValueError("tuple.index(x): x not in tuple");
        });
        t.AddMethod("count", (a, k) =>
        {
            var x = MethodArgs.One("tuple.count", a, k);
            var self = MethodArgs.Self<PyTuple>(a, "tuple", "count");
            long n = 0;
            foreach (var item in self.Items) if (Ops.Equal(item, x)) n++;
            return PyInt.FromLong(n);
        });
    }
}
