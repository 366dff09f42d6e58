/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_orphans.c — objects held by C code only: a block that
 * is live in an allocation table (heapsnap's tracking set, hspy_track.c),
 * that the walk did not reach, and that is a valid Python object, is
 * queued as an orphan and walked like any object; its external root then
 * says "held by C code only" (hspy_root_external). The tables: heapsnap's
 * tracking set (hspy_track.c); tracemalloc's table of traces when it is
 * tracing (3.12+, copied out under its lock, then checked); and, when the
 * dump asks (arenas=True), every live block of pymalloc's arenas
 * (3.12+, hspy_obmalloc.c), with no tracking at all. Entry point:
 * hspy_orphans(). See docs/python.md#orphans.
 *
 * Soundness: an address comes from a table, so it is a live block of the
 * recorded size; nothing is read outside it. tracemalloc's table holds RAW
 * and MEM blocks too, and the arenas MEM blocks: all pass the same checks. It is an object only if, at
 * one of the offsets a pre-header can have, the word after the refcount is
 * a type the walk has met (the type table), the type's pre-header is that
 * offset, the block holds the type's fixed part, the refcount is plausible (1 to 2^30) and, for a GC type, the
 * object is untracked (tracked ones are on the GC lists, so walked). Freed
 * objects cannot appear: they left the table; freelist entries have a
 * refcount of 0 or a type word that is a list link.
 */
#include "hspy.h"
#include "hspy_obmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* Blocks copied out of a table (tracemalloc's, under its lock), checked later. */
static int copy_block(void *ctx, uintptr_t addr, size_t size)
{
    hspy_blocks *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        uintptr_t *a = realloc(b->addr, cap * sizeof *a);
        if (a) b->addr = a;
        size_t *z = a ? realloc(b->size, cap * sizeof *z) : NULL;
        if (!z) return -1;
        b->size = z;
        b->cap = cap;
    }
    b->addr[b->n] = addr;
    b->size[b->n++] = size;
    return 0;
}

/* One candidate block: queued as an orphan if it is an object the walk did not reach. */
static int consider(void *ctx, uintptr_t addr, size_t size)
{
    hspy_dump *d = ctx;
    if (d->nomem || d->st != HS_OK) return -1;
    PyObject *o = object_in(d, addr, size);
    const char *why;
    if (!o || o == d->own || hspy_is_runtime_object(d, o, &why)) return 0;
    size_t before = d->nstack;
    hspy_seen_untracked(d, o, 0);
    if (d->nstack == before) return 0; /* reached by the walk (or already queued) */
    if (hspy_map_put(&d->orphans, (uintptr_t)o, 1) < 0) hspy_nomem(d);
    return d->nomem ? -1 : 0;
}

static void check_all(hspy_dump *d, hspy_blocks *b)
{
    for (size_t i = 0; i < b->n && consider(d, b->addr[i], b->size[i]) == 0; i++) continue;
    hspy_blocks_release(b);
}

static void add_source(hspy_dump *d, const char *name)
{
    size_t n = strlen(d->orphan_from);
    snprintf(d->orphan_from + n, sizeof d->orphan_from - n, "%s%s", n ? "," : "", name);
}

void hspy_orphans_prepare(hspy_dump *d)
{
    /* The type attribute cache holds strong references to attribute names
     * (3.10 to 3.13) where the walk cannot see them: emptied first, so that
     * a name looked up once is not mistaken for an orphan. Only the cache
     * is lost; no Python code runs. */
    PyObject *t = hspy_py_tracking(NULL, NULL);
    if (t == Py_True || hspy_cpy_tracemalloc_tracing() || d->arenas) PyType_ClearCache();
    Py_XDECREF(t);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int search(hspy_dump *d);

int hspy_orphans(hspy_dump *d)
{
    double t0 = now();
    int r = search(d);
    d->orphan_seconds = now() - t0;
    return r;
}

static int search(hspy_dump *d)
{
    d->orphan_from[0] = 0;
    /* 1. heapsnap's own tracking set */
    hspy_blocks b;
    int r = hspy_track_snapshot(&b);
    if (r < 0) {
        hspy_nomem(d);
        return 0;
    }
    if (r > 0) {
        add_source(d, "track");
        check_all(d, &b);
    }
    /* 2. tracemalloc's table: copied under its lock, checked after */
    memset(&b, 0, sizeof b);
    r = d->nomem ? 0 : hspy_cpy_tracemalloc_blocks(copy_block, &b);
    if (r < 0) {
        hspy_blocks_release(&b);
        hspy_nomem(d);
        return 0;
    }
    if (r > 0) {
        add_source(d, "tracemalloc");
        check_all(d, &b);
    }
    /* 3. pymalloc's arenas, walked in place: nothing here allocates from pymalloc */
    if (d->arenas && !d->nomem && d->st == HS_OK) {
        hspy_obm_stats st;
        const char *why = hspy_obmalloc_blocks(d->interp, consider, d, &st);
        if (!why) {
            add_source(d, "arenas");
            d->arena_blocks = st.blocks;
            d->arena_bad_pools = st.bad_pools;
        } else if (strcmp(why, "stopped") != 0) {
            d->arenas_skipped = why;
        }
    }
    return d->orphan_from[0] != 0;
}
