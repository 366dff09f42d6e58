"$BIN/hsgen" dup d.hsnap && "$HEAPSNAP" path d.hsnap 0x1000
