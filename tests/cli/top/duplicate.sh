# A block address declared twice is bad input: exit 1, one line naming the address.
"$BIN/hsgen" dup d.hsnap && "$HEAPSNAP" top d.hsnap
