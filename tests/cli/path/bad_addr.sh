"$HEAPSNAP" path s.hsnap zzz
