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
        /// <summary>Unreachable objects whose counts are explained by references among themselves.</summary>
        public int InCycles;
        public bool Clean => Problems.Count == 0;

        public string Format()
        {
            var sb = new StringBuilder();
            sb.Append($"refcheck: {Checked} objects checked, {Problems.Count} problem{(Problems.Count == 1 ? "" : "s")}");
            if (InCycles > 0) sb.Append($", {InCycles} in reference cycles (no cycle collector)");
            sb.Append('\n');
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
        // Every live thread state (after exit normally only the main thread, and daemon threads still running).
        foreach (var ts in interp.Threads())
        {
            if (ts.HandledException is not null) Visit(ts.HandledException);
            if (ts.Sentinel is not null) Visit(ts.Sentinel);
            foreach (var f in ts.Frames()) f.Traverse(Visit);
        }
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

        // Live objects nothing reachable points at still hold real references
        // (to globals, code, None...): count those before comparing.
        var unreachable = Heap.Tracking ? UnreachableLive(found, staticTypes) : new List<PyObject>();
        foreach (var o in unreachable)
            o.Traverse(c => { if (found.TryGetValue(c, out var k)) found[c] = k + 1; });
        foreach (var (o, n) in found)
        {
            if (staticTypes.Contains(o)) continue;
            report.Checked++;
            long count = RefMode.Total(o);
            if (o.IsFreed) report.Problems.Add(new Problem("freed object reachable", o, count, n));
            else if (Uncounted(o)) continue;
            else if (count > n) report.Problems.Add(new Problem("leaked", o, count, n));
            else if (count < n) report.Problems.Add(new Problem("over-released", o, count, n));
        }
        if (Heap.Tracking) AuditUnreachable(unreachable, report);
        return report;
    }

    /// <summary>
    /// Live objects that nothing reachable points at. CPython's gc algorithm
    /// (Modules/gcmodule.c update_refs / subtract_refs) separates the two cases:
    /// subtract the references these objects hold to each other; an object left
    /// with a positive count is referenced from nowhere we know (a leak), a
    /// negative one was over-released, and a group that accounts for all its
    /// own counts is a reference cycle — its counts are exact, it only needs
    /// a cycle collector, which ToyPy does not have.
    /// </summary>
    private static List<PyObject> UnreachableLive(Dictionary<PyObject, long> found, HashSet<PyObject> staticTypes)
    {
        var seen = new HashSet<PyObject>(ReferenceEqualityComparer.Instance);
        var list = new List<PyObject>();
        foreach (var o in Heap.TrackedObjects())
        {
            if (o.IsFreed || found.ContainsKey(o) || staticTypes.Contains(o) || !seen.Add(o)) continue;
            list.Add(o);
        }
        return list;
    }

    private static void AuditUnreachable(List<PyObject> unreachable, Report report)
    {
        var gcRefs = new Dictionary<PyObject, long>(ReferenceEqualityComparer.Instance);
        // An uncounted (immortal or deferred) object still holds counted references: it takes part with a count of its own of 0.
        foreach (var o in unreachable) gcRefs[o] = Uncounted(o) ? 0 : RefMode.Total(o);
        foreach (var o in gcRefs.Keys.ToList())
            o.Traverse(c => { if (gcRefs.ContainsKey(c)) gcRefs[c]--; });
        foreach (var (o, n) in gcRefs)
        {
            if (Uncounted(o)) continue;
            report.Checked++;
            long count = RefMode.Total(o);
            if (n > 0) report.Problems.Add(new Problem("leaked (unreachable)", o, count, count - n));
            else if (n < 0) report.Problems.Add(new Problem("over-released", o, count, count - n));
            else report.InCycles++;
        }
    }

    /// <summary>--free-threaded: immortal and deferred objects keep no count to compare.</summary>
    private static bool Uncounted(PyObject o) => RefMode.Biased && BiasedRefCount.IsImmortalOrDeferred(o);

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
