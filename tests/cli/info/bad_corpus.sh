# Every malformed file: `info` and `summary` exit 1 with exactly one line on
# stderr, "heapsnap: 'FILE': <message naming what and where>".
fails=0 n=0
while IFS=$'\t' read -r name code msg; do
  case "$name" in '#'*|'') continue;; esac
  f="$DATA/bad/$name"
  for cmd in info summary; do
    "$HEAPSNAP" $cmd "$f" >/dev/null 2>err.txt; rc=$?
    lines=$(wc -l <err.txt)
    first=$(head -n1 err.txt)
    if [ "$rc" != 1 ] || [ "$lines" != 1 ] || [[ "$first" != "heapsnap: '$f': "* ]] || [[ "$first" != *"$msg"* ]]; then
      echo "FAIL $cmd $name: rc=$rc lines=$lines: $first (want: $msg)"; fails=$((fails+1))
    fi
    n=$((n+1))
  done
done < "$DATA/bad/EXPECTED.tsv"
echo "$n checks, $fails failures"
[ "$fails" = 0 ]
