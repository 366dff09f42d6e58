# SPDX-License-Identifier: MIT
"""tests/python/test_orphans.py — objects held by C code only (issue 16,
docs/python.md#orphans): a str and a dict whose only reference is one a C
caller never released (ctypes.pythonapi.Py_IncRef, then del) are in the dump
when heapsnap.track() (or HEAPSNAP_TRACK=1) recorded their allocation: each
a block of its real size and type under an external root named "held by C
code only" counting the leaked reference, the dict's payload reached through
it; `heapsnap top` names the str; a clean program has no orphan; without
tracking the dump is as before (no orphan, the leaked str absent)."""

import sys
import unittest

from hstest import ROOT_EXTERNAL, analyze, child

ORPHAN = "held by C code only"

PROGRAM = """
    import ctypes, os, sys, heapsnap
    if sys.argv[2] in ("track", "both"):
        heapsnap.track()
    if sys.argv[2] == "both":                         # tracemalloc wraps track()'s hooks
        import tracemalloc; tracemalloc.start(5)
    assert heapsnap.tracking() == (sys.argv[2] != "off")
    big = ("leaked-%d-" % os.getpid()) * 200_000      # made at run time: not a constant
    drain = [{} for _ in range(200)]  # dicts come from a free list made before track(): empty it first
    holder = {"payload": bytes(300_000)}              # no GC-tracked value: an untracked dict
    ids = {"str": id(big), "str_size": sys.getsizeof(big), "dict": id(holder),
           "dict_size": sys.getsizeof(holder), "payload": id(holder["payload"])}
    for o in (big, holder):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))   # a reference no one releases
    del big, holder, o
    r = heapsnap.dump(sys.argv[1], values=os.environ.get("HS_VALUES") == "1")
    ids["orphans"] = r.orphans
    report(ids)
"""

CLEAN = """
    import json, os, re, sys, heapsnap
    assert heapsnap.tracking()
    data = [json.dumps({"k%d" % i: [i, str(i) * 3, float(i)]}) for i in range(2000)]
    parsed = [json.loads(s) for s in data]
    pat = re.compile(r"k(\\d+)")
    keys = [pat.match(next(iter(p))).group(1) for p in parsed]
    del data, parsed
    heapsnap.untrack(); heapsnap.track()   # restart: the set starts empty
    junk = [str(i) * 10 for i in range(1000)]
    del junk
    r = heapsnap.dump(sys.argv[1], values=os.environ.get("HS_VALUES") == "1")
    print('{"orphans": %d}' % r.orphans)
"""


class Orphans(unittest.TestCase):
    def check_found(self, mode, env=None):
        snap, ids, path = child(self, PROGRAM, mode, env=env)
        for key in ("str", "dict"):
            a = ids[key]
            self.assertIn(a, snap.blocks, "%s not in the dump" % key)
            b = snap.blocks[a]
            self.assertEqual(b["type_name"], "builtins." + key)
            self.assertEqual(b["size"], ids[key + "_size"])
            roots = [r for r in snap.roots_of(a) if r["root_kind"] == ROOT_EXTERNAL]
            self.assertEqual([(r["name"], r["count"]) for r in roots], [(ORPHAN, 1)])
        # the orphan is walked like any object: its payload is reached through it
        self.assertIn(ids["payload"], [r["to"] for r in snap.blocks[ids["dict"]]["refs"]])
        self.assertIn(ids["payload"], snap.retained(ids["dict"]))
        self.assertEqual(ids["orphans"], 2)
        top = analyze("top", path, "-n", "5")
        rows = [t for t in top["top"] if int(t["block"]["addr"], 16) == ids["str"]]
        self.assertEqual(len(rows), 1, top["top"])
        self.assertEqual(rows[0]["name"], "builtins.str held by C code only")
        self.assertEqual(rows[0]["external_refs"], 1)
        self.assertEqual(rows[0]["path"][0], {"root": "external", "name": ORPHAN, "count": 1})
        return snap, ids

    def test_track(self):
        self.check_found("track")

    def test_env_switch(self):
        self.check_found("env", env={"HEAPSNAP_TRACK": "1"})

    def test_beside_tracemalloc(self):
        # both hooks chained; the orphan then also has its allocation site
        snap, ids = self.check_found("both")
        site = snap.blocks[ids["str"]]["site"]
        self.assertIsNotNone(site)
        self.assertTrue(any(f["file"].endswith("prog.py") for f in snap.sites[site]), snap.sites[site])

    def test_off(self):
        snap, ids, _ = child(self, PROGRAM, "off", env={"HEAPSNAP_TRACK": "0"})
        self.assertEqual(ids["orphans"], 0)
        self.assertNotIn(ids["str"], snap.blocks)
        self.assertFalse([r for r in snap.roots if r["name"] == ORPHAN])

    def test_clean(self):
        snap, info, _ = child(self, CLEAN, env={"HEAPSNAP_TRACK": "1"})
        named = [r for r in snap.roots if r["name"] == ORPHAN]
        self.assertEqual(info["orphans"], 0, [(hex(r["addr"]), snap.blocks[r["addr"]]["type_name"]) for r in named])
        self.assertEqual(named, [])


class PymallocTags(unittest.TestCase):
    """pymalloc's arenas in the header (docs/python.md#process-memory): on
    3.12+ a count that grows with 100,000 live small objects and its bytes
    at 1 MiB an arena, shown by `info --json`; absent on 3.10 and 3.11."""

    def test_arenas(self):
        snap, info, path = child(self, """
            import json, sys, heapsnap
            keep = [str(i) for i in range(100_000)]   # about 6 MB of small blocks
            heapsnap.dump(sys.argv[1])
            try:
                heapsnap.dump(sys.argv[1] + ".2", tags={"pymalloc_arenas": "1"})
            except ValueError as e:
                print(json.dumps({"refused": str(e)}))
        """)
        self.assertIn("set by the dump itself", info["refused"])
        tags = snap.header["tags"]
        if sys.version_info < (3, 12):
            self.assertNotIn("pymalloc_arenas", tags)
            return
        n = int(tags["pymalloc_arenas"])
        self.assertGreaterEqual(n, 5)
        self.assertEqual(int(tags["pymalloc_arena_bytes"]), n << 20)
        pm = analyze("info", path)["process_memory"]
        self.assertEqual((pm["pymalloc_arenas"], pm["pymalloc_arena_bytes"]), (n, n << 20))


if __name__ == "__main__":
    unittest.main()
