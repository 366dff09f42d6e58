# Bad input: exit 1 with the reader's one line, and no file left behind.
printf "junk" > j.hsnap; "$HEAPSNAP" report -o r.html j.hsnap; rc=$?; ls r.html* 2>/dev/null; exit $rc
