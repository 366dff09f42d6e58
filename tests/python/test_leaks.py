# SPDX-License-Identifier: MIT
"""tests/python/test_leaks.py — the first screen names the culprit (issue 14,
"Tests and proof"): each program of tests/python/leaks/ reproduces a leak
from a public bug report (its header cites the report and the culprit the
maintainers named), dumps itself, and the analyzer command a user would run
first (`top`, `cycles`, `diff`, `trend`: the program's Command: line) must
name the culprit (its Expect: line) in the first three numbered rows of the
text output, with readable row names in --json (no `<roots>~`, no `?`, no
bare "external root"). One test per program; the judging is
leaks/run_all.py's check(), which is also the development loop
(`python3 tests/python/leaks/run_all.py`). The row parser and the judge are
tested on their own below against a stand-in analyzer, so a failure of a
program's test is about the analyzer's answer, not the harness."""

import os
import stat
import sys
import tempfile
import textwrap
import unittest

from hstest import HEAPSNAP, PYTHON

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "leaks"))
import run_all  # noqa: E402

PROGRAMS = run_all.programs()
COMMANDS = {"top", "cycles", "diff", "trend"}


class Programs(unittest.TestCase):
    """Each program: run it, run its command, judge the first three rows."""


def _make(program):
    def test(self):
        if not HEAPSNAP:
            raise unittest.SkipTest("HEAPSNAP not set (run through ctest)")
        r = run_all.check(program, PYTHON, HEAPSNAP, os.environ.get("PYTHONPATH"))
        self.assertTrue(r.ok, "%s (heapsnap %s): %s\nfirst rows' names: %r\ntext output:\n%s"
                        % (r.program, r.command, r.reason, r.names, r.text[:2500]))
    return test


for _p in PROGRAMS:
    setattr(Programs, "test_" + os.path.splitext(os.path.basename(_p))[0], _make(_p))


class Suite(unittest.TestCase):
    """The programs themselves: enough of them, each citing its source."""

    def test_at_least_twelve_programs(self):
        self.assertGreaterEqual(len(PROGRAMS), 12, PROGRAMS)

    def test_headers(self):
        for p in PROGRAMS:
            h = run_all.header(p)
            name = os.path.basename(p)
            self.assertIn("https://", h.get("Source", ""), name)
            self.assertRegex(h["Source"], r"[\w.-]+/[\w.-]+#\d+", name + ": repository#number")
            self.assertGreater(len(h.get("Culprit", "")), 40, name)
            self.assertIn(h["Command"][0], COMMANDS, name)
            self.assertTrue(h["Expect"], name)
            want = {"top": 1, "cycles": 1, "diff": 2}.get(h["Command"][0])
            if want:
                self.assertEqual(h["Dumps"], want, name)
            else:
                self.assertGreaterEqual(h["Dumps"], 3, name)


TEXT = """\
heapsnap top: 1,234 blocks
    retained  name

  1.  6.46 MiB  __main__.Widget._instances (builtins.list, 2,000 entries)
        global root '__main__' -> ...
        second line of row 1
  2.  1.00 MiB  40 \u00d7 __main__.TypeCheckError
 3. 512 KiB  ctypes._pointer_type_cache

  4.  1 KiB  not shown
  5.  1 KiB  not shown either
"""


class Rows(unittest.TestCase):
    def test_rows(self):
        r = run_all.rows(TEXT)
        self.assertEqual(len(r), 3)
        self.assertIn("Widget._instances", r[0][0])
        self.assertEqual(r[0][2].strip(), "second line of row 1")
        self.assertEqual(len(r[1]), 1)
        self.assertIn("_pointer_type_cache", r[2][0])
        self.assertFalse(any("not shown" in line for row in r for line in row))

    def test_a_blank_line_ends_a_row(self):
        r = run_all.rows("1. a\n   b\n\n   c\n2. d\n")
        self.assertEqual(r, [["1. a", "   b"], ["2. d"]])

    def test_no_rows(self):
        self.assertEqual(run_all.rows("    4.80 MiB  832 B  builtins.dict\n1,078 cycles: 3.44 MiB\n"), [])

    def test_bad_names(self):
        for bad in ["<roots>~.?._ready", "<roots>~[0]", "a.?.b", "external root", "<external root>", "", None]:
            self.assertIsNotNone(run_all.bad_name(bad), bad)
        for good in ["__main__.this_loop._ready", "logging.Logger.manager.loggerDict",
                     "builtins.dict in functools._lru_cache_wrapper __main__.EphysNWBData._get_series",
                     "40 \u00d7 __main__.TypeCheckError", "{builtins.dict, _ctypes.c_char_Array_65536}",
                     "thread 'QThreadExecutor-0' _QThreadWorker.run().r"]:
            self.assertIsNone(run_all.bad_name(good), good)


class Judge(unittest.TestCase):
    """check() against a stand-in analyzer that prints canned output: it
    passes a conforming answer and fails each kind of bad one."""

    PROGRAM = '''\
        """A stand-in program.

        Source:  example/example#1, https://example.org/1
        Culprit: the example's registry, as the maintainers named it in the report
        Command: top
        Expect:  Widget._instances
        Dumps:   1
        """
        import os, sys
        open(os.path.join(sys.argv[1], "1.hsnap"), "w").write("x")
    '''

    def judge(self, text, names, program=None):
        d = tempfile.mkdtemp(prefix="hsleak-judge-")
        self.addCleanup(lambda: __import__("shutil").rmtree(d, ignore_errors=True))
        prog = os.path.join(d, "prog.py")
        with open(prog, "w") as f:
            f.write(textwrap.dedent(program or self.PROGRAM))
        rows = ", ".join('{"name": %s}' % ("null" if n is None else '"%s"' % n) for n in names)
        fake = os.path.join(d, "heapsnap")
        with open(fake, "w") as f:
            f.write("#!%s\nimport sys\nif '--json' in sys.argv:\n    print('{\"top\": [%s]}')\n"
                    "else:\n    sys.stdout.write(%r)\n" % (sys.executable, rows, text))
        os.chmod(fake, stat.S_IRWXU)
        work = os.path.join(d, "work")
        os.mkdir(work)
        return run_all.check(prog, sys.executable, fake, None, work)

    GOOD = "x\n\n  1. 6 MiB __main__.Widget._instances\n     global root '__main__'\n  2. 1 MiB other\n"

    def test_conforming_answer_passes(self):
        r = self.judge(self.GOOD, ["__main__.Widget._instances", "__main__.other"])
        self.assertTrue(r.ok, r.reason)
        self.assertEqual(r.names, ["__main__.Widget._instances", "__main__.other"])

    def test_culprit_in_row_four_fails(self):
        text = "1. a\n2. b\n3. c\n4. __main__.Widget._instances\n"
        r = self.judge(text, ["a", "b", "c", "__main__.Widget._instances"])
        self.assertFalse(r.ok)
        self.assertIn("not in the first 3 rows", r.reason)

    def test_unreadable_names_fail(self):
        for names, why in [(["<roots>~.__dict__.Widget._instances"], "<roots>~"),
                           (["__main__.Widget._instances", "<external root>"], "external root"),
                           (["__main__.Widget._instances", "a.?.b"], "'?'"),
                           ([None], "no name")]:
            r = self.judge(self.GOOD.replace("  2. 1 MiB other\n", ""), names)
            self.assertFalse(r.ok, names)
            self.assertIn(why, r.reason)

    def test_bare_external_root_line_fails(self):
        text = "1. 6 MiB __main__.Widget._instances\n   external root\n"
        r = self.judge(text, ["__main__.Widget._instances"])
        self.assertFalse(r.ok)
        self.assertIn("external root", r.reason)

    def test_a_crashing_program_is_a_fail_row(self):
        r = self.judge(self.GOOD, ["x"], program=self.PROGRAM.replace("import os, sys", "raise SystemExit('boom')"))
        self.assertFalse(r.ok)
        self.assertIn("boom", r.reason)


if __name__ == "__main__":
    unittest.main()
