# A bad --base snapshot: exit 1 with exactly one line naming that file, and no report left behind.
printf "junk" > j.hsnap; "$MKSNAP" small s.hsnap || exit 9
"$HEAPSNAP" report --base j.hsnap -o r.html s.hsnap 2>e.txt; rc=$?; cat e.txt >&2
[ "$(wc -l <e.txt)" -eq 1 ] || exit 8
ls r.html* 2>/dev/null; exit $rc
