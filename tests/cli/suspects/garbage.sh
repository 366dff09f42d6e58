# Garbage is named from where its search starts, a block of the program's own type.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" suspects --min 0 -n 3 g.hsnap
