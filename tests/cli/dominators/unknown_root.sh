"$MKSNAP" small s.hsnap && "$HEAPSNAP" dominators --root 0x1234 s.hsnap
