# A damaged S3: exit 1, one line naming it.
"$MKSNAP" small s.hsnap
head -c 200 s.hsnap > cut.hsnap
"$HEAPSNAP" leaks s.hsnap s.hsnap cut.hsnap
