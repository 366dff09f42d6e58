# SPDX-License-Identifier: MIT
"""A suspended generator that holds its owner: one garbage cycle per connection (aiohttp's ParserBuffer).

Source:  aio-libs/aiohttp#579, https://github.com/aio-libs/aiohttp/issues/579
Culprit: ParserBuffer._writer — "It looks like there is a memory leak in the
         ParserBuffer, caused by the `_writer` generator ... The generator is
         not closed and holds a reference to `self` and therefore creates a
         reference cycle" (joente, who proposed keeping the bytearray as an
         attribute instead of subclassing it).
Command: cycles
Expect:  ParserBuffer
Dumps:   1

aiohttp 0.x parsed each connection's stream through a ParserBuffer (a
bytearray subclass) whose feed_data() sends chunks into the suspended
generator self._writer = self._feed_data(). The generator's frame holds
`self`, the buffer holds the generator: when the connection goes, the
buffer, with whatever it had buffered, is garbage that only the cyclic
collector can free, and with it off (the reporter ran with
gc.set_debug(gc.DEBUG_LEAK); here gc.disable()) every closed connection
stays. Unrelated live data: the open connections and the router.
"""

import gc
import os
import sys

import heapsnap


class ParserBuffer(bytearray):
    """ParserBuffer is a bytearray extension: feed_data() pushes into _writer."""

    __slots__ = ("_exception", "_writer")

    def __init__(self, *args):
        super().__init__(*args)
        self._exception = None
        self._writer = self._feed_data()
        next(self._writer)

    def _feed_data(self):
        while True:
            chunk = yield
            if chunk:
                self.extend(chunk)

    def feed_data(self, data):
        if not self._exception:
            self._writer.send(data)


class HttpConnection:
    def __init__(self, peer):
        self.peer = peer
        self.buffer = ParserBuffer()
        self.requests = 0

    def data_received(self, data):
        self.buffer.feed_data(data)
        self.requests += data.count(b"\r\n\r\n")


def main():
    gc.disable()
    router = {("GET", "/api/item/%d" % i): "item_handler_%d" % (i % 10) for i in range(800)}
    open_conns = []
    for n in range(200):
        conn = HttpConnection(("10.1.%d.%d" % (n // 200, n % 200), 40000 + n))
        for k in range(6):
            conn.data_received(b"POST /upload HTTP/1.1\r\nContent-Length: 8000\r\n\r\n" + bytes(8000))
        open_conns.append(conn)
        if len(open_conns) > 20:
            open_conns.pop(0)  # the connection closes; its buffer and writer stay as a cycle
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    # the leak itself: garbage cycles that only a collection frees
    before = sum(1 for o in gc.get_objects() if isinstance(o, ParserBuffer))
    gc.collect()
    after = sum(1 for o in gc.get_objects() if isinstance(o, ParserBuffer))
    if (before, after) != (200, 20):
        sys.exit("did not reproduce: %d ParserBuffers alive, %d after a collection" % (before, after))
    return router, open_conns


if __name__ == "__main__":
    keep = main()
