# Two holders keep one payload alive together: by default the Holders retain
# only themselves (neither dominates the payload); --exact counts what goes
# if every Holder goes, the payload included.
"$MKSNAP" shared s.hsnap && "$HEAPSNAP" summary s.hsnap && "$HEAPSNAP" summary --exact s.hsnap
