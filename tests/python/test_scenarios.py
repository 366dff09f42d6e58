# SPDX-License-Identifier: MIT
"""tests/python/test_scenarios.py — the eight acceptance scenarios of the
Python writer (issue 4), each a real child program that leaks, dumps itself
with heapsnap.dump() and reports, through a side file (hstest.report), the
addresses (id()) and sizes (sys.getsizeof) it knows. The primary assertion
of each is the analyzer's diagnosis, read from `heapsnap top|cycles|path|
show --json` on that dump; checks on the decoded snapshot (hsjson) follow
where they pin down what the analyzer's answer rests on."""

import unittest

from hstest import FINALIZER, OWN_DICT, ROOT_EXTERNAL, WEAK, addr, analyze, child


class Scenarios(unittest.TestCase):
    def steps(self, path):
        """A JSON path as (root step, [(holder type, holder addr, label), ...])."""
        self.assertIsNotNone(path)
        self.assertIn("root", path[0])
        return path[0], [(s["holder"]["type"], addr(s["holder"]["addr"]), s["label"]) for s in path[1:]]

    def show(self, dump, a):
        s = analyze("show", dump, at=a)
        self.assertEqual(addr(s["block"]["addr"]), a)
        return s

    def test_1_growing_global_list(self):
        # The list lives in an imported module (`app`), as a service's state
        # would: in __main__ the running <module> frame's f_locals is the same
        # globals dict, and the stack root ties with the module root.
        snap, info, dump = child(self, """
            import sys, heapsnap
            import app
            for i in range(3000):
                app.handle(i)
            heapsnap.dump(sys.argv[1])
            report({"list": id(app.global_list),
                    "expected": sys.getsizeof(app.global_list)
                                + sum(sys.getsizeof(d) + sys.getsizeof(d["body"]) for d in app.global_list)})
        """, files={"app.py": """
            global_list = []
            def handle(i):
                global_list.append({"request": i, "body": ("x%05d" % i) * 40})
        """})
        lst = info["list"]
        top = analyze("top", dump, "-n", 5)
        entries = [e for e in top["top"] if addr(e["block"]["addr"]) == lst]
        self.assertEqual(len(entries), 1, "top -n 5 does not name the list %#x: %r"
                         % (lst, [(e["block"]["type"], e["block"]["addr"]) for e in top["top"]]))
        e = entries[0]
        self.assertEqual(e["block"]["type"], "builtins.list")
        self.assertTrue(e["block"]["reachable"])
        # it retains its 3000 dicts and their bodies (the interned keys and
        # small ints belong to the interpreter)
        self.assertGreaterEqual(e["block"]["retained"], info["expected"])
        self.assertGreater(info["expected"], 3000 * (200 + 49))
        # path: global root 'app' -> module .__dict__ -> dict .global_list -> the list
        root, steps = self.steps(e["path"])
        self.assertEqual((root["root"], root["name"]), ("global", "app"))
        self.assertEqual([(t, l) for t, _, l in steps],
                         [("builtins.module", "__dict__"), ("builtins.dict", "global_list")])
        # the decoded snapshot agrees: the module dict's global_list is the list, 3000 items
        self.assertEqual(snap.child(steps[-1][1], "global_list"), lst)
        self.assertEqual(len(snap.blocks[lst]["refs"]), 3000)

    def test_2_unbounded_cache_dict(self):
        snap, info, dump = child(self, """
            import sys, heapsnap
            _cache = {}
            def lookup(key):
                if key not in _cache:
                    _cache[key] = bytes(1000) + key.encode()
                return _cache[key]
            for i in range(500):
                lookup("user:%d@example.com" % i)
            heapsnap.dump(sys.argv[1])
            report({"cache": id(_cache), "dict": sys.getsizeof(_cache),
                    "values": sum(sys.getsizeof(v) for v in _cache.values()),
                    "keys": sum(sys.getsizeof(k) for k in _cache),
                    "some_values": [id(_cache["user:%d@example.com" % i]) for i in (0, 250, 499)]})
        """)
        cache = info["cache"]
        s = self.show(dump, cache)
        self.assertEqual(s["block"]["type"], "builtins.dict")
        retained = s["block"]["retained"]
        self.assertGreaterEqual(retained, info["values"])
        # the keys are the cache's own too; nothing else (slack for rounding rules)
        own = info["dict"] + info["keys"] + info["values"]
        self.assertGreaterEqual(retained, own)
        self.assertLessEqual(retained, own + 4096)
        self.assertEqual(s["path"][-1]["label"], "_cache")
        # top agrees with show
        top = analyze("top", dump, "-n", 5)
        self.assertIn((cache, retained), [(addr(e["block"]["addr"]), e["block"]["retained"]) for e in top["top"]])
        # each cached value is dominated by the cache
        for v in info["some_values"]:
            d = self.show(dump, v)["dominator"]
            self.assertEqual(addr(d["addr"]), cache)
        self.assertEqual(sum(1 for r in snap.blocks[cache]["refs"]
                             if snap.blocks[r["to"]]["type_name"] == "builtins.bytes"), 500)

    def cycle(self, extra):
        return child(self, """
            import gc, sys, heapsnap
            gc.disable()
            class Node:
                %s
            a, b = Node(), Node()
            a.other, b.other = b, a
            a.payload = [0] * 100
            ids = [id(a), id(b)]
            del a, b
            heapsnap.dump(sys.argv[1])
            report({"nodes": ids})
        """ % extra)

    def check_cycle(self, snap, ids, dump, finalizer):
        cyc = analyze("cycles", dump, "-n", 0)
        ours = [c for c in cyc["cycles"] if any(t["type"] == "__main__.Node" for t in c["types"])]
        self.assertEqual(len(ours), 1, ours)
        c = ours[0]
        # on 3.10 each Node's own __dict__ is in the cycle too
        dicts = [snap.child(a, "__dict__") for a in ids] if OWN_DICT else []
        self.assertEqual(c["members"], 2 + len(dicts))
        self.assertFalse(c["reachable"])  # garbage
        want = [{"type": "__main__.Node", "count": 2}] + ([{"type": "builtins.dict", "count": 2}] if dicts else [])
        self.assertEqual(sorted(c["types"], key=lambda t: t["type"]), sorted(want, key=lambda t: t["type"]))
        self.assertIn(addr(c["example"]), ids)
        self.assertIs(c["finalizer"], finalizer)
        self.assertGreaterEqual(cyc["cycles_total"]["garbage"], 1)
        shallow = 0
        for a in ids:
            s = self.show(dump, a)
            self.assertFalse(s["block"]["reachable"])
            self.assertIsNone(s["path"])
            self.assertEqual(s["roots"], [])
            shallow += s["block"]["shallow"]
        shallow += snap.size(dicts)
        self.assertEqual(c["bytes"], shallow)  # the two Nodes (and their dicts), not the payload
        # the decoded snapshot: each Node holds the other as .other, flags as the analyzer says
        a, b = ids
        self.assertEqual(snap.attr(a, "other"), b)
        self.assertEqual(snap.attr(b, "other"), a)
        for x in ids:
            self.assertEqual(bool(snap.blocks[x]["flags"] & FINALIZER), finalizer)

    def test_3_garbage_cycle(self):
        snap, info, dump = self.cycle("pass")
        self.check_cycle(snap, info["nodes"], dump, False)

    def test_4_garbage_cycle_with_finalizer(self):
        snap, info, dump = self.cycle("def __del__(self): pass")
        self.check_cycle(snap, info["nodes"], dump, True)

    def test_5_closure_capturing_a_list(self):
        snap, info, dump = child(self, """
            import sys, heapsnap
            def make_handler():
                big_table = list(range(20000))
                def handler(i):
                    return big_table[i]
                return handler
            handler = make_handler()
            heapsnap.dump(sys.argv[1])
            report({"fn": id(handler), "closure": id(handler.__closure__),
                    "cell": id(handler.__closure__[0]), "table": id(handler.__closure__[0].cell_contents),
                    "table_size": sys.getsizeof(handler.__closure__[0].cell_contents)})
        """)
        p = analyze("path", dump, at=info["table"])
        self.assertTrue(p["reachable"])
        self.assertEqual(addr(p["block"]["addr"]), info["table"])
        self.assertEqual(p["block"]["type"], "builtins.list")
        self.assertEqual(p["block"]["shallow"], info["table_size"])
        self.assertGreaterEqual(len(p["paths"]), 1)
        root, steps = self.steps(p["paths"][0]["steps"])
        # ... -> dict .handler -> function .__closure__ -> tuple .big_table -> cell .cell_contents -> list
        self.assertEqual(steps[-4:], [
            ("builtins.dict", steps[-4][1], "handler"),
            ("builtins.function", info["fn"], "__closure__"),
            ("builtins.tuple", info["closure"], "big_table"),
            ("builtins.cell", info["cell"], "cell_contents"),
        ])
        # the function retains the table
        self.assertGreaterEqual(self.show(dump, info["fn"])["block"]["retained"], info["table_size"])

    def test_6_lru_cache_without_maxsize(self):
        snap, info, dump = child(self, """
            import functools, sys, heapsnap
            @functools.lru_cache(maxsize=None)
            def render(n):
                return [n] * 100
            for i in range(300):
                render(i)
            heapsnap.dump(sys.argv[1])
            results = [render(i) for i in range(300)]   # the cached objects themselves
            report({"wrapper": id(render), "currsize": render.cache_info().currsize,
                    "results": sum(sys.getsizeof(r) for r in results),
                    "some_results": [id(results[i]) for i in (0, 150, 299)]})
        """)
        w = info["wrapper"]
        self.assertEqual(info["currsize"], 300)
        s = self.show(dump, w)
        self.assertEqual(s["block"]["type"], "functools._lru_cache_wrapper")
        self.assertGreaterEqual(s["block"]["retained"], info["results"])
        self.assertEqual(s["path"][-1]["label"], "render")
        # each result's dominator chain reaches the wrapper (via its cache dict)
        for r in info["some_results"]:
            chain, d = [], self.show(dump, r)["dominator"]
            while d["addr"] is not None and addr(d["addr"]) != w and len(chain) < 5:
                chain.append(d["type"])
                d = self.show(dump, addr(d["addr"]))["dominator"]
            self.assertEqual(addr(d["addr"]) if d["addr"] else None, w, "dominators of %#x: %r" % (r, chain))

    def test_7_reference_leaked_through_the_c_api(self):
        snap, info, dump = child(self, """
            import ctypes, sys, heapsnap
            class Session:
                pass
            s = Session()
            s.buffer = bytearray(50000)
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(s))
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(s))
            ident, size = id(s), sys.getsizeof(s.buffer)
            del s
            kept = Session()              # the control: held by a global, not leaked
            kept.buffer = bytearray(50000)
            heapsnap.dump(sys.argv[1])
            report({"leaked": ident, "buffer": size, "kept": id(kept)})
        """)
        a = info["leaked"]
        s = self.show(dump, a)
        self.assertEqual(s["block"]["type"], "__main__.Session")
        self.assertTrue(s["block"]["reachable"])
        self.assertEqual(s["referrers_total"], 0)
        self.assertEqual([(r["root"], r["count"]) for r in s["roots"]], [("external", 2)])
        self.assertEqual(s["path"], [{"root": "external", "name": None, "count": 2}])
        self.assertIsNone(s["dominator"]["addr"])  # <roots>
        self.assertGreaterEqual(s["block"]["retained"], info["buffer"])
        p = analyze("path", dump, at=a)
        self.assertTrue(p["reachable"])
        self.assertEqual([x["steps"] for x in p["paths"]], [[{"root": "external", "name": None, "count": 2}]])
        # the control is not externally held
        k = self.show(dump, info["kept"])
        self.assertEqual([r for r in k["roots"] if r["root"] == "external"], [])
        self.assertEqual(k["path"][-1]["label"], "kept")
        # the decoded snapshot: no referrers, one external root of count 2
        self.assertEqual(snap.referrers(a), [])
        self.assertEqual([r["count"] for r in snap.roots_of(a) if r["root_kind"] == ROOT_EXTERNAL], [2])

    def test_8_object_reachable_only_through_a_weakref(self):
        snap, info, dump = child(self, """
            import gc, sys, weakref, heapsnap
            gc.disable()
            class Target:
                pass
            class Holder:
                pass
            t = Target()
            t.me = t                      # kept alive only by its own cycle
            t.data = [1] * 5000
            holder = Holder()
            holder.ref = weakref.ref(t)
            u = Target()                  # weakly held by holder2, strongly by `others`
            u.data = [2] * 5000
            others = [u]
            holder2 = Holder()
            holder2.ref = weakref.ref(u)
            ids = {"target": id(t), "ref": id(holder.ref), "holder": id(holder),
                   "other": id(u), "ref2": id(holder2.ref), "holder2": id(holder2), "others": id(others)}
            del t, u
            heapsnap.dump(sys.argv[1])
            report(ids)
        """)
        t, ref, holder = info["target"], info["ref"], info["holder"]
        st = self.show(dump, t)
        self.assertEqual(st["block"]["type"], "__main__.Target")
        self.assertFalse(st["block"]["reachable"])
        self.assertEqual(st["dominator"]["type"], "<unreachable>")
        self.assertIsNone(st["path"])
        weak = [r for r in st["referrers"] if addr(r["block"]["addr"]) == ref]
        self.assertEqual([r["kind"] for r in weak], ["weak"])
        p = analyze("path", dump, at=t)
        self.assertFalse(p["reachable"])
        self.assertEqual(p["paths"], [])
        # the holder retains itself and its weakref (and on 3.10 its own
        # __dict__), not the target
        sh, sr = self.show(dump, holder), self.show(dump, ref)
        own = snap.size([snap.child(holder, "__dict__")]) if OWN_DICT else 0
        self.assertEqual(sr["block"]["retained"], sr["block"]["shallow"])
        self.assertEqual(sh["block"]["retained"], sh["block"]["shallow"] + sr["block"]["shallow"] + own)
        self.assertLess(sh["block"]["retained"], st["block"]["retained"])
        # the other target: retained by `others`, not by holder2 or its weakref
        so = self.show(dump, info["other"])
        self.assertTrue(so["block"]["reachable"])
        self.assertEqual(addr(so["dominator"]["addr"]), info["others"])
        self.assertEqual(so["path"][-1]["holder"]["type"], "builtins.list")
        self.assertEqual(addr(so["path"][-1]["holder"]["addr"]), info["others"])
        sh2 = self.show(dump, info["holder2"])
        self.assertLess(sh2["block"]["retained"], so["block"]["retained"])
        # the decoded snapshot: the weakref's one edge to the target is weak
        self.assertEqual([r["kind"] for r in snap.refs(ref) if r["to"] == t], [WEAK])


if __name__ == "__main__":
    unittest.main()
