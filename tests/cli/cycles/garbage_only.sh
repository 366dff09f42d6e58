# --garbage lists only the cycles no root reaches (the live 0x200 <-> 0x300
# cycle is left out of the list but still counted in the totals), in text
# and in JSON.
"$BIN/hsgen" garbage g.hsnap && "$HEAPSNAP" cycles --garbage g.hsnap &&
  "$HEAPSNAP" cycles --garbage --json g.hsnap | grep -E '"(state|reachable|example)"|cycles_total' | sed 's/^ *//'
