# --fold 100 folds only whole chains (the module stays a row); --fold 101 is a usage error.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" top --fold 100 -n 3 s.hsnap && "$HEAPSNAP" top --fold 101 s.hsnap
