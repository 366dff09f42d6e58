"$MKSNAP" small s.hsnap && "$HEAPSNAP" summary s.hsnap
