"$MKSNAP" small s.hsnap && "$HEAPSNAP" path --json --all 2 s.hsnap 0x4000
