/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_types.c — the type table of a dump: one writer type per
 * PyTypeObject met (named module + qualified name, read from the type's own
 * fields, never through attribute lookup), its walk kind, and the size rule
 * of its instances: what sys.getsizeof would report without running any
 * Python-level __sizeof__, plus the inline attribute values it does not
 * see (hspy_cpy_values_extra). Entry points:
 * hspy_types_release, hspy_type_of, hspy_size_of.
 * See docs/python.md#sizes.
 */
#include "hspy.h"

#include <stdlib.h>
#include <string.h>

void hspy_types_release(hspy_dump *d)
{
    hspy_map_release(&d->type_map);
    free(d->types);
    d->types = NULL;
    Py_CLEAR(d->s_module);
    Py_CLEAR(d->s_sizeof);
}

static hspy_kind kind_of(hspy_dump *d, PyTypeObject *tp, uint8_t *subclass)
{
    *subclass = 0;
    if (tp == &PyList_Type) return HK_LIST;
    if (tp == &PyTuple_Type) return HK_TUPLE;
    if (tp == &PyDict_Type) return HK_DICT;
    if (tp == &PyUnicode_Type) return HK_STR;
    if (tp == &PyLong_Type) return HK_INT;
    if (tp == &PyFloat_Type) return HK_FLOAT;
    if (tp == &PyBytes_Type) return HK_BYTES;
    if (tp == &PySet_Type || tp == &PyFrozenSet_Type) return HK_SET;
    if (tp == &PyFunction_Type) return HK_FUNCTION;
    if (tp == &PyCell_Type) return HK_CELL;
    if (tp == &PyMethod_Type) return HK_METHOD;
    if (tp == &PyCFunction_Type || tp == &PyCMethod_Type) return HK_CFUNC;
    if (tp == &PyCode_Type) return HK_CODE;
    if (tp == &PyFrame_Type) return HK_FRAME;
    if (tp == &PyGen_Type || tp == &PyCoro_Type || tp == &PyAsyncGen_Type) return HK_GEN;
    if (PyType_FastSubclass(tp, Py_TPFLAGS_TYPE_SUBCLASS)) return HK_HEAPTYPE; /* static or heap: per object */
    if (PyType_IsSubtype(tp, &_PyWeakref_RefType) || tp == &_PyWeakref_ProxyType ||
        tp == &_PyWeakref_CallableProxyType)
        return HK_WEAKREF;
    if (PyType_IsSubtype(tp, &PyModule_Type)) return HK_MODULE;
    if ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && tp->tp_traverse == d->subtype_traverse) {
        if (PyType_FastSubclass(tp, Py_TPFLAGS_LIST_SUBCLASS) || PyType_FastSubclass(tp, Py_TPFLAGS_TUPLE_SUBCLASS) ||
            PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS))
            *subclass = 1;
        return HK_INSTANCE;
    }
    if (PyType_FastSubclass(tp, Py_TPFLAGS_DICT_SUBCLASS)) *subclass = 1; /* defaultdict, OrderedDict */
    return HK_OTHER;
}

/* The first C-level __sizeof__ along the MRO; Python-level overrides are
 * skipped, never called. */
static void resolve_sizer(hspy_dump *d, PyTypeObject *tp, hspy_type *t)
{
    t->sizer = HZ_DEFAULT;
    if (tp == &PyUnicode_Type) t->sizer = HZ_STR;
    else if (tp == &PyLong_Type) t->sizer = HZ_INT;
    else if (tp == &PyBytes_Type) t->sizer = HZ_BYTES;
    else if (tp == &PyList_Type) t->sizer = HZ_LIST;
    else if (tp == &PyDict_Type) t->sizer = HZ_DICT;
    else if (tp == &PySet_Type || tp == &PyFrozenSet_Type) t->sizer = HZ_SET;
    PyObject *mro = tp->tp_mro;
    if (!mro || !PyTuple_Check(mro)) return;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        PyObject *bd = PyType_Check(b) ? hspy_cpy_type_dict((PyTypeObject *)b) : NULL;
        if (!bd) continue;
        PyObject *m = PyDict_GetItemWithError(bd, d->s_sizeof);
        if (!m) {
            PyErr_Clear();
            continue;
        }
        if (!Py_IS_TYPE(m, &PyMethodDescr_Type)) continue; /* user-defined: not run */
        PyMethodDef *md = ((PyMethodDescrObject *)m)->d_method;
        if (md->ml_meth == d->object_sizeof || !(md->ml_flags & METH_NOARGS)) return;
        t->csizeof = md->ml_meth;
        if (t->sizer == HZ_DEFAULT) t->sizer = HZ_CCALL;
        return;
    }
}

static void type_names(hspy_dump *d, PyTypeObject *tp, char *name, size_t ncap, char *mod, size_t mcap)
{
    int trunc;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)tp;
        if (ht->ht_qualname && PyUnicode_Check(ht->ht_qualname)) hspy_utf8(ht->ht_qualname, 200, name, ncap, &trunc);
        else snprintf(name, ncap, "%s", tp->tp_name);
        PyObject *m = tp->tp_dict ? PyDict_GetItemWithError(tp->tp_dict, d->s_module) : NULL;
        if (!m) PyErr_Clear();
        if (m && PyUnicode_Check(m)) hspy_utf8(m, 200, mod, mcap, &trunc);
        else snprintf(mod, mcap, "?");
        return;
    }
    const char *dot = strrchr(tp->tp_name, '.');
    if (dot) {
        snprintf(name, ncap, "%s", dot + 1);
        snprintf(mod, mcap, "%.*s", (int)(dot - tp->tp_name), tp->tp_name);
    } else {
        snprintf(name, ncap, "%s", tp->tp_name);
        snprintf(mod, mcap, "builtins");
    }
}

hspy_type *hspy_type_of(hspy_dump *d, PyTypeObject *tp)
{
    uint64_t idx;
    if (hspy_map_get(&d->type_map, (uintptr_t)tp, &idx)) return &d->types[idx];
    if (d->ntypes == d->types_cap) {
        size_t cap = d->types_cap ? d->types_cap * 2 : 256;
        hspy_type *v = realloc(d->types, cap * sizeof *v);
        if (!v) {
            d->nomem = 1;
            return NULL;
        }
        d->types = v;
        d->types_cap = cap;
    }
    hspy_type *t = &d->types[d->ntypes];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind_of(d, tp, &t->subclass);
    t->finalizer = tp->tp_finalize != NULL || tp->tp_del != NULL;
    t->cdata = (uint8_t)hspy_ctypes_is_cdata_type(d, tp);
    t->ndarray = (uint8_t)hspy_numpy_is_array_type(d, tp);
    t->ufunc = (uint8_t)hspy_numpy_is_ufunc_type(d, tp);
    t->cext = hspy_cext_kind(d, tp, &t->ext);
    t->preheader = (uint16_t)hspy_cpy_preheader(tp);
    resolve_sizer(d, tp, t);
    char name[1024], mod[1024];
    type_names(d, tp, name, sizeof name, mod, sizeof mod);
    uint32_t flags = (PyType_IS_GC(tp) ? HS_TYPE_CONTAINER : 0) | (t->finalizer ? HS_TYPE_FINALIZER : 0);
    t->id = 0;
    HSPY_W(d, hs_writer_add_type(d->w, name, mod, flags, &t->id));
    if (d->st != HS_OK) return NULL;
    if (hspy_map_put(&d->type_map, (uintptr_t)tp, d->ntypes) < 0) {
        d->nomem = 1;
        return NULL;
    }
    d->ntypes++;
    return t;
}

uint64_t hspy_size_of(hspy_dump *d, PyObject *o, const hspy_type *t)
{
    PyTypeObject *tp = Py_TYPE(o);
    uint64_t size = 0;
    switch ((hspy_sizer)t->sizer) {
    case HZ_STR:
        size = hspy_cpy_str_size(o);
        break;
    case HZ_INT:
        size = hspy_cpy_int_size(o);
        break;
    case HZ_BYTES:
        size = offsetof(PyBytesObject, ob_sval) + 1 + (uint64_t)Py_SIZE(o);
        break;
    case HZ_LIST:
        size = (uint64_t)tp->tp_basicsize + (uint64_t)((PyListObject *)o)->allocated * sizeof(PyObject *);
        break;
    case HZ_DICT:
        size = hspy_cpy_dict_size(o);
        break;
    case HZ_SET: {
        PySetObject *so = (PySetObject *)o;
        size = (uint64_t)tp->tp_basicsize;
        if (so->table != so->smalltable) size += (uint64_t)(so->mask + 1) * sizeof(setentry);
        break;
    }
    case HZ_CCALL:
    case HZ_DEFAULT:
        break;
    }
    if (!size && t->csizeof) {
        /* A C __sizeof__ (builtin or extension type): no Python code runs. */
        PyObject *r = t->csizeof(o, NULL);
        if (r && PyLong_Check(r)) {
            Py_ssize_t v = PyLong_AsSsize_t(r);
            if (v >= 0) size = (uint64_t)v;
        }
        Py_XDECREF(r);
        if (PyErr_Occurred()) PyErr_Clear();
    }
    if (!size) {
        Py_ssize_t n = tp->tp_itemsize ? Py_SIZE(o) : 0;
        if (n < 0) n = -n;
        size = (uint64_t)tp->tp_basicsize + (uint64_t)n * (uint64_t)tp->tp_itemsize;
    }
    size += t->preheader;
    if (HSPY_MANAGED_DICT(tp)) size += hspy_cpy_values_extra(o);
    (void)d;
    return size;
}
