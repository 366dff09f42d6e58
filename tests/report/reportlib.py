# SPDX-License-Identifier: MIT
"""tests/report/reportlib.py — shared helpers of the report tests: run the
CLI (HEAPSNAP), the snapshot writers (MKSNAP, HSGEN), write a report, read
the data object back out of the page, ask the analyzer for the same facts
(`heapsnap <command> --json`), and open the page in headless Chromium
(cdp.py) reading back what it shows. Artifacts (reports, screenshots) go
to REPORT_ARTIFACTS under the build tree. See docs/report.md#tests."""

import json
import os
import re
import subprocess
import tempfile
import unittest

from cdp import Browser

HEAPSNAP = os.environ.get("HEAPSNAP")
MKSNAP = os.environ.get("MKSNAP")
HSGEN = os.environ.get("HSGEN")
ARTIFACTS = os.environ.get("REPORT_ARTIFACTS") or tempfile.mkdtemp(prefix="hs-report-")


def need(var):
    if not os.environ.get(var):
        raise AssertionError("%s is not set: run these tests through ctest" % var)
    return os.environ[var]


def run(*cmd, ok=True):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600)
    if ok and p.returncode != 0:
        raise AssertionError("%s exited %d\nstderr:\n%s" % (" ".join(map(str, cmd)), p.returncode, p.stderr))
    return p


def analyze(command, *args):
    return json.loads(run(need("HEAPSNAP"), command, "--json", *args).stdout)


def report(snapshot, out, *options):
    run(need("HEAPSNAP"), "report", *options, "-o", out, snapshot)
    return out


DATA_RE = re.compile(r'<script id="hs-data" type="application/json">(.*?)</script>', re.S)


def page_data(html_path):
    with open(html_path, encoding="utf-8") as f:
        m = DATA_RE.search(f.read())
    if not m:
        raise AssertionError("%s: no data element" % html_path)
    return json.loads(m.group(1))


def artifact(name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    return os.path.join(ARTIFACTS, name)


class BrowserCase(unittest.TestCase):
    """A test case with one headless Chromium for the class; every test
    ends by asserting that the page logged no error, threw nothing, opened
    no dialog and fetched nothing."""

    @classmethod
    def setUpClass(cls):
        cls.browser = Browser()

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()

    def setUp(self):
        self.browser.failures.clear()

    def tearDown(self):
        self.browser.pump(0.2)
        self.assertEqual(self.browser.failures, [], "the page reported errors")

    def js(self, expr):
        return self.browser.eval(expr)

    # what the page shows, read from the DOM
    def top_rows(self):
        return self.js("""[...document.querySelectorAll('#top-table tbody tr')].map(tr => ({
            addr: tr.dataset.addr, retained: +tr.cells[0].dataset.v, shallow: +tr.cells[1].dataset.v,
            type: tr.cells[2].querySelector('.type').textContent, path: tr.cells[3].textContent}))""")

    def type_rows(self):
        return self.js("""[...document.querySelectorAll('#types-table tbody tr')].map(tr => ({
            type: tr.cells[0].textContent, count: +tr.cells[1].dataset.v, shallow: +tr.cells[2].dataset.v,
            retained: tr.cells[3].dataset.v === undefined ? null : +tr.cells[3].dataset.v}))""")

    def suspects(self):
        return self.js("""[...document.querySelectorAll('#suspect-list > li')].map(li => ({
            addr: li.dataset.addr, retained: +li.dataset.retained, text: li.textContent}))""")
