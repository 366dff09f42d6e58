# SPDX-License-Identifier: MIT
"""A warning whose text carries data: the warnings registry keeps every text for ever.

Source:  python/cpython#97557, https://github.com/python/cpython/issues/97557
         POSYDON-code/POSYDON#364, https://github.com/POSYDON-code/POSYDON/issues/364
Culprit: the calling module's __warningregistry__ — "python's `warnings`
         module ... adds an entry to the warnings registry (a dictionary)
         for each warning with a different text" (POSYDON); cpython#97557:
         warnings.warn(str(random.random()), DeprecationWarning) in a loop,
         "MEM USAGE constantly increased" (the reporter cites aiomysql's
         cursor, which warns with the query's text).
Command: top
Expect:  __warningregistry__
Dumps:   1

A database cursor warns when a query's result is truncated and puts the
query text in the message, as aiomysql does; warnings go to logging
(logging.captureWarnings), whose handler drops them, so nobody sees them.
Each distinct text leaves a key (text, category, line number) in the
registry of the module that called warn(). Unrelated live data: a
connection pool with its buffers and a statement cache of fixed size.
"""

import logging
import os
import sys
import warnings

import heapsnap

logging.captureWarnings(True)
logging.getLogger("py.warnings").addHandler(logging.NullHandler())
logging.getLogger("py.warnings").propagate = False
warnings.simplefilter("default")  # what `python -W default` and test runners set


class Cursor:
    def __init__(self, conn):
        self.conn = conn
        self.rows = []

    def execute(self, query, args):
        sql = query % args
        self.rows = [(i, "row %d" % i) for i in range(3)]
        if len(sql) > 40:
            warnings.warn("Data truncated for query: %s" % sql, Warning)  # aiomysql's _show_warnings
        return len(self.rows)


class Pool:
    def __init__(self, n):
        self.conns = [{"id": i, "buffer": bytearray(16384)} for i in range(n)]
        self.statements = {"stmt_%d" % i: "SELECT * FROM t%d WHERE id = %%s" % i for i in range(200)}


def main():
    pool = Pool(20)
    cur = Cursor(pool.conns[0])
    for n in range(30000):
        cur.execute("UPDATE sessions SET payload = '%s' WHERE id = %d", ("x" * 20, n))
    reg = globals().get("__warningregistry__", {})
    if len(reg) < 30000:  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d registry entries" % len(reg))
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    return pool


if __name__ == "__main__":
    keep = main()
