# Issue 19 #13: write errors on standard output were ignored:
# `heapsnap summary f > /dev/full` exited 0. Every command checks its
# output and exits 1 with one line, as git does.
"$MKHOSTILE" snap s.hsnap 1700000000000000 T 64
"$MKHOSTILE" snap t.hsnap 1700000001000000 T 128
cp "$DATA/v8/tiny.heapsnapshot" v.heapsnapshot
want="heapsnap: write error on standard output: No space left on device"
for args in "info s.hsnap" "info --json s.hsnap" "summary s.hsnap" "top s.hsnap" "dominators s.hsnap" \
            "cycles s.hsnap" "path s.hsnap 0x1000" "show s.hsnap 0x1000" "diff s.hsnap t.hsnap" \
            "leaks s.hsnap t.hsnap t.hsnap" "trend s.hsnap t.hsnap t.hsnap" "graph -o - s.hsnap 0x1000" \
            "report s.hsnap -o -" "info v.heapsnapshot" "summary v.heapsnapshot" "summary --help"; do
  expect 1 "$want" sh -c "exec \"\$HEAPSNAP\" $args >/dev/full"
done
