# A truncated BEFORE: exit 1, one line naming it and where it ends.
"$MKSNAP" small s.hsnap
head -c 150 s.hsnap > cut.hsnap
"$HEAPSNAP" diff --by type cut.hsnap s.hsnap
