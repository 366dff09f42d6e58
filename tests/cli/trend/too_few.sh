# Fewer than three snapshots is a usage error: exit 2, nothing on stdout.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" trend s.hsnap s.hsnap 2>/dev/null; a=$?
"$HEAPSNAP" trend s.hsnap 2>/dev/null; b=$?
"$HEAPSNAP" trend --bogus s.hsnap s.hsnap s.hsnap 2>/dev/null; c=$?
echo "$a $b $c"
"$HEAPSNAP" trend s.hsnap s.hsnap
