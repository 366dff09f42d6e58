"$MKSNAP" small s.hsnap && "$HEAPSNAP" path s.hsnap 0x4001
