#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/bench/bench_export.sh — `heapsnap export --sqlite` of two builds on
# the same hsgen heap (docs/query.md#speed): RUNS exports each, alternating
# OLD and NEW, printing each run's wall and CPU seconds (user + sys) and
# peak RSS, then the medians, NEW/OLD ratios and the databases' sizes, and
# the median of each phase of NEW (HEAPSNAP_EXPORT_TIMINGS=1; CPU is the
# process's, so a phase that overlaps the second-pass thread counts both).
#   bench_export.sh OLD_BIN_DIR NEW_BIN_DIR [BLOCKS] [RUNS] [DIR]
# (default 1000000 blocks, 3 runs, heaps cached in /tmp/hsbench). The
# dump's index is written before the first run, so both builds load from it
# (what a second command on a dump does); BENCH_NO_INDEX=1 passes
# --no-index instead (load and dominators then count, about 0.7 s at 1M).
set -eu
old=$1 new=$2 n=${3:-1000000} runs=${4:-3} dir=${5:-/tmp/hsbench}
mkdir -p "$dir"
f=$dir/heap-$n.hsnap
[ -f "$f" ] || "$new/hsgen" heap "$n" "$f" 1
opt=()
if [ "${BENCH_NO_INDEX:-0}" = 1 ]; then opt=(--no-index); else "$new/heapsnap" index "$f" >/dev/null; fi
echo "== $n blocks ($(du -hL "$f" | cut -f1)), $runs runs each, alternating${opt:+, ${opt[*]}}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for side in old new; do : >"$dir/bench_export.$side"; done
: >"$dir/bench_export.phases"
for i in $(seq "$runs"); do
  for side in old new; do
    bin=${!side} db=$dir/bench_export.$side.db
    rm -f "$db"
    HEAPSNAP_EXPORT_TIMINGS=1 /usr/bin/time -f "%e %U %S %M" -o "$dir/bench_export.t" \
      "$bin/heapsnap" export "${opt[@]}" --sqlite "$db" "$f" 2>"$dir/bench_export.err" >/dev/null
    read -r w u s m <"$dir/bench_export.t"
    size=$(stat -c %s "$db")
    echo "$w $u $s $m $size" >>"$dir/bench_export.$side"
    printf 'run %d %-3s %6.3f s wall %6.3f s cpu %7.1f MiB  db %6.1f MiB\n' "$i" "$side" "$w" \
      "$(echo "$u + $s" | bc)" "$(echo "$m / 1024" | bc -l)" "$(echo "$size / 1048576" | bc -l)"
    [ "$side" = new ] && grep '^export: ' "$dir/bench_export.err" >>"$dir/bench_export.phases" || true
  done
done
awk '
  function med(a, n,  i, k, t) { for (i = 1; i <= n; i++) for (k = i + 1; k <= n; k++) if (a[k] < a[i]) { t = a[i]; a[i] = a[k]; a[k] = t } return a[int((n + 1) / 2)] }
  FNR == 1 { side++ }
  { w[side, FNR] = $1; c[side, FNR] = $2 + $3; m[side, FNR] = $4 / 1024; z[side, FNR] = $5 / 1048576; n[side] = FNR }
  END {
    for (s = 1; s <= 2; s++) { for (i = 1; i <= n[s]; i++) { ww[i] = w[s, i]; cc[i] = c[s, i]; mm[i] = m[s, i]; zz[i] = z[s, i] }
      W[s] = med(ww, n[s]); C[s] = med(cc, n[s]); M[s] = med(mm, n[s]); Z[s] = med(zz, n[s]) }
    printf "median old %6.3f s wall %6.3f s cpu %7.1f MiB db %6.1f MiB\n", W[1], C[1], M[1], Z[1]
    printf "median new %6.3f s wall %6.3f s cpu %7.1f MiB db %6.1f MiB\n", W[2], C[2], M[2], Z[2]
    printf "new/old    wall %.3f, cpu %.3f, rss %.3f, db %.3f\n", W[1] ? W[2] / W[1] : 0, C[1] ? C[2] / C[1] : 0,
           M[1] ? M[2] / M[1] : 0, Z[1] ? Z[2] / Z[1] : 0 }' "$dir/bench_export.old" "$dir/bench_export.new"
if [ -s "$dir/bench_export.phases" ]; then
  echo "new, median per phase:"
  awk '
    function med(a, n,  i, k, t) { for (i = 1; i <= n; i++) for (k = i + 1; k <= n; k++) if (a[k] < a[i]) { t = a[i]; a[i] = a[k]; a[k] = t } return a[int((n + 1) / 2)] }
    { sub(/^export: /, ""); name = $0; sub(/ +[0-9.]+ s wall.*/, "", name)
      if (!(name in cnt)) order[++np] = name
      k = ++cnt[name]; W[name, k] = $(NF - 5); C[name, k] = $(NF - 2) }
    END { for (p = 1; p <= np; p++) { nm = order[p]
            for (i = 1; i <= cnt[nm]; i++) { ww[i] = W[nm, i]; cc[i] = C[nm, i] }
            printf "  %-20s %6.3f s wall %6.3f s cpu\n", nm, med(ww, cnt[nm]), med(cc, cnt[nm]) } }' \
    "$dir/bench_export.phases"
fi
rm -f "$dir/bench_export.old.db" "$dir/bench_export.new.db"
