# Issue 19 #12: dominators output grew with the square of --depth (a
# 3,000-block chain at --depth 3000 printed 9 MB; an 11 KB file, 10 GB):
# each level indented two more spaces. Indentation is capped and long
# single-child chains are cut with a line saying how many levels were cut,
# so output is bounded by the rows shown.
"$HSGEN" chain 3000 ch.hsnap
expect 0 "" "$HEAPSNAP" dominators --min-bytes 0 --depth 3000 ch.hsnap
bytes=$(wc -c <out.txt)
check "text output bounded ($bytes bytes)" test "$bytes" -lt 65536
check "text says what was cut" grep -Eq '[0-9,]+ levels? cut' out.txt
check "the chain's end is shown" grep -q 'app.Node 0xcb70' out.txt
expect 0 "" "$HEAPSNAP" dominators --json --depth 3000 ch.hsnap
bytes=$(wc -c <out.txt)
check "json output bounded ($bytes bytes)" test "$bytes" -lt 262144
check "json says what was cut" grep -q '"cut"' out.txt
"$HSGEN" chain 1000000 big.hsnap
expect 0 "" "$HEAPSNAP" dominators --depth 1000000 big.hsnap
bytes=$(wc -c <out.txt)
check "a million levels: still bounded ($bytes bytes)" test "$bytes" -lt 65536
