# A later command reads no byte of the dump: once the index is built, the dump is overwritten in
# place with zeros (same inode and size) and its modification time put back, so its key still
# matches; top, summary, dominators, show and path still answer, as before, from the index alone.
# (Without the index the zeroed file is bad input: shown last.)
set -u
"$BIN/hsgen" heap 120000 d.hsnap 5
"$HEAPSNAP" top d.hsnap > top.before           # the first analysis writes d.hsnap.hsidx
[ -f d.hsnap.hsidx ] && echo "index written beside the dump"
addr=$("$HEAPSNAP" top --json -n 1 d.hsnap | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["top"][0]["block"]["addr"])')
for c in summary dominators; do "$HEAPSNAP" $c d.hsnap > $c.before; done
"$HEAPSNAP" show d.hsnap "$addr" > show.before
"$HEAPSNAP" path d.hsnap "$addr" > path.before
mtime=$(stat -c %.9Y d.hsnap)
size=$(stat -c %s d.hsnap)
dd if=/dev/zero of=d.hsnap bs=65536 count=$(( (size + 65535) / 65536 )) conv=notrunc status=none
truncate -s "$size" d.hsnap
touch -m -d "@$mtime" d.hsnap
cmp -s d.hsnap /dev/zero 2>/dev/null; [ "$(tr -d '\0' < d.hsnap | wc -c)" = 0 ] && echo "dump zeroed, key kept"
for c in top summary dominators; do
  "$HEAPSNAP" $c d.hsnap > $c.after && cmp -s $c.before $c.after && echo "$c: same answer, dump not read"
done
"$HEAPSNAP" show d.hsnap "$addr" > show.after && cmp -s show.before show.after && echo "show: same answer, dump not read"
"$HEAPSNAP" path d.hsnap "$addr" > path.after && cmp -s path.before path.after && echo "path: same answer, dump not read"
"$HEAPSNAP" top --no-index d.hsnap 2>&1 >/dev/null; echo "exit $?"
