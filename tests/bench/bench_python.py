# SPDX-License-Identifier: MIT
"""tests/bench/bench_python.py — benchmark of heapsnap.dump() (not a timed
test): builds a synthetic heap of about N objects (records with a str, an
int and a small list each, under one list), dumps it R times and prints the
medians of objects/s, pause seconds, file bytes/object and extra peak memory
(VmHWM after the dump minus VmRSS before it, the peak reset through
/proc/self/clear_refs), next to a pure-Python gc.get_objects() +
gc.get_referents() walk of the same heap.

    PYTHONPATH=build-py/python /usr/bin/python3 tests/bench/bench_python.py [N ...] [--runs R] [--no-python-walk]
    PYTHONPATH=build-py/python /usr/bin/python3 tests/bench/bench_python.py --real [N] [--runs R]
    (either: --threads T, zstd worker threads of the dump, default 1)
    /usr/bin/python3 tests/bench/bench_python.py --versions --real [--runs R]

--versions runs the benchmark (with the other arguments) once per
supported CPython family it finds (Debian's python3, pyenv's 3.10-3.13),
each with the repository's build*/python holding the extension for that
family, prints each one's figures under a line naming the interpreter and
the build, and ends with the families that ran and those that did not
(no interpreter, no build) — never a silent skip.

--real builds an application-like heap of about N objects (default
700000) instead, from Debian's python3-numpy, python3-pandas, python3-sympy
and python3-sqlalchemy (scripts/deps.sh): a pandas frame with object
columns, sympy expressions, SQLAlchemy tables, ORM classes and a session
full of instances, plus the modules they import. On an interpreter other
than Debian's python3, the pure-Python ones (sympy, mpmath, SQLAlchemy) are
taken from /usr/lib/python3/dist-packages through a directory of links, and
numpy and pandas (built for Debian's 3.11) are left out and a heap of
the standard library's objects takes their place (stdlib_heap: modules,
dataclass and __slots__ instances, closures, parsed JSON and XML, email
messages, big dicts of str); the first output line names what the heap
holds.

Targets (docs/python.md#performance): >= 2M objects/s, <= 6 bytes/object on
disk (values off), <= 24 bytes/object extra peak memory."""

import gc
import os
import statistics
import sys
import tempfile
import time

heapsnap = None  # imported by main(): --versions runs without it


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
    t, c, pc = time.perf_counter(), time.thread_time(), time.process_time()
    out = fn()
    dt, dc = time.perf_counter() - t, time.thread_time() - c
    measure.cpu = dc  # CPU seconds of the calling (dumping) thread: what the pause is on an idle core
    measure.all_cpu = time.process_time() - pc  # every thread: the walk and the zstd workers
    return out, dt, max(0, status("VmHWM") - rss)


DIST = "/usr/lib/python3/dist-packages"


def import_real():
    """Import what the real heap is made of; return the names that loaded."""
    if sys.version_info[:2] != (3, 11) or not sys.executable.startswith("/usr/bin/"):
        links = tempfile.mkdtemp(prefix="hsbench-pkgs-")
        for name in ("sympy", "mpmath", "sqlalchemy"):
            if os.path.isdir(os.path.join(DIST, name)):
                os.symlink(os.path.join(DIST, name), os.path.join(links, name))
        sys.path.append(links)
    elif DIST not in sys.path:
        sys.path.append(DIST)
    got = []
    for name in ("numpy", "pandas", "sympy", "sqlalchemy"):
        try:
            __import__(name)
            got.append(name)
        except ImportError:
            pass
    return got


def real_heap(n, got):
    """An application-like heap of about n objects (whole process)."""
    keep = []
    scale = max(1, n // 7000)
    if "pandas" in got:
        import numpy
        import pandas
        rows = 40 * scale
        keep.append(pandas.DataFrame({"name": ["row-%d" % i for i in range(rows)],
                                      "value": numpy.arange(rows, dtype=float),
                                      "meta": [{"id": i, "tags": ["t%d" % (i % 7)]} for i in range(rows)]}))
        keep.append([numpy.arange(i % 50 + 1) for i in range(4 * scale)])
    if "sympy" in got:
        import sympy
        xs = sympy.symbols("x0:%d" % 20)
        keep.append([sympy.expand((xs[i % 20] + xs[(i + 3) % 20] + i) ** 3) for i in range(scale)])
    if "sqlalchemy" in got:
        import sqlalchemy as sa
        from sqlalchemy import orm
        base = orm.declarative_base()
        classes = []
        for t in range(20):
            classes.append(type("Model%d" % t, (base,), {
                "__tablename__": "model_%d" % t, "id": sa.Column(sa.Integer, primary_key=True),
                "name": sa.Column(sa.String(50)), "score": sa.Column(sa.Float)}))
        orm.configure_mappers()
        objs = [classes[i % 20](id=i, name="n%d" % i, score=i / 3) for i in range(10 * scale)]
        keep.append((base, classes, objs))
    if "pandas" not in got:
        keep.append(stdlib_heap(scale))
        got.append("stdlib (in place of numpy + pandas)")
    keep.append([Rec(i) for i in range(scale)])
    return keep


class Slotted:
    __slots__ = ("key", "parts", "weight")

    def __init__(self, i):
        self.key = "k%06d" % i
        self.parts = (i, str(i), float(i))
        self.weight = i / 7


def stdlib_heap(scale):
    """Where numpy and pandas do not load (any interpreter but Debian's
    python3), an application-like heap from the standard library instead:
    many modules imported, instances with a __dict__ and with __slots__,
    dataclasses, closures, parsed JSON and XML, email messages, Decimals,
    big dicts of str."""
    import argparse, asyncio, collections, csv, dataclasses, datetime, decimal, email.message, email.parser  # noqa: E401
    import fractions, http.client, inspect, io, ipaddress, json, logging, pathlib, pickle, re, sqlite3, statistics  # noqa: E401,F401
    import textwrap, typing, unittest, urllib.parse, uuid, xml.dom.minidom, xml.etree.ElementTree as ET, zipfile  # noqa: E401,F401

    @dataclasses.dataclass
    class Order:
        id: int
        customer: str
        when: datetime.date
        total: decimal.Decimal
        lines: list

    def make_handler(i, table):
        prefix = "h%d" % i
        def handler(x):
            return table.get(prefix + x)
        return handler

    n = 100 * scale
    keep = []
    table = {"key-%d" % i: "value-%d" % i for i in range(n)}
    keep.append(table)
    keep.append([Order(i, "cust-%d" % (i % 97), datetime.date(2020, 1, 1 + i % 28), decimal.Decimal(i) / 100,
                       [("sku-%d" % j, j) for j in range(i % 4)]) for i in range(n // 2)])
    keep.append([Slotted(i) for i in range(n // 2)])
    keep.append([make_handler(i, table) for i in range(n // 10)])
    doc = {"items": [{"id": i, "name": "item %d" % i, "tags": ["a", "b", str(i % 5)], "price": i * 1.5}
                     for i in range(n // 4)]}
    keep.append(json.loads(json.dumps(doc)))
    root = ET.fromstring("<r>" + "".join('<e id="%d"><v>%d</v></e>' % (i, i) for i in range(n // 20)) + "</r>")
    keep.append(root)
    msgs = []
    for i in range(n // 100):
        m = email.message.EmailMessage()
        m["Subject"] = "message %d" % i
        m["From"] = "a%d@example.com" % i
        m.set_content("body %d\n" % i)
        msgs.append(email.parser.Parser().parsestr(m.as_string()))
    keep.append(msgs)
    keep.append(collections.OrderedDict((str(uuid.UUID(int=i)), fractions.Fraction(i, 7)) for i in range(n // 10)))
    keep.append(asyncio.new_event_loop())
    return keep


def bench(n, runs, pywalk, real=False, threads=1):
    if real:
        got = import_real()
        heap = real_heap(n, got)
        print("real heap: CPython %s, %s; %d GC-tracked objects" % (sys.version.split()[0], " + ".join(got) or "no packages",
                                                                    len(gc.get_objects())))
    else:
        heap = [Rec(i) for i in range(n // 4)]
    gc.collect()
    gc.disable()  # keep collections out of the timings
    d = tempfile.mkdtemp(prefix="hsbench-")
    path = os.path.join(d, "b.hsnap")
    rows = []
    for _ in range(runs):
        r, dt, extra = measure(lambda: heapsnap.dump(path, fsync=False, threads=threads))
        size = os.path.getsize(path)
        rows.append((r.objects / r.seconds, r.seconds, size / r.objects, extra / r.objects, r.objects, dt,
                     r.extra_bytes / r.objects, measure.cpu, measure.all_cpu))
        os.unlink(path)
    os.rmdir(d)
    med = [statistics.median(c) for c in zip(*rows)]
    # RSS peaks: glibc keeps freed tables resident after the first run, so
    # the first (cold) run is the honest one; the walker's own count is exact.
    print("heapsnap.dump  N=%-9d objects=%-9d %6.2fM objects/s  pause %.3fs  total %.3fs  %.2f bytes/object on disk"
          "  extra peak %.1f bytes/object (RSS, first run), walker tables %.1f bytes/object"
          % (n, med[4], med[0] / 1e6, med[1], med[5], med[2], rows[0][3], med[6]))
    # the wall pause includes waiting for a CPU on a loaded machine; the
    # dumping thread's CPU time is the pause on an idle core
    print("               dumping thread CPU %.3fs = %.2fM objects/s of CPU (threads=%d, load average %.1f);"
          " all threads %.3fs" % (med[7], med[4] / med[7] / 1e6, threads, os.getloadavg()[0], med[8]))
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


FAMILIES = ("3.10", "3.11", "3.12", "3.13")


def interpreters():
    """(family, interpreter, build's python dir or None) for each supported
    family found: Debian's python3 for its own family, pyenv's newest of
    each family; the build is the first build*/python of the repository
    holding an extension for that family (as scripts/test.sh makes them)."""
    import glob
    import subprocess
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found = {}
    try:
        debian = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                capture_output=True, text=True).stdout.strip()
        if debian in FAMILIES:
            found[debian] = "/usr/bin/python3"
    except OSError:
        pass
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
    except OSError:
        root = ""
    for fam in FAMILIES:
        if root and fam not in found:
            exes = sorted(glob.glob(os.path.join(root, "versions", fam + ".*", "bin", "python" + fam)),
                          key=lambda e: [int(x) for x in e.split("/versions/")[1].split("/")[0].split(".")[:3]
                                         if x.isdigit()])
            if exes:
                found[fam] = exes[-1]
    out = []
    for fam in FAMILIES:
        exe = found.get(fam)
        tag = "cpython-%s-" % fam.replace(".", "")
        builds = sorted(glob.glob(os.path.join(repo, "build*", "python", "heapsnap", "_heapsnap.%s*.so" % tag)))
        # the plain build/ first: it is Debian's python3 in the house build
        builds.sort(key=lambda b: (os.path.basename(os.path.dirname(os.path.dirname(os.path.dirname(b)))) != "build", b))
        out.append((fam, exe, os.path.dirname(os.path.dirname(builds[0])) if builds else None))
    return out


def all_versions(argv):
    """--versions: run this benchmark once per supported interpreter found,
    each with its own build, and say which ran and which could not."""
    import subprocess
    ran, missing = [], []
    for fam, exe, build in interpreters():
        if not exe or not build:
            missing.append("%s (%s)" % (fam, "no interpreter" if not exe else "no build of the extension"))
            continue
        print("== CPython %s: %s, extension from %s" % (fam, exe, build), flush=True)
        env = dict(os.environ, PYTHONPATH=build)
        rc = subprocess.run([exe, os.path.abspath(__file__)] + argv, env=env).returncode
        (ran if rc == 0 else missing).append(fam if rc == 0 else "%s (failed: exit %d)" % (fam, rc))
    print("interpreters that ran: %s; not run: %s" % (", ".join(ran) or "none", ", ".join(missing) or "none"))
    return 0 if ran else 1


def main(argv):
    if "--versions" in argv:
        return all_versions([a for a in argv if a != "--versions"])
    global heapsnap
    import heapsnap
    runs, pywalk, sizes, real, threads = 3, True, [], False, 1
    i = 0
    while i < len(argv):
        if argv[i] in ("--runs", "--threads"):
            if argv[i] == "--runs":
                runs = int(argv[i + 1])
            else:
                threads = int(argv[i + 1])
            i += 2
            continue
        if argv[i] == "--no-python-walk":
            pywalk = False
        elif argv[i] == "--real":
            real = True
        else:
            sizes.append(int(float(argv[i])))
        i += 1
    for n in sizes or ([700_000] if real else [1_000_000, 5_000_000]):
        bench(n, runs, pywalk, real, threads)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
