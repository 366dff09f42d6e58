"$MKSNAP" small s.hsnap && "$HEAPSNAP" info s.hsnap
