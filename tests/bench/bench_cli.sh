#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/bench_cli.sh — two builds of the heapsnap CLI side by side on
# the same hsgen heap: each command run RUNS times, alternating OLD and NEW,
# printing wall seconds, CPU seconds (user + sys) and peak RSS of every run
# and the medians, with NEW/OLD ratios. For refactorings that must not cost
# speed or memory.
#   bench_cli.sh OLD_BIN_DIR NEW_BIN_DIR [BLOCKS] [RUNS] [DIR]
# (default 1000000 blocks, 5 runs, heaps cached in /tmp/hsbench).
# BENCH_CMDS (one command a line) replaces the list; in a command, @A is
# the address of the largest accumulation point (the first row of NEW's
# `top`: a block deep in the heap), and FILE is placed after the options.
set -eu
old=$1 new=$2 n=${3:-1000000} runs=${4:-5} dir=${5:-/tmp/hsbench}
mkdir -p "$dir"
f=$dir/heap-$n.hsnap
[ -f "$f" ] || "$new/hsgen" heap "$n" "$f" 1
echo "== $n blocks ($(du -hL "$f" | cut -f1)), $runs runs each, alternating"
cmds=("top -n 20" "top --json -n 20" "summary --json -n 0" "dominators --json --depth 3" "cycles --json"
      "show @A" "show --json @A" "path @A" "path --json --all 3 @A")
if [ -n "${BENCH_CMDS:-}" ]; then mapfile -t cmds <<<"$BENCH_CMDS"; fi
addr=
case "${cmds[*]}" in
  *@A*) addr=$("$new/heapsnap" top --json -n 1 "$f" | sed -n 's/.*"block": {"addr": "\(0x[0-9a-f]*\)".*/\1/p' | head -1)
        echo "   @A = $addr" ;;
esac
for c in "${cmds[@]}"; do
  label=$c a=${c%%@A*}
  if [ "$a" != "$c" ]; then c=${c/@A/}; args=("$f" "$addr"); else args=("$f"); fi
  for side in old new; do : >"$dir/bench_cli.$side"; done
  for i in $(seq "$runs"); do
    for side in old new; do
      bin=${!side}
      # shellcheck disable=SC2086
      /usr/bin/time -f "%e %U %S %M" -o "$dir/bench_cli.t" "$bin/heapsnap" $c "${args[@]}" >/dev/null
      cat "$dir/bench_cli.t" >>"$dir/bench_cli.$side"
    done
  done
  awk -v cmd="$label" '
    function med(a, n,  i, k, t) { for (i = 1; i <= n; i++) for (k = i + 1; k <= n; k++) if (a[k] < a[i]) { t = a[i]; a[i] = a[k]; a[k] = t } return a[int((n + 1) / 2)] }
    FNR == 1 { side++ }
    { w[side, FNR] = $1; c[side, FNR] = $2 + $3; m[side, FNR] = $4 / 1024; n[side] = FNR }
    END {
      for (s = 1; s <= 2; s++) { for (i = 1; i <= n[s]; i++) { ww[i] = w[s, i]; cc[i] = c[s, i]; mm[i] = m[s, i] }
        W[s] = med(ww, n[s]); C[s] = med(cc, n[s]); M[s] = med(mm, n[s]) }
      printf "%-28s old %6.3f s wall %6.3f s cpu %7.1f MiB | new %6.3f s wall %6.3f s cpu %7.1f MiB | new/old cpu %.3f, rss %.3f\n",
             cmd, W[1], C[1], M[1], W[2], C[2], M[2], C[1] ? C[2] / C[1] : 0, M[1] ? M[2] / M[1] : 0 }' \
    "$dir/bench_cli.old" "$dir/bench_cli.new"
done
