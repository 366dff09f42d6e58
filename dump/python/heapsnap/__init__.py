# SPDX-License-Identifier: MIT
"""heapsnap — heap snapshots of a running CPython 3.11 process.

dump/python/heapsnap/__init__.py — the Python face of the C walker
(heapsnap._heapsnap): dump(), dump_on_signal() and the DumpResult they
return. ``python -m heapsnap run`` lives in __main__.py. See docs/python.md.

    import heapsnap
    r = heapsnap.dump("app.hsnap")       # every live object, GIL held
    print(r.objects, r.seconds)
"""

import os
import sys
import time

from . import _heapsnap
from .compare import compare

__all__ = ["dump", "dump_on_signal", "DumpResult", "enable_postmortem", "watch", "compare", "load"]
__version__ = "0.1.0"


class DumpResult:
    """What a dump wrote: `path`, `objects` (blocks), `references`,
    `bytes` (total shallow size), `roots`, `external` (objects held from
    outside the visible graph), `seconds` (GIL held, the pause) and
    `total_seconds` (including committing the file), `orphans` (objects
    found only through an allocation table: held by C code only,
    docs/python.md#orphans), `orphans_from` (the tables searched, e.g.
    "track,tracemalloc,arenas"; "" for none), `orphans_seconds` (of the
    pause, the time spent searching them) and `orphans_arenas_skipped` (why
    arenas=True could not be honoured, or None)."""

    __slots__ = ("path", "objects", "references", "bytes", "roots", "external",
                 "overcounted", "extra_bytes", "seconds", "total_seconds", "orphans",
                 "orphans_from", "orphans_seconds", "orphans_arenas_skipped")

    def __init__(self, raw):
        for k in self.__slots__:
            setattr(self, k, raw.get(k))
        self.path = os.fsdecode(raw["path"])

    def __repr__(self):
        return ("DumpResult(path=%r, objects=%d, references=%d, bytes=%d, seconds=%.3f)"
                % (self.path, self.objects, self.references, self.bytes, self.seconds))


def _tracing():
    tm = sys.modules.get("tracemalloc")
    return bool(tm is not None and tm.is_tracing())


def dump(path, *, values=False, tracebacks=None, collect=False, level=3, fsync=True, tags=None, threads=1,
         arenas=False):
    """Write a snapshot of every live object of this interpreter to `path`.

    values      add short previews of str, bytes, int and float objects and
                label dict entries by any str key (default: no contents)
    tracebacks  record tracemalloc allocation sites; None means "if
                tracemalloc is tracing"
    collect     run gc.collect() first (default: the heap is left as it is)
    level       zstd level
    fsync       fsync the file before renaming it into place
    tags        extra header tags, a dict of str to str; `trigger` defaults
                to "manual" (see docs/python.md#triggers)
    threads     zstd worker threads compressing while the walk goes on
                (0: the walking thread compresses; about twice its CPU
                time on real heaps, and a few MiB less memory)
    arenas      also search every live block of pymalloc's arenas for
                objects held by C code only, with no tracking (on 3.10
                and 3.11 the arena table is found by its shape; see
                docs/python.md#orphans)

    The walk holds the GIL and runs no Python code. Safe to call from pdb.
    Returns a DumpResult."""
    if tracebacks is None:
        tracebacks = _tracing()
    tags = dict(tags or {})
    tags.setdefault("trigger", "manual")
    raw = _heapsnap.dump(os.fspath(path), values=bool(values), tracebacks=bool(tracebacks),
                         collect=bool(collect), level=int(level), fsync=bool(fsync), tags=tags,
                         threads=int(threads), arenas=bool(arenas))
    return DumpResult(raw)


def _expand(template, n):
    from .postmortem import fill_template  # only {pid}, {n}, {time}: never str.format

    return fill_template(template, pid=os.getpid(), n=n, time=time.strftime("%Y%m%d-%H%M%S"))


def dump_on_signal(signum, path_template="heapsnap-{pid}-{n}.hsnap", **options):
    """Dump each time `signum` arrives (e.g. signal.SIGUSR1), to
    `path_template` with {pid}, {n} (1, 2, ...) and {time} filled in; the
    other keyword arguments go to dump(). A failing dump is reported on
    stderr and never raised into the interrupted code. Must be called from
    the main thread. Returns the previous handler."""
    import signal

    _expand(path_template, 0)  # reject a bad template now, not at the signal
    count = [0]

    def handler(sig, frame):
        count[0] += 1
        path = _expand(path_template, count[0])
        try:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = str(sig)
            tags = dict(options.get("tags") or {}, trigger="signal", signal=name)
            r = dump(path, **dict(options, tags=tags))
            print("heapsnap: wrote %s (%d objects, %.2fs pause)" % (r.path, r.objects, r.seconds),
                  file=sys.stderr)
        except Exception as e:  # a service must survive a failed dump
            print("heapsnap: dump to %r failed: %s" % (path, e), file=sys.stderr)

    return signal.signal(signum, handler)


def track():
    """Record live object blocks (addresses and sizes, no tracebacks) from
    now on, so that a dump also finds objects held by C code only (a
    reference an extension never released). See docs/python.md#orphans."""
    _heapsnap.track()


def untrack():
    """Stop track() and forget what it recorded."""
    _heapsnap.untrack()


def tracking():
    """Whether track() is on."""
    return _heapsnap.tracking()


if os.environ.get("HEAPSNAP_TRACK") == "1":
    track()

from .postmortem import enable_postmortem  # noqa: E402  (post-mortem triggers, docs/python.md#postmortem)
from .watch import watch  # noqa: E402  (a dump series, docs/python.md#postmortem)


def load(path):
    """Load a snapshot into the analyzer: a heapsnap.Snapshot with top(),
    summary(), block(), path(), diff() and iteration over its blocks
    (heapsnap._analyze, built from analyze/py/; docs/python.md#analysing-a-dump-from-python)."""
    try:
        from . import _analyze
    except ImportError as e:
        raise ImportError("heapsnap.load needs the analyzer extension heapsnap._analyze, which this install "
                          "lacks (%s); build with -DHS_PYTHON=ON or pip install the repository" % e) from e
    return _analyze.load(path)
