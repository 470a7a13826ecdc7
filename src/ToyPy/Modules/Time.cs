using System.Diagnostics;
using ToyPy.Objects;
using ToyPy.Runtime;


namespace ToyPy.Modules;

/// <summary>The time module (Modules/timemodule.c): clocks and sleep.</summary>
public static class Time
{
    private static readonly long s_startTicks = Stopwatch.GetTimestamp();

    private static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    /// <summary>time.time(): seconds since the epoch as a float.</summary>
    public static PyObject TimeFn(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("time", a, k, 0, 0);
        return PyFloat.FromDouble((DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 1e7);
    }

    public static PyObject TimeNs(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("time_ns", a, k, 0, 0);
        return PyInt.FromLong((DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100);
    }

    /// <summary>time.perf_counter() and time.monotonic(): a monotonic high-resolution clock.</summary>
    public static PyObject PerfCounter(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("perf_counter", a, k, 0, 0);
        return PyFloat.FromDouble(Seconds(Stopwatch.GetTimestamp()));
    }

    public static PyObject PerfCounterNs(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("perf_counter_ns", a, k, 0, 0);
        return PyInt.FromLong((long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency)));
    }

    public static PyObject ProcessTime(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("process_time", a, k, 0, 0);
        return PyFloat.FromDouble(Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);
    }

    /// <summary>time.sleep(secs): a blocking call (the GIL is released around it once threads exist).</summary>
    public static PyObject Sleep(ReadOnlySpan<PyObject> a, PyTuple? k)
    {
        ArgParser.Positional("sleep", a, k, 1, 1);
        if (!PyFloat.TryAsDouble(a[0], out double secs)) throw Exc.TypeError($"'{a[0].Type.Name}' object cannot be interpreted as an integer");
        if (double.IsNaN(secs)) throw Exc.ValueError("Invalid value NaN (not a number)");
        if (secs < 0) throw Exc.ValueError("sleep length must be non-negative");
        if (secs * 1e9 > long.MaxValue) throw Exc.OverflowError("timestamp out of range for platform time_t");
        var ts = PyThreadState.Current;
        // Ctrl-C ends the sleep early with KeyboardInterrupt, as in CPython.
        var interrupt = ts.InterruptEvent;
        BlockingCall.Run(ts, () =>
        {
            for (double left = secs; left > 0; left -= 86400)
                if (interrupt.Wait(TimeSpan.FromSeconds(Math.Min(left, 86400)))) return;
        });
        ts.RaisePendingInterrupt();
        return PyNone.Instance.NewRef();
    }

    public static PyModule Create(Interpreter interp)
    {
        var m = new PyModule("time");
        m.AddFunction("time", TimeFn);
        m.AddFunction("time_ns", TimeNs);
        m.AddFunction("perf_counter", PerfCounter);
        m.AddFunction("perf_counter_ns", PerfCounterNs);
        m.AddFunction("monotonic", PerfCounter);
        m.AddFunction("monotonic_ns", PerfCounterNs);
        m.AddFunction("process_time", ProcessTime);
        m.AddFunction("sleep", Sleep);
        return m;
    }
}
