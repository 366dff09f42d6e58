"$MKSNAP" small s.hsnap && "$HEAPSNAP" top --raw --json -n 2 s.hsnap
