"$MKSNAP" small s.hsnap && "$HEAPSNAP" info --json s.hsnap
