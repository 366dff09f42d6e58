# Who writes an index: a command that computes the dominator tree, for dumps of at least
# HEAPSNAP_INDEX_MIN_BLOCKS blocks (100,000 by default); `heapsnap index` whatever the size;
# never show or path, --no-index, HEAPSNAP_INDEX=0, or standard input.
set -u
"$MKSNAP" small s.hsnap
"$HEAPSNAP" top s.hsnap > /dev/null; [ -e s.hsnap.hsidx ] || echo "small dump: no index"
HEAPSNAP_INDEX_MIN_BLOCKS=1 "$HEAPSNAP" show s.hsnap 0x2000 > /dev/null; [ -e s.hsnap.hsidx ] || echo "show: no index"
HEAPSNAP_INDEX_MIN_BLOCKS=1 "$HEAPSNAP" top --no-index s.hsnap > /dev/null; [ -e s.hsnap.hsidx ] || echo "--no-index: no index"
HEAPSNAP_INDEX_MIN_BLOCKS=1 HEAPSNAP_INDEX=0 "$HEAPSNAP" top s.hsnap > /dev/null; [ -e s.hsnap.hsidx ] || echo "HEAPSNAP_INDEX=0: no index"
HEAPSNAP_INDEX_MIN_BLOCKS=1 "$HEAPSNAP" top - < s.hsnap > /dev/null; [ -e s.hsnap.hsidx ] || echo "stdin: no index"
HEAPSNAP_INDEX_MIN_BLOCKS=1 "$HEAPSNAP" summary s.hsnap > /dev/null; [ -e s.hsnap.hsidx ] && echo "HEAPSNAP_INDEX_MIN_BLOCKS=1: summary wrote one"
rm s.hsnap.hsidx
"$HEAPSNAP" index s.hsnap | sed 's/(.*//'
HEAPSNAP_INDEX=0 "$HEAPSNAP" index --check s.hsnap 2>&1; echo "exit $?"
"$HEAPSNAP" index - 2>&1; echo "exit $?"
"$HEAPSNAP" index nothere.hsnap 2>&1; echo "exit $?"
printf "garbage" > bad.hsnap; "$HEAPSNAP" index bad.hsnap 2>&1; echo "exit $?"
[ -e bad.hsnap.hsidx ] || echo "bad dump: no index"
"$HEAPSNAP" index --check "$MKSNAP" 2>&1 | sed "s#'[^']*/mksnap#'MKSNAP#g"; echo "exit ${PIPESTATUS[0]}"
