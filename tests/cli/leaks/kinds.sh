# One snapshot: memcheck's leak kinds and loss records by site. A root
# holder (size 0, like a native dump's "[data] app") keeps a list start
# pointer and an interior pointer; an unreachable ring, two dropped leaves
# and a subtree whose root has the highest address are lost.
"$BIN/mkdiff" k.hsnap <<'S'
type [data]
type Node app
type Leaf app
frame make_node app.c 10
frame main app.c 50
frame make_leaf app.c 20
site 0 1
site 2 1
block 0x10 0 0
root 0x10 global app
block 0x1000 32 1 0
ref 0x10 0x1000 -
block 0x1100 32 1 0
ref 0x1000 0x1100 -
block 0x2000 64 2 1
ref 0x10 0x2000 interior
block 0x2100 16 2 1
ref 0x2000 0x2100 -
block 0x3000 48 1 0
block 0x3100 48 1 0
block 0x3200 48 1 0
ref 0x3000 0x3100 -
ref 0x3100 0x3200 -
ref 0x3200 0x3000 -
block 0x4000 24 2 1
block 0x4100 24 2 1
block 0x5000 40 2 1
block 0x5100 40 2 1
block 0x5200 40 1 0
ref 0x5200 0x5000 -
ref 0x5200 0x5100 -
S
"$HEAPSNAP" leaks k.hsnap
echo "--- --all -n 3"
"$HEAPSNAP" leaks --all -n 3 k.hsnap
echo "--- --json --min-bytes 100"
"$HEAPSNAP" leaks --json --min-bytes 100 k.hsnap
