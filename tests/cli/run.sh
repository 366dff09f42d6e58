#!/usr/bin/env bash
# tests/cli/run.sh — run one CLI case (tests/cli/<command>/<case>.sh) in a
# fresh temporary directory and compare with the files beside it:
#   <case>.sh.exit         expected exit status (default 0)
#   <case>.sh.stdout.exact expected stdout, byte for byte
#   <case>.sh.stdout.glob  bash glob the whole stdout must match (* spans lines)
#   <case>.sh.stderr.exact / <case>.sh.stderr.glob   the same for stderr
# Without a stderr file, stderr must be empty. Environment: HEAPSNAP, MKSNAP,
# HS_EXAMPLE, DATA (tests/data), BIN.
set -u
case_file=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && bash "$case_file" >"$work/.stdout" 2>"$work/.stderr")
status=$?
fail=0
expected_exit=0
[ -f "$case_file.exit" ] && expected_exit=$(tr -d ' \n' <"$case_file.exit")
if [ "$status" != "$expected_exit" ]; then
  echo "FAIL: exit status $status, expected $expected_exit"
  fail=1
fi
check() { # stream
  local s=$1 actual
  actual=$(cat "$work/.$s"; printf x); actual=${actual%x}
  if [ -f "$case_file.$s.exact" ]; then
    if ! cmp -s "$case_file.$s.exact" "$work/.$s"; then
      echo "FAIL: $s differs from $case_file.$s.exact:"
      diff -u "$case_file.$s.exact" "$work/.$s" | head -40
      fail=1
    fi
  elif [ -f "$case_file.$s.glob" ]; then
    local pattern
    pattern=$(cat "$case_file.$s.glob")
    actual=${actual%$'\n'}
    # shellcheck disable=SC2053
    if [[ $actual != $pattern ]]; then
      echo "FAIL: $s does not match $case_file.$s.glob:"
      echo "--- pattern"; echo "$pattern"; echo "--- actual"; echo "$actual" | head -40
      fail=1
    fi
  elif [ "$s" = stderr ] && [ -s "$work/.stderr" ]; then
    echo "FAIL: unexpected stderr:"; head -20 "$work/.stderr"; fail=1
  fi
}
check stdout
check stderr
if [ $fail = 0 ]; then echo "ok: $case_file"; fi
exit $fail
