#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/compare_outputs.sh — runs every heapsnap command, with its main
# option variants, on a corpus of test dumps with two builds of the CLI and
# says whether their stdout, stderr, exit status and written files are
# byte-identical (the report's per-page CSP nonce excepted). For
# refactorings that must not change behaviour (issue 13).
#
#   scripts/compare_outputs.sh OLD_BIN_DIR NEW_BIN_DIR [WORK_DIR]
#
# Each BIN_DIR is a build's bin/ (heapsnap, mksnap, hsgen, mkdiff). The
# corpus is generated with OLD's helpers, so both CLIs read the same bytes.
# Exit 0 when everything matches, 1 with the first differences otherwise.
set -uo pipefail
old=${1:?usage: compare_outputs.sh OLD_BIN_DIR NEW_BIN_DIR [WORK_DIR]}
new=${2:?usage: compare_outputs.sh OLD_BIN_DIR NEW_BIN_DIR [WORK_DIR]}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${3:-$(mktemp -d)}
old=$(cd "$old" && pwd); new=$(cd "$new" && pwd)
mkdir -p "$work/corpus" "$work/old" "$work/new"
c=$work/corpus

# ---- the corpus: synthetic dumps from the C API, the kept good files, V8 files
"$old/mksnap" small "$c/small.hsnap"
"$old/mksnap" empty "$c/empty.hsnap"
"$old/mksnap" hostile "$c/hostile.hsnap"
"$old/mksnap" types 60 "$c/types.hsnap"
"$old/mksnap" random 1 3000 "$c/rand1.hsnap"
"$old/mksnap" random 2 3300 "$c/rand2.hsnap"
"$old/mksnap" random 3 3600 "$c/rand3.hsnap"
"$old/hsgen" heap 20000 "$c/heap1.hsnap" 7
"$old/hsgen" heap 22000 "$c/heap2.hsnap" 7
"$old/hsgen" heap 24000 "$c/heap3.hsnap" 7
"$old/hsgen" chain 3000 "$c/chain.hsnap"
"$old/hsgen" dup "$c/dup.hsnap"
"$old/hsgen" dangling "$c/dangling.hsnap"
"$old/hsgen" garbage "$c/garbage.hsnap"
cp "$root"/tests/data/good/*.hsnap "$c/"
cp "$root"/tests/data/v8/tiny.heapsnapshot "$root"/tests/data/v8/sites_tiny.heapsnapshot "$c/"
gzip -dc "$root/tests/data/v8/node20.heapsnapshot.gz" >"$c/node20.heapsnapshot"
ls "$root"/tests/data/bad/*.hsnap 2>/dev/null | head -12 | while read -r f; do cp "$f" "$c/bad_$(basename "$f")"; done
printf 'junk' >"$c/junk.hsnap"
# Python dumps, when a Python-enabled build sits beside OLD (build/python)
if [ -d "$old/../python/heapsnap" ] && command -v python3 >/dev/null; then
  for n in 1 2 3; do
    PYTHONPATH="$old/../python" python3 - "$c/py$n.hsnap" "$n" <<'EOF' || true
import sys, heapsnap
class Session:
    def __init__(self, i): self.data = bytearray(200 + i % 7); self.name = "s%d" % i
_sessions = {}
for i in range(2000 * int(sys.argv[2])): _sessions[i] = Session(i)
a = []; a.append(a)
heapsnap.dump(sys.argv[1])
EOF
  done
fi

# ---- the commands
addr_of() { # file -> address of the largest retainer (from OLD)
  "$old/heapsnap" top --json -n 1 "$1" 2>/dev/null | grep -o '"addr": *"0x[0-9a-f]*"' | head -1 | grep -o '0x[0-9a-f]*'
}
n=0 bad=0
run() { # name, args... (in a fresh folder, so written files compare too)
  local name=$1; shift
  n=$((n + 1))
  for side in old new; do
    local d="$work/$side/$name"
    rm -rf "$d"; mkdir -p "$d"
    local bin=${!side}
    (cd "$d" && HEAPSNAP_NO_PROGRESS=1 "$bin/heapsnap" "$@" >.stdout 2>.stderr </dev/null; echo $? >.exit)
    # the report's nonce changes per page
    find "$d" -type f -name '*.html' -exec sed -i -E 's/nonce-[A-Za-z0-9+\/=]+/nonce-X/g; s/nonce="[^"]*"/nonce="X"/g' {} +
    sed -i -E 's/nonce-[A-Za-z0-9+\/=]+/nonce-X/g; s/nonce="[^"]*"/nonce="X"/g' "$d/.stdout"
  done
  if ! diff -r "$work/old/$name" "$work/new/$name" >/dev/null; then
    bad=$((bad + 1))
    if [ "$bad" -le 10 ]; then
      echo "DIFFERS: heapsnap $*"
      diff -r "$work/old/$name" "$work/new/$name" | head -20
    fi
  fi
}
for f in "$c"/*.hsnap "$c"/*.heapsnapshot; do
  b=$(basename "$f")
  run "info.$b" info "$f"
  run "info-json.$b" info --json "$f"
  run "summary.$b" summary "$f"
  run "summary-json.$b" summary --json -n 0 --sort count "$f"
  run "summary-exact.$b" summary --exact -n 5 "$f"
  run "top.$b" top "$f"
  run "top-json.$b" top --json -n 50 "$f"
  run "dom.$b" dominators "$f"
  run "dom-json.$b" dominators --json --depth 6 --min-bytes 0 "$f"
  run "cycles.$b" cycles -n 0 "$f"
  run "cycles-json.$b" cycles --json "$f"
  run "cycles-garbage.$b" cycles --garbage "$f"
  run "report.$b" report -o r.html --budget 500 "$f"
  a=$(addr_of "$f")
  if [ -n "$a" ]; then
    run "show.$b" show "$f" "$a"
    run "show-json.$b" show --json "$f" "$a"
    run "path.$b" path --all 3 "$f" "$a"
    run "path-json.$b" path --json "$f" "$a"
    run "graph.$b" graph -o g.dot "$f" "$a"
    run "graph-ref.$b" graph --direction referents --depth 2 -o - "$f" "$a"
    run "domroot.$b" dominators --root "$a" "$f"
  fi
  run "show-none.$b" show "$f" 0x1
  run "path-bad.$b" path "$f" zz
done
run import.tiny import "$c/tiny.heapsnapshot" -o t.hsnap
run import.sites import "$c/sites_tiny.heapsnapshot" -o t.hsnap
for set in "rand1 rand2 rand3" "heap1 heap2 heap3" "py1 py2 py3" "small small small"; do
  read -r s1 s2 s3 <<<"$set"
  [ -f "$c/$s1.hsnap" ] || continue
  f1=$c/$s1.hsnap f2=$c/$s2.hsnap f3=$c/$s3.hsnap
  run "diff.$s1" diff "$f1" "$f2"
  run "diff-json.$s1" diff --json "$f1" "$f2"
  for by in owner type site new; do
    run "diff-$by.$s1" diff --by "$by" -n 0 --noise 0 "$f1" "$f3"
    run "diff-$by-json.$s1" diff --by "$by" --json "$f1" "$f3"
  done
  run "leaks.$s1" leaks --noise 0 "$f1" "$f2" "$f3"
  run "leaks-json.$s1" leaks --json "$f1" "$f2" "$f3"
  run "trend.$s1" trend --noise 0 --ascii "$f1" "$f2" "$f3" "$f3"
  run "trend-json.$s1" trend --json "$f1" "$f2" "$f3"
  run "report-base.$s1" report --base "$f1" -o r.html --budget 300 "$f3"
done
run diff.v8 diff --by site "$c/sites_tiny.heapsnapshot" "$c/sites_tiny.heapsnapshot"
run diff.bad diff "$c/small.hsnap" "$c/junk.hsnap"
for cmd in info summary top dominators cycles path show diff leaks trend report graph import; do
  run "help.$cmd" "$cmd" --help
  run "usage.$cmd" "$cmd" --no-such-option
done
run help.main --help
run help.none
if [ "$bad" = 0 ]; then
  echo "compare_outputs: $n runs, all identical"
else
  echo "compare_outputs: $n runs, $bad differ (outputs in $work/old and $work/new)"
  exit 1
fi
