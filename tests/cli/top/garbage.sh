# Unreachable owners are listed and marked.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" top g.hsnap
