# Two snapshots are neither form of `heapsnap leaks`: a usage error.
"$BIN/mkdiff" a.hsnap </dev/null
"$HEAPSNAP" leaks a.hsnap a.hsnap
