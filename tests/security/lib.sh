# tests/security/lib.sh — helpers of the issue-19 regression cases, sourced
# by run.sh: expect RC GLOB CMD... runs CMD and asserts its exit status and
# that stderr is exactly one line matching the bash glob GLOB ("" for an
# empty stderr); pass/fail record a check; finish ends the case.
hs_fails=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; hs_fails=$((hs_fails + 1)); }
check() { # description, then a command whose success is the check
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
expect() { # rc glob cmd...
  local want=$1 glob=$2; shift 2
  "$@" >out.txt 2>err.txt
  local rc=$? lines first
  lines=$(wc -l <err.txt)
  first=$(head -n1 err.txt)
  if [ "$rc" != "$want" ]; then
    fail "$* -> exit $rc, want $want; stderr: $(head -c 300 err.txt)"
  elif [ -z "$glob" ] && [ -s err.txt ]; then
    fail "$* -> unexpected stderr: $(head -c 300 err.txt)"
  elif [ -n "$glob" ] && { [ "$lines" != 1 ] || [[ "$first" != $glob ]]; }; then
    fail "$* -> stderr ($lines lines): $(head -c 300 err.txt); want one line like: $glob"
  else
    pass "$* -> exit $rc"
  fi
}
mode_of() { stat -c %a "$1"; }
not() { ! "$@"; }
finish() {
  if [ "$hs_fails" = 0 ]; then echo "all checks passed"; exit 0; fi
  echo "$hs_fails checks failed"; exit 1
}
