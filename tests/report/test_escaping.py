# SPDX-License-Identifier: MIT
"""tests/report/test_escaping.py — untrusted text stays text. mksnap
`hostile` names a type `<script>alert(1)</script>` in module
`"><img src=x onerror=alert(1)>`, labels a reference
`</script><script>x()</script>` and puts terminal escapes in a root name
and the runtime. The page source must carry none of that as markup (the
JSON escapes '<', '>' and '&'), and in Chromium the page must show the
names literally as text, with no extra element, no dialog (alert), no
error and no request."""

import re
import unittest

from reportlib import BrowserCase, artifact, need, page_data, report, run

TYPE = '"><img src=x onerror=alert(1)>.<script>alert(1)</script>'
LABEL = ".</script><script>x()</script>"


class Hostile(BrowserCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.snap = artifact("hostile.hsnap")
        run(need("MKSNAP"), "hostile", cls.snap)
        cls.html = report(cls.snap, artifact("hostile.html"))
        with open(cls.html, encoding="utf-8") as f:
            cls.source = f.read()

    def test_source_has_no_markup_from_the_dump(self):
        for bad in ("<script>alert", "<img", "</script><script>x()", "onerror=alert(1)>"):
            self.assertNotIn(bad, self.source)
        self.assertEqual(len(re.findall(r"<script\b", self.source, re.I)), 2)
        self.assertEqual(len(re.findall(r"</script", self.source, re.I)), 2)
        self.assertNotIn("\x1b", self.source)  # control characters are \u escapes
        # the JSON still carries the names, exactly
        data = page_data(self.html)
        self.assertIn(TYPE, data["strs"])
        self.assertIn(LABEL, data["strs"])
        self.assertEqual(data["header"]["runtime"], "hostile\x1b[2J")

    def test_rendered_as_text(self):
        b = self.browser
        b.open(self.html)
        self.js("for (let i = 0; i < heapsnapReport.data.tree.n; i++) heapsnapReport.reveal(i)")
        b.pump(0.3)
        self.assertEqual(self.js("document.images.length"), 0)
        self.assertEqual(self.js("document.scripts.length"), 2)
        self.assertEqual(self.js("document.querySelectorAll('[onerror], iframe, object, embed').length"), 0)
        text = self.js("document.body.textContent")
        self.assertIn(TYPE, text)
        self.assertIn(LABEL, text)
        types = [r["type"] for r in self.type_rows()]
        self.assertIn(TYPE, types)
        tree_types = self.js("[...document.querySelectorAll('#tree-body .type')].map(e => e.textContent)")
        self.assertIn(TYPE, tree_types)
        self.assertIn(TYPE, self.suspects()[0]["text"])
        # hovering the picture shows the name as text too
        rects = self.js("heapsnapReport.picture()")
        r = [x for x in rects if x["type"] == TYPE][0]
        box = self.js("(function(){var b=document.getElementById('pic-canvas').getBoundingClientRect(); return [b.left, b.top];})()")
        self.js("document.getElementById('picture').scrollIntoView()")
        box = self.js("(function(){var b=document.getElementById('pic-canvas').getBoundingClientRect(); return [b.left, b.top];})()")
        b.mouse("mouseMoved", box[0] + r["x"] + r["w"] / 2, box[1] + 22 * r["depth"] + 11)
        b.pump(0.1)
        self.assertIn(TYPE, self.js("document.getElementById('pic-tip').textContent"))
        self.assertEqual(self.js("document.getElementById('pic-tip').children.length"), 3)
        b.screenshot(artifact("hostile.png"))


if __name__ == "__main__":
    unittest.main()
