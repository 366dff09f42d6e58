# A file that is not a snapshot: exit 1, one line naming it.
"$MKSNAP" small s.hsnap
printf "junk" > j.hsnap
"$HEAPSNAP" diff s.hsnap j.hsnap
