/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_map.h — the analyzer's map from 64-bit keys to 32-bit
 * values: open addressing with linear probing on hash_fmix64(key), at most
 * half full, growing by doubling (graph_map.c). Lookups and inserts are
 * inline here (they sit in per-node loops); growing is not. The key
 * UINT64_MAX marks an empty slot and cannot be stored. Ownership: the map
 * owns its two arrays; graph_map_release() frees them and leaves the map
 * empty (a zeroed map is an empty map).
 */
#ifndef HS_GRAPH_MAP_H
#define HS_GRAPH_MAP_H

#include "graph/graph.h"
#include "graph/graph_hash.h"

#include <stddef.h>
#include <stdint.h>

#define GRAPH_MAP_EMPTY UINT64_MAX

typedef struct graph_map {
    uint64_t *key; /* [cap], GRAPH_MAP_EMPTY where free */
    uint32_t *val; /* [cap] */
    size_t cap, n; /* cap a power of two, or 0 */
} graph_map;

/* Double the table (or make the first one). */
graph_status graph_map_grow(graph_map *m);
void graph_map_release(graph_map *m);

/* The value of key, or NULL when absent. */
static inline uint32_t *graph_map_find(const graph_map *m, uint64_t key)
{
    if (!m->cap) return NULL;
    for (size_t i = hash_fmix64(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->key[i] == key) return &m->val[i];
        if (m->key[i] == GRAPH_MAP_EMPTY) return NULL;
    }
}

/* The slot of key's value, inserted with value `val` when absent
 * (*created says which); NULL when out of memory. */
static inline uint32_t *graph_map_put(graph_map *m, uint64_t key, uint32_t val, bool *created)
{
    if (2 * (m->n + 1) > m->cap && graph_map_grow(m)) return NULL;
    size_t i = hash_fmix64(key) & (m->cap - 1);
    while (m->key[i] != GRAPH_MAP_EMPTY) {
        if (m->key[i] == key) {
            *created = false;
            return &m->val[i];
        }
        i = (i + 1) & (m->cap - 1);
    }
    m->key[i] = key;
    m->val[i] = val;
    m->n++;
    *created = true;
    return &m->val[i];
}

#endif /* HS_GRAPH_MAP_H */
