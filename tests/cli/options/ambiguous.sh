# A prefix of several options is a usage error (exit 2) that lists them all,
# the --no-X forms included; nothing runs. No name at all is unknown.
"$MKSNAP" small s.hsnap
"$HEAPSNAP" diff --no 0 s.hsnap s.hsnap
echo "exit $?"
"$HEAPSNAP" top --r --j s.hsnap >/dev/null && "$HEAPSNAP" summary --s count --e s.hsnap >/dev/null && echo "unique prefixes: ok"
"$HEAPSNAP" diff --n 0 s.hsnap s.hsnap
echo "exit $?"
"$HEAPSNAP" show --bogus s.hsnap 0x2000
echo "exit $?"
"$HEAPSNAP" show --=1 s.hsnap 0x2000
echo "exit $?"
