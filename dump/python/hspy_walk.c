/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_walk.c — the heap walk: every object the cyclic GC tracks
 * (read straight off the four generation lists) plus every untracked object
 * reachable from them, each written once as a block with its labeled
 * references. Iterative: untracked objects wait on an explicit stack, so a
 * million-deep nested list needs no C recursion. Entry point: hspy_walk().
 * See docs/python.md#walk.
 *
 * In-degrees. To find external holders, the walk counts the strong
 * references it sees to each object. Untracked objects keep their count in
 * the visited set; tracked objects keep it in their own GC header's
 * _gc_prev word, which outside a collection only holds the list's back
 * pointer: the walk zeroes it (keeping the FINALIZED bit), counts in bits
 * 2..63, and rebuilds every back pointer from the forward links when done,
 * as the collector itself does. This holds because the GIL is held, the
 * collector is disabled and not running, and the walk never frees a tracked
 * object; tracked objects created meanwhile (tracemalloc tracebacks) are
 * appended after the recorded list ends and unlink only through their own,
 * intact, back pointers.
 */
#include "hspy.h"

#include <stdlib.h>
#include <string.h>

#define LBL_NONE 0
#define LBL_STR(sid) ((UINT64_C(1) << 62) | (uint64_t)(sid))
#define LBL_IDX(i) ((UINT64_C(2) << 62) | (uint64_t)(i))
#define LC_SIZE 4096u

int hspy_is_tracked(PyObject *o) { return hspy_is_gc(o) && _PyObject_GC_IS_TRACKED(o); }

static void nomem(hspy_dump *d) { d->nomem = 1; }

static void push(hspy_dump *d, PyObject *o)
{
    if (d->nstack == d->stack_cap) {
        size_t cap = d->stack_cap ? d->stack_cap * 2 : 4096;
        PyObject **v = realloc(d->stack, cap * sizeof *v);
        if (!v) return nomem(d);
        d->stack = v;
        d->stack_cap = cap;
    }
    d->stack[d->nstack++] = o;
}

/* Note a reference to `o`: count it if strong, queue `o` if untracked and
 * new (tracked objects are all met on the generation lists). */
static inline void seen(hspy_dump *d, PyObject *o, int strong)
{
    if (hspy_is_tracked(o)) {
        if (strong) _Py_AS_GC(o)->_gc_prev += 4;
        return;
    }
    if (d->nomem) return; /* the walk is ending; do not retry a failed growth per reference */
    int r = hspy_set_add(&d->set, o, strong);
    if (r < 0) nomem(d);
    else if (r == 1) push(d, o);
}

uint32_t hspy_intern(hspy_dump *d, const char *s)
{
    uint32_t sid = HS_NONE;
    HSPY_W(d, hs_writer_intern(d->w, s, strlen(s), &sid));
    return d->st == HS_OK ? sid : HS_NONE;
}

/* The label a str may carry (docs/python.md#privacy): by default only an
 * interned identifier (names from code: attributes, globals, keywords);
 * with values=True any str, cut to HSPY_LABEL_MAX characters. */
uint32_t hspy_label_sid(hspy_dump *d, PyObject *s)
{
    if (!s || !PyUnicode_CheckExact(s)) return HS_NONE;
    size_t i = ((uintptr_t)s >> 4) & (LC_SIZE - 1);
    if (d->lc_key[i] == (uintptr_t)s) return d->lc_sid[i];
    uint32_t sid = HS_NONE;
    if (d->values || (PyUnicode_CHECK_INTERNED(s) && hspy_is_identifier(s))) {
        char buf[4 * HSPY_LABEL_MAX + 8];
        int trunc;
        size_t n = hspy_utf8(s, HSPY_LABEL_MAX, buf, sizeof buf - 4, &trunc);
        if (trunc) {
            memcpy(buf + n, "\xE2\x80\xA6", 3); /* … */
            n += 3;
        }
        HSPY_W(d, hs_writer_intern(d->w, buf, n, &sid));
        if (d->st != HS_OK) sid = HS_NONE;
    }
    d->lc_key[i] = (uintptr_t)s;
    d->lc_sid[i] = sid;
    return sid;
}

static void write_ref(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint64_t label)
{
    uint64_t tag = label >> 62, v = label & ((UINT64_C(1) << 62) - 1);
    if (tag == 2) HSPY_W(d, hs_writer_add_ref_index(d->w, from, (uint64_t)(uintptr_t)to, kind, v));
    else HSPY_W(d, hs_writer_add_ref_sid(d->w, from, (uint64_t)(uintptr_t)to, kind, tag == 1 ? (uint32_t)v : HS_NONE));
    d->nrefs++;
}

void hspy_ref_obj(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint32_t label_sid)
{
    if (!to) return;
    seen(d, to, kind == HS_REF_STRONG);
    write_ref(d, from, to, kind, label_sid == HS_NONE ? LBL_NONE : LBL_STR(label_sid));
}

void hspy_ref_obj_index(hspy_dump *d, uint64_t from, PyObject *to, uint64_t index)
{
    if (!to) return;
    seen(d, to, 1);
    write_ref(d, from, to, HS_REF_STRONG, LBL_IDX(index));
}

/* ---- children through tp_traverse, labeled by matching ---- */

static int collect(PyObject *o, void *arg)
{
    hspy_dump *d = arg;
    if (d->nkids == d->kids_cap) {
        size_t cap = d->kids_cap ? d->kids_cap * 2 : 256;
        PyObject **k = realloc(d->kids, cap * sizeof *k);
        uint64_t *l = k ? realloc(d->klabel, cap * sizeof *l) : NULL;
        if (!k || !l) {
            if (k) d->kids = k;
            nomem(d);
            return -1;
        }
        d->kids = k;
        d->klabel = l;
        d->kids_cap = cap;
    }
    d->kids[d->nkids] = o;
    d->klabel[d->nkids] = LBL_NONE;
    d->nkids++;
    return 0;
}



/* Give the first unlabeled occurrence of `o` among the children `label`. */
static void cand(hspy_dump *d, PyObject *o, uint64_t label)
{
    if (!o || label == LBL_NONE || !d->nkids) return;
    size_t n = d->nkids, start = d->cursor < n ? d->cursor : 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = start + k < n ? start + k : start + k - n;
        if (d->kids[i] == o && d->klabel[i] == LBL_NONE) {
            d->klabel[i] = label;
            d->cursor = i + 1;
            return;
        }
    }
}

static void cand_s(hspy_dump *d, PyObject *o, const char *name)
{
    if (o) cand(d, o, LBL_STR(hspy_intern(d, name)));
}

/* Locals of an interpreter frame, by variable name (cells and free
 * variables included). */
static void cand_frame_locals(hspy_dump *d, _PyInterpreterFrame *f)
{
    PyCodeObject *co = f->f_code;
    if (!co || !PyTuple_Check(co->co_localsplusnames)) return;
    int n = co->co_nlocalsplus;
    if (n > (int)PyTuple_GET_SIZE(co->co_localsplusnames)) n = (int)PyTuple_GET_SIZE(co->co_localsplusnames);
    if (f->stacktop < n) n = f->stacktop;
    d->cursor = 0;
    for (int i = 0; i < n; i++) {
        PyObject *v = f->localsplus[i];
        if (v) cand(d, v, LBL_STR(hspy_label_sid(d, PyTuple_GET_ITEM(co->co_localsplusnames, i))));
    }
}

static void cand_dict_values(hspy_dump *d, PyObject *dict)
{
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        uint32_t sid = hspy_label_sid(d, k);
        if (sid != HS_NONE) cand(d, v, LBL_STR(sid));
    }
}

/* dict_traverse skips str keys of combined str-keyed tables (they cannot
 * form cycles), yet the dict owns them: add them by hand. */
static void dict_str_keys(hspy_dump *d, uint64_t from, PyObject *dict)
{
    PyDictObject *mp = (PyDictObject *)dict;
    if (mp->ma_values || !DK_IS_UNICODE(mp->ma_keys)) return;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(dict, &pos, &k, &v)) hspy_ref_obj(d, from, k, HS_REF_STRONG, HS_NONE);
}

static void cand_slots(hspy_dump *d, PyObject *o)
{
    for (PyTypeObject *tp = Py_TYPE(o); tp && (tp->tp_flags & Py_TPFLAGS_HEAPTYPE); tp = tp->tp_base) {
        Py_ssize_t n = Py_SIZE(tp);
        PyMemberDef *mp = hspy_heaptype_members((PyHeapTypeObject *)tp);
        for (Py_ssize_t i = 0; i < n; i++, mp++) {
            if (mp->type != T_OBJECT_EX && mp->type != T_OBJECT) continue;
            PyObject *v = *(PyObject **)((char *)o + mp->offset);
            if (v) cand_s(d, v, mp->name);
        }
    }
}

static void cand_instance(hspy_dump *d, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    d->cursor = 0;
    cand_s(d, (PyObject *)tp, "__class__");
    if (tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) {
        PyDictValues *values = *hspy_values_ptr(o);
        PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
        if (values && keys) {
            PyDictUnicodeEntry *ent = DK_UNICODE_ENTRIES(keys);
            for (Py_ssize_t i = 0; i < keys->dk_nentries; i++)
                if (values->values[i]) cand(d, values->values[i], LBL_STR(hspy_label_sid(d, ent[i].me_key)));
        }
        cand_s(d, *hspy_managed_dict_ptr(o), "__dict__");
    } else if (tp->tp_dictoffset > 0) {
        cand_s(d, *(PyObject **)((char *)o + tp->tp_dictoffset), "__dict__");
    }
    cand_slots(d, o);
}

static void cand_kind(hspy_dump *d, PyObject *o, const hspy_type *t, uint64_t addr)
{
    d->cursor = 0;
    switch ((hspy_kind)t->kind) {
    case HK_FUNCTION: {
        PyFunctionObject *f = (PyFunctionObject *)o;
        cand_s(d, f->func_code, "__code__");
        cand_s(d, f->func_globals, "__globals__");
        cand_s(d, f->func_builtins, "__builtins__");
        cand_s(d, f->func_module, "__module__");
        cand_s(d, f->func_defaults, "__defaults__");
        cand_s(d, f->func_kwdefaults, "__kwdefaults__");
        cand_s(d, f->func_doc, "__doc__");
        cand_s(d, f->func_name, "__name__");
        cand_s(d, f->func_dict, "__dict__");
        cand_s(d, f->func_closure, "__closure__");
        cand_s(d, f->func_annotations, "__annotations__");
        cand_s(d, f->func_qualname, "__qualname__");
        if (f->func_closure && hspy_map_put(&d->closures, (uintptr_t)f->func_closure, (uintptr_t)f->func_code) < 0)
            nomem(d);
        break;
    }
    case HK_CELL:
        cand_s(d, ((PyCellObject *)o)->ob_ref, "cell_contents");
        break;
    case HK_METHOD:
        cand_s(d, ((PyMethodObject *)o)->im_func, "__func__");
        cand_s(d, ((PyMethodObject *)o)->im_self, "__self__");
        break;
    case HK_CFUNC:
        cand_s(d, ((PyCFunctionObject *)o)->m_self, "__self__");
        cand_s(d, ((PyCFunctionObject *)o)->m_module, "__module__");
        break;
    case HK_MODULE:
        cand_s(d, PyModule_GetDict(o), "__dict__");
        break;
    case HK_HEAPTYPE: {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)o;
        cand_s(d, (PyObject *)Py_TYPE(o), "__class__");
        cand_s(d, ht->ht_type.tp_dict, "__dict__");
        cand_s(d, ht->ht_type.tp_mro, "__mro__");
        cand_s(d, ht->ht_type.tp_bases, "__bases__");
        cand_s(d, (PyObject *)ht->ht_type.tp_base, "__base__");
        cand_s(d, ht->ht_type.tp_subclasses, "__subclasses__");
        cand_s(d, ht->ht_name, "__name__");
        cand_s(d, ht->ht_qualname, "__qualname__");
        cand_s(d, ht->ht_slots, "__slots__");
        cand_s(d, ht->ht_module, "__module__");
        break;
    }
    case HK_FRAME: {
        PyFrameObject *f = (PyFrameObject *)o;
        cand_s(d, (PyObject *)f->f_back, "f_back");
        cand_s(d, f->f_trace, "f_trace");
        if (f->f_frame && f->f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT) {
            cand_s(d, f->f_frame->f_locals, "f_locals");
            cand_s(d, (PyObject *)f->f_frame->f_code, "f_code");
            cand_frame_locals(d, f->f_frame);
        }
        break;
    }
    case HK_GEN: {
        PyGenObject *g = (PyGenObject *)o;
        cand_s(d, (PyObject *)g->gi_code, "gi_code");
        cand_s(d, g->gi_name, "__name__");
        cand_s(d, g->gi_qualname, "__qualname__");
        if (g->gi_frame_state < FRAME_CLEARED) cand_frame_locals(d, (_PyInterpreterFrame *)g->gi_iframe);
        break;
    }
    case HK_WEAKREF: {
        PyWeakReference *wr = (PyWeakReference *)o;
        cand_s(d, wr->wr_callback, "__callback__");
        break;
    }
    case HK_INSTANCE:
        cand_instance(d, o);
        break;
    default:
        break;
    }
    if (t->subclass) {
        d->cursor = 0;
        if (PyList_Check(o))
            for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++) cand(d, PyList_GET_ITEM(o, i), LBL_IDX(i));
        else if (PyTuple_Check(o))
            for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); i++) cand(d, PyTuple_GET_ITEM(o, i), LBL_IDX(i));
        else if (PyDict_Check(o))
            cand_dict_values(d, o);
    }
    (void)addr;
}

/* ---- objects without tp_traverse that still hold references ---- */

static void refs_code(hspy_dump *d, PyObject *o, uint64_t a)
{
    PyCodeObject *co = (PyCodeObject *)o;
    struct { PyObject *v; const char *name; } f[] = {
        {co->co_consts, "co_consts"}, {co->co_names, "co_names"},
        {co->co_exceptiontable, "co_exceptiontable"}, {co->co_localsplusnames, "co_localsplusnames"},
        {co->co_localspluskinds, "co_localspluskinds"}, {co->co_filename, "co_filename"},
        {co->co_name, "co_name"}, {co->co_qualname, "co_qualname"},
        {co->co_linetable, "co_linetable"}, {co->_co_code, "co_code"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v) hspy_ref_obj(d, a, f[i].v, HS_REF_STRONG, hspy_intern(d, f[i].name));
}

static void refs_static_type(hspy_dump *d, PyTypeObject *tp, uint64_t a)
{
    struct { PyObject *v; const char *name; } f[] = {
        {tp->tp_dict, "__dict__"}, {tp->tp_mro, "__mro__"}, {tp->tp_bases, "__bases__"},
        {(PyObject *)tp->tp_base, "__base__"}, {tp->tp_subclasses, "__subclasses__"},
        {tp->tp_cache, "tp_cache"},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v) hspy_ref_obj(d, a, f[i].v, HS_REF_STRONG, hspy_intern(d, f[i].name));
}

/* ---- one object ---- */

static int is_garbage(const hspy_dump *d, PyObject *o)
{
    size_t lo = 0, hi = d->ngarbage;
    uintptr_t a = (uintptr_t)o;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (d->garbage[mid] == a) return 1;
        if (d->garbage[mid] < a) lo = mid + 1;
        else hi = mid;
    }
    return 0;
}

static void value_of(hspy_dump *d, PyObject *o, const hspy_type *t, uint64_t a)
{
    switch ((hspy_kind)t->kind) {
    case HK_STR: {
        char buf[4 * HSPY_PREVIEW_MAX + 8];
        int trunc;
        size_t n = hspy_utf8(o, HSPY_PREVIEW_MAX, buf, sizeof buf, &trunc);
        uint64_t full = n;
        if (trunc) {
            if (PyUnicode_IS_ASCII(o)) full = (uint64_t)PyUnicode_GET_LENGTH(o);
            else {
                full = 0;
                int kind = PyUnicode_KIND(o);
                const void *data = PyUnicode_DATA(o);
                for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(o); i++) {
                    Py_UCS4 c = PyUnicode_READ(kind, data, i);
                    full += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
                }
            }
        }
        HSPY_W(d, hs_writer_add_value_text(d->w, a, buf, n, full));
        break;
    }
    case HK_BYTES: {
        Py_ssize_t n = PyBytes_GET_SIZE(o);
        HSPY_W(d, hs_writer_add_value_bytes(d->w, a, PyBytes_AS_STRING(o),
                                            (size_t)(n > HSPY_PREVIEW_MAX ? HSPY_PREVIEW_MAX : n), (uint64_t)n));
        break;
    }
    case HK_INT: {
        int overflow = 0;
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (!overflow && !(v == -1 && PyErr_Occurred())) HSPY_W(d, hs_writer_add_value_int(d->w, a, v));
        PyErr_Clear();
        break;
    }
    case HK_FLOAT:
        HSPY_W(d, hs_writer_add_value_float(d->w, a, PyFloat_AS_DOUBLE(o)));
        break;
    default:
        break;
    }
}

static int is_cell_tuple(PyObject *o)
{
    Py_ssize_t n = PyTuple_GET_SIZE(o);
    if (n == 0 || n > 256) return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!PyTuple_GET_ITEM(o, i) || !PyCell_Check(PyTuple_GET_ITEM(o, i))) return 0;
    return 1;
}

/* Write block `o` and its references. `names`, for a closure tuple, is the
 * code object whose free variables name its cells. */
static void emit(hspy_dump *d, PyObject *o, int tracked, PyCodeObject *names)
{
    hspy_type *t = hspy_type_of(d, Py_TYPE(o));
    if (!t) return;
    uint64_t a = (uint64_t)(uintptr_t)o;
    uint64_t size = hspy_size_of(d, o, t);
    uint32_t flags = (tracked ? HS_BLOCK_GC_TRACKED : 0) | (t->finalizer ? HS_BLOCK_FINALIZER : 0);
    if (tracked && d->ngarbage && is_garbage(d, o)) flags |= HS_BLOCK_UNCOLLECTABLE;
    const char *why = NULL;
    if (hspy_is_runtime_object(d, o, &why)) flags |= HS_BLOCK_IMMORTAL;
    uint32_t site = d->tracebacks ? hspy_site_of(d, o) : HS_NONE;
    HSPY_W(d, hs_writer_add_block(d->w, a, size, t->id, flags, site));
    d->nobjects++;
    d->nbytes += size;
    if (why) {
        HSPY_W(d, hs_writer_add_root(d->w, a, HS_ROOT_RUNTIME, why, 0));
        d->nroots++;
    }
    switch ((hspy_kind)t->kind) {
    case HK_LIST:
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); i++) hspy_ref_obj_index(d, a, PyList_GET_ITEM(o, i), (uint64_t)i);
        break;
    case HK_TUPLE: {
        PyObject *fv = NULL;
        Py_ssize_t base = 0;
        if (names && PyTuple_Check(names->co_localsplusnames)) {
            fv = names->co_localsplusnames;
            base = names->co_nlocalsplus - names->co_nfreevars;
            if (base < 0 || base + PyTuple_GET_SIZE(o) > PyTuple_GET_SIZE(fv)) fv = NULL;
        }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(o); i++) {
            PyObject *item = PyTuple_GET_ITEM(o, i);
            if (fv) hspy_ref_obj(d, a, item, HS_REF_STRONG, hspy_label_sid(d, PyTuple_GET_ITEM(fv, base + i)));
            else hspy_ref_obj_index(d, a, item, (uint64_t)i);
        }
        break;
    }
    case HK_DICT: {
        int split = ((PyDictObject *)o)->ma_values != NULL;
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        while (PyDict_Next(o, &pos, &k, &v)) {
            if (!split) hspy_ref_obj(d, a, k, HS_REF_STRONG, HS_NONE);
            hspy_ref_obj(d, a, v, HS_REF_STRONG, hspy_label_sid(d, k));
        }
        break;
    }
    case HK_STR: case HK_INT: case HK_FLOAT: case HK_BYTES:
        break;
    case HK_CODE:
        refs_code(d, o, a);
        break;
    default:
        if (t->kind == HK_HEAPTYPE && !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
            refs_static_type(d, (PyTypeObject *)o, a);
            break;
        }
        if (!hspy_is_gc(o) || !Py_TYPE(o)->tp_traverse) break;
        d->nkids = 0;
        Py_TYPE(o)->tp_traverse(o, collect, d);
        cand_kind(d, o, t, a);
        for (size_t i = 0; i < d->nkids; i++) {
            seen(d, d->kids[i], 1);
            write_ref(d, a, d->kids[i], HS_REF_STRONG, d->klabel[i]);
        }
        if (PyDict_Check(o)) dict_str_keys(d, a, o);
        if (t->kind == HK_WEAKREF) {
            PyObject *ref = ((PyWeakReference *)o)->wr_object;
            if (ref && ref != Py_None && Py_REFCNT(ref) > 0) hspy_ref_obj(d, a, ref, HS_REF_WEAK, hspy_intern(d, "__referent__"));
        }
        break;
    }
    if (d->values) value_of(d, o, t, a);
}

static void drain(hspy_dump *d)
{
    while (d->nstack && !d->nomem && d->st == HS_OK) {
        PyObject *o = d->stack[--d->nstack];
        emit(d, o, 0, NULL);
    }
}

static PyGC_Head *gen_head(hspy_dump *d, int g)
{
    struct _gc_runtime_state *gc = &d->interp->gc;
    return g < NUM_GENERATIONS ? &gc->generations[g].head : &gc->permanent_generation.head;
}

#define NLISTS (NUM_GENERATIONS + 1)

static void load_garbage(hspy_dump *d)
{
    PyObject *g = d->interp->gc.garbage;
    if (!g || !PyList_Check(g) || !PyList_GET_SIZE(g)) return;
    size_t n = (size_t)PyList_GET_SIZE(g);
    d->garbage = malloc(n * sizeof *d->garbage);
    if (!d->garbage) return nomem(d);
    for (size_t i = 0; i < n; i++) d->garbage[i] = (uintptr_t)PyList_GET_ITEM(g, (Py_ssize_t)i);
    /* insertion sort is fine for the usual handful; shell it for more */
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++)
            for (size_t j = i; j >= gap && d->garbage[j - gap] > d->garbage[j]; j -= gap) {
                uintptr_t x = d->garbage[j];
                d->garbage[j] = d->garbage[j - gap];
                d->garbage[j - gap] = x;
            }
    d->ngarbage = n;
}

int hspy_walk(hspy_dump *d)
{
    PyGC_Head *tail[NLISTS];
    size_t ntracked = 0;
    d->lc_key = calloc(LC_SIZE, sizeof *d->lc_key);
    d->lc_sid = calloc(LC_SIZE, sizeof *d->lc_sid);
    if (!d->lc_key || !d->lc_sid) return -1;
    load_garbage(d);

    /* 1. zero the in-degree of every tracked object; remember list ends */
    for (int g = 0; g < NLISTS; g++) {
        PyGC_Head *head = gen_head(d, g);
        tail[g] = (PyGC_Head *)head->_gc_prev;
        for (PyGC_Head *p = (PyGC_Head *)head->_gc_next; p != head; p = (PyGC_Head *)p->_gc_next) {
            p->_gc_prev &= _PyGC_PREV_MASK_FINALIZED;
            ntracked++;
        }
    }
    if (hspy_set_init(&d->set, ntracked) < 0) nomem(d);

    /* 2. the interpreter, its threads and their frames; then every tracked
     *    object, each followed by the untracked objects it leads to */
    if (!d->nomem) {
        hspy_roots_synthetic(d);
        drain(d);
    }
    for (int g = 0; g < NLISTS && !d->nomem && d->st == HS_OK; g++) {
        PyGC_Head *head = gen_head(d, g);
        if (tail[g] == head) continue;
        for (PyGC_Head *p = (PyGC_Head *)head->_gc_next;; p = (PyGC_Head *)p->_gc_next) {
            PyObject *o = (PyObject *)(p + 1);
            if (PyTuple_CheckExact(o) && is_cell_tuple(o)) {
                if (d->ndeferred == d->deferred_cap) {
                    size_t cap = d->deferred_cap ? d->deferred_cap * 2 : 256;
                    PyObject **v = realloc(d->deferred, cap * sizeof *v);
                    if (!v) {
                        nomem(d);
                        break;
                    }
                    d->deferred = v;
                    d->deferred_cap = cap;
                }
                d->deferred[d->ndeferred++] = o;
            } else {
                emit(d, o, 1, NULL);
                drain(d);
            }
            if (p == tail[g] || d->nomem || d->st != HS_OK) break;
        }
    }
    /* 3. closure tuples, now that every function has named its cells */
    for (size_t i = 0; i < d->ndeferred && !d->nomem && d->st == HS_OK; i++) {
        uint64_t code = 0;
        hspy_map_get(&d->closures, (uintptr_t)d->deferred[i], &code);
        emit(d, d->deferred[i], 1, (PyCodeObject *)(uintptr_t)code);
        drain(d);
    }
    if (!d->nomem) hspy_roots_modules(d);
    d->peak_extra = hspy_set_bytes(&d->set) + d->stack_cap * sizeof(PyObject *) +
                    d->kids_cap * (sizeof(PyObject *) + sizeof(uint64_t)) +
                    (d->closures.cap + d->type_map.cap) * 16 + d->deferred_cap * sizeof(PyObject *);

    /* 4. external holders, and the GC back pointers put back */
    for (int g = 0; g < NLISTS; g++) {
        PyGC_Head *head = gen_head(d, g), *prev = head;
        int counting = tail[g] != head;
        for (PyGC_Head *p = (PyGC_Head *)head->_gc_next; p != head; p = (PyGC_Head *)p->_gc_next) {
            uint64_t found = (uint64_t)(p->_gc_prev >> 2);
            p->_gc_prev = (uintptr_t)prev | (p->_gc_prev & _PyGC_PREV_MASK_FINALIZED);
            prev = p;
            if (counting && !d->nomem && d->st == HS_OK) hspy_root_external(d, (PyObject *)(p + 1), found);
            if (p == tail[g]) counting = 0;
        }
    }
    size_t pos = 0;
    uintptr_t addr;
    uint64_t found;
    while (!d->nomem && d->st == HS_OK && hspy_set_next(&d->set, &pos, &addr, &found))
        hspy_root_external(d, (PyObject *)addr, found);
    return d->nomem || d->st != HS_OK ? -1 : 0;
}
