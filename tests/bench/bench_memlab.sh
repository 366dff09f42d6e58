#!/usr/bin/env bash
# tests/bench/bench_memlab.sh HEAPSNAP MEMLAB_DIR N [RUNS] [DEVTOOLS_DIR] — the
# V8 benchmark of docs/v8.md#benchmark: generate a snapshot of N chained
# Items (tests/bench/gen_big.js; about 3.3*N nodes), then run, RUNS times each
# (default 3), heapsnap's import, `top -n 20` on the .hsnap, `top -n 20` on
# the .heapsnapshot read directly (import + full analysis + top 20 in one
# run), and `memlab analyze object-size` on the same file; print each run's
# wall time and peak RSS and the medians. With DEVTOOLS_DIR (an oracle set
# up by tests/v8/devtools/devtools_oracle.sh), also check that heapsnap's top 20
# retained sizes equal Chrome DevTools' own (tests/v8/devtools/devtools_compare.sh).
# memlab and DevTools are measuring tools installed in scratch directories,
# never project dependencies:
#   mkdir /tmp/ml && cd /tmp/ml && PUPPETEER_SKIP_DOWNLOAD=1 npm install memlab
# Set BENCH_SNAPSHOT=FILE to reuse a snapshot instead of generating one.
set -eu
hs=$1 ml=$2 n=${3:-300000} runs=${4:-3} dt=${5:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
snap=${BENCH_SNAPSHOT:-$work/big.heapsnapshot}
[ -n "${BENCH_SNAPSHOT:-}" ] || node --max-old-space-size=16000 "$here/gen_big.js" "$snap" "$n"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); node $(node --version)"
echo "snapshot: $(stat -c %s "$snap") bytes, $(grep -o '"node_count":[0-9]*,"edge_count":[0-9]*' "$snap" | head -1)"
# run LABEL CMD...: RUNS timed runs, each line "seconds KiB", then the medians
run() {
  local label=$1; shift
  : >"$work/t"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o "$work/t1" "$@" >/dev/null 2>&1 || { echo "$label: FAILED"; return 1; }
    cat "$work/t1" >>"$work/t"
  done
  sort -n -k1 "$work/t" | awk -v l="$label" '{t[NR]=$1} END {printf "%-44s median %6.2f s", l, t[int((NR+1)/2)]}'
  sort -n -k2 "$work/t" | awk '{m[NR]=$2} END {printf "  median peak %7.1f MiB", m[int((NR+1)/2)]/1024}'
  awk '{printf "%s%.2fs/%.0fMiB", (NR > 1 ? " " : "  (runs: "), $1, $2/1024} END {print ")"}' "$work/t"
}
run "heapsnap import" "$hs" import "$snap" -o "$work/big.hsnap"
run "heapsnap top -n 20 (.hsnap)" "$hs" top -n 20 "$work/big.hsnap"
run "heapsnap top -n 20 (.heapsnapshot directly)" "$hs" top -n 20 "$snap"
run "memlab analyze object-size" "$ml/node_modules/.bin/memlab" analyze object-size --snapshot "$snap"
"$hs" top -n 20 "$work/big.hsnap" >"$work/a.txt"
"$hs" top -n 20 "$snap" >"$work/b.txt"
cmp -s "$work/a.txt" "$work/b.txt" && echo "top: same on the .hsnap and the .heapsnapshot" || echo "top: DIFFERS"
if [ -n "$dt" ]; then
  NODE_OPTIONS=--max-old-space-size=16000 bash "$here/../v8/devtools/devtools_compare.sh" "$hs" "$dt" "$snap" 20 | tail -1 |
    sed 's/^/DevTools top 20 /'
fi
