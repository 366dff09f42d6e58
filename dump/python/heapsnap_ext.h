/* SPDX-License-Identifier: MIT */
/*
 * heapsnap_ext.h — the extension point of heapsnap's Python writer: a C
 * extension tells the heap walk (heapsnap.dump()) about the memory its
 * type owns that sys.getsizeof does not count (address + size blocks) and
 * the references it holds that its tp_traverse does not report (with
 * labels). See docs/python.md#c-extensions.
 *
 * How. The extension fills a static heapsnap_ext_type record and calls
 * heapsnap_ext_register(type, &record) once, at module init, after the
 * type is ready. That stores a PyCapsule (name HEAPSNAP_EXT_CAPSULE) in the
 * type's own dict under HEAPSNAP_EXT_ATTR. The walk finds it there when it
 * meets the first instance of the type (or of a subclass), through plain
 * dict lookups. Neither module imports the other and either may be
 * imported first: this header is all the extension needs, and it links
 * against nothing of heapsnap.
 *
 * Ownership and threads. The record and every string given to the visitor
 * (block type names, labels) must stay valid and unchanged while the type
 * exists: the walk keeps their pointers (use string literals). describe()
 * is called with the GIL held, during the walk, with the garbage collector
 * disabled. It must not run Python code, create, free or change Python
 * objects, set an exception, or block; it may read the object's own fields.
 * It returns 0, or -1 to stop describing this object (what it gave so far
 * is kept).
 *
 * Versions. HEAPSNAP_EXT_VERSION counts additions to these structs, which
 * only ever grow at the end. The extension sets `size` and `version` to
 * what it was built with; the walk reads the fields it knows of. The
 * visitor carries the walk's own `size` and `version`: check them before
 * calling any member added after version 1.
 */
#ifndef HEAPSNAP_EXT_H
#define HEAPSNAP_EXT_H

#include <Python.h>
#include <stddef.h>
#include <stdint.h>

#define HEAPSNAP_EXT_VERSION 1
#define HEAPSNAP_EXT_CAPSULE "heapsnap.ext_type"
#define HEAPSNAP_EXT_ATTR "__heapsnap_ext__"

typedef struct heapsnap_ext_visitor heapsnap_ext_visitor;
struct heapsnap_ext_visitor {
    uint32_t size;    /* sizeof(heapsnap_ext_visitor) as heapsnap was built */
    uint32_t version; /* HEAPSNAP_EXT_VERSION heapsnap was built with */
    /* A block of memory the object owns (it frees it), outside the object:
     * `name` is its type, "module.name" split at the last dot (for example
     * "mylib.<buffer>"). The object holds it through a reference labelled
     * `label` (NULL: none). Size 0, a NULL address or a size over 1 TiB is
     * ignored. */
    int (*block)(heapsnap_ext_visitor *v, const void *addr, size_t size, const char *name, const char *label);
    /* A strong reference the object holds (one of its own reference counts
     * on `target`) that its tp_traverse does not report. */
    int (*ref)(heapsnap_ext_visitor *v, PyObject *target, const char *label);
};

typedef struct heapsnap_ext_type {
    uint32_t size;    /* sizeof(heapsnap_ext_type) */
    uint32_t version; /* HEAPSNAP_EXT_VERSION */
    /* Called once for each instance the walk meets, after its block is
     * written. */
    int (*describe)(PyObject *self, heapsnap_ext_visitor *v);
} heapsnap_ext_type;

#define HEAPSNAP_EXT_TYPE_INIT(describe_fn) {sizeof(heapsnap_ext_type), HEAPSNAP_EXT_VERSION, (describe_fn)}

/* Attach `info` to type `tp` (a heap type made by PyType_FromSpec, or a
 * static extension type after PyType_Ready; not a builtin type). Calling
 * it again replaces the record. 0, or -1 with an exception set. */
static inline int heapsnap_ext_register(PyTypeObject *tp, const heapsnap_ext_type *info)
{
    PyObject *dict = tp->tp_dict; /* the type's own dict: also for immutable types, which refuse setattr */
    if (!dict) {
        PyErr_SetString(PyExc_TypeError, "heapsnap_ext_register: the type is not ready");
        return -1;
    }
    PyObject *cap = PyCapsule_New((void *)info, HEAPSNAP_EXT_CAPSULE, NULL);
    if (!cap) return -1;
    int rc = PyDict_SetItemString(dict, HEAPSNAP_EXT_ATTR, cap);
    Py_DECREF(cap);
    if (rc == 0) PyType_Modified(tp); /* attribute caches */
    return rc;
}

#endif /* HEAPSNAP_EXT_H */
