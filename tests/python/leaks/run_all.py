# SPDX-License-Identifier: MIT
"""tests/python/leaks/run_all.py — run every leak program of this folder
(reproductions of public bug reports, issue 14) under one interpreter, run
the analyzer command each declares on its dumps, and judge the first screen:
the first three numbered rows of the text output must name the culprit, and
those rows' names (--json "name") must be readable — no `<roots>~`, no `?`,
no bare "external root". Prints one table row per program: the program, its
command, the first three row names, PASS/FAIL (with the reason); a program
that crashes or times out is a FAIL row, never the end of the table.

    python3 tests/python/leaks/run_all.py [--python PY] [--heapsnap BIN]
                                           [--pythonpath DIR] [-j N] [PROGRAM...]

Defaults: this interpreter, build/bin/heapsnap, and build/python (the
directory beside the binary's bin/). Exit status 0 when every program
passes, 1 otherwise. tests/python/test_leaks.py runs the same checks
(check()) as one unittest per program.

A program declares, in its module docstring, lines
    Command: top                 the analyzer command (the dumps are appended)
    Expect:  Widget._instances   comma-separated; each must occur, case-
                                 sensitive, in the first three rows' text
    Dumps:   1                   how many dumps it writes
and is run as `PY program.py OUTDIR`; it writes OUTDIR/1.hsnap, 2.hsnap, ...
in time order. Text rows (docs/cli.md): a row starts with a line matching
`^\\s*\\d+\\.\\s` and runs until the next such line or a blank line."""

import argparse
import ast
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ROW_START = re.compile(r"^\s*\d+\.\s")
FIELD = re.compile(r"^(Source|Culprit|Command|Expect|Dumps):\s*(.*)$")
# where each command's --json rows are
JSON_ROWS = {"top": "top", "cycles": "cycles", "diff": "owners", "trend": "owners", "suspects": "suspects"}
PROGRAM_TIMEOUT = 60
COMMAND_TIMEOUT = 60


def programs():
    """The leak programs of this folder, sorted by name."""
    return sorted(os.path.join(HERE, f) for f in os.listdir(HERE)
                  if f.endswith(".py") and f != "run_all.py" and not f.startswith("_"))


def header(path):
    """The declared fields of a program's docstring: {"Source": str, "Culprit":
    str, "Command": [argv], "Expect": [str], "Dumps": int}. A field's value
    continues on the following indented lines."""
    with open(path) as f:
        doc = ast.get_docstring(ast.parse(f.read(), path)) or ""
    fields, last = {}, None
    for line in doc.splitlines():
        m = FIELD.match(line)
        if m:
            last = m.group(1)
            fields[last] = m.group(2).strip()
        elif last and line.startswith(" ") and line.strip():
            fields[last] += " " + line.strip()
        else:
            last = None
    if "Command" not in fields or "Expect" not in fields:
        raise ValueError("%s: no Command: or Expect: line in its docstring" % os.path.basename(path))
    fields["Command"] = fields["Command"].split()
    fields["Expect"] = [e.strip() for e in fields["Expect"].split(",") if e.strip()]
    fields["Dumps"] = int(fields.get("Dumps", "1"))
    return fields


def rows(text, n=3):
    """The first n numbered rows of a command's text output, each as its
    lines: a row starts at a line matching ROW_START and runs until the next
    such line or a blank line."""
    out, cur = [], None
    for line in text.splitlines():
        if ROW_START.match(line):
            if len(out) == n:
                break
            cur = [line]
            out.append(cur)
        elif not line.strip():
            cur = None
        elif cur is not None:
            cur.append(line)
    return out[:n]


def bad_name(name):
    """Why a row name is not readable, or None."""
    if not isinstance(name, str) or not name.strip():
        return "no name"
    if "<roots>~" in name:
        return "contains '<roots>~'"
    if "?" in name:
        return "contains '?'"
    bare = name.strip().strip("<>").strip()
    if bare.startswith("external root"):
        return "is a bare external root"
    return None


def derived(command, row):
    """A stand-in for a row without "name", from the JSON it has: a top row's
    root and path labels, a cycle's types, a diff or trend owner."""
    try:
        if command == "top":
            path = row.get("path") or []
            if not path:
                return "%s [unreachable]" % row["block"]["type"]
            parts = ["%s %s" % (path[0].get("root"), path[0].get("name"))]
            parts += [str(s.get("label")) for s in path[1:]]
            return "%s: %s" % (row["block"]["type"], " ".join(parts))
        if command == "cycles":
            return "%d members %s {%s}" % (row["members"], "garbage" if not row["reachable"] else "live",
                                            ", ".join(t["type"] for t in row["types"][:3]))
        if command in ("diff", "trend"):
            return "%s (%s)" % (row.get("owner"), row.get("type"))
    except (KeyError, TypeError, IndexError):
        pass
    return json.dumps(row)[:60]


class Result:
    def __init__(self, program, command):
        self.program, self.command = program, command
        self.names, self.ok, self.reason, self.seconds = [], False, "", 0.0
        self.text = ""


def _run(argv, env, timeout):
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %d s: %s" % (timeout, " ".join(argv)))


def _tail(s, n=6):
    lines = [l for l in (s or "").strip().splitlines() if l.strip()]
    return " | ".join(lines[-n:])


def check(program, python, heapsnap, pythonpath=None, workdir=None):
    """Run one program and judge its first screen; never raises. Returns a
    Result: names (the first three rows' --json names, or their first text
    lines when the JSON has none), ok, reason, the text output."""
    t0 = time.monotonic()
    res = Result(os.path.splitext(os.path.basename(program))[0], "?")
    own = workdir is None
    d = workdir or tempfile.mkdtemp(prefix="hsleak-")
    try:
        _check(res, program, python, heapsnap, pythonpath, d)
    except Exception as e:  # a crashing program or command is a FAIL row
        res.ok, res.reason = False, "%s: %s" % (type(e).__name__, e)
    finally:
        if own:
            shutil.rmtree(d, ignore_errors=True)
        res.seconds = time.monotonic() - t0
    return res


def _check(res, program, python, heapsnap, pythonpath, d):
    h = header(program)
    argv = h["Command"]
    res.command = " ".join(argv)
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    p = _run([python, program, d], env, PROGRAM_TIMEOUT)
    if p.returncode != 0:
        raise RuntimeError("program exited %d: %s" % (p.returncode, _tail(p.stderr) or _tail(p.stdout)))
    dumps = [os.path.join(d, "%d.hsnap" % i) for i in range(1, h["Dumps"] + 1)]
    missing = [os.path.basename(x) for x in dumps if not os.path.exists(x)]
    if missing:
        raise RuntimeError("program wrote no %s" % ", ".join(missing))
    t = _run([heapsnap] + argv + dumps, env, COMMAND_TIMEOUT)
    if t.returncode != 0:
        raise RuntimeError("heapsnap %s exited %d: %s" % (res.command, t.returncode, _tail(t.stderr)))
    res.text = t.stdout
    j = _run([heapsnap] + argv + ["--json"] + dumps, env, COMMAND_TIMEOUT)
    if j.returncode != 0:
        raise RuntimeError("heapsnap %s --json exited %d: %s" % (res.command, j.returncode, _tail(j.stderr)))
    doc = json.loads(j.stdout)
    jrows = doc.get(JSON_ROWS.get(argv[0], argv[0])) or []
    first = rows(t.stdout)
    res.names = [r.get("name") if isinstance(r, dict) else None for r in jrows[:3]]
    problems = []
    if not first:
        problems.append("no numbered rows in the text output")
    if not any(res.names):  # today's JSON: show what the rows are, marked as derived
        res.names = ["[no name] " + derived(argv[0], r) for r in jrows[:3]]
    text = "\n".join(l for r in first for l in r)
    for e in h["Expect"]:
        if e not in text:
            problems.append("%r not in the first %d rows" % (e, len(first)))
    if "<roots>~" in text:
        problems.append("'<roots>~' in the first rows")
    if any(l.strip() == "external root" for r in first for l in r):
        problems.append("a bare 'external root' line in the first rows")
    if len(jrows) < len(first):
        problems.append("--json has %d rows, the text %d" % (len(jrows), len(first)))
    for i, r in enumerate(jrows[:3]):
        why = bad_name(r.get("name") if isinstance(r, dict) else None)
        if why:
            problems.append("json row %d name %s" % (i + 1, why))
    res.ok = not problems
    res.reason = "; ".join(problems)


def _short(s, n=90):
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def default_paths(heapsnap, pythonpath):
    heapsnap = heapsnap or os.path.join(REPO, "build", "bin", "heapsnap")
    if pythonpath is None:
        guess = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(heapsnap))), "python")
        pythonpath = guess if os.path.isdir(guess) else None
    return heapsnap, pythonpath


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--heapsnap", default=None)
    ap.add_argument("--pythonpath", default=None)
    ap.add_argument("-j", type=int, default=max(2, min(4, os.cpu_count() or 2)))
    ap.add_argument("-v", action="store_true", help="print each program's first rows")
    ap.add_argument("program", nargs="*")
    a = ap.parse_args(argv)
    heapsnap, pythonpath = default_paths(a.heapsnap, a.pythonpath)
    progs = [p if os.path.exists(p) else os.path.join(HERE, p if p.endswith(".py") else p + ".py")
             for p in a.program] or programs()
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(a.j) as ex:
        results = list(ex.map(lambda p: check(p, a.python, heapsnap, pythonpath), progs))
    w = max(len(r.program) for r in results)
    c = max(len(r.command) for r in results)
    for r in results:
        names = " ; ".join(_short(str(n)) for n in r.names) if r.names else "-"
        print("%-*s  %-*s  %-4s %5.1fs  %s" % (w, r.program, c, r.command, "PASS" if r.ok else "FAIL",
                                               r.seconds, names))
    fails = [r for r in results if not r.ok]
    if fails:
        print()
        for r in fails:
            print("%s: %s" % (r.program, r.reason))
    if a.v:
        for r in results:
            print("\n== %s (%s)" % (r.program, r.command))
            for row in rows(r.text):
                print("\n".join(row))
    print("\n%d of %d pass under %s (%.1f s)" % (len(results) - len(fails), len(results), a.python,
                                                  time.monotonic() - t0))
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
