# Without --sqlite: a usage error; a bad snapshot: one line, exit 1, and no database left behind.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" export s.hsnap; echo "exit $?"
printf junk > j.hsnap; "$HEAPSNAP" export --sqlite j.db j.hsnap; echo "exit $?"; ls -a | grep -c 'j\.db' || true
