#!/usr/bin/env python3
"""The GIL figures of ToyPy against CPython, measured side by side in one run.

usage: python3 scripts/bench/threads/gil_figures.py [--toypy bin/toypy] [--runs 5] [--fib 30 31]

1. fib(A)+fib(B): one thread doing both (scripts/fib.tpy) vs two threads
   (scripts/fib_threads.tpy); ratio threads/sequential.
2. GETs against the loopback demo server (100 ms per answer): 2 and 50
   requests one after another vs one thread each (http_threads.tpy).
3. I/O round-trip latency with and without a CPU-bound thread
   (scripts/bench/threads/io_latency.tpy), printed as each interpreter reports it.

Runs alternate between python3 and ToyPy; each figure is the median of --runs.
"""
import argparse, os, re, shutil, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SECONDS = re.compile(r"(\d+\.\d+) seconds")


def run(cmd, timeout=300):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if p.returncode != 0:
        sys.exit(f"gil_figures: {' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    return p.stdout


def times(out):
    return [float(x) for x in SECONDS.findall(out)]


def start_server(toypy):
    server = subprocess.Popen([toypy, "scripts/demo_server.tpy", "0", "0.1"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = server.stdout.readline().strip()
    if not url.startswith("http://"):
        server.kill()
        sys.exit(f"gil_figures: the demo server did not start: {url}")
    return server, url


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--toypy", default=os.path.join(ROOT, "bin", "toypy"))
    ap.add_argument("--python", default=os.environ.get("PYTHON") or shutil.which("python3"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fib", nargs=2, default=["30", "31"])
    a = ap.parse_args()
    interps = {"toypy": a.toypy, "python3": a.python}
    server, url = start_server(a.toypy)
    try:
        samples = {}
        def add(key, value):
            samples.setdefault(key, []).append(value)
        for r in range(a.runs):
            order = list(interps.items()) if r % 2 == 0 else list(interps.items())[::-1]
            for name, exe in order:
                seq = times(run([exe, "scripts/fib.tpy", *a.fib]))[-1]
                thr = times(run([exe, "scripts/fib_threads.tpy", *a.fib]))[-1]
                add((name, "fib seq"), seq); add((name, "fib thr"), thr); add((name, "fib ratio"), thr / seq)
                for n in ("2", "50"):
                    s, t = times(run([exe, "scripts/bench/threads/http_threads.tpy", url, n]))
                    add((name, f"get{n} seq"), s); add((name, f"get{n} thr"), t); add((name, f"get{n} ratio"), t / s)
        med = {k: statistics.median(v) for k, v in samples.items()}
        f1, f2 = a.fib
        print(f"GIL figures, medians of {a.runs} alternating runs ({time.strftime('%Y-%m-%d %H:%M')})\n")
        print("| figure | ToyPy seq | ToyPy threads | ToyPy ratio | CPython seq | CPython threads | CPython ratio |")
        print("|:---|---:|---:|---:|---:|---:|---:|")
        for key, label in (("fib", f"fib({f1})+fib({f2}), 2 threads"), ("get2", "2 GETs, 100 ms server"),
                           ("get50", "50 GETs, 100 ms server")):
            print(f"| {label} | {med[('toypy', key + ' seq')]:.3f} s | {med[('toypy', key + ' thr')]:.3f} s | "
                  f"{med[('toypy', key + ' ratio')]:.3f} | {med[('python3', key + ' seq')]:.3f} s | "
                  f"{med[('python3', key + ' thr')]:.3f} s | {med[('python3', key + ' ratio')]:.3f} |")
    finally:
        server.kill()
        server.wait()
    latency = os.path.join("scripts", "bench", "threads", "io_latency.tpy")
    if os.path.exists(os.path.join(ROOT, latency)):
        for name, exe in interps.items():
            print(f"\nI/O round trips ({name}):")
            print(run([exe, latency]).rstrip())


if __name__ == "__main__":
    main()
