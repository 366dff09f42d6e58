# SPDX-License-Identifier: MIT
"""tests/python/test_buffers.py — C buffers beside Python objects (issue 16,
docs/python.md#c-memory): array.array and bytearray are written at exactly
sys.getsizeof's size, which already counts their item buffer (checked by
hand from the objects' own allocated counts, and no second block at the
buffer's address); an mmap holds its mapping as a block `mmap.<mapping>`
of the mapped length (anonymous and file-backed with an offset; a closed
one holds none), so its retained size includes it; a memoryview reaches
its exporter through `mbuf` then `obj`, and retains it when it is the
only holder."""

import types
import unittest

from hstest import STRONG, analyze, child

PROGRAM = """
    import array, ctypes, mmap, os, sys, tempfile, heapsnap

    def word(o, offset):
        return ctypes.c_ssize_t.from_address(id(o) + offset).value

    arr = array.array('d', range(1000))        # grown by appends: allocated > len
    arr_b = array.array('b', bytes(70000))
    ba = bytearray(123456)
    ba_grown = bytearray(b"x" * 10)
    for _ in range(100):
        ba_grown += b"y" * 37
    anon = mmap.mmap(-1, 10000)
    fd, fname = tempfile.mkstemp()
    os.write(fd, b"z" * 3 * mmap.PAGESIZE)
    filemap = mmap.mmap(fd, mmap.PAGESIZE, offset=mmap.PAGESIZE)
    closed = mmap.mmap(-1, 4096)
    closed.close()
    exporter = bytearray(300000)
    view = memoryview(exporter)
    view2 = view[10:20]                         # shares the managed buffer
    only_view = memoryview(bytearray(200000))   # its exporter has no other holder
    heapsnap.dump(sys.argv[1])
    os.close(fd)
    os.unlink(fname)
    # CPython's layouts: array: PyObject_VAR_HEAD, ob_item, allocated;
    # bytearray: PyObject_VAR_HEAD, ob_alloc; mmap: PyObject_HEAD, data, size
    report({
        "arrays": [[id(a), sys.getsizeof(a), word(a, 32), a.itemsize, a.buffer_info()[0], type(a).__basicsize__]
                   for a in (arr, arr_b)],
        "bytearrays": [[id(b), sys.getsizeof(b), word(b, 24), word(b, 32), type(b).__basicsize__]
                       for b in (ba, ba_grown)],
        "mmaps": [[id(m), sys.getsizeof(m), word(m, 16), word(m, 24)] for m in (anon, filemap)],
        "closed": [id(closed), sys.getsizeof(closed)],
        "page": mmap.PAGESIZE,
        "exporter": id(exporter), "view": id(view), "view2": id(view2),
        "only_view": id(only_view), "only_exporter": id(only_view.obj),
        "only_exporter_size": sys.getsizeof(only_view.obj),
    })
"""


class Buffers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # one dump for the class; its temp dir goes when the class is done
        cls.snap, cls.info, cls.dump = child(types.SimpleNamespace(addCleanup=cls.addClassCleanup), PROGRAM)

    def block(self, a):
        return self.snap.blocks[a]

    def test_array_size_is_getsizeof_with_its_buffer(self):
        for a, getsizeof, allocated, itemsize, buf, basic in self.info["arrays"]:
            # GC header + the struct + the allocated items: getsizeof counts the buffer itself
            self.assertEqual(getsizeof, 16 + basic + allocated * itemsize)
            self.assertEqual(self.block(a)["size"], getsizeof)
            self.assertEqual(self.block(a)["type_name"], "array.array")
            self.assertNotIn(buf, self.snap.blocks)  # not counted a second time
            self.assertFalse([r for r in self.block(a)["refs"] if r["to"] not in self.snap.blocks
                              or self.snap.blocks[r["to"]]["type_name"].startswith("array.<")])
        self.assertGreater(self.info["arrays"][0][2], 1000)  # over-allocated by its appends
        self.assertGreaterEqual(self.block(self.info["arrays"][1][0])["size"], 70000)

    def test_bytearray_size_is_getsizeof_with_its_buffer(self):
        for b, getsizeof, alloc, buf, basic in self.info["bytearrays"]:
            self.assertEqual(getsizeof, basic + alloc)  # not a GC type: no header
            self.assertEqual(self.block(b)["size"], getsizeof)
            self.assertNotIn(buf, self.snap.blocks)
            self.assertEqual(self.block(b)["refs"], [])
        self.assertEqual(self.info["bytearrays"][0][2], 123457)

    def test_mmap_holds_its_mapping(self):
        lengths = []
        for m, getsizeof, data, size in self.info["mmaps"]:
            self.assertEqual(self.block(m)["size"], getsizeof)
            self.assertEqual(getsizeof, 96)  # 16 + the 80-byte struct, whatever the mapping
            held = self.snap.child(m, "<mapping>")
            self.assertEqual(held, data)
            self.assertEqual(self.block(held)["type_name"], "mmap.<mapping>")
            self.assertEqual(self.block(held)["size"], size)
            self.assertEqual(data % self.info["page"], 0)
            lengths.append(size)
            shown = analyze("show", self.dump, at=m)["block"]
            self.assertEqual(shown["retained"], 96 + size)  # its type is shared: not retained
        self.assertEqual(lengths, [10000, self.info["page"]])
        closed, _ = self.info["closed"]
        self.assertEqual(self.snap.refs(closed, "<mapping>"), [])
        self.assertEqual(self.snap.trailer["end_tags"].get("mmap"), "mapping blocks")

    def test_memoryview_reaches_its_exporter(self):
        i = self.info
        mbuf = self.snap.child(i["view"], "mbuf")
        self.assertEqual(self.block(mbuf)["type_name"], "builtins.managedbuffer")
        self.assertEqual(self.snap.child(mbuf, "obj"), i["exporter"])
        self.assertEqual(self.snap.child(i["view2"], "mbuf"), mbuf)
        # the exporter's references are all seen: it is no external root
        self.assertEqual([r for r in self.snap.roots_of(i["exporter"]) if r["root_kind"] == 3], [])
        only = self.snap.child(self.snap.child(i["only_view"], "mbuf"), "obj")
        self.assertEqual(only, i["only_exporter"])
        self.assertIn(only, self.snap.retained(i["only_view"]))
        shown = analyze("show", self.dump, at=i["only_view"])["block"]
        self.assertGreaterEqual(shown["retained"], i["only_exporter_size"] + self.block(i["only_view"])["size"])


if __name__ == "__main__":
    unittest.main()
