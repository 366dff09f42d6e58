# SPDX-License-Identifier: MIT
"""tests/native/native_util.py — shared by the native tests: run a program
under libheapsnap-preload.so, decode a .hsnap with tests/helpers/hsjson,
classify its blocks into memcheck's leak kinds, and read valgrind's LEAK
SUMMARY.

The classifier is memcheck's algorithm (docs/native.md#leak-kinds), written
independently of the analyzer so the two can check each other:
  still reachable  a chain of start pointers from a root;
  possibly lost    reachable from a root, but only through some interior
                   pointer (label "interior");
  definitely lost  unreachable, and not reachable from another unreachable
                   block (one block per source strongly connected component
                   of the unreachable part: the lowest address, as memcheck
                   processes blocks in address order);
  indirectly lost  the rest of the unreachable blocks.
Root pseudo-blocks (size 0, type "[data] ...", "[stack] ...") are the roots.
"""
import json
import os
import re
import subprocess

PRELOAD = os.environ.get("HSN_PRELOAD", "")
HSJSON = os.environ.get("HSJSON", "")
HEAPSNAP = os.environ.get("HEAPSNAP", "")
BIN = os.environ.get("HSN_BIN", "")
VALGRIND = os.environ.get("VALGRIND", "valgrind")


def run_traced(argv, out, env=None, timeout=120, **kw):
    e = dict(os.environ)
    e.update({"LD_PRELOAD": PRELOAD, "HEAPSNAP_NATIVE_OUTPUT": out, "HEAPSNAP_NATIVE_FSYNC": "0"})
    if env:
        e.update(env)
    return subprocess.run(argv, env=e, timeout=timeout, capture_output=True, text=True, **kw)


def decode(path):
    """The records of a .hsnap, via hsjson: (header, types, blocks, roots, trailer)."""
    p = subprocess.run([HSJSON, path], capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise AssertionError("hsjson failed on %s: %s" % (path, p.stderr.strip()))
    snap = {"types": {}, "blocks": {}, "roots": [], "frames": {}, "sites": {}, "extra_refs": [], "values": {}}
    for line in p.stdout.splitlines():
        r = json.loads(line)
        k = r["kind"]
        if k == "header":
            snap["header"] = r
        elif k == "type":
            snap["types"][r["id"]] = r
        elif k == "frame":
            snap["frames"][r["id"]] = r
        elif k == "site":
            snap["sites"][r["id"]] = r["frames"]
        elif k == "block":
            snap["blocks"][r["addr"]] = r
        elif k == "refs":
            snap["extra_refs"].append(r)
        elif k == "root":
            snap["roots"].append(r)
        elif k == "value":
            snap["values"][r["addr"]] = r
        elif k == "trailer":
            snap["trailer"] = r
    for r in snap["extra_refs"]:
        snap["blocks"][r["from"]]["refs"].extend(r["refs"])
    return snap


def type_name(snap, block):
    return snap["types"][block["type"]]["name"]


def site_functions(snap, block):
    if block["site"] is None:
        return []
    return [snap["frames"][f]["function"] for f in snap["sites"][block["site"]]]


def is_pseudo(snap, block):
    return block["size"] == 0 and type_name(snap, block).startswith("[")


def leak_kinds(snap):
    """addr -> 'reachable' | 'possible' | 'definite' | 'indirect' for every heap block."""
    blocks = snap["blocks"]
    heap = {a for a, b in blocks.items() if not is_pseudo(snap, b)}
    roots = {r["addr"] for r in snap["roots"]}
    state = {}
    # 1. start-pointer chains from the roots
    todo = []
    for r in roots:
        for ref in blocks[r]["refs"]:
            if ref["label"] != "interior" and ref["to"] in heap and ref["to"] not in state:
                state[ref["to"]] = "reachable"
                todo.append(ref["to"])
    while todo:
        a = todo.pop()
        for ref in blocks[a]["refs"]:
            if ref["label"] != "interior" and ref["to"] in heap and ref["to"] not in state:
                state[ref["to"]] = "reachable"
                todo.append(ref["to"])
    # 2. anything else reachable from a root or a reachable block
    todo = list(roots) + [a for a in state]
    seen = set(todo)
    while todo:
        a = todo.pop()
        for ref in blocks[a]["refs"]:
            t = ref["to"]
            if t in heap and t not in seen:
                seen.add(t)
                if t not in state:
                    state[t] = "possible"
                todo.append(t)
    # 3. cliques of the unreachable, leaders in address order
    for a in sorted(heap):
        if a in state:
            continue
        state[a] = "definite"
        todo = [a]
        while todo:
            x = todo.pop()
            for ref in blocks[x]["refs"]:
                t = ref["to"]
                if t not in heap or t == a:
                    continue
                if t not in state or state[t] == "definite":
                    state[t] = "indirect"
                    todo.append(t)
    return state


def kind_totals(snap, state):
    out = {k: [0, 0] for k in ("definite", "indirect", "possible", "reachable")}
    for a, k in state.items():
        out[k][0] += snap["blocks"][a]["size"]
        out[k][1] += 1
    return out


_VG = {"definitely lost": "definite", "indirectly lost": "indirect", "possibly lost": "possible",
       "still reachable": "reachable"}


def valgrind_totals(argv, timeout=300):
    if not VALGRIND:
        raise AssertionError("valgrind not found: it is the leak-kind oracle (scripts/deps.sh installs it)")
    cmd = [VALGRIND, "--leak-check=full", "--show-leak-kinds=all", "--leak-check-heuristics=none",
           "--run-libc-freeres=no", "--run-cxx-freeres=no"] + argv
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = {k: [0, 0] for k in _VG.values()}
    for line in p.stderr.splitlines():
        m = re.search(r"(definitely lost|indirectly lost|possibly lost|still reachable): ([\d,]+) bytes in ([\d,]+) blocks",
                      line)
        if m:
            out[_VG[m.group(1)]] = [int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))]
    if "LEAK SUMMARY" not in p.stderr and "All heap blocks were freed" not in p.stderr:
        raise AssertionError("no leak summary from valgrind:\n" + p.stderr[-2000:])
    return out
