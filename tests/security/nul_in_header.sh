# Issue 19 #9, the decoder's side: header texts and tags are C strings in
# the API, so a NUL would cut "heapsnap-c\0evil" to "heapsnap-c". The reader
# rejects a NUL there (string records stay counted and may hold one).
"$MKHOSTILE" nul_producer p.hsnap
"$MKHOSTILE" nul_tag t.hsnap
expect 1 "heapsnap: 'p.hsnap': header producer holds a NUL byte (at byte 10 of 15) in record 0 (header)*" \
  "$HEAPSNAP" info p.hsnap
expect 1 "heapsnap: 't.hsnap': tag value holds a NUL byte (at byte 2 of 7) in record 0 (header)*" \
  "$HEAPSNAP" summary t.hsnap
