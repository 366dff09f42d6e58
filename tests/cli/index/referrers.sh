# The referrers (the reverse CSR, index sections 35 and 36) are added to an index by the first show
# or path that reads one without them, in the one rewrite that adds the other missing parts; later
# ones map them and rewrite nothing. show's and path --all's answers equal --no-index's, also for
# a block with more referrers than show lists.
set -u
"$BIN/hsgen" heap 120000 d.hsnap 5
cat > sections.py <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
sec = lambda i: struct.unpack_from("<QQQ", b, 64 + 24 * i)
n, m = struct.unpack_from("<QQ", b, sec(0)[0])
off, edge = sec(35)[1], sec(36)[1]
if not off and not edge: print("referrers: absent")
else: print("referrers: in_off %s, in_edge %s" % ("n+1 words" if off == 4 * (n + 1) else off,
                                                   "m words" if edge == 4 * m else edge))
PY
a=$("$HEAPSNAP" top --no-index --json -n 1 d.hsnap | sed -n 's/.*"block": {"addr": "\(0x[0-9a-f]*\)".*/\1/p' | head -1)
"$HEAPSNAP" show --no-index d.hsnap "$a" > want.show
"$HEAPSNAP" path --no-index --all 5 d.hsnap "$a" > want.path
"$HEAPSNAP" top d.hsnap > /dev/null
/usr/bin/python3 sections.py d.hsnap.hsidx
s1=$(stat -c %s d.hsnap.hsidx)
"$HEAPSNAP" show d.hsnap "$a" > got.show && cmp -s want.show got.show && echo "show on top's index: same answer"
/usr/bin/python3 sections.py d.hsnap.hsidx
s2=$(stat -c %s.%i.%Y d.hsnap.hsidx)
[ "${s2%%.*}" -gt "$s1" ] && echo "show rewrote the index once, larger"
"$HEAPSNAP" show d.hsnap "$a" > got.show && cmp -s want.show got.show && echo "show again: same answer"
"$HEAPSNAP" path --all 5 d.hsnap "$a" > got.path && cmp -s want.path got.path && echo "path --all 5: same answer"
[ "$(stat -c %s.%i.%Y d.hsnap.hsidx)" = "$s2" ] && echo "not rewritten by the second show or path"
# path on top's index adds them too
rm d.hsnap.hsidx
"$HEAPSNAP" top d.hsnap > /dev/null
"$HEAPSNAP" path --all 5 d.hsnap "$a" > got.path && cmp -s want.path got.path && echo "path on top's index: same answer"
/usr/bin/python3 sections.py d.hsnap.hsidx
# the block with the most referrers, more than show lists (a V8 snapshot's), read from the index
gzip -dc "$DATA"/v8/node20.heapsnapshot.gz > n.heapsnapshot
"$HEAPSNAP" index n.heapsnapshot > /dev/null
/usr/bin/python3 sections.py n.heapsnapshot.hsidx
many=$(/usr/bin/python3 - n.heapsnapshot.hsidx <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
sec = lambda i: struct.unpack_from("<QQQ", b, 64 + 24 * i)
n, m, base = struct.unpack_from("<QQQ", b, sec(0)[0])
off = struct.unpack_from("<%dI" % (n + 1), b, sec(35)[0])
v = max(range(n), key=lambda v: off[v + 1] - off[v])
o, l, _ = sec(1)
print(struct.unpack_from("<Q", b, o + 8 * v)[0] if l else base + struct.unpack_from("<I", b, sec(2)[0] + 4 * v)[0])
PY
)
for j in "" --json; do
  "$HEAPSNAP" show $j --no-index n.heapsnapshot "$many" > want.many
  "$HEAPSNAP" show $j n.heapsnapshot "$many" > got.many && cmp -s want.many got.many && echo "show${j:+ $j} of the most referred-to block: same answer"
done
grep -q '^  \.\.\. [0-9]* more$' <("$HEAPSNAP" show n.heapsnapshot "$many") && echo "it has more referrers than show lists"
# a flipped byte in the referrers: the index is not trusted, the answer is the dump's
/usr/bin/python3 - d.hsnap.hsidx <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
o, l, _ = struct.unpack_from("<QQQ", b, 64 + 24 * 36)
b[o + l // 2] ^= 0x40
open(sys.argv[1], "wb").write(b)
PY
"$HEAPSNAP" index --check d.hsnap 2>&1 | sed 's/.*hsidx.: //'
"$HEAPSNAP" show d.hsnap "$a" > got.show && cmp -s want.show got.show && echo "show on the flipped index: same answer"
# graph's referrers from the index's reverse CSR draw what a scan of every reference draws
"$HEAPSNAP" index d.hsnap > /dev/null
/usr/bin/python3 sections.py d.hsnap.hsidx
for o in "--depth 3" "--depth 6 --max-nodes 20" "--direction referents --depth 2"; do
  # shellcheck disable=SC2086
  "$HEAPSNAP" graph --no-index $o -o want.dot d.hsnap "$a" && "$HEAPSNAP" graph $o -o got.dot d.hsnap "$a" &&
    cmp -s want.dot got.dot && echo "graph $o: same drawing ($(grep -c -- '->' got.dot) references)"
done
