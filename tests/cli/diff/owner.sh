# A cache grows by 500 entries (an unlabeled str key and a bytes value each):
# the owner view names the cache, with the exact entries and bytes.
base='type module builtins
type dict builtins
type str builtins
type bytes builtins
root 0x1000 global app
block 0x1000 72 0
ref 0x1000 0x2000 __dict__
block 0x2000 1000 1
ref 0x2000 0x3000 cache
ref 0x2000 0x3100 config
block 0x3000 2000 1
block 0x3100 500 1'
{ echo "$base"; echo "many 3 0x10000 0x100 1000 3 0x3000 -"; echo "many 3 0x20000 0x100 50 2 0x3000 -"; } | "$BIN/mkdiff" b.hsnap
# AFTER: everything moved to other addresses; the config dict grew by 100 bytes
{ echo "$base" | sed -e 's/0x3100 500/0x3100 600/' -e 's/0x\([123]\)\([01]\)00/0x9\1\200/g'
  echo "many 503 0x100000 0x100 1000 3 0x93000 -"; echo "many 503 0x200000 0x100 50 2 0x93000 -"; } | "$BIN/mkdiff" a.hsnap
"$HEAPSNAP" diff --by owner --noise 0 b.hsnap a.hsnap
echo "--- noise 1k"
"$HEAPSNAP" diff --by owner --noise 1k b.hsnap a.hsnap | tail -n +4
echo "--- noise above the growth"
"$HEAPSNAP" diff --by owner --noise 600k b.hsnap a.hsnap | tail -n +4
