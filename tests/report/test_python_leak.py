# SPDX-License-Identifier: MIT
"""tests/report/test_python_leak.py — the report of a real Python leak
(issue 6's "done when"): a CPython program caches results with
functools.lru_cache(maxsize=None), dumps itself with heapsnap.dump(), and
the report must name the leaking owner first: the top suspect is the
cache's storage, kept alive by the lru_cache wrapper, and following the
widest bars of the picture from the top reaches the wrapper. Needs the
CMake-built package (PYTHONPATH) and HS_PYTHON."""

import json
import os
import subprocess
import textwrap
import unittest

from reportlib import BrowserCase, analyze, artifact, report

PROGRAM = """
import functools, json, sys, heapsnap
@functools.lru_cache(maxsize=None)
def render(n):
    return [n] * 100
for i in range(300):
    render(i)
heapsnap.dump(sys.argv[1])
print(json.dumps({"wrapper": id(render), "results": sum(sys.getsizeof(render(i)) for i in range(300))}))
"""


class PythonLeak(BrowserCase):
    def test_lru_cache_owner_is_first(self):
        py = os.environ.get("HS_PYTHON")
        if not py:
            raise AssertionError("HS_PYTHON is not set: run through ctest with -DHS_PYTHON=ON")
        prog, snap = artifact("lru_leak.py"), artifact("lru_leak.hsnap")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(PROGRAM))
        env = dict(os.environ)
        if os.environ.get("HS_PY_PRELOAD"):  # a sanitized build: the ASan runtime first
            env.update(LD_PRELOAD=os.environ["HS_PY_PRELOAD"], ASAN_OPTIONS="detect_leaks=0")
        p = subprocess.run([py, prog, snap], capture_output=True, text=True, timeout=240, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        info = json.loads(p.stdout.strip().splitlines()[-1])
        wrapper = "0x%x" % info["wrapper"]
        self.assertEqual(analyze("show", snap, wrapper)["block"]["type"], "functools._lru_cache_wrapper")
        html = report(snap, artifact("lru_leak.html"))
        self.browser.open(html)
        # the suspects: the first names the cache, kept alive by the wrapper
        first = self.suspects()[0]
        self.assertIn("functools._lru_cache_wrapper", first["text"])
        self.assertIn(wrapper, first["text"])
        self.assertGreaterEqual(first["retained"], info["results"])
        data = self.js("heapsnapReport.data.suspects[0]")
        owners = [d["addr"] for d in data["dominators"]] + [data["block"]["addr"]]
        self.assertIn(wrapper, owners[-2:])  # the wrapper or its own storage
        # the picture: the widest bar of each row, from the top, reaches the wrapper
        rects = self.js("heapsnapReport.picture()")
        tree_p = self.js("heapsnapReport.data.tree.p")
        chain, parent = [], None
        for depth in range(1, 5):
            row = [r for r in rects if r["depth"] == depth and (parent is None or tree_p[r["node"]] == parent)]
            if not row:
                break
            widest = max(row, key=lambda r: r["w"])
            chain.append((widest["type"], widest["addr"]))
            parent = widest["node"]
        self.assertIn(("functools._lru_cache_wrapper", wrapper), chain[:3], chain)
        # and the picture's widest first-level bar is the top suspect's top dominator
        self.assertEqual(chain[0][1], owners[0])
        self.js("document.getElementById('suspects').scrollIntoView()")
        self.browser.screenshot(artifact("lru_leak.png"))
        self.js("window.scrollTo(0, 0)")
        self.browser.screenshot(artifact("lru_leak-full.png"), full=True)


if __name__ == "__main__":
    unittest.main()
