# The referrers of a block as DOT: its chain from the root highlighted, references labeled.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" graph s.hsnap 0x4100 -o out.dot && cat out.dot
