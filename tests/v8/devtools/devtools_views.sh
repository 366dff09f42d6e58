#!/usr/bin/env bash
# tests/v8/devtools/devtools_views.sh HEAPSNAP ORACLE_DIR BEFORE AFTER [ROWS] —
# heapsnap's `summary` of AFTER and `diff --by new` BEFORE -> AFTER against
# Chrome DevTools' own Summary and Comparison views of the same files
# (tests/v8/devtools/devtools_views.mjs on the oracle devtools_oracle.sh builds),
# class by class. Prints the ROWS (default 10) largest classes by count:
#   class | count DevTools (Summary) | all nodes (DevTools' class) | heapsnap |
#   # New DevTools (Comparison) | new by id alone (DevTools' class) | heapsnap
# and fails unless, for every class DevTools lists, heapsnap's count, shallow
# bytes are DevTools', and so are the retained bytes of every class without
# members of shallow size 0 (count: every node of the class, also those whose
# shallow size DevTools moved to their owner, which its Summary leaves out,
# and which DevTools' class retained size skips), and heapsnap's new count is the number of nodes of the class
# whose id BEFORE lacks (DevTools' "# New" also counts an object that changed
# class; `diff` leaves out a type whose new objects weigh 0 bytes). A class DevTools names by location ("scriptId,line,col,Name") is
# heapsnap's "Name (script:line:col)" when the name is ambiguous (with
# " [script N]" when two scripts share a name). See docs/v8.md.
set -eu
if [ $# -lt 4 ]; then
  echo "usage: $0 HEAPSNAP ORACLE_DIR BEFORE AFTER [ROWS]" >&2
  exit 2
fi
hs=$1 oracle=$2 before=$3 after=$4 rows=${5:-10}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
DEVTOOLS_ORACLE_DIR=$oracle node "$here/devtools_views.mjs" "$before" "$after" >"$work/dt.tsv"
"$hs" summary --json -n 0 "$after" >"$work/summary.json"
"$hs" diff --by new --json -n 0 --noise 0 "$before" "$after" >"$work/new.json"
python3 - "$work" "$rows" <<'PY'
import json, re, sys
work, rows = sys.argv[1], int(sys.argv[2])
summ, comp = {}, {}
for line in open(f"{work}/dt.tsv", encoding="utf-8"):
    if line.startswith("#"):
        print(line.rstrip())
        continue
    f = line.rstrip("\n").split("\t")
    (summ if f[0] == "summary" else comp)[f[1]] = f[2:]
ours = {t["type"]: t for t in json.load(open(f"{work}/summary.json", encoding="utf-8"))["types"]}
new = {t["type"]: t["count"] for t in json.load(open(f"{work}/new.json", encoding="utf-8"))["new"]["by_type"]}
names = {}
for k, v in list(summ.items()) + list(comp.items()):
    names.setdefault(v[0], set()).add(k)
located = {}
for t in ours:
    m = re.fullmatch(r"(.*) \((.*):(\d+):(\d+)\)(?: \[script (\d+)\])?", t)
    if m:
        located.setdefault((m.group(1), int(m.group(3)), int(m.group(4))), []).append(t)
def our_name(key, name, want=None):
    """heapsnap's type for DevTools' class key; several scripts may locate
    a class at one line and column (DevTools knows only their ids): then the
    one whose figures `want` picks out (count, shallow, retained)."""
    if len(names[name]) == 1 or key.startswith(","):
        return name
    sid, line, col = key.split(",")[:3]
    c = located.get((name, int(line) + 1, int(col) + 1), [])
    tagged = [t for t in c if t.endswith(f" [script {sid}]")]
    if tagged:
        return tagged[0]
    fit = [t for t in c if want and (ours[t]["count"], ours[t]["shallow"], ours[t]["retained"]) == want]
    return (fit or c or [f"{name} (?:{int(line) + 1}:{int(col) + 1})"])[0]
bad = []
for key, (name, count, self_, ret, allc) in summ.items():
    n = our_name(key, name, (int(allc), int(self_), int(ret)))
    o = ours.get(n)
    # DevTools' class retained size skips members of shallow size 0 (and so
    # does not count the root for "(synthetic)"): compared where it has none
    if not o or o["count"] != int(allc) or o["shallow"] != int(self_) or (
            int(count) == int(allc) and o["retained"] != int(ret)):
        bad.append(f"summary {n}: DevTools {allc} nodes / {self_} B / retained {ret}, heapsnap "
                   + (f"{o['count']} / {o['shallow']} B / retained {o['retained']}" if o else "no such type"))
matched = set()
for key, (name, added, removed, byid, byid_self) in comp.items():
    n = our_name(key, name)
    matched.add(n)
    if new.get(n, 0) != int(byid) and int(byid_self):  # diff lists no type whose new objects weigh 0 B
        bad.append(f"new {n}: {byid} nodes of the class not in BEFORE by id (DevTools # New {added}), heapsnap {new.get(n, 0)}")
for n, c in new.items():
    if n not in matched and c:
        bad.append(f"new {n}: heapsnap {c}, DevTools none")
top = sorted(summ.items(), key=lambda kv: (-int(kv[1][1]), kv[1][0]))[:rows]
print("| class | count DevTools | all nodes | heapsnap | # New DevTools | new by id | heapsnap new |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key, (name, count, self_, ret, allc) in top:
    n = our_name(key, name)
    c = comp.get(key, [name, "0", "0", "0", "0"])
    print(f"| {n} | {count} | {allc} | {ours[n]['count'] if n in ours else '-'} | {c[1]} | {c[3]} | {new.get(n, 0)} |")
tot_dt = sum(int(v[1]) for v in comp.values())
tot_id = sum(int(v[3]) for v in comp.values())
print(f"new objects: DevTools # New {tot_dt}, by id alone {tot_id}, heapsnap {sum(new.values())}")
for b in bad[:20]:
    print("FAIL:", b)
if bad:
    print(f"FAIL: {len(bad)} classes differ")
    sys.exit(1)
print(f"ok: {len(summ)} Summary classes and {len(comp)} Comparison classes agree")
PY
