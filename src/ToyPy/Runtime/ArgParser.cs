using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>
/// Argument parsing for host functions (Python/getargs.c in spirit): maps
/// vectorcall arguments onto named parameters with CPython's error messages.
/// </summary>
public static class ArgParser
{
    /// <summary>
    /// Returns one slot per name (borrowed references; null when not given).
    /// The first `required` parameters must be given; at most `max` positional.
    /// </summary>
    public static PyObject?[] Parse(string fname, ReadOnlySpan<PyObject> args, PyTuple? kwnames, int required, int max, params string[] names)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        if (npos > max)
        {
            if (max == 0) throw Exc.TypeError($"{fname}() takes no arguments ({npos} given)");
            throw Exc.TypeError(required == max
                ? $"{fname}() takes exactly {(max == 1 ? "one argument" : max + " arguments")} ({npos} given)"
                : $"{fname}() takes at most {max} argument{(max == 1 ? "" : "s")} ({npos} given)");
        }
        var result = new PyObject?[names.Length];
        for (int i = 0; i < npos; i++) result[i] = args[i];
        for (int k = 0; k < nkw; k++)
        {
            string kn = ((PyStr)kwnames![k]).Value;
            int idx = Array.IndexOf(names, kn);
            if (idx < 0) throw Exc.TypeError($"'{kn}' is an invalid keyword argument for {fname}()");
            if (result[idx] is not null) throw Exc.TypeError($"argument for {fname}() given by name ('{kn}') and position ({idx + 1})");
            result[idx] = args[npos + k];
        }
        for (int i = 0; i < required; i++)
        {
            if (result[i] is null)
            {
                if (required == 1 && npos == 0 && nkw == 0 && max == 1)
                    throw Exc.TypeError($"{fname}() takes exactly one argument (0 given)");
                throw Exc.TypeError($"{fname}() missing required argument '{names[i]}' (pos {i + 1})");
            }
        }
        return result;
    }

    /// <summary>For functions that take only positional arguments: checks the count.</summary>
    public static void Positional(string fname, ReadOnlySpan<PyObject> args, PyTuple? kwnames, int min, int max)
    {
        if (kwnames is not null && kwnames.Count > 0) throw Exc.TypeError($"{fname}() takes no keyword arguments");
        if (args.Length < min || args.Length > max)
        {
            if (min == max)
                throw Exc.TypeError(min == 0 ? $"{fname}() takes no arguments ({args.Length} given)"
                    : min == 1 ? $"{fname}() takes exactly one argument ({args.Length} given)"
                    : $"{fname} expected {min} arguments, got {args.Length}");
            if (args.Length < min) throw Exc.TypeError($"{fname} expected at least {min} argument{(min == 1 ? "" : "s")}, got {args.Length}");
            throw Exc.TypeError($"{fname} expected at most {max} argument{(max == 1 ? "" : "s")}, got {args.Length}");
        }
    }
}
