# SPDX-License-Identifier: MIT
"""tests/native/test_native.py — libheapsnap-preload.so end to end: each case
runs a program of tests/native/ under LD_PRELOAD and checks the dump through
tests/helpers/hsjson and the heapsnap CLI. See docs/native.md.

GroundTruth and Cxx compare the leak kinds (native_util.leak_kinds, the
memcheck algorithm) with `valgrind --leak-check=full` on the same program;
GroundTruth also with the numbers gt_leaks computes from its constants.
"""
import glob
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import native_util as u


def prog(name):
    return os.path.join(u.BIN, name)


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hsn-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def traced(self, argv, out="out.hsnap", env=None, rc=0, **kw):
        p = u.run_traced(argv, self.path(out), env=env, **kw)
        self.assertEqual(p.returncode, rc, "%s: exit %d\n%s" % (argv, p.returncode, p.stderr))
        return p

    def cli(self, *args):
        p = subprocess.run([u.HEAPSNAP] + list(args), capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, "heapsnap %s: %s" % (" ".join(args), p.stderr))
        return p.stdout


class GroundTruth(Base):
    def test_leak_kinds_equal_valgrind_and_the_program(self):
        gt = prog("gt_leaks")
        expect = json.loads(subprocess.run([gt, "--expect"], capture_output=True, text=True, check=True).stdout)
        self.traced([gt], env={"HEAPSNAP_NATIVE_WRAPPERS": "zalloc"})
        snap = u.decode(self.path("out.hsnap"))
        ours = u.kind_totals(snap, u.leak_kinds(snap))
        self.assertEqual(ours, expect)
        self.assertEqual(u.valgrind_totals([gt]), expect)

    def test_types_are_the_allocating_functions(self):
        self.traced([prog("gt_leaks")], env={"HEAPSNAP_NATIVE_WRAPPERS": "zalloc"})
        snap = u.decode(self.path("out.hsnap"))
        kinds = u.leak_kinds(snap)
        by = {}
        for a, k in kinds.items():
            by.setdefault((u.type_name(snap, snap["blocks"][a]), k), 0)
            by[(u.type_name(snap, snap["blocks"][a]), k)] += 1
        self.assertEqual(by[("drop_blocks", "definite")], 20)
        self.assertEqual(by[("cache_add", "reachable")], 500)
        self.assertEqual(by[("make_interior", "possible")], 10)
        self.assertEqual(by[("make_ring", "definite")], 1)
        self.assertEqual(by[("make_ring", "indirect")], 6)
        # the realloc-grown bucket array is one block of 256 pointers
        buckets = [b for b in snap["blocks"].values() if u.type_name(snap, b) == "ht_put" and b["size"] == 2048]
        self.assertEqual(len(buckets), 1)
        # sites carry file and line from DWARF, innermost first, through main
        fr = u.site_functions(snap, buckets[0])
        self.assertEqual(fr[0], "ht_put")
        self.assertIn("main", fr)
        f = snap["frames"][snap["sites"][buckets[0]["site"]][0]]
        self.assertTrue(f["file"].endswith("gt_leaks.c") and f["line"] > 0, f)

    def test_without_the_wrapper_option_zalloc_is_the_type(self):
        self.traced([prog("gt_leaks")])
        snap = u.decode(self.path("out.hsnap"))
        names = {u.type_name(snap, b) for b in snap["blocks"].values() if not u.is_pseudo(snap, b)}
        self.assertIn("zalloc", names)

    def test_roots_and_interior_labels(self):
        self.traced([prog("gt_leaks")])
        snap = u.decode(self.path("out.hsnap"))
        kinds = {r["root_kind"] for r in snap["roots"]}
        self.assertEqual(kinds, {1, 2})  # global data segments, stack/registers/tls
        names = [u.type_name(snap, snap["blocks"][r["addr"]]) for r in snap["roots"]]
        self.assertIn("[data] gt_leaks", names)
        self.assertTrue(any(n.startswith("[stack] thread ") for n in names))
        self.assertFalse(any("preload" in n for n in names), names)  # our own segments are not roots
        data = next(snap["blocks"][r["addr"]] for r in snap["roots"]
                    if u.type_name(snap, snap["blocks"][r["addr"]]) == "[data] gt_leaks")
        self.assertEqual(sum(1 for r in data["refs"] if r["label"] == "interior"), 5)

    def test_frames_zero_means_no_sites(self):
        self.traced([prog("gt_leaks")], env={"HEAPSNAP_NATIVE_FRAMES": "0"})
        snap = u.decode(self.path("out.hsnap"))
        heap = [b for b in snap["blocks"].values() if not u.is_pseudo(snap, b)]
        self.assertTrue(heap and all(b["site"] is None for b in heap))
        self.assertEqual(u.kind_totals(snap, u.leak_kinds(snap))["definite"], [1208, 22])


class Threads(Base):
    def test_four_threads_and_dumps_while_they_run(self):
        self.traced([prog("mt_alloc"), self.dir, "20000"], env={"HEAPSNAP_NATIVE_THREADS": "1"})
        for d in range(3):
            snap = u.decode(self.path("mt-%d.hsnap" % d))
            self.assertNotIn("partial", snap["trailer"]["end_tags"])
            self.assertGreaterEqual(int(snap["trailer"]["end_tags"]["native.threads"]), 2)
        snap = u.decode(self.path("out.hsnap"))
        kinds = u.leak_kinds(snap)
        work = [a for a, b in snap["blocks"].items() if not u.is_pseudo(snap, b) and
                "worker_block" in u.site_functions(snap, b)[:2]]
        resized = [a for a, b in snap["blocks"].items() if not u.is_pseudo(snap, b) and
                   u.site_functions(snap, b)[:1] == ["worker"]]
        self.assertEqual(len(work) + len(resized), 4 * 256)  # g_keep, whatever realloc moved
        self.assertTrue(all(kinds[a] == "reachable" for a in work + resized))
        threads = {snap["values"][a]["int"] for a in work + resized}
        self.assertEqual(len(threads), 4, threads)  # four allocating threads, numbered apart from main


class Fork(Base):
    def test_children_untraced_by_default(self):
        self.traced([prog("fork_child")], out="fork-%p.hsnap")
        files = glob.glob(self.path("fork-*.hsnap"))
        self.assertEqual(len(files), 1, files)
        snap = u.decode(files[0])
        names = [u.type_name(snap, b) for b in snap["blocks"].values()]
        self.assertEqual(names.count("parent_block"), 64)
        self.assertEqual(names.count("child_block"), 0)

    def test_follow_fork(self):
        self.traced([prog("fork_child")], out="fork-%p.hsnap", env={"HEAPSNAP_NATIVE_FOLLOW_FORK": "1"})
        files = glob.glob(self.path("fork-*.hsnap"))
        self.assertEqual(len(files), 3, files)  # the parent, the exit() child, the _exit() child
        counts = sorted(
            [sum(1 for b in s["blocks"].values() if u.type_name(s, b) == n) for n in ("parent_block", "child_block")]
            for s in map(u.decode, files))
        self.assertEqual(counts, [[63, 32], [63, 32], [64, 0]])


class Exit(Base):
    def test_underscore_exit_with_a_running_thread(self):
        self.traced([prog("exit_now")], rc=3)
        snap = u.decode(self.path("out.hsnap"))
        self.assertEqual(snap["header"]["tags"]["native.trigger"], "exit")
        kinds = u.leak_kinds(snap)
        leaked = [a for a, b in snap["blocks"].items() if b["size"] == 333]
        self.assertEqual([kinds[a] for a in leaked], ["definite"])
        self.assertEqual(sum(1 for a, b in snap["blocks"].items() if b["size"] == 100 and kinds[a] == "reachable"), 10)

    def test_at_exit_off(self):
        self.traced([prog("exit_now")], rc=3, env={"HEAPSNAP_NATIVE_AT_EXIT": "0"})
        self.assertFalse(os.path.exists(self.path("out.hsnap")))


class Signal(Base):
    def test_dump_signal_mid_allocation(self):
        env = dict(os.environ, LD_PRELOAD=u.PRELOAD, HEAPSNAP_NATIVE_OUTPUT=self.path("sig.hsnap"),
                   HEAPSNAP_NATIVE_SIGNAL="USR2", HEAPSNAP_NATIVE_FSYNC="0", HEAPSNAP_NATIVE_QUIET="1")
        p = subprocess.Popen([prog("sig_loop"), "3"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.assertEqual(p.stdout.readline().strip(), "ready")
        sent = 0
        for _ in range(12):
            time.sleep(0.15)
            p.send_signal(signal.SIGUSR2)
            sent += 1
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        numbered = sorted(glob.glob(self.path("sig.*.hsnap")))
        # signals that arrive during a dump coalesce; most get their own file
        self.assertGreaterEqual(len(numbered), sent // 3, numbered)
        for f in numbered + [self.path("sig.hsnap")]:
            snap = u.decode(f)
            self.assertNotIn("partial", snap["trailer"]["end_tags"])
        self.assertEqual(u.decode(numbered[0])["header"]["tags"]["native.trigger"], "signal")
        self.assertEqual(u.decode(self.path("sig.hsnap"))["header"]["tags"]["native.trigger"], "exit")


class Family(Base):
    def test_every_interposed_call(self):
        p = self.traced([prog("family"), self.dir])
        self.assertIn("bad path: 3", p.stdout)  # HS_ERR_IO
        self.assertIn("cannot write '/nonexistent-dir/x.hsnap'", p.stderr)
        snap = u.decode(self.path("family.hsnap"))
        sizes = {b["size"] for b in snap["blocks"].values()}
        for s in (1001, 1002, 1003, 1004, 1005, 1024, 1007, 1008, 1009, 40):
            self.assertIn(s, sizes)
        self.assertNotIn(1010, sizes)
        aligned = [a for a, b in snap["blocks"].items() if b["size"] in (1005, 1024, 1007, 1008)]
        self.assertTrue(all(a % 64 == 0 for a in aligned))
        # strdup is a wrapper: the type is the caller
        sd = next(b for b in snap["blocks"].values() if b["size"] == 40)
        self.assertEqual(u.type_name(snap, sd), "main")
        # heapsnap_native_type names win over sites, and do not survive realloc
        by_size = {b["size"]: u.type_name(snap, b) for b in snap["blocks"].values()}
        self.assertEqual(by_size[1001], "Session")
        self.assertEqual(by_size[1012], "main")
        self.assertNotIn("Blob", by_size.values())
        # the failed malloc wrote the post-mortem dump
        oom = u.decode(self.path("out.1.hsnap"))
        self.assertEqual(oom["header"]["tags"]["native.trigger"], "oom")


class Cxx(Base):
    def test_new_delete_and_containers_equal_valgrind(self):
        if os.environ.get("HSN_CXX") != "ON":
            self.skipTest("no C++ compiler")
        cx = prog("cxx_prog")
        self.traced([cx])
        snap = u.decode(self.path("out.hsnap"))
        ours = u.kind_totals(snap, u.leak_kinds(snap))
        theirs = u.valgrind_totals([cx])
        self.assertEqual(ours, theirs)
        kinds = u.leak_kinds(snap)
        lost = [snap["blocks"][a] for a, k in kinds.items() if k == "definite"]
        self.assertEqual(len(lost), 1)  # leak_pair's Widget; what it holds is indirectly lost
        self.assertEqual(u.type_name(snap, lost[0]), "leak_pair()")  # operator new is a wrapper
        self.assertEqual(u.site_functions(snap, lost[0])[:3], ["operator new(unsigned long)", "leak_pair()", "main"])
        self.assertGreaterEqual(ours["indirect"][1], 1)
        funcs = set()
        for b in snap["blocks"].values():
            funcs.update(u.site_functions(snap, b))
        self.assertTrue(any(f.startswith("operator new") for f in funcs), sorted(funcs)[:20])


class Triggers(Base):
    def test_interval(self):
        self.traced([prog("sig_loop"), "2.5"], out="iv.hsnap", env={"HEAPSNAP_NATIVE_INTERVAL": "0.4"})
        numbered = glob.glob(self.path("iv.*.hsnap"))
        self.assertGreaterEqual(len(numbered), 2, numbered)
        for f in numbered:
            self.assertEqual(u.decode(f)["header"]["tags"]["native.trigger"], "interval")

    def test_growth(self):
        self.traced([prog("gt_leaks"), "--pause"], out="g-%n.hsnap",
                    env={"HEAPSNAP_NATIVE_GROWTH": "4k", "HEAPSNAP_NATIVE_WRAPPERS": "zalloc"})
        files = sorted(glob.glob(self.path("g-*.hsnap")), key=lambda f: int(f.rsplit("-", 1)[1].split(".")[0]))
        self.assertGreaterEqual(len(files), 3, files)
        caches = []
        for f in files:
            s = u.decode(f)
            caches.append(sum(1 for b in s["blocks"].values() if u.type_name(s, b) == "cache_add"))
        self.assertEqual(caches, sorted(caches))
        self.assertGreater(caches[-1], caches[0])
        # the cache is still reachable, so no leak check flags it: the growth view does
        d = json.loads(self.cli("diff", "--json", files[0], files[-1]))
        # (it failed once under a loaded ctest with no type rows: say what was compared)
        self.assertTrue(d["types"], "no type rows: files %s, cache blocks %s, diff %s" % (files, caches, json.dumps(d)[:1500]))
        self.assertEqual(d["types"][0]["type"], "gt_leaks.cache_add")
        self.assertEqual(d["types"][0]["count"]["delta"], caches[-1] - caches[0])
        self.assertEqual(d["new"]["by_type"][0]["type"], "gt_leaks.cache_add")


class Cli(Base):
    def test_launcher_and_leaks_equal_the_ground_truth(self):
        gt = prog("gt_leaks")
        expect = json.loads(subprocess.run([gt, "--expect"], capture_output=True, text=True, check=True).stdout)
        f = self.path("launched.hsnap")
        p = subprocess.run([u.HEAPSNAP, "native", "-o", f, "--wrappers", "zalloc", "--", gt], capture_output=True,
                           text=True, timeout=120, env=dict(os.environ, HEAPSNAP_PRELOAD=u.PRELOAD))
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(self.cli("leaks", "--json", "-n", "0", "--all", f))
        self.assertEqual({k: [v["bytes"], v["blocks"]] for k, v in out["kinds"].items()}, expect)
        rec = {(r["kind"], r["type"]): r for r in out["records"]}
        tree = rec[("definite", "gt_leaks.make_tree")]  # the lost subtree's root keeps the rest
        self.assertEqual((tree["blocks"], tree["bytes"], tree["indirect_bytes"]), (1, 48, 6 * 48 + 7 * 72))
        self.assertEqual([f["function"] for f in tree["site"][:3]], ["zalloc", "make_tree", "lose_subtree"])
        self.assertEqual(rec[("possible", "gt_leaks.make_interior")]["blocks"], 5)

    def test_launcher_exit_status_is_the_programs(self):
        p = subprocess.run([u.HEAPSNAP, "native", "-o", self.path("x.hsnap"), "--", prog("exit_now")],
                           capture_output=True, text=True, timeout=120, env=dict(os.environ, HEAPSNAP_PRELOAD=u.PRELOAD))
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertTrue(os.path.exists(self.path("x.hsnap")))

    def test_info_top_summary_read_native_dumps(self):
        self.traced([prog("gt_leaks")], env={"HEAPSNAP_NATIVE_WRAPPERS": "zalloc"})
        f = self.path("out.hsnap")
        info = self.cli("info", f)
        self.assertIn("heapsnap-native", info)
        self.assertIn("integrity      ok", info)
        self.assertIn("cache_add", self.cli("summary", f))
        top = self.cli("top", f)
        self.assertIn("[data] gt_leaks", top)
        # everything else a Python dump gets: dominators, cycles, paths, show, report, diff
        self.assertIn("garbage: 1 × {gt_leaks.make_ring ×7}", self.cli("cycles", f))  # the unreachable ring, as garbage
        self.cli("dominators", f)
        lost = json.loads(self.cli("leaks", "--json", f))["records"][0]["example"]
        self.assertIn("unreachable", self.cli("path", f, lost))
        self.assertIn("gt_leaks.drop_blocks", self.cli("show", f, lost))
        self.cli("report", f, "-o", self.path("r.html"))
        self.assertGreater(os.path.getsize(self.path("r.html")), 10000)
        self.assertIn("by allocation site", self.cli("diff", "--by", "site", f, f))


if __name__ == "__main__":
    unittest.main()
