# --base (the diff views) is not supported yet: a usage error that says so, and no file.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report --base s.hsnap -o r.html s.hsnap; rc=$?; ls r.html* 2>/dev/null; exit $rc
