using ToyPy.Bytecode;
using ToyPy.Objects;

namespace ToyPy.Runtime;

public sealed partial class PyThreadState
{
    /// <summary>
    /// Bind call arguments to a new frame's parameters (Python/ceval.c
    /// initialize_locals): positional, *args, keywords, **kwargs, defaults, and
    /// CPython's TypeError messages. Arguments are borrowed; each local gets
    /// its own reference.
    /// </summary>
    internal static void BindArguments(Frame frame, PyFunction f, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var code = f.Code;
        Span<PyObject?> slots = frame.Slots; // span stores skip the array-covariance check
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        int argcount = code.ArgCount;
        int kwonly = code.KwOnlyArgCount;
        int total = argcount + kwonly;
        bool hasVarArgs = (code.Flags & CodeFlags.VarArgs) != 0;
        bool hasVarKw = (code.Flags & CodeFlags.VarKeywords) != 0;
        string fname = f.QualName;

        PyDict? kwdict = null;
        if (hasVarKw)
        {
            kwdict = new PyDict();
            slots[total + (hasVarArgs ? 1 : 0)] = kwdict;
        }

        int n = Math.Min(npos, argcount);
        for (int i = 0; i < n; i++) slots[i] = args[i].NewRef();

        if (hasVarArgs)
        {
            slots[total] = npos > argcount ? PyTuple.FromSpan(args[argcount..npos]) : PyTuple.Empty();
        }
        else if (npos > argcount)
        {
            throw TooManyPositional(f, npos, args, kwnames);
        }

        for (int k = 0; k < nkw; k++)
        {
            var name = (PyStr)kwnames![k];
            var value = args[npos + k];
            int idx = -1;
            for (int j = code.PosOnlyArgCount; j < total; j++)
            {
                if (code.LocalsPlusNames[j] == name.Value) { idx = j; break; }
            }
            if (idx < 0)
            {
                if (kwdict is null)
                {
                    for (int j = 0; j < code.PosOnlyArgCount; j++)
                        if (code.LocalsPlusNames[j] == name.Value)
                            throw Exc.TypeError($"{fname}() got some positional-only arguments passed as keyword arguments: '{name.Value}'");
                    throw Exc.TypeError($"{fname}() got an unexpected keyword argument '{name.Value}'");
                }
                kwdict.SetItem(name, value);
                continue;
            }
            if (slots[idx] is not null) throw Exc.TypeError($"{fname}() got multiple values for argument '{name.Value}'");
            slots[idx] = value.NewRef();
        }

        // Defaults for missing positional parameters.
        if (npos < argcount)
        {
            int ndefaults = f.Defaults?.Count ?? 0;
            int firstDefault = argcount - ndefaults;
            List<string>? missing = null;
            for (int i = npos; i < argcount; i++)
            {
                if (slots[i] is not null) continue;
                if (i >= firstDefault) slots[i] = f.Defaults![i - firstDefault].NewRef();
                else (missing ??= new List<string>()).Add(code.LocalsPlusNames[i]);
            }
            if (missing is not null) throw Missing(fname, missing, "positional");
        }
        if (kwonly > 0)
        {
            List<string>? missing = null;
            for (int i = argcount; i < total; i++)
            {
                if (slots[i] is not null) continue;
                var def = f.KwDefaults?.GetItemString(code.LocalsPlusNames[i]);
                if (def is not null) slots[i] = def.NewRef();
                else (missing ??= new List<string>()).Add(code.LocalsPlusNames[i]);
            }
            if (missing is not null) throw Missing(fname, missing, "keyword-only");
        }
    }

    private static PyException Missing(string fname, List<string> names, string kind)
    {
        string list = names.Count switch
        {
            1 => $"'{names[0]}'",
            2 => $"'{names[0]}' and '{names[1]}'",
            _ => string.Join(", ", names.Take(names.Count - 1).Select(x => $"'{x}'")) + $", and '{names[^1]}'",
        };
        return Exc.TypeError($"{fname}() missing {names.Count} required {kind} argument{(names.Count == 1 ? "" : "s")}: {list}");
    }

    private static PyException TooManyPositional(PyFunction f, int given, ReadOnlySpan<PyObject> args, PyTuple? kwnames)
    {
        var code = f.Code;
        int argcount = code.ArgCount;
        int ndefaults = f.Defaults?.Count ?? 0;
        string takes = ndefaults > 0
            ? $"from {argcount - ndefaults} to {argcount} positional arguments"
            : $"{argcount} positional argument{(argcount == 1 ? "" : "s")}";
        int kwGiven = 0;
        if (kwnames is not null)
            for (int k = 0; k < kwnames.Count; k++)
                for (int j = argcount; j < argcount + code.KwOnlyArgCount; j++)
                    if (code.LocalsPlusNames[j] == ((PyStr)kwnames[k]).Value) kwGiven++;
        string given2 = kwGiven > 0
            ? $"{given} positional argument{(given == 1 ? "" : "s")} (and {kwGiven} keyword-only argument{(kwGiven == 1 ? "" : "s")}) were given"
            : $"{given} {(given == 1 ? "was" : "were")} given";
        return Exc.TypeError($"{f.QualName}() takes {takes} but {given2}");
    }
}
