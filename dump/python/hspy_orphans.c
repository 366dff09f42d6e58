/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_orphans.c — objects held by C code only: a block that
 * is live in an allocation table (heapsnap's tracking set, hspy_track.c),
 * that the walk did not reach, and that is a valid Python object, is
 * queued as an orphan and walked like any object; its external root then
 * says "held by C code only" (hspy_root_external). The tables: heapsnap's
 * tracking set (hspy_track.c); tracemalloc's table of traces when it is
 * tracing (3.12+, copied out under its lock, then checked; on 3.10 and
 * 3.11, where that table is a static, the arena blocks that are unreached
 * objects, kept when tracemalloc has a traceback for them); and, when the
 * dump asks (arenas=True), every live block of pymalloc's arenas
 * (hspy_obmalloc.c), with no tracking at all. Entry point:
 * hspy_orphans(), and hspy_interned_dict_name() for the 3.10/3.11 layers.
 * See docs/python.md#orphans.
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

const char *hspy_interned_dict_name(PyObject *o)
{
    if (!PyDict_CheckExact(o) || PyDict_GET_SIZE(o) < 100) return NULL;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(o, &pos, &k, &v))
        if (k != v || !PyUnicode_CheckExact(k) || !PyUnicode_CHECK_INTERNED(k)) return NULL;
    return "interned";
}

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
    if (!hspy_set_has(&d->set, o) && hspy_cpy_static_table(o)) return 0; /* the interpreter's, unreached */
    size_t before = d->nstack;
    hspy_seen_untracked(d, o, 0);
    if (d->nstack == before) return 0; /* reached by the walk (or already queued) */
    if (hspy_map_put(&d->orphans, (uintptr_t)o, 1) < 0) hspy_nomem(d);
    return d->nomem ? -1 : 0;
}

/* An arena block that is an object the walk did not reach, copied out
 * for the tracemalloc filter below (3.10, 3.11). */
typedef struct pick_ctx {
    hspy_dump *d;
    hspy_blocks b;
} pick_ctx;

static int pick(void *ctx, uintptr_t addr, size_t size)
{
    pick_ctx *p = ctx;
    PyObject *o = object_in(p->d, addr, size);
    const char *why;
    if (!o || o == p->d->own || hspy_is_runtime_object(p->d, o, &why) || hspy_set_has(&p->d->set, o)) return 0;
    return copy_block(&p->b, addr, size);
}

/* Of those, the ones tracemalloc traced (its traceback of the block is
 * not None): allocated since it started, so no C static made at start-up.
 * Runs after the arena walk: the tracebacks are new tuples, freed at once. */
static void check_traced(hspy_dump *d, hspy_blocks *b)
{
    for (size_t i = 0; i < b->n; i++) {
        PyObject *tb = hspy_cpy_traceback(b->addr[i]);
        if (!tb) PyErr_Clear();
        int traced = tb && tb != Py_None;
        Py_XDECREF(tb);
        if (traced && consider(d, b->addr[i], b->size[i]) < 0) break;
    }
    hspy_blocks_release(b);
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
    /* 2b. tracemalloc traces but its table is out of reach (3.10, 3.11):
     * the arena blocks it traced, unless the arenas are searched whole */
    if (r == 0 && !d->arenas && !d->nomem && d->st == HS_OK && hspy_cpy_tracemalloc_tracing()) {
        hspy_obm_stats st;
        pick_ctx p = {d, {0}};
        const char *why = hspy_obmalloc_blocks(d->interp, pick, &p, &st);
        if (why) hspy_blocks_release(&p.b);
        if (why && strcmp(why, "stopped") == 0) {
            hspy_nomem(d);
            return 0;
        }
        if (!why) {
            add_source(d, "tracemalloc");
            d->arena_blocks = st.blocks;
            d->arena_bad_pools = st.bad_pools;
            check_traced(d, &p.b);
        }
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
