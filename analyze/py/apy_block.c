/* SPDX-License-Identifier: MIT */
/*
 * analyze/py/apy_block.c — heapsnap.Block: one block of a Snapshot, a
 * snapshot and an index, every attribute read from the graph when asked
 * (what `heapsnap show --json` prints: address, type, sizes, flags,
 * reachability, immediate dominator, shortest path, roots, referents and
 * referrers with kinds and labels — all of them, not the first 100).
 * See docs/python.md#analysing-a-dump-from-python.
 */
#include "py/apy.h"

#include <stdio.h>
#include <stdlib.h>

PyObject *apy_block_path(apy_block *b); /* apy_snapshot.c */

static void block_dealloc(apy_block *b)
{
    Py_DECREF(b->s);
    PyObject_Free(b);
}

enum { B_ADDR, B_TYPE, B_SIZE, B_RETAINED, B_REACHABLE, B_DOMINATOR, B_REFERENTS, B_REFERRERS, B_ROOTS, B_PATH,
       B_FLAGS, B_TYPE_ID, B_INDEX };

static PyObject *ref_record(apy_snapshot *s, uint32_t other, uint32_t e)
{
    const graph *g = &s->g;
    return apy_record(&apy_ref_type, 3, PyUnicode_FromString(out_kind_name(g->out_kind[e])),
                      apy_label(g, g->out_kind[e], graph_label(g, e)), apy_block_new(s, other));
}

static PyObject *block_get(apy_block *b, void *which)
{
    apy_snapshot *s = b->s;
    if (apy_usable(s)) return NULL;
    const graph *g = &s->g;
    uint32_t v = b->v;
    char t[256];
    switch ((int)(intptr_t)which) {
    case B_ADDR: return PyLong_FromUnsignedLongLong(graph_addr(g, v));
    case B_TYPE: return apy_name(out_type_name(g, v, t, sizeof t));
    case B_SIZE: return PyLong_FromUnsignedLongLong(graph_size(g, v));
    case B_FLAGS: return PyLong_FromUnsignedLong(g->flags[v]);
    case B_TYPE_ID: return PyLong_FromUnsignedLong(g->type[v]);
    case B_INDEX: return PyLong_FromUnsignedLong(v);
    case B_PATH: return apy_block_path(b);
    case B_RETAINED:
    case B_REACHABLE:
    case B_DOMINATOR:
        if (apy_need_dominators(s)) return NULL;
        if ((int)(intptr_t)which == B_RETAINED) return PyLong_FromUnsignedLongLong(graph_retained(g, v));
        if ((int)(intptr_t)which == B_REACHABLE) return PyBool_FromLong(graph_reachable(g, v));
        return apy_block_or_none(s, g->idom[v]);
    case B_REFERENTS: {
        PyObject *list = PyList_New(g->out_off[v + 1] - g->out_off[v]);
        for (uint32_t e = g->out_off[v]; list && e < g->out_off[v + 1]; e++) {
            PyObject *r = ref_record(s, g->out_to[e], e);
            if (!r) Py_CLEAR(list);
            else PyList_SET_ITEM(list, e - g->out_off[v], r);
        }
        return list;
    }
    case B_REFERRERS: {
        if (apy_need_referrers(s)) return NULL;
        uint32_t lo = g->in_off[v], hi = g->in_off[v + 1];
        PyObject *list = PyList_New(hi - lo);
        for (uint32_t i = lo; list && i < hi; i++) {
            uint32_t e = g->in_edge[i];
            PyObject *r = ref_record(s, graph_edge_from(g, e), e);
            if (!r) Py_CLEAR(list);
            else PyList_SET_ITEM(list, i - lo, r);
        }
        return list;
    }
    case B_ROOTS: {
        PyObject *list = PyList_New(0);
        for (uint32_t r = 0; list && r < g->nroots; r++) {
            if (g->roots[r].node != v) continue;
            const graph_root *rt = &g->roots[r];
            size_t len = 0;
            const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
            PyObject *o = apy_record(&apy_root_type, 3, PyUnicode_FromString(out_root_kind_name(rt->kind)),
                                     name ? PyUnicode_DecodeUTF8(name, (Py_ssize_t)len, "replace") : Py_NewRef(Py_None),
                                     PyLong_FromUnsignedLongLong(rt->count));
            if (!o || PyList_Append(list, o) < 0) Py_CLEAR(list);
            Py_XDECREF(o);
        }
        return list;
    }
    default: break;
    }
    Py_RETURN_NONE;
}

#define G(name, which, doc) {name, (getter)block_get, NULL, doc, (void *)(which)}
static PyGetSetDef block_getset[] = {
    G("addr", B_ADDR, "address (int)"),
    G("type", B_TYPE, "type name, 'module.Name'"),
    G("size", B_SIZE, "shallow size in bytes"),
    G("retained", B_RETAINED, "bytes that would be freed with it (its dominator subtree)"),
    G("reachable", B_REACHABLE, "a root reaches it over strong references"),
    G("dominator", B_DOMINATOR, "its immediate dominator, a Block; None when that is a root or the garbage's pseudo-root"),
    G("referents", B_REFERENTS, "[Ref]: what it references, in file order"),
    G("referrers", B_REFERRERS, "[Ref]: what references it"),
    G("roots", B_ROOTS, "[Root]: the root records naming it"),
    G("path", B_PATH, "its shortest Path from a root, or None when unreachable"),
    G("flags", B_FLAGS, "block flags (1 gc-tracked, 2 finalizer, 4 uncollectable, 8 immortal)"),
    G("type_id", B_TYPE_ID, "the type's id in the file"),
    G("index", B_INDEX, "its index in the snapshot (file order)"),
    {NULL, NULL, NULL, NULL, NULL},
};
#undef G

static PyObject *block_repr(apy_block *b)
{
    if (!b->s->open) return PyUnicode_FromFormat("<heapsnap.Block #%u of a closed snapshot>", b->v);
    char t[256];
    PyObject *name = apy_name(out_type_name(&b->s->g, b->v, t, sizeof t));
    if (!name) return NULL;
    char where[64];
    snprintf(where, sizeof where, "0x%llx, %llu bytes", (unsigned long long)graph_addr(&b->s->g, b->v),
             (unsigned long long)graph_size(&b->s->g, b->v));
    PyObject *r = PyUnicode_FromFormat("<heapsnap.Block %U at %s>", name, where);
    Py_DECREF(name);
    return r;
}

static Py_hash_t block_hash(apy_block *b)
{
    Py_hash_t h = (Py_hash_t)(((uintptr_t)b->s >> 4) * 1000003u ^ b->v);
    return h == -1 ? -2 : h;
}

static PyObject *block_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(b, &apy_block_type) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
    apy_block *x = (apy_block *)a, *y = (apy_block *)b;
    bool eq = x->s == y->s && x->v == y->v;
    return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

PyTypeObject apy_block_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapsnap.Block",
    .tp_doc = "One block of a Snapshot (snapshot.block(addr), iteration, or any result).",
    .tp_basicsize = sizeof(apy_block),
    .tp_dealloc = (destructor)block_dealloc,
    .tp_repr = (reprfunc)block_repr,
    .tp_hash = (hashfunc)block_hash,
    .tp_richcompare = block_richcompare,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = block_getset,
};
