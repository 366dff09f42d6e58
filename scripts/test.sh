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
# Chrome DevTools' own heap-snapshot code (npm), the oracle that tests/v8
# compares retained sizes and the Summary and Comparison views with
# (tests/v8/devtools/devtools_oracle.sh). Without npm or the registry those
# tests say SKIPPED.
oracle=${DEVTOOLS_ORACLE_DIR:-${TMPDIR:-/tmp}/heapsnap-devtools-oracle}
if command -v npm >/dev/null 2>&1 && bash tests/v8/devtools/devtools_oracle.sh "$oracle" >build-ci-devtools.log 2>&1; then
  export DEVTOOLS_ORACLE_DIR=$oracle
  echo "== devtools oracle: ready in $oracle"
else
  echo "== devtools oracle: could not be set up (build-ci-devtools.log): the DevTools comparisons are SKIPPED"
fi
run_suite "release" build-ci "${py[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "asan+ubsan" build-ci-asan -DHS_SANITIZE=ON -DHS_BENCH=OFF "${py[@]}"

# ---- The Python writer on every supported CPython (docs/python.md#versions) ----
# Debian's python3 ran in the two suites above. Here each supported family
# (3.10-3.13) found under `pyenv root`/versions gets a small build of its
# own (-DHS_PYTHON=ON -DPython3_EXECUTABLE=…; only the extension, the
# analyzer and hsjson) and runs the python suite there (ctest -L python).
# A family with no interpreter on this machine, or no pyenv at all, is
# named in the summary as not tested: never a silent pass.
py_families=(3.10 3.11 3.12 3.13)
py_ran=() py_missing=()
py_suite() { # family, interpreter
  local fam=$1 exe=$2 dir=build-ci-py${1/./}
  echo "== python $fam: $exe ($($exe -c 'import sys; print(sys.version.split()[0])' 2>&1))"
  if ! cmake -S . -B "$dir" -G Ninja -DHS_WERROR=ON -DHS_BENCH=OFF -DHS_PYTHON=ON -DPython3_EXECUTABLE="$exe" \
        >"$dir.configure.log" 2>&1; then
    cat "$dir.configure.log"; failed=$((failed+1)); py_ran+=("$fam:configure-failed"); return
  fi
  if ! cmake --build "$dir" -j "$jobs" --target hs_python_ext hs_analyze_ext heapsnap_cli hsjson hsext >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"; echo "python $fam: build failed"; failed=$((failed+1)); py_ran+=("$fam:build-failed"); return
  fi
  (cd "$dir" && ctest -j "$jobs" -L python --timeout 900) | tee "$dir.ctest.log"
  local line p t
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$dir.ctest.log" | tail -1)
  if [ -z "$line" ]; then failed=$((failed+1)); py_ran+=("$fam:no-result"); return; fi
  t=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
  p=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
  passed=$((passed + t - p)); failed=$((failed + p))
  py_ran+=("$fam:$((t - p))/$t")
}
if command -v pyenv >/dev/null 2>&1 && pyroot=$(pyenv root 2>/dev/null) && [ -d "$pyroot/versions" ]; then
  for fam in "${py_families[@]}"; do
    exe=$(ls -d "$pyroot"/versions/"$fam".*/bin/python"$fam" 2>/dev/null | sort -V | tail -1)
    if [ -n "$exe" ] && [ -x "$exe" ]; then py_suite "$fam" "$exe"; else py_missing+=("$fam"); fi
  done
else
  echo "== python: pyenv not found; only Debian's python3 was tested"
  py_missing=("${py_families[@]}")
fi
echo "python: Debian python3 $(/usr/bin/python3 -c 'import sys; print(sys.version.split()[0])') in the suites above;" \
     "pyenv: ${py_ran[*]:-none}; NOT TESTED here: ${py_missing[*]:-none}"

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
