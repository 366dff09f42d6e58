# SPDX-License-Identifier: MIT
"""dump/python/heapsnap/postmortem.py — post-mortem dumps: when a MemoryError
goes uncaught (any thread), when resident memory crosses a limit (a watchdog
thread that asks the main thread through a pending call), and at exit.
Entry points: enable_postmortem(), enable_from_env() (the HEAPSNAP_POSTMORTEM
environment variable, read by ``python -m heapsnap run`` and by a
sitecustomize hook), PostMortem.disable(). The shared helpers (rss(),
parse_size(), expand(), request_in_main()) serve watch.py too.
See docs/python.md#postmortem.

Each dump's header carries ``trigger`` (memory-error, threshold, exit) and,
where it applies, ``rss`` and ``rss_limit`` in bytes and ``thread``.

Out of memory. The dump needs C memory (visited set, stacks, the writer's
compressor and buffers). enable_postmortem() takes ``reserve`` bytes of
address space up front (heapsnap._heapsnap.reserve, never touched, so not
resident) and releases it first thing in the MemoryError hook; the dump then
runs with partial_ok, so a walk that still runs short commits what it wrote
with the end tag ``partial=out-of-memory`` instead of failing.
"""

import os
import re
import sys
import threading
import time

from . import _heapsnap

__all__ = ["enable_postmortem", "enable_from_env", "PostMortem", "ENV_PATH", "ENV_OPTIONS"]

ENV_PATH = "HEAPSNAP_POSTMORTEM"
ENV_OPTIONS = "HEAPSNAP_POSTMORTEM_OPTIONS"

_PAGE = os.sysconf("SC_PAGE_SIZE")
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def rss():
    """Resident set size of this process in bytes, from /proc/self/statm
    (0 where procfs is missing)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def parse_size(v):
    """Bytes from an int or a str such as "512M", "1.5G", "4096" (K, M, G,
    T are powers of 1024; a trailing "B"/"iB" is allowed)."""
    if v is None:
        return None
    if isinstance(v, int) and not isinstance(v, bool):
        n = v
    else:
        s = str(v).strip().upper()
        for suffix in ("IB", "B"):
            if s.endswith(suffix) and len(s) > len(suffix):
                s = s[: -len(suffix)]
                break
        unit = s[-1:] if s[-1:] in _UNITS and s[-1:] else ""
        try:
            n = int(float(s[: len(s) - len(unit)]) * _UNITS[unit])
        except ValueError:
            raise ValueError("heapsnap: not a size: %r (e.g. 512M, 2G)" % (v,)) from None
    if n < 0:
        raise ValueError("heapsnap: a size cannot be negative: %r" % (v,))
    return n


_TEMPLATE_PART = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def fill_template(template, **fields):
    """`template` with each {name} replaced by str(fields[name]) and {{, }}
    as literal braces. Only the names given are fields: no attribute, index
    or format spec, so {pid.__class__} is an error, not an evaluation (as
    str.format would do it)."""

    def part(m):
        t = m.group(0)
        if t in ("{{", "}}"):
            return t[0]
        name = m.group(1)
        if name is None:
            raise ValueError("heapsnap: unmatched %r in path template %r" % (t, template))
        if name not in fields:
            raise ValueError("heapsnap: unknown field {%s} in path template %r (fields: %s)"
                             % (name, template, ", ".join("{%s}" % f for f in fields)))
        return str(fields[name])

    return _TEMPLATE_PART.sub(part, template)


def expand(template, n, trigger):
    """The path for dump number `n`: {pid}, {n}, {time} (YYYYmmdd-HHMMSS)
    and {trigger} filled in."""
    return fill_template(template, pid=os.getpid(), n=n, time=time.strftime("%Y%m%d-%H%M%S"), trigger=trigger)


def _say(quiet, msg):
    if not quiet:
        try:
            print("heapsnap: " + msg, file=sys.stderr, flush=True)
        except Exception:
            pass


class _Request:
    """One dump asked of the main thread; whoever claims it first runs it
    (the pending call, or the asking thread after `grace` seconds)."""

    def __init__(self, fn):
        self.fn = fn
        self.lock = threading.Lock()
        self.claimed = False
        self.done = threading.Event()

    def run(self):
        with self.lock:
            if self.claimed:
                return
            self.claimed = True
        try:
            self.fn()
        finally:
            self.done.set()


def request_in_main(fn, grace, stop=None):
    """From a background thread: run fn() in the main thread through a
    pending call and wait for it. If the main thread has not run it within
    `grace` seconds (it is blocked in C: a join, a long sleep, a socket
    wait), run it here instead; the walk is safe from any thread. Returns
    where it ran: "main" or "thread"."""
    req = _Request(fn)
    try:
        _heapsnap.pending_call(req.run)
    except RuntimeError:  # the queue of pending calls is full
        pass
    if req.done.wait(grace):
        return "main"
    with req.lock:
        mine = not req.claimed
        req.claimed = True
    if mine:
        try:
            fn()
        finally:
            req.done.set()
        return "thread"
    req.done.wait()  # the main thread took it meanwhile
    return "main"


def _join(thread, timeout=None):
    """Join `thread` in short slices: between them the main thread runs
    bytecode, so a dump that thread asked of it (a pending call) can run
    instead of waiting for the grace period."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while thread.is_alive() and (deadline is None or time.monotonic() < deadline):
        thread.join(0.05)


def _dump_raw(path, tags, partial_ok, options):
    tm = sys.modules.get("tracemalloc")
    tb = options.get("tracebacks")
    if tb is None:
        tb = bool(tm is not None and tm.is_tracing())
    return _heapsnap.dump(os.fspath(path), values=bool(options.get("values", False)), tracebacks=bool(tb),
                          collect=False, level=int(options.get("level", 3)),
                          fsync=bool(options.get("fsync", True)), tags=tags, partial_ok=partial_ok)


class PostMortem:
    """The active post-mortem triggers (from enable_postmortem()). Read-only
    figures: `paths` (files written, in order), `samples` (watchdog RSS
    samples taken), `next_limit` (the RSS that triggers the next threshold
    dump, None without rss_limit), `busy` (a threshold dump is asked for or
    running). disable() removes every hook."""

    def __init__(self, path_template, on_memory_error, rss_limit, rss_factor, interval, at_exit,
                 max_dumps, reserve, grace, quiet, dump_options):
        self.path_template = path_template
        self.on_memory_error = on_memory_error
        self.rss_limit = rss_limit
        self.rss_factor = rss_factor
        self.interval = interval
        self.at_exit = at_exit
        self.max_dumps = max_dumps
        self.reserve = reserve
        self.grace = grace
        self.quiet = quiet
        self.dump_options = dump_options
        self.paths = []
        self.samples = 0
        self.next_limit = rss_limit
        self.busy = False
        self._n = 0
        self._threshold_dumps = 0
        self._memory_dumps = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._prev_excepthook = self._prev_threading_hook = None
        self._enabled = False

    # ---- switching on and off ----

    def _enable(self):
        if self.on_memory_error:
            if self.reserve:
                try:
                    _heapsnap.reserve(self.reserve)
                except MemoryError:
                    _say(self.quiet, "cannot reserve %d bytes for a post-mortem dump" % self.reserve)
            self._prev_excepthook = sys.excepthook
            sys.excepthook = self._excepthook
            self._prev_threading_hook = threading.excepthook
            threading.excepthook = self._threading_excepthook
        if self.at_exit:
            import atexit
            atexit.register(self._atexit)
        if self.rss_limit is not None:
            self._thread = threading.Thread(target=self._watchdog, name="heapsnap-watchdog", daemon=True)
            self._thread.start()
        self._enabled = True

    def disable(self):
        """Remove the hooks, stop the watchdog and release the reserve."""
        global _active
        if not self._enabled:
            return
        self._enabled = False
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            _join(self._thread, max(self.grace, self.interval) + 60)
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_excepthook
        if threading.excepthook == self._threading_excepthook:
            threading.excepthook = self._prev_threading_hook
        if self.at_exit:
            import atexit
            atexit.unregister(self._atexit)
        if self.on_memory_error and self.reserve:
            _heapsnap.reserve(0)
        if _active is self:
            _active = None

    def __repr__(self):
        return "<heapsnap.PostMortem %r, %d written%s>" % (self.path_template, len(self.paths),
                                                             "" if self._enabled else ", disabled")

    # ---- writing ----

    def _write(self, trigger, tags, partial_ok):
        """One dump, numbered; never raises (a dying or serving process must
        not be hurt by a failed dump). Returns the path or None."""
        with self._lock:
            self._n += 1
            n = self._n
        path = None
        try:
            path = expand(self.path_template, n, trigger)
            t = {"trigger": trigger}
            t.update(tags)
            if trigger == "threshold":  # where the pending call ran (MainThread, or the watchdog after `grace`)
                t["dumped_by"] = threading.current_thread().name
            raw = _dump_raw(path, t, partial_ok, self.dump_options)
            self.paths.append(path)
            _say(self.quiet, "wrote %s (%s, %d objects, %.2fs pause%s)"
                 % (path, trigger, raw["objects"], raw["seconds"],
                    ", PARTIAL: " + raw["partial"] if raw["partial"] else ""))
            return path
        except BaseException as e:
            _say(self.quiet, "%s dump to %r failed: %s: %s" % (trigger, path, type(e).__name__, e))
            return None

    # ---- MemoryError ----

    def _memory_error(self, exc_type, thread_name):
        if not self._enabled or exc_type is None or not issubclass(exc_type, MemoryError):
            return
        if self._memory_dumps >= self.max_dumps:
            return
        self._memory_dumps += 1
        had = _heapsnap.reserve(0) if self.reserve else 0  # give the dump room, first of all
        if thread_name is None:  # looked up only now: it allocates (3.10 had no room for it before)
            thread_name = threading.current_thread().name
        tags = {"thread": thread_name, "rss": str(rss())}
        if had:
            tags["reserve"] = str(had)
        self._write("memory-error", tags, partial_ok=True)
        if self.reserve and thread_name != "MainThread":  # the process may go on
            try:
                _heapsnap.reserve(self.reserve)
            except MemoryError:
                pass

    def _excepthook(self, exc_type, exc, tb):
        # `tb` keeps the failing frames (and their locals) alive in the dump.
        try:
            self._memory_error(exc_type, None)
        finally:
            (self._prev_excepthook or sys.__excepthook__)(exc_type, exc, tb)

    def _threading_excepthook(self, args):
        try:
            self._memory_error(args.exc_type, args.thread.name if args.thread is not None else "?")
        finally:
            (self._prev_threading_hook or threading.__excepthook__)(args)

    # ---- threshold ----

    def _watchdog(self):
        while not self._stop.wait(self.interval):
            r = rss()
            self.samples += 1
            if self.next_limit is None or r < self.next_limit or self._threshold_dumps >= self.max_dumps:
                continue
            limit = self.next_limit
            self.busy = True
            try:
                self._threshold_dumps += 1
                tags = {"rss": str(r), "rss_limit": str(limit)}
                request_in_main(lambda: self._write("threshold", tags, partial_ok=True), self.grace)
                self.next_limit = int(max(limit, r) * self.rss_factor)
            finally:
                self.busy = False

    # ---- exit ----

    def _atexit(self):
        self._stop.set()
        if self._enabled:
            self._write("exit", {"rss": str(rss())}, partial_ok=True)


_active = None


def enable_postmortem(path_template="heapsnap-{pid}-{n}-{trigger}.hsnap", *, on_memory_error=True,
                      rss_limit=None, rss_factor=1.5, interval=1.0, at_exit=False, max_dumps=5,
                      reserve=64 << 20, grace=5.0, quiet=False, **dump_options):
    """Dump this process's heap when it dies of memory, grows too large or
    exits; returns the PostMortem handle (disable() turns it off). Calling it
    again replaces the previous triggers.

    path_template    {pid}, {n} (1, 2, … over all triggers), {time} and
                     {trigger} (memory-error, threshold, exit)
    on_memory_error  dump on an uncaught MemoryError in any thread (sys and
                     threading excepthooks; the previous hooks still run)
    rss_limit        bytes or "512M": a watchdog samples /proc/self/statm
                     every `interval` seconds and, at or above the limit,
                     asks the main thread to dump (a pending call; after
                     `grace` seconds it dumps from the watchdog itself).
                     The next limit is max(limit, rss) * rss_factor.
    at_exit          dump from an atexit hook
    max_dumps        at most this many threshold dumps, and as many
                     memory-error dumps (exit dumps once)
    reserve          bytes of address space held for the memory-error dump
                     and released just before it (0: none)
    dump_options     values, tracebacks, level, fsync, as for dump()
    """
    global _active
    bad = set(dump_options) - {"values", "tracebacks", "level", "fsync"}
    if bad:
        raise TypeError("heapsnap: enable_postmortem() got unexpected options: %s" % ", ".join(sorted(bad)))
    expand(os.fspath(path_template), 0, "manual")  # a bad template fails now, not at the crash
    limit = parse_size(rss_limit)
    if float(rss_factor) <= 1.0:
        raise ValueError("heapsnap: rss_factor must be > 1")
    if float(interval) <= 0 or int(max_dumps) < 1:
        raise ValueError("heapsnap: interval must be > 0 and max_dumps >= 1")
    if _active is not None:
        _active.disable()
    pm = PostMortem(os.fspath(path_template), bool(on_memory_error), limit, float(rss_factor), float(interval),
                    bool(at_exit), int(max_dumps), parse_size(reserve) or 0, float(grace), bool(quiet),
                    dump_options)
    pm._enable()
    _active = pm
    return pm


_BOOL = {"1": True, "yes": True, "on": True, "true": True, "0": False, "no": False, "off": False, "false": False}
_ENV_KEYS = {
    "on_memory_error": "bool", "at_exit": "bool", "values": "bool", "quiet": "bool", "fsync": "bool",
    "rss_limit": "size", "reserve": "size", "rss_factor": "float", "interval": "float", "grace": "float",
    "max_dumps": "int", "level": "int",
}


def parse_env_options(text):
    """HEAPSNAP_POSTMORTEM_OPTIONS ("rss_limit=512M,at_exit=1,…") as keyword
    arguments for enable_postmortem(); ValueError on an unknown key or a bad
    value."""
    opts = {}
    for item in filter(None, (p.strip() for p in (text or "").split(","))):
        key, eq, val = item.partition("=")
        key, val = key.strip(), val.strip()
        kind = _ENV_KEYS.get(key)
        if not eq or kind is None:
            raise ValueError("heapsnap: %s: unknown option %r (known: %s)"
                             % (ENV_OPTIONS, item, ", ".join(sorted(_ENV_KEYS))))
        try:
            if kind == "bool":
                opts[key] = _BOOL[val.lower()]
            elif kind == "size":
                opts[key] = parse_size(val)
            elif kind == "float":
                opts[key] = float(val)
            else:
                opts[key] = int(val)
        except (KeyError, ValueError):
            raise ValueError("heapsnap: %s: bad value for %s: %r" % (ENV_OPTIONS, key, val)) from None
    return opts


def enable_from_env(environ=None):
    """Switch post-mortem dumps on when HEAPSNAP_POSTMORTEM (the path
    template) is set, with HEAPSNAP_POSTMORTEM_OPTIONS as comma-separated
    key=value options. Returns the PostMortem handle, or None when the
    variable is unset or empty. For a sitecustomize.py:

        try:
            import heapsnap.postmortem
        except ImportError:
            pass
        else:
            heapsnap.postmortem.enable_from_env()
    """
    env = os.environ if environ is None else environ
    template = env.get(ENV_PATH, "")
    if not template:
        return None
    return enable_postmortem(template, **parse_env_options(env.get(ENV_OPTIONS, "")))
