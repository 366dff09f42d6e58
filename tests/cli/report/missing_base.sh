# A --base file that does not exist: exit 1, exactly one line naming it, no report.
"$MKSNAP" small s.hsnap || exit 9
"$HEAPSNAP" report --base nope.hsnap -o r.html s.hsnap 2>e.txt; rc=$?; cat e.txt >&2
[ "$(wc -l <e.txt)" -eq 1 ] || exit 8
ls r.html* 2>/dev/null; exit $rc
