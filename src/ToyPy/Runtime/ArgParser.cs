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
        => ParseWithPositionalOnly(fname, args, kwnames, 0, required, max, names);

    /// <summary>
    /// Parse for a signature whose first `posonly` parameters are positional-only (Argument Clinic's `/`),
    /// checking in _PyArg_UnpackKeywords' order: the total count, the positional count, the required
    /// arguments in parameter order, then arguments given twice and unknown keywords.
    /// </summary>
    public static PyObject?[] ParseWithPositionalOnly(string fname, ReadOnlySpan<PyObject> args, PyTuple? kwnames, int posonly, int required, int max, params string[] names)
    {
        int nkw = kwnames?.Count ?? 0;
        int npos = args.Length - nkw;
        int maxargs = names.Length;
        int minposonly = Math.Min(posonly, required);
        if (nkw > 0 && npos + nkw > maxargs)
        {
            throw Exc.TypeError($"{fname}() takes at most {maxargs} {(npos == 0 ? "keyword " : "")}argument{(maxargs == 1 ? "" : "s")} ({npos + nkw} given)");
        }
        if (npos > max)
        {
            if (max == 0) throw Exc.TypeError(nkw > 0 ? $"{fname}() takes no positional arguments" : $"{fname}() takes no arguments ({npos} given)");
            if (nkw > 0 || maxargs > max)
                throw Exc.TypeError($"{fname}() takes {(required < max ? "at most" : "exactly")} {max} positional argument{(max == 1 ? "" : "s")} ({npos} given)");
            throw Exc.TypeError(required == max
                ? $"{fname}() takes exactly {(max == 1 ? "one argument" : max + " arguments")} ({npos} given)"
                : $"{fname}() takes at most {max} argument{(max == 1 ? "" : "s")} ({npos} given)");
        }
        if (npos < minposonly)
            throw Exc.TypeError($"{fname}() takes {(minposonly < max ? "at least" : "exactly")} {minposonly} positional argument{(minposonly == 1 ? "" : "s")} ({npos} given)");
        var result = new PyObject?[names.Length];
        for (int i = 0; i < npos; i++) result[i] = args[i];
        int left = nkw;
        for (int i = Math.Max(npos, posonly); i < maxargs; i++)
        {
            PyObject? current = null;
            for (int k = 0; k < nkw && left > 0; k++)
            {
                if (kwnames![k] is PyStr kn && kn.Value == names[i]) { current = args[npos + k]; break; }
            }
            if (current is not null) { result[i] = current; left--; }
            else if (i < required)
            {
                if (required == 1 && npos == 0 && nkw == 0 && max == 1)
                    throw Exc.TypeError($"{fname}() takes exactly one argument (0 given)");
                throw Exc.TypeError($"{fname}() missing required argument '{names[i]}' (pos {i + 1})");
            }
        }
        if (left > 0)
        {
            for (int i = posonly; i < npos; i++)
            {
                for (int k = 0; k < nkw; k++)
                {
                    if (kwnames![k] is PyStr kn && kn.Value == names[i])
                        throw Exc.TypeError($"argument for {fname}() given by name ('{kn.Value}') and position ({i + 1})");
                }
            }
            for (int k = 0; k < nkw; k++)
            {
                string kn = ((PyStr)kwnames![k]).Value;
                if (Array.IndexOf(names, kn, posonly) < 0) throw Exc.TypeError($"'{kn}' is an invalid keyword argument for {fname}()");
            }
            throw Exc.TypeError($"invalid keyword argument for {fname}()");
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
