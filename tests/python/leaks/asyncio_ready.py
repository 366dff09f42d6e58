# SPDX-License-Identifier: MIT
"""run_in_executor results pile up in a loop that never runs: the loop's _ready queue (CPython).

Source:  python/cpython#85865, https://github.com/python/cpython/issues/85865
Culprit: the event loop's ready queue, this_loop._ready — "the various
         Futures created to report the result of the function submitted to
         the executor ... are stuck in the asyncio event queue, which is
         never emptied because you never run the event loop" (gvanrossum);
         each completion is a Handle scheduled with call_soon_threadsafe,
         holding the future and the result.
Command: diff --by owner
Expect:  _ready
Dumps:   2

The reporter's program submits work with this_loop.run_in_executor() and
then blocks in time.sleep() instead of letting the loop run. Here a
sensor poller does the same for a few hundred readings per round: the
executor threads finish, each completion is queued on this_loop._ready
with its result (a decoded frame), and nothing ever runs those callbacks.
Two dumps, one round apart. Unrelated live data: the poller's
calibration table and its last readings, which do not grow.
"""

import asyncio
import concurrent.futures
import os
import sys
import time

import heapsnap


def leaker(sensor, n):
    # the work done in the executor: read and decode one frame
    frame = bytes(1500) + b"%d:%d" % (sensor, n)
    return {"sensor": sensor, "seq": n, "frame": frame}


class Poller:
    def __init__(self, loop):
        self.loop = loop
        self.calibration = {s: [s * 0.01 * i for i in range(64)] for s in range(200)}
        self.last = {}
        self.pending = []

    def poll_round(self, r, pool):
        for s in range(400):
            self.pending.append(self.loop.run_in_executor(pool, leaker, s, r))
        self.last = {s: r for s in range(400)}
        time.sleep(0.01)  # the reporter's blocking sleep: the loop never runs
        self.pending.clear()  # the poller forgets its futures; the loop's queue does not


this_loop = asyncio.new_event_loop()  # a module global, as in the report


def main():
    poller = Poller(this_loop)
    for r in range(1, 3):
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            poller.poll_round(r, pool)
            poller.poll_round(r + 10, pool)
        heapsnap.dump(os.path.join(sys.argv[1], "%d.hsnap" % r))
        if len(this_loop._ready) != 800 * r:  # the leak itself, whatever the analyzer says
            sys.exit("did not reproduce: %d handles in this_loop._ready" % len(this_loop._ready))
    return poller


if __name__ == "__main__":
    keep = main()
