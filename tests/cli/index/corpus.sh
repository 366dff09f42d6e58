# The same answers with and without the index, on the CLI corpus: every mksnap scenario, the good
# files of tests/data, V8 snapshots and hsgen heaps; each command's text and JSON, once with the
# index written by `heapsnap index`, once more read back, compared byte for byte with --no-index.
set -u
for s in small empty shared tie pycycles; do "$MKSNAP" $s $s.hsnap; done
"$MKSNAP" random 7 3000 random.hsnap
"$MKSNAP" types 300 types.hsnap
"$MKSNAP" huge 36 huge36.hsnap   # retained bytes 5 bytes a block (bits 32-39)
"$MKSNAP" huge 44 huge44.hsnap   # 8 bytes a block
"$BIN/hsgen" heap 20000 heap.hsnap 3
"$BIN/hsgen" chain 5000 chain.hsnap
"$BIN/hsgen" garbage garbage.hsnap
"$BIN/hsgen" dangling dangling.hsnap
cp "$DATA"/good/v1_0_small.hsnap "$DATA"/v8/tiny.heapsnapshot "$DATA"/v8/sites_tiny.heapsnapshot .
gzip -dc "$DATA"/v8/node20.heapsnapshot.gz > node20.heapsnapshot
files=0 runs=0 diffs=0
for f in *.hsnap *.heapsnapshot; do
  files=$((files + 1))
  "$HEAPSNAP" index "$f" > /dev/null || { echo "index $f failed"; continue; }
  [ -f "$f.hsidx" ] || echo "no index beside $f"
  # an address to ask about: the largest row's block, else none
  addr=$("$HEAPSNAP" top --no-index --json -n 1 "$f" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["top"][0]["block"]["addr"] if d["top"] else "0x1")')
  for c in "top F" "top --json F" "top -n 300 F" "top --fold 60 F" "top --raw F" "summary F" \
           "summary --json --sort count F" "dominators F" "dominators --json F" "cycles F" "cycles --json F" \
           "cycles --all F" "cycles --garbage --json F" "cycles -n 0 F" "cycles --all --json -n 0 F" \
           "cycles --min-bytes 4096 -n 3 F" \
           "suspects F" "suspects --json F" "show F $addr" "show --json F $addr" "path F $addr" \
           "path --json F $addr" "path --all 5 F $addr" "path --all 3 --json F $addr" "leaks F"; do
    read -r -a w <<< "${c/F/$f}"
    "$HEAPSNAP" "${w[0]}" --no-index "${w[@]:1}" > a.out 2>&1; ra=$?
    for pass in built reread; do
      runs=$((runs + 1))
      "$HEAPSNAP" "${w[@]}" > b.out 2>&1; rb=$?
      if [ $ra != $rb ] || ! cmp -s a.out b.out; then
        diffs=$((diffs + 1)); echo "DIFF: $f: $c ($pass): exit $ra/$rb"; diff a.out b.out | head -5
      fi
    done
  done
done
# a partial index (summary writes no named search, nor the cycles, nor the root search; cycles no
# shapes, no rows, no root search, no per-type bytes), then what needs them, which completes it:
# cycles adds its list and the named search, top its rows and shapes, show and path the root search
for first in summary cycles; do
for f in *.hsnap *.heapsnapshot; do
  rm -f "$f.hsidx"
  HEAPSNAP_INDEX_MIN_BLOCKS=0 "$HEAPSNAP" $first "$f" > /dev/null
  [ -f "$f.hsidx" ] || echo "no partial index beside $f"
  addr=$("$HEAPSNAP" top --no-index --json -n 1 "$f" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["top"][0]["block"]["addr"] if d["top"] else "0x1")')
  for c in "cycles --all F" "show F $addr" "top F" "top F" "cycles --json F" "suspects --json F" "top -n 300 F" \
           "cycles F" "path F $addr" "summary F" "dominators F"; do
    read -r -a w <<< "${c/F/$f}"
    "$HEAPSNAP" "${w[0]}" --no-index "${w[@]:1}" > a.out 2>&1; ra=$?
    runs=$((runs + 1))
    HEAPSNAP_INDEX_MIN_BLOCKS=0 "$HEAPSNAP" "${w[@]}" > b.out 2>&1; rb=$?
    if [ $ra != $rb ] || ! cmp -s a.out b.out; then
      diffs=$((diffs + 1)); echo "DIFF: $f: $c (partial index): exit $ra/$rb"; diff a.out b.out | head -5
    fi
  done
done
done
# the commands of several dumps: each side through its index
"$BIN/hsgen" heap 20000 heap2.hsnap 4
"$HEAPSNAP" index heap2.hsnap > /dev/null
for c in "diff heap.hsnap heap2.hsnap" "diff --json --by owner heap.hsnap heap2.hsnap" "diff --by new chain.hsnap heap.hsnap" \
         "trend heap.hsnap heap2.hsnap heap.hsnap" "leaks heap.hsnap heap2.hsnap heap.hsnap" \
         "diff --by new tiny.heapsnapshot sites_tiny.heapsnapshot" "report --base heap.hsnap -o r.html heap2.hsnap" "report -o r.html heap.hsnap"; do
  read -r -a w <<< "$c"
  "$HEAPSNAP" "${w[0]}" --no-index "${w[@]:1}" > a.out 2>&1; ra=$?
  [ -f r.html ] && mv r.html ra.html
  runs=$((runs + 1))
  "$HEAPSNAP" "${w[@]}" > b.out 2>&1; rb=$?
  if [ -f r.html ]; then # the pages' nonces are random
    cmp -s <(sed 's/nonce[-="]*[0-9a-f]*/N/g' ra.html) <(sed 's/nonce[-="]*[0-9a-f]*/N/g' r.html) || echo "DIFF: $c: the pages differ"
    rm -f r.html ra.html
  fi
  if [ $ra != $rb ] || ! cmp -s a.out b.out; then
    diffs=$((diffs + 1)); echo "DIFF: $c: exit $ra/$rb"; diff a.out b.out | head -5
  fi
done
echo "files $files, runs $runs, differences $diffs"
