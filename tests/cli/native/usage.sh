# `heapsnap native` usage errors exit 2 with the usage on stderr; a preload
# library that does not exist, or a program that cannot be found, is named.
"$HEAPSNAP" native -o x.hsnap; echo "no program: $?"
"$HEAPSNAP" native -- /bin/true; echo "no output: $?"
"$HEAPSNAP" native -o x.hsnap --frames 65 -- /bin/true; echo "frames: $?"
"$HEAPSNAP" native -o x.hsnap --preload ./nope.so -- /bin/true; echo "no library: $?"
"$HEAPSNAP" native -o x.hsnap --preload /dev/null -- ./no-such-program; echo "no such program: $?"
test ! -e x.hsnap && echo "no file written"
