#!/usr/bin/env bash
# tests/bench/bench_diff.sh — the comparison benchmark (prints figures, not
# a timed test): `heapsnap diff` on two hsgen heap snapshots of N blocks
# (seeds 1 and 2, cached in DIR) against analyzing one of them alone
# (`heapsnap top`: load, dominators, top 20 with paths), RUNS times each;
# prints every run's wall seconds, peak RSS (KiB), user and system CPU
# seconds, and the median ratios (wall, and CPU: the machine may be shared).
# Also diff with HEAPSNAP_THREADS=1 (both snapshots on one thread).
#   bench_diff.sh BIN_DIR [DIR] [RUNS] [N]   (default /tmp/hsbench, 5 runs, 1000000)
set -eu
bin=$1; dir=${2:-/tmp/hsbench}; runs=${3:-5}; n=${4:-1000000}
mkdir -p "$dir"
a=$dir/heap-$n.hsnap; b=$dir/heap-$n-s2.hsnap
[ -f "$a" ] || "$bin/hsgen" heap "$n" "$a" 1
[ -f "$b" ] || "$bin/hsgen" heap "$n" "$b" 2
run() { # label command...
  local out
  out=$( { /usr/bin/time -f '%e %M %U %S' "$@" >/dev/null; } 2>&1 | tail -1)
  echo "$1 $out"
}
echo "== $n blocks: $(du -h "$a" | cut -f1), $(du -h "$b" | cut -f1)"
for i in $(seq "$runs"); do
  run "$bin/heapsnap" top -n 20 "$a" | sed 's/^[^ ]*/top/'
  run "$bin/heapsnap" diff "$a" "$b" | sed 's/^[^ ]*/diff/'
  HEAPSNAP_THREADS=1 run "$bin/heapsnap" diff "$a" "$b" | sed 's/^[^ ]*/diff1/'
done | tee "$dir/diff-runs-$n.txt"
awk 'function med(a, n,  i,k,t) { for (i = 1; i <= n; i++) for (k = i + 1; k <= n; k++) if (a[k] < a[i]) { t = a[i]; a[i] = a[k]; a[k] = t } return a[int((n + 1) / 2)] }
     { if ($1 == "top") { t[++nt] = $2; tm[nt] = $3; tc[nt] = $4 + $5 } else if ($1 == "diff") { d[++nd] = $2; dm[nd] = $3; dc[nd] = $4 + $5 } else { s[++ns] = $2; sm[ns] = $3; sc[ns] = $4 + $5 } }
     END { mt = med(t, nt); md = med(d, nd); ms = med(s, ns)
           printf "median: top %.2f s (%.0f MiB), diff %.2f s (%.0f MiB), diff one thread %.2f s (%.0f MiB); diff/top %.2fx (one thread %.2fx)\n",
                  mt, med(tm, nt) / 1024, md, med(dm, nd) / 1024, ms, med(sm, ns) / 1024, md / mt, ms / mt
           ct = med(tc, nt); printf "median CPU: top %.2f s, diff %.2f s, diff one thread %.2f s; diff/top %.2fx\n", ct, med(dc, nd), med(sc, ns), med(dc, nd) / ct }' "$dir/diff-runs-$n.txt"
