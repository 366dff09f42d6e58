"$MKSNAP" hostile h.hsnap && "$HEAPSNAP" summary h.hsnap && "$HEAPSNAP" summary --json h.hsnap
