printf "junk" > j.hsnap; "$HEAPSNAP" top j.hsnap
