# A version 1.0 file written by an early heapsnap stays readable, with the same answers.
"$HEAPSNAP" info "$DATA/good/v1_0_small.hsnap" | sed 1d && "$HEAPSNAP" summary "$DATA/good/v1_0_small.hsnap"
