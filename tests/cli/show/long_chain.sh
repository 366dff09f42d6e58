# A path longer than 8 steps is shortened on its one line.
"$BIN/hsgen" chain 30 c.hsnap && "$HEAPSNAP" show c.hsnap 0x11d0 | grep "^path"
