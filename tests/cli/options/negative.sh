# Every boolean has a --no-X form; the last of --X and --no-X wins, and
# --no-X (and its prefix) alone is the default. For a boolean named no-X,
# --X is the negative form. A --no-X for an option that takes a value is
# unknown.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" top -n 3 s.hsnap >text.out
"$HEAPSNAP" top --json -n 3 s.hsnap >json.out
"$HEAPSNAP" top --json --no-json -n 3 s.hsnap | cmp - text.out && echo "--json --no-json: text"
"$HEAPSNAP" top --no-json --json -n 3 s.hsnap | cmp - json.out && echo "--no-json --json: json"
"$HEAPSNAP" top --no-js -n 3 s.hsnap | cmp - text.out && echo "--no-js: text"
"$HEAPSNAP" top --json --raw --no-raw -n 3 s.hsnap | cmp - json.out && echo "--raw --no-raw: not raw"
"$HEAPSNAP" top --no-fold s.hsnap
echo "exit $?"
"$HEAPSNAP" top --no-json=1 s.hsnap
echo "exit $?"
