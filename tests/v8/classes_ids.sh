#!/usr/bin/env bash
# tests/v8/classes_ids.sh HEAPSNAP SCRATCH — DevTools' classes and node-id
# matching on two generated V8 snapshots of one "process" (written here by
# a small generator, no node needed; docs/v8.md#types,
# docs/diff.md#new-objects-and-identity). Checks that `summary` names plain
# objects by shape ({b, a} objects join the defined {a, b}, a lone {x} stays
# Object), keeps two Foo classes of two scripts apart, puts closures in
# Function, names detached DOM nodes as DevTools does; and that
# `diff --by new` and `leaks` match by node id alone: a string whose
# retainer path changed is not new, read directly or after import.
set -eu
hs=$1 dir=$2
mkdir -p "$dir"
cd "$dir"
python3 - <<'PY'
import json
NT = ["hidden", "array", "string", "object", "code", "closure", "regexp", "number", "native", "synthetic",
      "concatenated string", "sliced string", "symbol", "bigint", "object shape"]
ET = ["context", "element", "property", "internal", "hidden", "shortcut", "weak"]
def write(path, after):
    nodes, strings, sidx, locs = [], [], {}, []
    def s(x):
        if x not in sidx:
            sidx[x] = len(strings)
            strings.append(x)
        return sidx[x]
    def node(t, name, nid, size=16, det=0):
        nodes.append([t, name, nid, size, [], det])
        return len(nodes) - 1
    root = node("synthetic", "", 1, 0)
    win = node("object", "Window", 3)
    num = node("number", "1", 39)
    def edge(a, t, name, b):
        nodes[a][4].append((t, name, b))
    edge(root, "shortcut", "global", win)
    def plain(prop, nid, props):
        o = node("object", "Object", nid)
        for p in props:
            edge(o, "property", p, num)
        edge(o, "property", "__proto__", win)
        edge(win, "property", prop, o)
    for i, nid in enumerate([11, 13, 15] + ([41, 43] if after else [])):
        plain("p%d" % i, nid, ["a", "b"])
    plain("q1", 17, ["a", "b", "c"]); plain("q2", 19, ["a", "b", "c"])
    plain("r", 21, ["b", "a"]); plain("x", 23, ["x"])
    for prop, nid, script, line, col in [("f1", 25, 1, 4, 2), ("f2", 27, 2, 9, 0)]:
        f = node("object", "Foo", nid)
        edge(win, "property", prop, f)
        locs.append((f, script, line, col))
    fn = node("closure", "handler", 29)
    edge(win, "property", "fn", fn)
    moved = node("string", "v", 31)
    if after:  # the same string (id 31), now held by a new Holder: another retainer path
        h = node("object", "Holder", 45)
        edge(win, "property", "holder", h)
        edge(h, "property", "t", moved)
        edge(win, "property", "s2", node("string", "w", 47))
    else:
        edge(win, "property", "s", moved)
    div = node("native", '<div id="x">', 33, 16, 2)  # the file says detached
    edge(win, "property", "dom", div)
    edge(div, "element", 0, node("native", "Text", 35))  # detached by propagation
    edge(win, "property", "dom2", node("native", '<div class="y">', 37, 16, 1))
    flat, edges = [], []
    first = []
    for n in nodes:
        first.append(len(edges))
        for t, name, b in n[4]:
            edges += [ET.index(t), name if t in ("element", "hidden") else s(name), b * 6]
    for n in nodes:
        flat += [NT.index(n[0]), s(n[1]), n[2], n[3], len(n[4]), n[5]]
    meta = {"node_fields": ["type", "name", "id", "self_size", "edge_count", "detachedness"],
            "node_types": [NT, "string", "number", "number", "number", "number"],
            "edge_fields": ["type", "name_or_index", "to_node"],
            "edge_types": [ET, "string_or_number", "node"],
            "location_fields": ["object_index", "script_id", "line", "column"]}
    doc = {"snapshot": {"meta": meta, "node_count": len(nodes), "edge_count": len(edges) // 3},
           "nodes": flat, "edges": edges,
           "locations": [v for f, sc, l, c in locs for v in (f * 6, sc, l, c)], "strings": strings}
    json.dump(doc, open(path, "w"))
write("before.heapsnapshot", False)
write("after.heapsnapshot", True)
PY
fail=0
check() { # what command...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fail=1; fi
}
"$hs" summary --json -n 0 after.heapsnapshot >summary.json
count() { # TYPE -> its count in summary.json (0 when absent)
  python3 -c 'import json,sys; t={x["type"]: x["count"] for x in json.load(open(sys.argv[1]))["types"]}; print(t.get(sys.argv[2], 0))' summary.json "$1"
}
check "shape {a, b}: 5 + the {b, a} one" test "$(count '{a, b}')" = 6
check "shape {a, b, c}: 2" test "$(count '{a, b, c}')" = 2
check "a lone {x} stays Object" test "$(count Object)" = 1
check "no {b, a} or {x} class" test "$(count '{b, a}')$(count '{x}')" = 00
check "Foo of script 1 at 5:3" test "$(count 'Foo (script 1:5:3)')" = 1
check "Foo of script 2 at 10:1" test "$(count 'Foo (script 2:10:1)')" = 1
check "closures: Function" test "$(count Function)" = 1
check "detached <div id=x>: Detached <div>" test "$(count 'Detached <div>')" = 1
check "its Text child: Detached Text" test "$(count 'Detached Text')" = 1
check "the attached div: <div>" test "$(count '<div>')" = 1
check "strings: (string)" test "$(count '(string)')" = 2
newcheck() { # label BEFORE AFTER
  "$hs" diff --by new --json -n 0 --noise 0 "$2" "$3" >new.json
  local got
  got=$(python3 -c 'import json,sys; n=json.load(open(sys.argv[1]))["new"]; print(n["objects"], *sorted("%s=%d" % (t["type"], t["count"]) for t in n["by_type"]))' new.json)
  check "$1: new by id: $got" test "$got" = "4 (string)=1 Holder=1 {a, b}=2"
}
newcheck "direct" before.heapsnapshot after.heapsnapshot
"$hs" import before.heapsnapshot -o before.hsnap
"$hs" import after.heapsnapshot -o after.hsnap
newcheck "imported" before.hsnap after.hsnap
newcheck "one imported" before.hsnap after.heapsnapshot
# leaks S1 S2 S3: allocated between before and after, alive in after (by id)
"$hs" leaks --json --noise 0 before.heapsnapshot after.heapsnapshot after.heapsnapshot >leaks.json
check "leaks: 4 allocated in between, by id" test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["allocated"]["objects"])' leaks.json)" = 4
exit $fail
