using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// A member of an IntEnum that a builtin module exports (socket.AddressFamily,
/// socket.SocketKind; Lib/enum.py): an int whose repr names it
/// (&lt;AddressFamily.AF_INET: 2&gt;) while str() and format() give the plain
/// number, as 3.11's IntEnum does. The members are class attributes of their
/// enum class, as in Lib/enum.py: the class dict owns one reference to each,
/// and since the class is a static type they live as long as the process.
/// (type(member) prints as a class, not as CPython's &lt;enum 'AddressFamily'&gt;.)
/// </summary>
public sealed class PyIntEnum : PyInt
{
    public readonly string Name;

    /// <summary>Each enum class's members, borrowed (the class dicts own them).</summary>
    private static readonly Dictionary<PyType, PyIntEnum[]> s_members = new(ReferenceEqualityComparer.Instance);

    private PyIntEnum(PyType type, string name, long value) : base(type, value) { Name = name; }

    /// <summary>A new enum class of module (a final static subtype of int) holding the given members.</summary>
    public static PyType NewType(string name, string module, params (string Name, long Value)[] members)
    {
        var t = StaticTypeRegistry.Register(PyType.NewBuiltin(name, PyTypes.Int, TypeNew, isFinal: true));
        t.ModuleName = module;
        var list = new PyIntEnum[members.Length];
        for (int i = 0; i < members.Length; i++)
        {
            var m = list[i] = new PyIntEnum(t, members[i].Name, members[i].Value);
            t.AddAttr(m.Name, m);
            m.Decref(); // the class dict holds it now
        }
        lock (s_members) s_members[t] = list;
        return t;
    }

    /// <summary>The member of enum class t with this value (borrowed), or null.</summary>
    public static PyIntEnum? Member(PyType t, long value)
    {
        PyIntEnum[]? list;
        lock (s_members) s_members.TryGetValue(t, out list);
        return list?.FirstOrDefault(e => e.Value == value);
    }

    /// <summary>_intenum_converter (Lib/socket.py): the member for value if there is one, else a plain int. New reference.</summary>
    public static PyObject Convert(PyType t, long value) => Member(t, value)?.NewRef() ?? FromLong(value);

    /// <summary>AddressFamily(2): the member with that value.</summary>
    private new static PyObject TypeNew(PyType type, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        ArgParser.Positional(type.Name, args, kwnames, 1, 1);
        if (args[0] is PyInt i && !i.IsBig && Member(type, i.Value) is { } m) return m.NewRef();
        throw Exc.ValueError($"{Ops.ReprString(args[0])} is not a valid {type.Name}");
    }

    public override PyStr Repr() => PyStr.FromString($"<{Type.Name}.{Name}: {Value}>");

    public override PyStr Str() => PyStr.FromString(ToDecimalString());

    public override PyObject? GetAttr(PyStr name) => name.Value switch
    {
        "name" => PyStr.FromString(Name),
        "value" => FromLong(Value),
        _ => base.GetAttr(name),
    };

    protected internal override void Recycle() { }
}
