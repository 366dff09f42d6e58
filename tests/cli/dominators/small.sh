"$MKSNAP" small s.hsnap && "$HEAPSNAP" dominators --min-bytes 0 s.hsnap
