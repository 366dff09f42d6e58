#!/usr/bin/env bash
# scripts/demo.sh — the Quick start's first command: install what is needed,
# build (C library, CLI, CPython extension), run a leaking Python program
# that dumps its own heap (dump/python/examples/leak_demo.py), and ask the
# analyzer who holds the memory.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHS_PYTHON=ON \
      -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build
PYTHONPATH=build/python /usr/bin/python3 dump/python/examples/leak_demo.py demo.hsnap
run() { echo; echo "\$ heapsnap $*"; ./build/bin/heapsnap "$@"; }
run info demo.hsnap
run summary -n 6 demo.hsnap
run top -n 3 demo.hsnap
