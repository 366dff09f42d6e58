# S1 -> S2 adds 10 Things to a cache and 2 to a scratch list; before S3, 4
# Things of the cache and the whole scratch list are freed, and 5 more
# Things are added to the cache (after S2: not reported). Only the 6
# survivors of the middle interval are reported, under the cache.
common='type dict builtins
type Thing app
type list builtins
root 0x100 global app
block 0x100 200 0
ref 0x100 0x200 cache
block 0x200 400 0'
{ echo "$common"; } | "$BIN/mkdiff" s1.hsnap
{ echo "$common"; echo "many 10 0x1000 0x40 48 1 0x200 k"
  echo "ref 0x100 0x300 scratch"; echo "block 0x300 64 2"; echo "many 2 0x5000 0x40 48 1 0x300 @"; } | "$BIN/mkdiff" s2.hsnap
{ echo "$common"; for i in 4 5 6 7 8 9; do printf 'block 0x%x 48 1\nref 0x200 0x%x k%d\n' $((0x1000 + i * 0x40)) $((0x1000 + i * 0x40)) $i; done
  echo "many 5 0x9000 0x40 48 1 0x200 late"; } | "$BIN/mkdiff" s3.hsnap
"$HEAPSNAP" leaks --noise 0 s1.hsnap s2.hsnap s3.hsnap
"$HEAPSNAP" leaks --noise 0 --json s1.hsnap s2.hsnap s3.hsnap
echo "--- above the noise"
"$HEAPSNAP" leaks --noise 1k s1.hsnap s2.hsnap s3.hsnap | tail -n +2
