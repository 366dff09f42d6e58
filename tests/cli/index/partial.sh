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
# top writes no root search (show's and path's, a tenth of the index) and no per-type bytes; the
# first show adds them, with the dominator children, in one rewrite, and answers the same
rm d.hsnap.hsidx
a=$("$HEAPSNAP" top --no-index --json -n 1 d.hsnap | sed -n 's/.*"block": {"addr": "\(0x[0-9a-f]*\)".*/\1/p' | head -1)
"$HEAPSNAP" show --no-index d.hsnap "$a" > want.show
"$HEAPSNAP" path --no-index d.hsnap "$a" > want.path
"$HEAPSNAP" top d.hsnap > got.top && cmp -s want.top got.top && echo "top: same answer"
s3=$(stat -c %s d.hsnap.hsidx)
"$HEAPSNAP" show d.hsnap "$a" > got.show && cmp -s want.show got.show && echo "show on top's index: same answer"
s4=$(stat -c %s d.hsnap.hsidx) i4=$(stat -c %i d.hsnap.hsidx)
[ "$s4" -gt "$s3" ] && echo "show added the root search"
"$HEAPSNAP" summary d.hsnap > got.summary && cmp -s want.summary got.summary && echo "summary: same answer"
"$HEAPSNAP" path d.hsnap "$a" > got.path && cmp -s want.path got.path && echo "path: same answer"
[ "$(stat -c %s.%i d.hsnap.hsidx)" = "$s4.$i4" ] && echo "not rewritten by summary or path"
