# SPDX-License-Identifier: MIT
"""tests/python/test_scenarios.py — the eight acceptance scenarios of the
Python writer (issue 4), each a real child program that leaks, dumps itself
with heapsnap.dump() and is checked on the decoded snapshot (hsjson): the
diagnosis the analyzer will make must be readable from the graph."""

import unittest

from hstest import FINALIZER, ROOT_EXTERNAL, ROOT_GLOBAL, WEAK, child


class Scenarios(unittest.TestCase):
    def module_dict(self, snap, module="__main__"):
        mod = snap.root_named(module, ROOT_GLOBAL)
        self.assertEqual(snap.blocks[mod]["type_name"], "builtins.module")
        return snap.child(mod, "__dict__")

    def test_1_growing_global_list(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            global_list = []
            def handle(i):
                global_list.append({"request": i, "body": ("x%05d" % i) * 40})
            for i in range(3000):
                handle(i)
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"list": id(global_list)}))
        """)
        lst = self.module_dict(snap)
        lst = snap.child(lst, "global_list")
        self.assertEqual(lst, info["list"])
        b = snap.blocks[lst]
        self.assertEqual(b["type_name"], "builtins.list")
        self.assertEqual(len(b["refs"]), 3000)
        self.assertEqual([r["label"] for r in b["refs"][:3]], [0, 1, 2])
        # "top" names it: the list retains more than any other object but its module
        ret = snap.retained(lst)
        self.assertGreater(snap.size(ret), 3000 * (200 + 49))
        lists = sorted(snap.of_type("builtins.list"), key=lambda x: -x["size"])
        self.assertEqual(lists[0]["addr"], lst)

    def test_2_unbounded_cache_dict(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            _cache = {}
            def lookup(key):
                if key not in _cache:
                    _cache[key] = bytes(1000) + key.encode()
                return _cache[key]
            for i in range(500):
                lookup("user:%d@example.com" % i)
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"cache": id(_cache)}))
        """)
        cache = snap.child(self.module_dict(snap), "_cache")
        self.assertEqual(cache, info["cache"])
        ret = snap.retained(cache)
        values = [a for a in ret if snap.blocks[a]["type_name"] == "builtins.bytes"]
        self.assertEqual(len(values), 500)
        self.assertGreaterEqual(snap.size(values), 500 * 1033)
        self.assertGreaterEqual(snap.size(ret), snap.size(values) + 500 * 60)  # the keys too

    def cycle(self, extra):
        return child(self, """
            import gc, json, sys, heapsnap
            gc.disable()
            class Node:
                %s
            a, b = Node(), Node()
            a.other, b.other = b, a
            a.payload = [0] * 100
            ids = [id(a), id(b)]
            del a, b
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"nodes": ids}))
        """ % extra)

    def check_cycle(self, snap, ids):
        a, b = ids
        self.assertEqual(snap.child(a, "other"), b)
        self.assertEqual(snap.child(b, "other"), a)
        self.assertEqual(snap.blocks[a]["type_name"], "__main__.Node")
        reach = snap.reachable()
        self.assertNotIn(a, reach)
        self.assertNotIn(b, reach)
        self.assertEqual(snap.roots_of(a) + snap.roots_of(b), [])
        # a 2-member strongly connected component of unreachable Nodes
        garbage = {x["addr"] for x in snap.of_type("__main__.Node")} - reach
        self.assertEqual(garbage, {a, b})

    def test_3_garbage_cycle(self):
        snap, info, _ = self.cycle("pass")
        self.check_cycle(snap, info["nodes"])
        for a in info["nodes"]:
            self.assertFalse(snap.blocks[a]["flags"] & FINALIZER)

    def test_4_garbage_cycle_with_finalizer(self):
        snap, info, _ = self.cycle("def __del__(self): pass")
        self.check_cycle(snap, info["nodes"])
        for a in info["nodes"]:
            self.assertTrue(snap.blocks[a]["flags"] & FINALIZER)

    def test_5_closure_capturing_a_list(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            def make_handler():
                big_table = list(range(20000))
                def handler(i):
                    return big_table[i]
                return handler
            handler = make_handler()
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"fn": id(handler), "table": id(handler.__closure__[0].cell_contents)}))
        """)
        fn = snap.child(self.module_dict(snap), "handler")
        self.assertEqual(fn, info["fn"])
        self.assertEqual(snap.blocks[fn]["type_name"], "builtins.function")
        closure = snap.child(fn, "__closure__")
        cell = snap.child(closure, "big_table")  # the variable name, not an index
        self.assertEqual(snap.blocks[cell]["type_name"], "builtins.cell")
        self.assertEqual(snap.child(cell, "cell_contents"), info["table"])
        self.assertGreater(snap.size(snap.retained(fn)), 20000 * 8)

    def test_6_lru_cache_without_maxsize(self):
        snap, info, _ = child(self, """
            import functools, json, sys, heapsnap
            @functools.lru_cache(maxsize=None)
            def render(n):
                return [n] * 100
            for i in range(300):
                render(i)
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"wrapper": id(render)}))
        """)
        w = snap.child(self.module_dict(snap), "render")
        self.assertEqual(w, info["wrapper"])
        self.assertEqual(snap.blocks[w]["type_name"], "functools._lru_cache_wrapper")
        ret = snap.retained(w)
        results = [a for a in ret if snap.blocks[a]["type_name"] == "builtins.list" and snap.blocks[a]["size"] >= 856]
        self.assertEqual(len(results), 300)

    def test_7_reference_leaked_through_the_c_api(self):
        snap, info, _ = child(self, """
            import ctypes, json, sys, heapsnap
            class Session:
                pass
            s = Session()
            s.buffer = bytearray(50000)
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(s))
            ident = id(s)
            del s
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"leaked": ident}))
        """)
        a = info["leaked"]
        self.assertEqual(snap.blocks[a]["type_name"], "__main__.Session")
        self.assertEqual(snap.referrers(a), [])
        ext = [r for r in snap.roots_of(a) if r["root_kind"] == ROOT_EXTERNAL]
        self.assertEqual(len(ext), 1)
        self.assertEqual(ext[0]["count"], 1)
        self.assertGreaterEqual(snap.size(snap.retained(a)), 50000)

    def test_8_object_reachable_only_through_a_weakref(self):
        snap, info, _ = child(self, """
            import gc, json, sys, weakref, heapsnap
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
            ids = {"target": id(t), "ref": id(holder.ref), "holder": id(holder)}
            del t
            heapsnap.dump(sys.argv[1])
            print(json.dumps(ids))
        """)
        t, ref, holder = info["target"], info["ref"], info["holder"]
        self.assertEqual(snap.child(holder, "ref"), ref)
        edges = snap.refs(ref)
        to_t = [r for r in edges if r["to"] == t]
        self.assertEqual(len(to_t), 1)
        self.assertEqual(to_t[0]["kind"], WEAK)
        self.assertNotIn(t, snap.retained(holder))
        self.assertNotIn(t, snap.reachable())
        self.assertIn(t, snap.blocks)


if __name__ == "__main__":
    unittest.main()
