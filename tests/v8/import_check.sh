#!/usr/bin/env bash
# tests/v8/import_check.sh HEAPSNAP FILE.heapsnapshot — import the generated
# snapshot, check the .hsnap's integrity, and that top gives the same answer
# on the .hsnap and on the .heapsnapshot read directly.
set -eu
hs=$1 in=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$hs" import "$in" -o "$work/gen.hsnap"
"$hs" info "$work/gen.hsnap" | grep -q '^integrity      ok' || { echo "FAIL: integrity"; exit 1; }
"$hs" info "$work/gen.hsnap" | grep -q 'source=v8-heapsnapshot' || { echo "FAIL: no V8 source tag"; exit 1; }
"$hs" top -n 20 "$work/gen.hsnap" >"$work/a.txt"
"$hs" top -n 20 "$in" >"$work/b.txt"
cmp "$work/a.txt" "$work/b.txt"
"$hs" summary -n 0 "$in" | grep -q ' HsCacheItem$' || { echo "FAIL: no HsCacheItem in summary"; exit 1; }
echo ok
