# SPDX-License-Identifier: MIT
"""tests/python/test_dump.py — properties of heapsnap.dump() beyond the
scenarios: a valid file (`heapsnap info`), every object once and every
reference resolved, sizes as sys.getsizeof counts them plus inline values,
no user code run, frames and threads as named roots with their locals,
labels and their privacy default, values, flags, the heap left undisturbed,
a million-deep list, and tracemalloc sites."""

import importlib.util
import subprocess
import sys
import unittest

from hstest import (FINALIZER, FRAME_TYPE, GC_TRACKED, HEAPSNAP, OWN_DICT, IMMORTAL, ROOT_EXTERNAL, ROOT_RUNTIME, ROOT_STACK, UNCOLLECTABLE,
                    child)


class Dump(unittest.TestCase):
    def test_info_integrity_and_completeness(self):
        snap, info, path = child(self, """
            import json, sys, heapsnap
            r = heapsnap.dump(sys.argv[1])
            print(json.dumps({"objects": r.objects, "refs": r.references, "overcounted": r.overcounted,
                              "seconds": r.seconds, "path": r.path}))
        """)
        self.assertTrue(HEAPSNAP, "HEAPSNAP not set")
        p = subprocess.run([HEAPSNAP, "info", path], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("integrity      ok", p.stdout)
        self.assertIn("producer       heapsnap-python", p.stdout)
        self.assertEqual(info["path"], path)
        # blocks: the objects plus the interpreter, thread and frame blocks
        self.assertEqual(len(snap.blocks), snap.trailer["blocks"])  # no address twice
        self.assertGreaterEqual(len(snap.blocks), info["objects"])
        self.assertEqual(info["refs"], snap.trailer["refs"])
        self.assertEqual(info["overcounted"], 0)
        dangling = [(b["type_name"], r) for b in snap.blocks.values() for r in b["refs"] if r["to"] not in snap.blocks]
        self.assertEqual(dangling, [])
        self.assertEqual([r for r in snap.roots if r["addr"] not in snap.blocks], [])
        self.assertTrue(snap.header["runtime"].startswith("CPython %d.%d." % sys.version_info[:2]), snap.header)
        self.assertEqual(snap.trailer["end_tags"].get("complete"), "yes")

    def test_sizes(self):
        snap, info, _ = child(self, """
            import collections, json, sys, heapsnap
            class Eight:
                def __init__(self):
                    for i in range(8):
                        setattr(self, "a%d" % i, None)
            class Slotted:
                __slots__ = ("x", "y")
            class Weird:
                def __sizeof__(self):
                    raise RuntimeError("user __sizeof__ must not run")
            class BigList(list):
                def __sizeof__(self):
                    return 1
            class PlainList(list):
                pass
            def cell_of(v):
                return (lambda: v).__closure__[0]
            objs = {
                "list": [1, 2, 3] * 50, "dict": {"k%d" % i: i for i in range(40)}, "str": "abc" * 30,
                "ustr": "\u00e9t\u00e9" * 10, "wide": "\U0001F600" * 3, "int": 2 ** 200, "bytes": b"x" * 77,
                "tuple": tuple(range(9)), "set": set(range(33)), "float": 1.5, "frozenset": frozenset("abc"),
                "bytearray": bytearray(1000), "slotted": Slotted(), "weird": Weird(), "function": json.dumps,
                "biglist": BigList(range(100)), "negint": -(2 ** 100), "zero": 0, "code": json.dumps.__code__,
                "class": Slotted, "module": json, "complex": 1j, "range": range(5),
                "deque": collections.deque(range(50)), "emptydict": {}, "intdict": {i: i for i in range(1000)},
                "method": Slotted().__init_subclass__, "cell": cell_of([7]),
            }
            sizes = {k: sys.getsizeof(v) for k, v in objs.items() if k not in ("weird", "biglist")}
            # list's own rule plus the pre-header getsizeof adds for this kind of
            # subclass (GC header; managed dict and weakref on 3.11+)
            pl, pw = PlainList(), Eight()
            sizes["biglist"] = list.__sizeof__(objs["biglist"]) + sys.getsizeof(pl) - pl.__sizeof__()
            sizes["weird"] = object.__sizeof__(objs["weird"]) + sys.getsizeof(pw) - pw.__sizeof__()
            e = Eight()
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"ids": {k: id(v) for k, v in objs.items()}, "sizes": sizes,
                              "eight": id(e), "eight_getsizeof": sys.getsizeof(e)}))
        """)
        for k, a in info["ids"].items():
            if k != "weird":
                self.assertEqual(snap.blocks[a]["size"], info["sizes"][k], k)
        # a user __sizeof__ is not run: object's rule (plus, on 3.11 and
        # 3.12, the inline values array getsizeof does not see)
        if sys.version_info[:2] in ((3, 11), (3, 12)):
            self.assertGreaterEqual(snap.blocks[info["ids"]["weird"]]["size"], info["sizes"]["weird"])
        else:
            self.assertEqual(snap.blocks[info["ids"]["weird"]]["size"], info["sizes"]["weird"])
        e = snap.blocks[info["eight"]]
        base = info["eight_getsizeof"]
        if sys.version_info[:2] in ((3, 11), (3, 12)):
            # an 8-attribute instance: getsizeof's plus the inline values
            # array it does not see (allocated apart from the object)
            self.assertEqual(base, {(3, 11): 56, (3, 12): 48}[sys.version_info[:2]])
            self.assertGreaterEqual(e["size"], base + 16 + 9 * 8)  # prefix + 9 slots: the 144
            self.assertLessEqual(e["size"], base + 32 + 30 * 8)
        else:
            # 3.10: the attributes are in a dict of their own; 3.13: the
            # values are inside the object and getsizeof counts them
            self.assertEqual(e["size"], base)
        for i in range(8):
            snap.attr(info["eight"], "a%d" % i)

    def test_external_holders_and_immortal_objects(self):
        # references leaked through the C API are external holders with the
        # exact surplus; on 3.12+ immortal objects (None, small ints,
        # interned str, static types, ()) ignore the increments and are
        # never external holders, whatever their refcount says
        snap, info, _ = child(self, """
            import ctypes, json, sys, heapsnap
            class Leaky:
                pass
            leaked, held = Leaky(), Leaky()
            imm = [None, True, 5, "abc", (), int, b""]
            inc = ctypes.pythonapi.Py_IncRef
            for o in [leaked] * 3 + imm * 2:
                inc(ctypes.py_object(o))
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"leaked": id(leaked), "held": id(held), "imm": [id(o) for o in imm],
                              "immortal": sys.getrefcount(None) > 2 ** 29}))
        """)
        ext = {r["addr"]: r["count"] for r in snap.roots if r["root_kind"] == ROOT_EXTERNAL}
        self.assertEqual(ext.get(info["leaked"]), 3)
        self.assertNotIn(info["held"], ext)
        self.assertEqual(info["immortal"], sys.version_info >= (3, 12))
        for a in info["imm"]:
            self.assertNotIn(a, ext)
            self.assertTrue(snap.blocks[a]["flags"] & IMMORTAL, snap.blocks[a])
            self.assertEqual([r["root_kind"] for r in snap.roots_of(a)], [ROOT_RUNTIME])
        self.assertEqual(snap.trailer["end_tags"].get("overcounted"), None)

    def test_no_user_code_runs(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            calls = []
            class Trap:
                def __repr__(self): calls.append("repr"); return "Trap"
                def __sizeof__(self): calls.append("sizeof"); return 1
                def __getattr__(self, n): calls.append("getattr " + n); raise AttributeError(n)
                def __eq__(self, o): calls.append("eq"); return False
                def __hash__(self): calls.append("hash"); return 1
                @property
                def prop(self): calls.append("prop"); return 1
            class Meta(type):
                def __getattribute__(cls, n): calls.append("meta " + n); return type.__getattribute__(cls, n)
            class Odd(metaclass=Meta):
                pass
            traps = [Trap() for _ in range(10)]
            table = {t: t for t in traps[:3]}
            calls.clear()
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"calls": calls}))
        """)
        self.assertEqual(info["calls"], [])
        self.assertEqual(len(snap.of_type("__main__.Trap")), 10)
        self.assertEqual(len(snap.of_type("__main__.Meta")), 1)

    def test_frames_and_threads_are_named_roots_with_locals(self):
        snap, info, _ = child(self, """
            import json, sys, threading, heapsnap
            ready, stop = threading.Event(), threading.Event()
            def worker():
                worker_buffer = ["w"] * 777
                ready.set()
                stop.wait()
            def gen():
                gen_state = {"g": 1}
                yield 1
            def handle_request(n):
                request_rows = [n] * 4321
                ids["rows"], ids["wbuf"] = id(request_rows), None
                heapsnap.dump(sys.argv[1])
                return request_rows
            ids = {}
            g = gen(); next(g)
            ids["gen"] = id(g)
            t = threading.Thread(target=worker, name="worker"); t.start(); ready.wait()
            handle_request(5)
            stop.set(); t.join()
            print(json.dumps(ids))
        """)
        frames = [r for r in snap.roots if r["root_kind"] == ROOT_STACK and "handle_request" in (r["name"] or "")]
        self.assertEqual(len(frames), 1, [r["name"] for r in snap.roots if r["root_kind"] == ROOT_STACK])
        self.assertIn("(dumping)", frames[0]["name"])
        self.assertEqual(snap.child(frames[0]["addr"], "request_rows"), info["rows"])
        self.assertEqual(snap.blocks[frames[0]["addr"]]["type_name"], FRAME_TYPE)
        wf = [r for r in snap.roots if r["root_kind"] == ROOT_STACK and ": worker (" in (r["name"] or "")]
        self.assertEqual(len(wf), 1)
        self.assertNotIn("(dumping)", wf[0]["name"])
        buf = snap.child(wf[0]["addr"], "worker_buffer")
        self.assertEqual(len(snap.blocks[buf]["refs"]), 777)
        # a suspended generator names its own locals (on 3.10, its frame object does)
        if OWN_DICT:
            snap.child(snap.child(info["gen"], "gi_frame"), "gen_state")
        else:
            snap.child(info["gen"], "gen_state")
        self.assertGreaterEqual(len([r for r in snap.roots if r["root_kind"] == ROOT_STACK and ":" not in r["name"]]), 2)

    def test_labels_privacy_default_and_values(self):
        src = """
            import json, sys, heapsnap
            users = {"alice@example.com": [1], "token_" + str(0x9f8e): [2], 42: [3]}
            class Conf: pass
            c = Conf(); c.secret_name = "hunter2-password"
            big = 123456789
            heapsnap.dump(sys.argv[1], values=%s)
            print(json.dumps({"users": id(users), "pw": id(c.secret_name), "big": id(big),
                              "fl": id(users), "c": id(c)}))
        """
        snap, info, _ = child(self, src % "False")
        labels = {r["label"] for b in snap.blocks.values() for r in b["refs"] if isinstance(r["label"], str)}
        self.assertNotIn("alice@example.com", labels)
        self.assertNotIn("token_40846", labels)  # identifier-like, but data: not interned
        self.assertEqual(snap.values, {})
        self.assertEqual(snap.attr(info["c"], "secret_name"), info["pw"])  # attribute names are code
        self.assertEqual(snap.header["tags"]["values"], "off")
        snap, info, _ = child(self, src % "True")
        snap.child(info["users"], "alice@example.com")
        self.assertEqual(snap.values[info["pw"]]["text"], "hunter2-password")
        self.assertEqual(snap.values[info["big"]]["int"], 123456789)

    def test_exception_and_traceback_labels(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            class AppError(Exception): pass
            def fail(payload):
                raise AppError("bad", payload)
            try:
                try:
                    fail([1, 2, 3])
                except AppError as inner:
                    raise KeyError("wrapped") from inner
            except KeyError as e:
                kept = e
            tb = kept.__cause__.__traceback__
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"outer": id(kept), "inner": id(kept.__cause__), "args": id(kept.__cause__.args),
                              "tb": id(tb), "frame": id(tb.tb_frame), "next": id(tb.tb_next)}))
        """)
        self.assertEqual(snap.child(info["outer"], "__cause__"), info["inner"])
        self.assertEqual(snap.child(info["inner"], "args"), info["args"])
        self.assertEqual(snap.child(info["inner"], "__traceback__"), info["tb"])
        self.assertEqual(snap.child(info["tb"], "tb_next"), info["next"])
        # the traceback's frame: a frame object (tb_frame is always one)
        self.assertEqual(snap.child(info["tb"], "tb_frame"), info["frame"])

    @unittest.skipUnless(importlib.util.find_spec("numpy"), "numpy is not installed for this interpreter")
    def test_numpy_base_and_object_elements(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            import numpy as np
            big = np.ones(100000)
            view = big[10:20]
            del big                                   # only the view keeps the 800 KB base alive
            names = np.array(["user-%d" % i for i in range(1000)], dtype=object)
            head = names[:500]                        # a view: its elements are names' references
            grid = np.empty((30, 20), dtype=object, order="F")
            for i in range(30):
                for j in range(20):
                    grid[i, j] = "cell-%d-%d" % (i, j)
            r = heapsnap.dump(sys.argv[1])
            print(json.dumps({"view": id(view), "base": id(view.base), "names": id(names),
                              "first": id(names[0]), "last": id(names[999]), "head": id(head),
                              "grid": id(grid), "g10": id(grid[1, 0]), "g01": id(grid[0, 1]),
                              "g2919": id(grid[29, 19]), "overcounted": r.overcounted}))
        """)
        self.assertEqual(info["overcounted"], 0)
        self.assertEqual(snap.child(info["view"], "base"), info["base"])
        self.assertGreaterEqual(snap.blocks[info["base"]]["size"], 800000)  # numpy's __sizeof__ counts owned data
        self.assertIn(info["view"], snap.retained(info["view"]))
        self.assertIn(info["base"], snap.retained(info["view"]))
        kids = {r["to"]: r["label"] for r in snap.blocks[info["names"]]["refs"]}
        self.assertEqual(kids.get(info["first"]), 0)
        self.assertEqual(kids.get(info["last"]), 999)
        self.assertEqual(snap.child(info["head"], "base"), info["names"])
        self.assertEqual(len(snap.refs(info["head"])), 1)      # the base only, no element twice
        # a Fortran-order owner: every element, labelled by its C-order flat index
        cells = {r["to"]: r["label"] for r in snap.refs(info["grid"]) if isinstance(r["label"], int)}
        self.assertEqual(len(cells), 600)
        self.assertEqual(cells[info["g10"]], 20)
        self.assertEqual(cells[info["g01"]], 1)
        self.assertEqual(cells[info["g2919"]], 599)
        self.assertIn("numpy", snap.header["tags"])

    @unittest.skipUnless(importlib.util.find_spec("numpy"), "numpy is not installed for this interpreter")
    def test_numpy_ufunc_loops(self):
        # a ufunc's loop list is its reference, not a list "held by C code only" (its
        # tp_traverse does not report it): every program that imports numpy had them
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            import numpy as np
            for t in ("f8", "i4", "u1", "c16"):
                np.add(np.ones(3, t), np.ones(3, t))
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"add": id(np.add), "multiply": id(np.multiply), "version": np.__version__}))
        """)
        tag = snap.header["tags"]["numpy"]
        major, minor = (int(x) for x in info["version"].split(".")[:2])
        if (major, minor) < (1, 22) or major > 1:
            self.assertIn("ufunc layout not known here", tag)
            return
        self.assertIn("ufunc loops", tag)
        for uf in ("add", "multiply"):
            loops = snap.child(info[uf], "_loops")
            self.assertIsNotNone(loops, uf)
            self.assertEqual(snap.blocks[loops]["type_name"], "builtins.list")
            self.assertGreater(len(snap.refs(loops)), 0)
        # no list of (dtypes, loop) pairs is left with an external root
        method_types = {"numpy._ArrayMethod", "numpy._BoundArrayMethod"}
        for a, b in snap.blocks.items():
            if b["type_name"] != "builtins.list":
                continue
            pairs = [snap.blocks[r["to"]] for r in snap.refs(a)]
            if pairs and all(p["type_name"] == "builtins.tuple" and
                             any(snap.blocks[q["to"]]["type_name"] in method_types for q in snap.refs(p["addr"]))
                             for p in pairs):
                self.assertEqual([r["root_kind"] for r in snap.roots_of(a)], [], hex(a))

    @unittest.skipUnless(importlib.util.find_spec("pandas"), "pandas is not installed for this interpreter")
    def test_dataframe_object_column_retains_its_strings(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            import pandas as pd
            df = pd.DataFrame({"n": range(5000), "name": ["customer-%06d" % i for i in range(5000)]})
            names = list(df["name"].values)
            strs = [id(s) for s in names]
            own = sum(sys.getsizeof(s) for s in names)
            del names
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"df": id(df), "strs": strs, "own": own}))
        """)
        kept = snap.retained(info["df"])
        self.assertTrue(set(info["strs"]) <= kept)             # every string, held through the object block
        by_df = sum(snap.blocks[a]["size"] for a in kept)
        self.assertEqual(sum(snap.blocks[a]["size"] for a in info["strs"]), info["own"])
        self.assertGreater(by_df, info["own"])                   # the strings' bytes and the frame's own

    def test_heap_type_subclasses_dict(self):
        # a class's subclasses dict (id -> weak reference; type_traverse skips it) is the
        # class's reference: a class made 500 times over named it "builtins.dict held by C code only"
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            class Base:
                pass
            made = [type("Made%d" % i, (Base,), {}) for i in range(500)]
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"base": id(Base), "made": [id(c) for c in made]}))
        """)
        subs = snap.child(info["base"], "__subclasses__")
        self.assertEqual(snap.blocks[subs]["type_name"], "builtins.dict")
        self.assertEqual([r["root_kind"] for r in snap.roots_of(subs)], [])
        weak = {r["to"] for w in snap.refs(subs) for r in snap.refs(w["to"])}   # the weak references' referents
        self.assertTrue(set(info["made"]) <= weak, len(set(info["made"]) - weak))

    def test_signal_handlers(self):
        # a handler installed with signal.signal() is held by the C runtime (an array the
        # walk cannot see): it is named <interpreter>.signal.SIGUSR1, with no external root
        snap, info, path = child(self, """
            import json, signal, sys, heapsnap
            class Worker:
                def __init__(self):
                    self.buffer = bytearray(20_000_000)   # most of the interpreter's retained bytes
                def on_reload(self, signum, frame):
                    pass
            signal.signal(signal.SIGUSR1, Worker().on_reload)
            signal.signal(signal.SIGUSR2, signal.SIG_IGN)
            h = signal.getsignal(signal.SIGUSR1)
            info = {"handler": id(h), "worker": id(h.__self__)}
            del h
            heapsnap.dump(sys.argv[1])
            print(json.dumps(info))
        """)
        (interp,) = [r["addr"] for r in snap.roots if r["name"] == "interpreter"]
        sigs = snap.child(interp, "signal")
        self.assertEqual(snap.blocks[sigs]["type_name"], "cpython.signal_handlers")
        self.assertEqual(snap.child(sigs, "SIGUSR1"), info["handler"])
        self.assertEqual(snap.refs(sigs, "SIGUSR2"), [])          # SIG_IGN: no object
        self.assertEqual([r["root_kind"] for r in snap.roots_of(info["handler"])], [])
        self.assertIn(info["worker"], snap.retained(sigs))
        self.assertTrue(HEAPSNAP, "HEAPSNAP not set")
        top = subprocess.run([HEAPSNAP, "top", "-n", "3", path], capture_output=True, text=True)
        self.assertEqual(top.returncode, 0, top.stderr)
        self.assertIn("<interpreter>.signal.SIGUSR1", top.stdout)

    def test_interpreter_atexit_and_ast(self):
        # every atexit callback, however many (they were capped at 40 references), under a
        # block of their own; the ast module's types under the <interpreter.ast> runtime root,
        # not as objects held by C code
        snap, info, _ = child(self, """
            import ast, atexit, json, sys, heapsnap
            funcs = [eval("lambda: %d" % i) for i in range(100)]
            for f in funcs:
                atexit.register(f)
            ids = [id(f) for f in funcs]
            del funcs
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"funcs": ids, "AST": id(ast.AST), "Load": id(ast.Load)}))
        """)
        (interp,) = [r["addr"] for r in snap.roots if r["name"] == "interpreter"]
        cbs = snap.child(interp, "atexit")
        self.assertEqual(snap.blocks[cbs]["type_name"], "cpython.atexit_callbacks")
        held = {r["to"] for r in snap.refs(cbs, "atexit.func")}
        self.assertTrue(set(info["funcs"]) <= held, len(set(info["funcs"]) - held))
        for f in info["funcs"]:
            self.assertEqual([r["root_kind"] for r in snap.roots_of(f)], [])   # no external root
        st = snap.child(interp, "ast")
        self.assertEqual(snap.blocks[st]["type_name"], "cpython.ast_state")
        self.assertEqual([r["name"] for r in snap.roots_of(st)], ["interpreter.ast"])
        types = {r["to"] for r in snap.refs(st)}
        self.assertIn(info["AST"], types)
        self.assertIn(info["Load"], types)
        self.assertNotIn(ROOT_EXTERNAL, [r["root_kind"] for r in snap.roots_of(info["Load"])])

    def test_flags_and_runtime_roots(self):
        snap, info, _ = child(self, """
            import gc, json, sys, heapsnap
            class Fin:
                def __del__(self): pass
            gc.set_debug(gc.DEBUG_SAVEALL)
            x = [1]; x.append(x); xid = id(x); del x
            gc.collect()
            gc.set_debug(0)
            f = Fin()
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"garbage": xid, "fin": id(f), "none": id(None), "s": id("intern_me_please"),
                              "lst": id(gc.garbage)}))
        """)
        self.assertTrue(snap.blocks[info["garbage"]]["flags"] & UNCOLLECTABLE)
        self.assertTrue(snap.blocks[info["garbage"]]["flags"] & GC_TRACKED)
        self.assertTrue(snap.blocks[info["fin"]]["flags"] & FINALIZER)
        self.assertTrue(snap.blocks[info["none"]]["flags"] & IMMORTAL)
        self.assertEqual([r["root_kind"] for r in snap.roots_of(info["none"])], [ROOT_RUNTIME])
        self.assertIn(info["s"], snap.blocks)
        self.assertEqual([r["name"] for r in snap.roots_of(info["s"])], ["interned"])

    def test_heap_left_alone(self):
        snap, info, _ = child(self, """
            import gc, json, sys, weakref, heapsnap
            class C: pass
            gc.disable()
            c = C(); c.me = c; w = weakref.ref(c); del c
            before = gc.get_count()
            class Plain: pass
            p = Plain(); p.a = 1
            r = heapsnap.dump(sys.argv[1])
            print(json.dumps({"alive": w() is not None, "enabled": gc.isenabled(),
                              "dict_materialized": "__dict__" in gc.get_referents(p) or False,
                              "p": id(p)}))
        """)
        self.assertTrue(info["alive"])           # no gc.collect() unless asked
        self.assertFalse(info["enabled"])        # the collector's state is restored
        # no __dict__ was materialized on an inline-values instance (3.11+)
        if not OWN_DICT:
            self.assertEqual(snap.refs(info["p"], "__dict__"), [])
        snap.attr(info["p"], "a")

    def test_gc_state_restored_when_enabled(self):
        snap, info, _ = child(self, """
            import gc, json, sys, heapsnap
            gc.enable()
            heapsnap.dump(sys.argv[1])
            heapsnap.dump(sys.argv[1] + ".2", collect=True)
            print(json.dumps({"enabled": gc.isenabled(), "second": __import__("os").path.exists(sys.argv[1] + ".2")}))
        """)
        self.assertTrue(info["enabled"])
        self.assertTrue(info["second"])

    def test_million_deep_nesting(self):
        snap, info, _ = child(self, """
            import json, sys, heapsnap
            deep = None
            for i in range(1000000):
                deep = [deep]
            r = heapsnap.dump(sys.argv[1], fsync=False)
            print(json.dumps({"objects": r.objects, "top": id(deep)}))
        """)
        self.assertGreater(info["objects"], 1000000)
        self.assertEqual(snap.size(snap.retained(info["top"])), 1000000 * 64)

    def test_many_untracked_objects(self):
        # far more untracked objects than the visited set is first sized
        # for (three per tracked one): it grows several times, and every
        # object must still be found once, with its exact in-degree — a
        # miscount would show as an external root or as overcounted
        snap, info, _ = child(self, """
            import ctypes, json, sys, heapsnap
            strs = ["s%d" % i for i in range(150000)]
            again = list(strs)  # a second reference to each str
            floats = [i + 0.5 for i in range(100000)]
            blobs = [b"b%d" % i for i in range(50000)]
            leaked = strs[123456]
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(leaked))
            r = heapsnap.dump(sys.argv[1], fsync=False)
            pick = strs[::997] + floats[::991] + blobs[::499]
            print(json.dumps({"overcounted": r.overcounted, "pick": [id(o) for o in pick], "leaked": id(leaked),
                              "lists": [id(strs), id(again), id(floats), id(blobs)]}))
        """)
        self.assertEqual(info["overcounted"], 0)
        ext = {r["addr"]: r["count"] for r in snap.roots if r["root_kind"] == ROOT_EXTERNAL}
        self.assertEqual(ext.get(info["leaked"]), 1)
        missing = [a for a in info["pick"] if a not in snap.blocks]
        self.assertEqual(missing, [])
        self.assertEqual([a for a in info["pick"] if a in ext], [])
        self.assertEqual([len(snap.blocks[a]["refs"]) for a in info["lists"]], [150000, 150000, 100000, 50000])

    def test_tracemalloc_sites(self):
        # tracemalloc itself is the oracle: the list may come from a free
        # list (allocated before tracing started, so no traceback on 3.12+),
        # the object() instances are fresh allocations
        snap, info, _ = child(self, """
            import json, sys, tracemalloc
            tracemalloc.start(5)
            import heapsnap
            def alloc_here():
                return [object() for _ in range(10)]
            kept = alloc_here()
            heapsnap.dump(sys.argv[1])
            def tb(o):
                t = tracemalloc.get_object_traceback(o)
                return [(f.filename, f.lineno) for f in t] if t else None
            print(json.dumps({"ids": [id(kept), id(kept[0]), id(kept[9])], "tbs": [tb(kept), tb(kept[0]), tb(kept[9])],
                              "line": alloc_here.__code__.co_firstlineno + 1}))
        """)
        self.assertEqual(snap.header["tags"]["tracebacks"], "on")
        self.assertIsNotNone(info["tbs"][1])
        for a, tb in zip(info["ids"], info["tbs"]):
            site = snap.blocks[a]["site"]
            if tb is None:
                self.assertIsNone(site)
                continue
            self.assertIsNotNone(site)
            frames = snap.sites[site]  # innermost first; a Traceback is oldest first
            self.assertEqual([(f["file"], f["line"]) for f in frames], [tuple(x) for x in reversed(tb)])
            self.assertTrue(frames[0]["file"].endswith("prog.py"))
            self.assertEqual(frames[0]["line"], info["line"])

if __name__ == "__main__":
    unittest.main()
