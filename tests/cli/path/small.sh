# Two distinct paths: through the list (shortest) and through the dict.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" path --all 5 s.hsnap 0x4000
