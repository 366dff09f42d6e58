# SPDX-License-Identifier: MIT
"""tests/bench/bench_orphans.py — what the orphan search without tracking
costs a dump (docs/python.md#orphans): a fresh child per run builds a heap
of about N objects (records of a str, an int and a small list under one
list) and dumps it once (threads=0: the walking thread also compresses), under one mode; the modes alternate run by run:

    plain        dump()                      the default
    arenas       dump(arenas=True)           plus every live block of pymalloc's arenas
    tm           tracemalloc traced the heap's making; dump(tracebacks=False): its table
                 is read and checked
    anchor       dump() with the extension of --anchor DIR (main's build), when given

Prints the median pause (GIL held, wall) and CPU seconds of the dump call,
each mode's ratios to plain, the part of the pause spent searching the
tables (DumpResult.orphans_seconds), and the orphans found.

Usage: PYTHONPATH=build-py312/python python3.12 tests/bench/bench_orphans.py [--runs R] [--n N] [--anchor DIR]"""

import argparse
import json
import os
import statistics
import subprocess
import sys

CHILD = r"""
import os, sys, time
mode, n = sys.argv[1], int(sys.argv[2])
if mode.startswith("tm"):
    import tracemalloc; tracemalloc.start(1)
import heapsnap

class Rec:
    def __init__(self, i):
        self.name = "rec-%d" % i
        self.n = i * 7919
        self.tags = [i, i + 1]

heap = [Rec(i) for i in range(n // 6)]  # about 6 objects a record with the interpreter's own
path = sys.argv[3]
c0 = time.process_time()
kw = {"arenas": True} if mode == "arenas" else {}   # main's dump() has no such keyword
r = heapsnap.dump(path, tracebacks=False, fsync=False, threads=0, **kw)  # one thread: CPU = pause
cpu = time.process_time() - c0
os.unlink(path)
print('{"pause": %f, "cpu": %f, "search": %f, "objects": %d, "orphans": %d, "from": "%s"}'
      % (r.seconds, cpu, getattr(r, "orphans_seconds", None) or 0.0, r.objects, r.orphans,
         getattr(r, "orphans_from", "")))
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--n", type=int, default=500_000)
    ap.add_argument("--anchor", help="a build directory whose python/ holds main's extension")
    a = ap.parse_args()
    modes = ["plain", "arenas", "tm"] + (["anchor"] if a.anchor else [])
    got = {m: [] for m in modes}
    out = "/tmp/bench_orphans-%d.hsnap" % os.getpid()
    for _ in range(a.runs):
        for m in modes:
            env = dict(os.environ)
            if m == "anchor":
                env["PYTHONPATH"] = os.path.join(a.anchor, "python")
            p = subprocess.run([sys.executable, "-c", CHILD, "plain" if m == "anchor" else m, str(a.n), out],
                               capture_output=True, text=True, check=True, env=env)
            got[m].append(json.loads(p.stdout.strip().splitlines()[-1]))
    med = {m: {k: statistics.median(r[k] for r in got[m]) for k in ("pause", "cpu", "search", "objects", "orphans")}
           for m in modes}
    base = med["plain"]
    print("%s, heap of about %d objects, median of %d runs (modes alternating)"
          % (sys.version.split()[0], a.n, a.runs))
    print("%-11s %9s %9s %8s %8s %9s %9s %8s  %s" % ("mode", "pause s", "cpu s", "pause x", "cpu x", "search s",
                                                      "objects", "orphans", "tables"))
    for m in modes:
        r = med[m]
        print("%-11s %9.3f %9.3f %8.2f %8.2f %9.4f %9d %8d  %s"
              % (m, r["pause"], r["cpu"], r["pause"] / base["pause"], r["cpu"] / base["cpu"], r["search"],
                 r["objects"], r["orphans"], got[m][0].get("from") or "-"))


if __name__ == "__main__":
    main()
