# SPDX-License-Identifier: MIT
"""A class-level registry of every client ever made (python-icat's Client.Register).

Source:  icatproject/python-icat#111, https://github.com/icatproject/python-icat/issues/111
         (fixed by #121, https://github.com/icatproject/python-icat/pull/121)
Culprit: Client.Register, the class attribute dict in icat/client.py that
         holds a reference to every Client instance "which prevents normal
         garbage collection" (reporter); the maintainer's fix made it a
         weakref.WeakValueDictionary.
Command: top
Expect:  Client.Register
Dumps:   1

The reporter's service keeps one long-lived Client and creates a "plugin"
per cycle that makes its own Client and then drops it. Each Client
registers itself in Client.Register (so Client.cleanupall() can log every
session out), so the plugins' clients — with their session state and
cached entity data — are never freed. Unrelated live data: the service's
own configuration, its main client, a work queue of jobs.
"""

import os
import sys

import heapsnap


class Client:
    """An ICAT client: a session, a cache of fetched entities."""

    Register = {}

    def __init__(self, url, user):
        self.url = url
        self.user = user
        self.sessionId = None
        self.entity_cache = {}
        self.Register[id(self)] = self

    def login(self, n):
        self.sessionId = "%032x" % (n * 2654435761)

    def search(self, query, n):
        # what the plugin fetched: datafiles with their metadata
        rows = [{"id": n * 1000 + i, "name": "datafile_%06d.nxs" % i, "location": "/archive/%d/%d" % (n, i),
                 "checksum": bytes(64)} for i in range(60)]
        self.entity_cache[query] = rows
        return rows

    def cleanup(self):
        self.sessionId = None
        del self.Register[id(self)]

    @classmethod
    def cleanupall(cls):
        for c in list(cls.Register.values()):
            c.cleanup()


class ArchivePlugin:
    """Created and destroyed on every cycle of the main loop."""

    def __init__(self, url, n):
        self.client = Client(url, "plugin")
        self.client.login(n)
        self.n = n

    def run(self):
        files = self.client.search("Datafile [dataset.investigation.id=%d]" % self.n, self.n)
        return sum(len(f["name"]) for f in files)


def main():
    config = {"icat": "https://icat.example.org/ICATService/ICAT?wsdl",
              "ids": "https://ids.example.org/ids", "retries": 3,
              "instruments": ["I%02d" % i for i in range(40)]}
    main_client = Client(config["icat"], "archiver")
    main_client.login(1)
    jobs = [{"job": i, "instrument": config["instruments"][i % 40], "payload": "x" * 300} for i in range(2000)]
    done = 0
    for n in range(400):
        plugin = ArchivePlugin(config["icat"], n)
        done += plugin.run()
        del plugin  # the plugin goes; its client stays in Client.Register
    heapsnap.dump(os.path.join(sys.argv[1], "1.hsnap"))
    if len(Client.Register) != 401:  # the leak itself, whatever the analyzer says
        sys.exit("did not reproduce: %d clients registered" % len(Client.Register))
    return main_client, jobs, done


if __name__ == "__main__":
    keep = main()
