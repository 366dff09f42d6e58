# SPDX-License-Identifier: MIT
"""tests/report/test_growth.py — `heapsnap report --base BEFORE` on a real
Python leak (issue 6: "with --base: the diff views, by owner first, growth
highlighted"): a CPython program fills a module-level cache, dumps itself,
adds exactly 1234 entries, dumps again. The report of AFTER against BEFORE
must show "Growth since BEFORE" first after the snapshot header, with that
cache as the top owner and its exact added-entry count; the owner, type
and new-object views must equal `heapsnap diff --json` for the same pair;
the owner's node in the dominator tree is highlighted (a "+X" badge) and
reachable by a real click on "show in tree"; the picture marks it. Without
--base the section stays hidden. Any console error fails (BrowserCase).
Needs the CMake-built package (PYTHONPATH) and HS_PYTHON."""

import json
import os
import subprocess
import textwrap
import unittest

from reportlib import BrowserCase, artifact, need, page_data, report, run

APP = """
_store = {}
def remember(i):
    _store["user:%d@example.com" % i] = bytes(1000) + str(i).encode()
"""

PROGRAM = """
import json, sys, heapsnap
import app
for i in range(37):
    app.remember(i)
heapsnap.dump(sys.argv[1] + "-before.hsnap")
for i in range(37, 37 + 1234):
    app.remember(i)
heapsnap.dump(sys.argv[1] + "-after.hsnap")
print(json.dumps({"store": "0x%x" % id(app._store), "n": len(app._store)}))
"""

ADDED = 1234


def diff_json(*args):
    return json.loads(run(need("HEAPSNAP"), "diff", "--json", "-n", 20, *args).stdout)


class GrowthReport(BrowserCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        py = os.environ.get("HS_PYTHON")
        if not py:
            raise AssertionError("HS_PYTHON is not set: run through ctest with -DHS_PYTHON=ON")
        d = artifact("growth")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "app.py"), "w") as f:
            f.write(textwrap.dedent(APP))
        prog = os.path.join(d, "prog.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(PROGRAM))
        env = dict(os.environ)
        if os.environ.get("HS_PY_PRELOAD"):  # a sanitized build: the ASan runtime first
            env.update(LD_PRELOAD=os.environ["HS_PY_PRELOAD"], ASAN_OPTIONS="detect_leaks=0")
        prefix = os.path.join(d, "cache")
        p = subprocess.run([py, prog, prefix], capture_output=True, text=True, timeout=240, env=env, cwd=d)
        if p.returncode != 0:
            raise AssertionError("the leaking program failed:\n" + p.stderr)
        cls.info = json.loads(p.stdout.strip().splitlines()[-1])
        cls.before, cls.after = prefix + "-before.hsnap", prefix + "-after.hsnap"
        cls.html = report(cls.after, artifact("growth.html"), "--base", cls.before)
        cls.data = page_data(cls.html)
        cls.growth = cls.data["growth"]
        cls.browser.open(cls.html)

    def test_1_top_owner_is_the_cache(self):
        self.assertEqual(self.info["n"], 37 + ADDED)
        top = self.growth["owners"][0]
        self.assertEqual((top["owner"], top["type"], top["entries"]), ("app._store", "builtins.dict", ADDED))
        self.assertEqual(top["block"]["addr"], self.info["store"])
        self.assertGreaterEqual(top["growth"], ADDED * 1000)
        # what the page shows: the section is first after the snapshot header, the cache on top
        sections = self.js("[...document.querySelectorAll('main > section')].filter(s => !s.hidden).map(s => s.id)")
        self.assertEqual(sections[:3], ["overview", "growth", "suspects"])
        self.assertEqual(self.js("document.getElementById('g-base').textContent"), self.before)
        li = self.js("""(function(){var li=document.querySelector('#growth-owners > li');
            return {name: li.querySelector('.owner-name').textContent, entries: +li.dataset.entries, text: li.textContent};})()""")
        self.assertEqual(li["name"], "app._store")
        self.assertEqual(li["entries"], ADDED)
        self.assertIn("+1,234 entries", li["text"])
        self.assertIn("global root 'app'", li["text"])
        self.assertIn("._store", li["text"])

    def test_2_views_match_heapsnap_diff(self):
        owners = diff_json("--by", "owner", self.before, self.after)
        self.assertEqual(self.growth["noise"], owners["noise"])
        self.assertEqual(self.growth["before"], owners["before"])
        self.assertEqual(self.growth["after"], owners["after"])
        mine = [{k: v for k, v in o.items() if k not in ("tree", "alike")} for o in self.growth["owners"]]
        self.assertEqual(mine, owners["owners"])
        shown = self.js("[...document.querySelectorAll('#growth-owners > li')].map(li => +li.dataset.entries)")
        self.assertEqual(shown, [o["entries"] for o in owners["owners"]])
        types = diff_json("--by", "type", self.before, self.after)["types"]
        self.assertEqual(self.growth["types"], types)
        rows = self.js("[...document.querySelectorAll('#growth-types tbody tr')].map(tr => [tr.cells[0].textContent, +tr.cells[1].dataset.v])")
        self.assertEqual(rows, [[t["type"], t["count"]["delta"]] for t in types])
        new = diff_json("--by", "new", self.before, self.after)["new"]
        self.assertEqual((self.growth["new"]["objects"], self.growth["new"]["bytes"]), (new["objects"], new["bytes"]))
        strip = lambda rows: [{k: v for k, v in r.items() if k != "tree"} for r in rows]
        self.assertEqual(strip(self.growth["new"]["by_owner"]), new["by_owner"])
        self.assertEqual(self.growth["new"]["by_type"][0], new["by_type"][0])
        self.assertEqual(sorted(map(json.dumps, self.growth["new"]["by_type"])), sorted(map(json.dumps, new["by_type"])))
        held = [c for c in self.growth["new"]["by_owner"] if c["type"] == "builtins.bytes" and c["owner"] == "app._store"]
        self.assertEqual([c["objects"] for c in held], [ADDED])

    def test_3_tree_node_highlighted(self):
        top = self.growth["owners"][0]
        node = top["tree"]
        self.assertGreaterEqual(node, 0, "the cache is not among the embedded tree nodes")
        self.assertIn([node, 0], self.growth["marks"])
        self.assertEqual(self.data["tree"]["a"][node], self.info["store"][2:])
        # a real click on "show in tree" opens the path down to the cache's row
        x, y, _, _ = self.browser.center("document.querySelector('#growth-owners > li button.link')")
        self.browser.click(x, y)
        row = self.js("""(function(){var r=document.querySelector('.trow[data-node="%d"]'); if(!r) return null;
            var b=r.querySelector('.badge.grow');
            return {grew: r.classList.contains('grew'), sel: r.classList.contains('sel'), badge: b && b.textContent,
                    addr: r.dataset.addr};})()""" % node)
        self.assertIsNotNone(row, "the highlighted tree node was not rendered")
        retained = self.js("document.querySelector('#growth-owners > li .plus:last-of-type').textContent")
        self.assertTrue(retained.endswith(" retained"), retained)
        self.assertEqual(row, {"grew": True, "sel": True, "badge": retained[:-len(" retained")], "addr": self.info["store"]})
        self.assertTrue(row["badge"].startswith("+"))
        # its dominators say they hold growth; no other row is marked as grown
        chain = self.js("""[...document.querySelectorAll('.trow')].filter(r => r.querySelector('.grew-in')).map(r => +r.dataset.node)""")
        p, ancestors = self.data["tree"]["p"][node], []
        while p >= 0:
            ancestors.append(p)
            p = self.data["tree"]["p"][p]
        self.assertTrue(ancestors)
        self.assertEqual(sorted(chain), sorted(ancestors))
        grew = self.js("[...document.querySelectorAll('.trow.grew')].map(r => +r.dataset.node)")
        self.assertEqual(grew, [m[0] for m in self.growth["marks"] if m[0] in grew])
        self.assertIn(node, grew)
        self.browser.screenshot(artifact("growth-tree.png"))
        # the picture marks the cache's bar and the bars above it
        self.js("heapsnapReport.zoomTo(-1)")
        rects = self.js("heapsnapReport.picture()")
        bar = [r for r in rects if r["node"] == node]
        self.assertEqual(len(bar), 1)
        self.assertEqual(bar[0]["grew"], 0)
        self.assertEqual(sorted(r["node"] for r in rects if r["holds"]), sorted(ancestors))
        self.js("window.scrollTo(0, 0)")
        self.browser.screenshot(artifact("growth.png"))

    def test_4_no_base_no_section(self):
        html = report(self.after, artifact("growth-nobase.html"))
        self.assertIsNone(page_data(html)["growth"])
        self.browser.open(html)
        self.assertTrue(self.js("document.getElementById('growth').hidden && document.getElementById('nav-growth').hidden"))
        self.assertEqual(self.js("document.querySelectorAll('.trow.grew, .grew-in, .badge.grow').length"), 0)


if __name__ == "__main__":
    unittest.main()
