# SPDX-License-Identifier: MIT
"""dump/python/heapsnap/watch.py — heapsnap.watch(): a numbered series of
dumps written in the background of a running service, every N seconds or
each time resident memory has grown by a fraction, keeping the last N
files. A background thread decides when; the dump itself runs in the main
thread through a pending call (postmortem.request_in_main). Entry points:
watch(), Watch.stop(). See docs/python.md#postmortem.

Each dump's header carries trigger=watch, seq (its number in the series)
and rss (bytes, sampled when it was asked for).
"""

import collections
import os
import threading

from .postmortem import _dump_raw, _join, _say, expand, request_in_main, rss

__all__ = ["watch", "Watch"]


class Watch:
    """A running series (from watch()). `paths` lists the files kept, oldest
    first; `count` is how many dumps were written; `failures` how many
    failed. stop() ends the series and returns `paths`."""

    def __init__(self, path_template, every, growth, keep, interval, grace, quiet, dump_options):
        self.path_template = path_template
        self.every = every
        self.growth = growth
        self.keep = keep
        self.interval = interval
        self.grace = grace
        self.quiet = quiet
        self.dump_options = dump_options
        self.count = 0
        self.failures = 0
        self._kept = collections.deque()
        self._stop = threading.Event()
        self._base = rss()
        self._thread = threading.Thread(target=self._run, name="heapsnap-watch", daemon=True)

    @property
    def paths(self):
        return list(self._kept)

    def _due(self):
        if self.every is not None:
            return not self._stop.wait(self.every)
        while not self._stop.wait(self.interval):
            if rss() >= self._base * (1.0 + self.growth):
                return True
        return False

    def _one(self, n, r):
        path = expand(self.path_template, n, "watch")
        try:
            tags = {"trigger": "watch", "seq": str(n), "rss": str(r), "dumped_by": threading.current_thread().name}
            raw = _dump_raw(path, tags, True, self.dump_options)
        except Exception as e:
            self.failures += 1
            _say(self.quiet, "watch dump to %r failed: %s: %s" % (path, type(e).__name__, e))
            return
        self.count = n
        self._kept.append(path)
        while len(self._kept) > self.keep:
            old = self._kept.popleft()
            try:
                os.unlink(old)
            except OSError:
                pass
        _say(self.quiet, "wrote %s (watch, %d objects, %.2fs pause%s)"
             % (path, raw["objects"], raw["seconds"], ", PARTIAL" if raw["partial"] else ""))

    def _run(self):
        n = 0
        while self._due():
            n += 1
            r = rss()
            request_in_main(lambda: self._one(n, r), self.grace)
            self._base = rss()

    def stop(self, timeout=None):
        """End the series (a dump in progress finishes first); returns the
        paths kept."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            _join(self._thread, timeout)
        return self.paths

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return "<heapsnap.Watch %r, %d written, %d kept>" % (self.path_template, self.count, len(self._kept))


def watch(path_template, *, every=None, growth=None, keep=10, interval=1.0, grace=5.0, quiet=True,
          **dump_options):
    """Write a numbered series of dumps in the background: every `every`
    seconds, or (with `growth`, e.g. 0.25) each time resident memory has
    grown by that fraction since the last dump (sampled every `interval`
    seconds). Keeps the last `keep` files and deletes older ones of the
    series. `path_template` must contain {n}; {pid}, {time} and {trigger}
    (always "watch") are filled in too. dump_options: values, tracebacks,
    level, fsync. Returns a Watch; call stop() (or use it as a context
    manager) to end the series."""
    bad = set(dump_options) - {"values", "tracebacks", "level", "fsync"}
    if bad:
        raise TypeError("heapsnap: watch() got unexpected options: %s" % ", ".join(sorted(bad)))
    path_template = os.fspath(path_template)
    if "{n}" not in path_template:
        raise ValueError("heapsnap: watch() needs {n} in the path template, for a numbered series")
    expand(path_template, 0, "watch")
    if (every is None) == (growth is None):
        raise ValueError("heapsnap: watch() wants exactly one of every=SECONDS or growth=FRACTION")
    if every is not None and float(every) <= 0:
        raise ValueError("heapsnap: every must be > 0 seconds")
    if growth is not None and float(growth) <= 0:
        raise ValueError("heapsnap: growth must be > 0 (0.25 = 25%)")
    if int(keep) < 1 or float(interval) <= 0:
        raise ValueError("heapsnap: keep must be >= 1 and interval > 0")
    w = Watch(path_template, None if every is None else float(every), None if growth is None else float(growth),
              int(keep), float(interval), float(grace), bool(quiet), dump_options)
    w._thread.start()
    return w
