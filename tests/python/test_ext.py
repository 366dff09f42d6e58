# SPDX-License-Identifier: MIT
"""tests/python/test_ext.py — the extension point heapsnap_ext.h (issue 16,
docs/python.md#c-extensions), through its worked example tests/python/ext
(hsext.Hidden: a 1 MiB malloc'ed buffer and a strong reference to a list
that no tp_traverse reports). One child dumps three times: before
hsext.register() the buffer and the list are invisible (the object is
getsizeof's 40 bytes and retains nothing, the list is an external root);
after it, the object holds a block `hsext.<buffer>` of exactly 1 MiB
and the list through `hidden`, `heapsnap show` retains their hand-summed
sizes, `heapsnap top` ranks the object first, holding the buffer; a record of an unknown
layout is refused (nothing added, end tag ext_refused); a Python subclass
of Hidden is described too (the record is found along its MRO). hsext is imported
before heapsnap: no import order is needed."""

import os
import types
import unittest

from hstest import ROOT_EXTERNAL, addr, analyze, child, decode

PROGRAM = """
    import sys
    import hsext        # before heapsnap: neither imports the other
    import heapsnap

    N = 1 << 20
    payload = [str(i) * 40 for i in range(3000)]   # distinct str objects, held only by obj
    obj = hsext.Hidden(N, payload)
    class Sub(hsext.Hidden):   # a Python subclass (a GC type with a __dict__): described too
        pass
    sub = Sub(4096, None)
    hand = sys.getsizeof(payload) + sum(sys.getsizeof(s) for s in payload)
    ids = {"obj": id(obj), "payload": id(payload), "buf": hsext.buffer_address(obj),
           "obj_size": sys.getsizeof(obj), "sub": id(sub), "sub_buf": hsext.buffer_address(sub), "payload_retained": hand, "N": N}
    del payload
    heapsnap.dump(sys.argv[1] + ".before")
    hsext.register()
    heapsnap.dump(sys.argv[1])
    hsext.register(bad=True)
    heapsnap.dump(sys.argv[1] + ".bad")
    report(ids)
"""


class Ext(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        path = os.environ.get("HSEXT_PATH")
        if not path:
            raise unittest.SkipTest("HSEXT_PATH not set (run through ctest)")
        env = {"PYTHONPATH": os.environ.get("PYTHONPATH", "") + os.pathsep + path}
        once = types.SimpleNamespace(addCleanup=cls.addClassCleanup)
        cls.after, cls.info, cls.dump = child(once, PROGRAM, env=env)
        cls.before = decode(cls.dump + ".before")
        cls.bad = decode(cls.dump + ".bad")

    def test_without_registration_they_are_invisible(self):
        i, s = self.info, self.before
        self.assertEqual(s.blocks[i["obj"]]["size"], i["obj_size"])
        self.assertEqual(s.blocks[i["obj"]]["refs"], [r for r in s.blocks[i["obj"]]["refs"] if r["label"] is None])
        self.assertNotIn(i["buf"], s.blocks)
        self.assertNotIn(i["payload"], s.retained(i["obj"]))
        self.assertTrue([r for r in s.roots_of(i["payload"]) if r["root_kind"] == ROOT_EXTERNAL])
        shown = analyze("show", self.dump + ".before", at=i["obj"])["block"]
        self.assertEqual(shown["retained"], i["obj_size"])
        self.assertNotIn("ext_types", s.trailer["end_tags"])

    def test_with_registration_they_are_held(self):
        i, s = self.info, self.after
        self.assertEqual(s.blocks[i["obj"]]["size"], i["obj_size"])  # shallow stays getsizeof's
        buf = s.child(i["obj"], "<buffer>")
        self.assertEqual(buf, i["buf"])
        self.assertEqual(s.blocks[buf]["type_name"], "hsext.<buffer>")
        self.assertEqual(s.blocks[buf]["size"], i["N"])
        self.assertEqual(s.child(i["obj"], "hidden"), i["payload"])
        self.assertEqual([r for r in s.roots_of(i["payload"]) if r["root_kind"] == ROOT_EXTERNAL], [])
        # retained: the object, its buffer, the list and its 3000 strings, summed by hand in the child
        shown = analyze("show", self.dump, at=i["obj"])["block"]
        self.assertEqual(shown["retained"], i["obj_size"] + i["N"] + i["payload_retained"])
        self.assertEqual(s.size(s.retained(i["obj"])), shown["retained"])
        top = analyze("top", self.dump, "-n", "3")["top"]
        self.assertEqual((top[0]["name"], addr(top[0]["block"]["addr"])), ("__main__.obj", i["obj"]), top[0])
        self.assertEqual(top[0]["retained"], shown["retained"])
        self.assertIn({"type": "hsext.<buffer>", "count": 1, "retained": i["N"]}, top[0]["holds"])
        self.assertEqual(s.trailer["end_tags"].get("ext_types"), "2")  # Hidden and Sub

    def test_a_subclass_is_described_through_its_mro(self):
        i = self.info
        self.assertNotIn(i["sub_buf"], self.before.blocks)
        buf = self.after.child(i["sub"], "<buffer>")
        self.assertEqual((buf, self.after.blocks[buf]["size"]), (i["sub_buf"], 4096))

    def test_a_record_of_unknown_layout_is_refused(self):
        i, s = self.info, self.bad
        self.assertNotIn(i["buf"], s.blocks)
        self.assertEqual(s.refs(i["obj"], "hidden"), [])
        self.assertIn("hsext.Hidden: record of an unknown layout", s.trailer["end_tags"].get("ext_refused", ""))


if __name__ == "__main__":
    unittest.main()
