# An address with no block is bad input: exit 1, one line; nothing is written.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" graph s.hsnap 0x999 -o out.dot; rc=$?; ls out.dot* 2>/dev/null; exit $rc
