#!/usr/bin/env bash
# tests/v8/bench_memlab.sh HEAPSNAP MEMLAB_DIR N — generate a snapshot of about
# 2.1*N nodes (tests/v8/gen_big.js), then time heapsnap (import + full
# analysis + top 20, and top 20 read directly) and `memlab analyze
# object-size` on the same file; print wall time and peak RSS for each.
# memlab is a measuring tool installed in a scratch directory, never a
# project dependency:
#   mkdir /tmp/ml && cd /tmp/ml && PUPPETEER_SKIP_DOWNLOAD=1 npm install memlab
set -eu
hs=$1 ml=$2 n=${3:-500000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node --max-old-space-size=8192 "$(dirname "$0")/gen_big.js" "$work/big.heapsnapshot" "$n"
ls -l "$work/big.heapsnapshot" | awk '{print "snapshot bytes:", $5}'
grep -o '"node_count":[0-9]*,"edge_count":[0-9]*' "$work/big.heapsnapshot" | head -1
t() { /usr/bin/time -f "%e s  %M KiB  $1" "${@:2}"; }
t "heapsnap import" "$hs" import "$work/big.heapsnapshot" -o "$work/big.hsnap"
t "heapsnap top -n 20 (.hsnap)" "$hs" top -n 20 "$work/big.hsnap" >"$work/hs_top.txt"
t "heapsnap top -n 20 (.heapsnapshot, on the fly)" "$hs" top -n 20 "$work/big.heapsnapshot" >/dev/null
t "memlab analyze object-size" bash -c '"$0" analyze object-size --snapshot "$1" >"$2" 2>&1' \
  "$ml/node_modules/.bin/memlab" "$work/big.heapsnapshot" "$work/ml_top.txt"
echo "--- memlab's top 5 (decimal KB/MB)"; grep -a '^· @' "$work/ml_top.txt" | head -5 | cut -c1-100
echo "--- heapsnap's top"; sed -n 1,12p "$work/hs_top.txt"
