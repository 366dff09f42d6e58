#!/usr/bin/env bash
# tests/v8/sites_diff.sh HEAPSNAP OUTDIR — allocation sites end to end on
# V8 snapshots (docs/v8.md#allocation-sites): tests/helpers/v8/gen_sites.js writes
# a BEFORE and an AFTER snapshot (AFTER keeps HS_SITE_GROW more HsSiteA),
# with and without --track-heap-objects; `diff --by site` must put the
# growth at makeA's line (traced) or HsSiteA's constructor line (located),
# give the same rows on the .heapsnapshot pair and on its import, group by
# traceback with hsSiteGrow as the caller, and `info` must count the sites;
# a broken site section fails the commands that read sites, not `top`.
# Lines and counts come from the generator's markers, never from here.
set -eu
hs=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
gen=$here/../helpers/v8/gen_sites.js
command -v node >/dev/null || { echo "node not found (Debian: nodejs)" >&2; exit 1; }
mkdir -p "$out"
marker() { grep -n "@$1" "$gen" | head -1 | cut -d: -f1; }
count() { sed -n "s/.*@count:$1=\([0-9]*\).*/\1/p" "$gen" | head -1; }
grow=$(count grow)
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1" >&2; fail=1; fi; }
# rows of the site view: "+count +bytes count bytes site", one per line
rows() { sed -n '/^by allocation site/,$p' "$1" | tail -n +3; }

for mode in traced located; do
  b=$out/$mode-before.heapsnapshot a=$out/$mode-after.heapsnapshot
  if [ $mode = traced ]; then node --track-heap-objects "$gen" "$b" "$a"; line=$(marker site:makeA)
  else node "$gen" "$b" "$a"; line=$(marker site:HsSiteA); fi
  "$hs" diff --by site "$b" "$a" >"$out/$mode.txt"
  n=$(rows "$out/$mode.txt" | awk -v s="gen_sites.js:$line" 'index($NF, s) && substr($NF, length($NF) - length(s) + 1) == s { gsub(/[+,]/, "", $1); print $1 }')
  check "$mode: growth at gen_sites.js:$line is +${n:-none} (want >= $grow, < $((grow + grow / 10)))" \
    "[ -n \"$n\" ] && [ \"$n\" -ge $grow ] && [ \"$n\" -lt $((grow + grow / 10)) ]"
  "$hs" import "$b" -o "$out/$mode-before.hsnap"
  "$hs" import "$a" -o "$out/$mode-after.hsnap"
  "$hs" diff --by site "$out/$mode-before.hsnap" "$out/$mode-after.hsnap" >"$out/$mode-hsnap.txt"
  check "$mode: the same site rows on the import" "cmp -s <(rows \"$out/$mode.txt\") <(rows \"$out/$mode-hsnap.txt\")"
  "$hs" info "$a" >"$out/$mode-info.txt"
  check "$mode: info counts the sites" "grep -Eq '^sites +[1-9][0-9,]* sites' \"$out/$mode-info.txt\""
  "$hs" info "$out/$mode-after.hsnap" >"$out/$mode-info-hsnap.txt"
  check "$mode: the import declares frames and sites" \
    "grep -Eq '^tables .* [1-9][0-9]* frames, [1-9][0-9]* sites' \"$out/$mode-info-hsnap.txt\""
done
"$hs" diff --by site --group-by traceback "$out/traced-before.heapsnapshot" "$out/traced-after.heapsnapshot" \
  >"$out/traceback.txt"
want="gen_sites.js:$(marker site:makeA) in makeA from "
check "traced: the traceback row names makeA called from hsSiteGrow" \
  "grep -F \"$want\" \"$out/traceback.txt\" | grep -Fq \"gen_sites.js:$(marker site:hsSiteGrow) in hsSiteGrow\""
# a broken site section: import, info and diff (which read sites) fail with
# the reader's one line and leave nothing behind; top (which skips them) works
bad=$here/../data/v8/bad/sites_trace_id_missing.heapsnapshot
msg="trace_node_id 41 is not in trace_tree"
rm -f "$out/bad.hsnap"
check "bad sites: import fails with one line, no file" \
  "! \"$hs\" import \"$bad\" -o \"$out/bad.hsnap\" 2>\"$out/bad.err\" && [ \$(wc -l <\"$out/bad.err\") = 1 ] && grep -q \"$msg\" \"$out/bad.err\" && [ ! -e \"$out/bad.hsnap\" ]"
check "bad sites: info and diff fail" \
  "! \"$hs\" info \"$bad\" >/dev/null 2>&1 && ! \"$hs\" diff \"$bad\" \"$bad\" >/dev/null 2>&1"
check "bad sites: top reads the graph" "\"$hs\" top -n 3 \"$bad\" >/dev/null"
exit $fail
