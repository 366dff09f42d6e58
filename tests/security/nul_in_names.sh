# Issue 19 #9, the analyzer's side: type and module names stopped at a NUL
# ("dict\0evil" printed as "dict", so a 1 MiB type hid behind a 16-byte one)
# while labels and root names printed \x00. Every name is counted bytes, and
# a NUL prints as \x00 in text and \u0000 in JSON everywhere.
"$MKHOSTILE" nul_names n.hsnap
expect 0 "" "$HEAPSNAP" summary n.hsnap
check "summary: dict\\x00evil" grep -qF 'dict\x00evil' out.txt
check "summary: mod\\x00hidden.dict\\x00evil" grep -qF 'mod\x00hidden.dict\x00evil' out.txt
expect 0 "" "$HEAPSNAP" top n.hsnap
check "top: the 1 MiB block is dict\\x00evil" grep -qF 'dict\x00evil 0x2000' out.txt
check "top: the name keeps root and key" grep -qF "main\\x00hidden.key\\x00hidden" out.txt
expect 0 "" "$HEAPSNAP" top --raw n.hsnap
check "top --raw: the 1 MiB block is dict\\x00evil" grep -qF 'dict\x00evil 0x2000' out.txt
check "top --raw: label and root as before" grep -qF "global root 'main\\x00hidden' -> dict 0x1000 .key\\x00hidden" out.txt
expect 0 "" "$HEAPSNAP" show n.hsnap 0x2000
check "show: dict\\x00evil" grep -qF 'dict\x00evil' out.txt
expect 0 "" "$HEAPSNAP" summary --json n.hsnap
check "json: dict\\u0000evil" grep -qF '"dict\u0000evil"' out.txt
expect 0 "" "$HEAPSNAP" diff n.hsnap n.hsnap
expect 0 "" "$HEAPSNAP" report n.hsnap -o r.html
check "report: the name is not cut" grep -qF 'dict\u0000evil' r.html
# V8: a \u0000 in a JSON string, read directly and through import
sed 's/"Foo"/"Fo\\u0000o"/' "$DATA/v8/tiny.heapsnapshot" >nul.heapsnapshot
expect 0 "" "$HEAPSNAP" summary nul.heapsnapshot
check "v8: Fo\\x00o" grep -qF ' Fo\x00o' out.txt
expect 0 "" "$HEAPSNAP" import nul.heapsnapshot -o nul.hsnap
expect 0 "" "$HEAPSNAP" summary --json nul.hsnap
check "imported: the NUL is kept, counted" grep -qF '"Fo\u0000o"' out.txt
