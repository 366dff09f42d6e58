# --raw (every block, no folding): Unreachable owners are listed and marked.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" top --raw g.hsnap
