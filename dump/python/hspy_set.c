/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_set.c — the walk's C-memory tables: the visited set of
 * untracked objects with their in-degree packed into one word per slot
 * (hspy_set_*), and a general pointer -> u64 map (hspy_map_*). Both use
 * open addressing with linear probing and a Fibonacci hash; neither
 * allocates Python objects. See docs/python.md#memory.
 */
#include "hspy.h"

#include <stdlib.h>
#include <string.h>

#define CBITS 18u
#define CMAX ((1u << CBITS) - 1u)
#define AMAX (UINT64_C(1) << (64 - CBITS + 3)) /* addresses below 2^49 fit */

static inline size_t fib(uint64_t k, size_t cap) { return (size_t)((k * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1); }

/* The visited set's capacity is any size, not a power of two, so that it
 * is sized to the heap instead of doubling past it: a slot is the
 * high half of hash * cap (Lemire's fast range), probing wraps at cap. */
static inline size_t slot_of(uint64_t key, size_t cap) { return hspy_set_slot(key, cap); }
static inline size_t next_slot(size_t j, size_t cap) { return j + 1 == cap ? 0 : j + 1; }

/* ---- hspy_map ---- */

static int map_grow(hspy_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 256;
    uintptr_t *k = calloc(cap, sizeof *k);
    uint64_t *v = malloc(cap * sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = fib(m->keys[i], cap);
        while (k[j]) j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return 0;
}

int hspy_map_put(hspy_map *m, uintptr_t key, uint64_t val)
{
    if ((m->n + 1) * 2 > m->cap && map_grow(m) < 0) return -1;
    size_t j = fib(key, m->cap);
    while (m->keys[j] && m->keys[j] != key) j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) {
        m->keys[j] = key;
        m->n++;
    }
    m->vals[j] = val;
    return 0;
}

int hspy_map_get(const hspy_map *m, uintptr_t key, uint64_t *val)
{
    if (!m->cap) return 0;
    size_t j = fib(key, m->cap);
    while (m->keys[j]) {
        if (m->keys[j] == key) {
            if (val) *val = m->vals[j];
            return 1;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return 0;
}

void hspy_map_release(hspy_map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* ---- hspy_set ---- */

int hspy_set_init(hspy_set *s, size_t expect)
{
    memset(s, 0, sizeof *s);
    size_t cap = expect + expect / 2; /* two-thirds full at the expected count */
    if (cap < 1024) cap = 1024;
    s->slots = calloc(cap, sizeof *s->slots);
    if (!s->slots) return -1;
    s->cap = cap;
    return 0;
}

void hspy_set_release(hspy_set *s)
{
    hspy_map_release(&s->odd);
    hspy_map_release(&s->over);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

static int set_grow(hspy_set *s)
{
    size_t cap = s->cap + s->cap / 2;
    uint64_t *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < s->cap; i++) {
        uint64_t e = s->slots[i];
        if (!e) continue;
        size_t j = slot_of(e >> CBITS, cap);
        while (t[j]) j = next_slot(j, cap);
        t[j] = e;
    }
    free(s->slots);
    s->slots = t;
    s->cap = cap;
    return 0;
}

int hspy_set_add(hspy_set *s, const void *p, int inc)
{
    uintptr_t a = (uintptr_t)p;
    if ((a & 7) || a >= AMAX) {
        uint64_t v = 0;
        
        if (hspy_map_get(&s->odd, a, &v)) {
            if (inc && hspy_map_put(&s->odd, a, v + 1) < 0) return -1;
            return 0;
        }
        return hspy_map_put(&s->odd, a, inc ? 2 : 1) < 0 ? -1 : 1;
    }
    uint64_t key = (uint64_t)a >> 3;
    size_t j = slot_of(key, s->cap);
    for (;;) {
        uint64_t e = s->slots[j];
        if (!e) break;
        if ((e >> CBITS) == key) {
            if (inc) {
                if ((e & CMAX) < CMAX) s->slots[j] = e + 1;
                else {
                    uint64_t extra = 0;
                    
                    hspy_map_get(&s->over, a, &extra);
                    if (hspy_map_put(&s->over, a, extra + 1) < 0) return -1;
                }
            }
            return 0;
        }
        j = next_slot(j, s->cap);
    }
    /* Grow before inserting, and refuse the insert when growing fails: the
     * table then never passes 3/4 full, so every probe above ends (a walk
     * that goes on after running out of memory must not spin). */
    if ((s->n + 1) * 4 > s->cap * 3) {
        if (set_grow(s) < 0) return -1;
        j = slot_of(key, s->cap);
        while (s->slots[j]) j = next_slot(j, s->cap);
    }
    s->slots[j] = (key << CBITS) | (inc ? 1u : 0u);
    s->n++;
    return 1;
}

uint64_t hspy_set_count(const hspy_set *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    
    if ((a & 7) || a >= AMAX) {
        uint64_t v = 0;
        return hspy_map_get(&s->odd, a, &v) ? v - 1 : 0;
    }
    uint64_t key = (uint64_t)a >> 3;
    size_t j = slot_of(key, s->cap);
    for (uint64_t e; (e = s->slots[j]) != 0; j = next_slot(j, s->cap)) {
        if ((e >> CBITS) != key) continue;
        uint64_t c = e & CMAX, extra = 0;
        if (c == CMAX) hspy_map_get(&s->over, a, &extra);
        return c + extra;
    }
    return 0;
}

int hspy_set_has(const hspy_set *s, const void *p)
{
    uintptr_t a = (uintptr_t)p;
    if ((a & 7) || a >= AMAX) {
        uint64_t v = 0;
        return hspy_map_get(&s->odd, a, &v);
    }
    uint64_t key = (uint64_t)a >> 3;
    for (size_t j = slot_of(key, s->cap); s->slots[j]; j = next_slot(j, s->cap))
        if ((s->slots[j] >> CBITS) == key) return 1;
    return 0;
}

int hspy_set_next(const hspy_set *s, size_t *pos, uintptr_t *addr, uint64_t *count)
{
    
    while (*pos < s->cap) {
        uint64_t e = s->slots[(*pos)++];
        if (!e) continue;
        /* the caller reads each object next: fetch the one 16 slots on */
        if (*pos + 15 < s->cap && s->slots[*pos + 15]) __builtin_prefetch((void *)(uintptr_t)((s->slots[*pos + 15] >> CBITS) << 3));
        *addr = (uintptr_t)((e >> CBITS) << 3);
        uint64_t c = e & CMAX, extra = 0;
        if (c == CMAX) hspy_map_get(&s->over, *addr, &extra);
        *count = c + extra;
        return 1;
    }
    while (*pos < s->cap + s->odd.cap) {
        size_t i = (*pos)++ - s->cap;
        if (!s->odd.keys[i]) continue;
        *addr = s->odd.keys[i];
        *count = s->odd.vals[i] - 1;
        return 1;
    }
    return 0;
}

size_t hspy_set_bytes(const hspy_set *s)
{
    
    return s->cap * sizeof *s->slots + (s->odd.cap + s->over.cap) * 16;
}
