# One file, nothing fetched: no src= or href= leaving the page, a CSP that forbids fetching,
# one data element and one script; the small heap's blocks are all embedded.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" report -o r.html s.hsnap || exit 1
ls
grep -c 'src=' r.html
grep -o 'href="[^#"][^"]*"' r.html | sort -u
grep -o "default-src 'none'" r.html
grep -c '<script' r.html
grep -o '"budget": {[^}]*}' r.html
grep -o '"types": {"count": [0-9]*' r.html
