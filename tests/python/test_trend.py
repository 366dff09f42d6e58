# SPDX-License-Identifier: MIT
"""tests/python/test_trend.py — issue 8's acceptance test for `heapsnap
trend`: a service-like loop under heapsnap.watch() leaks into one cache and
churns elsewhere (a list of fresh strings per request, dropped at once, and
a scratch dict emptied and refilled); `heapsnap trend --json` over the kept
files ranks the cache first, with its entries rising from file to file, and
reports no owner for the churn."""

import json
import os
import subprocess
import tempfile
import textwrap
import unittest

from hstest import HEAPSNAP, PYTHON

SERVICE = """
import json, os, sys, time, heapsnap
out = sys.argv[1]
SESSION_CACHE = {}
SCRATCH = {}

def handle(i):
    temp = [str(j) * 10 for j in range(200)]          # churn: freed at once
    SCRATCH.clear()                                   # churn: emptied, refilled
    for j in range(50):
        SCRATCH["k%d" % j] = "v" * (i % 97)
    SESSION_CACHE["s%d" % i] = ["payload %d" % i] * 20  # the leak
    return len(temp)

w = heapsnap.watch(os.path.join(out, "svc-{n}.hsnap"), every=0.3, keep=5, grace=120, fsync=False)
i = 0
deadline = time.monotonic() + 180
while w.count < 7 and time.monotonic() < deadline:
    for _ in range(20):
        handle(i)
        i += 1
    time.sleep(0.01)
kept = w.stop()
print(json.dumps({"count": w.count, "failures": w.failures, "kept": kept}))
"""


class Trend(unittest.TestCase):
    def test_watched_service(self):
        if not HEAPSNAP:
            raise unittest.SkipTest("HEAPSNAP not set (run through ctest)")
        d = tempfile.mkdtemp(prefix="hstrend-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        prog = os.path.join(d, "svc.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(SERVICE))
        p = subprocess.run([PYTHON, prog, d], capture_output=True, text=True, timeout=280)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["failures"], 0)
        kept = out["kept"]
        self.assertEqual(len(kept), 5)

        t = subprocess.run([HEAPSNAP, "trend", "--json", "-n", "0"] + kept, capture_output=True, text=True,
                           timeout=240)
        self.assertEqual(t.returncode, 0, t.stderr)
        r = json.loads(t.stdout)
        self.assertEqual([s["file"] for s in r["snapshots"]], kept)
        self.assertEqual((r["steps"], r["need"]), (4, 3))
        owners = r["owners"]
        self.assertTrue(owners, t.stdout)
        first = owners[0]
        labels = [s.get("label") for s in first["path"][1:]]
        self.assertEqual(first["type"], "builtins.dict")
        self.assertIn("SESSION_CACHE", labels, first)
        self.assertGreaterEqual(first["grew"], 3)
        self.assertGreater(first["growth"], 0)
        entries = first["entries"]
        self.assertNotIn(None, entries)
        self.assertEqual(entries, sorted(entries))
        self.assertLess(entries[0], entries[-1])
        retained = first["retained"]
        self.assertEqual(retained, sorted(retained))
        # the churn: nothing under SCRATCH, nothing held by a frame of handle()
        for o in owners:
            text = json.dumps(o["path"]) + (o["owner"] or "")
            self.assertNotIn("SCRATCH", text, o)
            self.assertNotIn("temp", text, o)

        # the same in the terminal, ASCII: the cache first, with a sparkline
        a = subprocess.run([HEAPSNAP, "trend", "--ascii"] + kept, capture_output=True, text=True, timeout=240)
        self.assertEqual(a.returncode, 0, a.stderr)
        line = [x for x in a.stdout.splitlines() if x.startswith("1. ")][0]
        self.assertIn("SESSION_CACHE", line)
        self.assertTrue(line.rstrip().endswith(tuple("_.,-=+*#")), line)


if __name__ == "__main__":
    unittest.main()
