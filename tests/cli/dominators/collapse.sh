# Children below --min-bytes fold into one line; --depth limits the levels.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" dominators --min-bytes 500 --depth 2 s.hsnap
