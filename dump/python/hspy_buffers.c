/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_buffers.c — buffers C types hold beside their objects:
 * an mmap object's mapping, written as a block of its own (`mmap.<mapping>`
 * at the mapping's address, its mapped length, held through a reference
 * labelled `<mapping>`: sys.getsizeof counts 96 bytes for any mmap), and
 * the labels of a memoryview's references (`mbuf`, its managed buffer, and
 * the managed buffer's `obj`, the exporter), which tp_traverse reports
 * unlabelled. It also classifies types for hspy_ext.c (described extension
 * types). array.array and bytearray need nothing: their __sizeof__, which
 * the dump calls as getsizeof does, counts the item buffer
 * (docs/python.md#c-memory). Entry points: hspy_cext_* (hspy_cext.h).
 *
 * Identity and layout. mmap's type is read off the mmap module, only if
 * it is already imported; its object layout is CPython's private
 * mmap_object (Modules/mmapmodule.c, the same on POSIX from 3.10 to 3.13),
 * checked against the type's tp_basicsize once per dump and, for each
 * object, by a page-aligned address and a length under 1 TiB. When the
 * size does not match, mmaps are dumped as getsizeof sees them and the end
 * tag `mmap` says so. The managed buffer type is not exported by CPython
 * 3.13: it is read off a memoryview made before the walk. No Python code
 * runs during the walk.
 */
#include "hspy.h"
#include "heapsnap_ext.h"

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* Modules/mmapmodule.c (POSIX, CPython 3.10-3.13) */
typedef struct hspy_mmap {
    PyObject_HEAD
    char *data;          /* the mapping, NULL once closed */
    Py_ssize_t size;     /* its length */
    Py_ssize_t pos;
    off_t offset;
    Py_ssize_t exports;
    int fd;              /* 3.13 adds a _Bool trackfd in the padding after it */
    PyObject *weakreflist;
    int access;
} hspy_mmap;

#define HSPY_MMAP_MAX ((Py_ssize_t)1 << 40)

static PyTypeObject *module_type(const char *module, const char *name)
{
    PyObject *s = PyUnicode_InternFromString(module);
    PyObject *m = s ? PyImport_GetModule(s) : NULL; /* only if imported: never imports */
    Py_XDECREF(s);
    if (!m) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *dict = PyModule_GetDict(m);
    PyObject *t = dict ? PyDict_GetItemString(dict, name) : NULL;
    Py_DECREF(m);
    return t && PyType_Check(t) ? (PyTypeObject *)t : NULL;
}

int hspy_cext_init(hspy_dump *d)
{
    hspy_cext *c = &d->cext;
    PyTypeObject *mm = module_type("mmap", "mmap");
    if (mm && mm->tp_basicsize == (Py_ssize_t)sizeof(hspy_mmap)) {
        c->mmap_type = mm;
        c->mmap_note = "mapping blocks";
    } else if (mm) {
        c->mmap_note = "layout not known here, mmaps as sys.getsizeof sees them";
    }
    static char probe[1];
    PyObject *mv = PyMemoryView_FromMemory(probe, 1, PyBUF_READ);
    if (!mv) return -1;
    c->mbuf_type = Py_TYPE(((PyMemoryViewObject *)mv)->mbuf);
    Py_DECREF(mv);
    c->s_attr = PyUnicode_InternFromString(HEAPSNAP_EXT_ATTR);
    return c->s_attr ? 0 : -1;
}

void hspy_cext_release(hspy_dump *d) { Py_CLEAR(d->cext.s_attr); }

uint8_t hspy_cext_kind(hspy_dump *d, PyTypeObject *tp, const void **ext)
{
    hspy_cext *c = &d->cext;
    *ext = NULL;
    if (c->mmap_type && PyType_IsSubtype(tp, c->mmap_type)) return HSPY_CEXT_MMAP;
    if (tp == &PyMemoryView_Type) return HSPY_CEXT_MEMORYVIEW;
    if (tp == c->mbuf_type) return HSPY_CEXT_MBUF;
    if ((*ext = hspy_ext_record(d, tp)) != NULL) return HSPY_CEXT_EXT;
    return HSPY_CEXT_NONE;
}

static void mapping(hspy_dump *d, PyObject *o, uint64_t addr)
{
    const hspy_mmap *m = (const hspy_mmap *)o;
    long page = sysconf(_SC_PAGESIZE);
    if (!m->data || m->size <= 0 || m->size > HSPY_MMAP_MAX) return;         /* closed, or not the layout */
    if (page > 0 && (uintptr_t)m->data % (uintptr_t)page != 0) return;      /* not a mapping's start */
    hspy_cext *c = &d->cext;
    uint64_t b = (uint64_t)(uintptr_t)m->data;
    if (!c->t_mapping) HSPY_W(d, hs_writer_add_type(d->w, "<mapping>", "mmap", 0, &c->t_mapping));
    HSPY_W(d, hs_writer_add_block(d->w, b, (uint64_t)m->size, c->t_mapping, 0, HS_NONE));
    HSPY_W(d, hs_writer_add_ref_sid(d->w, addr, b, HS_REF_STRONG, hspy_intern(d, "<mapping>")));
    d->nobjects++;
    d->nbytes += (uint64_t)m->size;
    d->nrefs++;
}

void hspy_cext_emit(hspy_dump *d, PyObject *o, const hspy_type *t, uint64_t addr)
{
    if (t->cext == HSPY_CEXT_MMAP) mapping(d, o, addr);
    else if (t->cext == HSPY_CEXT_EXT) hspy_ext_describe(d, o, t->ext, addr);
}

size_t hspy_cext_named(const hspy_dump *d, PyObject *o, const hspy_type *t, hspy_named *out, size_t cap)
{
    (void)d;
    if (cap < 1) return 0;
    if (t->cext == HSPY_CEXT_MEMORYVIEW) {
        out[0] = (hspy_named){"mbuf", (PyObject *)((PyMemoryViewObject *)o)->mbuf};
        return 1;
    }
    if (t->cext == HSPY_CEXT_MBUF) {
        out[0] = (hspy_named){"obj", ((_PyManagedBufferObject *)o)->master.obj};
        return 1;
    }
    return 0;
}

void hspy_cext_end_tags(hspy_dump *d)
{
    hspy_cext *c = &d->cext;
    if (c->mmap_note) HSPY_W(d, hs_writer_set_end_tag(d->w, "mmap", c->mmap_note));
    if (c->ext_types) {
        char v[24];
        snprintf(v, sizeof v, "%llu", (unsigned long long)c->ext_types);
        HSPY_W(d, hs_writer_set_end_tag(d->w, "ext_types", v));
    }
    if (c->ext_refused[0]) HSPY_W(d, hs_writer_set_end_tag(d->w, "ext_refused", c->ext_refused));
}
