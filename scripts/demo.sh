#!/usr/bin/env bash
# make demo: the chapter's listings under ToyPy, side by side.
#   1. listing 1.5 (scripts/fib.tpy) as the book prints it;
#   2. a table: sequential vs two threads, for CPU-bound work (listings 1.5 and
#      1.6: fib) and for I/O (listings 1.7 and 1.8: two GETs against a local
#      server that answers after 100 ms), with the ratio threads/sequential,
#      and the ratio CPython gives on this machine when python3 is present;
#      then the same fib in two child processes (scripts/fib_processes.tpy,
#      listing 1.6 with multiprocessing), against the same sequential time.
# Each time is the median of RUNS runs (default 3) of the listing's own timer.
set -euo pipefail
cd "$(dirname "$0")/.."

TOYPY=${TOYPY:-bin/toypy}
RUNS=${RUNS:-3}
FIB1=${FIB1:-30}
FIB2=${FIB2:-31}
DELAY=${DELAY:-0.1}
PYTHON=$(command -v python3 || true)
if [ -n "$PYTHON" ] && ! "$PYTHON" -c 'import requests' 2>/dev/null; then PYTHON_HTTP=""; else PYTHON_HTTP=$PYTHON; fi

tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== listing 1.5: $TOYPY scripts/fib.tpy"
"$TOYPY" scripts/fib.tpy
echo

# The local latency server (itself a ToyPy program: one thread per connection).
"$TOYPY" scripts/demo_server.tpy 0 "$DELAY" > "$tmp/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  url=$(head -n 1 "$tmp/server.out" 2>/dev/null || true)
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then echo "demo: the local server did not start" >&2; cat "$tmp/server.out" >&2; exit 1; fi

# median_time INTERPRETER SCRIPT ARGS...: the median of the "N.NNNN seconds" the listing prints.
median_time() {
  local times=() out
  for _ in $(seq "$RUNS"); do
    out=$("$@" 2>&1) || { echo "demo: '$*' failed:" >&2; echo "$out" >&2; exit 1; }
    times+=("$(grep -oE '[0-9]+\.[0-9]+ seconds' <<<"$out" | tail -n 1 | cut -d' ' -f1)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "-" }'; }

row() { # label toypy_seq toypy_threads cpython_ratio
  printf '%-36s %9s s %9s s %7s %15s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"
}

echo "== the GIL: sequential vs two threads (median of $RUNS runs)"
fib_seq=$(median_time "$TOYPY" scripts/fib.tpy "$FIB1" "$FIB2")
fib_thr=$(median_time "$TOYPY" scripts/fib_threads.tpy "$FIB1" "$FIB2")
fib_proc=$(median_time "$TOYPY" scripts/fib_processes.tpy "$FIB1" "$FIB2")
get_seq=$(median_time "$TOYPY" scripts/status_sync.tpy "$url")
get_thr=$(median_time "$TOYPY" scripts/status_threads.tpy "$url")
py_fib="-"; py_get="-"; py_proc="-"
if [ -n "$PYTHON" ]; then
  py_fib_seq=$(median_time "$PYTHON" scripts/fib.tpy "$FIB1" "$FIB2")
  py_fib=$(ratio "$py_fib_seq" "$(median_time "$PYTHON" scripts/fib_threads.tpy "$FIB1" "$FIB2")")
  py_proc=$(ratio "$py_fib_seq" "$(median_time "$PYTHON" scripts/fib_processes.tpy "$FIB1" "$FIB2")")
fi
if [ -n "$PYTHON_HTTP" ]; then
  py_get=$(ratio "$(median_time "$PYTHON" scripts/status_sync.tpy "$url")" "$(median_time "$PYTHON" scripts/status_threads.tpy "$url")")
fi
printf '%-36s %11s %11s %7s %15s\n' "ToyPy" "sequential" "threads" "ratio" "CPython ratio"
row "fib($FIB1) + fib($FIB2)  (CPU-bound)" "$fib_seq" "$fib_thr" "$py_fib"
row "2 x GET, ${DELAY}s server  (I/O-bound)" "$get_seq" "$get_thr" "$py_get"
echo
printf '%-36s %11s %11s %7s %15s\n' "ToyPy" "sequential" "processes" "ratio" "CPython ratio"
row "fib($FIB1) + fib($FIB2)  (2 processes)" "$fib_seq" "$fib_proc" "$py_proc"
echo
echo "CPU-bound threads take as long as one thread doing both (ratio ~1): one GIL."
echo "I/O-bound threads overlap (ratio ~0.5): the GIL is released around blocking calls."
echo "CPU-bound processes overlap (ratio ~0.6 on two cores): each process has its own GIL."
echo

# Figure 1.6: without the lock, two threads race on reference counts. The run
# is expected to end like a crash (exit status 134, "Fatal Python error").
echo "== figure 1.6: $TOYPY --no-gil scripts/fib_threads.tpy 20 21 (no GIL: the counts race)"
set +e
"$TOYPY" --no-gil scripts/fib_threads.tpy 20 21 > "$tmp/nogil.out" 2>&1
nogil_status=$?
set -e
head -n 30 "$tmp/nogil.out"
echo "(exit status $nogil_status)"
echo

# PEP 703's answer: no lock, and no race. Biased reference counts (the owning
# thread counts without atomics, other threads atomically), immortal shared
# objects and per-object locks keep every count exact while threads run in parallel.
echo "== free-threaded: $TOYPY --free-threaded (no GIL, biased reference counts; median of $RUNS runs)"
ft_seq=$(median_time "$TOYPY" --free-threaded scripts/fib.tpy "$FIB1" "$FIB2")
ft_thr=$(median_time "$TOYPY" --free-threaded scripts/fib_threads.tpy "$FIB1" "$FIB2")
printf '%-36s %11s %11s %7s %15s\n' "ToyPy --free-threaded" "sequential" "threads" "ratio" "GIL threads"
row "fib($FIB1) + fib($FIB2)  (CPU-bound)" "$ft_seq" "$ft_thr" "$fib_thr s"
echo
echo "== figure 1.6 again, free-threaded: $TOYPY --free-threaded --gil-stats scripts/refcount_race.tpy"
"$TOYPY" --free-threaded --gil-stats scripts/refcount_race.tpy
echo
echo "CPU-bound threads now run in parallel (ratio ~0.6 on two cores), and no count races:"
echo "the two threads' references to the shared list went to its shared count, atomically."
