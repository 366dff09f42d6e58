# SPDX-License-Identifier: MIT
"""Bound-method callbacks in a module-level channel cache keep their objects alive (pyepics).

Source:  pyepics/pyepics#10, https://github.com/pyepics/pyepics/issues/10
Culprit: epics.ca._cache — "Callbacks are added to ca._cache, and any
         callback that is a bound method holds a reference back to the
         object it's bound to. For any PV object, this is PV.__on_connect and
         PV.__on_changes. As a result, no PV object with callbacks is ever
         garbage collected even if it's otherwise unreachable" (projectgus,
         whose branch stores bound methods as weak references).
Command: top
Expect:  ca._cache
Dumps:   1

A long-running monitoring application re-allocates PV objects on a
regular basis: each scan of a beamline makes fresh PVs for its detectors,
reads their waveforms and drops them. The channel-access layer (the
module `epics.ca`, made in-process here with its _cache keyed by context
and PV name) appends each PV's bound __on_connect and __on_changes to the
channel's callback lists, so every PV ever made, with its last waveform,
stays reachable. Unrelated live data: the application's scan history and
its detector configuration.
"""

import array
import gc
import os
import sys
import types

import heapsnap

CA = '''
_cache = {}

def initial_context():
    return 1

def create_channel(pvname, callback=None):
    ctx = initial_context()
    entry = _cache.setdefault(ctx, {}).setdefault(
        pvname, {"chid": len(_cache[ctx]) + 1, "conn": False, "callbacks": [], "monitors": []})
    if callback is not None:
        entry["callbacks"].append(callback)
    return entry["chid"]

def create_subscription(pvname, callback):
    _cache[initial_context()][pvname]["monitors"].append(callback)

def connect(pvname):
    entry = _cache[initial_context()][pvname]
    entry["conn"] = True
    for cb in entry["callbacks"]:
        cb(pvname=pvname, conn=True)
'''


def install(name, source):
    mod = types.ModuleType(name)
    mod.__file__ = name.replace(".", "/") + ".py"
    exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    sys.modules[name] = mod
    return mod


ca = install("epics.ca", CA)


class PV:
    def __init__(self, pvname, count=2048):
        self.pvname = pvname
        self.connected = False
        self.value = None
        self.count = count
        self.chid = ca.create_channel(pvname, callback=self.__on_connect)
        ca.create_subscription(pvname, self.__on_changes)
        ca.connect(pvname)

    def __on_connect(self, pvname=None, conn=True):
        self.connected = conn

    def __on_changes(self, value=None, **kw):
        self.value = value

    def get(self):
        if self.value is None:
            self.value = array.array("d", [0.5]) * self.count
        return self.value


def scan(n, detectors):
    pvs = [PV("BL%02d:%s:Waveform_%d" % (n % 12, d, n)) for d in detectors]
    return [pv.get()[0] for pv in pvs]


def main():
    detectors = {"DET%02d" % i: {"gain": i * 0.1, "offset": i, "enabled": True} for i in range(8)}
    history = []
    for n in range(150):
        history.append({"scan": n, "values": scan(n, detectors), "comment": "scan %d ok" % n})
    history_log = ["scan %d: %d points" % (i, 2048) for i in range(5000)]
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    alive = sum(1 for o in gc.get_objects() if isinstance(o, PV))
    if alive != 150 * len(detectors):  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d PV objects alive" % alive)
    return detectors, history, history_log


if __name__ == "__main__":
    keep = main()
