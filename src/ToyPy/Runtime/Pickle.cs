using System.Numerics;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// An object that lives on a descriptor another process can inherit (a
/// Connection, a semaphore, shared memory). It is sent only while a child is
/// being spawned, as CPython's reduction.py allows (DupFd under spawn): the
/// descriptor goes to the child through posix_spawn, the stream carries its
/// index and whatever else rebuilding the object needs.
/// </summary>
public interface IInheritable
{
    /// <summary>The descriptor the child inherits.</summary>
    int Fd { get; }
    /// <summary>Which Unpickler factory rebuilds it.</summary>
    byte HandleKind { get; }
    /// <summary>The RuntimeError raised when it is sent other than to a child being started.</summary>
    string SharingError { get; }
    /// <summary>What the rebuilt object needs besides the descriptor.</summary>
    void WriteState(BinaryWriter w);
}

/// <summary>
/// The serialisation multiprocessing sends objects with: pickle's model
/// (Lib/pickle.py) in a small binary format of ToyPy's own. Values are written
/// by value (None, bool, int of any size, float, str, bytes, tuple, list, dict,
/// set, frozenset), module-level functions and classes by qualified name,
/// instances of module-level classes by class and __dict__ (or
/// __getstate__/__setstate__), exceptions by type, args and __dict__.
/// Shared and cyclic lists, dicts, sets and instances are kept shared through
/// a memo, as pickle's is. What cannot be sent fails with the exception and
/// message CPython 3.11's _pickle gives.
/// </summary>
public sealed class Pickler : IDisposable
{
    private static readonly byte[] Magic = "TPK1"u8.ToArray();

    // Opcodes (one byte each, then the operands).
    internal const byte None = (byte)'N', True = (byte)'T', False = (byte)'F', Int = (byte)'i', BigInt = (byte)'I',
        Float = (byte)'f', Str = (byte)'s', Bytes = (byte)'b', Tuple = (byte)'t', List = (byte)'l', Dict = (byte)'d',
        Set = (byte)'e', FrozenSet = (byte)'E', Global = (byte)'g', Instance = (byte)'o', Exception = (byte)'x',
        Handle = (byte)'h', Method = (byte)'m', Memo = (byte)'r';

    public static readonly PyType PickleError = StaticTypeRegistry.Register(MakeError("PickleError", ExceptionTypes.Exception));
    public static readonly PyType PicklingError = StaticTypeRegistry.Register(MakeError("PicklingError", PickleError));
    public static readonly PyType UnpicklingError = StaticTypeRegistry.Register(MakeError("UnpicklingError", PickleError));

    private static PyType MakeError(string name, PyType parent) =>
        new(PyTypes.Type, name, parent) { New = PyBaseException.TypeNew, Alloc = PyBaseException.Alloc, ModuleName = "_pickle" };

    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _w;
    private readonly Dictionary<PyObject, int> _memo = new(ReferenceEqualityComparer.Instance);
    private int _depth;

    /// <summary>Descriptors to hand to the child being spawned; null when no child is (handles are then refused).</summary>
    public readonly List<int>? Inherited;

    public Pickler(bool spawning)
    {
        _w = new BinaryWriter(_stream, Encoding.UTF8);
        _w.Write(Magic);
        if (spawning) Inherited = new List<int>();
    }

    /// <summary>pickle.dumps(obj): the bytes of one object.</summary>
    public static byte[] Dumps(PyObject obj)
    {
        using var p = new Pickler(spawning: false);
        p.Dump(obj);
        return p.ToArray();
    }

    public byte[] ToArray() { _w.Flush(); return _stream.ToArray(); }

    private void WriteString(string s)
    {
        _w.Write(s.Length);
        foreach (char c in s) _w.Write((ushort)c); // UTF-16 units as they are: lone surrogates survive
    }

    /// <summary>True on a thread while it pickles a Process for a child being spawned (context.assert_spawning).</summary>
    [ThreadStatic] public static bool Spawning;

    public void Dump(PyObject o)
    {
        if (++_depth > 1000)
        {
            _depth = 0;
            throw Exc.RecursionError("maximum recursion depth exceeded while pickling an object");
        }
        bool outer = _depth == 1 && Inherited is not null;
        if (outer) Spawning = true;
        try { DumpOne(o); }
        finally
        {
            _depth--;
            if (outer) Spawning = false;
        }
    }

    private void DumpOne(PyObject o)
    {
        switch (o)
        {
            case PyNone: _w.Write(None); return;
            case PyBool b: _w.Write(b.IsTrue() ? True : False); return;
            case PyInt i when o.Type == PyTypes.Int:
                if (!i.IsBig) { _w.Write(Int); _w.Write(i.Value); }
                else { var bytes = i.Big.ToByteArray(); _w.Write(BigInt); _w.Write(bytes.Length); _w.Write(bytes); }
                return;
            case PyFloat f when o.Type == PyTypes.Float: _w.Write(Float); _w.Write(f.Value); return;
            case PyStr s when o.Type == PyTypes.Str: _w.Write(Str); WriteString(s.Value); return;
            case PyBytes by when o.Type == PyTypes.Bytes: _w.Write(Bytes); _w.Write(by.Value.Length); _w.Write(by.Value); return;
        }
        if (_memo.TryGetValue(o, out int index)) { _w.Write(Memo); _w.Write(index); return; }
        switch (o)
        {
            case PyTuple t when o.Type == PyTypes.Tuple:
                _w.Write(Tuple); _w.Write(t.Count);
                foreach (var item in t.Items) Dump(item);
                Remember(o);
                return;
            case PyList l when o.Type == PyTypes.List:
                _w.Write(List); Remember(o); _w.Write(l.Count);
                for (int k = 0; k < l.Count; k++) Dump(l.Items[k]);
                return;
            case PyDict d when o.Type == PyTypes.Dict:
                _w.Write(Dict); Remember(o);
                var items = d.Items();
                _w.Write(items.Count);
                foreach (var (key, value) in items) { Dump(key); Dump(value); }
                return;
            case PySet set when o.Type == PyTypes.Set || o.Type == PyTypes.FrozenSet:
                _w.Write(set.IsFrozen ? FrozenSet : Set); Remember(o);
                var elements = set.Elements();
                _w.Write(elements.Count);
                foreach (var e in elements) Dump(e);
                return;
            case PyFunction fn: DumpGlobal(o, Ops.StrString(fn.ModuleName), fn.QualName); return;
            case PyType type: DumpGlobal(o, type.ModuleName, type.QualName); return;
            case PyBuiltinFunction bf: DumpGlobal(o, bf.Module ?? "builtins", bf.Name); return;
            case PyBoundMethod m when m.Func is PyFunction f:
                _w.Write(Method); Dump(m.Self); WriteString(f.Name);
                return;
            case IInheritable h:
                if (Inherited is null) throw Exc.RuntimeError(h.SharingError);
                int slot = Inherited.IndexOf(h.Fd);
                if (slot < 0) { slot = Inherited.Count; Inherited.Add(h.Fd); }
                _w.Write(Handle); _w.Write(h.HandleKind); _w.Write(slot);
                h.WriteState(_w);
                Remember(o);
                return;
            case PyBaseException exc:
                _w.Write(Exception); Remember(o);
                Dump(exc.Type); Dump(exc.Args);
                if (exc.Dict is { Count: > 0 } ed) Dump(ed); else _w.Write(None);
                return;
            case PyInstance inst when inst.Type.IsHeapType:
                DumpInstance(inst);
                return;
        }
        throw Exc.TypeError($"cannot pickle '{TypeName(o.Type)}' object");
    }

    private static string TypeName(PyType t) => t.IsHeapType || t.ModuleName == "builtins" ? t.Name : t.ModuleName + "." + t.Name;

    /// <summary>The memo owns a reference, as pickle's does: a temporary (a __getstate__ tuple) must not be freed and its address reused while the stream still names it.</summary>
    private void Remember(PyObject o)
    {
        o.Incref();
        _memo[o] = _memo.Count;
    }

    /// <summary>Release the memo's references.</summary>
    public void Dispose()
    {
        foreach (var o in _memo.Keys) o.Decref();
        _memo.Clear();
    }

    private void DumpInstance(PyInstance inst)
    {
        // Probe the class first, so an unpicklable class fails before its state is looked at.
        var type = inst.Type;
        _w.Write(Instance); Remember(inst);
        Dump(type);
        var getstate = type.Lookup("__getstate__");
        if (getstate is PyFunction)
        {
            using var state = new TempRef(Ops.CallSpecial(getstate, inst));
            Dump(state.Value);
        }
        else if (inst.Dict is { } d) Dump(d);
        else _w.Write(None);
    }

    /// <summary>save_global (Modules/_pickle.c): by module and qualified name, after checking the name leads back to the object.</summary>
    private void DumpGlobal(PyObject o, string module, string qualname)
    {
        if (qualname.Contains("<locals>"))
            throw Exc.AttributeError($"Can't pickle local object '{qualname}'");
        var found = LookupGlobal(module, qualname);
        if (found is null)
            throw Exc.New(PicklingError, $"Can't pickle {Ops.ReprString(o)}: attribute lookup {qualname} on {module} failed");
        found.Decref();
        if (!ReferenceEquals(found, o))
            throw Exc.New(PicklingError, $"Can't pickle {Ops.ReprString(o)}: it's not the same object as {module}.{qualname}");
        _w.Write(Global); WriteString(module); WriteString(qualname);
    }

    /// <summary>sys.modules[module] then one attribute per dotted part: a new reference, or null.</summary>
    private static PyObject? LookupGlobal(string module, string qualname)
    {
        var interp = PyThreadState.Current.Interp;
        PyObject? current = interp.Modules.GetItemString(module);
        if (current is null) return null;
        current.Incref();
        foreach (var part in qualname.Split('.'))
        {
            var next = Ops.GetAttrOrNull(current, part);
            current.Decref();
            if (next is null) return null;
            current = next;
        }
        return current;
    }
}

/// <summary>pickle.loads for the Pickler's format; rebuilt objects are new references.</summary>
public sealed class Unpickler
{
    /// <summary>Rebuilds an inherited object from its descriptor (child side) and its state.</summary>
    public delegate PyObject HandleFactory(int fd, BinaryReader r);

    private static readonly Dictionary<byte, HandleFactory> s_factories = new();

    public static void RegisterHandle(byte kind, HandleFactory factory) { lock (s_factories) s_factories[kind] = factory; }

    private readonly BinaryReader _r;
    private readonly List<PyObject> _memo = new(); // borrowed: each is owned by the tree being built
    private readonly int _firstInheritedFd;

    /// <param name="firstInheritedFd">The child's descriptor for inherited slot 0 (-1: none were sent).</param>
    public Unpickler(byte[] data, int firstInheritedFd = -1)
    {
        _r = new BinaryReader(new MemoryStream(data), Encoding.UTF8);
        _firstInheritedFd = firstInheritedFd;
        if (data.Length < 4 || _r.ReadUInt32() != BitConverter.ToUInt32("TPK1"u8))
            throw Exc.New(Pickler.UnpicklingError, "invalid load key, not a ToyPy multiprocessing stream");
    }

    public static PyObject Loads(byte[] data) => new Unpickler(data).Load();

    private string ReadString()
    {
        int n = _r.ReadInt32();
        var chars = new char[n];
        for (int i = 0; i < n; i++) chars[i] = (char)_r.ReadUInt16();
        return new string(chars);
    }

    public PyObject Load()
    {
        try { return LoadOne(); }
        catch (EndOfStreamException) { throw Exc.New(Pickler.UnpicklingError, "pickle data was truncated"); }
    }

    private PyObject LoadOne()
    {
        byte op = _r.ReadByte();
        switch (op)
        {
            case Pickler.None: return PyNone.Instance.NewRef();
            case Pickler.True: return PyBool.True.NewRef();
            case Pickler.False: return PyBool.False.NewRef();
            case Pickler.Int: return PyInt.FromLong(_r.ReadInt64());
            case Pickler.BigInt: return PyInt.FromBig(new BigInteger(_r.ReadBytes(_r.ReadInt32())));
            case Pickler.Float: return PyFloat.FromDouble(_r.ReadDouble());
            case Pickler.Str: return PyStr.FromString(ReadString());
            case Pickler.Bytes: return PyBytes.FromBytes(_r.ReadBytes(_r.ReadInt32()));
            case Pickler.Memo: return _memo[_r.ReadInt32()].NewRef();
            case Pickler.Tuple:
            {
                int n = _r.ReadInt32();
                var t = PyTuple.Allocate(n);
                for (int i = 0; i < n; i++)
                {
                    try { t.Items[i] = LoadOne(); }
                    catch { for (int j = i; j < n; j++) t.Items[j] = PyNone.Instance.NewRef(); t.Decref(); throw; }
                }
                _memo.Add(t);
                return t;
            }
            case Pickler.List:
            {
                var l = new PyList();
                _memo.Add(l);
                int n = _r.ReadInt32();
                try { for (int i = 0; i < n; i++) l.AppendStealing(LoadOne()); }
                catch { l.Decref(); throw; }
                return l;
            }
            case Pickler.Dict:
            {
                var d = new PyDict();
                _memo.Add(d);
                int n = _r.ReadInt32();
                try
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var k = new TempRef(LoadOne());
                        using var v = new TempRef(LoadOne());
                        d.SetItem(k.Value, v.Value);
                    }
                }
                catch { d.Decref(); throw; }
                return d;
            }
            case Pickler.Set:
            case Pickler.FrozenSet:
            {
                var s = new PySet(op == Pickler.FrozenSet);
                _memo.Add(s);
                int n = _r.ReadInt32();
                try
                {
                    for (int i = 0; i < n; i++)
                    {
                        using var e = new TempRef(LoadOne());
                        s.Add(e.Value);
                    }
                }
                catch { s.Decref(); throw; }
                if (s.IsFrozen) s.Seal();
                return s;
            }
            case Pickler.Global: return FindClass(ReadString(), ReadString());
            case Pickler.Method:
            {
                using var self = new TempRef(LoadOne());
                return Ops.GetAttr(self.Value, ReadString());
            }
            case Pickler.Handle:
            {
                byte kind = _r.ReadByte();
                int slot = _r.ReadInt32();
                if (_firstInheritedFd < 0) throw Exc.New(Pickler.UnpicklingError, "inherited handle outside a spawned child");
                HandleFactory? factory;
                lock (s_factories) s_factories.TryGetValue(kind, out factory);
                if (factory is null) throw Exc.New(Pickler.UnpicklingError, $"unknown handle kind {kind}");
                var h = factory(_firstInheritedFd + slot, _r);
                _memo.Add(h);
                return h;
            }
            case Pickler.Exception:
            {
                int at = _memo.Count;
                _memo.Add(PyNone.Instance); // placeholder: an exception cannot contain itself before it exists
                using var type = new TempRef(LoadOne());
                using var args = new TempRef(LoadOne());
                using var dict = new TempRef(LoadOne());
                var exc = Ops.CallWithDict(type.Value, (PyTuple)args.Value, null);
                _memo[at] = exc;
                if (dict.Value is PyDict d && exc.InstanceDict is { } target) target.Update(d);
                return exc;
            }
            case Pickler.Instance:
            {
                int at = _memo.Count;
                _memo.Add(PyNone.Instance);
                using var cls = new TempRef(LoadOne());
                if (cls.Value is not PyType type || type.Alloc is null)
                    throw Exc.New(Pickler.UnpicklingError, $"cannot rebuild an instance of {Ops.ReprString(cls.Value)}");
                var inst = type.Alloc(type);
                _memo[at] = inst;
                try
                {
                    using var state = new TempRef(LoadOne());
                    var setstate = type.Lookup("__setstate__");
                    if (setstate is PyFunction) Ops.CallSpecial(setstate, inst, state.Value).Decref();
                    else if (state.Value is PyDict d && inst.InstanceDict is { } target) target.Update(d);
                }
                catch { inst.Decref(); throw; }
                return inst;
            }
        }
        throw Exc.New(Pickler.UnpicklingError, $"invalid load key, '{(char)op}'.");
    }

    /// <summary>find_class: import the module, then walk the qualified name (CPython's message when it is missing).</summary>
    private static PyObject FindClass(string module, string qualname)
    {
        var ts = PyThreadState.Current;
        PyObject current = ts.Interp.Modules.GetItemString(module)?.NewRef() ?? ts.Interp.Import(ts, module, 0, fromList: true);
        foreach (var part in qualname.Split('.'))
        {
            var next = Ops.GetAttrOrNull(current, part);
            if (next is null)
            {
                string where = Ops.ReprString(current);
                current.Decref();
                throw Exc.AttributeError($"Can't get attribute '{qualname}' on {where}");
            }
            current.Decref();
            current = next;
        }
        return current;
    }
}
