# Control characters from a dump never reach the terminal raw.
"$MKSNAP" hostile h.hsnap && "$HEAPSNAP" info h.hsnap | grep runtime
