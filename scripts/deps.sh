#!/usr/bin/env bash
# scripts/deps.sh — install the Debian 12 packages heapsnap needs to build,
# test and fuzz (as root; apt only). Quick when everything is there already.
set -euo pipefail
pkgs=(
  gcc make cmake ninja-build pkg-config   # build
  libzstd-dev libcbor-dev                 # the format: zstd + CBOR
  libsqlite3-dev                          # heapsnap export --sqlite
  clang libclang-rt-14-dev                # libFuzzer and sanitizer runtimes (fuzzing in CI)
  python3 python3-dev python3-pip python3-venv  # the CPython extension (dump/python; pip: an in-tree backend, no setuptools)
  python3-numpy python3-pandas python3-sympy python3-sqlalchemy  # tests/bench/bench_python.py --real (not run in CI)
  python3-lxml                            # tests/python/test_diff: lxml's iterparse leak grows native memory
  chromium                                # the HTML report's browser tests
  nodejs                                  # writes V8 heap snapshots for the importer's tests
  g++ valgrind libdw-dev                  # native heaps: the C++ case, the leak-kind oracle, file:line (dump/native)
  groff-base                              # the man pages are checked with groff (tests/cli/help/man.sh)
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
