"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" cycles -n 1 g.hsnap && "$HEAPSNAP" cycles --min-bytes 100 g.hsnap
