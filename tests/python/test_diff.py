# SPDX-License-Identifier: MIT
"""tests/python/test_diff.py — the acceptance scenarios of snapshot
comparison (issue 5), each a real child program that dumps itself two or
three times around some work: a loop leaking into a module-level cache
(`heapsnap diff --by owner` names the cache with the exact number of added
entries; heapsnap.compare() prints the same), a loop that allocates and
frees (no owner grows above the noise threshold), an lru_cache leak (the
owner is the cache), and a three-snapshot run in which some objects of the
middle interval are freed before S3 (`heapsnap leaks` reports only the
survivors)."""

import importlib.util
import os
import subprocess
import unittest

from hstest import HEAPSNAP, addr, child


def run_json(*args):
    if not HEAPSNAP:
        raise unittest.SkipTest("HEAPSNAP not set (run through ctest)")
    import json
    p = subprocess.run([HEAPSNAP] + [str(a) for a in args] + ["--json"], capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        raise AssertionError("%r exited %d: %s" % (args, p.returncode, p.stderr))
    return json.loads(p.stdout)


def path_addrs(path):
    return [addr(s["block"]["addr"]) for s in path[1:]]


CACHE_APP = """
    _store = {}
    other = {}
    def remember(i):
        _store["user:%d@example.com" % i] = bytes(1000) + str(i).encode()
"""


class Diff(unittest.TestCase):
    def dumps(self, dump):
        return dump + "-before.hsnap", dump + "-after.hsnap"

    def test_1_module_cache_leak(self):
        # 37 entries before, 1234 more between the dumps
        _, info, dump = child(self, """
            import sys, heapsnap
            import app
            for i in range(37):
                app.remember(i)
            heapsnap.dump(sys.argv[1] + "-before.hsnap")
            for i in range(37, 37 + 1234):
                app.remember(i)
            heapsnap.dump(sys.argv[1] + "-after.hsnap")
            heapsnap.dump(sys.argv[1])
            report({"store": id(app._store), "n": len(app._store)})
        """, files={"app.py": CACHE_APP})
        self.assertEqual(info["n"], 37 + 1234)
        d = run_json("diff", "--by", "owner", *self.dumps(dump))
        owners = d["owners"]
        self.assertGreaterEqual(len(owners), 1)
        top = owners[0]
        self.assertEqual(addr(top["block"]["addr"]), info["store"], owners[:3])
        self.assertEqual(top["type"], "builtins.dict")
        self.assertEqual(top["owner"], "app._store")
        self.assertEqual(top["entries"], 1234)
        self.assertEqual(top["count"], {"before": 1, "after": 1, "delta": 0})
        self.assertGreaterEqual(top["growth"], 1234 * 1000)
        # the path: global root 'app' -> module .__dict__ -> dict ._store -> the cache
        self.assertEqual((top["path"][0]["root"], top["path"][0]["name"]), ("global", "app"))
        self.assertEqual([s["label"] for s in top["path"][1:]], [None, "__dict__", "_store"])
        # nothing else grew by as much as a tenth of it
        for o in owners[1:]:
            self.assertLess(o["growth"], top["growth"] / 10, o)
        # the new-objects view: the 1234 values are new and held by the cache
        n = run_json("diff", "--by", "new", *self.dumps(dump))
        held = [c for c in n["new"]["by_owner"] if c["type"] == "builtins.bytes" and c["owner"] == "app._store"]
        self.assertEqual(len(held), 1, n["new"]["by_owner"][:3])
        self.assertEqual(held[0]["objects"], 1234)
        # the type view: +1234 bytes objects
        t = run_json("diff", "--by", "type", *self.dumps(dump))
        bytes_row = [r for r in t["types"] if r["type"] == "builtins.bytes"]
        self.assertEqual(len(bytes_row), 1)
        self.assertGreaterEqual(bytes_row[0]["count"]["delta"], 1234)
        self.assertGreaterEqual(bytes_row[0]["shallow"]["delta"], 1234 * 1000)

    def test_2_churn_is_not_growth(self):
        _, info, dump = child(self, """
            import sys, heapsnap
            import app
            for i in range(50):
                app.remember(i)
            heapsnap.dump(sys.argv[1] + "-before.hsnap")
            total = 0
            for i in range(3000):
                tmp = {"k%d" % j: bytes(200) for j in range(20)}
                lst = [str(j) * 10 for j in range(50)]
                total += len(tmp) + len(lst)
                del tmp, lst
            heapsnap.dump(sys.argv[1] + "-after.hsnap")
            heapsnap.dump(sys.argv[1])
            report({"churned": total})
        """, files={"app.py": CACHE_APP})
        self.assertEqual(info["churned"], 3000 * 70)  # about 13 MB allocated and freed
        d = run_json("diff", "--by", "owner", *self.dumps(dump))
        self.assertGreater(d["noise"], 0)
        self.assertEqual(d["owners"], [], "churn reported as growth: %r" % d["owners"][:3])
        # with no threshold at all, what remains is far below the churned volume
        z = run_json("diff", "--by", "owner", "--noise", "0", *self.dumps(dump))
        self.assertLess(sum(o["growth"] for o in z["owners"]), d["noise"] * 4)

    def test_3_lru_cache_leak(self):
        _, info, dump = child(self, """
            import functools, os, sys, heapsnap
            @functools.lru_cache(maxsize=None)
            def render(n):
                return [n] * 100
            for i in range(10):
                render(i)
            with heapsnap.compare(sys.argv[1], quiet=True, json=True) as c:
                for i in range(10, 10 + 777):
                    render(i)
            heapsnap.dump(sys.argv[1])
            report({"wrapper": id(render), "currsize": render.cache_info().currsize,
                    "report": c.report, "owners": c.owners,
                    "files": [os.path.exists(p) for p in (c.before, c.after)]})
        """)
        self.assertEqual(info["currsize"], 787)
        self.assertEqual(info["files"], [True, True])
        owners = info["owners"]
        self.assertGreaterEqual(len(owners), 1, info["report"])
        top = owners[0]
        # the owner is the cache: the wrapper itself or the dict it holds
        w = info["wrapper"]
        self.assertTrue(addr(top["block"]["addr"]) == w or w in path_addrs(top["path"]),
                        "top owner %r is not under the lru_cache wrapper %#x" % (top["owner"], w))
        self.assertEqual(top["entries"], 777)
        self.assertGreaterEqual(top["growth"], 777 * 100 * 8)
        # compare() printed the owner view naming it
        self.assertIn(top["owner"], info["report"])
        self.assertIn("+777 entries", info["report"])

    def test_4_three_snapshots(self):
        _, info, dump = child(self, """
            import sys, heapsnap
            import app
            for i in range(20):
                app.remember(i)
            heapsnap.dump(sys.argv[1] + "-1.hsnap")
            for i in range(20, 320):
                app.remember(i)
            heapsnap.dump(sys.argv[1] + "-2.hsnap")
            for i in range(20, 320, 3):                  # a third of the middle interval goes
                del app._store["user:%d@example.com" % i]
            for i in range(320, 400):                    # allocated after S2, elsewhere: not reported
                app.other["user:%d@example.com" % i] = bytes(1000) + str(i).encode()
            heapsnap.dump(sys.argv[1] + "-3.hsnap")
            heapsnap.dump(sys.argv[1])
            report({"store": id(app._store), "survivors": sum(1 for i in range(20, 320) if i % 3 != 20 % 3)})
        """, files={"app.py": CACHE_APP})
        self.assertEqual(info["survivors"], 200)
        d = run_json("leaks", dump + "-1.hsnap", dump + "-2.hsnap", dump + "-3.hsnap")
        ours = [c for c in d["clusters"] if c["owner"] == "app._store"]
        by_type = {c["type"]: c for c in ours}
        self.assertIn("builtins.bytes", by_type, d["clusters"][:3])
        c = by_type["builtins.bytes"]
        self.assertEqual(c["objects"], 200)
        self.assertEqual(c["top"], 200)
        self.assertGreaterEqual(c["bytes"], 200 * 1000)
        self.assertLess(c["bytes"], 201 * 1100)
        self.assertEqual(path_addrs(c["path"])[-2], info["store"])
        # the keys survive with their values
        if "builtins.str" in by_type:
            self.assertEqual(by_type["builtins.str"]["objects"], 200)
        self.assertGreaterEqual(d["allocated"]["objects"], 600)
        # nothing under the container filled after S2
        self.assertEqual([c for c in d["clusters"] if c["owner"] == "app.other"], [])

    def test_6_native_growth(self):
        # 48 MiB malloc'd through ctypes and never freed, then 48 MiB of Python bytearrays:
        # the first step is outside the dumped objects, the second is not
        _, info, dump = child(self, """
            import ctypes, sys, heapsnap
            libc = ctypes.CDLL(None)
            libc.malloc.restype = ctypes.c_void_p
            heapsnap.dump(sys.argv[1] + "-1.hsnap")
            for i in range(48):
                libc.memset(ctypes.c_void_p(libc.malloc(1 << 20)), 1, 1 << 20)
            heapsnap.dump(sys.argv[1] + "-2.hsnap")
            keep = [bytearray(b"x" * (1 << 20)) for i in range(48)]
            heapsnap.dump(sys.argv[1] + "-3.hsnap")
            heapsnap.dump(sys.argv[1])
            report({})
        """)
        one, two, three = (dump + "-%d.hsnap" % i for i in (1, 2, 3))
        m = run_json("info", two)["process_memory"]
        self.assertGreater(m["rss"], 48 << 20)
        if "malloc_in_use" in m:  # glibc's allocator (not an ASan build, where mallinfo2 reports nothing)
            self.assertGreater(m["malloc_in_use"], 48 << 20)
        d = run_json("diff", "--by", "owner", one, two)["process"]
        self.assertTrue(d["outside"], d)
        self.assertGreater(d["rss"]["delta"], 40 << 20)
        self.assertLess(d["objects"]["delta"], 1 << 20)
        d = run_json("diff", "--by", "owner", two, three)["process"]
        self.assertFalse(d["outside"], d)
        self.assertGreater(d["objects"]["delta"], 48 << 20)
        t = run_json("trend", one, two, three)["process"]
        self.assertFalse(t["outside"], t)  # over the whole series the objects grew as much
        p = subprocess.run([HEAPSNAP, "diff", "--by", "owner", one, two], capture_output=True, text=True)
        self.assertIn("the growth is outside the dumped objects", p.stdout)

    @unittest.skipUnless(importlib.util.find_spec("lxml"), "lxml is not installed for this interpreter (Debian's python3-lxml)")
    def test_7_lxml_iterparse_native_growth(self):
        # lxml's iterparse without clearing the elements (a leak reported against lxml many times):
        # the parsed tree grows inside libxml2, the Python proxies come and go
        _, info, dump = child(self, """
            import io, sys, heapsnap
            from lxml import etree
            def feed(n):
                yield b"<feed>"
                for i in range(n):
                    yield b"<entry id='%d'><title>title %d</title><body>%s</body></entry>" % (i, i, b"x" * 200)
                yield b"</feed>"
            class Stream(io.RawIOBase):
                def __init__(self, n): self.it, self.buf = feed(n), b""
                def readable(self): return True
                def readinto(self, b):
                    while len(self.buf) < len(b):
                        try: self.buf += next(self.it)
                        except StopIteration: break
                    k = min(len(b), len(self.buf)); b[:k] = self.buf[:k]; self.buf = self.buf[k:]
                    return k
            heapsnap.dump(sys.argv[1] + "-1.hsnap")
            titles = 0
            for _, el in etree.iterparse(io.BufferedReader(Stream(40000)), events=("end",), tag="entry"):
                titles += len(el.findtext("title"))   # el.clear() is missing
            heapsnap.dump(sys.argv[1] + "-2.hsnap")
            heapsnap.dump(sys.argv[1])
            report({"titles": titles})
        """)
        self.assertGreater(info["titles"], 40000 * 7)
        one, two = dump + "-1.hsnap", dump + "-2.hsnap"
        d = run_json("diff", "--by", "owner", one, two)
        self.assertTrue(d["process"]["outside"], d["process"])
        self.assertGreater(d["process"]["rss"]["delta"], 20 << 20)        # ~40 MiB of libxml2 tree
        self.assertLess(d["process"]["objects"]["delta"], 1 << 20)
        self.assertEqual(d["owners"], [])                                 # no Python owner can explain it
        p = subprocess.run([HEAPSNAP, "diff", "--by", "owner", one, two], capture_output=True, text=True)
        self.assertIn("the growth is outside the dumped objects", p.stdout)
        self.assertIn("process: RSS ", p.stdout)

    def test_5_bad_input(self):
        if not HEAPSNAP:
            raise unittest.SkipTest("HEAPSNAP not set")
        _, _, dump = child(self, """
            import sys, heapsnap
            heapsnap.dump(sys.argv[1])
        """)
        d = os.path.dirname(dump)
        junk = os.path.join(d, "junk.hsnap")
        with open(junk, "wb") as f:
            f.write(b"not a snapshot")
        cut = os.path.join(d, "cut.hsnap")
        with open(dump, "rb") as f, open(cut, "wb") as g:
            g.write(f.read()[:-100])
        for args in (["diff", junk, dump], ["diff", dump, cut], ["leaks", dump, dump, cut]):
            p = subprocess.run([HEAPSNAP] + args, capture_output=True, text=True)
            self.assertEqual(p.returncode, 1, args)
            self.assertEqual(p.stdout, "")
            lines = p.stderr.splitlines()
            self.assertEqual(len(lines), 1, p.stderr)
            bad = junk if junk in args else cut
            self.assertTrue(lines[0].startswith("heapsnap: '%s': " % bad), lines[0])


if __name__ == "__main__":
    unittest.main()
