/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_numpy.c — the references a numpy array holds that its
 * type does not report (ndarray has no tp_traverse): its `base` (the array
 * or buffer a view keeps alive, a reference labelled `base`) and the
 * elements of an object-dtype array (references labelled by their C-order
 * flat index, made by the array that owns the data: a view's elements are
 * its base's). So a view keeps its base, and a DataFrame with an object
 * column retains its strings. The data an array owns is already in its size: numpy's
 * __sizeof__, which sys.getsizeof calls, adds it (docs/python.md#c-memory).
 *
 * Identity and version. Arrays are instances of numpy's ndarray type (or
 * a subclass), read off the numpy module already imported — nothing is
 * imported, no Python code runs during the walk. The fields read are
 * numpy 1.x's public PyArrayObject_fields and PyArray_Descr
 * (numpy/ndarraytypes.h: stable since numpy 1.7); numpy 2 moved the
 * descriptor's elsize, so with numpy 2 arrays are dumped as before and the
 * header's `numpy` tag says so.
 *
 * Ufuncs. A ufunc's tp_traverse reports only `obj` and its identity value;
 * its `_loops` list (the (dtypes, loop) pairs its dispatcher chooses from)
 * and `userloops` dict are plain fields of PyUFuncObject (numpy/
 * ufuncobject.h). Unreported, they were roots "held by C code only" in
 * every program that imported numpy. They are references of the ufunc when
 * numpy.ufunc's instance size is that of the layout below (numpy 1.22 to
 * 1.26; any other size: not read, and the tag says so).
 */
#include "hspy.h"

#include <stdio.h>
#include <string.h>

/* numpy/ndarraytypes.h (numpy 1.7 - 1.26): the fields read here */
typedef struct hspy_np_descr {
    PyObject_HEAD
    PyTypeObject *typeobj;
    char kind, type, byteorder, flags;
    int type_num;
    int elsize;
} hspy_np_descr;

typedef struct hspy_np_array {
    PyObject_HEAD
    char *data;
    int nd;
    Py_ssize_t *dimensions;
    Py_ssize_t *strides;
    PyObject *base;
    hspy_np_descr *descr;
    int flags;
} hspy_np_array;

/* numpy/ufuncobject.h (numpy 1.22 - 1.26): PyUFuncObject, whole, so that
 * its size can be checked against numpy.ufunc's tp_basicsize */
typedef struct hspy_np_ufunc {
    PyObject_HEAD
    int nin, nout, nargs, identity;
    void *functions, **data;
    int ntypes, reserved1;
    const char *name;
    char *types;
    const char *doc;
    void *ptr;
    PyObject *obj, *userloops;
    int core_enabled, core_num_dim_ix;
    int *core_num_dims, *core_dim_ixs, *core_offsets;
    char *core_signature;
    void *type_resolver, *legacy_inner_loop_selector, *vectorcall, *masked_inner_loop_selector;
    uint32_t *op_flags;
    uint32_t iter_flags;
    Py_ssize_t *core_dim_sizes;
    uint32_t *core_dim_flags;
    PyObject *identity_value;
    void *dispatch_cache;
    PyObject *loops;
} hspy_np_ufunc;

#define NP_C_CONTIGUOUS 0x0001
#define NP_F_CONTIGUOUS 0x0002
#define NP_OWNDATA 0x0004
#define NP_OBJECT 17
#define NP_MAX_DIMS 64

const char *hspy_numpy_init(PyTypeObject **np_array, PyTypeObject **np_ufunc, char *tag, size_t cap)
{
    *np_array = NULL;
    *np_ufunc = NULL;
    PyObject *name = PyUnicode_InternFromString("numpy");
    PyObject *m = name ? PyImport_GetModule(name) : NULL; /* only if imported: never imports */
    Py_XDECREF(name);
    if (!m) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *dict = PyModule_GetDict(m);
    PyObject *ver = dict ? PyDict_GetItemString(dict, "__version__") : NULL;
    PyObject *nd = dict ? PyDict_GetItemString(dict, "ndarray") : NULL;
    PyObject *uf = dict ? PyDict_GetItemString(dict, "ufunc") : NULL;
    const char *vs = ver && PyUnicode_Check(ver) ? PyUnicode_AsUTF8(ver) : NULL;
    if (!vs) PyErr_Clear();
    if (vs && vs[0] == '1' && vs[1] == '.' && nd && PyType_Check(nd)) {
        *np_array = (PyTypeObject *)nd;
        if (uf && PyType_Check(uf) && ((PyTypeObject *)uf)->tp_basicsize == (Py_ssize_t)sizeof(hspy_np_ufunc)) {
            *np_ufunc = (PyTypeObject *)uf;
            snprintf(tag, cap, "%.40s: base, object elements and ufunc loops", vs);
        } else {
            snprintf(tag, cap, "%.40s: base and object elements (ufunc layout not known here)", vs);
        }
    } else {
        snprintf(tag, cap, "%.40s: layout not known here, arrays as sys.getsizeof sees them", vs ? vs : "?");
    }
    Py_DECREF(m);
    return tag;
}

int hspy_numpy_is_array_type(const hspy_dump *d, PyTypeObject *tp)
{
    return d->np_array && PyType_IsSubtype(tp, d->np_array);
}

int hspy_numpy_is_ufunc_type(const hspy_dump *d, PyTypeObject *tp)
{
    return d->np_ufunc && tp == d->np_ufunc; /* final: numpy.ufunc has no subclasses */
}

void hspy_numpy_ufunc_refs(hspy_dump *d, PyObject *o, uint64_t addr)
{
    const hspy_np_ufunc *u = (const hspy_np_ufunc *)o;
    if (u->loops && PyList_CheckExact(u->loops)) hspy_ref_obj(d, addr, u->loops, HS_REF_STRONG, hspy_intern(d, "_loops"));
    if (u->userloops && PyDict_CheckExact(u->userloops))
        hspy_ref_obj(d, addr, u->userloops, HS_REF_STRONG, hspy_intern(d, "userloops"));
}

void hspy_numpy_refs(hspy_dump *d, PyObject *o, uint64_t addr)
{
    const hspy_np_array *a = (const hspy_np_array *)o;
    if (a->nd < 0 || a->nd > NP_MAX_DIMS || !a->descr || a->descr->elsize < 0) return; /* not the layout */
    if (a->base) hspy_ref_obj(d, addr, a->base, HS_REF_STRONG, hspy_intern(d, "base"));
    uint64_t n = 1;
    for (int i = 0; i < a->nd; i++) {
        Py_ssize_t k = a->dimensions ? a->dimensions[i] : -1;
        if (k < 0) return;
        if (k && n > UINT64_MAX / (uint64_t)k) return;
        n *= (uint64_t)k;
    }
    uint64_t elsize = (uint64_t)a->descr->elsize;
    if (n && elsize > UINT64_MAX / n) return;
    /* An object array's elements are referenced by the array that owns the
     * data (a view's elements are its base's: counting them again would
     * overcount). An owner's items lie one after another, in C or Fortran
     * order; each is labelled with its C-order flat index, as arr.flat[k]. */
    if (a->descr->type_num != NP_OBJECT || !a->data || !(a->flags & NP_OWNDATA) ||
        !(a->flags & (NP_C_CONTIGUOUS | NP_F_CONTIGUOUS)) || elsize != sizeof(PyObject *))
        return;
    PyObject *const *item = (PyObject *const *)(const void *)a->data;
    int fortran = !(a->flags & NP_C_CONTIGUOUS) && a->nd > 1;
    uint64_t idx[NP_MAX_DIMS] = {0}; /* the multi-index of item p, first axis fastest */
    for (uint64_t p = 0; p < n; p++) {
        uint64_t k = p;
        if (fortran) { /* C-order index of the p-th item in memory */
            k = 0;
            for (int i = 0; i < a->nd; i++) k = k * (uint64_t)a->dimensions[i] + idx[i];
            for (int i = 0; i < a->nd && ++idx[i] == (uint64_t)a->dimensions[i]; i++) idx[i] = 0;
        }
        if (item[p]) hspy_ref_obj_index(d, addr, item[p], k);
    }
}
