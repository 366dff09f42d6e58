"$MKSNAP" hostile h.hsnap && "$HEAPSNAP" show h.hsnap 0x10 && "$HEAPSNAP" show --json h.hsnap 0x20
