# References to addresses not in the snapshot are listed with the block.
"$BIN/hsgen" dangling x.hsnap && "$HEAPSNAP" show x.hsnap 0x1000 && "$HEAPSNAP" show --json x.hsnap 0x1000
