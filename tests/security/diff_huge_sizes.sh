# Issue 19 #7: diff printed "0 B -> 16.0 EiB (-1 B)" and dropped a type that
# grew, when sizes reached 2^63: differences of unsigned totals were cast to
# int64. They are a sign and a magnitude now.
"$MKHOSTILE" snap before.hsnap 1700000000000000 Big 0
"$MKHOSTILE" snap after.hsnap 1700000001000000 Big 18446744073709551615
"$MKHOSTILE" snap half.hsnap 1700000001000000 Big 9223372036854775808
expect 0 "" "$HEAPSNAP" diff before.hsnap after.hsnap
check "total grew by 16.0 EiB" grep -q 'reachable 0 B -> 16.0 EiB (+16.0 EiB)' out.txt
check "the type that grew is listed" grep -Eq '\+16\.0 EiB +16\.0 EiB .*Big' out.txt
expect 0 "" "$HEAPSNAP" diff after.hsnap before.hsnap
check "and shrank by 16.0 EiB" grep -q 'reachable 16.0 EiB -> 0 B (-16.0 EiB)' out.txt
expect 0 "" "$HEAPSNAP" diff before.hsnap half.hsnap
check "2^63 exactly" grep -q 'reachable 0 B -> 8.00 EiB (+8.00 EiB)' out.txt
expect 0 "" "$HEAPSNAP" diff --json before.hsnap after.hsnap
check "json: growth as an unsigned magnitude with a sign" grep -q '18446744073709551615' out.txt
check "json: no negative growth" sh -c '! grep -q "\"growth\": -" out.txt'
