/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_walk.c — the heap walk: every object the cyclic GC tracks
 * (read straight off the GC lists, hspy_cpy_gc_lists) plus every untracked object
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

#define LBL_NONE HSPY_LBL_NONE
#define LBL_STR HSPY_LBL_STR
#define LBL_IDX HSPY_LBL_IDX

static void nomem(hspy_dump *d) { hspy_nomem(d); }

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

/* Locals of a frame, by variable name (cells and free variables included). */
static void cand_frame_locals(hspy_dump *d, const hspy_frame *f)
{
    if (!f->code) return;
    d->cursor = 0;
    for (int i = 0; i < f->nlocals; i++) {
        PyObject *v = f->localsplus[i];
        if (v) cand(d, v, LBL_STR(hspy_label_sid(d, hspy_cpy_code_localname(f->code, i))));
    }
}

static void cand_named(hspy_dump *d, const hspy_named *f, size_t n)
{
    for (size_t i = 0; i < n; i++) cand_s(d, f[i].obj, f[i].name);
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
    if (!hspy_cpy_dict_keys_hidden(dict)) return;
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

static void cand_attr(void *ctx, PyObject *name, PyObject *value)
{
    hspy_dump *d = ctx;
    cand(d, value, LBL_STR(hspy_label_sid(d, name)));
}

static void cand_instance(hspy_dump *d, PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    d->cursor = 0;
    cand_s(d, (PyObject *)tp, "__class__");
    if (HSPY_MANAGED_DICT(tp)) {
        hspy_cpy_inline_values(o, cand_attr, d);
        cand_s(d, hspy_cpy_managed_dict(o), "__dict__");
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
    case HK_FRAME:
    case HK_GEN: {
        hspy_named f[HSPY_NAMED_MAX];
        hspy_frame fr;
        int live = t->kind == HK_FRAME ? hspy_cpy_frameobj_frame(o, &fr) : hspy_cpy_gen_frame(o, &fr);
        cand_named(d, f, t->kind == HK_FRAME ? hspy_cpy_frameobj_refs(o, f, HSPY_NAMED_MAX)
                                             : hspy_cpy_gen_refs(o, f, HSPY_NAMED_MAX));
        if (live) cand_frame_locals(d, &fr);
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
    if (PyExceptionInstance_Check(o)) { /* BaseException's fields (cpython/pyerrors.h, 3.10 to 3.13) */
        PyBaseExceptionObject *e = (PyBaseExceptionObject *)o;
        d->cursor = 0;
        cand_s(d, e->args, "args");
        cand_s(d, e->traceback, "__traceback__");
        cand_s(d, e->context, "__context__");
        cand_s(d, e->cause, "__cause__");
#if PY_VERSION_HEX >= 0x030B0000
        cand_s(d, e->notes, "__notes__");
#endif
    } else if (PyTraceBack_Check(o)) { /* cpython/traceback.h */
        PyTracebackObject *tb = (PyTracebackObject *)o;
        d->cursor = 0;
        cand_s(d, (PyObject *)tb->tb_next, "tb_next");
        cand_s(d, (PyObject *)tb->tb_frame, "tb_frame");
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
    if (t->cext) { /* memoryview's mbuf, its managed buffer's obj (hspy_buffers.c) */
        hspy_named nf[2];
        d->cursor = 0;
        cand_named(d, nf, hspy_cext_named(d, o, t, nf, 2));
    }
    (void)addr;
}

/* ---- objects without tp_traverse that still hold references ---- */

static void refs_code(hspy_dump *d, PyObject *o, uint64_t a)
{
    hspy_named f[HSPY_NAMED_MAX];
    hspy_ref_named(d, a, f, hspy_cpy_code_refs((PyCodeObject *)o, f, HSPY_NAMED_MAX));
}

static void refs_static_type(hspy_dump *d, PyTypeObject *tp, uint64_t a)
{
    hspy_named f[HSPY_NAMED_MAX];
    hspy_ref_named(d, a, f, hspy_cpy_static_type_refs(tp, f, HSPY_NAMED_MAX));
}

/* type_traverse does not visit a heap type's __name__, __qualname__ and
 * __slots__ (str, a tuple of str: no cycles), nor its subclasses dict
 * (id -> weak reference, tp_subclasses: a dict on 3.10-3.13 for heap
 * types), yet the type owns them: add them unless visited. Without the
 * dict, a class with thousands of subclasses showed it as "builtins.dict
 * held by C code only". */
static void heaptype_names(hspy_dump *d, uint64_t from, PyObject *o)
{
    PyHeapTypeObject *ht = (PyHeapTypeObject *)o;
    PyObject *subs = ht->ht_type.tp_subclasses && PyDict_CheckExact(ht->ht_type.tp_subclasses)
                         ? ht->ht_type.tp_subclasses
                         : NULL;
    PyObject *names[4] = {ht->ht_name, ht->ht_qualname, ht->ht_slots, subs};
    const char *labels[4] = {"__name__", "__qualname__", "__slots__", "__subclasses__"};
    for (int j = 0; j < 4; j++) {
        if (!names[j]) continue;
        size_t i = 0;
        while (i < d->nkids && d->kids[i] != names[j]) i++;
        if (i == d->nkids) hspy_ref_obj(d, from, names[j], HS_REF_STRONG, hspy_intern(d, labels[j]));
    }
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
    if (t->cdata) hspy_ctypes_buffer(d, o, a);
    if (t->ndarray) hspy_numpy_refs(d, o, a);
    if (t->ufunc) hspy_numpy_ufunc_refs(d, o, a);
    if (t->cext) hspy_cext_emit(d, o, t, a);
    if (why) {
        HSPY_W(d, hs_writer_add_root(d->w, a, HS_ROOT_RUNTIME, why, 0));
        d->nroots++;
    }
    switch ((hspy_kind)t->kind) {
    case HK_LIST: {
        Py_ssize_t n = PyList_GET_SIZE(o);
        for (Py_ssize_t i = 0; i < n; i++) {
            hspy_prefetch_run(d, i + 8 < n ? PyList_GET_ITEM(o, i + 8) : NULL, i + 4 < n ? PyList_GET_ITEM(o, i + 4) : NULL);
            hspy_ref_obj_index(d, a, PyList_GET_ITEM(o, i), (uint64_t)i);
        }
        break;
    }
    case HK_TUPLE: {
        /* a closure tuple: its cells are named by the code's free variables */
        int named = names && hspy_cpy_code_nfree(names) == PyTuple_GET_SIZE(o);
        Py_ssize_t n = PyTuple_GET_SIZE(o);
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *item = PyTuple_GET_ITEM(o, i);
            hspy_prefetch_run(d, i + 8 < n ? PyTuple_GET_ITEM(o, i + 8) : NULL, i + 4 < n ? PyTuple_GET_ITEM(o, i + 4) : NULL);
            if (named) hspy_ref_obj(d, a, item, HS_REF_STRONG, hspy_label_sid(d, hspy_cpy_code_freename(names, i)));
            else hspy_ref_obj_index(d, a, item, (uint64_t)i);
        }
        break;
    }
    case HK_DICT: {
        /* keys and values gathered first (as kids: key, value, key, ...),
         * so that the loop can fetch both ahead of their use */
        int split = ((PyDictObject *)o)->ma_values != NULL;
        Py_ssize_t pos = 0;
        PyObject *k, *v;
        d->nkids = 0;
        while (PyDict_Next(o, &pos, &k, &v) && collect(k, d) == 0 && collect(v, d) == 0) {
        }
        size_t n = d->nkids;
        for (size_t i = 0; i + 1 < n; i += 2) {
            if (i + 16 < n) {
                hspy_prefetch_obj(d->kids[i + 16]);
                hspy_prefetch_obj(d->kids[i + 17]);
            }
            if (i + 8 < n) {
                if (!split) hspy_prefetch_run(d, NULL, d->kids[i + 8]);
                hspy_prefetch_run(d, NULL, d->kids[i + 9]);
            }
            if (!split) hspy_ref_obj(d, a, d->kids[i], HS_REF_STRONG, HS_NONE);
            hspy_ref_obj(d, a, d->kids[i + 1], HS_REF_STRONG, hspy_label_sid(d, d->kids[i]));
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
            hspy_prefetch_run(d, i + 8 < d->nkids ? d->kids[i + 8] : NULL, i + 4 < d->nkids ? d->kids[i + 4] : NULL);
            hspy_seen(d, d->kids[i], 1);
            hspy_write_ref(d, a, d->kids[i], HS_REF_STRONG, d->klabel[i]);
        }
        if (PyDict_Check(o)) dict_str_keys(d, a, o);
        if (t->kind == HK_HEAPTYPE) heaptype_names(d, a, o);
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
        if (d->nstack >= 4) hspy_prefetch_obj(d->stack[d->nstack - 4]);
        emit(d, o, 0, NULL);
    }
}

#define NLISTS_MAX 8

static void load_garbage(hspy_dump *d)
{
    PyObject *g = hspy_cpy_gc_garbage(d->interp);
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
    hspy_gc *head[NLISTS_MAX], *tail[NLISTS_MAX];
    hspy_orphans_prepare(d);
    int nlists = hspy_cpy_gc_lists(d->interp, head, NLISTS_MAX);
    size_t ntracked = 0;
    if (hspy_emit_init(d) < 0) return -1;
    load_garbage(d);

    /* 1. zero the in-degree of every tracked object; remember list ends */
    for (int g = 0; g < nlists; g++) {
        tail[g] = (hspy_gc *)head[g]->prev;
        for (hspy_gc *p = (hspy_gc *)head[g]->next; p != head[g]; p = (hspy_gc *)p->next) {
            p->prev &= HSPY_GC_FINALIZED;
            ntracked++;
        }
    }
    /* untracked objects: about 3 per tracked one on the real heaps we
     * measured (1.5 on the synthetic one): room for that from the start,
     * since a growth's peak holds both tables (docs/python.md#memory) */
    if (hspy_set_init(&d->set, ntracked * 3) < 0) nomem(d);

    /* 2. the interpreter, its threads and their frames; then every tracked
     *    object, each followed by the untracked objects it leads to */
    if (!d->nomem) {
        hspy_roots_synthetic(d);
        drain(d);
    }
    for (int g = 0; g < nlists && !d->nomem && d->st == HS_OK; g++) {
        if (tail[g] == head[g]) continue;
        for (hspy_gc *p = (hspy_gc *)head[g]->next;; p = (hspy_gc *)p->next) {
            /* the next object arrives while this one is written */
            if (p != tail[g]) hspy_prefetch_obj(HSPY_GC_OBJ(p->next));
            PyObject *o = HSPY_GC_OBJ(p);
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
    /* 3b. objects held by C code only, from an allocation table */
    if (!d->nomem && d->st == HS_OK && hspy_orphans(d)) drain(d);
    d->peak_extra = hspy_set_bytes(&d->set) + d->stack_cap * sizeof(PyObject *) +
                    d->kids_cap * (sizeof(PyObject *) + sizeof(uint64_t)) +
                    (d->closures.cap + d->type_map.cap) * 16 + d->deferred_cap * sizeof(PyObject *);

    /* 4. external holders, and the GC back pointers put back */
    for (int g = 0; g < nlists; g++) {
        hspy_gc *prev = head[g];
        int counting = tail[g] != head[g];
        for (hspy_gc *p = (hspy_gc *)head[g]->next; p != head[g]; p = (hspy_gc *)p->next) {
            uint64_t found = (uint64_t)(p->prev >> HSPY_GC_SHIFT);
            p->prev = (uintptr_t)prev | (p->prev & HSPY_GC_FINALIZED);
            prev = p;
            if (counting && !d->nomem && d->st == HS_OK) hspy_root_external(d, HSPY_GC_OBJ(p), found);
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
