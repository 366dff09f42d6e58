# "-" as one of the snapshots of diff, trend, three-file leaks and report --base: standard input's
# copy (one copy, however often "-" appears), named "-" in the output and in messages; the output
# is the file's with its name replaced.
"$MKSNAP" small s.hsnap
"$BIN/hsgen" heap 3000 h.hsnap 2
mkdir tmp
export TMPDIR=$PWD/tmp
for c in "diff s.hsnap h.hsnap" "diff --json --by type s.hsnap h.hsnap" "trend h.hsnap s.hsnap h.hsnap" \
         "trend --json s.hsnap s.hsnap h.hsnap" "leaks s.hsnap s.hsnap h.hsnap" "leaks --json h.hsnap s.hsnap h.hsnap"; do
  read -r -a w <<< "$c"
  "$HEAPSNAP" "${w[@]}" | sed 's/\bs\.hsnap\b/-/g' > file.out
  read -r -a p <<< "${c//s.hsnap/-}"
  [ -s file.out ] && "$HEAPSNAP" "${p[@]}" < s.hsnap > pipe.out && cmp -s file.out pipe.out && echo "$c: same with - for s.hsnap"
done
cat h.hsnap | "$HEAPSNAP" report --base - -o r.html s.hsnap && [ -s r.html ] && echo "report --base -: written"
head -c 100 s.hsnap | "$HEAPSNAP" diff - h.hsnap
echo "exit $?"
ls tmp | wc -l
