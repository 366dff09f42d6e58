"$HEAPSNAP" info no-such.hsnap
