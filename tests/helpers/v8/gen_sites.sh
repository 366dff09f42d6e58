#!/usr/bin/env bash
# tests/helpers/v8/gen_sites.sh OUTDIR — run tests/helpers/v8/gen_sites.js twice with node:
# OUTDIR/sites_traced.heapsnapshot with --track-heap-objects (allocation
# trace and locations), OUTDIR/sites_located.heapsnapshot without (locations
# only). Fails with a clear message when node is missing (Debian: nodejs).
set -eu
if ! command -v node >/dev/null 2>&1; then
  echo "tests/v8: 'node' not found on PATH: install Node.js (Debian package 'nodejs') to run the V8 tests" >&2
  exit 1
fi
gen="$(cd "$(dirname "$0")" && pwd)/gen_sites.js"
mkdir -p "$1"
cd "$1"
node --track-heap-objects "$gen" sites_traced.heapsnapshot
node "$gen" sites_located.heapsnapshot
test -s sites_traced.heapsnapshot && test -s sites_located.heapsnapshot
