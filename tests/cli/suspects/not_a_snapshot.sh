printf "junk" > j.hsnap; "$HEAPSNAP" suspects j.hsnap
