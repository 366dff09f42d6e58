# A stale or corrupt index is never trusted: each damaged index below is ignored (the answer is the
# one --no-index gives) and rebuilt by the same command (`heapsnap index --check` then passes).
set -u
"$BIN/hsgen" heap 120000 d.hsnap 5
"$HEAPSNAP" top --no-index d.hsnap > want
check() { # what was done to the index
  "$HEAPSNAP" top d.hsnap > got || echo "$1: top failed"
  cmp -s want got && echo "$1: answer right" || echo "$1: WRONG ANSWER"
  "$HEAPSNAP" index --check d.hsnap > /dev/null && echo "$1: index valid again"
}
"$HEAPSNAP" index d.hsnap | sed 's/(.*//'
"$HEAPSNAP" index --check d.hsnap | sed 's/(.*//'
size=$(stat -c %s d.hsnap.hsidx)
# one byte flipped in the middle of the sections, in the header, and in the first section
for at in middle:$((size / 2)) header:100 scalars:4100; do
  printf '\x5a' | dd of=d.hsnap.hsidx bs=1 seek=${at#*:} conv=notrunc status=none
  "$HEAPSNAP" index --check d.hsnap 2>&1 | sed 's/: .*hsidx.: /: /; s/section [0-9]*/section N/'
  check "a byte of the ${at%:*} flipped"
done
truncate -s $((size / 3)) d.hsnap.hsidx;   check "truncated to a third"
truncate -s 10 d.hsnap.hsidx;              check "truncated to 10 bytes"
: > d.hsnap.hsidx;                         check "emptied"
printf '\x07' | dd of=d.hsnap.hsidx bs=1 seek=8 conv=notrunc status=none
"$HEAPSNAP" index --check d.hsnap 2>&1 | sed 's/: .*hsidx.: /: /; s/.*hsidx. is/is/'
check "another index version"
cp want want.copy; rm d.hsnap.hsidx; ln -s want d.hsnap.hsidx; check "a symlink"
[ -L d.hsnap.hsidx ] && echo "symlink still there" || echo "symlink replaced, not followed"
cmp -s want want.copy && echo "its target untouched"
# the dump changes (another heap at the same path): the old index is stale
"$HEAPSNAP" index d.hsnap > /dev/null
"$BIN/hsgen" heap 120000 d.hsnap 6
"$HEAPSNAP" top --no-index d.hsnap > want
"$HEAPSNAP" index --check d.hsnap 2>&1 | sed 's/.*hsidx. is/is/'
check "the dump replaced"
touch d.hsnap; check "the dump touched"
