# SPDX-License-Identifier: MIT
"""dump/python/examples/leak_demo.py — the Quick start's leaking program: a
request handler that caches every session in a module-level dict that never
evicts, keeps an audit list that only grows, and drops a reference cycle
with a finalizer. After 2,000 "requests" it dumps its heap with
heapsnap.dump(); `heapsnap top` then names the cache and the path to it.

    python3 leak_demo.py OUT.hsnap
"""
import gc
import sys

import heapsnap

_sessions = {}       # the leak: filled on every request, never evicted
audit_log = []       # grows too, but holds much less


class Session:
    def __init__(self, user, payload):
        self.user = user
        self.payload = payload          # about 4 KiB per session
        self.history = [b"x" * 64 for _ in range(8)]


class Connection:
    def __init__(self):
        self.peer = None

    def __del__(self):                  # a finalizer on a cycle
        pass


def handle_request(i):
    session = Session("user%d" % i, bytearray(4096))
    _sessions[session.user] = session   # cached "for later", forever
    audit_log.append(("login", i))
    a, b = Connection(), Connection()
    a.peer, b.peer = b, a               # garbage cycle once we return


def main():
    gc.disable()                        # let the cycles pile up, as under load
    for i in range(2000):
        handle_request(i)
    r = heapsnap.dump(sys.argv[1])
    print("leak_demo: dumped %d objects, %d references in %.3f s to %s"
          % (r.objects, r.references, r.seconds, r.path))


if __name__ == "__main__":
    main()
