# SPDX-License-Identifier: MIT
"""tests/python/test_triggers.py — the ways to ask for a dump other than
calling heapsnap.dump(): dump_on_signal() with a path template,
``python -m heapsnap run --dump-at-exit``, and a dump typed at the pdb
prompt."""

import glob
import os
import subprocess
import tempfile
import textwrap
import unittest

from hstest import PYTHON, ROOT_GLOBAL, child, decode


class Triggers(unittest.TestCase):
    def tmp(self):
        d = tempfile.mkdtemp(prefix="hspy-")
        self.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
        return d

    def test_dump_on_signal(self):
        d = self.tmp()
        snap, info, _ = child(self, """
            import json, os, signal, sys, heapsnap
            heapsnap.dump_on_signal(signal.SIGUSR1, os.path.join(%r, "svc-{pid}-{n}.hsnap"))
            requests = [{"id": i} for i in range(100)]
            os.kill(os.getpid(), signal.SIGUSR1)
            os.kill(os.getpid(), signal.SIGUSR1)
            heapsnap.dump(sys.argv[1])
            print(json.dumps({"pid": os.getpid(), "requests": id(requests)}))
        """ % d)
        files = sorted(glob.glob(os.path.join(d, "svc-*.hsnap")))
        self.assertEqual([os.path.basename(f) for f in files],
                         ["svc-%d-1.hsnap" % info["pid"], "svc-%d-2.hsnap" % info["pid"]])
        s1 = decode(files[0])
        self.assertIn(info["requests"], s1.blocks)
        self.assertEqual(len(s1.blocks[info["requests"]]["refs"]), 100)
        with self.assertRaises(Exception):
            child(self, """
                import heapsnap, signal
                heapsnap.dump_on_signal(signal.SIGUSR1, "x-{nope}.hsnap")
            """)

    def test_run_dump_at_exit(self):
        d = self.tmp()
        script = os.path.join(d, "leaky.py")
        with open(script, "w") as f:
            f.write(textwrap.dedent("""
                import sys
                leaked_rows = []
                for i in range(1234):
                    leaked_rows.append([i])
                print("args", sys.argv[1:])
                sys.exit(3)
            """))
        out = os.path.join(d, "exit-{pid}.hsnap")
        p = subprocess.run([PYTHON, "-m", "heapsnap", "run", "--dump-at-exit", out, script, "a", "b"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("args ['a', 'b']", p.stdout)
        self.assertIn("heapsnap: wrote", p.stderr)
        files = glob.glob(os.path.join(d, "exit-*.hsnap"))
        self.assertEqual(len(files), 1)
        snap = decode(files[0])
        main = snap.root_named("__main__", ROOT_GLOBAL)
        rows = snap.child(snap.child(main, "__dict__"), "leaked_rows")
        self.assertEqual(len(snap.blocks[rows]["refs"]), 1234)
        p = subprocess.run([PYTHON, "-m", "heapsnap", "run", "--bogus", script], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown option", p.stderr)

    def test_from_pdb(self):
        d = self.tmp()
        script = os.path.join(d, "prog.py")
        out = os.path.join(d, "pdb.hsnap")
        with open(script, "w") as f:
            f.write("def work():\n    inside_pdb = list(range(321))\n    breakpoint()\n    return inside_pdb\nwork()\n")
        cmds = "import heapsnap; r = heapsnap.dump(%r); print('objects', r.objects > 1000)\ncontinue\n" % out
        p = subprocess.run([PYTHON, script], input=cmds, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("objects True", p.stdout)
        snap = decode(out)
        frames = [r for r in snap.roots if r["name"] and ": work (" in r["name"]]
        self.assertEqual(len(frames), 1)
        lst = snap.child(frames[0]["addr"], "inside_pdb")
        self.assertEqual(len(snap.blocks[lst]["refs"]), 321)


if __name__ == "__main__":
    unittest.main()
