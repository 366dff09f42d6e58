# --raw (every block, no folding): References and roots naming addresses not in the snapshot are counted, in text and JSON.
"$BIN/hsgen" dangling x.hsnap && "$HEAPSNAP" top --raw x.hsnap && "$HEAPSNAP" top --raw --json -n 1 x.hsnap
