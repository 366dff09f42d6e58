"$MKSNAP" small s.hsnap && "$HEAPSNAP" cycles s.hsnap
