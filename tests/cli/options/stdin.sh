# "-" reads the snapshot from standard input: a pipe (copied into an
# unlinked temporary file under $TMPDIR, since the reader reopens and
# seeks: nothing is left there) or a redirected file gives the same output
# as the file, the file named "-". A V8 .heapsnapshot works too; a
# truncated pipe is bad input naming "-".
"$MKSNAP" small s.hsnap
mkdir tmp
export TMPDIR=$PWD/tmp
for c in "top -n 3" "summary" "show --json" "path" "info" "dominators"; do
  addr=; case $c in show*|path) addr=0x2000 ;; esac
  # shellcheck disable=SC2086
  "$HEAPSNAP" $c s.hsnap $addr | sed 's/s\.hsnap/-/g' >file.out
  # shellcheck disable=SC2086
  [ -s file.out ] && cat s.hsnap | "$HEAPSNAP" $c - $addr >pipe.out && cmp file.out pipe.out &&
    "$HEAPSNAP" $c - $addr <s.hsnap >redir.out && cmp file.out redir.out && echo "$c: same from a pipe and a redirect"
done
"$HEAPSNAP" summary "$DATA/v8/tiny.heapsnapshot" >file.out
[ -s file.out ] && "$HEAPSNAP" summary - <"$DATA/v8/tiny.heapsnapshot" | cmp - file.out && echo "V8 from a redirect: same"
cat "$DATA/v8/tiny.heapsnapshot" | "$HEAPSNAP" summary - | cmp - file.out && echo "V8 from a pipe: same"
head -c 100 s.hsnap | "$HEAPSNAP" top -
echo "exit $?"
ls tmp | wc -l
