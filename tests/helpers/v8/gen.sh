#!/usr/bin/env bash
# tests/helpers/v8/gen.sh OUT.heapsnapshot — run tests/helpers/v8/gen_heap.js with node.
# Fails with a clear message when node is missing (Debian package: nodejs).
set -eu
if ! command -v node >/dev/null 2>&1; then
  echo "tests/v8: 'node' not found on PATH: install Node.js (Debian package 'nodejs') to run the V8 tests" >&2
  exit 1
fi
mkdir -p "$(dirname "$1")"
cd "$(dirname "$1")"
node "$(dirname "$0")/gen_heap.js" "$(basename "$1")"
test -s "$(basename "$1")"
