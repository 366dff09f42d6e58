# The leak suspects of the small heap in words: the cache dict, its Things, its share of the heap.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" suspects s.hsnap
