# SPDX-License-Identifier: MIT
"""A three-object cycle through an object with __del__ (ilastik's MessageServer).

Source:  ilastik/ilastik#1096, https://github.com/ilastik/ilastik/issues/1096
Culprit: MessageServer, which "contains cycle and __del__()": "`parent`
         points to `self` points to `parent`", and "`parent` points to
         `self` points to `self.server` points to `parent`" — so "the
         MessageServer will never be garbage collected" (stuarteberg; the
         maintainers removed the old MessageServer).
Command: cycles
Expect:  MessageServer, IlastikShell
Dumps:   1

Each project window of the shell starts a MessageServer for remote
commands; the server's socket wrapper points back at the shell so it can
dispatch, and the shell points at the server. Closing a project drops the
window, leaving shell <-> MessageServer <-> _CommandServer as garbage with
a finalizer, holding the project's message log and command history. Under
Python 2, which ilastik ran then, such cycles were uncollectable
(gc.garbage); since PEP 442 they wait for a collection, and with the
collector off (gc.disable()) they stay. Unrelated live data: the open
project's lane data and the application's settings.
"""

import gc
import os
import sys
import weakref

import heapsnap


class _CommandServer:
    def __init__(self, port, shell):
        self.port = port
        self.shell = shell  # to dispatch commands
        self.history = []


class MessageServer:
    def __init__(self, parent, port):
        self.parent = parent
        self.server = _CommandServer(port, parent)
        self.log = bytearray(16384)
        self.running = True

    def handle(self, command):
        self.server.history.append(command)
        self.log[: len(command)] = command.encode()

    def __del__(self):
        self.running = False


class IlastikShell:
    def __init__(self, project):
        self.project = project
        self.messageServer = MessageServer(self, 9997)
        self.lanes = []

    def open_lane(self, n):
        self.lanes.append({"lane": n, "raw": bytearray(2048), "labels": [0] * 64})
        self.messageServer.handle("open lane %d in %s" % (n, self.project))


def main():
    gc.disable()
    settings = {"recent_projects": ["/home/user/project_%d.ilp" % i for i in range(300)],
                "theme": "dark", "plugins": {"p%d" % i: {"enabled": i % 2 == 0} for i in range(200)}}
    current, servers = None, []
    for p in range(60):
        shell = IlastikShell("/home/user/project_%d.ilp" % p)
        for n in range(8):
            shell.open_lane(n)
        servers.append(weakref.ref(shell.messageServer))
        current = shell  # the previous project window is closed and dropped
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    before = sum(1 for s in servers if s() is not None)
    gc.collect()
    after = sum(1 for s in servers if s() is not None)
    if (before, after) != (60, 1):  # the leak itself: 59 garbage cycles, freed by a collection
        sys.exit("did not reproduce: %d MessageServers alive, %d after a collection" % (before, after))
    return settings, current


if __name__ == "__main__":
    keep = main()
