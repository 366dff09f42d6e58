# A snapshot compared with itself: nothing grew, nothing is new.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" diff --noise 0 --json s.hsnap s.hsnap
