# With --base, each suspect's growth since the base (the same heap: +0 B), as JSON too.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" suspects --base s.hsnap -n 2 s.hsnap && "$HEAPSNAP" suspects --json --base s.hsnap -n 1 s.hsnap
