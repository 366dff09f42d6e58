# Types and allocation sites (by line, file, traceback), text and JSON; a
# site view needs sites in both snapshots.
common='type list builtins
type Thing app
frame load app/models.py 42
frame main main.py 7
frame other app/views.py 9
site 0 1
site 2 1
root 0x100 global reg
block 0x100 100 0'
{ echo "$common"; echo "many 2 0x1000 0x40 64 1 0x100 @ 0"; echo "many 1 0x2000 0x40 32 1 0x100 x 1"; } | "$BIN/mkdiff" b.hsnap
{ echo "$common"; echo "many 12 0x1000 0x40 64 1 0x100 @ 0"; echo "many 4 0x2000 0x40 32 1 0x100 x 1"; } | "$BIN/mkdiff" a.hsnap
{ echo "$common"; echo "many 3 0x1000 0x40 64 1 0x100 @"; } | "$BIN/mkdiff" nosites.hsnap
"$HEAPSNAP" diff --by type --noise 0 b.hsnap a.hsnap
"$HEAPSNAP" diff --by site --noise 0 b.hsnap a.hsnap | tail -n +3
"$HEAPSNAP" diff --by site --group-by file --noise 0 -n 1 b.hsnap a.hsnap | tail -n +3
"$HEAPSNAP" diff --by site --group-by traceback --noise 0 --json b.hsnap a.hsnap
"$HEAPSNAP" diff --by site --noise 0 nosites.hsnap a.hsnap | tail -n +3
