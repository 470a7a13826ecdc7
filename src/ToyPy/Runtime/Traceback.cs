using System.Text;
using ToyPy.Objects;

namespace ToyPy.Runtime;

/// <summary>Printing exceptions in CPython's format (Lib/traceback.py), chained causes and contexts included.</summary>
public static class Traceback
{
    public static void Print(Interpreter interp, PyBaseException exc, PyOutput output)
    {
        var sb = new StringBuilder();
        Format(interp, exc, sb, new HashSet<PyBaseException>(ReferenceEqualityComparer.Instance));
        interp.Stdout.Flush();
        output.Write(sb.ToString());
        output.Flush();
    }

    private static void Format(Interpreter interp, PyBaseException exc, StringBuilder sb, HashSet<PyBaseException> seen)
    {
        seen.Add(exc);
        if (exc.Cause is PyBaseException cause && !seen.Contains(cause))
        {
            Format(interp, cause, sb, seen);
            sb.Append("\nThe above exception was the direct cause of the following exception:\n\n");
        }
        else if (exc.Context is PyBaseException ctx && !exc.SuppressContext && !seen.Contains(ctx))
        {
            Format(interp, ctx, sb, seen);
            sb.Append("\nDuring handling of the above exception, another exception occurred:\n\n");
        }
        if (exc.Traceback is { Count: > 0 } tb)
        {
            sb.Append("Traceback (most recent call last):\n");
            var outermostFirst = new List<TracebackEntry>(tb);
            outermostFirst.Reverse();
            AppendEntries(interp, outermostFirst, sb);
        }
        if (exc.Type.IsSubtypeOf(ExceptionTypes.SyntaxError))
        {
            AppendSyntaxError(exc, sb);
            return;
        }
        sb.Append(exc.FormatMessageLine()).Append('\n');
    }

    private static void AppendEntries(Interpreter interp, List<TracebackEntry> tb, StringBuilder sb)
    {
        // CPython collapses runs of more than 3 identical lines (recursion).
        int i = 0;
        while (i < tb.Count)
        {
            int j = i;
            while (j + 1 < tb.Count && tb[j + 1] == tb[i]) j++;
            int run = j - i + 1;
            int shown = Math.Min(run, 3);
            for (int k = 0; k < shown; k++) AppendEntry(interp, tb[i], sb);
            if (run > 3)
            {
                int more = run - 3;
                sb.Append($"  [Previous line repeated {more} more time{(more == 1 ? "" : "s")}]\n");
            }
            i = j + 1;
        }
    }

    private static void AppendEntry(Interpreter interp, TracebackEntry e, StringBuilder sb)
    {
        sb.Append($"  File \"{e.Filename}\", line {e.Line}, in {e.FunctionName}\n");
        var line = interp.SourceLine(e.Filename, e.Line);
        if (line is not null && line.Trim().Length > 0) sb.Append("    ").Append(line.Trim()).Append('\n');
    }

    private static void AppendSyntaxError(PyBaseException exc, StringBuilder sb)
    {
        var d = exc.Dict;
        string? file = (d?.GetItemString("filename") as PyStr)?.Value;
        long line = (d?.GetItemString("lineno") as PyInt)?.Value ?? 0;
        long offset = (d?.GetItemString("offset") as PyInt)?.Value ?? 0;
        string? text = (d?.GetItemString("text") as PyStr)?.Value;
        string msg = (d?.GetItemString("msg") as PyStr)?.Value ?? Ops.StrString(exc);
        if (file is not null) sb.Append($"  File \"{file}\", line {line}\n");
        if (text is not null)
        {
            string trimmed = text.TrimEnd('\n', '\r');
            string stripped = trimmed.TrimStart();
            int removed = trimmed.Length - stripped.Length;
            sb.Append("    ").Append(stripped.TrimEnd()).Append('\n');
            long caret = Math.Max(0, offset - 1 - removed);
            if (offset > 0) sb.Append("    ").Append(new string(' ', (int)Math.Min(caret, stripped.Length))).Append("^\n");
        }
        string typeName = exc.Type.Name;
        sb.Append(typeName).Append(": ").Append(msg).Append('\n');
    }
}
