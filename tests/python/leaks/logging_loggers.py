# SPDX-License-Identifier: MIT
"""A child logger per connection: logging's loggerDict grows for ever (picows, DIRAC).

Source:  tarasko/picows#72, https://github.com/tarasko/picows/issues/72
         DIRACGrid/DIRAC#5280, https://github.com/DIRACGrid/DIRAC/issues/5280
Culprit: logging.Logger.manager.loggerDict — "logging.getLogger / .getChild
         instances are cached and never got gc collected. New logger created
         on for every connection and they never got deleted from the memory"
         (picows, where the server did
         self._logger = self._logger.getChild(str(sock.fileno()))); DIRAC
         (chaen): "we are constantly creating child logger which are not
         garbage collected, which results in sort of a memory leak".
Command: trend
Expect:  loggerDict
Dumps:   3

A websocket server names a child logger after each accepted connection
(the socket's fileno plus a connection counter, as file descriptors are
reused) and logs through it; the connection closes, its transport and
buffers go, the logger stays in the manager's loggerDict. Three dumps,
each after another batch of connections. Unrelated live data: a route
table and the currently open connections, which stay about constant.
"""

import logging
import os
import sys

import heapsnap

log = logging.getLogger("picows.server")
log.addHandler(logging.NullHandler())
log.setLevel(logging.DEBUG)
log.propagate = False


class WSTransport:
    def __init__(self, server, fileno, n):
        self.fileno = fileno
        self.read_buffer = bytearray(4096)
        self.headers = {"Host": "example.org", "Upgrade": "websocket", "Sec-WebSocket-Key": "%022d==" % n}
        self._logger = server.logger.getChild("%d.%d" % (fileno, n))
        self._logger.debug("connection made from %s", "10.0.%d.%d" % (n // 250 % 250, n % 250))

    def close(self):
        self._logger.debug("connection lost")
        self.read_buffer = None


class Server:
    def __init__(self):
        self.logger = log
        self.routes = {"/ws/%d" % i: "handler_%d" % i for i in range(500)}
        self.open = []
        self.accepted = 0

    def accept(self):
        self.accepted += 1
        t = WSTransport(self, 10 + self.accepted % 300, self.accepted)
        self.open.append(t)
        if len(self.open) > 100:  # a hundred connections are open at any time
            self.open.pop(0).close()


def main():
    server = Server()
    for n in range(1, 4):
        for _ in range(2500):
            server.accept()
        heapsnap.dump(os.path.join(sys.argv[1], "%d.hsnap" % n))
        children = [k for k in logging.root.manager.loggerDict if k.startswith("picows.server.")]
        if len(children) < 2500 * n:  # the leak itself, whatever the analyzer says
            sys.exit("did not reproduce: %d connection loggers" % len(children))
    return server


if __name__ == "__main__":
    keep = main()
