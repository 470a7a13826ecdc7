#!/usr/bin/env python3
"""Processes figures for ToyPy against python3, in one run (medians of RUNS).

  python3 scripts/bench/processes/bench.py [TOYPY] [RUNS]

1. fib(30) + fib(31): sequential (scripts/fib.tpy) vs two processes
   (scripts/fib_processes.tpy), the listings' own timers;
2. Pool.map of 8 fib(27) over 2 workers vs the 8 calls in sequence;
3. spawn-to-first-instruction and start+join of an empty child
   (python3 with its default start method, fork, and with spawn);
4. `-c pass`, wall time.
The two interpreters run alternately, so both see the same machine load.
"""
import os
import re
import statistics
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.abspath(os.path.join(here, '..', '..', '..'))
toypy = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'bin', 'toypy')
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
python = sys.executable


def out(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=root).stdout


def seconds(cmd):
    return float(re.findall(r'([0-9.]+) seconds', out(cmd))[-1])


def median_pair(make):
    a, b = [], []
    for _ in range(runs):
        a.append(make(toypy))
        b.append(make(python))
    return statistics.median(a), statistics.median(b)


def row(label, t, p, unit='s'):
    print(f'{label:44} {t:10.4f} {p:10.4f}  {unit}')


print(f'toypy: {toypy}\npython3: {python} ({sys.version.split()[0]}), medians of {runs}\n')
print(f'{"":44} {"toypy":>10} {"python3":>10}')
seq = median_pair(lambda i: seconds([i, 'scripts/fib.tpy', '30', '31']))
proc = median_pair(lambda i: seconds([i, 'scripts/fib_processes.tpy', '30', '31']))
row('fib(30)+fib(31) sequential', *seq)
row('fib(30)+fib(31) two processes', *proc)
print(f'{"  ratio processes/sequential":44} {proc[0] / seq[0]:10.2f} {proc[1] / seq[1]:10.2f}')
pool_script = 'scripts/bench/processes/pool_fib.tpy'
pseq = median_pair(lambda i: seconds([i, pool_script, 'seq']))
ppool = median_pair(lambda i: seconds([i, pool_script, 'pool']))
row('8 x fib(27) sequential', *pseq)
row('8 x fib(27) Pool(2).map', *ppool)
print(f'{"  ratio pool/sequential":44} {ppool[0] / pseq[0]:10.2f} {ppool[1] / pseq[1]:10.2f}')


def spawn(i, method=None):
    cmd = [i, 'scripts/bench/processes/spawn_time.tpy'] + ([method] if method else [])
    first, join = map(float, re.findall(r'([0-9.]+) ms', out(cmd)))
    return first, join


for method in (None, 'spawn'):
    t = [spawn(toypy) for _ in range(runs)]
    p = [spawn(python, method) for _ in range(runs)]
    label = 'python3 ' + (method or 'fork (default)')
    row(f'spawn to first instruction ({label})', statistics.median(x[0] for x in t), statistics.median(x[0] for x in p), 'ms')
    row(f'start+join of an empty child ({label})', statistics.median(x[1] for x in t), statistics.median(x[1] for x in p), 'ms')


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    return (time.perf_counter() - t0) * 1000


c = median_pair(lambda i: min(wall([i, '-c', 'pass']) for _ in range(3)))
row('-c pass (wall, best of 3, median)', *c, 'ms')
