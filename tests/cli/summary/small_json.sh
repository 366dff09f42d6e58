"$MKSNAP" small s.hsnap && "$HEAPSNAP" summary --json -n 3 s.hsnap
