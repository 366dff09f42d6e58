# Four snapshots: app.cache gains 100 entries (a bytes value of 1000 B and a
# str key of 50 B each) in every step; app.work churns (305, 5, 305, 5
# entries). Only the cache is reported, with its per-snapshot figures; the
# churn is not, even with no noise threshold. ASCII sparkline under LC_ALL=C,
# block characters under a UTF-8 locale.
base='type module builtins
type dict builtins
type str builtins
type bytes builtins
type list builtins
root 0x1000 global app
block 0x1000 72 0
ref 0x1000 0x2000 __dict__
block 0x2000 1000 1
ref 0x2000 0x3000 cache
ref 0x2000 0x3100 work
block 0x3000 2000 1
block 0x3100 500 4'
for k in 1 2 3 4; do
  { echo "$base"
    echo "many $((100 * k)) 0x100000 0x100 1000 3 0x3000 -"
    echo "many $((100 * k)) 0x800000 0x100 50 2 0x3000 -"
    echo "many $(( (k % 2) * 300 + 5 )) 0x2000000 0x100 100 2 0x3100 @"; } | "$BIN/mkdiff" s$k.hsnap
done
LC_ALL=C "$HEAPSNAP" trend --noise 0 s1.hsnap s2.hsnap s3.hsnap s4.hsnap
echo "--- utf-8"
LC_ALL=C.UTF-8 "$HEAPSNAP" trend s1.hsnap s2.hsnap s3.hsnap s4.hsnap | grep '^1\. '
echo "--- min-bytes above the growth"
"$HEAPSNAP" trend --ascii --min-bytes 1000k s1.hsnap s2.hsnap s3.hsnap s4.hsnap | tail -n 1
