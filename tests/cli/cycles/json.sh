"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" cycles --json g.hsnap
