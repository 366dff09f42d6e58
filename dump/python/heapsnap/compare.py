# SPDX-License-Identifier: MIT
"""dump/python/heapsnap/compare.py — ``with heapsnap.compare("prefix") as c:``
dumps the heap to ``prefix-before.hsnap`` on entry and ``prefix-after.hsnap``
on exit, then runs ``heapsnap diff --by owner`` on the pair and prints its
owner view (what grew inside the block, and who holds it) to stderr. The
analyzer is found through $HEAPSNAP, then PATH. See docs/diff.md#python.

    import heapsnap
    with heapsnap.compare("/tmp/req") as c:
        handle_requests()
    print(c.report)            # the owner view, also printed
"""

import os
import shutil
import subprocess
import sys


class compare:
    """Context manager: `before`, `after` (dump paths), `report` (the owner
    view's text, or None when the analyzer is not found), `owners` (its
    parsed JSON owner list when `json=True`). Keyword arguments other than
    `view`, `quiet`, `analyzer`, `args` and `json` go to heapsnap.dump()."""

    def __init__(self, prefix, *, view="owner", quiet=False, analyzer=None, args=(), json=False, **dump_options):
        self.before = os.fspath(prefix) + "-before.hsnap"
        self.after = os.fspath(prefix) + "-after.hsnap"
        self.view, self.quiet, self.args, self.json = view, quiet, list(args), json
        self.analyzer = analyzer or os.environ.get("HEAPSNAP") or shutil.which("heapsnap")
        self.dump_options = dump_options
        self.report = None
        self.owners = None

    def __enter__(self):
        from . import dump
        dump(self.before, **self.dump_options)
        return self

    def __exit__(self, exc_type, exc, tb):
        from . import dump
        dump(self.after, **self.dump_options)
        cmd = [self.analyzer, "diff", "--by", self.view] + self.args
        if not self.analyzer:
            if not self.quiet:
                print("heapsnap: wrote %s and %s; run heapsnap diff on them (analyzer not found)"
                      % (self.before, self.after), file=sys.stderr)
            return False
        p = subprocess.run(cmd + [self.before, self.after], capture_output=True, text=True)
        if p.returncode != 0:
            print("heapsnap: diff failed: %s" % p.stderr.strip(), file=sys.stderr)
            return False
        self.report = p.stdout
        if self.json:
            import json as _json
            q = subprocess.run(cmd + ["--json", self.before, self.after], capture_output=True, text=True)
            if q.returncode == 0:
                self.owners = _json.loads(q.stdout).get("owners")
        if not self.quiet:
            sys.stderr.write(self.report)
        return False
