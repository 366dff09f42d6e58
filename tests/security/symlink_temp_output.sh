# Issue 19 #1: report, graph and import wrote <OUT>.tmp-<pid> with
# fopen("wb"): a link planted for the pid redirected the write into any
# file the victim could write, and OUT became a link to it. Every output
# now goes through hs_outfile (O_EXCL|O_NOFOLLOW, a random name). Each run
# is exec'd from a shell that plants links for its own pid first, under
# every temporary name the old code could use, and at OUT itself.
"$MKHOSTILE" snap s.hsnap 1700000000000000 T 64
printf precious >victim
run() { # OUT, then the command; $$ in the child shell is the pid heapsnap gets
  local out=$1; shift
  HS_OUT=$out bash -c 'for n in "$HS_OUT.tmp-$$" "$HS_OUT.tmp-$$.dot" ".$HS_OUT.tmp-$$-0"; do ln -s victim "$n"; done
                       ln -s victim "$HS_OUT"; exec "$@"' run "$@"
}
expect 0 "" run out.html "$HEAPSNAP" report s.hsnap -o out.html
expect 0 "" run g.dot "$HEAPSNAP" graph s.hsnap 0x1000 -o g.dot
expect 0 "" run i.hsnap "$HEAPSNAP" import "$DATA/v8/tiny.heapsnapshot" -o i.hsnap
check "victim untouched" test "$(cat victim)" = precious
for f in out.html g.dot i.hsnap; do
  check "$f is a regular file, not a link" test -f "$f" -a ! -L "$f"
done
check "report written" grep -q '<html' out.html
check "graph written" grep -q digraph g.dot
expect 0 "" "$HEAPSNAP" info i.hsnap
# no temporary file of ours is left (only the planted links)
left=$(find . -name '*.tmp-*' ! -type l | wc -l)
check "no temporary files left ($left)" test "$left" = 0
