# SPDX-License-Identifier: MIT
"""tests/bench/bench_track.py — what heapsnap.track() costs an allocating
program, beside tracemalloc (docs/python.md#orphans). Each run is a fresh
child process doing a pyperformance-style allocation loop (small tuples,
dicts, str, lists, instances, made and dropped) under one mode; the modes
alternate run by run: off, tracemalloc.start(1), heapsnap.track(). Prints
the median CPU and wall seconds of each mode and their ratios to off.

Usage: PYTHONPATH=build/python python3 tests/bench/bench_track.py [runs] [n]"""

import json
import statistics
import subprocess
import sys

CHILD = r"""
import sys, time
mode, n = sys.argv[1], int(sys.argv[2])
if mode == "tracemalloc":
    import tracemalloc; tracemalloc.start(1)
elif mode == "track":
    import heapsnap; heapsnap.track()

class P:
    __slots__ = ("x", "y")
    def __init__(self, x, y): self.x = x; self.y = y

def work(n):
    keep = []
    for i in range(n):
        t = (i, i + 1, str(i))
        d = {"a": t, "b": [i, i * 2.5]}
        p = P(d, "k%d" % i)
        keep.append(p)
        if len(keep) > 1000:
            keep = keep[500:]
    return len(keep)

c0, w0 = time.process_time(), time.perf_counter()
work(n)
print('{"cpu": %f, "wall": %f}' % (time.process_time() - c0, time.perf_counter() - w0))
"""


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    modes = ["off", "tracemalloc", "track"]
    got = {m: {"cpu": [], "wall": []} for m in modes}
    for _ in range(runs):
        for m in modes:
            p = subprocess.run([sys.executable, "-c", CHILD, m, str(n)], capture_output=True, text=True, check=True)
            r = json.loads(p.stdout.strip().splitlines()[-1])
            got[m]["cpu"].append(r["cpu"])
            got[m]["wall"].append(r["wall"])
    base = {k: statistics.median(got["off"][k]) for k in ("cpu", "wall")}
    print("%s, %d iterations, median of %d runs (alternating)" % (sys.version.split()[0], n, runs))
    print("%-12s %9s %9s %8s %8s" % ("mode", "cpu s", "wall s", "cpu x", "wall x"))
    for m in modes:
        cpu, wall = statistics.median(got[m]["cpu"]), statistics.median(got[m]["wall"])
        print("%-12s %9.3f %9.3f %8.2f %8.2f" % (m, cpu, wall, cpu / base["cpu"], wall / base["wall"]))


if __name__ == "__main__":
    main()
