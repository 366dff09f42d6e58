# The largest retainers of the small heap, each with its path from a root.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" top -n 4 s.hsnap
