# SPDX-License-Identifier: MIT
"""tests/report/test_browser.py — the report in a real browser: a synthetic
heap (hsgen: lists, trees, a hub, rings, garbage islands) is reported, the
page is opened from file:// in headless Chromium, and what it shows is
checked against the analyzer's --json output for the same dump: the
largest retainers against `top`, the types table against `summary`, the
suspects against `show`, the tree and the picture against the same
numbers. A tree row is clicked with a real mouse event and must expand; the
picture is hovered and clicked (zoom). Any console error, exception,
dialog or request fails the test (cdp.py). Screenshots are saved under the
build tree (REPORT_ARTIFACTS)."""

import unittest

from reportlib import BrowserCase, analyze, artifact, need, page_data, report, run


class SyntheticReport(BrowserCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snap = artifact("synthetic.hsnap")
        run(need("HSGEN"), "heap", 30000, cls.snap, 7)
        cls.html = report(cls.snap, artifact("synthetic.html"))
        cls.data = page_data(cls.html)
        cls.browser.open(cls.html)

    def test_header_and_integrity(self):
        self.assertEqual(self.js("document.getElementById('h-file').textContent"), self.snap)
        fields = self.js("[...document.querySelectorAll('#header-fields dt')].map(e => e.textContent)")
        for f in ("producer", "runtime", "pid", "time", "blocks", "reachable", "unreachable"):
            self.assertIn(f, fields)
        self.assertEqual(self.js("document.querySelector('#integrity .ok').textContent"), "Integrity ok")
        info = analyze("info", self.snap)
        dd = self.js("Object.fromEntries([...document.querySelectorAll('#header-fields dt')].map(e => [e.textContent, e.nextElementSibling.textContent]))")
        self.assertEqual(dd["pid"], str(info["pid"]))
        self.assertEqual(dd["producer"], "%s %s" % (info["producer"], info["producer_version"]))

    def test_largest_retainers_match_top(self):
        top = analyze("top", "--raw", "-n", 20, self.snap)["top"]
        rows = self.top_rows()
        self.assertEqual(len(rows), len(top))
        for row, e in zip(rows, top):
            b = e["block"]
            self.assertEqual((row["addr"], row["type"], row["retained"], row["shallow"]),
                             (b["addr"], b["type"], b["retained"], b["shallow"]))
            if e["path"]:
                root = e["path"][0]
                self.assertTrue(row["path"].startswith("%s root" % root["root"]), row["path"])
                holders = [s["holder"]["addr"] for s in e["path"][1:]]
                shown = holders if len(holders) <= 8 else holders[:3] + holders[-4:]
                for a in shown:
                    self.assertIn(a, row["path"])
            else:
                self.assertIn("unreachable", row["path"])

    def test_types_match_summary(self):
        summary = analyze("summary", "-n", 50, self.snap)
        rows = self.type_rows()
        self.assertEqual(len(rows), summary["type_count"])
        for row, t in zip(rows, summary["types"]):
            self.assertEqual(row, {"type": t["type"], "count": t["count"], "shallow": t["shallow"],
                                   "retained": t["retained"]})
        # sortable: by count, descending, then ascending
        self.browser.click(*self.browser.center("document.querySelector('#types-table th[data-key=\"2\"]')")[:2])
        counts = [r["count"] for r in self.type_rows()]
        self.assertEqual(counts, sorted(counts, reverse=True))
        self.assertEqual(self.js("document.querySelector('#types-table th[data-key=\"2\"]').getAttribute('aria-sort')"), "descending")
        self.browser.click(*self.browser.center("document.querySelector('#types-table th[data-key=\"2\"]')")[:2])
        counts = [r["count"] for r in self.type_rows()]
        self.assertEqual(counts, sorted(counts))

    def test_suspects_match_show(self):
        sus = self.suspects()
        self.assertGreaterEqual(len(sus), 3)
        self.assertEqual([s["retained"] for s in sus], sorted((s["retained"] for s in sus), reverse=True))
        for s, d in zip(sus[:5], self.data["suspects"]):
            shown = analyze("show", self.snap, s["addr"])
            self.assertEqual(shown["block"]["retained"], d["block"]["retained"])
            self.assertIn(shown["block"]["type"], s["text"])
            self.assertIn(d["name"], s["text"])
            # the row is `heapsnap suspects`' row
        rows = analyze("suspects", "-n", 5, "--min", 0, self.snap)["suspects"]
        self.assertEqual([r["row"]["name"] for r in rows], [d["name"] for d in self.data["suspects"][:len(rows)]])
        # the largest suspect is, or is dominated by, the largest retainer
        top1 = analyze("top", "--raw", "-n", 1, self.snap)["top"][0]["block"]
        first = self.data["suspects"][0]
        chain = [d["addr"] for d in first["dominators"]] + [first["block"]["addr"]]
        self.assertIn(top1["addr"], chain)

    def test_tree_expands_on_click(self):
        g = analyze("top", "-n", 1, self.snap)["graph"]
        roots_row = self.js("document.querySelector('#tree-body [role=treeitem]').querySelectorAll('.num')[0].dataset.v")
        self.assertEqual(int(roots_row), g["reachable"]["bytes"])
        before = self.js("document.querySelectorAll('#tree-body [role=treeitem]').length")
        sel = "document.querySelector('#tree-body [role=treeitem][aria-expanded=false][aria-level=\"2\"]')"
        addr = self.js(sel + ".dataset.addr")
        self.assertTrue(addr)
        x, y = self.browser.center(sel)[:2]
        self.browser.click(x, y)
        row = "document.querySelector('#tree-body [role=treeitem][data-addr=\"%s\"]')" % addr
        self.assertEqual(self.js(row + ".getAttribute('aria-expanded')"), "true")
        after = self.js("document.querySelectorAll('#tree-body [role=treeitem]').length")
        self.assertGreater(after, before)
        levels = self.js(row + ".parentNode.querySelector(':scope > .tkids').querySelectorAll(':scope > .tnode > [role=treeitem]').length")
        self.assertGreater(levels, 0)
        self.assertEqual(self.js(row + ".parentNode.querySelector(':scope > .tkids [role=treeitem]').getAttribute('aria-level')"), "3")
        # children are the block's dominator children, largest first, as `dominators --root` says
        dom = analyze("dominators", "--root", addr, "--depth", 1, "--min-bytes", 0, self.snap)["trees"][0]
        want = [c["node"]["addr"] for c in dom.get("children", [])]
        got = self.js("[...%s.parentNode.querySelector(':scope > .tkids').querySelectorAll(':scope > .tnode > [role=treeitem]')].map(r => r.dataset.addr)" % row)
        self.assertEqual(got, want[:len(got)])
        self.browser.click(x, y)
        self.assertEqual(self.js(row + ".getAttribute('aria-expanded')"), "false")
        self.browser.screenshot(artifact("synthetic-tree.png"))

    def test_picture_hover_and_zoom(self):
        self.js("document.getElementById('picture').scrollIntoView()")
        rects = self.js("heapsnapReport.picture()")
        d1 = [r for r in rects if r["depth"] == 1]
        self.assertTrue(d1)
        widest = max(d1, key=lambda r: r["w"])
        top1 = analyze("top", "--raw", "-n", 1, self.snap)["top"][0]["block"]
        self.assertEqual(self.data["tree"]["r"][widest["node"]], top1["retained"])
        # widths follow retained bytes
        r = self.data["tree"]["r"]
        total = sum(r[t["node"]] for t in rects if t["depth"] == 0)
        width = sum(t["w"] for t in rects if t["depth"] == 0)
        self.assertAlmostEqual(widest["w"], width * r[widest["node"]] / total, delta=0.01)
        box = self.js("(function(){var b=document.getElementById('pic-canvas').getBoundingClientRect(); return [b.left, b.top];})()")
        x, y = box[0] + widest["x"] + widest["w"] / 2, box[1] + 22 * 1 + 11
        self.browser.mouse("mouseMoved", x, y)
        self.browser.pump(0.1)
        self.assertFalse(self.js("document.getElementById('pic-tip').hidden"))
        tip = self.js("document.getElementById('pic-tip').textContent")
        self.assertIn(widest["type"], tip)
        self.assertIn(widest["addr"], tip)
        self.browser.click(x, y)
        zoomed = self.js("heapsnapReport.picture()")
        self.assertEqual([z["node"] for z in zoomed if z["depth"] == 0], [widest["node"]])
        self.assertIn(widest["addr"], self.js("document.getElementById('pic-crumbs').textContent"))
        self.browser.screenshot(artifact("synthetic-picture-zoomed.png"))
        # clicking the top bar zooms back out
        self.browser.click(box[0] + 5, box[1] + 11)
        self.assertNotEqual([z["node"] for z in self.js("heapsnapReport.picture()") if z["depth"] == 0], [widest["node"]])
        self.js("heapsnapReport.zoomTo(-1)")

    def test_cycles_listed(self):
        # the report's rows are `heapsnap cycles`'s (one per shape, interpreter cycles left out)
        cyc = analyze("cycles", "-n", 0, self.snap)
        rows = self.js("[...document.querySelectorAll('#cycles-table tbody tr')].map(tr => [+tr.cells[0].dataset.v, +tr.cells[1].dataset.v, +tr.cells[2].dataset.v, +tr.cells[3].dataset.v, tr.cells[4].textContent, tr.cells[6].textContent])")
        self.assertEqual(len(rows), min(100, cyc["rows"]))
        for row, c in zip(rows, cyc["cycles"]):
            self.assertEqual(row, [c["count"], c["members"], c["kept"], c["bytes"], "reachable" if c["reachable"] else "garbage", c["example"]])
        self.assertIn("garbage", [r[4] for r in rows])

    def test_zz_screenshot(self):
        self.js("window.scrollTo(0, 0)")
        self.browser.pump(0.1)
        path = self.browser.screenshot(artifact("synthetic-report.png"), full=True)
        with open(path, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


class SmallReport(BrowserCase):
    """The hand-built small heap: finalizer flag and root labels in the tree."""

    def test_small(self):
        snap = artifact("small.hsnap")
        run(need("MKSNAP"), "small", snap)
        html = report(snap, artifact("small.html"))
        self.browser.open(html)
        top = analyze("top", "--raw", "-n", 20, snap)["top"]
        self.assertEqual([r["addr"] for r in self.top_rows()], [e["block"]["addr"] for e in top])
        n = page_data(html)["tree"]["n"]
        self.js("for (let i = 0; i < %d; i++) heapsnapReport.reveal(i)" % n)
        self.assertEqual(self.js("document.querySelectorAll('#tree-body [role=treeitem]').length"), n)
        labels = self.js("[...document.querySelectorAll('#tree-body .lbl')].map(e => e.textContent)")
        self.assertIn("global root 'app'", labels)
        self.assertIn(".cache", labels)
        fin = self.js("[...document.querySelectorAll('#tree-body .tag.fin')].map(e => e.closest('.tname').querySelector('.type').textContent)")
        self.assertIn("app.models.Thing", fin)


if __name__ == "__main__":
    unittest.main()
