# Paths and arguments with control characters (an escape sequence, a
# newline) come back escaped in every kind of message: each stays one line
# and cannot drive the terminal. `cat -v` shows any raw control byte as ^X.
"$MKSNAP" small $'snap\e[2J\n.hsnap' >/dev/null
{
  "$HEAPSNAP" show $'snap\e[2J\n.hsnap' 0x1
  echo "exit $?"
  "$HEAPSNAP" info $'missing\e]0;x\a.hsnap'
  echo "exit $?"
  "$HEAPSNAP" $'no-such-\e[31mcommand'
  echo "exit $?"
  "$HEAPSNAP" help $'top\r'
  echo "exit $?"
} 2>&1 | grep -a '^heapsnap: \|^exit \|^file ' | cat -v
