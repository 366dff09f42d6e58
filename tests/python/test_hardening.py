# SPDX-License-Identifier: MIT
"""tests/python/test_hardening.py — issue 19's Python cases: #15, a tag over
the format's 16 MiB makes dump() raise at the call and writes nothing (no
file, no temporary file); and path templates accept only their documented
fields ({pid}, {n}, {time}, {trigger}; {{ and }}), never str.format's
attribute lookups ({pid.__class__}). Each runs in a child interpreter."""

import os
import subprocess
import tempfile
import textwrap
import unittest

from hstest import PYTHON, HEAPSNAP


def run_child(code, cwd):
    p = subprocess.run([PYTHON, "-c", textwrap.dedent(code)], cwd=cwd, capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class LongTag(unittest.TestCase):
    def test_tag_over_16_mib_is_refused_and_nothing_written(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run_child(
                """
                import heapsnap
                try:
                    heapsnap.dump("big.hsnap", tags={"note": "x" * (16 * 1024 * 1024 + 1)})
                except Exception as e:
                    print(type(e).__name__, e)
                else:
                    print("no error")
                heapsnap.dump("ok.hsnap", tags={"note": "x" * 1000})
                """,
                d,
            )
            self.assertEqual(rc, 0, err)
            self.assertIn("header tag 'note': value of 16777217 bytes exceeds the format's 16777216-byte limit", out)
            self.assertEqual(sorted(os.listdir(d)), ["ok.hsnap"])
            if HEAPSNAP:
                p = subprocess.run([HEAPSNAP, "info", os.path.join(d, "ok.hsnap")], capture_output=True, text=True)
                self.assertEqual(p.returncode, 0, p.stderr)


class Templates(unittest.TestCase):
    def check(self, code):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run_child(code, d)
            self.assertEqual(rc, 0, err)
            return out, sorted(os.listdir(d))

    def test_attribute_lookup_is_refused(self):
        out, files = self.check(
            """
            import signal, heapsnap
            from heapsnap.postmortem import expand
            for t in ("{pid.__class__}.hsnap", "{n.__class__.__mro__}", "{pid[0]}", "{n:03}", "{home}", "a{b", "a}b"):
                try:
                    expand(t, 1, "manual")
                except ValueError as e:
                    print("refused", e)
                else:
                    print("accepted", t)
                try:
                    heapsnap.dump_on_signal(signal.SIGUSR1, t)
                except ValueError:
                    print("refused by dump_on_signal")
            """
        )
        self.assertNotIn("accepted", out)
        self.assertEqual(out.count("refused by dump_on_signal"), 7)
        self.assertIn("unknown field {pid.__class__} in path template", out)
        self.assertIn("unmatched '{' in path template", out)
        self.assertEqual(files, [])

    def test_documented_fields_still_work(self):
        out, files = self.check(
            """
            import os, heapsnap
            from heapsnap.postmortem import expand
            print(expand("s-{pid}-{n}-{trigger}-{{x}}.hsnap", 7, "rss") == "s-%d-7-rss-{x}.hsnap" % os.getpid())
            t = expand("{time}", 1, "manual")
            print(len(t) == 15 and t[8] == "-")
            """
        )
        self.assertEqual(out.split(), ["True", "True"])

    def test_dump_on_signal_template(self):
        out, files = self.check(
            """
            import os, signal, heapsnap
            heapsnap.dump_on_signal(signal.SIGUSR1, "sig-{pid}-{n}.hsnap", fsync=False)
            os.kill(os.getpid(), signal.SIGUSR1)
            print("pid", os.getpid())
            """
        )
        pid = out.split()[1]
        self.assertEqual(files, ["sig-%s-1.hsnap" % pid])


if __name__ == "__main__":
    unittest.main()
