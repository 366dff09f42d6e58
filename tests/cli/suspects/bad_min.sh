# --min is a percentage.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" suspects --min 101 s.hsnap
