"$MKSNAP" small s.hsnap && "$HEAPSNAP" show --json s.hsnap 0x2000
