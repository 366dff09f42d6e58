#!/usr/bin/env bash
# tests/security/run.sh — run one issue-19 regression case
# (tests/security/<defect>.sh) in a fresh temporary folder, with lib.sh's
# helpers loaded. The case fails by exiting non-zero; each check prints
# "ok: ..." or "FAIL: ...". Environment: HEAPSNAP, MKSNAP, HSGEN, MKHOSTILE,
# DATA (tests/data), BIN, SECURITY (this folder).
set -u
case_file=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
# shellcheck source=lib.sh
. "$here/lib.sh"
. "$case_file"
finish
