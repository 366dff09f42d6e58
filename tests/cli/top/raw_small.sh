# --raw (every block, no folding): The largest retainers of the small heap, each with its path from a root.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" top --raw -n 4 s.hsnap
