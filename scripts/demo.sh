#!/usr/bin/env bash
# scripts/demo.sh — the Quick start's first command: install what is needed,
# build, write a snapshot of an embedded example heap through the C API,
# and analyze it with `heapsnap info` and `heapsnap summary`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
./build/bin/hs_example demo.hsnap
echo
echo "\$ heapsnap info demo.hsnap"
./build/bin/heapsnap info demo.hsnap
echo
echo "\$ heapsnap summary demo.hsnap"
./build/bin/heapsnap summary demo.hsnap
