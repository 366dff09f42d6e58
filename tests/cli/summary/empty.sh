"$MKSNAP" empty e.hsnap && "$HEAPSNAP" summary e.hsnap && "$HEAPSNAP" summary --json e.hsnap
