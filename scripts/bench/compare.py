#!/usr/bin/env python3
"""Whole-program timings: CPython 3.11 against one or more ToyPy builds.

For every benchmark in scripts/bench/*.tpy this runs `PYTHON FILE` and
`TOYPY FILE` alternately, --runs times each, measures wall time
(time.perf_counter around the child), checks that every ToyPy run prints
exactly what python3 printed, and prints a table of medians with the ratio
toypy/python3 and the geometric mean of the ratios. It then measures startup
(`-c pass`, median of --startup-runs) and peak RSS of each implementation.

    python3 scripts/bench/compare.py                       # bin/toypy
    python3 scripts/bench/compare.py --toypy /tmp/toypy-aot/ToyPy.Cli
    python3 scripts/bench/compare.py --toypy aot=/tmp/toypy-aot/ToyPy.Cli \\
        --toypy "jit=dotnet /tmp/toypy-jit/ToyPy.Cli.dll" --markdown

--toypy may be repeated; a LABEL= prefix names the column. Without --toypy
the command comes from $TOYPY, else bin/toypy. The command is split like a
shell word list, so "dotnet path/ToyPy.Cli.dll" works.

The python3 yardstick defaults to $PYTHON, else /usr/bin/python3 (Debian's
PGO build; a pyenv shim in PATH adds ~0.2 s of bash to every start), else
`python3` from PATH.

Standard library only. Always exits 0 once the arguments parse: failures and
output mismatches are reported in the table and left out of the geometric mean.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(BENCH_DIR))


# --------------------------------------------------------------------------- running


@dataclass
class RunResult:
    wall: float          # seconds, perf_counter around spawn..reap
    cpu: float           # user + sys seconds of the child
    maxrss_kb: int       # peak resident set of the child (ru_maxrss, KiB on Linux)
    returncode: int
    stdout: bytes
    stderr: bytes
    timed_out: bool = False


GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run_once(cmd: list[str], timeout: float, cwd: str) -> RunResult:
    """Run cmd once; reap it with os.wait4 for its CPU time.

    Peak RSS comes from `/usr/bin/time -f %M` when present: ru_maxrss of a
    child forked from this script also counts the pre-exec copy of this
    (~16 MB) Python process, which would hide python3's real ~8 MB.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r", suffix=".time") as tfile:
        full = [GNU_TIME, "-f", "%M", "-o", tfile.name] + cmd if GNU_TIME else cmd
        timed_out = False
        t0 = time.perf_counter()
        # Own process group, so a timeout (or Ctrl-C) also ends the program
        # that /usr/bin/time started, not just time itself.
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd,
                                start_new_session=True)

        def kill() -> None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass

        def on_timeout() -> None:
            nonlocal timed_out
            timed_out = True
            kill()

        timer = threading.Timer(timeout, on_timeout)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        except BaseException:
            kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it is reaped
        maxrss = ru.ru_maxrss
        if GNU_TIME:
            # GNU time prints "Command exited with non-zero status N" before %M.
            nums = [ln.strip() for ln in tfile.read().splitlines() if ln.strip().isdigit()]
            maxrss = int(nums[-1]) if nums else 0
        out.seek(0)
        err.seek(0)
        return RunResult(wall, ru.ru_utime + ru.ru_stime, maxrss, proc.returncode,
                         out.read(), err.read(), timed_out)


@dataclass
class Impl:
    label: str
    cmd: list[str]


@dataclass
class Cell:
    """All runs of one implementation on one benchmark."""
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    status: str = "ok"      # ok | FAIL | MISMATCH | TIMEOUT
    note: str = ""

    def median(self, cpu: bool) -> float | None:
        xs = self.cpus if cpu else self.walls
        return statistics.median(xs) if xs and self.status == "ok" else None


def first_difference(expected: bytes, got: bytes) -> str:
    e = expected.decode("utf-8", "replace").splitlines()
    g = got.decode("utf-8", "replace").splitlines()
    for i in range(max(len(e), len(g))):
        a = e[i] if i < len(e) else "<missing>"
        b = g[i] if i < len(g) else "<missing>"
        if a != b:
            return f"line {i + 1}: python3 {a[:60]!r} vs {b[:60]!r}"
    return "outputs differ"


def last_line(b: bytes) -> str:
    lines = [ln for ln in b.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[-1][:100] if lines else ""


def bench_program(path: str, py: Impl, toypys: list[Impl], runs: int, timeout: float,
                  verbose: bool) -> tuple[Cell, list[Cell]]:
    impls = [py] + toypys
    cells = [Cell() for _ in impls]
    expected: bytes | None = None
    for r in range(runs):
        # Alternate, and reverse the order every other round so that neither
        # side always runs right after the other one (cache/thermal bias).
        order = list(range(len(impls)))
        if r % 2:
            order.reverse()
        for k in order:
            cell, impl = cells[k], impls[k]
            if cell.status != "ok":
                continue
            res = run_once(impl.cmd + [path], timeout, REPO_ROOT)
            if res.timed_out:
                cell.status, cell.note = "TIMEOUT", f"> {timeout:g} s"
                continue
            if res.returncode != 0:
                cell.status = "FAIL"
                cell.note = f"exit {res.returncode}: {last_line(res.stderr) or last_line(res.stdout)}"
                continue
            if k == 0:   # python3 runs first in round 0: its output is the oracle
                if expected is None:
                    expected = res.stdout
                elif res.stdout != expected:
                    cell.note = "python3 output is not deterministic"
            elif expected is not None and res.stdout != expected:
                cell.status, cell.note = "MISMATCH", first_difference(expected, res.stdout)
                continue
            cell.walls.append(res.wall)
            cell.cpus.append(res.cpu)
            cell.rss.append(res.maxrss_kb)
            if verbose:
                print(f"  {os.path.basename(path)} run {r + 1} {impl.label}: {res.wall:.3f} s wall, "
                      f"{res.cpu:.3f} s cpu, {res.maxrss_kb / 1024:.1f} MB", file=sys.stderr)
        if cells[0].status != "ok":
            break
    # A python3 failure leaves nothing to compare against.
    if cells[0].status != "ok":
        for c in cells[1:]:
            if c.status == "ok":
                c.status, c.note = "FAIL", "python3 failed"
    return cells[0], cells[1:]


# --------------------------------------------------------------------------- tables


def fmt_s(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"


def fmt_ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def render(headers: list[str], rows: list[list[str]], markdown: bool, right: set[int]) -> str:
    if markdown:
        out = ["| " + " | ".join(headers) + " |",
               "|" + "|".join(("---:" if i in right else ":---") for i in range(len(headers))) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows])


def render_times(results, py: Impl, toypys: list[Impl], cpu: bool, markdown: bool) -> str:
    headers = ["program", "python3"]
    for t in toypys:
        headers += [t.label, f"{t.label}/python3"]
    rows = []
    ratios: list[list[float]] = [[] for _ in toypys]
    for name, pcell, tcells in results:
        pm = pcell.median(cpu)
        row = [name, fmt_s(pm) if pcell.status == "ok" else pcell.status]
        for i, c in enumerate(tcells):
            tm = c.median(cpu)
            if c.status == "ok" and pm and tm:
                ratios[i].append(tm / pm)
                row += [fmt_s(tm), fmt_ratio(tm / pm)]
            else:
                row += [c.status, "—"]
        rows.append(row)
    gm_row = ["geometric mean", ""]
    for i in range(len(toypys)):
        g = geomean(ratios[i])
        partial = f" ({len(ratios[i])}/{len(results)})" if len(ratios[i]) != len(results) else ""
        gm_row += ["", fmt_ratio(g) + partial]
    rows.append(gm_row)
    return render(headers, rows, markdown, set(range(1, len(headers))))


# --------------------------------------------------------------------------- main


def parse_toypy(spec: str) -> Impl:
    m = re.match(r"^([A-Za-z_][\w.+-]*)=(.+)$", spec)
    if m and " " not in m.group(1) and not os.path.exists(spec):
        label, cmd = m.group(1), m.group(2)
    else:
        label, cmd = "toypy", spec
    words = shlex.split(cmd)
    if words and not os.path.isabs(words[0]) and os.sep in words[0]:
        words[0] = os.path.join(REPO_ROOT, words[0])   # bin/toypy is relative to the repo root
    return Impl(label, words)


def default_python() -> str:
    if os.environ.get("PYTHON"):
        return os.environ["PYTHON"]
    if os.path.exists("/usr/bin/python3"):
        return "/usr/bin/python3"
    return shutil.which("python3") or "python3"


def describe(impl: Impl) -> str:
    exe = shutil.which(impl.cmd[0]) or impl.cmd[0]
    return f"{impl.label}: {' '.join(shlex.quote(w) for w in [exe] + impl.cmd[1:])}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--toypy", action="append", metavar="[LABEL=]CMD",
                    help="ToyPy command (repeatable; default $TOYPY or bin/toypy)")
    ap.add_argument("--python", default=default_python(), help="python3 command (default %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each program per implementation (default 5)")
    ap.add_argument("--only", action="append", metavar="NAME",
                    help="run only this benchmark (name without .tpy; repeatable or comma-separated)")
    ap.add_argument("--pending", action="store_true",
                    help="also run scripts/bench/pending/*.tpy (need features ToyPy lacks so far)")
    ap.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    ap.add_argument("--cpu", action="store_true",
                    help="compare user+sys CPU time instead of wall time (steadier on a loaded machine)")
    ap.add_argument("--startup-runs", type=int, default=20, help="runs of `-c pass` (default 20; 0 skips)")
    ap.add_argument("--no-programs", action="store_true", help="measure startup only")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per run before it is killed")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every run on stderr")
    args = ap.parse_args(argv)

    specs = args.toypy or [os.environ.get("TOYPY") or "bin/toypy"]
    toypys = [parse_toypy(s) for s in specs]
    seen: dict[str, int] = {}
    for t in toypys:   # unique column labels
        n = seen.get(t.label, 0)
        seen[t.label] = n + 1
        if n:
            t.label = f"{t.label}{n + 1}"
    py = Impl("python3", shlex.split(args.python))

    for impl in [py] + toypys:
        exe = impl.cmd[0]
        if not (os.path.exists(exe) or shutil.which(exe)):
            print(f"compare.py: {impl.label} command not found: {exe}", file=sys.stderr)
            if impl is py:
                return 0
    metric = "cpu" if args.cpu else "wall"

    print(f"# {describe(py)}  ({subprocess.run(py.cmd + ['--version'], capture_output=True, text=True).stdout.strip()})")
    for t in toypys:
        print(f"# {describe(t)}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"# {os.cpu_count()} CPUs, load average {load:.2f}; {args.runs} runs each, "
          f"median {metric} time in seconds")
    print()
    sys.stdout.flush()

    if not args.no_programs:
        files = sorted(os.path.join(BENCH_DIR, f) for f in os.listdir(BENCH_DIR) if f.endswith(".tpy"))
        if args.pending:
            pdir = os.path.join(BENCH_DIR, "pending")
            if os.path.isdir(pdir):
                files += sorted(os.path.join(pdir, f) for f in os.listdir(pdir) if f.endswith(".tpy"))
        if args.only:
            wanted = {w.strip().removesuffix(".tpy") for o in args.only for w in o.split(",") if w.strip()}
            files = [f for f in files if os.path.basename(f).removesuffix(".tpy") in wanted]
            missing = wanted - {os.path.basename(f).removesuffix(".tpy") for f in files}
            if missing:
                print(f"compare.py: no benchmark named {', '.join(sorted(missing))}", file=sys.stderr)

        results: list[tuple[str, Cell, list[Cell]]] = []
        for path in files:
            name = os.path.basename(path).removesuffix(".tpy")
            if args.verbose:
                print(f"{name} ...", file=sys.stderr)
            pcell, tcells = bench_program(path, py, toypys, args.runs, args.timeout, args.verbose)
            results.append((name, pcell, tcells))
            if not args.markdown:
                summary = "  ".join(f"{impl.label} {fmt_s(c.median(args.cpu)) if c.status == 'ok' else c.status}"
                                    for impl, c in zip([py] + toypys, [pcell] + tcells))
                print(f"  done: {name}: {summary}", file=sys.stderr)

        # The chosen metric first, then the same runs measured the other way.
        for use_cpu in (args.cpu, not args.cpu):
            what = "CPU time (user+sys)" if use_cpu else "wall time"
            print(f"{'###' if args.markdown else '#'} Median {what}, s" +
                  ("" if use_cpu == args.cpu else " (same runs)"))
            print()
            print(render_times(results, py, toypys, use_cpu, args.markdown))
            print()

        rss_rows = []
        for name, pcell, tcells in results:
            rss_rows.append([name] + [f"{max(c.rss) / 1024:.1f}" if c.rss and c.status == "ok" else "—"
                                      for c in [pcell] + tcells])
        print(f"{'###' if args.markdown else '#'} Peak RSS (max over runs), MB")
        print()
        print(render(["program"] + [impl.label for impl in [py] + toypys],
                     rss_rows, args.markdown, set(range(1, len(toypys) + 2))))
        print()
        notes = [f"{name}: {impl.label}: {c.status}: {c.note}" if impl is not py else f"{name}: python3: {c.note}"
                 for name, pcell, tcells in results
                 for impl, c in zip([py] + toypys, [pcell] + tcells) if c.note]
        for n in notes:
            print(("- " if args.markdown else "note: ") + n)
        if notes:
            print()
        sys.stdout.flush()

    if args.startup_runs > 0:
        impls = [py] + toypys
        cells = [Cell() for _ in impls]
        for r in range(args.startup_runs):
            order = list(range(len(impls)))
            if r % 2:
                order.reverse()
            for k in order:
                c = cells[k]
                if c.status != "ok":
                    continue
                res = run_once(impls[k].cmd + ["-c", "pass"], args.timeout, REPO_ROOT)
                if res.returncode != 0 or res.timed_out:
                    c.status, c.note = "FAIL", last_line(res.stderr)
                    continue
                c.walls.append(res.wall)
                c.cpus.append(res.cpu)
                c.rss.append(res.maxrss_kb)
        print(f"{'###' if args.markdown else '#'} Startup: `-c pass`")
        print()
        headers = ["startup (-c pass)", "median wall (ms)", "median cpu (ms)", "peak RSS (MB)", "vs python3"]
        rows = []
        base = cells[0].median(False)
        for impl, c in zip(impls, cells):
            if c.status != "ok":
                rows.append([impl.label, c.status, "—", "—", c.note[:40]])
                continue
            w, u = c.median(False), c.median(True)
            rows.append([impl.label, f"{w * 1000:.1f}", f"{u * 1000:.1f}", f"{statistics.median(c.rss) / 1024:.1f}",
                         fmt_ratio(w / base) if base else "—"])
        print(render(headers, rows, args.markdown, {1, 2, 3, 4}))
        print()
        print(f"({args.startup_runs} runs each; peak RSS is the median of ru_maxrss per run)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
