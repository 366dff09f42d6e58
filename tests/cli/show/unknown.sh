"$MKSNAP" small s.hsnap && "$HEAPSNAP" show s.hsnap 99
