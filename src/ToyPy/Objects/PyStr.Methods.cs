using System.Globalization;
using System.Numerics;
using System.Text;
using ToyPy.Runtime;

namespace ToyPy.Objects;

/// <summary>
/// Argument checks shared by the methods of the builtin types, with the
/// messages CPython 3.11 prints (METH_NOARGS, METH_O, Argument Clinic's
/// _PyArg_CheckPositional and PyArg_ParseTuple's "O|OO:name" forms).
/// args[0] is self; keyword values trail the positional ones.
/// </summary>
internal static class MethodArgs
{
    public static int Kw(PyTuple? k) => k?.Count ?? 0;

    public static void NoKeywords(string qual, PyTuple? k)
    {
        if (k is not null && k.Count > 0) throw Exc.TypeError($"{qual}() takes no keyword arguments");
    }

    /// <summary>METH_NOARGS: "str.upper() takes no arguments (1 given)".</summary>
    public static void NoArgs(string qual, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        NoKeywords(qual, k);
        if (a.Length != 1) throw Exc.TypeError($"{qual}() takes no arguments ({a.Length - 1} given)");
    }

    /// <summary>METH_O: "list.append() takes exactly one argument (0 given)". Returns the argument (borrowed).</summary>
    public static PyObject One(string qual, ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        NoKeywords(qual, k);
        if (a.Length != 2) throw Exc.TypeError($"{qual}() takes exactly one argument ({a.Length - 1} given)");
        return a[1];
    }

    private static string Plural(int n) => n == 1 ? "" : "s";

    /// <summary>Argument Clinic positional-only: "center expected at least 1 argument, got 0".</summary>
    public static int Range(string qual, string name, ReadOnlySpan<PyObject> a, PyTuple? k, int min, int max)
    {
        NoKeywords(qual, k);
        int n = a.Length - 1;
        if (n < min || n > max)
        {
            if (min == max) throw Exc.TypeError($"{name} expected {min} argument{Plural(min)}, got {n}");
            if (n < min) throw Exc.TypeError($"{name} expected at least {min} argument{Plural(min)}, got {n}");
            throw Exc.TypeError($"{name} expected at most {max} argument{Plural(max)}, got {n}");
        }
        return n;
    }

    /// <summary>PyArg_ParseTuple "O|OO:name": "count() takes at least 1 argument (0 given)".</summary>
    public static int Tuple(string qual, string name, ReadOnlySpan<PyObject> a, PyTuple? k, int min, int max)
    {
        NoKeywords(qual, k);
        int n = a.Length - 1;
        if (n < min) throw Exc.TypeError($"{name}() takes at least {min} argument{Plural(min)} ({n} given)");
        if (n > max) throw Exc.TypeError($"{name}() takes at most {max} argument{Plural(max)} ({n} given)");
        return n;
    }

    /// <summary>self as the host class (a heap subclass instance of a builtin type is not one in ToyPy).</summary>
    public static T Self<T>(ReadOnlySpan<PyObject> a, string typeName, string method) where T : PyObject
    {
        if (a.Length > 0 && a[0] is T t) return t;
        string got = a.Length > 0 ? a[0].Type.Name : "nothing";
        throw Exc.TypeError($"descriptor '{method}' requires a '{typeName}' object but received a '{got}'");
    }

    /// <summary>The slice bounds of find/count/startswith: None or absent gives the default.</summary>
    public static long SliceIndex(PyObject? o, long dflt, bool allowNone = true)
    {
        if (o is null) return dflt;
        if (allowNone && o is PyNone) return dflt;
        if (o is PyInt i) return i.IsBig ? (i.Sign > 0 ? long.MaxValue / 4 : long.MinValue / 4) : i.Value;
        if (Ops.TryIndex(o, out long v)) return v;
        throw Exc.TypeError(allowNone
            ? "slice indices must be integers or None or have an __index__ method"
            : "slice indices must be integers or have an __index__ method");
    }

    /// <summary>ADJUST_INDICES from stringlib.</summary>
    public static void AdjustIndices(ref long start, ref long end, long len)
    {
        if (end > len) end = len;
        else if (end < 0) { end += len; if (end < 0) end = 0; }
        if (start < 0) { start += len; if (start < 0) start = 0; }
    }

    /// <summary>An index-sized integer argument (operator.index), "'str' object cannot be interpreted as an integer".</summary>
    public static long Index(PyObject o)
    {
        if (o is PyInt i)
        {
            if (i.IsBig) throw Exc.OverflowError("Python int too large to convert to C ssize_t");
            return i.Value;
        }
        return Ops.IndexAsLong(o);
    }

    public static PyObject None() => PyNone.Instance.NewRef();

    /// <summary>Clinic parameters with keyword-only ones after maxPos: "to_bytes() takes at most 2 positional arguments (3 given)". args excludes self.</summary>
    public static PyObject?[] ParseKw(string fname, ReadOnlySpan<PyObject> args, PyTuple? k, int required, int maxPos, params string[] names)
    {
        int npos = args.Length - Kw(k);
        if (npos > maxPos) throw Exc.TypeError($"{fname}() takes at most {maxPos} positional argument{Plural(maxPos)} ({npos} given)");
        return ArgParser.Parse(fname, args, k, required, names.Length, names);
    }

    /// <summary>A builtin function wrapped as a classmethod of t.</summary>
    public static void AddClassMethod(PyType t, string name, BuiltinFn fn)
    {
        var f = new PyBuiltinFunction(name, fn);
        var cm = new PyClassMethod(f);
        f.Decref();
        t.AddAttr(name, cm);
        cm.Decref();
    }

    public static void AddStaticMethod(PyType t, string name, BuiltinFn fn)
    {
        var f = new PyBuiltinFunction(name, fn);
        var sm = new PyStaticMethod(f);
        f.Decref();
        t.AddAttr(name, sm);
        sm.Decref();
    }

    /// <summary>A read-only attribute computed from the instance (int.real, float.imag...).</summary>
    public static void AddGetter(PyType t, string name, Func<PyObject, PyObject> get, string doc)
    {
        var f = new PyBuiltinFunction(name, (a, k) => get(a[0]));
        var d = PyStr.FromString(doc);
        var p = new PyProperty(f, null, null, d);
        f.Decref(); d.Decref();
        t.AddAttr(name, p);
        p.Decref();
    }

    /// <summary>Ranges of a split on whitespace (stringlib split_whitespace / rsplit_whitespace), in order.</summary>
    public static List<(int Start, int Len)> SplitWhitespace<T>(ReadOnlySpan<T> s, long maxsplit, Func<T, bool> isSpace, bool fromRight)
    {
        var r = new List<(int, int)>();
        long maxcount = maxsplit < 0 ? long.MaxValue : maxsplit;
        int len = s.Length;
        if (!fromRight)
        {
            int i = 0;
            while (maxcount-- > 0)
            {
                while (i < len && isSpace(s[i])) i++;
                if (i == len) break;
                int j = i; i++;
                while (i < len && !isSpace(s[i])) i++;
                r.Add((j, i - j));
            }
            if (i < len)
            {
                while (i < len && isSpace(s[i])) i++;
                if (i != len) r.Add((i, len - i));
            }
        }
        else
        {
            int i = len - 1;
            while (maxcount-- > 0)
            {
                while (i >= 0 && isSpace(s[i])) i--;
                if (i < 0) break;
                int j = i; i--;
                while (i >= 0 && !isSpace(s[i])) i--;
                r.Add((i + 1, j - i));
            }
            if (i >= 0)
            {
                while (i >= 0 && isSpace(s[i])) i--;
                if (i >= 0) r.Add((0, i + 1));
            }
            r.Reverse();
        }
        return r;
    }

    /// <summary>Ranges of a split on a non-empty separator, in order.</summary>
    public static List<(int Start, int Len)> SplitSep<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> sep, long maxsplit, bool fromRight) where T : IEquatable<T>
    {
        if (sep.Length == 0) throw Exc.ValueError("empty separator");
        var r = new List<(int, int)>();
        long maxcount = maxsplit < 0 ? long.MaxValue : maxsplit;
        if (!fromRight)
        {
            int i = 0;
            while (maxcount-- > 0)
            {
                int pos = s.Slice(i).IndexOf(sep);
                if (pos < 0) break;
                r.Add((i, pos));
                i += pos + sep.Length;
            }
            r.Add((i, s.Length - i));
        }
        else
        {
            int j = s.Length; // end of the unsplit part
            while (maxcount-- > 0)
            {
                int pos = s.Slice(0, j).LastIndexOf(sep);
                if (pos < 0) break;
                r.Add((pos + sep.Length, j - pos - sep.Length));
                j = pos;
            }
            r.Add((0, j));
            r.Reverse();
        }
        return r;
    }

    /// <summary>stringlib find: the position of sub in s[start:end] (direction &lt; 0: last), or -1.</summary>
    public static long Find<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> sub, long start, long end, bool last) where T : IEquatable<T>
    {
        AdjustIndices(ref start, ref end, s.Length);
        if (end - start < sub.Length) return -1;
        if (sub.Length == 0) return last ? end : start;
        var window = s.Slice((int)start, (int)(end - start));
        int p = last ? window.LastIndexOf(sub) : window.IndexOf(sub);
        return p < 0 ? -1 : start + p;
    }

    /// <summary>stringlib count: non-overlapping occurrences of sub in s[start:end].</summary>
    public static long Count<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> sub, long start, long end, long max = long.MaxValue) where T : IEquatable<T>
    {
        AdjustIndices(ref start, ref end, s.Length);
        if (end - start < sub.Length) return 0;
        if (sub.Length == 0) return Math.Min(end - start + 1, max);
        var window = s.Slice((int)start, (int)(end - start));
        long n = 0;
        while (n < max)
        {
            int p = window.IndexOf(sub);
            if (p < 0) break;
            n++;
            window = window.Slice(p + sub.Length);
        }
        return n;
    }

    /// <summary>tailmatch: does s[start:end] start (atEnd: end) with sub.</summary>
    public static bool TailMatch<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> sub, long start, long end, bool atEnd) where T : IEquatable<T>
    {
        AdjustIndices(ref start, ref end, s.Length);
        end -= sub.Length;
        if (end < start) return false;
        if (sub.Length == 0) return true;
        int at = atEnd ? (int)end : (int)start;
        return s.Slice(at, sub.Length).SequenceEqual(sub);
    }

    /// <summary>str.replace / bytes.replace.</summary>
    public static T[] Replace<T>(ReadOnlySpan<T> s, ReadOnlySpan<T> old, ReadOnlySpan<T> @new, long count) where T : IEquatable<T>
    {
        if (count < 0) count = long.MaxValue;
        var r = new List<T>(s.Length);
        if (old.Length == 0)
        {
            long n = 0;
            int i = 0;
            for (; i <= s.Length; i++)
            {
                if (n >= count) break;
                foreach (var x in @new) r.Add(x);
                n++;
                if (i < s.Length) r.Add(s[i]);
            }
            for (; i < s.Length; i++) r.Add(s[i]);
            return r.ToArray();
        }
        long done = 0;
        while (done < count)
        {
            int p = s.IndexOf(old);
            if (p < 0) break;
            foreach (var x in s.Slice(0, p)) r.Add(x);
            foreach (var x in @new) r.Add(x);
            s = s.Slice(p + old.Length);
            done++;
        }
        foreach (var x in s) r.Add(x);
        return r.ToArray();
    }
}

public sealed partial class PyStr
{
    private static PyStr S(ReadOnlySpan<PyObject> a, string method) => MethodArgs.Self<PyStr>(a, "str", method);

    /// <summary>Py_UNICODE_ISSPACE: Unicode whitespace plus the ASCII separators \x1c-\x1f.</summary>
    public static bool IsPySpace(char c) => c < 128 ? (c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f')) : char.IsWhiteSpace(c);

    private static bool IsLineBreak(char c) => c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';

    private static string ArgStr(PyObject o, string what) =>
        o is PyStr s ? s.Value : throw Exc.TypeError($"{what} str, not {o.Type.Name}");

    private static PyList ListOf(string s, List<(int Start, int Len)> ranges)
    {
        var l = new PyList(ranges.Count);
        foreach (var (st, len) in ranges) l.AppendStealing(FromString(s.Substring(st, len)));
        return l;
    }

    // ------------------------------------------------------------------ code points
    // .NET strings are UTF-16: a surrogate pair is one code point for the predicates
    // and case mappings below (lone surrogates stand for themselves).

    private static bool IsPairAt(string s, int i) => char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]);
    private static int CpLen(string s, int i) => IsPairAt(s, i) ? 2 : 1;
    private static UnicodeCategory CategoryAt(string s, int i) => CharUnicodeInfo.GetUnicodeCategory(s, i);

    // ------------------------------------------------------------------ case mapping (full mappings for the common special cases)

    /// <summary>Py_UNICODE_ISUPPER: category Lu plus Other_Uppercase (Roman numerals, circled letters).</summary>
    private static bool IsUpperChar(char c) =>
        char.IsUpper(c) || (c >= '\u2160' && c <= '\u216F') || (c >= '\u24B6' && c <= '\u24CF');

    /// <summary>Py_UNICODE_ISLOWER: category Ll plus Other_Lowercase (ordinal indicators, modifier letters, small Roman numerals...).</summary>
    private static bool IsLowerChar(char c) =>
        char.IsLower(c) || c is '\u00AA' or '\u00BA' or '\u0345' or '\u037A' or '\u1D78' or '\u2071' or '\u207F' or '\uA770'
        || (c >= '\u02B0' && c <= '\u02B8') || (c >= '\u02C0' && c <= '\u02C1') || (c >= '\u02E0' && c <= '\u02E4')
        || (c >= '\u1D2C' && c <= '\u1D6A') || (c >= '\u1D9B' && c <= '\u1DBF') || (c >= '\u2090' && c <= '\u209C')
        || (c >= '\u2170' && c <= '\u217F') || (c >= '\u24D0' && c <= '\u24E9') || (c >= '\u2C7C' && c <= '\u2C7D')
        || (c >= '\uA69C' && c <= '\uA69D') || (c >= '\uA7F8' && c <= '\uA7F9') || (c >= '\uAB5C' && c <= '\uAB5F');

    private static bool IsUpperAt(string s, int i) => IsPairAt(s, i) ? CategoryAt(s, i) == UnicodeCategory.UppercaseLetter : IsUpperChar(s[i]);
    private static bool IsLowerAt(string s, int i) => IsPairAt(s, i) ? CategoryAt(s, i) == UnicodeCategory.LowercaseLetter : IsLowerChar(s[i]);
    private static bool IsTitleAt(string s, int i) => CategoryAt(s, i) == UnicodeCategory.TitlecaseLetter;
    private static bool IsCasedAt(string s, int i) => IsUpperAt(s, i) || IsLowerAt(s, i) || IsTitleAt(s, i);

    /// <summary>Uppercase of the code point at s[i].</summary>
    private static string UpperAt(string s, int i)
    {
        if (IsPairAt(s, i)) return s.Substring(i, 2).ToUpperInvariant();
        return s[i] switch
        {
            'ß' => "SS", 'ŉ' => "\u02BCN", 'ﬀ' => "FF", 'ﬁ' => "FI", 'ﬂ' => "FL", 'ﬃ' => "FFI", 'ﬄ' => "FFL", 'ﬅ' => "ST", 'ﬆ' => "ST",
            var c => char.ToUpperInvariant(c).ToString(),
        };
    }

    /// <summary>Titlecase of the code point at s[i].</summary>
    private static string TitleAt(string s, int i)
    {
        if (IsPairAt(s, i)) return s.Substring(i, 2).ToUpperInvariant();
        return s[i] switch
        {
            'ß' => "Ss", 'ﬀ' => "Ff", 'ﬁ' => "Fi", 'ﬂ' => "Fl", 'ﬃ' => "Ffi", 'ﬄ' => "Ffl", 'ﬅ' => "St", 'ﬆ' => "St", 'ŉ' => "\u02BCN",
            '\u01C4' or '\u01C5' or '\u01C6' => "\u01C5",
            '\u01C7' or '\u01C8' or '\u01C9' => "\u01C8",
            '\u01CA' or '\u01CB' or '\u01CC' => "\u01CB",
            '\u01F1' or '\u01F2' or '\u01F3' => "\u01F2",
            var c => char.ToUpperInvariant(c).ToString(),
        };
    }

    /// <summary>Lowercase of the code point at s[i], with the Final_Sigma rule.</summary>
    private static string LowerAt(string s, int i)
    {
        if (IsPairAt(s, i)) return s.Substring(i, 2).ToLowerInvariant();
        char c = s[i];
        if (c == '\u0130') return "i\u0307";
        if (c == 'Σ')
        {
            bool before = false, after = false;
            for (int j = i - 1; j >= 0; j--) { if (IsCasedAt(s, j)) { before = true; break; } if (!IsCaseIgnorable(s[j])) break; }
            for (int j = i + 1; j < s.Length; j++) { if (IsCasedAt(s, j)) { after = true; break; } if (!IsCaseIgnorable(s[j])) break; }
            return before && !after ? "ς" : "σ";
        }
        return char.ToLowerInvariant(c).ToString();
    }

    private static bool IsCaseIgnorable(char c)
    {
        if (c is '\'' or '.' or ':' or '^' or '`' or '\u00B7' or '\u2019') return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(c);
        return cat is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
    }

    private static string MapEach(string s, Func<string, int, string> f)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i += CpLen(s, i)) sb.Append(f(s, i));
        return sb.ToString();
    }

    private static string Upper(string s) => MapEach(s, UpperAt);
    private static string Lower(string s) => MapEach(s, LowerAt);

    private static string CaseFold(string s) => MapEach(s, (str, i) => str[i] switch
    {
        'ß' => "ss", 'ſ' => "s", 'ς' => "σ", 'Σ' => "σ", 'ﬀ' => "ff", 'ﬁ' => "fi", 'ﬂ' => "fl", 'ﬃ' => "ffi", 'ﬄ' => "ffl",
        'ﬅ' or 'ﬆ' => "st",
        _ => LowerAt(str, i),
    });

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        bool prevCased = false;
        for (int i = 0; i < s.Length; i += CpLen(s, i))
        {
            sb.Append(prevCased ? LowerAt(s, i) : TitleAt(s, i));
            prevCased = IsCasedAt(s, i);
        }
        return sb.ToString();
    }

    private static string Capitalize(string s)
    {
        if (s.Length == 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(TitleAt(s, 0));
        for (int i = CpLen(s, 0); i < s.Length; i += CpLen(s, i)) sb.Append(LowerAt(s, i));
        return sb.ToString();
    }

    private static string SwapCase(string s) => MapEach(s, (str, i) =>
        IsUpperAt(str, i) ? LowerAt(str, i) : IsLowerAt(str, i) ? UpperAt(str, i) : str.Substring(i, CpLen(str, i)));

    // ------------------------------------------------------------------ predicates

    private static bool IsDecimalAt(string s, int i) => CharUnicodeInfo.GetDecimalDigitValue(s, i) >= 0;
    private static bool IsDigitAt(string s, int i) => CharUnicodeInfo.GetDigitValue(s, i) >= 0;
    private static bool IsNumericAt(string s, int i) => CharUnicodeInfo.GetNumericValue(s, i) >= 0 || IsHanNumeral(s[i]);
    private static bool IsHanNumeral(char c) => "〇一二三四五六七八九十百千万億兆零壹贰叁肆伍陆柒捌玖拾佰仟".IndexOf(c) >= 0;
    private static bool IsAlphaAt(string s, int i) => CategoryAt(s, i) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
        or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    /// <summary>Non-empty and every code point satisfies p.</summary>
    private static bool All(string s, Func<string, int, bool> p)
    {
        if (s.Length == 0) return false;
        for (int i = 0; i < s.Length; i += CpLen(s, i)) if (!p(s, i)) return false;
        return true;
    }

    private static bool IsUpperStr(string s)
    {
        bool cased = false;
        for (int i = 0; i < s.Length; i += CpLen(s, i))
        {
            if (IsLowerAt(s, i) || IsTitleAt(s, i)) return false;
            if (!cased && IsUpperAt(s, i)) cased = true;
        }
        return cased;
    }

    private static bool IsLowerStr(string s)
    {
        bool cased = false;
        for (int i = 0; i < s.Length; i += CpLen(s, i))
        {
            if (IsUpperAt(s, i) || IsTitleAt(s, i)) return false;
            if (!cased && IsLowerAt(s, i)) cased = true;
        }
        return cased;
    }

    private static bool IsTitleStr(string s)
    {
        bool cased = false, prevCased = false;
        for (int i = 0; i < s.Length; i += CpLen(s, i))
        {
            if (IsUpperAt(s, i) || IsTitleAt(s, i))
            {
                if (prevCased) return false;
                prevCased = true; cased = true;
            }
            else if (IsLowerAt(s, i))
            {
                if (!prevCased) return false;
                prevCased = true; cased = true;
            }
            else prevCased = false;
        }
        return cased;
    }

    public static bool IsIdentifier(string s)
    {
        if (s.Length == 0) return false;
        static bool Start(string str, int i) => str[i] == '_' || CategoryAt(str, i) is UnicodeCategory.UppercaseLetter
            or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.LetterNumber;
        static bool Continue(string str, int i) => Start(str, i) || CategoryAt(str, i) is UnicodeCategory.NonSpacingMark
            or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
        if (!Start(s, 0)) return false;
        for (int i = CpLen(s, 0); i < s.Length; i += CpLen(s, i)) if (!Continue(s, i)) return false;
        return true;
    }

    private static void Pred(PyType t, string name, Func<string, bool> p)
    {
        string qual = "str." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return PyBool.From(p(S(a, name).Value)); });
    }

    private static void Mapper(PyType t, string name, Func<string, string> f)
    {
        string qual = "str." + name;
        t.AddMethod(name, (a, k) => { MethodArgs.NoArgs(qual, a, k); return FromString(f(S(a, name).Value)); });
    }

    // ------------------------------------------------------------------ split / strip / search

    private static PyObject Split(ReadOnlySpan<PyObject> a, PyTuple? k, bool right)
    {
        string name = right ? "rsplit" : "split";
        var s = S(a, name).Value;
        var p = ArgParser.Parse(name, a[1..], k, 0, 2, "sep", "maxsplit");
        long maxsplit = p[1] is null ? -1 : MethodArgs.Index(p[1]!);
        if (p[0] is null or PyNone) return ListOf(s, MethodArgs.SplitWhitespace<char>(s, maxsplit, IsPySpace, right));
        if (p[0] is not PyStr sep) throw Exc.TypeError($"must be str or None, not {p[0]!.Type.Name}");
        return ListOf(s, MethodArgs.SplitSep<char>(s, sep.Value, maxsplit, right));
    }

    private static PyObject SplitLines(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var s = S(a, "splitlines").Value;
        var p = ArgParser.Parse("splitlines", a[1..], k, 0, 1, "keepends");
        bool keep = false;
        if (p[0] is not null)
        {
            if (p[0] is PyInt ki) keep = ki.IsTrue();
            else keep = MethodArgs.Index(p[0]!) != 0;
        }
        var l = new PyList();
        int i = 0, n = s.Length;
        while (i < n)
        {
            int j = i;
            while (j < n && !IsLineBreak(s[j])) j++;
            int eol = j;
            if (j < n)
            {
                if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n') j += 2; else j++;
                if (keep) eol = j;
            }
            l.AppendStealing(FromString(s.Substring(i, eol - i)));
            i = j;
        }
        return l;
    }

    private static PyObject Strip(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool left, bool right)
    {
        MethodArgs.Range("str." + name, name, a, k, 0, 1);
        var self = S(a, name);
        var s = self.Value;
        Func<char, bool> strip;
        if (a.Length < 2 || a[1] is PyNone) strip = IsPySpace;
        else if (a[1] is PyStr cs) { var set = cs.Value; strip = c => set.IndexOf(c) >= 0; }
        else throw Exc.TypeError($"{name} arg must be None or str");
        int i = 0, j = s.Length;
        if (left) while (i < j && strip(s[i])) i++;
        if (right) while (j > i && strip(s[j - 1])) j--;
        if (i == 0 && j == s.Length && self.Type == PyTypes.Str) return self.NewRef();
        return FromString(s.Substring(i, j - i));
    }

    private static PyObject StartsEnds(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool atEnd)
    {
        MethodArgs.Tuple("str." + name, name, a, k, 1, 3);
        var s = S(a, name).Value;
        long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
        long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
        if (a[1] is PyTuple t)
        {
            foreach (var item in t.Items)
            {
                if (item is not PyStr ps) throw Exc.TypeError($"tuple for {name} must only contain str, not {item.Type.Name}");
                if (MethodArgs.TailMatch<char>(s, ps.Value, start, end, atEnd)) return PyBool.True.NewRef();
            }
            return PyBool.False.NewRef();
        }
        if (a[1] is not PyStr p) throw Exc.TypeError($"{name} first arg must be str or a tuple of str, not {a[1].Type.Name}");
        return PyBool.From(MethodArgs.TailMatch<char>(s, p.Value, start, end, atEnd));
    }

    private static long FindImpl(ReadOnlySpan<PyObject> a, PyTuple? k, string name, bool last)
    {
        MethodArgs.Tuple("str." + name, name, a, k, 1, 3);
        var self = S(a, name);
        var s = self.Value;
        string sub = ArgStr(a[1], "must be");
        long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
        long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
        if (!self.HasSurrogatePairs) return MethodArgs.Find<char>(s, sub, start, end, last);
        // Positions are code points: translate the bounds to UTF-16 and the answer back.
        int n = self.CodePointCount;
        if (start < 0) start = Math.Max(0, start + n);
        if (end < 0) end = Math.Max(0, end + n);
        long r = MethodArgs.Find<char>(s, sub, self.ToUtf16Offset(start), self.ToUtf16Offset(end), last);
        return r < 0 ? r : self.ToCodePointIndex((int)r);
    }

    private static string Justify(ReadOnlySpan<PyObject> a, PyTuple? k, string name, out string s, out long width)
    {
        MethodArgs.Range("str." + name, name, a, k, 1, 2);
        s = S(a, name).Value;
        width = MethodArgs.Index(a[1]);
        // Widths count code points; callers subtract UTF-16 lengths.
        width += s.Length - S(a, name).CodePointCount;
        string fill = " ";
        if (a.Length > 2)
        {
            if (a[2] is not PyStr f) throw Exc.TypeError($"The fill character must be a unicode character, not {a[2].Type.Name}");
            if (f.Value.Length != 1) throw Exc.TypeError("The fill character must be exactly one character long");
            fill = f.Value;
        }
        return fill;
    }

    private static string Repeat(string fill, long n) => n <= 0 ? "" : new string(fill[0], (int)n);

    private static PyObject Partition(ReadOnlySpan<PyObject> a, PyTuple? k, bool right)
    {
        string name = right ? "rpartition" : "partition";
        var sepObj = MethodArgs.One("str." + name, a, k);
        var self = S(a, name);
        var s = self.Value;
        string sep = ArgStr(sepObj, "must be");
        if (sep.Length == 0) throw Exc.ValueError("empty separator");
        int p = right ? s.LastIndexOf(sep, StringComparison.Ordinal) : s.IndexOf(sep, StringComparison.Ordinal);
        if (p < 0)
        {
            return right
                ? PyTuple.Create(FromString(""), FromString(""), self.NewRef())
                : PyTuple.Create(self.NewRef(), FromString(""), FromString(""));
        }
        return PyTuple.Create(FromString(s.Substring(0, p)), sepObj.NewRef(), FromString(s.Substring(p + sep.Length)));
    }

    private static PyObject Join(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var it = MethodArgs.One("str.join", a, k);
        var sep = S(a, "join").Value;
        PyObject seq;
        if (it is PyList shared && RefMode.Biased) seq = shared.SnapshotTuple();
        else if (it is PyList or PyTuple) seq = it.NewRef();
        else
        {
            PyObject iter;
            try { iter = Ops.GetIter(it); }
            catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.TypeError))
            {
                e.Value.Decref();
                throw Exc.TypeError("can only join an iterable");
            }
            var l = new PyList();
            try { while (Ops.Next(iter) is { } x) l.AppendStealing(x); }
            catch { l.Decref(); throw; }
            finally { iter.Decref(); }
            seq = l;
        }
        try
        {
            var items = seq is PyList pl ? pl.Items.AsSpan(0, pl.Count) : ((PyTuple)seq).Items.AsSpan();
            if (items.Length == 1 && items[0] is PyStr only && only.Type == PyTypes.Str) return only.NewRef();
            var sb = new StringBuilder();
            for (int i = 0; i < items.Length; i++)
            {
                if (items[i] is not PyStr ps) throw Exc.TypeError($"sequence item {i}: expected str instance, {items[i].Type.Name} found");
                if (i > 0) sb.Append(sep);
                sb.Append(ps.Value);
            }
            return FromString(sb.ToString());
        }
        finally { seq.Decref(); }
    }

    private static PyObject ExpandTabs(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var s = S(a, "expandtabs").Value;
        var p = ArgParser.Parse("expandtabs", a[1..], k, 0, 1, "tabsize");
        long tab = p[0] is null ? 8 : MethodArgs.Index(p[0]!);
        var sb = new StringBuilder(s.Length);
        long col = 0;
        foreach (char c in s)
        {
            if (c == '\t')
            {
                if (tab > 0)
                {
                    long inc = tab - col % tab;
                    sb.Append(' ', (int)inc);
                    col += inc;
                }
            }
            else
            {
                sb.Append(c);
                col++;
                if (c is '\n' or '\r') col = 0;
            }
        }
        return FromString(sb.ToString());
    }

    private static PyObject Encode(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var s = S(a, "encode").Value;
        var p = ArgParser.Parse("encode", a[1..], k, 0, 2, "encoding", "errors");
        string enc = "utf-8", errors = "strict";
        if (p[0] is not null) enc = p[0] is PyStr e ? e.Value : throw Exc.TypeError($"encode() argument 'encoding' must be str, not {p[0]!.Type.Name}");
        if (p[1] is not null) errors = p[1] is PyStr r ? r.Value : throw Exc.TypeError($"encode() argument 'errors' must be str, not {p[1]!.Type.Name}");
        return PyBytes.FromBytes(TextCodecs.Encode(s, enc, errors));
    }

    // ------------------------------------------------------------------ maketrans / translate

    private static PyObject MakeTrans(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        MethodArgs.NoKeywords("maketrans", k);
        int n = a.Length;
        if (n < 1) throw Exc.TypeError($"maketrans expected at least 1 argument, got {n}");
        if (n > 3) throw Exc.TypeError($"maketrans expected at most 3 arguments, got {n}");
        var d = new PyDict();
        try
        {
            if (n == 1)
            {
                if (a[0] is not PyDict src) throw Exc.TypeError("if you give only one argument to maketrans it must be a dict");
                foreach (var (key, v) in src.Items())
                {
                    if (key is PyStr ks)
                    {
                        if (ks.Value.Length != 1) throw Exc.ValueError("string keys in translate table must be of length 1");
                        using var o = new TempRef(PyInt.FromLong(ks.Value[0]));
                        d.SetItem(o.Value, v);
                    }
                    else if (key is PyInt) d.SetItem(key, v);
                    else throw Exc.TypeError("keys in translate table must be strings or integers");
                }
                return d;
            }
            if (a[0] is not PyStr x) throw Exc.TypeError("first maketrans argument must be a string if there is a second argument");
            if (a[1] is not PyStr y) throw Exc.TypeError($"maketrans() argument 2 must be str, not {a[1].Type.Name}");
            if (n == 3 && a[2] is not PyStr) throw Exc.TypeError($"maketrans() argument 3 must be str, not {a[2].Type.Name}");
            if (x.Value.Length != y.Value.Length) throw Exc.ValueError("the first two maketrans arguments must have equal length");
            for (int i = 0; i < x.Value.Length; i++)
            {
                using var kk = new TempRef(PyInt.FromLong(x.Value[i]));
                using var vv = new TempRef(PyInt.FromLong(y.Value[i]));
                d.SetItem(kk.Value, vv.Value);
            }
            if (n == 3)
            {
                foreach (char c in ((PyStr)a[2]).Value)
                {
                    using var kk = new TempRef(PyInt.FromLong(c));
                    d.SetItem(kk.Value, PyNone.Instance);
                }
            }
            return d;
        }
        catch { d.Decref(); throw; }
    }

    private static PyObject Translate(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var table = MethodArgs.One("str.translate", a, k);
        var s = S(a, "translate").Value;
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            PyObject? r;
            using (var key = new TempRef(PyInt.FromLong(c)))
            {
                try { r = Ops.GetItem(table, key.Value); }
                catch (PyException e) when (e.Value.Type.IsSubtypeOf(ExceptionTypes.LookupError))
                {
                    e.Value.Decref();
                    sb.Append(c);
                    continue;
                }
            }
            using var rr = new TempRef(r);
            switch (r)
            {
                case PyNone: break;
                case PyInt ri:
                {
                    long v = ri.IsBig ? -1 : ri.Value;
                    if (v < 0 || v > 0x10FFFF) throw Exc.ValueError("character mapping must be in range(0x110000)");
                    sb.Append(char.ConvertFromUtf32((int)v));
                    break;
                }
                case PyStr rs: sb.Append(rs.Value); break;
                default: throw Exc.TypeError("character mapping must return integer, None or str");
            }
        }
        return FromString(sb.ToString());
    }

    // ------------------------------------------------------------------ str.format (Objects/stringlib/unicode_format.h)

    private sealed class FormatState
    {
        public PyObject[]? Args;
        public PyObject? Kwargs;
        public int AutoState; // 0 unset, 1 automatic, 2 manual
        public long AutoNext;
    }

    private static string BuildString(string fmt, FormatState st, int depth)
    {
        if (depth <= 0) throw Exc.ValueError("Max string recursion exceeded");
        var sb = new StringBuilder(fmt.Length);
        int i = 0, n = fmt.Length;
        while (i < n)
        {
            char c = fmt[i];
            if (c == '{')
            {
                if (i + 1 < n && fmt[i + 1] == '{') { sb.Append('{'); i += 2; continue; }
                if (i + 1 >= n) throw Exc.ValueError("Single '{' encountered in format string");
                i = ParseField(fmt, i + 1, out var field, out char conv, out var spec, out bool expand);
                OutputMarkup(sb, field, conv, spec, expand, st, depth);
            }
            else if (c == '}')
            {
                if (i + 1 < n && fmt[i + 1] == '}') { sb.Append('}'); i += 2; continue; }
                throw Exc.ValueError("Single '}' encountered in format string");
            }
            else { sb.Append(c); i++; }
        }
        return sb.ToString();
    }

    /// <summary>parse_field: from just after '{' to just after the matching '}'.</summary>
    private static int ParseField(string s, int start, out string field, out char conv, out string spec, out bool expand)
    {
        int n = s.Length, j = start;
        char c = '\0';
        conv = '\0'; spec = ""; expand = false;
        bool stopped = false;
        while (j < n)
        {
            c = s[j++];
            if (c == '{') throw Exc.ValueError("unexpected '{' in field name");
            if (c == '[')
            {
                while (j < n && s[j] != ']') j++;
                continue;
            }
            if (c is '}' or ':' or '!') { stopped = true; break; }
        }
        field = s.Substring(start, Math.Max(0, j - 1 - start));
        if (stopped && c is '!' or ':')
        {
            if (c == '!')
            {
                if (j >= n) throw Exc.ValueError("end of string while looking for conversion specifier");
                conv = s[j++];
                if (j < n)
                {
                    char c2 = s[j++];
                    if (c2 == '}') return j;
                    if (c2 != ':') throw Exc.ValueError("expected ':' after conversion specifier");
                }
            }
            int specStart = j, count = 1;
            while (j < n)
            {
                char d = s[j++];
                if (d == '{') { expand = true; count++; }
                else if (d == '}')
                {
                    if (--count == 0)
                    {
                        spec = s.Substring(specStart, j - 1 - specStart);
                        return j;
                    }
                }
            }
            throw Exc.ValueError("unmatched '{' in format spec");
        }
        if (!stopped || c != '}') throw Exc.ValueError("expected '}' before end of string");
        return j;
    }

    /// <summary>get_integer: the field as a decimal index, or -1 when it is not all digits.</summary>
    private static long GetInteger(string s)
    {
        if (s.Length == 0) return -1;
        long acc = 0;
        foreach (char c in s)
        {
            int d = CharUnicodeInfo.GetDecimalDigitValue(c);
            if (d < 0) return -1;
            if (acc > (long.MaxValue - d) / 10) throw Exc.ValueError("Too many decimal digits in format string");
            acc = acc * 10 + d;
        }
        return acc;
    }

    private static PyObject GetFieldObject(string field, FormatState st)
    {
        int i = 0, len = field.Length;
        while (i < len && field[i] != '.' && field[i] != '[') i++;
        string first = field.Substring(0, i);
        long idx = GetInteger(first);
        bool empty = first.Length == 0;
        if (empty || idx != -1)
        {
            if (st.AutoState == 0) st.AutoState = empty ? 1 : 2;
            if (st.AutoState == 2 && empty)
                throw Exc.ValueError("cannot switch from manual field specification to automatic field numbering");
            if (st.AutoState == 1 && !empty)
                throw Exc.ValueError("cannot switch from automatic field numbering to manual field specification");
            if (empty) idx = st.AutoNext++;
        }
        PyObject obj;
        if (idx == -1)
        {
            using var key = new TempRef(FromString(first));
            if (st.Kwargs is null) throw Exc.KeyError(key.Value);
            obj = Ops.GetItem(st.Kwargs, key.Value);
        }
        else
        {
            if (st.Args is null) throw Exc.ValueError("Format string contains positional fields");
            if (idx >= st.Args.Length) throw Exc.IndexError($"Replacement index {idx} out of range for positional args tuple");
            obj = st.Args[idx].NewRef();
        }
        try
        {
            int j = i;
            while (j < len)
            {
                char c = field[j++];
                if (c == '.')
                {
                    int s0 = j;
                    while (j < len && field[j] != '.' && field[j] != '[') j++;
                    if (j == s0) throw Exc.ValueError("Empty attribute in format string");
                    var next = Ops.GetAttr(obj, field.Substring(s0, j - s0));
                    obj.Decref();
                    obj = next;
                }
                else if (c == '[')
                {
                    int s0 = j;
                    while (j < len && field[j] != ']') j++;
                    if (j >= len) throw Exc.ValueError("Missing ']' in format string");
                    string name = field.Substring(s0, j - s0);
                    j++;
                    if (name.Length == 0) throw Exc.ValueError("Empty attribute in format string");
                    long ix = GetInteger(name);
                    using var key = new TempRef(ix == -1 ? FromString(name) : PyInt.FromLong(ix));
                    var next = Ops.GetItem(obj, key.Value);
                    obj.Decref();
                    obj = next;
                }
                else throw Exc.ValueError("Only '.' or '[' may follow ']' in format field specifier");
            }
            return obj;
        }
        catch { obj.Decref(); throw; }
    }

    private static void OutputMarkup(StringBuilder sb, string field, char conv, string spec, bool expand, FormatState st, int depth)
    {
        var obj = GetFieldObject(field, st);
        try
        {
            if (conv != '\0')
            {
                PyObject conv2 = conv switch
                {
                    'r' => Ops.Repr(obj),
                    's' => Ops.Str(obj),
                    'a' => Modules.Builtins.Ascii(obj),
                    _ => throw Exc.ValueError(conv > 32 && conv < 127
                        ? $"Unknown conversion specifier {conv}"
                        : $"Unknown conversion specifier \\x{(int)conv:x}"),
                };
                obj.Decref();
                obj = conv2;
            }
            string actual = expand ? BuildString(spec, st, depth - 1) : spec;
            var r = Ops.Format(obj, actual);
            sb.Append(r.Value);
            r.Decref();
        }
        finally { obj.Decref(); }
    }

    private static PyObject FormatMethod(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var fmt = S(a, "format").Value;
        int nkw = MethodArgs.Kw(k);
        int npos = a.Length - 1 - nkw;
        var st = new FormatState { Args = a.Slice(1, npos).ToArray() };
        PyDict? kwargs = null;
        if (nkw > 0)
        {
            kwargs = new PyDict();
            for (int i = 0; i < nkw; i++) kwargs.SetItem(k![i], a[1 + npos + i]);
            st.Kwargs = kwargs;
        }
        try { return FromString(BuildString(fmt, st, 2)); }
        finally { kwargs?.Decref(); }
    }

    private static PyObject FormatMap(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        var m = MethodArgs.One("str.format_map", a, k);
        var fmt = S(a, "format_map").Value;
        var st = new FormatState { Args = null, Kwargs = m };
        return FromString(BuildString(fmt, st, 2));
    }

    // ------------------------------------------------------------------ registration

    static partial void AddLibraryMethods(PyType t)
    {
        t.AddMethod("format", FormatMethod);
        t.AddMethod("format_map", FormatMap);
        t.AddMethod("__format__", (a, k) =>
        {
            var spec = MethodArgs.One("str.__format__", a, k);
            if (spec is not PyStr sp) throw Exc.TypeError($"__format__() argument must be str, not {spec.Type.Name}");
            return Formatting.FormatBuiltin(S(a, "__format__"), sp.Value);
        });
        t.AddMethod("join", Join);
        t.AddMethod("split", (a, k) => Split(a, k, false));
        t.AddMethod("rsplit", (a, k) => Split(a, k, true));
        t.AddMethod("splitlines", SplitLines);
        t.AddMethod("strip", (a, k) => Strip(a, k, "strip", true, true));
        t.AddMethod("lstrip", (a, k) => Strip(a, k, "lstrip", true, false));
        t.AddMethod("rstrip", (a, k) => Strip(a, k, "rstrip", false, true));
        t.AddMethod("startswith", (a, k) => StartsEnds(a, k, "startswith", false));
        t.AddMethod("endswith", (a, k) => StartsEnds(a, k, "endswith", true));
        t.AddMethod("replace", (a, k) =>
        {
            int n = MethodArgs.Range("str.replace", "replace", a, k, 2, 3);
            var s = S(a, "replace").Value;
            if (a[1] is not PyStr o) throw Exc.TypeError($"replace() argument 1 must be str, not {a[1].Type.Name}");
            if (a[2] is not PyStr nw) throw Exc.TypeError($"replace() argument 2 must be str, not {a[2].Type.Name}");
            long count = n == 3 ? MethodArgs.Index(a[3]) : -1;
            return FromString(new string(MethodArgs.Replace<char>(s, o.Value, nw.Value, count)));
        });
        Mapper(t, "upper", Upper);
        Mapper(t, "lower", Lower);
        Mapper(t, "capitalize", Capitalize);
        Mapper(t, "title", Title);
        Mapper(t, "swapcase", SwapCase);
        Mapper(t, "casefold", CaseFold);
        t.AddMethod("find", (a, k) => PyInt.FromLong(FindImpl(a, k, "find", false)));
        t.AddMethod("rfind", (a, k) => PyInt.FromLong(FindImpl(a, k, "rfind", true)));
        t.AddMethod("index", (a, k) =>
        {
            long r = FindImpl(a, k, "index", false);
            return r < 0 ? throw Exc.ValueError("substring not found") : PyInt.FromLong(r);
        });
        t.AddMethod("rindex", (a, k) =>
        {
            long r = FindImpl(a, k, "rindex", true);
            return r < 0 ? throw Exc.ValueError("substring not found") : PyInt.FromLong(r);
        });
        t.AddMethod("count", (a, k) =>
        {
            MethodArgs.Tuple("str.count", "count", a, k, 1, 3);
            var s = S(a, "count").Value;
            string sub = ArgStr(a[1], "must be");
            long start = MethodArgs.SliceIndex(a.Length > 2 ? a[2] : null, 0);
            long end = MethodArgs.SliceIndex(a.Length > 3 ? a[3] : null, long.MaxValue);
            return PyInt.FromLong(MethodArgs.Count<char>(s, sub, start, end));
        });
        Pred(t, "isdigit", s => All(s, IsDigitAt));
        Pred(t, "isdecimal", s => All(s, IsDecimalAt));
        Pred(t, "isnumeric", s => All(s, IsNumericAt));
        Pred(t, "isalpha", s => All(s, IsAlphaAt));
        Pred(t, "isalnum", s => All(s, (str, i) => IsAlphaAt(str, i) || IsDecimalAt(str, i) || IsDigitAt(str, i) || IsNumericAt(str, i)));
        Pred(t, "isspace", s => All(s, (str, i) => IsPySpace(str[i])));
        Pred(t, "isupper", IsUpperStr);
        Pred(t, "islower", IsLowerStr);
        Pred(t, "istitle", IsTitleStr);
        Pred(t, "isidentifier", IsIdentifier);
        Pred(t, "isprintable", s =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                char c = s[i];
                if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                {
                    var cat = CharUnicodeInfo.GetUnicodeCategory(s, i);
                    if (cat is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.PrivateUse
                        or UnicodeCategory.OtherNotAssigned) return false;
                    i++;
                    continue;
                }
                if (!IsPrintable(c)) return false;
            }
            return true;
        });
        Pred(t, "isascii", s => { foreach (char c in s) if (c >= 128) return false; return true; });
        t.AddMethod("zfill", (a, k) =>
        {
            var w = MethodArgs.One("str.zfill", a, k);
            var self = S(a, "zfill");
            var s = self.Value;
            long width = MethodArgs.Index(w) + (s.Length - self.CodePointCount);
            if (width <= s.Length) return self.Type == PyTypes.Str ? self.NewRef() : FromString(s);
            long fill = width - s.Length;
            var sb = new StringBuilder((int)width);
            int start = 0;
            if (s.Length > 0 && (s[0] == '+' || s[0] == '-')) { sb.Append(s[0]); start = 1; }
            sb.Append('0', (int)fill).Append(s, start, s.Length - start);
            return FromString(sb.ToString());
        });
        t.AddMethod("center", (a, k) =>
        {
            string fill = Justify(a, k, "center", out var s, out long width);
            if (width <= s.Length) return a[0].Type == PyTypes.Str ? a[0].NewRef() : FromString(s);
            long marg = width - s.Length;
            long left = marg / 2 + (marg & width & 1);
            return FromString(Repeat(fill, left) + s + Repeat(fill, marg - left));
        });
        t.AddMethod("ljust", (a, k) =>
        {
            string fill = Justify(a, k, "ljust", out var s, out long width);
            if (width <= s.Length) return a[0].Type == PyTypes.Str ? a[0].NewRef() : FromString(s);
            return FromString(s + Repeat(fill, width - s.Length));
        });
        t.AddMethod("rjust", (a, k) =>
        {
            string fill = Justify(a, k, "rjust", out var s, out long width);
            if (width <= s.Length) return a[0].Type == PyTypes.Str ? a[0].NewRef() : FromString(s);
            return FromString(Repeat(fill, width - s.Length) + s);
        });
        t.AddMethod("partition", (a, k) => Partition(a, k, false));
        t.AddMethod("rpartition", (a, k) => Partition(a, k, true));
        t.AddMethod("encode", Encode);
        t.AddMethod("expandtabs", ExpandTabs);
        t.AddMethod("removeprefix", (a, k) =>
        {
            var p = MethodArgs.One("str.removeprefix", a, k);
            var self = S(a, "removeprefix");
            if (p is not PyStr ps) throw Exc.TypeError($"removeprefix() argument must be str, not {p.Type.Name}");
            if (ps.Value.Length > 0 && self.Value.StartsWith(ps.Value, StringComparison.Ordinal))
                return FromString(self.Value.Substring(ps.Value.Length));
            return self.Type == PyTypes.Str ? self.NewRef() : FromString(self.Value);
        });
        t.AddMethod("removesuffix", (a, k) =>
        {
            var p = MethodArgs.One("str.removesuffix", a, k);
            var self = S(a, "removesuffix");
            if (p is not PyStr ps) throw Exc.TypeError($"removesuffix() argument must be str, not {p.Type.Name}");
            if (ps.Value.Length > 0 && self.Value.EndsWith(ps.Value, StringComparison.Ordinal))
                return FromString(self.Value.Substring(0, self.Value.Length - ps.Value.Length));
            return self.Type == PyTypes.Str ? self.NewRef() : FromString(self.Value);
        });
        MethodArgs.AddStaticMethod(t, "maketrans", MakeTrans);
        t.AddMethod("translate", Translate);
    }
}
