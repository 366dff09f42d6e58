# Every malformed V8 heap snapshot: import, info and summary exit 1 with exactly
# one line on stderr, "heapsnap: 'FILE': <what> at byte N", and import writes nothing.
fails=0 n=0
while IFS=$'\t' read -r name msg; do
  case "$name" in '#'*|'') continue;; esac
  f="$DATA/v8/bad/$name"
  for cmd in import info summary; do
    if [ $cmd = import ]; then "$HEAPSNAP" import "$f" -o out.hsnap >/dev/null 2>err.txt; rc=$?
    else "$HEAPSNAP" $cmd "$f" >/dev/null 2>err.txt; rc=$?; fi
    lines=$(wc -l <err.txt)
    first=$(head -n1 err.txt)
    if [ "$rc" != 1 ] || [ "$lines" != 1 ] || [[ "$first" != "heapsnap: '$f': "* ]] || [[ "$first" != *"$msg"* ]]; then
      echo "FAIL $cmd $name: rc=$rc lines=$lines: $first (want: $msg)"; fails=$((fails+1))
    fi
    n=$((n+1))
  done
  if ls out.hsnap* >/dev/null 2>&1; then echo "FAIL import $name left a file"; fails=$((fails+1)); fi
done < "$DATA/v8/bad/EXPECTED.tsv"
echo "$n checks, $fails failures"
[ "$n" -ge 30 ] && [ "$fails" = 0 ]
