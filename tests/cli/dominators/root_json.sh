"$MKSNAP" small s.hsnap && "$HEAPSNAP" dominators --json --root 0x1000 --depth 2 --min-bytes 100 s.hsnap
