#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/bench_index.sh — what the index buys (docs/analyzer.md#index):
# on an hsgen heap, each command without the index (--no-index), as the first
# analysis that writes it (index removed first), and later with it, RUNS
# times each, interleaved (no-index, first, later, no-index, ...), printing
# the medians of wall seconds, CPU seconds (user + sys) and peak RSS, the
# first/no-index ratio (what building the index adds) and the index's size.
#   bench_index.sh BIN_DIR [BLOCKS] [RUNS] [DIR]
# (default 1000000 blocks, 3 runs, heaps in /tmp/hsbench). In a command, @A
# is the address of the first row of `top` (a block deep in the heap).
# BENCH_FIRST_AFTER="top -n 20": the "first" run follows that command (run
# untimed on a removed index), so it measures what a command adds to an index
# another wrote — e.g. `show @A` adding the root search and the referrers.
set -eu
bin=$1 n=${2:-1000000} runs=${3:-3} dir=${4:-/tmp/hsbench}
mkdir -p "$dir"
f=$dir/heap-$n.hsnap
[ -f "$f" ] || "$bin/hsgen" heap "$n" "$f" 1
addr=$("$bin/heapsnap" top --no-index --json -n 1 "$f" | sed -n 's/.*"block": {"addr": "\(0x[0-9a-f]*\)".*/\1/p' | head -1)
echo "== $n blocks ($(du -hL "$f" | cut -f1)), $runs runs each, @A = $addr"
cmds=("top -n 20" "summary" "dominators" "show @A" "path @A" "suspects" "cycles")
if [ -n "${BENCH_CMDS:-}" ]; then mapfile -t cmds <<<"$BENCH_CMDS"; fi
printf '%-14s %-26s %-26s %-26s %s\n' command "no index: wall/CPU s, MiB" "first (writes): wall/CPU" "later (reads): wall/CPU" "first/none CPU"
for c in "${cmds[@]}"; do
  label=$c
  case "$c" in *@A*) c=${c/@A/}; args=("$f" "$addr") ;; *) args=("$f") ;; esac
  for side in none first later; do : >"$dir/bench_index.$side"; done
  for i in $(seq "$runs"); do
    for side in none first later; do
      extra=()
      case $side in
        none) extra=(--no-index) ;;
        first) rm -f "$f.hsidx"
          # shellcheck disable=SC2086
          if [ -n "${BENCH_FIRST_AFTER:-}" ]; then "$bin/heapsnap" $BENCH_FIRST_AFTER "$f" >/dev/null; fi ;;
        later) [ -f "$f.hsidx" ] || "$bin/heapsnap" index "$f" >/dev/null ;;
      esac
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S %M" -o "$dir/bench_index.t" "$bin/heapsnap" $c "${extra[@]}" "${args[@]}" >/dev/null
      cat "$dir/bench_index.t" >>"$dir/bench_index.$side"
    done
  done
  awk -v cmd="$label" '
    function med(a, k,  i, j, t) { for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t } return a[int((k + 1) / 2)] }
    FNR == 1 { s++ }
    { w[s, FNR] = $1; c[s, FNR] = $2 + $3; m[s, FNR] = $4 / 1024; k[s] = FNR }
    END {
      line = sprintf("%-14s", cmd)
      for (x = 1; x <= 3; x++) {
        delete aw; delete ac; delete am
        for (i = 1; i <= k[x]; i++) { aw[i] = w[x, i]; ac[i] = c[x, i]; am[i] = m[x, i] }
        mw[x] = med(aw, k[x]); mc[x] = med(ac, k[x]); mm[x] = med(am, k[x])
        line = line sprintf(" %-26s", sprintf("%.2f / %.2f s, %.0f", mw[x], mc[x], mm[x]))
      }
      printf "%s %.2fx\n", line, (mc[1] > 0 ? mc[2] / mc[1] : 0)
    }' "$dir/bench_index.none" "$dir/bench_index.first" "$dir/bench_index.later"
done
[ -f "$f.hsidx" ] || "$bin/heapsnap" index "$f" >/dev/null
echo "index: $(stat -c %s "$f.hsidx") bytes ($(( $(stat -c %s "$f.hsidx") / n )) B/block) for a $(stat -c %s "$f") byte dump"
