# Issue 19 #14: under `ulimit -f` the CLI died of SIGXFSZ (exit 153) and
# left its temporary file. It ignores SIGXFSZ, reports the EFBIG write error
# in one line, exits 1 and removes the temporary file.
"$HSGEN" heap 20000 s.hsnap 1
expect 0 "" "$HEAPSNAP" report s.hsnap -o full.html
check "the report is larger than the limit" test "$(stat -c %s full.html)" -gt 65536
rm -f full.html
lim() { (ulimit -f 64; exec "$@"); } # 64 KiB
expect 1 "heapsnap: 'r.html': write failed: File too large" lim "$HEAPSNAP" report s.hsnap -o r.html
gzip -dc "$DATA/v8/node20.heapsnapshot.gz" >n.heapsnapshot
expect 1 "heapsnap: 'i.hsnap': write failed: File too large" lim "$HEAPSNAP" import n.heapsnapshot -o i.hsnap
expect 1 "heapsnap: write error on standard output: File too large" sh -c "ulimit -f 1; exec \"\$HEAPSNAP\" summary s.hsnap >out.big"
hub=$("$HEAPSNAP" top s.hsnap | grep -o 'app.Hub 0x[0-9a-f]*' | head -n1 | cut -d' ' -f2)
expect 1 "heapsnap: 'g.dot': write failed: File too large" \
  lim "$HEAPSNAP" graph --direction referents --max-nodes 2000 s.hsnap "$hub" -o g.dot
left=$(find . -name '.*.tmp-*' | wc -l)
check "no temporary files left ($left)" test "$left" = 0
check "no outputs left" test ! -e r.html -a ! -e i.hsnap -a ! -e g.dot
