# SPDX-License-Identifier: MIT
"""tests/python/test_postmortem.py — heapsnap.enable_postmortem() and the
trigger tags: a dump on an uncaught MemoryError in a process whose address
space is capped (main thread and another thread; a reserve too small gives a
partial file that says so), threshold dumps from the RSS watchdog (exactly
the expected series, each naming its trigger and RSS), the exit dump, the
trigger tags of manual and signal dumps, and the HEAPSNAP_POSTMORTEM
environment variable on an unmodified script (``python -m heapsnap run`` and
a sitecustomize hook). Each case is a real child program.

The RLIMIT_AS cases cannot run under AddressSanitizer (its shadow memory
alone is far larger than any cap); they skip there, saying so on stderr."""

import glob
import json
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import unittest

from hstest import PYTHON, analyze, decode

ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
ASAN_REASON = "RLIMIT_AS cannot be applied under AddressSanitizer (its shadow mapping exceeds any cap)"


def skip_under_asan(test):
    if ASAN:
        print("\n  SKIPPED %s: %s" % (test.id(), ASAN_REASON), file=sys.stderr, flush=True)
        test.skipTest(ASAN_REASON)


# A child's prelude: cap its own address space `headroom` bytes above what it
# maps now (so the cap does not depend on the interpreter's baseline).
CAP_PRELUDE = """\
import os, resource
def cap_address_space(headroom):
    with open("/proc/self/statm") as f:
        vsize = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    resource.setrlimit(resource.RLIMIT_AS, (vsize + headroom, vsize + headroom))
"""


class PostMortem(unittest.TestCase):
    def tmp(self):
        d = tempfile.mkdtemp(prefix="hspm-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        return d

    def run_child(self, source, *args, env=None, timeout=240, prelude=CAP_PRELUDE):
        d = self.tmp()
        prog = os.path.join(d, "prog.py")
        with open(prog, "w") as f:
            f.write(prelude + textwrap.dedent(source))
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run([PYTHON, prog, d] + list(args), capture_output=True, text=True, env=e, timeout=timeout)
        return p, d

    def info(self, path):
        i = analyze("info", path)
        self.assertEqual(i["integrity"], "ok", i)
        return i

    # ---- MemoryError ----

    def test_memory_error_main_thread(self):
        skip_under_asan(self)
        p, d = self.run_child("""
            import os, sys, heapsnap
            heapsnap.enable_postmortem(os.path.join(sys.argv[1], "pm-{pid}-{n}-{trigger}.hsnap"))
            cap_address_space(200 << 20)
            LEAKED_ROWS = []

            def fill():
                batch_label = "fill-local"
                i = 0
                while True:
                    LEAKED_ROWS.append(("row-%d " % i) * 40)
                    i += 1

            fill()
        """)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("MemoryError", p.stderr)           # the previous excepthook still ran
        self.assertIn("heapsnap: wrote", p.stderr)
        files = glob.glob(os.path.join(d, "pm-*-1-memory-error.hsnap"))
        self.assertEqual(len(files), 1, os.listdir(d))
        info = self.info(files[0])
        self.assertEqual(info["tags"]["trigger"], "memory-error")
        self.assertEqual(info["tags"]["thread"], "MainThread")
        self.assertGreater(int(info["tags"]["rss"]), 0)
        self.assertEqual(info["end_tags"].get("complete"), "yes", info)
        self.assertNotIn("partial", info["end_tags"])
        self.assertGreater(info["counts"]["blocks"], 100000)
        top = analyze("top", files[0], "-n", "5")
        named = [e for e in top["top"]
                 if e["block"]["type"] == "builtins.list" and e["path"] and e["path"][-1].get("label") == "LEAKED_ROWS"]
        self.assertEqual(len(named), 1, json.dumps(top["top"], indent=1)[:3000])
        self.assertGreater(named[0]["block"]["retained"], 100 << 20)
        # the traceback kept the failing frame and its locals
        snap = decode(files[0])
        frames = [b for b in snap.of_type("builtins.frame") if snap.refs(b["addr"], "batch_label")]
        self.assertEqual(len(frames), 1)
        self.assertTrue(snap.refs(frames[0]["addr"], "i"))

    def test_memory_error_other_thread(self):
        skip_under_asan(self)
        p, d = self.run_child("""
            import os, sys, threading, heapsnap
            heapsnap.enable_postmortem(os.path.join(sys.argv[1], "pm-{n}-{trigger}.hsnap"))
            cap_address_space(160 << 20)
            THREAD_CACHE = []

            def worker():
                while True:
                    THREAD_CACHE.append(bytes(2000))

            t = threading.Thread(target=worker, name="leaker")
            t.start()
            t.join()
            THREAD_CACHE.clear()
            print("main survived")
        """)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("main survived", p.stdout)
        self.assertIn("MemoryError", p.stderr)
        files = glob.glob(os.path.join(d, "pm-*.hsnap"))
        self.assertEqual([os.path.basename(f) for f in files], ["pm-1-memory-error.hsnap"])
        info = self.info(files[0])
        self.assertEqual(info["tags"]["trigger"], "memory-error")
        self.assertEqual(info["tags"]["thread"], "leaker")
        top = analyze("top", files[0], "-n", "5")
        self.assertIn("THREAD_CACHE", [e["path"][-1].get("label") for e in top["top"] if e["path"]])

    def test_memory_error_partial_when_the_reserve_is_short(self):
        # Millions of small untracked objects need a visited set far larger
        # than a 12 MiB reserve (enough for the writer itself): the walk runs
        # short, and the file says so.
        skip_under_asan(self)
        p, d = self.run_child("""
            import os, sys, heapsnap
            heapsnap.enable_postmortem(os.path.join(sys.argv[1], "pm-{n}-{trigger}.hsnap"), reserve="12M")
            cap_address_space(240 << 20)
            SMALL = []
            while True:
                SMALL.append([str(i) for i in range(100)])
        """)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("PARTIAL: out-of-memory", p.stderr)
        path = os.path.join(d, "pm-1-memory-error.hsnap")
        info = self.info(path)
        self.assertEqual(info["tags"]["trigger"], "memory-error")
        self.assertEqual(info["end_tags"].get("partial"), "out-of-memory", info)
        self.assertNotIn("complete", info["end_tags"])
        self.assertGreater(info["counts"]["blocks"], 10000)  # what was walked is kept

    # ---- threshold ----

    def test_threshold_series(self):
        # limit = baseline + 64 MiB, factor 1.5, at most 2 dumps. The child
        # grows in steps and, after each, waits for three more watchdog
        # samples with no dump in flight, so what is dumped depends on sizes
        # only, never on timing. Each step keeps a margin of at least 12 MiB
        # from the limit it must not cross.
        p, d = self.run_child("""
            import json, os, sys, time, heapsnap
            from heapsnap.postmortem import rss
            base = rss()
            limit = base + (64 << 20)
            pm = heapsnap.enable_postmortem(os.path.join(sys.argv[1], "th-{n}-{trigger}.hsnap"),
                                            on_memory_error=False, rss_limit=limit, rss_factor=1.5,
                                            interval=0.05, max_dumps=2, grace=120, quiet=True)
            HOARD = []

            def settle():
                deadline = time.monotonic() + 120
                s0 = pm.samples
                while (pm.samples < s0 + 3 or pm.busy) and time.monotonic() < deadline:
                    time.sleep(0.01)

            def grow_to(target):
                while rss() < target:
                    HOARD.append(b"x" * (2 << 20))
                settle()
                return rss()

            steps, sizes = [], []
            sizes.append(grow_to(base + (32 << 20))); steps.append(len(pm.paths))  # below: nothing
            sizes.append(grow_to(limit + (4 << 20))); steps.append(len(pm.paths))  # crosses: dump 1
            after1 = pm.next_limit
            sizes.append(grow_to(after1 - (16 << 20))); steps.append(len(pm.paths))  # between: nothing
            sizes.append(grow_to(after1 + (4 << 20))); steps.append(len(pm.paths))  # crosses again: dump 2
            sizes.append(grow_to(pm.next_limit + (4 << 20))); steps.append(len(pm.paths))  # max_dumps: nothing
            print(json.dumps({"steps": steps, "sizes": sizes, "limit": limit, "after1": after1}))
        """, prelude="")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["steps"], [0, 1, 1, 2, 2], out)
        self.assertGreater(out["sizes"][2], out["limit"])  # step 3 really stayed above the first limit
        files = sorted(glob.glob(os.path.join(d, "th-*.hsnap")))
        self.assertEqual([os.path.basename(f) for f in files], ["th-1-threshold.hsnap", "th-2-threshold.hsnap"])
        limits = [out["limit"], out["after1"]]
        rsss = []
        for f, limit in zip(files, limits):
            tags = self.info(f)["tags"]
            self.assertEqual(tags["trigger"], "threshold")
            self.assertEqual(tags["dumped_by"], "MainThread")  # through the pending call
            self.assertEqual(int(tags["rss_limit"]), limit)
            self.assertGreaterEqual(int(tags["rss"]), limit)
            rsss.append(int(tags["rss"]))
        self.assertGreater(rsss[1], rsss[0])
        self.assertEqual(out["after1"], int(max(out["limit"], rsss[0]) * 1.5))

    # ---- exit, manual, signal ----

    def test_exit_manual_and_signal_tags(self):
        p, d = self.run_child("""
            import os, signal, sys, heapsnap
            out = sys.argv[1]
            heapsnap.enable_postmortem(os.path.join(out, "x-{n}-{trigger}.hsnap"), on_memory_error=False,
                                       at_exit=True, quiet=True)
            heapsnap.dump(os.path.join(out, "manual.hsnap"))
            heapsnap.dump(os.path.join(out, "custom.hsnap"), tags={"release": "1.2.3"})
            heapsnap.dump_on_signal(signal.SIGUSR1, os.path.join(out, "sig-{n}.hsnap"))
            os.kill(os.getpid(), signal.SIGUSR1)
            try:
                heapsnap.dump(os.path.join(out, "bad.hsnap"), tags={"values": "on"})
            except ValueError as e:
                print("refused:", e)
            AT_EXIT_MARKER = list(range(777))
        """, prelude="")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("refused: heapsnap: the tag 'values' is set by the dump itself", p.stdout)
        self.assertEqual(self.info(os.path.join(d, "manual.hsnap"))["tags"]["trigger"], "manual")
        custom = self.info(os.path.join(d, "custom.hsnap"))["tags"]
        self.assertEqual((custom["trigger"], custom["release"], custom["values"]), ("manual", "1.2.3", "off"))
        sig = self.info(os.path.join(d, "sig-1.hsnap"))["tags"]
        self.assertEqual((sig["trigger"], sig["signal"]), ("signal", "SIGUSR1"))
        self.assertFalse(os.path.exists(os.path.join(d, "bad.hsnap")))
        files = glob.glob(os.path.join(d, "x-*.hsnap"))
        self.assertEqual([os.path.basename(f) for f in files], ["x-1-exit.hsnap"])
        tags = self.info(files[0])["tags"]
        self.assertEqual(tags["trigger"], "exit")
        self.assertGreater(int(tags["rss"]), 0)
        snap = decode(files[0])
        marker = [b for b in snap.of_type("builtins.list") if len(b["refs"]) == 777]
        self.assertTrue(marker)

    def test_bad_arguments(self):
        p, _ = self.run_child("""
            import heapsnap
            from heapsnap.postmortem import parse_env_options, parse_size
            checks = [
                lambda: heapsnap.enable_postmortem("x-{nope}.hsnap"),
                lambda: heapsnap.enable_postmortem("x.hsnap", rss_limit="lots"),
                lambda: heapsnap.enable_postmortem("x.hsnap", rss_factor=1.0),
                lambda: heapsnap.enable_postmortem("x.hsnap", collect=True),
                lambda: parse_env_options("rss_limit=1G,bogus=1"),
                lambda: parse_env_options("at_exit=maybe"),
            ]
            failed = 0
            for c in checks:
                try:
                    c()
                except (KeyError, ValueError, TypeError):
                    failed += 1
            print(failed, parse_size("1.5G"), parse_size("512M"), parse_size(4096),
                  parse_env_options("rss_limit=2g, at_exit=1,interval=0.5"))
        """, prelude="")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(),
                         "6 %d %d 4096 {'rss_limit': %d, 'at_exit': True, 'interval': 0.5}"
                         % (3 << 29, 512 << 20, 2 << 30))

    # ---- the environment variable, on an unmodified script ----

    UNMODIFIED = """
        import sys
        SCRIPT_CACHE = []
        def main():
            while True:
                SCRIPT_CACHE.append(("entry %d " % len(SCRIPT_CACHE)) * 30)
                if len(SCRIPT_CACHE) == int(sys.argv[1]):
                    return
        main()
        print("finished", len(SCRIPT_CACHE))
    """

    def script(self, d):
        path = os.path.join(d, "plain.py")
        with open(path, "w") as f:
            f.write(textwrap.dedent(self.UNMODIFIED))
        return path

    def test_env_var_with_run(self):
        skip_under_asan(self)
        d = self.tmp()
        script = self.script(d)
        env = dict(os.environ, HEAPSNAP_POSTMORTEM=os.path.join(d, "env-{n}-{trigger}.hsnap"),
                   HEAPSNAP_POSTMORTEM_OPTIONS="at_exit=1,reserve=48M")

        def cap():
            resource.setrlimit(resource.RLIMIT_AS, (400 << 20, 400 << 20))

        # runs to the end: one exit dump
        p = subprocess.run([PYTHON, "-m", "heapsnap", "run", script, "1000"], capture_output=True, text=True,
                           env=env, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("finished 1000", p.stdout)
        self.assertEqual(self.info(os.path.join(d, "env-1-exit.hsnap"))["tags"]["trigger"], "exit")
        # runs out of memory under a cap: a memory-error dump naming the cache, then the exit dump
        for f in glob.glob(os.path.join(d, "env-*")):
            os.unlink(f)
        p = subprocess.run([PYTHON, "-m", "heapsnap", "run", script, "0"], capture_output=True, text=True,
                           env=env, timeout=240, preexec_fn=cap)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("MemoryError", p.stderr)
        names = sorted(os.path.basename(f) for f in glob.glob(os.path.join(d, "env-*.hsnap")))
        self.assertEqual(names[0], "env-1-memory-error.hsnap", p.stderr)
        self.assertEqual(self.info(os.path.join(d, names[0]))["tags"]["trigger"], "memory-error")
        top = analyze("top", os.path.join(d, names[0]), "-n", "5")
        self.assertIn("SCRIPT_CACHE", [e["path"][-1].get("label") for e in top["top"] if e["path"]])
        # a bad option is a usage error, before the script runs
        bad = dict(env, HEAPSNAP_POSTMORTEM_OPTIONS="rss_limit=huge")
        p = subprocess.run([PYTHON, "-m", "heapsnap", "run", script, "10"], capture_output=True, text=True,
                           env=bad, timeout=240)
        self.assertEqual(p.returncode, 2)
        self.assertIn("HEAPSNAP_POSTMORTEM_OPTIONS", p.stderr)
        self.assertNotIn("finished", p.stdout)

    def test_env_var_with_sitecustomize(self):
        d = self.tmp()
        script = self.script(d)
        site = os.path.join(d, "site")
        os.mkdir(site)
        with open(os.path.join(site, "sitecustomize.py"), "w") as f:
            f.write("try:\n    import heapsnap.postmortem\nexcept ImportError:\n    pass\n"
                    "else:\n    heapsnap.postmortem.enable_from_env()\n")
        env = dict(os.environ, HEAPSNAP_POSTMORTEM=os.path.join(d, "site-{n}-{trigger}.hsnap"),
                   HEAPSNAP_POSTMORTEM_OPTIONS="at_exit=yes,on_memory_error=no,quiet=1")
        env["PYTHONPATH"] = site + os.pathsep + env.get("PYTHONPATH", "")
        p = subprocess.run([PYTHON, script, "2500"], capture_output=True, text=True, env=env, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("finished 2500", p.stdout)
        path = os.path.join(d, "site-1-exit.hsnap")
        self.assertEqual(self.info(path)["tags"]["trigger"], "exit")
        snap = decode(path)
        cache = [b for b in snap.of_type("builtins.list") if len(b["refs"]) == 2500]
        self.assertEqual(len(cache), 1)
        # unset: nothing happens
        del env["HEAPSNAP_POSTMORTEM"]
        p = subprocess.run([PYTHON, script, "10"], capture_output=True, text=True, env=env, timeout=240)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(glob.glob(os.path.join(d, "site-*"))), [path])


if __name__ == "__main__":
    unittest.main()
