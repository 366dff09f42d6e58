# An index with right checksums and wrong contents (forged: each change below, then every checksum
# recomputed, XXH64 in Python) is refused by the bounds checks, or, where the contents are in bounds
# but make no sense (a search tree with a cycle, referrers out of order), answered without a crash or a
# hang; a refused one is rebuilt and the answer is the dump's own. Layout: docs/analyzer.md#index.
set -u
"$MKSNAP" random 7 3000 d.hsnap
"$HEAPSNAP" index d.hsnap > /dev/null
cp d.hsnap.hsidx good.hsidx
"$HEAPSNAP" top --no-index d.hsnap > want.top
addr=$("$HEAPSNAP" top --no-index --json -n 1 d.hsnap | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["top"][0]["block"]["addr"])')
"$HEAPSNAP" path --no-index d.hsnap "$addr" > want.path
"$HEAPSNAP" cycles --no-index --all d.hsnap > want.cycles
cat > forge.py <<'PY'
import struct, sys
M = (1 << 64) - 1
P1, P2, P3, P4, P5 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63, 0x27D4EB2F165667C5
rotl = lambda x, r: ((x << r) | (x >> (64 - r))) & M
def rnd(acc, v): return (rotl((acc + v * P2) & M, 31) * P1) & M
def xxh64(d, seed):
    n, i = len(d), 0
    if n >= 32:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 32 <= n:
            for k in range(4): v[k] = rnd(v[k], struct.unpack_from("<Q", d, i + 8 * k)[0])
            i += 32
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
        for k in range(4): h = ((h ^ rnd(0, v[k])) * P1 + P4) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 8 <= n:
        h = (rotl(h ^ rnd(0, struct.unpack_from("<Q", d, i)[0]), 27) * P1 + P4) & M; i += 8
    if i + 4 <= n:
        h = (rotl(h ^ (struct.unpack_from("<I", d, i)[0] * P1 & M), 23) * P2 + P3) & M; i += 4
    while i < n:
        h = (rotl(h ^ (d[i] * P5 & M), 11) * P1) & M; i += 1
    h ^= h >> 33; h = h * P2 & M; h ^= h >> 29; h = h * P3 & M; h ^= h >> 32
    return h
SEED, NSEC, SEC0 = 0x6873696478, 37, 64
ids = dict(scalars=0, size=3, type=4, out_off=6, out_to=7, roots=12, idom=15, ukids=18, bfs_via=19,
           named_via=21, points=23, names=25, dom_off=26, dom_kids=27,
           cyc_head=28, cyc_list=29, cyc_groups=30, cyc_comp=31, in_off=35, in_edge=36)
b = bytearray(open(sys.argv[1], "rb").read())
sec = lambda i: struct.unpack_from("<QQQ", b, SEC0 + 24 * i)
what, at, fmt, val = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
if what == "header":
    struct.pack_into("<" + fmt, b, at, int(val, 0))
else:
    off, ln, _ = sec(ids[what])
    if not ln: sys.exit("no section " + what)
    if val == "self-loop":   # the via of top's first block := its own first reference (a cycle of length 1)
        v = struct.unpack_from("<I", b, sec(23)[0])[0]
        struct.pack_into("<I", b, off + 4 * v, struct.unpack_from("<I", b, sec(6)[0] + 4 * v)[0])
    else:
        struct.pack_into("<" + fmt, b, off + at, int(val, 0))
for i in range(NSEC):
    off, ln, _ = sec(i)
    if ln and off + ln <= len(b): struct.pack_into("<Q", b, SEC0 + 24 * i + 16, xxh64(bytes(b[off:off + ln]), SEED + i))
struct.pack_into("<Q", b, SEC0 + 24 * NSEC, xxh64(bytes(b[:SEC0 + 24 * NSEC]), SEED))
open(sys.argv[1], "wb").write(b)
PY
cp good.hsidx resealed.hsidx; /usr/bin/python3 forge.py resealed.hsidx scalars 0 Q 3000
cmp -s good.hsidx resealed.hsidx && echo "resealing an unchanged index changes no byte"
try() { # label, forge arguments
  label=$1; shift
  cp good.hsidx d.hsnap.hsidx
  /usr/bin/python3 forge.py d.hsnap.hsidx "$@" || return
  why=$("$HEAPSNAP" index --check d.hsnap 2>&1 | sed "s/.*hsidx': //")
  "$HEAPSNAP" top d.hsnap > got.top 2> err; rt=$?
  cp good.hsidx d.hsnap.hsidx; /usr/bin/python3 forge.py d.hsnap.hsidx "$@"
  "$HEAPSNAP" path d.hsnap "$addr" > got.path 2>> err; rp=$?
  cp good.hsidx d.hsnap.hsidx; /usr/bin/python3 forge.py d.hsnap.hsidx "$@"
  "$HEAPSNAP" cycles --all d.hsnap > got.cycles 2>> err; rc=$?
  if cmp -s want.top got.top && cmp -s want.path got.path && cmp -s want.cycles got.cycles; then a="same answers"
  else a="answers differ"; fi
  echo "$label: $why; exit $rt/$rp/$rc, $a"
  if [ -s err ]; then head -2 err; fi
}
try "a reference to block 2^32-16"  out_to 0 I 0xfffffff0
try "offsets going back"            out_off 4 I 0xffffffff
try "a dominator past the end"      idom 0 I 0x7fffffff
try "a type past the table"         type 0 I 0x0fffffff
try "a root at block 2^32-1"        roots 0 I 0xffffffff
try "a via past the references"     bfs_via 20 I 0x7ffffff0
try "a named via past them"         named_via 20 I 0x7ffffff0
try "an unreachable child past n"   ukids 0 I 0xfffffff0
try "a row's block past n"          points 0 I 0xfffffff0
try "a dominator child past n"      dom_kids 0 I 0xfffffff0
try "dominator children unsorted"   dom_off 8 I 0x00ffffff
try "3 billion blocks"              scalars 0 Q 3000000000
try "one block fewer"               scalars 0 Q 2999
try "names that are no .hsnap"      names 20 Q 0x4141414141414141
try "a section past the file"       header $((64 + 24 * 7)) Q 0x7fffffff0000
try "a section of odd length"       header $((64 + 24 * 3 + 8)) Q 11
try "no retained bytes"             header $((64 + 24 * 16 + 8)) Q 0
try "a cycle in the BFS tree"       bfs_via 0 I self-loop
try "a cycle in the named tree"     named_via 0 I self-loop
try "a cycle id past the list"      cyc_comp 0 I 0xfffffff0
try "a cycle of 2^32-1 members"     cyc_list 0 I 0xffffffff
try "a cycle's example not its own" cyc_list 4 I 0
try "cycle groups overlapping"      cyc_groups 4 I 0xffffffff
try "2^32-1 cycles"                 cyc_head 0 Q 0xffffffff
try "a referrers section alone"    header $((64 + 24 * 35 + 8)) Q 0
try "a referrer past the references" in_edge 0 I 0xfffffff0
try "referrer offsets going back"   in_off 4 I 0xffffffff
try "the last referrer offset 0"   in_off 12000 I 0
try "a block's referrers unsorted"  in_edge 4 I 0
