# A truncated snapshot in the middle of the series: exit 1, one line naming it.
"$MKSNAP" small s.hsnap
head -c 150 s.hsnap > cut.hsnap
"$HEAPSNAP" trend s.hsnap cut.hsnap s.hsnap
