# Usage errors exit 2 with nothing on stdout.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" diff --by color s.hsnap s.hsnap 2>/dev/null; a=$?
"$HEAPSNAP" diff --group-by week s.hsnap s.hsnap 2>/dev/null; b=$?
"$HEAPSNAP" diff s.hsnap 2>/dev/null; c=$?
"$HEAPSNAP" leaks s.hsnap s.hsnap 2>/dev/null; d=$?
"$HEAPSNAP" leaks --noise x s.hsnap s.hsnap s.hsnap 2>/dev/null; e=$?
echo "$a $b $c $d $e"
