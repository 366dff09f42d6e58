# References and roots naming addresses not in the snapshot are counted, in text and JSON.
"$BIN/hsgen" dangling x.hsnap && "$HEAPSNAP" top x.hsnap && "$HEAPSNAP" top --json -n 1 x.hsnap
