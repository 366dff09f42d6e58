#!/usr/bin/env bash
# tests/bench/bench_native.sh — the native-heap benchmark (prints figures,
# not a timed test): the malloc-churn workload (bench_churn: LIVE blocks,
# OPS free+malloc rounds, every allocation 16 frames deep through 64 call
# paths) untraced, under libheapsnap-preload.so (16-frame sites, no dump),
# under it with the exit snapshot, under heaptrack, and under
# valgrind --leak-check=full; at 100k and 1M live blocks, RUNS runs each.
# Prints each run (CPU = user + system seconds, peak RSS in KiB), then the
# medians: CPU against the untraced run, peak memory over it and per live
# block, and the snapshot's write time at exit (the file's end tags
# native.dump_us and native.stopped_us) and size.
#   bench_native.sh BUILD_DIR [DIR] [RUNS] [OPS]   (default /tmp/hsnbench, 3 runs, 2000000)
# heaptrack and valgrind are skipped, with a line saying so, when missing.
# heaptrack runs with --raw (recording only): heaptrack_interpret 1.4.0
# (Debian 12) aborts with std::bad_alloc on this workload from 10k rounds
# on, so its figures leave out the interpreting process.
set -eu
build=$1; dir=${2:-/tmp/hsnbench}; runs=${3:-3}; ops=${4:-2000000}
churn=$build/bin/bench_churn
lib=$build/lib/libheapsnap-preload.so
heapsnap=$build/bin/heapsnap
mkdir -p "$dir"
[ -x "$churn" ] && [ -f "$lib" ] || { echo "bench_native: build bench_churn and heapsnap_preload first" >&2; exit 2; }
have_ht=1; command -v heaptrack >/dev/null || { have_ht=0; echo "heaptrack not installed (apt-get install heaptrack): skipped"; }
have_vg=1; command -v valgrind >/dev/null || { have_vg=0; echo "valgrind not installed: skipped"; }

measure() { # label live command... -> "label live cpu rss"
  local label=$1 live=$2
  shift 2
  /usr/bin/time -o "$dir/time.txt" -f '%U %S %M' "$@" >/dev/null 2>&1
  echo "$label $live $(tail -1 "$dir/time.txt")" | awk '{printf "%s %s %.2f %d\n", $1, $2, $3 + $4, $5}'
}

echo "== bench_churn: $ops rounds; $runs runs; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for live in 100000 1000000; do
  for i in $(seq "$runs"); do
    measure untraced "$live" "$churn" "$live" "$ops"
    measure traced "$live" env LD_PRELOAD="$lib" HEAPSNAP_NATIVE_AT_EXIT=0 HEAPSNAP_NATIVE_FRAMES=16 "$churn" "$live" "$ops"
    f=$dir/churn-$live.hsnap
    rm -f "$f"
    measure dump "$live" env LD_PRELOAD="$lib" HEAPSNAP_NATIVE_OUTPUT="$f" HEAPSNAP_NATIVE_FRAMES=16 HEAPSNAP_NATIVE_QUIET=1 \
      "$churn" "$live" "$ops"
    tags=$("$heapsnap" info "$f" | sed -n 's/^end tags *//p')
    dump_us=$(echo "$tags" | tr ',' '\n' | sed -n 's/ *native.dump_us=//p')
    stop_us=$(echo "$tags" | tr ',' '\n' | sed -n 's/ *native.stopped_us=//p')
    echo "snapshot $live $dump_us $stop_us $(stat -c %s "$f")"
    if [ $have_ht = 1 ]; then
      rm -f "$dir"/ht.*
      measure heaptrack "$live" heaptrack --raw -o "$dir/ht.$live" "$churn" "$live" "$ops"
      rm -f "$dir"/ht.*
    fi
    [ $have_vg = 1 ] && measure valgrind "$live" valgrind --leak-check=full -q "$churn" "$live" "$ops"
  done
done | tee "$dir/native-runs.txt"

python3 - "$dir/native-runs.txt" "$runs" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
runs = sys.argv[2]
def med(tool, live, col):
    v = [float(r[col]) for r in rows if r[0] == tool and r[1] == str(live)]
    return statistics.median(v) if v else None
print("\nmedians of %s runs           CPU s  x untraced  peak MiB    +MiB  +B/live block" % runs)
for live in (100000, 1000000):
    bc, bm = med("untraced", live, 2), med("untraced", live, 3)
    for tool in ("untraced", "traced", "dump", "heaptrack", "valgrind"):
        c, m = med(tool, live, 2), med(tool, live, 3)
        if c is None:
            continue
        print("  %-9s %7d live %7.2f %9.2fx %9.1f %7.1f %10.1f" % (tool, live, c, c / bc if bc else 0, m / 1024,
              (m - bm) / 1024, (m - bm) * 1024 / live))
    d, st, f = med("snapshot", live, 2), med("snapshot", live, 3), med("snapshot", live, 4)
    print("  snapshot at exit, %d live blocks: %.0f ms (threads stopped %.0f ms), file %.1f MiB" % (live, d / 1000, st / 1000, f / 1048576))
t1, u1 = med("traced", 1000000, 3), med("untraced", 1000000, 3)
t0, u0 = med("traced", 100000, 3), med("untraced", 100000, 3)
print("  tracking memory, marginal (1M vs 100k live blocks): %.1f bytes a live block" % (((t1 - u1) - (t0 - u0)) * 1024 / 900000))
PY
