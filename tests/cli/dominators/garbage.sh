# The unreachable group has its own tree, marked.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" dominators --min-bytes 0 g.hsnap
