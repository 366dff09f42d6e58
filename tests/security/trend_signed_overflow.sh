# Issue 19 #5: trend subtracted header times as int64; two valid times far
# apart (the int64 extremes) overflowed (UBSan stopped the command; release
# builds printed nonsense). The span is computed without overflow.
"$MKHOSTILE" snap a.hsnap -9223372036854775808 Cache 100000
"$MKHOSTILE" snap b.hsnap -1 Cache 200000
"$MKHOSTILE" snap c.hsnap 9223372036854775807 Cache 300000
expect 0 "" "$HEAPSNAP" trend --json a.hsnap b.hsnap c.hsnap
check "seconds: the whole span, 2^64-1 us" grep -q '"seconds": 18446744073709\.5' out.txt
expect 0 "" "$HEAPSNAP" trend a.hsnap b.hsnap c.hsnap
check "text: over 18446744073709.6 s" grep -q 'over 18446744073709.6 s' out.txt
# sizes at the top of the range: growth of 2^63 and more is still growth
# (trend's figures are int64, capped at 2^63 - 1 = 8 EiB: docs/cli.md#trend)
"$MKHOSTILE" snap d.hsnap 1 Big 0
"$MKHOSTILE" snap e.hsnap 2 Big 9223372036854775808
"$MKHOSTILE" snap f.hsnap 3 Big 18446744073709551615
expect 0 "" "$HEAPSNAP" trend --json d.hsnap e.hsnap f.hsnap
check "huge growth reported as growth, capped" grep -q '"growth": 9223372036854775807,' out.txt
check "no negative figure" not grep -q -- '-[0-9]' out.txt
# and the other way: shrinking by more than 2^63 is no growth
expect 0 "" "$HEAPSNAP" trend --json f.hsnap e.hsnap d.hsnap
check "nothing grew" grep -q '"owners": \[\]' out.txt
