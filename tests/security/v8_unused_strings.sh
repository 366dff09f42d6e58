# Issue 19 #11: memory followed the longest V8 string, not the graph: an
# unused 200 MB string cost 412 MB. Strings no node uses are skipped; here a
# 128 MiB one must not raise the peak RSS past 64 MiB. (Skipped under
# ASan, whose shadow memory makes RSS meaningless.)
if [ -n "${HS_SANITIZE:-}" ]; then echo "skipped: sanitizer build"; return 0 2>/dev/null || exit 0; fi
python3 - "$DATA/v8/tiny.heapsnapshot" big.heapsnapshot <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()
i = text.rindex("]}")
with open(dst, "w", encoding="utf-8") as f:
    f.write(text[:i])
    f.write(',"')
    chunk = "u" * (1 << 20)
    for _ in range(128):
        f.write(chunk)
    f.write('"' + text[i:])
PY
for cmd in summary "import -o i.hsnap"; do
  /usr/bin/time -f '%M' -o rss.txt "$HEAPSNAP" $cmd big.heapsnapshot >out.txt 2>err.txt
  rc=$?
  kb=$(tail -n1 rss.txt)
  check "$cmd: exit $rc" test "$rc" = 0
  check "$cmd: peak RSS ${kb} KiB < 65536 KiB" test "$kb" -lt 65536
done
# a used name of 128 MiB is cut at 1 MiB: its cost is capped too
python3 - "$DATA/v8/tiny.heapsnapshot" bigname.heapsnapshot <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
j = text.index('"Foo"')
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write(text[:j] + '"' + "F" * (128 << 20) + '"' + text[j + 5:])
PY
/usr/bin/time -f '%M' -o rss.txt "$HEAPSNAP" summary --json bigname.heapsnapshot >out.txt 2>err.txt
rc=$?
kb=$(tail -n1 rss.txt)
check "long name: exit $rc" test "$rc" = 0
check "long name: peak RSS ${kb} KiB < 65536 KiB" test "$kb" -lt 65536
check "long name: kept, cut" grep -q '"FFFFFFFF' out.txt
