# A miniature Python heap (docs/cli.md#cycles): the garbage __del__ ring
# first with the payload it keeps alive, then the stored exception (split
# out of the module's component), then the three identical ctypes cycles as
# one row; the class, the module globals and the closure are counted in the
# last line, and --all lists them, marked interpreter.
"$MKSNAP" pycycles p.hsnap && "$HEAPSNAP" cycles p.hsnap && "$HEAPSNAP" cycles --all p.hsnap &&
  "$HEAPSNAP" cycles --json p.hsnap | grep -E '"(hidden|hidden_blocks|rows)"' && "$HEAPSNAP" cycles --garbage --all p.hsnap | tail -n 2
