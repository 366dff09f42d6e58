# Equally short paths from a stack root and a global root: the global one is
# reported, though the stack root comes first in the file.
"$MKSNAP" tie t.hsnap && "$HEAPSNAP" path t.hsnap 0x300
