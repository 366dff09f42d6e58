# Issue 19 #2: import, report and graph wrote 0644 files carrying the dump's
# names, while dumps are 0600. Every output is 0600 under the usual umask.
umask 022
"$MKHOSTILE" snap s.hsnap 1700000000000000 T 64
expect 0 "" "$HEAPSNAP" report s.hsnap -o r.html
expect 0 "" "$HEAPSNAP" graph s.hsnap 0x1000 -o g.dot
expect 0 "" "$HEAPSNAP" import "$DATA/v8/tiny.heapsnapshot" -o i.hsnap
for f in r.html g.dot i.hsnap; do
  check "$f is 0600 ($(mode_of "$f"))" test "$(mode_of "$f")" = 600
done
