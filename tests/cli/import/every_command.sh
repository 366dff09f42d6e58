# Every graph command accepts a .heapsnapshot directly.
set -e
t="$DATA/v8/tiny.heapsnapshot"
for c in summary top dominators cycles; do "$HEAPSNAP" $c "$t" >/dev/null; echo "$c ok"; done
"$HEAPSNAP" path "$t" 0xf | tail -n1
"$HEAPSNAP" show "$t" 0x7 | sed -n 2,4p
"$HEAPSNAP" report -o r.html "$t" >/dev/null && test -s r.html && echo "report ok"
"$HEAPSNAP" diff "$t" "$t" >/dev/null && echo "diff ok"
"$HEAPSNAP" leaks "$t" "$t" "$t" >/dev/null && echo "leaks ok"
"$HEAPSNAP" info --json "$t" | grep -E '"(source|integrity)"'
