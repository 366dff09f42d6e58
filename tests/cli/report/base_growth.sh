# --base with the same snapshot: a report with a "growth" member in which nothing grew.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report --base s.hsnap -o r.html s.hsnap || exit 1
ls
grep -o '"growth": {"before": {"file": "s.hsnap"' r.html
grep -o '"owners": \[\]' r.html
grep -o '"new": {"objects": 0, "bytes": 0' r.html
grep -o '"marks": \[\]' r.html
