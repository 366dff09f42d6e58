# summary and dominators write an index without the named search (top's names and rows: a third of
# top's time, which they do not need); the first top reads it, searches, and rewrites it whole; later
# tops answer from it. Every answer equals --no-index's.
set -u
"$BIN/hsgen" heap 120000 d.hsnap 5
"$HEAPSNAP" top --no-index d.hsnap > want.top
"$HEAPSNAP" summary --no-index d.hsnap > want.summary
"$HEAPSNAP" summary d.hsnap > got.summary && cmp -s want.summary got.summary && echo "summary: same answer"
s1=$(stat -c %s d.hsnap.hsidx)
"$HEAPSNAP" top d.hsnap > got.top && cmp -s want.top got.top && echo "top on the partial index: same answer"
s2=$(stat -c %s d.hsnap.hsidx)
[ "$s2" -gt "$s1" ] && echo "top added its search to the index"
"$HEAPSNAP" top d.hsnap > got.top && cmp -s want.top got.top && echo "top again: same answer"
[ "$(stat -c %s d.hsnap.hsidx)" = "$s2" ] && echo "not rewritten again"
"$HEAPSNAP" summary d.hsnap > got.summary && cmp -s want.summary got.summary && echo "summary on the whole index: same answer"
rm d.hsnap.hsidx
"$HEAPSNAP" dominators d.hsnap > /dev/null
"$HEAPSNAP" index d.hsnap | sed 's/(.*//'
"$HEAPSNAP" top d.hsnap > got.top && cmp -s want.top got.top && echo "top after index: same answer"
