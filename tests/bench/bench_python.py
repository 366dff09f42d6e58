# SPDX-License-Identifier: MIT
"""tests/bench/bench_python.py — benchmark of heapsnap.dump() (not a timed
test): builds a synthetic heap of about N objects (records with a str, an
int and a small list each, under one list), dumps it R times and prints the
medians of objects/s, pause seconds, file bytes/object and extra peak memory
(VmHWM after the dump minus VmRSS before it, the peak reset through
/proc/self/clear_refs), next to a pure-Python gc.get_objects() +
gc.get_referents() walk of the same heap.

    PYTHONPATH=build-py/python /usr/bin/python3 tests/bench/bench_python.py [N ...] [--runs R] [--no-python-walk]

Targets (docs/python.md#performance): >= 2M objects/s, <= 6 bytes/object on
disk (values off), <= 24 bytes/object extra peak memory."""

import gc
import os
import statistics
import sys
import tempfile
import time

import heapsnap


class Rec:
    def __init__(self, i):
        self.name = "rec-%d" % i
        self.value = i * 1000 + 7
        self.tags = [i]


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def python_walk():
    seen = set()
    n = 0
    stack = gc.get_objects()
    mine = (id(seen), id(stack))  # the walk's own containers stay out of it
    for o in stack:
        seen.add(id(o))
    while stack:
        o = stack.pop()
        if id(o) in mine:
            continue
        n += 1
        for r in gc.get_referents(o):
            if id(r) not in seen:
                seen.add(id(r))
                stack.append(r)
    return n


def measure(fn):
    reset_peak()
    rss = status("VmRSS")
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    return out, dt, max(0, status("VmHWM") - rss)


def bench(n, runs, pywalk):
    heap = [Rec(i) for i in range(n // 4)]
    gc.collect()
    gc.disable()  # keep collections out of the timings
    d = tempfile.mkdtemp(prefix="hsbench-")
    path = os.path.join(d, "b.hsnap")
    rows = []
    for _ in range(runs):
        r, dt, extra = measure(lambda: heapsnap.dump(path, fsync=False))
        size = os.path.getsize(path)
        rows.append((r.objects / r.seconds, r.seconds, size / r.objects, extra / r.objects, r.objects, dt,
                     r.extra_bytes / r.objects))
        os.unlink(path)
    os.rmdir(d)
    med = [statistics.median(c) for c in zip(*rows)]
    # RSS peaks: glibc keeps freed tables resident after the first run, so
    # the first (cold) run is the honest one; the walker's own count is exact.
    print("heapsnap.dump  N=%-9d objects=%-9d %6.2fM objects/s  pause %.3fs  total %.3fs  %.2f bytes/object on disk"
          "  extra peak %.1f bytes/object (RSS, first run), walker tables %.1f bytes/object"
          % (n, med[4], med[0] / 1e6, med[1], med[5], med[2], rows[0][3], med[6]))
    if pywalk:
        prow = []
        for _ in range(max(1, runs // 2)):
            cnt, dt, extra = measure(python_walk)
            prow.append((cnt / dt, dt, extra / cnt, cnt))
        pm = [statistics.median(c) for c in zip(*prow)]
        print("python walk    N=%-9d objects=%-9d %6.2fM objects/s  pause %.3fs  %.1f bytes/object extra peak"
              % (n, pm[3], pm[0] / 1e6, pm[1], pm[2]))
    gc.enable()
    del heap
    gc.collect()


def main(argv):
    runs, pywalk, sizes = 3, True, []
    i = 0
    while i < len(argv):
        if argv[i] == "--runs":
            runs = int(argv[i + 1])
            i += 2
            continue
        if argv[i] == "--no-python-walk":
            pywalk = False
        else:
            sizes.append(int(float(argv[i])))
        i += 1
    for n in sizes or [1_000_000, 5_000_000]:
        bench(n, runs, pywalk)


if __name__ == "__main__":
    main(sys.argv[1:])
