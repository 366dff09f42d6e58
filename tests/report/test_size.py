# SPDX-License-Identifier: MIT
"""tests/report/test_size.py — the node budget keeps reports small: the
report of a 1M-object synthetic snapshot (hsgen heap 1000000) embeds
exactly the budgeted 50,000 dominator-tree nodes, the rest aggregated, and
stays under the 4 MiB documented in docs/report.md#budget; a smaller
--budget gives a smaller file and keeps the totals. No browser needed."""

import os
import unittest

from reportlib import artifact, need, page_data, report, run

LIMIT = 4 * 1024 * 1024  # docs/report.md#budget


class Size(unittest.TestCase):
    def test_million_objects(self):
        snap = artifact("h1m.hsnap")
        run(need("HSGEN"), "heap", 1000000, snap)
        html = report(snap, artifact("h1m.html"))
        size = os.path.getsize(html)
        print("report of 1M objects: %d bytes" % size)
        self.assertLess(size, LIMIT)
        d = page_data(html)
        t = d["tree"]
        self.assertEqual(d["budget"], {"nodes": 50000, "embedded": 50000, "tree_nodes": 1000002})
        self.assertEqual(t["n"], 50000)
        for col in "ptasrclf":
            self.assertEqual(len(t[col]), 50000, col)
        # nothing lost: each embedded node's retained bytes = its shallow bytes + its
        # embedded children's + the aggregated rest
        kids = [0] * t["n"]
        for i, p in enumerate(t["p"]):
            if p >= 0:
                kids[p] += t["r"][i]
        more = {m[0]: m for m in t["more"]}
        for i in range(t["n"]):
            self.assertEqual(t["s"][i] + kids[i] + (more[i][2] if i in more else 0), t["r"][i], i)
        self.assertEqual(t["r"][0], d["graph"]["reachable"]["bytes"])
        # and nothing lost in blocks: the tree's blocks add up to the graph's
        blocks = [0] * t["n"]
        for i in range(t["n"] - 1, -1, -1):
            own = (1 if t["a"][i] else 0) + (more[i][3] if i in more else 0)
            self.assertEqual(t["c"][i], own + blocks[i], i)
            if t["p"][i] >= 0:
                blocks[t["p"][i]] += t["c"][i]
        self.assertEqual(t["c"][0], d["graph"]["reachable"]["blocks"])
        small = report(snap, artifact("h1m-small.html"), "--budget", 1000)
        self.assertLess(os.path.getsize(small), size / 5)
        self.assertEqual(page_data(small)["tree"]["n"], 1000)
        os.remove(snap)


if __name__ == "__main__":
    unittest.main()
