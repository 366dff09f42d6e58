#!/usr/bin/env bash
# scripts/gen_man.sh — the man pages, generated from the option tables: heapsnap(1) from the command
# table (`heapsnap --help-man`) and heapsnap-<command>(1) from each command's (`<command> --help-man`).
# The build runs it after linking heapsnap (analyze/CMakeLists.txt) into build/share/man/man1, which
# `cmake --install` copies; `heapsnap help CMD` opens the page found beside the binary (docs/cli.md#help).
#   gen_man.sh HEAPSNAP_BINARY OUT_DIR
set -euo pipefail
bin=$1 out=$2
mkdir -p "$out"
"$bin" --help-man > "$out/heapsnap.1.tmp" && mv "$out/heapsnap.1.tmp" "$out/heapsnap.1"
for c in $("$bin" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}'); do
  "$bin" "$c" --help-man > "$out/heapsnap-$c.1.tmp"
  mv "$out/heapsnap-$c.1.tmp" "$out/heapsnap-$c.1"
done
