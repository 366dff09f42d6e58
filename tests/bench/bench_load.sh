#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/bench_load.sh — the load phase against its floor (issue 18): on an hsgen heap,
# bench_floor (zstd + a hand-written decode of the graph records + one address table + the CSR,
# tests/bench/bench_floor.c) and bench_analyze's load (the tool's validating reader and graph
# builder), RUNS times each, alternating, printing every run and the medians of CPU seconds,
# wall seconds and peak bytes per block, with the ratio.
#   bench_load.sh BIN_DIR [BLOCKS] [RUNS] [DIR]     (default 10000000 blocks, 3 runs, /tmp/hsbench)
set -eu
bin=$1 n=${2:-10000000} runs=${3:-3} dir=${4:-/tmp/hsbench}
mkdir -p "$dir"
f=$dir/heap-$n.hsnap
[ -f "$f" ] || "$bin/hsgen" heap "$n" "$f" 1
: > "$dir/load.floor"; : > "$dir/load.tool"
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S %M" -o "$dir/load.t" "$bin/bench_floor" "$f" > "$dir/load.out"
  cat "$dir/load.out"; cat "$dir/load.t" >> "$dir/load.floor"
  # bench_analyze prints the load phase's own CPU seconds and its peak RSS
  "$bin/bench_analyze" "$f" 1 > "$dir/load.out"
  grep -E '^(load|cpu|peak)' "$dir/load.out" | head -3
  cpu=$(sed -n 's/^cpu: load \([0-9.]*\) s.*/\1/p' "$dir/load.out")
  wall=$(sed -n 's/^load \([0-9.]*\) s.*/\1/p' "$dir/load.out")
  rss=$(sed -n 's/^peak RSS after load \([0-9.]*\) MiB.*/\1/p' "$dir/load.out")
  echo "$wall $cpu 0 $(awk -v r="$rss" 'BEGIN { printf "%d", r * 1024 }')" >> "$dir/load.tool"
done
awk -v n="$n" '
  function med(a, k,  i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((k + 1) / 2)] }
  FNR == 1 { s++ }
  { w[s, FNR] = $1; c[s, FNR] = $2 + $3; m[s, FNR] = $4 * 1024 / n; k[s] = FNR }
  END {
    for (x = 1; x <= 2; x++) {
      delete aw; delete ac; delete am
      for (i = 1; i <= k[x]; i++) { aw[i] = w[x, i]; ac[i] = c[x, i]; am[i] = m[x, i] }
      mw[x] = med(aw, k[x]); mc[x] = med(ac, k[x]); mm[x] = med(am, k[x])
    }
    printf "medians: floor %.2f s CPU, %.2f s wall, %.1f B/block; heapsnap load %.2f s CPU, %.2f s wall, %.1f B/block; ratio %.2fx CPU\n", mc[1], mw[1], mm[1], mc[2], mw[2], mm[2], (mc[1] > 0 ? mc[2] / mc[1] : 0)
  }' "$dir/load.floor" "$dir/load.tool"
