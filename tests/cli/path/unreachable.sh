"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" path g.hsnap 0x500
