#!/usr/bin/env bash
# scripts/test.sh — the whole test suite (the Quick start's second command,
# and what CI runs): a -Werror build and its ctest suite (unit, CLI cases,
# malformed corpus, fuzz corpus replay, Python), the same suite built with
# AddressSanitizer + UndefinedBehaviorSanitizer, then each libFuzzer target
# for HS_FUZZ_SECONDS (default 60). Ends with "ci: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1
jobs=$(nproc)
passed=0 failed=0
export CTEST_OUTPUT_ON_FAILURE=1

run_suite() { # name, build dir, cmake args...
  local name=$1 dir=$2; shift 2
  echo "== $name: configure and build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja -DHS_WERROR=ON "$@" >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; failed=$((failed+1)); return
  fi
  if ! cmake --build "$dir" -j "$jobs" >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"; echo "$name: build failed"; failed=$((failed+1)); return
  fi
  echo "== $name: ctest"
  (cd "$dir" && ctest -j "$jobs" --timeout 900) | tee "$dir.ctest.log"
  local line p t
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$dir.ctest.log" | tail -1)
  if [ -z "$line" ]; then failed=$((failed+1)); return; fi
  t=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  p=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  passed=$((passed + t - p)); failed=$((failed + p))
}

# The layout's dependency rule (docs/analyzer.md#layout) on every #include.
echo "== layout: scripts/check_layout.sh"
if bash scripts/check_layout.sh; then passed=$((passed+1)); else failed=$((failed+1)); fi

py=(-DHS_PYTHON=ON -DPython3_EXECUTABLE=/usr/bin/python3)
run_suite "release" build-ci "${py[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "asan+ubsan" build-ci-asan -DHS_SANITIZE=ON -DHS_BENCH=OFF "${py[@]}"

# Bounded fuzzing with clang's libFuzzer (ASan+UBSan on). A crash fails CI and
# leaves the input in build-ci-fuzz/artifacts/ (add it to tests/fuzz/corpus_<target>/).
secs=${HS_FUZZ_SECONDS:-60}
echo "== fuzz: ${secs}s per target"
if CC=clang cmake -S . -B build-ci-fuzz -G Ninja -DHS_WERROR=ON -DHS_FUZZ=ON -DHS_SANITIZE=ON -DHS_BENCH=OFF \
      >build-ci-fuzz.configure.log 2>&1 && cmake --build build-ci-fuzz -j "$jobs" >build-ci-fuzz.build.log 2>&1; then
  mkdir -p build-ci-fuzz/artifacts
  for t in reader roundtrip records v8 diff; do
    work=build-ci-fuzz/corpus_$t; mkdir -p "$work"
    seeds=(tests/fuzz/corpus_$t)
    [ "$t" = reader ] && seeds+=(tests/data/bad tests/data/good tests/fuzz/corpus)
    [ "$t" = v8 ] && seeds+=(tests/data/v8 tests/data/v8/bad)
    if ./build-ci-fuzz/bin/fuzz_$t -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 -timeout=20 \
         -artifact_prefix=build-ci-fuzz/artifacts/ -print_final_stats=1 "$work" "${seeds[@]}" \
         >"build-ci-fuzz/fuzz_$t.log" 2>&1; then
      echo "fuzz_$t: clean, $(grep -m1 'stat::number_of_executed_units' "build-ci-fuzz/fuzz_$t.log" | awk '{print $2}') runs"
      passed=$((passed+1))
    else
      echo "fuzz_$t: FAILED"; grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "build-ci-fuzz/fuzz_$t.log" | head -30
      failed=$((failed+1))
    fi
  done
else
  tail -30 build-ci-fuzz.build.log build-ci-fuzz.configure.log 2>/dev/null; echo "fuzz: build failed"; failed=$((failed+1))
fi

echo "ci: $passed passed, $failed failed"
[ "$failed" = 0 ]
