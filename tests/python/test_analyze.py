# SPDX-License-Identifier: MIT
"""tests/python/test_analyze.py — the Python analysis API (issue 18,
docs/python.md#analysing-a-dump-from-python): heapsnap.load() on real dumps
written by heapsnap.dump() in a child, each answer checked against the CLI's
own JSON (`heapsnap top/show/path/diff/info --json`): top rows and names,
one block's fields, paths, a diff where a leak grows, iteration counts, the
"no Session retained after close()" assertion, closing, and bad files."""

import os
import subprocess
import tempfile
import unittest

import heapsnap
from hstest import HEAPSNAP, addr, analyze, child

SESSIONS = """
    import sys, heapsnap

    class Session:
        registry = []
        def __init__(self, name, leak):
            self.name, self.buf = name, bytearray(4096)
            if leak:
                Session.registry.append(self)   # close() forgets to remove it
        def close(self, fixed):
            if fixed and self in Session.registry:
                Session.registry.remove(self)

    class Cache:
        def __init__(self):
            self.store = {}

    cache = Cache()
    leak = sys.argv[2] == "leak"
    grow = int(sys.argv[3])
    for i in range(30):
        s = Session("s%d" % i, leak)
        s.close(fixed=not leak)
    del s
    for i in range(grow):
        cache.store[i] = ["%d-%d-%s" % (i, j, "x" * 100) for j in range(20)]
    heapsnap.dump(sys.argv[1])
    print('{"cache": %d}' % id(cache.store))
"""


def dump(test, *args):
    _, info, path = child(test, SESSIONS, *args)
    return path, info


class AnalyzeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not HEAPSNAP:
            raise unittest.SkipTest("HEAPSNAP not set (run through ctest)")

    def test_top_equals_cli(self):
        path, _ = dump(self, "fixed", "200")
        cli = analyze("top", path, "-n", 15)
        with heapsnap.load(path) as s:
            rows = s.top(15)
            self.assertEqual(len(rows), len(cli["top"]))
            for r, c in zip(rows, cli["top"]):
                self.assertEqual((r.name, r.type, r.count, r.retained, r.shallow, r.folded, r.external_refs),
                                 (c["name"], c["type"], c["count"], c["retained"], c["shallow"], c["folded"],
                                  c["external_refs"]))
                self.assertEqual([(h.type, h.count, h.retained) for h in r.holds],
                                 [(h["type"], h["count"], h["retained"]) for h in c["holds"]])
                self.assertEqual(r.block.addr, addr(c["block"]["addr"]))
            self.assertTrue(any(r.name == "__main__.cache.store" for r in rows), [r.name for r in rows])

    def test_block_equals_show(self):
        path, info = dump(self, "fixed", "50")
        with heapsnap.load(path) as s:
            for a in (info["cache"], s.top(1)[0].block.addr):
                cli = analyze("show", path, at=a)
                b = s.block(a)
                self.assertEqual(b.addr, a)
                self.assertEqual((b.type, b.size, b.retained, b.reachable),
                                 (cli["block"]["type"], cli["block"]["shallow"], cli["block"]["retained"],
                                  cli["block"]["reachable"]))
                self.assertEqual(b.type_id, cli["type_id"])
                dom = cli["dominator"]
                if dom["addr"] is None:
                    self.assertIsNone(b.dominator)
                else:
                    self.assertEqual((b.dominator.addr, b.dominator.type), (addr(dom["addr"]), dom["type"]))
                for mine, theirs, total in ((b.referents, cli["referents"], cli["referents_total"]),
                                            (b.referrers, cli["referrers"], cli["referrers_total"])):
                    self.assertEqual(len(mine), total)
                    self.assertEqual([(r.kind, r.label, r.block.addr, r.block.type, r.block.size) for r in mine[:100]],
                                     [(r["kind"], r["label"], addr(r["block"]["addr"]), r["block"]["type"],
                                       r["block"]["shallow"]) for r in theirs])
                self.assertEqual([(r.kind, r.name, r.count) for r in b.roots],
                                 [(r["root"], r["name"], r["count"]) for r in cli["roots"]])
                self.assertEqual(steps(b.path), cli_steps(cli["path"]))
            # the dict of 50 lists: its referents are the 50 lists, labelled by their keys' index or None
            store = s.block(info["cache"])
            self.assertEqual(store.type, "builtins.dict")
            self.assertEqual(sum(r.block.type == "builtins.list" for r in store.referents), 50)
            lst = next(r for r in store.referents if r.block.type == "builtins.list")
            self.assertIn(("strong", store), [(r.kind, r.block) for r in lst.block.referrers])
            with self.assertRaises(KeyError):
                s.block(1)

    def test_path_equals_cli(self):
        path, info = dump(self, "leak", "10")
        with heapsnap.load(path) as s:
            session = s.instances("__main__.Session")[0]
            for a in (info["cache"], session.addr, session.referents[0].block.addr):
                cli = analyze("path", path, "--all", 3, at=a)
                self.assertEqual(steps(s.path(a)), cli_steps(cli["paths"][0]["steps"]))
                self.assertEqual(s.path(a).length, cli["paths"][0]["length"])
                mine = s.paths(a, limit=3)
                self.assertEqual([(p.length, steps(p)) for p in mine],
                                 [(p["length"], cli_steps(p["steps"])) for p in cli["paths"]])

    def test_diff_names_the_leak(self):
        before, _ = dump(self, "fixed", "10")
        after, _ = dump(self, "fixed", "400")
        cli = analyze("diff", after, before)  # heapsnap diff --json BEFORE AFTER
        with heapsnap.load(before) as b, heapsnap.load(after) as a:
            d = b.diff(a)
            self.assertEqual(d.noise, cli["noise"])
            self.assertEqual([(o.name, o.type, o.growth, o.entries, o.entries_type) for o in d.owners],
                             [(o["name"], o["type"], o["growth"], o["entries"], o["entries_type"])
                              for o in cli["owners"]])
            self.assertEqual(d.owners[0].name, "__main__.cache.store")
            self.assertGreater(d.owners[0].growth, 390 * 20 * 100)
            self.assertEqual([(t.type, t.count, t.shallow) for t in d.types],
                             [(t["type"], (t["count"]["before"], t["count"]["after"]),
                               (t["shallow"]["before"], t["shallow"]["after"])) for t in cli["types"]])
            self.assertIn("builtins.str", [t.type for t in d.types])
            self.assertEqual((d.new_objects, d.new_bytes), (cli["new"]["objects"], cli["new"]["bytes"]))
            self.assertEqual([(k.owner, k.type, k.objects) for k in d.new_by_owner],
                             [(k["owner"], k["type"], k["objects"]) for k in cli["new"]["by_owner"]])
            self.assertEqual(d.owners[0].addr, a.block(d.owners[0].addr).addr)
            # a path works as well as a Snapshot
            self.assertEqual(b.diff(after).owners, d.owners)

    def test_diff_sites(self):
        """The site view: tracemalloc's sites of the growth, as `diff --by site`."""
        src = SESSIONS.replace("import sys, heapsnap", "import sys, heapsnap, tracemalloc\n    tracemalloc.start(4)")
        before = child(self, src, "fixed", "10")[2]
        after = child(self, src, "fixed", "300")[2]
        for group in ("line", "file", "traceback"):
            cli = analyze("diff", after, "--by", "site", "--group-by", group, before)
            with heapsnap.load(before) as b:
                d = b.diff(after, group_by=group)
            self.assertEqual(d.group_by, group)
            self.assertEqual(cli["sites"]["group_by"], group)
            self.assertEqual([(x.site, x.count, x.bytes) for x in d.sites],
                             [(x["site"], (x["count"]["before"], x["count"]["after"]),
                               (x["bytes"]["before"], x["bytes"]["after"])) for x in cli["sites"]["rows"]])
            self.assertTrue(d.sites, group)
            # the list comprehension that fills cache.store grew the most
            self.assertIn("prog.py", d.sites[0].site)
            self.assertGreater(d.sites[0].bytes[1] - d.sites[0].bytes[0], 290 * 20 * 100)
        # a file without sites: None, as the CLI's null
        plain = dump(self, "fixed", "10")[0]
        with heapsnap.load(plain) as p:
            self.assertIsNone(p.diff(after).sites)
        self.assertIsNone(analyze("diff", after, "--by", "site", plain)["sites"])
        with heapsnap.load(plain) as p, self.assertRaisesRegex(ValueError, "group_by takes"):
            p.diff(after, group_by="lines")

    def test_answers_from_the_index(self):
        """With `heapsnap index` beside the dump, load() answers from it, the same answers: proven by
        zeroing the dump in place (its size, mtime, inode kept: the index's key) after the index is built."""
        path, info = dump(self, "leak", "200")

        def answers(s):
            top = [(r.name, r.type, r.count, r.retained, r.shallow) for r in s.top(10)]
            summ = [tuple(t) for t in s.summary(15)]
            b = s.block(info["cache"])
            blk = (b.type, b.size, b.retained, b.reachable, b.dominator and b.dominator.addr,
                   [(r.kind, r.label, r.block.addr) for r in b.referents],
                   [(r.kind, r.label, r.block.addr) for r in b.referrers])
            p = s.path(info["cache"])
            return top, summ, blk, (p.length, [(st.holder.addr, st.label) for st in p.steps]), len(s)

        with heapsnap.load(path) as s:
            want = answers(s)
        self.assertFalse(os.path.exists(path + ".hsidx"), "load() must not write an index")
        r = subprocess.run([HEAPSNAP, "index", path], capture_output=True, text=True, timeout=240)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(path + ".hsidx"))
        st = os.stat(path)
        with open(path, "r+b") as f:
            f.write(b"\0" * st.st_size)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        with heapsnap.load(path) as s:
            self.assertEqual(answers(s), want)
        # once the index is gone, the zeroed dump is what load() reads: refused
        os.unlink(path + ".hsidx")
        with self.assertRaises(ValueError):
            heapsnap.load(path)

    def test_referrers_added_to_the_index(self):
        """Block.referrers on a dump whose index lacks the referrers (written by `heapsnap top`) adds
        them to it, once, as `heapsnap show` would; a later load maps them: the same referrers as
        without an index, and the file is not written again."""
        path, info = dump(self, "leak", "200")
        with heapsnap.load(path) as s:
            want = [[(r.kind, r.label, r.block.addr) for r in b.referrers] for b in s]
        env = dict(os.environ, HEAPSNAP_INDEX_MIN_BLOCKS="0")
        r = subprocess.run([HEAPSNAP, "top", path], capture_output=True, text=True, timeout=240, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)

        def referrers_section():  # index sections 35 and 36 (docs/analyzer.md#index): their lengths
            with open(path + ".hsidx", "rb") as f:
                head = f.read(64 + 24 * 37)
            return [int.from_bytes(head[64 + 24 * i + 8:64 + 24 * i + 16], "little") for i in (35, 36)]

        self.assertEqual(referrers_section(), [0, 0])
        size = os.stat(path + ".hsidx").st_size
        with heapsnap.load(path) as s:
            self.assertEqual([[(r.kind, r.label, r.block.addr) for r in b.referrers] for b in s], want)
        self.assertEqual(referrers_section(), [4 * (len(want) + 1), 4 * sum(len(w) for w in want)])
        st = os.stat(path + ".hsidx")
        self.assertGreater(st.st_size, size)
        with heapsnap.load(path) as s:
            self.assertEqual([[(r.kind, r.label, r.block.addr) for r in b.referrers] for b in s], want)
        again = os.stat(path + ".hsidx")
        self.assertEqual((again.st_ino, again.st_mtime_ns), (st.st_ino, st.st_mtime_ns), "written twice")

    def test_iteration_equals_info(self):
        path, _ = dump(self, "fixed", "5")
        info = analyze("info", path)
        with heapsnap.load(path) as s:
            blocks = list(s)
            self.assertEqual(len(blocks), info["counts"]["blocks"])
            self.assertEqual(len(s), info["counts"]["blocks"])
            self.assertEqual(sum(b.size for b in blocks), info["total_shallow"])
            self.assertEqual(sum(len(b.referents) for b in blocks), s.references)
            self.assertEqual(s.references, info["counts"]["references"] - s.missing_references)
            self.assertEqual(len({b.addr for b in blocks}), len(blocks))
            summary = analyze("summary", path, "-n", 0)
            self.assertEqual([(r.type, r.count, r.shallow, r.retained) for r in s.summary()],
                             [(r["type"], r["count"], r["shallow"], r["retained"]) for r in summary["types"]])

    def test_no_session_retained_after_close(self):
        fixed, _ = dump(self, "fixed", "0")
        leaky, _ = dump(self, "leak", "0")
        with heapsnap.load(fixed) as s:
            retained = [b for b in s.instances("__main__.Session") if b.reachable]
            self.assertEqual(retained, [], "Session retained after close()")
        with heapsnap.load(leaky) as s:
            retained = [b for b in s.instances("__main__.Session") if b.reachable]
            self.assertEqual(len(retained), 30)
            p = s.path(retained[0])
            self.assertIn("registry", [st.label for st in p.steps] + [p.root.name])

    def test_close_frees_and_refuses(self):
        path, _ = dump(self, "fixed", "0")
        s = heapsnap.load(path)
        b = next(iter(s))
        s.close()
        self.assertTrue(s.closed)
        for f in (lambda: b.addr, lambda: s.top(), lambda: len(s), lambda: list(s), lambda: s.block(1)):
            with self.assertRaisesRegex(ValueError, "closed"):
                f()
        s.close()  # twice is fine
        with heapsnap.load(path) as s2:
            it = iter(s2)
        with self.assertRaisesRegex(ValueError, "closed"):
            next(it)

    def test_bad_files(self):
        d = tempfile.mkdtemp(prefix="hspy-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        good, _ = dump(self, "fixed", "0")
        with open(good, "rb") as f:
            data = f.read()
        cases = {"missing.hsnap": None, "text.hsnap": b"hello, world\n", "cut.hsnap": data[:len(data) // 2],
                 "empty.hsnap": b""}
        for name, content in cases.items():
            p = os.path.join(d, name)
            if content is not None:
                with open(p, "wb") as f:
                    f.write(content)
            r = subprocess.run([HEAPSNAP, "top", p], capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, name)
            with self.assertRaises((OSError, ValueError)) as cm:
                heapsnap.load(p)
            self.assertEqual(str(cm.exception), r.stderr.strip(), name)
            self.assertEqual(len(str(cm.exception).splitlines()), 1)
            self.assertIsInstance(cm.exception, OSError if content is None else ValueError)


def steps(p):
    """A Path as comparable tuples: the root, then (holder address, label) per step."""
    if p is None:
        return None
    return [(p.root.kind, p.root.name, p.root.count)] + [(s.holder.addr, s.label) for s in p.steps]


def cli_steps(j):
    if j is None:
        return None
    return [(j[0]["root"], j[0]["name"], j[0]["count"])] + [(addr(s["holder"]["addr"]), s["label"]) for s in j[1:]]


if __name__ == "__main__":
    unittest.main()
