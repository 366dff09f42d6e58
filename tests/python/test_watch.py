# SPDX-License-Identifier: MIT
"""tests/python/test_watch.py — heapsnap.watch(): a service-like loop that
leaks into one cache and churns elsewhere, watched every few hundred
milliseconds (and, separately, by growth): the last `keep` files of the
numbered series are kept and the older ones deleted, each file is readable
and names its place in the series, and the cache grows from one file to
the next while the churn does not. Ranking owners across such a series is
`heapsnap trend`, tested in test_trend.py."""

import glob
import json
import os
import subprocess
import tempfile
import textwrap
import unittest

from hstest import PYTHON, analyze, decode

SERVICE = """
import json, os, sys, time, heapsnap
out = sys.argv[1]
SESSION_CACHE = {}

def handle(i):
    scratch = [str(j) * 10 for j in range(200)]      # churn: freed at once
    SESSION_CACHE["s%d" % i] = ["payload %d" % i] * 20  # the leak
    return len(scratch)

w = heapsnap.watch(os.path.join(out, "svc-{n}.hsnap"), MODE, keep=3, grace=120, fsync=False)
i = 0
deadline = time.monotonic() + 180
while w.count < WANT and time.monotonic() < deadline:
    for _ in range(BATCH):
        handle(i)
        i += 1
    time.sleep(0.01)
kept = w.stop()
print(json.dumps({"count": w.count, "failures": w.failures, "kept": kept}))
"""


class Watch(unittest.TestCase):
    def run_service(self, mode, want, batch=20):
        d = tempfile.mkdtemp(prefix="hswatch-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        prog = os.path.join(d, "svc.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(SERVICE.replace("MODE", mode).replace("WANT", str(want)).replace("BATCH", str(batch))))
        p = subprocess.run([PYTHON, prog, d], capture_output=True, text=True, timeout=280)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout.strip().splitlines()[-1]), d

    def test_every_keeps_the_last_files(self):
        out, d = self.run_service("every=0.3", 6)
        self.assertEqual(out["failures"], 0)
        n = out["count"]
        self.assertGreaterEqual(n, 6)
        expect = [os.path.join(d, "svc-%d.hsnap" % k) for k in range(n - 2, n + 1)]
        self.assertEqual(out["kept"], expect)
        self.assertEqual(sorted(glob.glob(os.path.join(d, "svc-*.hsnap"))), sorted(expect))
        sizes = []
        for k, path in zip(range(n - 2, n + 1), expect):
            info = analyze("info", path)
            self.assertEqual(info["integrity"], "ok")
            self.assertEqual(info["tags"]["trigger"], "watch")
            self.assertEqual(int(info["tags"]["seq"]), k)
            self.assertGreater(int(info["tags"]["rss"]), 0)
            self.assertEqual(info["tags"]["dumped_by"], "MainThread")  # through the pending call
            snap = decode(path)
            caches = [b for b in snap.of_type("builtins.dict")
                      if any(r["label"] == "SESSION_CACHE" for _, r in snap.referrers(b["addr"]))]
            self.assertEqual(len(caches), 1, path)
            sizes.append(len(caches[0]["refs"]))
        self.assertLess(sizes[0], sizes[1])
        self.assertLess(sizes[1], sizes[2])

    def test_growth(self):
        out, d = self.run_service("growth=0.3, interval=0.05", 2, batch=300)
        self.assertEqual(out["failures"], 0)
        self.assertGreaterEqual(out["count"], 2)
        for path in out["kept"]:
            info = analyze("info", path)
            self.assertEqual(info["integrity"], "ok")
            self.assertEqual(info["tags"]["trigger"], "watch")
        rss = [int(analyze("info", p)["tags"]["rss"]) for p in out["kept"]]
        self.assertEqual(rss, sorted(rss))

    def test_bad_arguments(self):
        p = subprocess.run([PYTHON, "-c", textwrap.dedent("""
            import heapsnap
            bad = 0
            for kw in ({}, {"every": 1, "growth": 0.5}, {"every": 0}, {"every": 1, "keep": 0}):
                try:
                    heapsnap.watch("w-{n}.hsnap", **kw)
                except ValueError:
                    bad += 1
            try:
                heapsnap.watch("w.hsnap", every=1)
            except ValueError as e:
                print(bad, e)
        """)], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "4 heapsnap: watch() needs {n} in the path template, for a numbered series")


if __name__ == "__main__":
    unittest.main()
