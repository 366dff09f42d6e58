# -o is required.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report s.hsnap
