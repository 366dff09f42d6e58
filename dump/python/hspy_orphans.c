/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_orphans.c — objects held by C code only: a block that
 * is live in an allocation table (heapsnap's tracking set, hspy_track.c),
 * that the walk did not reach, and that is a valid Python object, is
 * queued as an orphan and walked like any object; its external root then
 * says "held by C code only" (hspy_root_external). Entry point:
 * hspy_orphans(). See docs/python.md#orphans.
 *
 * Soundness: an address comes from the table, so it is a live block of the
 * recorded size; nothing is read outside it. It is an object only if, at
 * one of the offsets a pre-header can have, the word after the refcount is
 * a type the walk has met (the type table), the type's pre-header is that
 * offset, the block holds the type's fixed part, the refcount is plausible (1 to 2^30) and, for a GC type, the
 * object is untracked (tracked ones are on the GC lists, so walked). Freed
 * objects cannot appear: they left the table; freelist entries have a
 * refcount of 0 or a type word that is a list link.
 */
#include "hspy.h"

#define RC_MAX ((Py_ssize_t)1 << 30)

static PyObject *object_in(hspy_dump *d, uintptr_t b, size_t size)
{
    static const size_t offs[] = {0, sizeof(hspy_gc), 2 * sizeof(hspy_gc)};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        size_t off = offs[i];
        if (size < off + sizeof(PyObject)) break;
        PyObject *o = (PyObject *)(b + off);
        PyTypeObject *tp = Py_TYPE(o);
        uint64_t idx;
        if (!hspy_map_get(&d->type_map, (uintptr_t)tp, &idx)) continue;
        if (hspy_cpy_preheader(tp) != off) continue;
        /* the whole fixed part must lie in the block (an exact str is
         * allocated short of tp_basicsize: compact, its data after the
         * ASCII header) */
        size_t need = tp == &PyUnicode_Type ? sizeof(PyASCIIObject) : (size_t)tp->tp_basicsize;
        if (need < sizeof(PyObject) || size - off < need) continue;
        Py_ssize_t rc = Py_REFCNT(o);
        if (rc < 1 || rc > RC_MAX) return NULL;
        if (PyType_IS_GC(tp) && (off < sizeof(hspy_gc) || hspy_is_tracked(o))) return NULL;
        return o;
    }
    return NULL;
}

void hspy_orphans_prepare(hspy_dump *d)
{
    (void)d;
    /* The type attribute cache holds strong references to attribute names
     * (3.10 to 3.13) where the walk cannot see them: emptied first, so that
     * a name looked up once is not mistaken for an orphan. Only the cache
     * is lost; no Python code runs. */
    PyObject *t = hspy_py_tracking(NULL, NULL);
    if (t == Py_True) PyType_ClearCache();
    Py_XDECREF(t);
}

const char *hspy_orphans(hspy_dump *d)
{
    hspy_blocks b;
    int r = hspy_track_snapshot(&b);
    if (r < 0) {
        hspy_nomem(d);
        return NULL;
    }
    if (r == 0) return NULL;
    for (size_t i = 0; i < b.n && !d->nomem && d->st == HS_OK; i++) {
        PyObject *o = object_in(d, b.addr[i], b.size[i]);
        const char *why;
        if (!o || o == d->own || hspy_is_runtime_object(d, o, &why)) continue;
        size_t before = d->nstack;
        hspy_seen_untracked(d, o, 0);
        if (d->nstack == before) continue; /* reached by the walk */
        if (hspy_map_put(&d->orphans, (uintptr_t)o, 1) < 0) hspy_nomem(d);
    }
    hspy_blocks_release(&b);
    return "track";
}
