using ToyPy.Objects;
using ToyPy.Runtime;

namespace ToyPy.Modules;

/// <summary>
/// The collections module: deque (Objects/PyDeque.cs). defaultdict,
/// OrderedDict, Counter and namedtuple are not provided: they are dict and
/// tuple subclasses, and ToyPy's dict and tuple do not support subclassing yet.
/// </summary>
public static class CollectionsModule
{
    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("collections");
        m.Dict.SetItemString("deque", PyDeque.DequeType);
        return m;
    }
}
