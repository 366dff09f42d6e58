# Names from the dump are DOT-escaped: quotes and backslashes, control characters as \x.
"$MKSNAP" hostile h.hsnap && "$HEAPSNAP" graph h.hsnap 0x20 -o -
