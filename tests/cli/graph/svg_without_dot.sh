# .svg needs Graphviz's dot: without it on PATH, exit 1 saying how to get it.
"$MKSNAP" small s.hsnap && PATH=/nonexistent "$HEAPSNAP" graph s.hsnap 0x4100 -o out.svg
