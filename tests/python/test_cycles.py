# SPDX-License-Identifier: MIT
"""tests/python/test_cycles.py — `heapsnap cycles` on a real Python heap
shows the cycles that matter first (issue 14, docs/cli.md#cycles): a
3-object `__del__` garbage cycle keeping a 500 KB payload alive, 200
identical {dict, c_char_Array_65536} cycles that ctypes.cast() makes (one
row), and a stored exception ↔ traceback ↔ frames cycle rank in the first
three rows; the interpreter's own cycles (classes, modules, functions and
their namespaces) are not listed, only counted, and --all lists them."""

import re
import subprocess
import unittest

from hstest import HEAPSNAP, OWN_DICT, addr, analyze, child

PROGRAM = """
    import ctypes, gc, sys, heapsnap
    gc.disable()

    class Node:
        def __init__(self, payload=None):
            self.next = None
            self.payload = payload
        def __del__(self):
            pass

    def make_garbage():
        a, b, c = Node(bytearray(500_000)), Node(), Node()
        a.next, b.next, c.next = b, c, a
        return [id(a), id(b), id(c)]

    def keep(n):
        out = []
        for i in range(n):
            buf = ctypes.create_string_buffer(65536)
            out.append(ctypes.cast(buf, ctypes.POINTER(ctypes.c_char)))  # buf._objects holds buf: a cycle
        return out

    def fail(depth, data):
        if depth == 0:
            raise ValueError("boom")
        fail(depth - 1, data)

    errors = []
    def store_error():
        big = [bytes(1000) for _ in range(100)]
        exc = None
        try:
            fail(3, big)
        except ValueError as e:
            exc = e  # the frame keeps its exception, whose traceback keeps the frame
        errors.append(exc)

    nodes = make_garbage()
    ptrs = keep(200)
    store_error()
    heapsnap.dump(sys.argv[1])
    report({"nodes": nodes, "error": id(errors[0]), "bufs": [id(p._objects[k]) for p in ptrs[:3] for k in p._objects]})
"""


def types_of(row):
    return {t["type"] for t in row["types"]}


class _Once:
    """What child() needs of a test, for a dump shared by the whole class."""

    def __init__(self):
        self.cleanups = []

    def addCleanup(self, fn):
        self.cleanups.append(fn)


class Cycles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.once = _Once()
        cls.snap, cls.info, cls.dump = child(cls.once, PROGRAM)

    @classmethod
    def tearDownClass(cls):
        for fn in cls.once.cleanups:
            fn()

    def rows(self, *options):
        return analyze("cycles", self.dump, *options)

    def find(self, rows, pred):
        hits = [i for i, r in enumerate(rows) if pred(r)]
        self.assertEqual(len(hits), 1, [rows[i] for i in hits])
        return hits[0], rows[hits[0]]

    def test_first_three_rows(self):
        out = self.rows()
        rows = out["cycles"]
        nodes = set(self.info["nodes"])
        i_node, node = self.find(rows, lambda r: "__main__.Node" in types_of(r))
        i_ct, ct = self.find(rows, lambda r: types_of(r) == {"builtins.dict", "ctypes.c_char_Array_65536"})
        i_exc, exc = self.find(rows, lambda r: "builtins.ValueError" in types_of(r))
        self.assertEqual(sorted([i_node, i_ct, i_exc]), [0, 1, 2], rows[:4])
        # the __del__ cycle: garbage, finalizer, first; it keeps the payload alive, not just its 3 members
        self.assertEqual(i_node, 0)
        self.assertTrue(node["garbage"] and node["finalizer"] and not node["reachable"])
        self.assertEqual((node["count"], node["members"]), (1, 3 + (3 if OWN_DICT else 0)))
        self.assertIn(addr(node["example"]), nodes)
        self.assertGreaterEqual(node["kept"], 500_000)
        self.assertLess(node["bytes"], 5_000)
        self.assertEqual(node["kept"], sum(analyze("show", self.dump, at=a)["block"]["retained"] for a in
                                           [addr(node["example"])]))
        # the ctypes cycles: one row for all 200, each a dict and its array
        self.assertEqual((ct["count"], ct["members"]), (200, 400))
        self.assertFalse(ct["garbage"])
        self.assertEqual([t["count"] for t in ct["types"]], [1, 1])
        self.assertEqual(ct["example_cycle"]["members"], 2)
        self.assertEqual(ct["kept"], 200 * ct["example_cycle"]["kept"])  # identical cycles, identical sizes
        # the stored exception: exception, tracebacks and frames, keeping the frame's `big` list
        self.assertFalse(exc["garbage"])
        self.assertIn("builtins.traceback", types_of(exc))
        self.assertTrue(types_of(exc) & {"builtins.frame", "cpython._PyInterpreterFrame"}, exc)
        self.assertEqual(addr(exc["example"]), self.info["error"])
        self.assertGreaterEqual(exc["kept"], 100 * 1000)
        # nothing listed is the interpreter's; the interpreter's cycles are counted
        for r in rows:
            self.assertFalse(r["interpreter"], r)
            self.assertFalse(types_of(r) & {"builtins.type", "builtins.module"}, r)
        self.assertGreater(out["hidden"], 10)
        self.assertEqual(out["cycles_total"]["count"],
                         out["hidden"] + sum(r["count"] for r in self.rows("-n", 0)["cycles"]))

    def test_all_shows_the_interpreter(self):
        rows = self.rows("--all", "-n", 0)["cycles"]
        self.assertEqual(rows[0]["example"], self.rows()["cycles"][0]["example"])  # garbage first either way
        interp = [r for r in rows if r["interpreter"]]
        self.assertTrue(interp)
        self.assertTrue(any(types_of(r) & {"builtins.type", "builtins.function"} for r in interp))
        self.assertEqual(sum(r["count"] for r in rows), self.rows()["cycles_total"]["count"])

    def test_text(self):
        p = subprocess.run([HEAPSNAP, "cycles", self.dump], capture_output=True, text=True, check=True)
        lines = p.stdout.splitlines()
        rows = [l for l in lines if re.match(r"^\s*\d+\. ", l)]
        self.assertTrue(rows[0].lstrip().startswith("1. garbage, finalizer: 1 × {"), rows[0])
        self.assertIn("__main__.Node ×3", rows[0])
        self.assertRegex(rows[0], r"keeps 4\d\d(\.\d+)? KiB alive \(\d+ B own\), e\.g\. 0x[0-9a-f]+$")
        self.assertTrue(any("200 × {builtins.dict, ctypes.c_char_Array_65536} keep " in r for r in rows[:3]), rows[:3])
        # each row is followed by its example's members
        i = lines.index(rows[0])
        self.assertIn("__main__.Node 0x", lines[i + 1])
        self.assertRegex(lines[-1], r"^\d[\d,]* interpreter cycles \(.*\) not shown; --all shows them$")

    def test_ctypes_buffer_is_a_block(self):
        # create_string_buffer(65536) mallocs its 64 KiB outside the object, where sys.getsizeof does not
        # look: the writer adds it as a block of its own that the object holds (docs/python.md#c-memory),
        # so the cycle that keeps the object keeps the buffer too, and the object stays getsizeof's size
        buf = self.info["bufs"][0]
        held = self.snap.child(buf, "<buffer>")
        self.assertEqual(self.snap.blocks[held]["type_name"], "_ctypes.<buffer>")
        self.assertEqual(self.snap.blocks[held]["size"], 65536)
        self.assertLess(self.snap.blocks[buf]["size"], 1024)
        rows = [r for r in self.rows()["cycles"] if types_of(r) == {"builtins.dict", "ctypes.c_char_Array_65536"}]
        self.assertTrue(rows)
        self.assertGreaterEqual(rows[0]["kept"], rows[0]["count"] * 65536)

if __name__ == "__main__":
    unittest.main()
