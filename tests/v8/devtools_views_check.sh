#!/usr/bin/env bash
# tests/v8/devtools_views_check.sh HEAPSNAP SCRATCH — heapsnap's summary and
# diff --by new against Chrome DevTools' own Summary and Comparison views on
# a leaking session store (tests/helpers/v8/gen_session.js, dumped twice),
# through tests/v8/devtools/devtools_views.sh. Needs node and the DevTools oracle
# (tests/v8/devtools/devtools_oracle.sh DIR; DIR from $DEVTOOLS_ORACLE_DIR, default
# /tmp/devtools-oracle): without them it says SKIPPED and exits 77, which
# ctest shows as a skipped test (never a silent pass).
set -eu
hs=$1 scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
oracle=${DEVTOOLS_ORACLE_DIR:-/tmp/devtools-oracle}
if ! command -v node >/dev/null 2>&1; then
  echo "SKIPPED: node not found on PATH (Debian package nodejs)"
  exit 77
fi
if [ ! -f "$oracle/heap_snapshot.mjs" ]; then
  echo "SKIPPED: no DevTools oracle at $oracle: run tests/v8/devtools/devtools_oracle.sh $oracle (npm) or set DEVTOOLS_ORACLE_DIR"
  exit 77
fi
mkdir -p "$scratch"
node "$here/../helpers/v8/gen_session.js" "$scratch/before.heapsnapshot" "$scratch/after.heapsnapshot" 2000
bash "$here/devtools/devtools_views.sh" "$hs" "$oracle" "$scratch/before.heapsnapshot" "$scratch/after.heapsnapshot"
