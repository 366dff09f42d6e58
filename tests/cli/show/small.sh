"$MKSNAP" small s.hsnap && "$HEAPSNAP" show s.hsnap 0x4300 && "$HEAPSNAP" show s.hsnap 0x1000
