# The default report (all four views) and the new-objects view: an object
# at a reused address with the same type but another retainer path is new;
# one that stayed on its path is not.
common='type dict builtins
type Thing app
root 0x100 global m
block 0x100 200 0
ref 0x100 0x200 keep
block 0x200 40 1'
{ echo "$common"; echo "ref 0x100 0x300 gone"; echo "block 0x300 40 1"; } | "$BIN/mkdiff" b.hsnap
{ echo "$common"; echo "ref 0x100 0x300 fresh"; echo "block 0x300 40 1"; echo "many 3 0x1000 0x40 48 1 0x200 item"; } | "$BIN/mkdiff" a.hsnap
"$HEAPSNAP" diff --noise 0 b.hsnap a.hsnap
"$HEAPSNAP" diff --by new --noise 0 --json b.hsnap a.hsnap
