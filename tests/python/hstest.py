# SPDX-License-Identifier: MIT
"""tests/python/hstest.py — shared helpers for the Python writer's tests:
run a child program under the interpreter being tested (HS_PYTHON, with the
CMake-built package on PYTHONPATH), decode its dump with tests/helpers/hsjson
(HSJSON) and query the graph (types, labels, roots, reachability, retained
sets), or ask the analyzer itself (`heapsnap <command> --json`, HEAPSNAP).
A child reports what the test needs (addresses from id(), sizes it
measured) through a side file: `report(obj)` in the child writes it as JSON
to $HS_REPORT. Environment: HS_PYTHON, HSJSON, HEAPSNAP, PYTHONPATH."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

PYTHON = os.environ.get("HS_PYTHON", "/usr/bin/python3")
HSJSON = os.environ.get("HSJSON")
HEAPSNAP = os.environ.get("HEAPSNAP")

# What differs per CPython family (docs/python.md#versions). The tests run
# under the interpreter their children run under (ctest passes the same).
# On 3.10 an instance keeps its attributes in a __dict__ of its own (3.11+:
# inline values, no dict block unless one is materialized), and every frame
# is a frame object (3.11+: a synthetic _PyInterpreterFrame block).
OWN_DICT = sys.version_info < (3, 11)
FRAME_TYPE = "builtins.frame" if sys.version_info < (3, 11) else "cpython._PyInterpreterFrame"

STRONG, WEAK, OTHER = 0, 1, 2
ROOT_OTHER, ROOT_GLOBAL, ROOT_STACK, ROOT_EXTERNAL, ROOT_RUNTIME = range(5)
GC_TRACKED, FINALIZER, UNCOLLECTABLE, IMMORTAL = 1, 2, 4, 8


class Snapshot:
    """A decoded dump: header, types, blocks (addr -> dict with size, type
    name, flags, refs), roots and values."""

    def __init__(self, lines):
        self.types, self.blocks, self.roots, self.values = {}, {}, [], {}
        self.frames, self.sites = {}, {}
        self.header = self.trailer = None
        for line in lines:
            r = json.loads(line)
            k = r["kind"]
            if k == "header":
                self.header = r
            elif k == "type":
                self.types[r["id"]] = (r["module"] + "." if r["module"] else "") + r["name"]
            elif k == "frame":
                self.frames[r["id"]] = r
            elif k == "site":
                self.sites[r["id"]] = [self.frames[f] for f in r["frames"]]
            elif k == "block":
                r["type_name"] = self.types[r["type"]]
                self.blocks[r["addr"]] = r
            elif k == "refs":
                self.blocks[r["from"]]["refs"].extend(r["refs"])
            elif k == "root":
                self.roots.append(r)
            elif k == "value":
                self.values[r["addr"]] = r
            elif k == "trailer":
                self.trailer = r
        self._rev = None

    def of_type(self, name):
        return [b for b in self.blocks.values() if b["type_name"] == name]

    def refs(self, addr, label=None, kind=None):
        return [r for r in self.blocks[addr]["refs"]
                if (label is None or r["label"] == label) and (kind is None or r["kind"] == kind)]

    def child(self, addr, label):
        """The target of `addr`'s reference labeled `label` (exactly one)."""
        rs = self.refs(addr, label)
        if len(rs) != 1:
            raise AssertionError("block %#x has %d references labeled %r: %r"
                                 % (addr, len(rs), label, self.blocks[addr]["refs"][:20]))
        return rs[0]["to"]

    def attr(self, addr, name):
        """The value of instance attribute `name` of `addr`: its reference
        so labeled, through the instance's own __dict__ on 3.10."""
        if OWN_DICT and not self.refs(addr, name):
            return self.child(self.child(addr, "__dict__"), name)
        return self.child(addr, name)

    def referrers(self, addr, kind=STRONG):
        if self._rev is None:
            self._rev = {}
            for b in self.blocks.values():
                for r in b["refs"]:
                    self._rev.setdefault(r["to"], []).append((b["addr"], r))
        return [(a, r) for a, r in self._rev.get(addr, []) if kind is None or r["kind"] == kind]

    def roots_of(self, addr):
        return [r for r in self.roots if r["addr"] == addr]

    def root_named(self, name, kind=None):
        rs = [r for r in self.roots if r["name"] == name and (kind is None or r["root_kind"] == kind)]
        if not rs:
            raise AssertionError("no root named %r" % name)
        return rs[0]["addr"]

    def reachable(self, exclude=(), roots=None):
        """Blocks reachable from the roots over strong references, never
        entering `exclude`."""
        exclude = set(exclude)
        todo = [r["addr"] for r in (self.roots if roots is None else roots) if r["addr"] not in exclude]
        seen = set(todo)
        while todo:
            a = todo.pop()
            b = self.blocks.get(a)
            if not b:
                continue
            for r in b["refs"]:
                t = r["to"]
                if r["kind"] == STRONG and t not in seen and t not in exclude:
                    seen.add(t)
                    todo.append(t)
        return seen

    def retained(self, addr):
        """Blocks that become unreachable without `addr` (its retained set)."""
        full = self.reachable()
        return (full - self.reachable(exclude=[addr])) | {addr}

    def size(self, addrs):
        return sum(self.blocks[a]["size"] for a in addrs if a in self.blocks)


# Prepended to a child's source when it asks for report(): writes its
# argument as JSON to the side file $HS_REPORT (call it after the dump).
REPORT_PRELUDE = """\
def report(obj):
    import json as _json, os as _os
    with open(_os.environ["HS_REPORT"], "w") as _f:
        _json.dump(obj, _f)
"""


def child(test, source, *args, values=None, expect_status=0, env=None, files=None):
    """Run `source` (dedented) as a program with the dump path as argv[1];
    `files` maps extra file names (modules it imports) to their sources,
    written next to it. Return (Snapshot, info, the dump path): info is what
    the program passed to report() (the side file), else the JSON it printed
    on its last stdout line, else None."""
    d = tempfile.mkdtemp(prefix="hspy-")
    test.addCleanup(lambda: subprocess.run(["rm", "-rf", d]))
    prog = os.path.join(d, "prog.py")
    out = os.path.join(d, "out.hsnap")
    side = os.path.join(d, "report.json")
    source = textwrap.dedent(source)
    if "report(" in source:
        source = REPORT_PRELUDE + source
    with open(prog, "w") as f:
        f.write(source)
    for name, text in (files or {}).items():
        with open(os.path.join(d, name), "w") as f:
            f.write(textwrap.dedent(text))
    e = dict(os.environ)
    e.update(env or {})
    e["HS_REPORT"] = side
    p = subprocess.run([PYTHON, prog, out] + list(args), capture_output=True, text=True, env=e, timeout=240)
    if p.returncode != expect_status:
        raise AssertionError("child exited %d\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout, p.stderr))
    if os.path.exists(side):
        with open(side) as f:
            info = json.load(f)
    else:
        info = json.loads(p.stdout.strip().splitlines()[-1]) if p.stdout.strip() else None
    return decode(out), info, out


def analyze(command, path, *options, at=None):
    """Run `heapsnap <command> --json <options> <path> [<at>]` (the analyzer
    CLI, HEAPSNAP; `at` an address, int or "0x…") and return its parsed JSON;
    any exit status but 0 fails."""
    if not HEAPSNAP:
        raise unittest.SkipTest("HEAPSNAP not set (run through ctest)")
    cmd = [HEAPSNAP, command, "--json"] + [str(o) for o in options] + [path]
    if at is not None:
        cmd.append(at if isinstance(at, str) else hex(at))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        raise AssertionError("%s exited %d\nstderr:\n%s" % (" ".join(cmd), p.returncode, p.stderr))
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise AssertionError("%s printed no JSON (%s):\n%s" % (" ".join(cmd), e, p.stdout[:2000]))


def addr(x):
    """An address from the analyzer's JSON ("0x7f…") or from id() as an int."""
    return int(x, 16) if isinstance(x, str) else x


def decode(path):
    if not HSJSON:
        raise unittest.SkipTest("HSJSON not set (run through ctest)")
    p = subprocess.run([HSJSON, path], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError("hsjson failed: %s" % p.stderr)
    return Snapshot(p.stdout.splitlines())
