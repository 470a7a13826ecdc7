#!/usr/bin/env python3
"""ToyPy's three thread modes side by side: --gil, --no-gil, --free-threaded.

usage: python3 scripts/bench/threads/modes.py [--toypy bin/toypy] [--runs 9] [--checks 20] [--fib 30 31]

1. Speed (--runs alternating rounds; each figure is the median of the
   per-round values, so a machine that drifts in speed affects both sides of
   a ratio alike):
   - free-threaded fib(A)+fib(B) in two threads vs the same sequentially;
   - free-threaded single-thread time vs GIL mode (scripts/fib.tpy);
   - GIL mode two threads vs sequential, for comparison.
2. Correctness (--checks runs each, small n):
   - --no-gil scripts/fib_threads.tpy (its default n): runs that report races, runs ended by a
     fatal use after free, the longest run, runs showing a .NET stack trace;
   - --gil and --free-threaded, fib_threads.tpy and refcount_race.tpy with
     -X refcheck: runs with a race report, runs whose audit is not clean,
     runs whose output is wrong.
"""
import argparse, os, re, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SECONDS = re.compile(r"(\d+\.\d+) seconds")
CLEAN = re.compile(r"^refcheck: \d+ objects checked, 0 problems", re.M)
DOTNET_TRACE = re.compile(r"Unhandled exception|^\s+at ToyPy\.|internal error", re.M)


def run(cmd, timeout=120):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, timeout
    return p, time.monotonic() - t0


def timer(cmd):
    p, _ = run(cmd)
    if p is None or p.returncode != 0:
        sys.exit(f"modes: {' '.join(cmd)} failed:\n{p.stdout + p.stderr if p else 'timed out'}")
    return float(SECONDS.findall(p.stdout)[-1])


def speed(toypy, runs, fib):
    seq = "scripts/fib.tpy"
    thr = "scripts/fib_threads.tpy"
    rows = {k: [] for k in ("gil seq", "gil thr", "ft seq", "ft thr", "ft thr/seq", "ft/gil seq", "gil thr/seq")}
    for _ in range(runs):
        g = timer([toypy, seq, *fib])
        f = timer([toypy, "--free-threaded", seq, *fib])
        ft = timer([toypy, "--free-threaded", thr, *fib])
        gt = timer([toypy, thr, *fib])
        for k, v in (("gil seq", g), ("gil thr", gt), ("ft seq", f), ("ft thr", ft),
                     ("ft thr/seq", ft / f), ("ft/gil seq", f / g), ("gil thr/seq", gt / g)):
            rows[k].append(v)
    return {k: statistics.median(v) for k, v in rows.items()}


def checks(toypy, n):
    out = {}
    small = ["20", "21"]
    # --no-gil: the race must show, and every run must end, with no host trace. The
    # listing's default n (27, 28) keeps both threads running long enough to overlap.
    races = fatal = traces = 0
    longest = 0.0
    for _ in range(n):
        p, secs = run([toypy, "--no-gil", "scripts/fib_threads.tpy"], timeout=60)
        longest = max(longest, secs)
        if p is None:
            continue
        races += "Reference-count race report" in p.stderr and ": 0 races detected" not in p.stderr
        fatal += p.returncode == 134 and p.stderr.startswith("Fatal Python error:")
        traces += bool(DOTNET_TRACE.search(p.stderr))
    out["no-gil"] = (races, fatal, longest, traces)
    # --gil and --free-threaded: never a race, always a clean audit and exact output.
    for mode, flags in (("gil", []), ("free-threaded", ["--free-threaded"])):
        raced = unclean = wrong = 0
        longest = 0.0
        for script, args, expect in (("fib_threads.tpy", small, ["fib(20) is 4181", "fib(21) is 6765"]),
                                     ("refcount_race.tpy", ["20000"], ["'thread 1': 60000", "'thread 2': 60000",
                                                                       "references to the shared list: 1 "])):
            for _ in range(n):
                p, secs = run([toypy, *flags, "-X", "refcheck", f"scripts/{script}", *args], timeout=60)
                longest = max(longest, secs)
                if p is None:
                    wrong += 1
                    continue
                raced += "race" in p.stderr
                unclean += not CLEAN.search(p.stderr)
                wrong += p.returncode != 0 or not all(e in p.stdout for e in expect)
        out[mode] = (raced, unclean, wrong, longest)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--toypy", default=os.path.join(ROOT, "bin", "toypy"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--checks", type=int, default=20)
    ap.add_argument("--fib", nargs=2, default=["30", "31"])
    a = ap.parse_args()
    f1, f2 = a.fib
    print(f"ToyPy thread modes ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs)\n")
    if a.runs > 0:
        print_speed(speed(a.toypy, a.runs, a.fib), a.runs, f1, f2)
    if a.checks > 0:
        print_checks(checks(a.toypy, a.checks), a.checks)


def print_speed(m, runs, f1, f2):
    print(f"Speed: medians of {runs} alternating rounds (the listings' own timers)\n")
    print("| figure | value |")
    print("|:---|---:|")
    print(f"| GIL, fib({f1})+fib({f2}) sequential | {m['gil seq']:.3f} s |")
    print(f"| GIL, two threads | {m['gil thr']:.3f} s (ratio {m['gil thr/seq']:.3f}) |")
    print(f"| free-threaded, sequential | {m['ft seq']:.3f} s |")
    print(f"| free-threaded, two threads | {m['ft thr']:.3f} s |")
    print(f"| free-threaded two threads / sequential | {m['ft thr/seq']:.3f} |")
    print(f"| free-threaded / GIL, one thread | {m['ft/gil seq']:.3f} |")


def print_checks(c, n):
    races, fatal, longest, traces = c["no-gil"]
    print(f"\nCorrectness: {n} runs each\n")
    print(f"--no-gil fib_threads.tpy (27 28): races reported in {races}/{n}, "
          f"fatal use after free in {fatal}/{n}, longest run {longest:.2f} s, .NET traces {traces}")
    for mode in ("gil", "free-threaded"):
        raced, unclean, wrong, longest = c[mode]
        print(f"--{mode} fib_threads.tpy and refcount_race.tpy (-X refcheck), {2 * n} runs: "
              f"race reports {raced}, audits not clean {unclean}, wrong outputs {wrong}, longest run {longest:.2f} s")


if __name__ == "__main__":
    main()
