# Issue 19 #6: header times outside the int64 range were accepted and shown
# as -1 or 0. The reader rejects them, naming the value; every command says
# so in one line and exits 1. The extremes inside the range still read.
"$MKHOSTILE" time_big big.hsnap
"$MKHOSTILE" time_small small.hsnap
for cmd in info summary; do
  expect 1 "heapsnap: 'big.hsnap': header time 9223372036854775808 is outside the signed 64-bit range in record 0 (header)*" \
    "$HEAPSNAP" $cmd big.hsnap
  expect 1 "heapsnap: 'small.hsnap': header time -9223372036854775809 is outside the signed 64-bit range in record 0 (header)*" \
    "$HEAPSNAP" $cmd small.hsnap
done
"$MKHOSTILE" snap max.hsnap 9223372036854775807 T 16
"$MKHOSTILE" snap min.hsnap -9223372036854775808 T 16
expect 0 "" "$HEAPSNAP" info --json max.hsnap
check "max time kept" grep -q '"time_us": *9223372036854775807' out.txt
expect 0 "" "$HEAPSNAP" info --json min.hsnap
check "min time kept" grep -q '"time_us": *-9223372036854775808' out.txt
