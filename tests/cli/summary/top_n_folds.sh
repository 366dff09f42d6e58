"$MKSNAP" types 40 t.hsnap && "$HEAPSNAP" summary -n 5 --sort count t.hsnap
