# The man pages the build generates from the option tables (scripts/gen_man.sh): heapsnap(1) and one
# heapsnap-<command>(1) for every command `heapsnap --help` lists, each naming every option of the
# command's --help, and groff formats each without a warning. `heapsnap help CMD` not on a terminal
# prints the --help text.
set -u
man="$BIN/../share/man/man1"
[ -f "$man/heapsnap.1" ] && grep -q '^\.TH HEAPSNAP 1' "$man/heapsnap.1" && echo "heapsnap.1"
cmds=$("$HEAPSNAP" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
n=0 bad=0
for c in $cmds; do
  n=$((n + 1))
  p="$man/heapsnap-$c.1"
  if [ ! -f "$p" ]; then echo "no page for $c"; bad=$((bad + 1)); continue; fi
  grep -q "^\\.TH HEAPSNAP\\\\-" "$p" || { echo "$c: no .TH"; bad=$((bad + 1)); }
  grep -qF "fBheapsnap\\-$c\\fR(1)" "$man/heapsnap.1" || { echo "heapsnap.1 does not list $c"; bad=$((bad + 1)); }
  for o in $("$HEAPSNAP" "$c" --help | sed -n 's/^ *\(-., \)\{0,1\}--\([a-z-]*\).*/\2/p'); do
    grep -q "fB\\\\-\\\\-$(echo "$o" | sed 's/-/\\\\-/g')\\\\fR" "$p" || { echo "$c: --$o missing from its page"; bad=$((bad + 1)); }
  done
  if command -v groff > /dev/null; then
    w=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
    [ -z "$w" ] || { echo "$c: groff: $w"; bad=$((bad + 1)); }
  else
    echo "SKIPPED: groff is not installed (scripts/deps.sh installs groff-base)"
  fi
done
echo "$n commands, $bad problems"
"$HEAPSNAP" help top | head -1
