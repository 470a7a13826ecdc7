using System.Diagnostics;

namespace ToyPy.Runtime;

/// <summary>
/// The global interpreter lock, with CPython's protocol (Python/ceval_gil.c,
/// the "new GIL" of 3.2 and later).
///
/// State: a `locked` flag guarded by a mutex, with a condition variable that
/// waiters sleep on; `lastHolder` and `switchNumber` record who took it last
/// and how many times it changed hands.
///
/// Taking the lock (take_gil): if it is free, take it. Otherwise wait on the
/// condition for at most the switch interval (sys.getswitchinterval(),
/// 5 ms by default). If the wait timed out and nobody took the lock in the
/// meantime (switchNumber unchanged), the holder has run a whole interval:
/// set the drop request and the holder's eval breaker, then wait again.
///
/// Dropping it on request: the running thread does not look at the lock on
/// every instruction. Its dispatch loop checks the eval breaker at RESUME
/// (every call) and JUMP_BACKWARD (every loop iteration); when the breaker is
/// set and a drop was requested, it drops the lock and takes it again. In
/// between, a waiter gets its chance.
///
/// Forced switching (FORCE_SWITCHING): a thread that dropped the lock because
/// another asked for it waits on a second condition until some other thread
/// has actually taken the lock, so it cannot win the race to retake it at
/// once. Without this, the holder (already running on a core) would usually
/// win and the waiter would starve.
///
/// Blocking calls: every call that may block (sleep, socket I/O, lock waits,
/// join, file I/O, input, HTTP) runs through BlockingCall, which drops the
/// lock before the call and takes it again after (Py_BEGIN_ALLOW_THREADS /
/// Py_END_ALLOW_THREADS). CPython releases even when the call would return at
/// once; so does ToyPy, and that is where the convoy effect comes from: an
/// I/O thread that releases the lock for a 1 µs recv may then wait a whole
/// switch interval to get it back from a CPU-bound thread.
///
/// Statistics (--gil-stats) and trace events (--gil-trace) are recorded per
/// thread at each take and drop, never per instruction.
/// </summary>
public sealed class Gil
{
    private readonly object _mutex = new();          // gil->mutex, with gil->cond
    private readonly object _switchMutex = new();    // gil->switch_mutex, with gil->switch_cond
    private bool _locked;
    private PyThreadState? _lastHolder;
    private long _switchNumber;
    /// <summary>gil_drop_request: a waiter has waited a whole interval.</summary>
    private volatile bool _dropRequest;
    private readonly Interpreter _interp;

    /// <summary>Record trace events for --gil-trace.</summary>
    public bool Tracing;

    public Gil(Interpreter interp) => _interp = interp;

    private int IntervalMilliseconds => Math.Max(1, (int)Math.Round(_interp.SwitchInterval * 1000));

    /// <summary>take_gil: block until the calling thread holds the lock.</summary>
    public void Take(PyThreadState ts)
    {
        long waitStart = Stopwatch.GetTimestamp();
        bool waited = false;
        lock (_mutex)
        {
            while (_locked)
            {
                waited = true;
                long saved = _switchNumber;
                bool signalled = Monitor.Wait(_mutex, IntervalMilliseconds);
                // Timed out and the lock has not changed hands: the holder has had a whole interval.
                if (!signalled && _locked && _switchNumber == saved)
                {
                    _dropRequest = true;
                    var holder = _lastHolder;
                    if (holder is not null) holder.EvalBreaker = 1;
                }
            }
            // gil->switch_mutex is taken before lastHolder changes: see Drop's forced switching.
            lock (_switchMutex)
            {
                _locked = true;
                if (!ReferenceEquals(_lastHolder, ts))
                {
                    _lastHolder = ts;
                    _switchNumber++;
                    ts.Stats.Switches++;
                }
                Monitor.PulseAll(_switchMutex);
            }
            // A request meant for the previous holder is now satisfied.
            if (_dropRequest) _dropRequest = false;
            else if (ts.PendingInterrupt) ts.EvalBreaker = 1;
        }
        long now = Stopwatch.GetTimestamp();
        ts.Stats.Acquisitions++;
        if (waited) ts.Stats.WaitTicks += now - waitStart;
        ts.Stats.HoldStart = now;
        if (Tracing && waited) ts.Stats.AddEvent(GilEventKind.Wait, waitStart, now);
    }

    /// <summary>drop_gil: release the lock; after a drop request, wait until another thread took it.</summary>
    public void Drop(PyThreadState ts, GilDropReason reason)
    {
        long now = Stopwatch.GetTimestamp();
        ts.Stats.HoldTicks += now - ts.Stats.HoldStart;
        if (Tracing) ts.Stats.AddEvent(GilEventKind.Hold, ts.Stats.HoldStart, now);
        if (reason == GilDropReason.Request) ts.Stats.DropsOnRequest++;
        else if (reason == GilDropReason.BlockingCall) ts.Stats.IoReleases++;

        lock (_mutex)
        {
            _locked = false;
            Monitor.Pulse(_mutex);
        }
        if (reason != GilDropReason.ThreadExit && _dropRequest)
        {
            lock (_switchMutex)
            {
                // Not switched yet: wait until a waiter has taken the lock (or nobody wants it any more).
                if (ReferenceEquals(_lastHolder, ts))
                {
                    _dropRequest = false;
                    Monitor.Wait(_switchMutex);
                }
            }
        }
    }

    /// <summary>The eval breaker fired on the running thread: hand the lock over if someone asked for it.</summary>
    public void YieldIfRequested(PyThreadState ts)
    {
        if (!_dropRequest) return;
        Drop(ts, GilDropReason.Request);
        // Other threads run now.
        Take(ts);
    }
}

public enum GilDropReason { Request, BlockingCall, ThreadExit }

public enum GilEventKind { Hold, Wait, Io }

/// <summary>One interval of a thread's life with the lock, for --gil-trace (Stopwatch ticks).</summary>
public readonly record struct GilEvent(GilEventKind Kind, long Start, long End);

/// <summary>What one thread did with the GIL: --gil-stats prints these at exit.</summary>
public sealed class GilStats
{
    public long HoldTicks, WaitTicks, IoTicks;
    public long Acquisitions, DropsOnRequest, IoReleases, Switches;
    public long HoldStart;
    public long Started = Stopwatch.GetTimestamp();
    public long Ended;
    public List<GilEvent>? Events;
    /// <summary>--free-threaded: reference-count updates that left the owner's fast path (BiasedRefCount).</summary>
    public long SharedIncrefs, SharedDecrefs, Queued, Merged;

    public void AddEvent(GilEventKind kind, long start, long end) =>
        (Events ??= new List<GilEvent>()).Add(new GilEvent(kind, start, end));
}
