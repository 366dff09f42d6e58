# SPDX-License-Identifier: MIT
"""tests/python/test_orphans.py — objects held by C code only (issue 16,
docs/python.md#orphans): a str and a dict whose only reference is one a C
caller never released (ctypes.pythonapi.Py_IncRef, then del) are in the dump
when heapsnap.track() (or HEAPSNAP_TRACK=1) recorded their allocation: each
a block of its real size and type under an external root named "held by C
code only" counting the leaked reference, the dict's payload reached through
it; `heapsnap top` names the str; a clean program has no orphan; without
tracking the dump is as before (no orphan, the leaked str absent).

Without track() (class NoTracking), on every supported version: a leaked
small str and bytes are found while tracemalloc traces (3.12, 3.13: from
its own table; 3.10, 3.11: the arena blocks it traced), and those and an
untracked tuple from pymalloc's arenas with dump(arenas=True) (3.10, 3.11:
the arena table found by its shape, hspy_obm_static.c); a clean program
with stdlib imports has no orphan while tracemalloc traces and a small,
measured number (C statics) from the arenas; PYTHONMALLOC=malloc and -X dev
make the dump skip the arenas and say why."""

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


NOTRACK = """
    import ctypes, gc, json, os, sys, heapsnap
    mode = sys.argv[2]
    if mode == "tm":
        import tracemalloc; tracemalloc.start(5)
    assert not heapsnap.tracking()
    s = ("leaked-%d-" % os.getpid()) * 30          # small (< 512 bytes): a pymalloc block
    b = ("bytes-%d-" % os.getpid()).encode() * 20
    t = (os.getpid(), len(s))                       # atomic contents: the collector untracks it
    gc.collect()
    ids = {"str": id(s), "str_size": sys.getsizeof(s), "bytes": id(b), "bytes_size": sys.getsizeof(b),
           "tuple": id(t), "tuple_size": sys.getsizeof(t), "tuple_tracked": gc.is_tracked(t)}
    # the tuple only for the arenas: it may come from the tuple free list, which tracemalloc never sees
    for o in (s, b, t) if mode == "arenas" else (s, b):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(o))   # a reference no one releases
    del s, b, t, o
    r = heapsnap.dump(sys.argv[1], arenas=(mode == "arenas"))
    ids.update(orphans=r.orphans, orphans_from=r.orphans_from, skipped=r.orphans_arenas_skipped)
    report(ids)
"""

CLEAN_STDLIB = """
    import asyncio, ctypes, decimal, json, re, sqlite3, sys, heapsnap
    mode = sys.argv[2]
    if mode == "tm":
        import tracemalloc; tracemalloc.start(1)
    data = [json.dumps({"k%d" % i: [i, str(i) * 3, float(i)]}) for i in range(2000)]
    parsed = [json.loads(s) for s in data]
    x = decimal.Decimal("1.1") * 3
    keys = [re.match(r"k(\\d+)", next(iter(p))).group(1) for p in parsed]
    async def main():
        await asyncio.sleep(0)
    asyncio.run(main())
    con = sqlite3.connect(":memory:"); con.execute("create table t(x)"); con.close()
    del data, parsed
    r = heapsnap.dump(sys.argv[1], arenas=(mode == "arenas"), values=True)
    report({"orphans": r.orphans, "orphans_from": r.orphans_from, "skipped": r.orphans_arenas_skipped})
"""

TABLE = sys.version_info >= (3, 12)  # tracemalloc's own table is readable (docs/python.md#orphans)
# Orphans a clean program has from the arenas: C statics of stdlib
# extensions (_datetime's constants and module dict copy, an argument
# parser's keyword tuple, a copy of sys.executable ...), 14 on 3.12.1 and 13
# on 3.13.0 when measured; 25 on 3.10.13, 24 on 3.11.7 and 25 on Debian's
# 3.11.2, where argument parsers' keyword tuples are made at run time and
# the interned-string dict (a static there) is recognised and left out.
CLEAN_ARENA_BOUND = 40


class NoTracking(unittest.TestCase):
    def check_leak(self, mode, kinds, env=None):
        snap, ids, path = child(self, NOTRACK, mode, env=env)
        self.assertEqual(ids["orphans_from"], {"tm": "tracemalloc", "arenas": "arenas"}[mode])
        self.assertEqual(snap.trailer["end_tags"]["orphans_from"], ids["orphans_from"])
        self.assertIsNone(ids["skipped"])
        for key in kinds:
            a = ids[key]
            self.assertIn(a, snap.blocks, "%s not in the dump" % key)
            blk = snap.blocks[a]
            self.assertEqual(blk["type_name"], "builtins." + key)
            self.assertEqual(blk["size"], ids[key + "_size"])
            roots = [r for r in snap.roots_of(a) if r["root_kind"] == ROOT_EXTERNAL]
            self.assertEqual([(r["name"], r["count"]) for r in roots], [(ORPHAN, 1)])
        top = analyze("top", path, "-n", "1000000")  # every row: the leaked str is small
        rows = [t for t in top["top"] if t["name"] == "builtins.str held by C code only"]
        self.assertEqual(len(rows), 1, [t["name"] for t in top["top"]])
        self.assertEqual(rows[0]["path"][0], {"root": "external", "name": ORPHAN, "count": 1})
        return snap, ids, path

    def test_tracemalloc_table(self):
        # tracemalloc traces, track() is off: its own table is the source
        # (3.10, 3.11: its table is a static; the arena blocks it traced instead)
        snap, ids, _ = self.check_leak("tm", ("str", "bytes"))
        self.assertEqual(ids["orphans"], 2)
        site = snap.blocks[ids["str"]]["site"]  # found through tracemalloc: it has its site
        self.assertIsNotNone(site)
        self.assertTrue(any(f["file"].endswith("prog.py") for f in snap.sites[site]), snap.sites[site])

    def test_arenas(self):
        snap, ids, _ = self.check_leak("arenas", ("str", "bytes", "tuple"))
        self.assertFalse(ids["tuple_tracked"])
        self.assertGreaterEqual(ids["orphans"], 3)
        self.assertLessEqual(ids["orphans"], 3 + CLEAN_ARENA_BOUND)

    def test_arenas_not_asked(self):
        # no tracking, no tracemalloc, arenas not asked: as before
        snap, ids, _ = child(self, NOTRACK, "off")
        self.assertEqual((ids["orphans"], ids["orphans_from"], ids["skipped"]), (0, "", None))
        self.assertNotIn(ids["str"], snap.blocks)

    def test_arenas_not_pymalloc(self):
        # the object allocator is not pymalloc (or has debug hooks): the arenas are skipped, and the dump says why
        for env, why in (({"PYTHONMALLOC": "malloc"}, "not pymalloc"), ({"PYTHONDEVMODE": "1"}, "not pymalloc")):
            snap, ids, _ = child(self, NOTRACK, "arenas", env=env)
            self.assertEqual(ids["orphans"], 0)
            self.assertEqual(ids["orphans_from"], "")
            self.assertIn(why, ids["skipped"])
            self.assertEqual(snap.trailer["end_tags"]["orphans_arenas_skipped"], ids["skipped"])

    def test_clean(self):
        for mode in ("tm", "arenas"):
            snap, info, _ = child(self, CLEAN_STDLIB, mode)
            named = [r for r in snap.roots if r["name"] == ORPHAN]
            what = [(snap.blocks[r["addr"]]["type_name"], snap.blocks[r["addr"]]["size"]) for r in named]
            self.assertEqual(len(named), info["orphans"])
            if mode == "tm":
                self.assertEqual(info["orphans_from"], "tracemalloc")
                self.assertEqual(info["orphans"], 0, what)
                continue
            self.assertEqual(info["orphans_from"], "arenas")
            self.assertLessEqual(info["orphans"], CLEAN_ARENA_BOUND, what)
            # C statics are small; a large one would be an interpreter table the walk missed
            # (before the interned-string dict was visited, it was a 200-400 KiB orphan)
            self.assertTrue(all(size < 4096 for _, size in what), what)


class InterpreterTables(unittest.TestCase):
    """The interpreter's C tables the arena search found the walk missing
    (3.12+): the interned-string dict and the errno map, each a reference
    of the interpreter block to the very object."""

    def test_visited(self):
        snap, ids, _ = child(self, """
            import sys, heapsnap
            heapsnap.dump(sys.argv[1])   # neither dict is reachable from Python
            report({"v": list(sys.version_info[:2])})
        """)
        (interp,) = snap.of_type("cpython.PyInterpreterState")
        labels = {r["label"] for r in snap.blocks[interp["addr"]]["refs"]}
        if sys.version_info < (3, 12):
            self.assertNotIn("interned", labels)  # 3.10, 3.11: not visited (statics there)
            return
        interned = snap.child(interp["addr"], "interned")
        self.assertEqual(snap.blocks[interned]["type_name"], "builtins.dict")
        self.assertGreater(snap.blocks[interned]["size"], 50_000)  # thousands of names
        errnomap = snap.child(interp["addr"], "exc_state.errnomap")
        self.assertIn("builtins.type", {snap.blocks[r["to"]]["type_name"] for r in snap.blocks[errnomap]["refs"]})


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
