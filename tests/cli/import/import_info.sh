# import writes an .hsnap that info validates, with the V8 meta in its tags;
# the graph commands give the same answers on the .hsnap and the .heapsnapshot.
set -e
"$HEAPSNAP" import "$DATA/v8/tiny.heapsnapshot" -o tiny.hsnap
ls
"$HEAPSNAP" info tiny.hsnap | grep -E '^(producer|runtime|tags|blocks|references|roots|integrity) '
for c in summary top dominators cycles; do
  "$HEAPSNAP" $c tiny.hsnap >a.txt
  "$HEAPSNAP" $c "$DATA/v8/tiny.heapsnapshot" >b.txt
  cmp a.txt b.txt
done
echo same
