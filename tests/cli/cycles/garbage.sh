# A garbage cycle with a finalizer, a live cycle, a garbage self-reference; a weak self-reference is no cycle.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" cycles g.hsnap
