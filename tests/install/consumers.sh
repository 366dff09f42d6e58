#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tests/install/consumers.sh — install a build into a temporary prefix and
# build the README's example program against it four ways: pkg-config with
# the shared library, pkg-config with the static library alone (a prefix
# copy without the .so, so `pkg-config --static` must name zstd and libcbor),
# and find_package(heapsnap) with heapsnap::heapsnap and
# heapsnap::heapsnap_static. Each program writes a dump that the installed
# `heapsnap info` must read. No network, nothing outside the temp directory.
#   consumers.sh BUILD_DIR EXAMPLE_C CC CMAKE GENERATOR MAKE_PROGRAM
set -euo pipefail
build=$1 example=$(realpath "$2") cc=$3 cmake=$4 generator=$5 make_program=$6
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$cmake" --install "$build" --prefix "$t/prefix" >"$t/install.log" || { cat "$t/install.log"; fail "cmake --install"; }
p=$t/prefix
[ -x "$p/bin/heapsnap" ] || fail "no bin/heapsnap installed"
for h in heapsnap.h hs_format.h; do [ -f "$p/include/$h" ] || fail "$h not installed"; done
pc=$(find "$p" -name heapsnap.pc | head -1)
[ -n "$pc" ] || fail "no heapsnap.pc installed"
cfg=$(find "$p" -name heapsnapConfig.cmake | head -1)
[ -n "$cfg" ] || fail "no heapsnapConfig.cmake installed"
libdir=$(dirname "$(dirname "$pc")")
for m in heapsnap heapsnap-top heapsnap-index; do
  [ -f "$p/share/man/man1/$m.1" ] || fail "man page $m.1 not installed"
done

# a dump the installed CLI reads: exit 0, and the example's own types
check_dump() { # label file
  "$p/bin/heapsnap" info "$2" >"$t/info.txt" 2>&1 || { cat "$t/info.txt"; fail "$1: heapsnap info"; }
  "$p/bin/heapsnap" summary "$2" >"$t/summary.txt" 2>&1 || fail "$1: heapsnap summary"
  grep -q "Session" "$t/summary.txt" || { cat "$t/summary.txt"; fail "$1: no Session in the dump's types"; }
  echo "ok: $1"
}

# 1. pkg-config, shared
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
"$cc" -o "$t/ex-pc" "$example" $(pkg-config --cflags --libs heapsnap) || fail "pkg-config shared: build"
readelf -d "$t/ex-pc" | grep -q 'NEEDED.*libheapsnap\.so' || fail "pkg-config shared: not linked to libheapsnap.so"
LD_LIBRARY_PATH=$libdir "$t/ex-pc" "$t/pc.hsnap" >/dev/null || fail "pkg-config shared: run"
check_dump "pkg-config, shared" "$t/pc.hsnap"

# 2. pkg-config, static: the same prefix without the shared library
cp -a "$p" "$t/sprefix"
slib=$t/sprefix/${libdir#"$p"/}
rm -f "$slib"/libheapsnap.so*
export PKG_CONFIG_PATH=$slib/pkgconfig
# shellcheck disable=SC2046
"$cc" -o "$t/ex-pcs" "$example" $(pkg-config --static --cflags --libs heapsnap) || fail "pkg-config static: build"
if readelf -d "$t/ex-pcs" | grep -q 'NEEDED.*libheapsnap'; then fail "pkg-config static: linked to a shared libheapsnap"; fi
"$t/ex-pcs" "$t/pcs.hsnap" >/dev/null || fail "pkg-config static: run"
check_dump "pkg-config, static" "$t/pcs.hsnap"
unset PKG_CONFIG_PATH

# 3, 4. find_package, one project per target
for target in heapsnap heapsnap_static; do
  d=$t/cm-$target
  mkdir -p "$d"
  cat >"$d/CMakeLists.txt" <<CM
cmake_minimum_required(VERSION 3.25)
project(consumer C)
find_package(heapsnap 0.1 REQUIRED)
add_executable(ex "$example")
target_link_libraries(ex PRIVATE heapsnap::$target)
CM
  "$cmake" -S "$d" -B "$d/build" -G "$generator" -DCMAKE_MAKE_PROGRAM="$make_program" -DCMAKE_C_COMPILER="$cc" \
    -DCMAKE_PREFIX_PATH="$p" >"$d/log" 2>&1 || { cat "$d/log"; fail "find_package $target: configure"; }
  "$cmake" --build "$d/build" >>"$d/log" 2>&1 || { cat "$d/log"; fail "find_package $target: build"; }
  if [ $target = heapsnap ]; then
    readelf -d "$d/build/ex" | grep -q 'NEEDED.*libheapsnap\.so' || fail "find_package heapsnap: not the shared library"
  elif readelf -d "$d/build/ex" | grep -q 'NEEDED.*libheapsnap'; then
    fail "find_package heapsnap_static: linked to a shared libheapsnap"
  fi
  "$d/build/ex" "$t/$target.hsnap" >/dev/null || fail "find_package $target: run"
  check_dump "find_package, heapsnap::$target" "$t/$target.hsnap"
done
echo "install/consumers: ok"
