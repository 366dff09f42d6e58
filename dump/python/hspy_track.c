/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_track.c — heapsnap's light tracking mode: while on, the
 * object allocator (PYMEM_DOMAIN_OBJ) is wrapped so that every block it
 * hands out is kept in an open-addressing set of live addresses with their
 * sizes (no traceback, no Python object), and removed when freed. A dump
 * then checks the blocks its walk did not reach for objects held by C code
 * only (hspy_orphans.c). Entry points: track(), untrack(), tracking() and
 * hspy_track_snapshot(). See docs/python.md#orphans.
 *
 * The hooks run with the GIL held (the OBJ domain requires it) and use the
 * C allocator for the set, never Python's, so they cannot recurse. Stopping
 * puts the previous allocator back only if ours is still the current one;
 * otherwise (tracemalloc started after us and wraps us) the hooks stay
 * installed and only forward.
 */
#include "hspy.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY ((uintptr_t)0)

/* Linear probing, deletion by backward shift (no tombstones), at most half
 * full: a lookup touches a line or two. */
static struct {
    uintptr_t *keys;
    size_t *sizes;
    size_t cap, n;
    uint64_t lost;       /* blocks not recorded for want of C memory */
    int on, installed;
    PyMemAllocatorEx prev, ours;
} g;

static inline size_t slot_of(uintptr_t p, size_t cap)
{
    return (size_t)(((p >> 4) * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static void put(uintptr_t *keys, size_t *sizes, size_t cap, uintptr_t p, size_t size)
{
    for (size_t i = slot_of(p, cap);; i = (i + 1) & (cap - 1))
        if (keys[i] == EMPTY || keys[i] == p) {
            keys[i] = p;
            sizes[i] = size;
            return;
        }
}

static int grow(void)
{
    size_t cap = g.cap ? g.cap * 2 : (size_t)1 << 16;
    uintptr_t *keys = calloc(cap, sizeof *keys);
    size_t *sizes = malloc(cap * sizeof *sizes);
    if (!keys || !sizes) {
        free(keys);
        free(sizes);
        return -1;
    }
    for (size_t i = 0; i < g.cap; i++)
        if (g.keys[i] != EMPTY) put(keys, sizes, cap, g.keys[i], g.sizes[i]);
    free(g.keys);
    free(g.sizes);
    g.keys = keys;
    g.sizes = sizes;
    g.cap = cap;
    return 0;
}

static void add(void *p, size_t size)
{
    if ((g.n + 1) * 2 > g.cap && grow() < 0) {
        g.lost++;
        return;
    }
    put(g.keys, g.sizes, g.cap, (uintptr_t)p, size);
    g.n++;
}

static void del(void *p)
{
    if (!g.n) return;
    size_t mask = g.cap - 1, i = slot_of((uintptr_t)p, g.cap);
    while (g.keys[i] != (uintptr_t)p) {
        if (g.keys[i] == EMPTY) return; /* allocated before tracking began */
        i = (i + 1) & mask;
    }
    g.n--;
    /* shift back the entries whose probe run crosses the hole */
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (g.keys[j] == EMPTY) break;
        size_t k = slot_of(g.keys[j], g.cap);
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        g.keys[i] = g.keys[j];
        g.sizes[i] = g.sizes[j];
        i = j;
    }
    g.keys[i] = EMPTY;
}

static void *t_malloc(void *ctx, size_t n)
{
    (void)ctx;
    void *p = g.prev.malloc(g.prev.ctx, n);
    if (p && g.on) add(p, n);
    return p;
}

static void *t_calloc(void *ctx, size_t ne, size_t es)
{
    (void)ctx;
    void *p = g.prev.calloc(g.prev.ctx, ne, es);
    if (p && g.on) add(p, ne * es);
    return p;
}

static void *t_realloc(void *ctx, void *old, size_t n)
{
    (void)ctx;
    void *p = g.prev.realloc(g.prev.ctx, old, n);
    if (p && g.on) {
        if (old) del(old);
        add(p, n);
    }
    return p;
}

static void t_free(void *ctx, void *p)
{
    (void)ctx;
    if (p && g.on) del(p);
    g.prev.free(g.prev.ctx, p);
}

static void clear(void)
{
    free(g.keys);
    free(g.sizes);
    g.keys = NULL;
    g.sizes = NULL;
    g.cap = g.n = 0;
    g.lost = 0;
}

PyObject *hspy_py_track(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    if (g.on) Py_RETURN_NONE;
    if (!g.installed) {
        PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &g.prev);
        g.ours = (PyMemAllocatorEx){NULL, t_malloc, t_calloc, t_realloc, t_free};
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &g.ours);
        g.installed = 1;
    }
    g.on = 1;
    Py_RETURN_NONE;
}

/* Stop recording and forget the set; unhook if ours is still current. */
void hspy_track_stop(void)
{
    g.on = 0;
    clear();
    if (!g.installed) return;
    PyMemAllocatorEx cur;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &cur);
    if (cur.malloc == t_malloc && cur.free == t_free) {
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &g.prev);
        g.installed = 0;
    }
}

PyObject *hspy_py_untrack(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    hspy_track_stop();
    Py_RETURN_NONE;
}

PyObject *hspy_py_tracking(PyObject *module, PyObject *unused)
{
    (void)module;
    (void)unused;
    return PyBool_FromLong(g.on);
}

int hspy_track_snapshot(hspy_blocks *out)
{
    memset(out, 0, sizeof *out);
    if (!g.on) return 0;
    out->addr = malloc((g.n ? g.n : 1) * sizeof *out->addr);
    out->size = malloc((g.n ? g.n : 1) * sizeof *out->size);
    if (!out->addr || !out->size) {
        hspy_blocks_release(out);
        return -1;
    }
    for (size_t i = 0; i < g.cap; i++)
        if (g.keys[i] != EMPTY) {
            out->addr[out->n] = g.keys[i];
            out->size[out->n++] = g.sizes[i];
        }
    out->lost = g.lost;
    return 1;
}

void hspy_blocks_release(hspy_blocks *b)
{
    free(b->addr);
    free(b->size);
    memset(b, 0, sizeof *b);
}
