# Issue 19 #4: duplicate V8 node ids were accepted; import exited 0 and
# every graph command then refused the imported file ("duplicate block
# address"). The V8 reader rejects them, naming the id and the byte offset.
# tiny.heapsnapshot with node 6's id (13) changed to node 5's (11):
sed 's/^6,3,50,13,0,$/6,3,50,11,0,/' "$DATA/v8/tiny.heapsnapshot" >dup.heapsnapshot
check "the copy differs" not cmp -s dup.heapsnapshot "$DATA/v8/tiny.heapsnapshot"
for cmd in "import -o out.hsnap" info summary top; do
  expect 1 "heapsnap: 'dup.heapsnapshot': duplicate node id 11 (nodes 5 and 6) at byte [0-9]*" \
    "$HEAPSNAP" $cmd dup.heapsnapshot
done
check "nothing imported" test ! -e out.hsnap
