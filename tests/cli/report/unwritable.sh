# An output that cannot be written: exit 1, one line.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report -o no/such/dir/r.html s.hsnap
