# SPDX-License-Identifier: MIT
"""ctypes.POINTER(c_ubyte * size) per read: the pointer-type cache grows without bound (pypdfium2).

Source:  pypdfium2-team/pypdfium2#346, https://github.com/pypdfium2-team/pypdfium2/issues/346
         python/cpython#100926, https://github.com/python/cpython/issues/100926
Culprit: ctypes._pointer_type_cache — `ctypes.cast(data,
         ctypes.POINTER(ctypes.c_ubyte * size))` in the read/write callbacks:
         "pointer types are cached, and since `size` can vary in the last
         chunk, there's an unbounded growth of the type cache" (reporter:
         500 KB to 2.6 GB in 8 hours; the workaround was
         ctypes._reset_cache()); cpython#100926: "If you are using a factory
         to call ctypes.POINTER in a loop, the memory usage is unbounded".
         Python 3.14 moved the cache onto the types (gh-131282).
Command: top
Expect:  _pointer_type_cache
Dumps:   1

A PDF service hands pdfium a reader callback; pdfium asks for blocks of
whatever size it needs, and the callback views each block through
cast(data, POINTER(c_ubyte * size)). Every distinct size makes an array
type and its pointer type, and ctypes keeps both for ever in
ctypes._pointer_type_cache. Unrelated live data: the open documents' page
indexes and the service's request log.
"""

import ctypes
import os
import sys

import heapsnap


class FileAccess:
    """What pdfium calls back into: a file of `length` bytes."""

    def __init__(self, data):
        self.data = data
        self.calls = 0

    def _buffer_reader(self, position, buf_addr, size):
        block = ctypes.cast(buf_addr, ctypes.POINTER(ctypes.c_ubyte * size))
        chunk = self.data[position:position + size]
        ctypes.memmove(block, chunk, len(chunk))
        self.calls += 1
        return 1


def load_document(doc_id, scratch):
    data = bytes(200) * (20 + doc_id % 7)
    access = FileAccess(data)
    pos = 0
    for i in range(40):
        size = 64 + (doc_id * 40 + i) % 4000  # pdfium's block sizes vary per object
        access._buffer_reader(pos % len(data), ctypes.addressof(scratch), size)
        pos += size
    return {"doc": doc_id, "pages": [{"page": p, "offset": p * 512} for p in range(30)], "reads": access.calls}


def main():
    scratch = (ctypes.c_ubyte * 8192)()
    documents = [load_document(d, scratch) for d in range(100)]
    request_log = ["GET /render/%d?page=%d 200" % (i % 100, i % 30) for i in range(6000)]
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    if len(ctypes._pointer_type_cache) < 4000:  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d cached pointer types" % len(ctypes._pointer_type_cache))
    return documents, request_log


if __name__ == "__main__":
    keep = main()
