"$MKSNAP" small s.hsnap && "$HEAPSNAP" top --json -n 2 s.hsnap
