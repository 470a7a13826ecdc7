using System.Numerics;
using System.Text;
using ToyPy.Objects;

namespace ToyPy.Bytecode;

/// <summary>
/// Code objects to bytes and back (CPython's marshal, as used for .pyc files),
/// so the library modules written in Python can be compiled once at build
/// time (`toypy --freeze-library FILE`, run by `make build`) instead of by
/// every process that imports them: a multiprocessing child would otherwise
/// parse ~2,500 lines of threading, queue and multiprocessing before running
/// its target.
/// </summary>
public static class CodeMarshal
{
    private const string Magic = "TOYPYC1";

    private enum Tag : byte { None, Ellipsis, False, True, Int, BigInt, Float, Str, InternedStr, Bytes, Tuple, FrozenSet, Code }

    public static void Write(BinaryWriter w, CodeObject code)
    {
        w.Write(Magic);
        WriteCode(w, code);
    }

    /// <summary>The code object stored by Write, or null when the bytes are not a ToyPy code file of this format.</summary>
    public static CodeObject? Read(BinaryReader r)
    {
        if (r.ReadString() != Magic) return null;
        return ReadCode(r);
    }

    private static void WriteInts(BinaryWriter w, int[]? a)
    {
        w.Write(a is null ? -1 : a.Length);
        if (a is not null) foreach (var x in a) w.Write(x);
    }

    private static int[]? ReadInts(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0) return null;
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.ReadInt32();
        return a;
    }

    private static void WriteCode(BinaryWriter w, CodeObject c)
    {
        w.Write(c.Name); w.Write(c.QualName); w.Write(c.Filename);
        w.Write(c.FirstLineNo); w.Write(c.ArgCount); w.Write(c.PosOnlyArgCount); w.Write(c.KwOnlyArgCount);
        w.Write((int)c.Flags); w.Write(c.StackSize);
        WriteInts(w, c.Instructions); WriteInts(w, c.Lines);
        WriteInts(w, c.EndLines); WriteInts(w, c.Columns); WriteInts(w, c.EndColumns);
        w.Write(c.Consts.Length);
        foreach (var k in c.Consts) WriteConst(w, k);
        w.Write(c.Names.Length);
        foreach (var n in c.Names) w.Write(n.Value);
        w.Write(c.LocalsPlusNames.Length);
        for (int i = 0; i < c.LocalsPlusNames.Length; i++) { w.Write(c.LocalsPlusNames[i]); w.Write((byte)c.LocalsPlusKinds[i]); }
        w.Write(c.ExceptionTable.Length);
        foreach (var e in c.ExceptionTable) { w.Write(e.Start); w.Write(e.End); w.Write(e.Target); w.Write(e.Depth); w.Write(e.PushLasti); }
    }

    private static CodeObject ReadCode(BinaryReader r)
    {
        string name = r.ReadString(), qualName = r.ReadString(), filename = r.ReadString();
        int firstLine = r.ReadInt32(), argCount = r.ReadInt32(), posOnly = r.ReadInt32(), kwOnly = r.ReadInt32();
        var flags = (CodeFlags)r.ReadInt32();
        int stackSize = r.ReadInt32();
        var instructions = ReadInts(r)!;
        var lines = ReadInts(r)!;
        var endLines = ReadInts(r); var columns = ReadInts(r); var endColumns = ReadInts(r);
        var consts = new PyObject[r.ReadInt32()];
        for (int i = 0; i < consts.Length; i++) consts[i] = ReadConst(r);
        var names = new PyStr[r.ReadInt32()];
        for (int i = 0; i < names.Length; i++) names[i] = PyStr.Intern(r.ReadString());
        int nlocals = r.ReadInt32();
        var lpNames = new string[nlocals];
        var lpKinds = new LocalKind[nlocals];
        for (int i = 0; i < nlocals; i++) { lpNames[i] = r.ReadString(); lpKinds[i] = (LocalKind)r.ReadByte(); }
        var table = new ExceptionTableEntry[r.ReadInt32()];
        for (int i = 0; i < table.Length; i++)
            table[i] = new ExceptionTableEntry(r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadBoolean());
        return new CodeObject
        {
            Name = name, QualName = qualName, Filename = filename, FirstLineNo = firstLine,
            ArgCount = argCount, PosOnlyArgCount = posOnly, KwOnlyArgCount = kwOnly, Flags = flags, StackSize = stackSize,
            Instructions = instructions, Lines = lines, EndLines = endLines, Columns = columns, EndColumns = endColumns,
            Consts = consts, Names = names, LocalsPlusNames = lpNames, LocalsPlusKinds = lpKinds, ExceptionTable = table,
        };
    }

    private static void WriteConst(BinaryWriter w, PyObject o)
    {
        switch (o)
        {
            case PyNone: w.Write((byte)Tag.None); break;
            case PyEllipsis: w.Write((byte)Tag.Ellipsis); break;
            case PyBool b: w.Write((byte)(b.IsTrue() ? Tag.True : Tag.False)); break;
            case PyInt { IsBig: false } i: w.Write((byte)Tag.Int); w.Write(i.Value); break;
            case PyInt i:
                var bytes = i.Big.ToByteArray();
                w.Write((byte)Tag.BigInt); w.Write(bytes.Length); w.Write(bytes);
                break;
            case PyFloat f: w.Write((byte)Tag.Float); w.Write(f.Value); break;
            case PyStr s:
                // An interned constant (a name-like string) stays interned, as the compiler made it.
                w.Write((byte)(ReferenceEquals(PyStr.InternedOrNull(s.Value), s) ? Tag.InternedStr : Tag.Str));
                w.Write(s.Value);
                break;
            case PyBytes by: w.Write((byte)Tag.Bytes); w.Write(by.Value.Length); w.Write(by.Value); break;
            case PyTuple t:
                w.Write((byte)Tag.Tuple); w.Write(t.Count);
                foreach (var item in t.Items) WriteConst(w, item);
                break;
            case PySet { IsFrozen: true } fs:
                var elements = fs.Elements();
                w.Write((byte)Tag.FrozenSet); w.Write(elements.Count);
                foreach (var item in elements) WriteConst(w, item);
                break;
            case CodeObject c: w.Write((byte)Tag.Code); WriteCode(w, c); break;
            default: throw new InvalidOperationException($"CodeMarshal: unexpected constant of type {o.Type.Name}");
        }
    }

    /// <summary>A new reference to the constant.</summary>
    private static PyObject ReadConst(BinaryReader r)
    {
        var tag = (Tag)r.ReadByte();
        switch (tag)
        {
            case Tag.None: return PyNone.Instance.NewRef();
            case Tag.Ellipsis: return PyEllipsis.Instance.NewRef();
            case Tag.False: return PyBool.False.NewRef();
            case Tag.True: return PyBool.True.NewRef();
            case Tag.Int: return PyInt.FromLong(r.ReadInt64());
            case Tag.BigInt: return PyInt.FromBig(new BigInteger(r.ReadBytes(r.ReadInt32())));
            case Tag.Float: return PyFloat.FromDouble(r.ReadDouble());
            case Tag.Str: return PyStr.FromString(r.ReadString());
            case Tag.InternedStr: return PyStr.Intern(r.ReadString());
            case Tag.Bytes: return PyBytes.FromBytes(r.ReadBytes(r.ReadInt32()));
            case Tag.Tuple:
            {
                var items = new PyObject[r.ReadInt32()];
                for (int i = 0; i < items.Length; i++) items[i] = ReadConst(r);
                return PyTuple.Create(items);
            }
            case Tag.FrozenSet:
            {
                var set = new PySet(frozen: true);
                int n = r.ReadInt32();
                for (int i = 0; i < n; i++)
                {
                    var o = ReadConst(r);
                    set.Add(o);
                    o.Decref();
                }
                set.Seal();
                return set;
            }
            case Tag.Code: return ReadCode(r);
            default: throw new InvalidDataException($"CodeMarshal: bad constant tag {tag}");
        }
    }

    /// <summary>A key that changes whenever the source or the compiler does: the source text's hash plus the build's identity.</summary>
    public static string SourceKey(string source, string buildId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(buildId + "\n" + source));
        return Convert.ToHexString(hash);
    }
}
