# SPDX-License-Identifier: MIT
"""tests/python/test_pip.py — the pip half of the build: a fresh venv
(/usr/bin/python3 -m venv --system-site-packages, for Debian's setuptools),
`pip install --no-build-isolation --no-deps <repo>` from the repository
root (no package index is reached), then, in that venv and without the
CMake-built package on PYTHONPATH, `import heapsnap`, a dump of a small
heap, and `heapsnap info` (HEAPSNAP) on it. Needs python3-pip and
python3-venv (CI installs them); without them it fails and says so."""

import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from hstest import HEAPSNAP

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEM_PYTHON = "/usr/bin/python3"


class Pip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hspip-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        # setup.py builds in $TMPDIR/heapsnap-setuptools-<uid>: a TMPDIR of
        # our own keeps parallel runs apart and the scratch inside self.dir.
        self.tmp = os.path.join(self.dir, "tmp")
        os.mkdir(self.tmp)
        self.env = {k: v for k, v in os.environ.items()
                    # not the CMake-built package, not the sanitizer runtime
                    # (the pip build is an ordinary, unsanitized extension)
                    if k not in ("PYTHONPATH", "PYTHONHOME", "LD_PRELOAD", "ASAN_OPTIONS")
                    and not k.startswith("PIP_")}
        self.env.update(TMPDIR=self.tmp, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                        PIP_NO_CACHE_DIR="1", PYTHONDONTWRITEBYTECODE="1")

    def run_ok(self, cmd, what, timeout=240):
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=self.dir, timeout=timeout)
        if p.returncode != 0:
            self.fail("%s failed (exit %d): %s\nstdout:\n%s\nstderr:\n%s"
                      % (what, p.returncode, " ".join(cmd), p.stdout[-4000:], p.stderr[-4000:]))
        return p

    def test_pip_install_into_a_venv(self):
        self.assertTrue(HEAPSNAP, "HEAPSNAP (the heapsnap CLI) not set; run through ctest")
        self.assertTrue(os.path.exists(os.path.join(REPO, "setup.py")), REPO)
        p = subprocess.run([SYSTEM_PYTHON, "-m", "pip", "--version"], capture_output=True, text=True, env=self.env)
        if p.returncode != 0:
            self.fail("pip is missing for %s: install python3-pip and python3-venv (apt-get install "
                      "python3-pip python3-venv)\n%s" % (SYSTEM_PYTHON, p.stderr))
        venv = os.path.join(self.dir, "venv")
        p = subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--system-site-packages", venv],
                           capture_output=True, text=True, env=self.env, timeout=240)
        if p.returncode != 0:
            self.fail("python3 -m venv failed (exit %d); is python3-venv installed?\n%s%s"
                      % (p.returncode, p.stdout, p.stderr))
        py = os.path.join(venv, "bin", "python")
        p = subprocess.run([py, "-m", "pip", "--version"], capture_output=True, text=True, env=self.env)
        if p.returncode != 0:
            self.fail("pip is missing in the venv: install python3-pip and python3-venv\n%s" % p.stderr)

        self.run_ok([py, "-m", "pip", "install", "--no-build-isolation", "--no-deps", REPO],
                    "pip install", timeout=280)

        out = os.path.join(self.dir, "small.hsnap")
        prog = os.path.join(self.dir, "small.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent("""
                import json, sys, heapsnap
                items = [{"n": i, "s": "item-%d" % i} for i in range(1000)]
                r = heapsnap.dump(sys.argv[1])
                print(json.dumps({"file": heapsnap.__file__, "ext": heapsnap._heapsnap.__file__,
                                  "prefix": sys.prefix, "objects": r.objects, "path": r.path}))
            """))
        p = self.run_ok([py, prog, out], "the dump in the venv")
        info = json.loads(p.stdout.strip().splitlines()[-1])
        # the pip-installed package, not the CMake build or the source tree
        site = os.path.realpath(venv) + os.sep
        self.assertEqual(os.path.realpath(info["prefix"]), os.path.realpath(venv))
        self.assertTrue(os.path.realpath(info["file"]).startswith(site), info)
        self.assertTrue(os.path.realpath(info["ext"]).startswith(site), info)
        self.assertEqual(info["path"], out)
        self.assertGreater(info["objects"], 1000)

        p = subprocess.run([HEAPSNAP, "info", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("integrity      ok", p.stdout)
        p = subprocess.run([HEAPSNAP, "info", "--json", out], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["integrity"], "ok")
        self.assertEqual(j["producer"], "heapsnap-python")
        self.assertGreaterEqual(j["counts"]["blocks"], info["objects"])


if __name__ == "__main__":
    unittest.main()
