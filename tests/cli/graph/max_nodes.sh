# --max-nodes caps the blocks shown and says how many were left out.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" graph --direction referents --max-nodes 3 s.hsnap 0x1000 -o - | grep -E '^  (n[0-9]+ \[|more)' | sed 's/ \[label="\([^\\]*\).*/ \1/'
