# SPDX-License-Identifier: MIT
"""A worker thread blocked on queue.get() still holds its last command in a local (qasync).

Source:  CabbageDevelopment/qasync#113, https://github.com/CabbageDevelopment/qasync/pull/113
         (the same bug in CPython's ThreadPoolExecutor: bpo-16284, whose fix is the
         `del work_item` in concurrent/futures/thread.py)
Culprit: the locals of _QThreadWorker.run — "Fix _QThreadWorker.run not
         releasing references to fulfilled command object before blocking on
         next queue.get call" (kormax's PR): `command`, `future`, `callback`,
         `args`, `kwargs` keep the last task's arguments and result alive
         until the next task arrives (the PR adds
         `del command, future, callback, args, kwargs`).
Command: top
Expect:  run()
Dumps:   1

An image viewer decodes files on a QThreadExecutor-style pool: each worker
thread loops on `command = queue.get()`, unpacks it, runs it, sets the
future's result and goes back to get(). After a burst of work the viewer
is idle, and every worker sits blocked in get() holding its last decoded
image (the result on `future`) and its last input (the file's bytes in
`args`). Unrelated live data: the viewer's thumbnail index and its recent
files list, in the main thread.
"""

import concurrent.futures
import os
import queue
import sys
import threading

import heapsnap


class _QThreadWorker(threading.Thread):
    def __init__(self, work_queue, index):
        super().__init__(name="QThreadExecutor-%d" % index, daemon=True)
        self.__queue = work_queue

    def run(self):
        queue = self.__queue
        while True:
            command = queue.get()
            if command is None:
                break
            future, callback, args, kwargs = command
            try:
                r = callback(*args, **kwargs)
            except Exception as e:
                future.set_exception(e)
            else:
                future.set_result(r)


class QThreadExecutor:
    def __init__(self, max_workers):
        self.__queue = queue.Queue()
        self.__workers = [_QThreadWorker(self.__queue, i) for i in range(max_workers)]
        for w in self.__workers:
            w.start()

    def submit(self, callback, *args, **kwargs):
        future = concurrent.futures.Future()
        self.__queue.put((future, callback, args, kwargs))
        return future


def decode(raw, width, height):
    return {"width": width, "height": height, "pixels": bytearray(raw) * 24}


def main():
    executor = QThreadExecutor(4)
    index = {"/photos/%05d.jpg" % i: {"w": 4000, "h": 3000, "thumb": bytes(200)} for i in range(1500)}
    recent = ["/photos/%05d.jpg" % i for i in range(0, 1500, 3)]
    sizes = []
    for burst in range(3):
        fs = [executor.submit(decode, bytes(40000 + i), 4000, 3000) for i in range(8)]
        sizes += [len(f.result()["pixels"]) for f in fs]
    del fs
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    holding = 0  # the leak itself: blocked workers whose run() still holds a command
    for f in sys._current_frames().values():
        while f is not None and f.f_code.co_name != "run":
            f = f.f_back
        if f is not None and f.f_locals.get("command") is not None:
            holding += 1
    if holding < 1:
        sys.exit("did not reproduce: no blocked worker holds its last command")
    return executor, index, recent, sizes


if __name__ == "__main__":
    keep = main()
