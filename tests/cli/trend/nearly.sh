# Five snapshots, four steps: an owner must grow in 3 of them. app.work
# stays at 50 entries in the first step, then gains 50 in each of the
# others (200 B strings): reported (3 of 4), with its figures before it started growing;
# app.cache grows in every step and ranks first. --json, one line per owner.
base='type module builtins
type dict builtins
type str builtins
type bytes builtins
type list builtins
root 0x1000 global app
block 0x1000 72 0
ref 0x1000 0x2000 __dict__
block 0x2000 1000 1
ref 0x2000 0x3000 cache
ref 0x2000 0x3100 work
block 0x3000 2000 1
block 0x3100 500 4'
for k in 1 2 3 4 5; do
  w=50; [ $k -gt 2 ] && w=$((50 * (k - 1)))
  { echo "$base"
    echo "many $((100 * k)) 0x100000 0x100 1000 3 0x3000 -"
    echo "many $w 0x2000000 0x100 200 2 0x3100 @"; } | "$BIN/mkdiff" s$k.hsnap
done
"$HEAPSNAP" trend --json s1.hsnap s2.hsnap s3.hsnap s4.hsnap s5.hsnap >out.json || exit 1
python3 - <<'PY'
import json
d = json.load(open("out.json"))
print(d["steps"], d["need"], d["threshold"], [s["file"] for s in d["snapshots"]])
for o in d["owners"]:
    print(o["owner"], o["type"], o["grew"], o["growth"], o["bytes_per_step"], o["entries_type"])
    print("  retained", o["retained"])
    print("  entries", o["entries"])
    print("  steps", o["step_growth"])
    print("  path", [s.get("label") for s in o["path"][1:]])
PY
echo "--- four snapshots, three steps, all needed: app.work (2 of 3) drops out"
"$HEAPSNAP" trend --ascii s1.hsnap s2.hsnap s3.hsnap s4.hsnap | grep '^[0-9]'
