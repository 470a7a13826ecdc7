using System.Runtime.InteropServices;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// _multiprocessing.SharedMemory: a block of memory mapped into every
/// process it is sent to (an anonymous memfd, MAP_SHARED), read and written
/// as C values by struct-module typecode. multiprocessing.Value and Array
/// (Lib/multiprocessing/sharedctypes.py, here in Lib/multiprocessing.tpy)
/// keep their ctypes-like objects in one: a write in one process is seen by
/// the others, nothing is copied.
/// </summary>
public sealed class PySharedMemory : PyObject, IInheritable
{
    public static readonly PyType SharedMemoryType = StaticTypeRegistry.Register(
        PyType.NewBuiltin("SharedMemory", PyTypes.Object, null, null));

    public const byte Kind = 3;

    private int _fd;
    private IntPtr _address;
    private readonly int _size;

    private PySharedMemory(int fd, IntPtr address, int size) : base(SharedMemoryType)
    {
        _fd = fd; _address = address; _size = size;
    }

    public static PySharedMemory Create(int size)
    {
        var (fd, address) = Posix.CreateSharedMemory(Math.Max(size, 1), "toypy-sharedctypes");
        return new PySharedMemory(fd, address, size);
    }

    public int Fd => _fd;
    public byte HandleKind => Kind;
    public string SharingError => "Shared memory objects should only be shared between processes through inheritance";
    public void WriteState(BinaryWriter w) => w.Write(_size);

    public static PyObject FromInherited(int fd, BinaryReader r)
    {
        int size = r.ReadInt32();
        return new PySharedMemory(fd, Posix.Map(fd, Math.Max(size, 1)), size);
    }

    /// <summary>The size of one value of a struct typecode.</summary>
    public static int SizeOf(string typecode) => typecode switch
    {
        "c" or "b" or "B" or "?" => 1,
        "h" or "H" => 2,
        "i" or "I" or "f" => 4,
        "l" or "L" or "q" or "Q" or "d" or "n" or "N" or "P" => 8,
        _ => throw Exc.TypeError($"bad typecode (must be b, B, h, H, i, I, l, L, q, Q, f or d): {typecode}"),
    };

    static PySharedMemory()
    {
        var t = SharedMemoryType;
        t.ModuleName = "_multiprocessing";
        SlotWrappers.AddStandardSlots(t);
        t.AddMethod("get", (a, k) =>
        {
            ArgParser.Positional("get", a, k, 3, 3);
            var (self, code, offset) = Slot(a);
            return self.Get(code, offset);
        }, "get(typecode, offset): the value stored at offset.");
        t.AddMethod("set", (a, k) =>
        {
            ArgParser.Positional("set", a, k, 4, 4);
            var (self, code, offset) = Slot(a);
            self.Set(code, offset, a[3]);
            return PyNone.Instance.NewRef();
        }, "set(typecode, offset, value): store value at offset (wrapping as a C assignment does).");
        MethodArgs.AddGetter(t, "size", o => PyInt.FromLong(((PySharedMemory)o)._size), "the size in bytes");
    }

    private static (PySharedMemory, string, int) Slot(ReadOnlySpan<PyObject> a)
    {
        if (a[0] is not PySharedMemory self) throw Exc.TypeError("descriptor requires a '_multiprocessing.SharedMemory' object");
        if (a[1] is not PyStr code) throw Exc.TypeError("typecode must be a str");
        int offset = Ops.IndexAsInt(a[2]);
        if (offset < 0 || offset + SizeOf(code.Value) > self._size) throw Exc.IndexError("shared memory offset out of range");
        if (self._address == IntPtr.Zero) throw Exc.ValueError("shared memory is closed");
        return (self, code.Value, offset);
    }

    private PyObject Get(string code, int offset)
    {
        var p = _address + offset;
        return code switch
        {
            "c" => PyBytes.FromBytes(new[] { Marshal.ReadByte(p) }),
            "b" => PyInt.FromLong((sbyte)Marshal.ReadByte(p)),
            "B" => PyInt.FromLong(Marshal.ReadByte(p)),
            "?" => PyBool.From(Marshal.ReadByte(p) != 0),
            "h" => PyInt.FromLong(Marshal.ReadInt16(p)),
            "H" => PyInt.FromLong((ushort)Marshal.ReadInt16(p)),
            "i" => PyInt.FromLong(Marshal.ReadInt32(p)),
            "I" => PyInt.FromLong((uint)Marshal.ReadInt32(p)),
            "l" or "q" or "n" => PyInt.FromLong(Marshal.ReadInt64(p)),
            "L" or "Q" or "N" or "P" => PyInt.FromBig((ulong)Marshal.ReadInt64(p)),
            "f" => PyFloat.FromDouble(BitConverter.Int32BitsToSingle(Marshal.ReadInt32(p))),
            "d" => PyFloat.FromDouble(BitConverter.Int64BitsToDouble(Marshal.ReadInt64(p))),
            _ => throw Exc.TypeError($"bad typecode: {code}"),
        };
    }

    /// <summary>A C assignment: integers wrap to the field's width (ctypes does no overflow checking).</summary>
    private void Set(string code, int offset, PyObject value)
    {
        var p = _address + offset;
        switch (code)
        {
            case "f": Marshal.WriteInt32(p, BitConverter.SingleToInt32Bits((float)Double(value))); return;
            case "d": Marshal.WriteInt64(p, BitConverter.DoubleToInt64Bits(Double(value))); return;
            case "c":
                if (value is not PyBytes { Value.Length: 1 } b) throw Exc.TypeError("one character bytes, bytearray or integer expected");
                Marshal.WriteByte(p, b.Value[0]);
                return;
        }
        if (value is not PyInt i) throw Exc.TypeError($"int expected instead of {value.Type.Name}");
        long bits = (long)(ulong)(i.ToBig() & ulong.MaxValue);
        switch (SizeOf(code))
        {
            case 1: Marshal.WriteByte(p, (byte)bits); break;
            case 2: Marshal.WriteInt16(p, (short)bits); break;
            case 4: Marshal.WriteInt32(p, (int)bits); break;
            default: Marshal.WriteInt64(p, bits); break;
        }
    }

    private static double Double(PyObject v) =>
        PyFloat.TryAsDouble(v, out double d) ? d : throw Exc.TypeError($"must be real number, not {v.Type.Name}");

    protected internal override void ClearReferences()
    {
        Posix.Unmap(_address, Math.Max(_size, 1));
        _address = IntPtr.Zero;
        Posix.Close(_fd);
        _fd = -1;
    }
}
