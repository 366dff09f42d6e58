# ADDR in decimal; one path by default.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" path s.hsnap 16384
