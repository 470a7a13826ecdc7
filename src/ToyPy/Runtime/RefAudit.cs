using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// The reference-count audit (-X refcheck): walk every object reachable from
/// the roots (modules, thread state, the interpreter's caches), count the
/// references actually found, and compare with each object's count.
/// Leaked: the count is higher than the references found (which includes
/// every live object nothing reaches, found through the allocation registry);
/// over-released: lower. A freed object still reachable is reported too.
/// ToyPy has no cycle collector: objects kept alive only by a reference
/// cycle are reported as leaks, as they would be garbage for CPython's gc.
/// </summary>
public static class RefAudit
{
    public sealed record Problem(string Kind, PyObject Object, long RefCount, long Found);

    public sealed class Report
    {
        public readonly List<Problem> Problems = new();
        public int Checked;
        public bool Clean => Problems.Count == 0;

        public string Format()
        {
            var sb = new StringBuilder();
            sb.Append($"refcheck: {Checked} objects checked, {Problems.Count} problem{(Problems.Count == 1 ? "" : "s")}\n");
            foreach (var p in Problems.Take(50))
            {
                string what;
                try { what = p.Object.IsFreed ? $"<freed {p.Object.Type.Name}>" : Describe(p.Object); }
                catch (Exception) { what = $"<{p.Object.Type.Name}>"; }
                sb.Append($"  {p.Kind}: {what} refcount={p.RefCount} found={p.Found}\n");
            }
            if (Problems.Count > 50) sb.Append($"  ... and {Problems.Count - 50} more\n");
            return sb.ToString();
        }

        private static string Describe(PyObject o)
        {
            var r = o.Repr().Value;
            if (r.Length > 80) r = r.Substring(0, 77) + "...";
            return $"{o.Type.Name} {r}";
        }
    }

    public static Report Run(Host host)
    {
        var interp = host.Interp;
        var found = new Dictionary<PyObject, long>(ReferenceEqualityComparer.Instance);
        var queue = new Queue<PyObject>();
        var report = new Report();

        void Visit(PyObject o)
        {
            if (found.TryGetValue(o, out var n)) { found[o] = n + 1; return; }
            found[o] = 1;
            queue.Enqueue(o);
        }

        // Roots: each holds one reference.
        Visit(interp.Modules);
        if (interp.MainModule is not null) Visit(interp.MainModule);
        if (host.MainThread.HandledException is not null) Visit(host.MainThread.HandledException);
        foreach (var f in host.MainThread.Frames()) f.Traverse(Visit);
        foreach (var s in PyInt.SmallInts) Visit(s);
        foreach (var s in PyStr.InternedStrings()) Visit(s);
        foreach (var s in PyStr.CachedChars()) Visit(s);
        Visit(PyNone.Instance); Visit(PyBool.True); Visit(PyBool.False);
        Visit(PyEllipsis.Instance); Visit(PyNotImplemented.Instance);
        Visit(PyTuple.SharedEmpty);
        Visit(PySlice.Full);
        var staticTypes = new HashSet<PyObject>(ReferenceEqualityComparer.Instance);
        foreach (var t in StaticTypes()) { staticTypes.Add(t); Visit(t); }

        while (queue.Count > 0) queue.Dequeue().Traverse(Visit);

        foreach (var (o, n) in found)
        {
            if (staticTypes.Contains(o)) continue;
            report.Checked++;
            if (o.IsFreed) report.Problems.Add(new Problem("freed object reachable", o, o.RefCount, n));
            else if (o.RefCount > n) report.Problems.Add(new Problem("leaked", o, o.RefCount, n));
            else if (o.RefCount < n) report.Problems.Add(new Problem("over-released", o, o.RefCount, n));
        }
        if (Heap.Tracking)
        {
            var seen = new HashSet<PyObject>(ReferenceEqualityComparer.Instance);
            foreach (var o in Heap.TrackedObjects())
            {
                if (!seen.Add(o) || found.ContainsKey(o) || o.IsFreed || staticTypes.Contains(o)) continue;
                report.Checked++;
                if (o.RefCount != 0) report.Problems.Add(new Problem(o.RefCount > 0 ? "leaked (unreachable)" : "over-released", o, o.RefCount, 0));
            }
        }
        return report;
    }

    /// <summary>The builtin (static) type objects: their counts are not tracked by the objects that point at them.</summary>
    private static IEnumerable<PyType> StaticTypes()
    {
        foreach (var t in PyTypes.All()) yield return t;
        foreach (var t in ExceptionTypes.All()) yield return t;
        foreach (var t in StaticTypeRegistry.Extra) yield return t;
    }
}

/// <summary>Builtin types defined outside PyTypes (module types) register here so the audit treats them as static.</summary>
public static class StaticTypeRegistry
{
    private static readonly List<PyType> s_extra = new();
    public static IEnumerable<PyType> Extra { get { lock (s_extra) return s_extra.ToArray(); } }
    public static PyType Register(PyType t) { lock (s_extra) s_extra.Add(t); return t; }
}
