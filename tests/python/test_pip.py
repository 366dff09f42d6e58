# SPDX-License-Identifier: MIT
"""tests/python/test_pip.py — the pip install, offline, into fresh venvs of
the interpreter under test (HS_PYTHON): two venvs without setuptools (it is
uninstalled where ensurepip brought it), one installed with `pip install
<repo>` (build isolation: pip sets up an empty build environment, as the
in-tree backend needs nothing) and one with `pip install
--no-build-isolation <repo>`, PIP_NO_INDEX=1 so no index is ever reached.
Both share one CMake build directory (HEAPSNAP_BUILD_DIR), so the second
install reuses the first one's compile. In each venv, without the
CMake-built package on PYTHONPATH: `import heapsnap` comes from the venv,
a dump of a small heap, then the venv's own bin/heapsnap (the analyzer the
wheel installs) runs `info` and `top` on it. Needs the interpreter's venv
and ensurepip (Debian: python3-venv, python3-pip); without them it fails
and says so."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from hstest import PYTHON

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PROG = """
import json, sys, heapsnap
items = [{"n": i, "s": "item-%d" % i} for i in range(1000)]
r = heapsnap.dump(sys.argv[1])
print(json.dumps({"file": heapsnap.__file__, "ext": heapsnap._heapsnap.__file__,
                  "prefix": sys.prefix, "objects": r.objects, "path": r.path}))
"""


class Pip(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="hspip-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.env = {k: v for k, v in os.environ.items()
                    # not the CMake-built package, not the sanitizer runtime
                    # (the pip build is an ordinary, unsanitized extension)
                    if k not in ("PYTHONPATH", "PYTHONHOME", "LD_PRELOAD", "ASAN_OPTIONS")
                    and not k.startswith("PIP_")}
        self.env.update(TMPDIR=self.dir, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1",
                        PIP_NO_CACHE_DIR="1", PYTHONDONTWRITEBYTECODE="1",
                        HEAPSNAP_BUILD_DIR=os.path.join(self.dir, "cmake-build"))

    def run_ok(self, cmd, what, timeout=600):
        p = subprocess.run(cmd, capture_output=True, text=True, env=self.env, cwd=self.dir, timeout=timeout)
        if p.returncode != 0:
            self.fail("%s failed (exit %d): %s\nstdout:\n%s\nstderr:\n%s"
                      % (what, p.returncode, " ".join(cmd), p.stdout[-4000:], p.stderr[-4000:]))
        return p

    def venv(self, name):
        venv = os.path.join(self.dir, name)
        p = subprocess.run([PYTHON, "-m", "venv", venv], capture_output=True, text=True, env=self.env, timeout=300)
        if p.returncode != 0:
            self.fail("%s -m venv failed (exit %d); for Debian's python3 install python3-venv\n%s%s"
                      % (PYTHON, p.returncode, p.stdout, p.stderr))
        py = os.path.join(venv, "bin", "python")
        p = subprocess.run([py, "-m", "pip", "--version"], capture_output=True, text=True, env=self.env)
        if p.returncode != 0:
            self.fail("pip is missing in the venv of %s: install python3-pip and python3-venv\n%s" % (PYTHON, p.stderr))
        # no setuptools: the in-tree backend must not need it
        self.run_ok([py, "-m", "pip", "uninstall", "-y", "-q", "setuptools"], "pip uninstall setuptools")
        p = subprocess.run([py, "-c", "import setuptools"], capture_output=True, env=self.env)
        self.assertNotEqual(p.returncode, 0, "setuptools still importable in %s" % venv)
        return venv, py

    def check_venv(self, venv, py):
        out = os.path.join(self.dir, os.path.basename(venv) + ".hsnap")
        prog = os.path.join(self.dir, "small.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(PROG))
        p = self.run_ok([py, prog, out], "the dump in " + venv)
        info = json.loads(p.stdout.strip().splitlines()[-1])
        # the pip-installed package, not the CMake build or the source tree
        site = os.path.realpath(venv) + os.sep
        self.assertEqual(os.path.realpath(info["prefix"]), os.path.realpath(venv))
        self.assertTrue(os.path.realpath(info["file"]).startswith(site), info)
        self.assertTrue(os.path.realpath(info["ext"]).startswith(site), info)
        self.assertEqual(info["path"], out)
        self.assertGreater(info["objects"], 1000)
        # the analyzer the wheel put on the venv's PATH
        cli = os.path.join(venv, "bin", "heapsnap")
        self.assertTrue(os.access(cli, os.X_OK), cli)
        env = dict(self.env, PATH=os.path.join(venv, "bin") + os.pathsep + self.env.get("PATH", ""))
        p = subprocess.run(["heapsnap", "info", "--json", out], capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = json.loads(p.stdout)
        self.assertEqual(j["integrity"], "ok")
        self.assertEqual(j["producer"], "heapsnap-python")
        self.assertTrue(j["runtime"].startswith("CPython %d.%d." % sys.version_info[:2]), j)
        self.assertGreaterEqual(j["counts"]["blocks"], info["objects"])
        p = subprocess.run(["heapsnap", "top", out], capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("retained", p.stdout)
        # the analysis API (heapsnap._analyze) came with the wheel
        p = self.run_ok([py, "-c", "import json, sys, heapsnap, heapsnap._analyze as a\n"
                         "with heapsnap.load(sys.argv[1]) as s:\n"
                         "    print(json.dumps([len(s), a.__file__, s.top(1)[0].name]))", out], "heapsnap.load")
        n, ext, name = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(n, j["counts"]["blocks"])
        self.assertTrue(os.path.realpath(ext).startswith(site), ext)
        self.assertTrue(name)

    def test_pip_install_offline_into_fresh_venvs(self):
        self.assertTrue(os.path.exists(os.path.join(REPO, "pyproject.toml")), REPO)
        a, pya = self.venv("venv-isolated")
        self.run_ok([pya, "-m", "pip", "install", "--no-deps", REPO], "pip install (build isolation)")
        self.check_venv(a, pya)
        b, pyb = self.venv("venv-no-isolation")
        self.run_ok([pyb, "-m", "pip", "install", "--no-build-isolation", "--no-deps", REPO],
                    "pip install --no-build-isolation")
        self.check_venv(b, pyb)


if __name__ == "__main__":
    unittest.main()
