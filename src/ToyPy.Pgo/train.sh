#!/usr/bin/env bash
# Profile-guided build, step 1 and 2 (make build runs this; PGO=0 skips it).
#
# Runs the JIT build (out/jit) over the training scripts with the runtime's
# instrumentation on and its counters left running for the whole process:
#   DOTNET_TieredPGO_InstrumentOnlyHotCode=0   every method counts from its first call
#   DOTNET_TC_CallCounting=0                   no promotion to uninstrumented tier-1 code
#   DOTNET_TC_OnStackReplacement_InitialCounter=0x7FFFFFFF
#                                              the dispatch loop is entered a few times
#                                              and runs for long: it is never replaced
#                                              mid-run by an uninstrumented OSR version
# Each run writes its edge counts and type histograms as text
# (DOTNET_WritePGOData); ToyPy.Pgo sums them into out/pgo/toypy.mibc, which
# the Native AOT publish then reads (ToyPyMibc). The training set is the
# language and type test scripts: ordinary Python, not the benchmarks. They
# run under the GIL and again --free-threaded: the dispatch loop is compiled
# once per reference-count policy, and each needs its own paths counted.
#
# usage: train.sh DOTNET OUTDIR
set -euo pipefail
DOTNET=${1:-dotnet}
OUT=${2:-out/pgo}
root=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$OUT" && mkdir -p "$OUT/profiles"
OUT=$(cd "$OUT" && pwd)
"$DOTNET" build "$root/src/ToyPy.Pgo" -c Release -o "$OUT/tool" > "$OUT/tool-build.log" 2>&1 \
  || { cat "$OUT/tool-build.log"; exit 1; }
n=0
for mode in --gil --free-threaded; do
  for script in "$root"/tests/scripts/lang/*.tpy "$root"/tests/scripts/types/*.tpy; do
    n=$((n + 1))
    # Scripts that read stdin or end in an error still leave a useful profile.
    (cd "$(dirname "$script")" && timeout 120 env \
        DOTNET_WritePGOData=1 DOTNET_PGODataPath="$OUT/profiles/$n.txt" \
        DOTNET_TieredPGO=1 DOTNET_TieredPGO_InstrumentOnlyHotCode=0 DOTNET_TC_CallCounting=0 \
        DOTNET_TC_OnStackReplacement_InitialCounter=0x7FFFFFFF \
        "$DOTNET" "$root/out/jit/ToyPy.Cli.dll" $mode "$(basename "$script")" < /dev/null > /dev/null 2>&1) || true
  done
done
"$DOTNET" "$OUT/tool/ToyPy.Pgo.dll" "$root/out/jit/ToyPy.dll" "$OUT/toypy.mibc" "$OUT"/profiles/*.txt
