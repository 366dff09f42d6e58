# import without -o is a usage error (exit 2); a missing input is bad input (exit 1).
"$HEAPSNAP" import "$DATA/v8/tiny.heapsnapshot" 2>/dev/null; a=$?
"$HEAPSNAP" import no-such.heapsnapshot -o x.hsnap 2>/dev/null; b=$?
echo "$a $b"
