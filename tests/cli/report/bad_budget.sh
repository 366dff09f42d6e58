# The node budget is bounded.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report --budget 1 -o r.html s.hsnap
