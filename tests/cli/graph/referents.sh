# What a block holds, two levels down, to stdout; weak references dashed.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" graph --direction referents --depth 2 s.hsnap 0x1000 -o -
