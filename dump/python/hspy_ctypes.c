/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_ctypes.c — the memory ctypes objects own: a CData
 * object (an instance of a ctypes array, structure, union, pointer, simple
 * or function-pointer type) whose buffer it allocated itself keeps that
 * buffer outside the object, where sys.getsizeof does not see it (a 64 KiB
 * c_char_Array_65536 is 136 bytes). The walk writes the buffer as a block
 * of its own, `_ctypes.<buffer>` at the buffer's address with its size,
 * held by the object through a reference labelled `<buffer>`, so the
 * object's retained size includes it and its shallow size stays
 * getsizeof's (docs/python.md#c-memory).
 *
 * Identity and layout. CData objects are recognised by their type's type:
 * one of _ctypes' metatypes (PyCSimpleType, PyCArrayType, ...), read off
 * the _ctypes module already imported (nothing is imported, no Python
 * code runs). The object layout is CPython's private CDataObject
 * (Modules/_ctypes/ctypes.h), the same from 3.10 to 3.13, and each object
 * is checked for it before its buffer is trusted: the inline buffer is
 * b_value, an owned one has b_needsfree set and a size past b_value's.
 */
#include "hspy.h"

#include <stddef.h>

/* Modules/_ctypes/ctypes.h, CPython 3.10-3.13: the fields read here */
typedef struct hspy_cdata {
    PyObject_HEAD
    char *b_ptr;            /* the buffer */
    int b_needsfree;        /* the object allocated b_ptr and frees it */
    PyObject *b_base;       /* the object whose buffer this is a view of */
    Py_ssize_t b_size;      /* bytes of the buffer */
    Py_ssize_t b_length;
    Py_ssize_t b_index;
    PyObject *b_objects;    /* keep-alive */
    union {
        char c[16];
        long long ll;
        long double ld;
    } b_value;              /* the inline buffer, for small values */
} hspy_cdata;

void hspy_ctypes_init(hspy_dump *d)
{
    d->nct_meta = 0;
    PyObject *name = PyUnicode_InternFromString("_ctypes");
    PyObject *m = name ? PyImport_GetModule(name) : NULL; /* only if imported: never imports */
    Py_XDECREF(name);
    if (!m) {
        PyErr_Clear();
        return;
    }
    static const char *const bases[] = {"_SimpleCData", "Array", "Structure", "Union", "_Pointer", "CFuncPtr"};
    PyObject *dict = PyModule_GetDict(m); /* borrowed; a dict lookup runs no Python code */
    for (size_t i = 0; dict && i < sizeof bases / sizeof bases[0] && d->nct_meta < HSPY_CT_META; i++) {
        PyObject *b = PyDict_GetItemString(dict, bases[i]);
        if (b && PyType_Check(b)) d->ct_meta[d->nct_meta++] = Py_TYPE(b);
    }
    Py_DECREF(m);
}

int hspy_ctypes_is_cdata_type(const hspy_dump *d, PyTypeObject *tp)
{
    for (int i = 0; i < d->nct_meta; i++)
        if (Py_TYPE(tp) == d->ct_meta[i]) return 1;
    return 0;
}

void hspy_ctypes_buffer(hspy_dump *d, PyObject *o, uint64_t addr)
{
    const hspy_cdata *c = (const hspy_cdata *)o;
    const char *inline_buf = c->b_value.c;
    if (c->b_ptr == inline_buf || !c->b_ptr) return;            /* inline: inside the object */
    if (c->b_needsfree != 1 || c->b_size <= (Py_ssize_t)sizeof c->b_value) return; /* a view, or not the layout */
    if (c->b_size > ((Py_ssize_t)1 << 40)) return;              /* not the layout */
    uint64_t b = (uint64_t)(uintptr_t)c->b_ptr;
    if (!d->t_ctbuf) HSPY_W(d, hs_writer_add_type(d->w, "<buffer>", "_ctypes", 0, &d->t_ctbuf));
    HSPY_W(d, hs_writer_add_block(d->w, b, (uint64_t)c->b_size, d->t_ctbuf, 0, HS_NONE));
    HSPY_W(d, hs_writer_add_ref_sid(d->w, addr, b, HS_REF_STRONG, hspy_intern(d, "<buffer>")));
    d->nobjects++;
    d->nbytes += (uint64_t)c->b_size;
    d->nrefs++;
}
