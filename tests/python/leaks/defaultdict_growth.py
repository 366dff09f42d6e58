# SPDX-License-Identifier: MIT
"""A defaultdict keyed by class keeps every class made at run time (scrapy's trackref).

Source:  scrapy/scrapy#5995, https://github.com/scrapy/scrapy/issues/5995
         (fixed by #7922, https://github.com/scrapy/scrapy/pull/7922)
Culprit: scrapy.utils.trackref.live_refs — "`live_refs` was a `defaultdict`
         keyed by class, so every class that ever created an `object_ref`
         instance was kept alive forever ... #5995 builds a new `Item`
         subclass on every call, and each one leaked the class along with
         its fields and `Field` objects, which is what the reporter saw
         growing in muppy" (AdrianAtZyte, PR #7922; the key became weak).
Command: diff --by owner
Expect:  live_refs
Dumps:   2

The module `scrapy.utils.trackref` is made in-process with live_refs as it
was (defaultdict(WeakKeyDictionary), strong keys); Item's metaclass
collects Field objects as scrapy's ItemMeta does, and every Item is an
object_ref. The spider builds an item class per page layout it meets (the
reporter's dynamically created items), so each page adds a class, its
fields and its WeakKeyDictionary to live_refs. Two dumps, 1,500 pages
apart. Unrelated live data: the scheduler's request queue, which stays
about the same size, and the scraped values written out.
"""

import collections
import os
import sys
import types

import heapsnap

TRACKREF = '''
from collections import defaultdict
from time import time
from weakref import WeakKeyDictionary

live_refs = defaultdict(WeakKeyDictionary)

class object_ref:
    """Inherit from this class to a keep a record of live instances"""
    __slots__ = ()

    def __new__(cls, *args, **kwargs):
        obj = object.__new__(cls)
        live_refs[cls][obj] = time()
        return obj
'''


def install(name, source):
    mod = types.ModuleType(name)
    mod.__file__ = name.replace(".", "/") + ".py"
    exec(compile(source, mod.__file__, "exec"), mod.__dict__)
    sys.modules[name] = mod
    return mod


trackref = install("scrapy.utils.trackref", TRACKREF)


class Field(dict):
    """Container of field metadata"""


class ItemMeta(type):
    def __new__(mcs, class_name, bases, attrs):
        fields = {k: v for k, v in attrs.items() if isinstance(v, Field)}
        new_attrs = {k: v for k, v in attrs.items() if not isinstance(v, Field)}
        new_attrs["fields"] = fields
        return super().__new__(mcs, class_name, bases, new_attrs)


class Item(trackref.object_ref, metaclass=ItemMeta):
    def __init__(self, **values):
        self._values = dict(values)


def make_item_class(layout):
    attrs = {name: Field(serializer=str, description="column %s of %s" % (name, layout["id"]))
             for name in layout["columns"]}
    return ItemMeta("Item_%s" % layout["id"], (Item,), attrs)


def parse(page, queue, out):
    layout = {"id": "L%05d" % page, "columns": ["c%d" % i for i in range(6 + page % 5)]}
    cls = make_item_class(layout)
    item = cls(**{c: "%s-%d" % (c, page) for c in layout["columns"]})
    out.append(len(item._values))
    queue.append("https://example.org/catalog?page=%d" % (page + 400))
    queue.popleft()


def main():
    queue = collections.deque("https://example.org/catalog?page=%d" % p for p in range(400))
    out = []
    page = 0
    for n in range(1, 3):
        for _ in range(1500):
            parse(page, queue, out)
            page += 1
        heapsnap.dump(os.path.join(sys.argv[1], "%d.hsnap" % n))
        if len(trackref.live_refs) != 1500 * n:  # the leak itself, whatever the analyzer says
            sys.exit("did not reproduce: %d classes in live_refs" % len(trackref.live_refs))
    return queue, out


if __name__ == "__main__":
    keep = main()
