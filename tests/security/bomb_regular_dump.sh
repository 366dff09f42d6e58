# Issue 19 #10: the decompression-bomb limit refused `hsgen chain 10000000`,
# an 11 KB dump of a real, highly regular heap. Memory is now bounded by what
# the decoded records keep, so it opens by default; bytes that decode to
# nothing are still held to 250 times the compressed size.
"$HSGEN" chain 10000000 chain.hsnap
size=$(stat -c %s chain.hsnap)
check "chain dump is small ($size bytes)" test "$size" -lt 65536
expect 0 "" "$HEAPSNAP" info chain.hsnap
check "chain: 10,000,000 blocks" grep -q '^blocks *10,000,000' out.txt
check "chain: integrity ok" grep -q '^integrity *ok' out.txt
# 80 MiB of empty unknown records: nothing inside them to skip, all waste
"$MKHOSTILE" skip_bomb skip.hsnap 80
expect 1 "heapsnap: 'skip.hsnap': skipped data exceeds 250 times the compressed size at byte * (decompression bomb?)" \
  "$HEAPSNAP" info skip.hsnap
expect 1 "heapsnap: '$DATA/bad/bomb.hsnap': skipped data exceeds 250 times the compressed size at byte *" \
  "$HEAPSNAP" summary "$DATA/bad/bomb.hsnap"
# the limit can still be switched off
HEAPSNAP_MAX_RATIO=0 expect 0 "" "$HEAPSNAP" info skip.hsnap
