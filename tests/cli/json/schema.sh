# Every --json output is one object whose first key is "schema", an integer
# (docs/cli.md#json-schema); every command prints the same one.
"$MKSNAP" small s.hsnap
check() { # label, then the command's arguments
  local label=$1; shift
  "$HEAPSNAP" "$@" >out.json || { echo "$label: exit $?"; return; }
  python3 -c '
import json, sys
d = json.load(open("out.json"))
k = next(iter(d))
print(sys.argv[1] + ":", k, type(d[k]).__name__, d[k])' "$label"
}
check info info --json s.hsnap
check info-v8 info --json "$DATA/v8/tiny.heapsnapshot"
check summary summary --json s.hsnap
check top top --json s.hsnap
check top-raw top --raw --json s.hsnap
check suspects suspects --json s.hsnap
check dominators dominators --json s.hsnap
check cycles cycles --json s.hsnap
check path path --json s.hsnap 0x2000
check show show --json s.hsnap 0x2000
check diff diff --json s.hsnap s.hsnap
check leaks leaks --json s.hsnap s.hsnap s.hsnap
check trend trend --json s.hsnap s.hsnap s.hsnap
