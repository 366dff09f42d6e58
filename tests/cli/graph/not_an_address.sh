# Text that is not an address is a usage error.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" graph s.hsnap nowhere -o out.dot
