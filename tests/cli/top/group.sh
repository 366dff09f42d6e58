# Alike accumulation points are one row with a count (hsgen's registry-shaped heap), as JSON.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" top --json -n 3 g.hsnap
