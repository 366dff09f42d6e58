# Every command listed by `heapsnap --help` answers --help on stdout with exit 0 (git t0012).
set -e
"$HEAPSNAP" --help | grep -q '^usage: heapsnap'
cmds=$("$HEAPSNAP" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
[ -n "$cmds" ]
for c in $cmds; do
  out=$("$HEAPSNAP" "$c" --help)
  case "$out" in "usage: heapsnap $c"*) ;; *) echo "bad --help for $c: $out"; exit 1;; esac
  "$HEAPSNAP" "$c" -h >/dev/null
  "$HEAPSNAP" help "$c" >/dev/null
done
echo "checked: $(echo $cmds | wc -w) commands"
