/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_map.c — growing the 64-bit to 32-bit map of
 * graph_map.h: a table twice as large, every entry re-inserted in slot
 * order.
 */
#include "graph/graph_map.h"

#include <stdlib.h>
#include <string.h>

graph_status graph_map_grow(graph_map *m)
{
    size_t cap = m->cap ? 2 * m->cap : 64;
    if (cap < m->cap) return GRAPH_ERR_LIMIT;
    uint64_t *key = malloc(cap * sizeof *key);
    uint32_t *val = malloc(cap * sizeof *val);
    if (!key || !val) {
        free(key);
        free(val);
        return GRAPH_ERR_NOMEM;
    }
    memset(key, 0xff, cap * sizeof *key);
    for (size_t j = 0; j < m->cap; j++) {
        if (m->key[j] == GRAPH_MAP_EMPTY) continue;
        size_t i = hash_fmix64(m->key[j]) & (cap - 1);
        while (key[i] != GRAPH_MAP_EMPTY) i = (i + 1) & (cap - 1);
        key[i] = m->key[j];
        val[i] = m->val[j];
    }
    free(m->key);
    free(m->val);
    m->key = key;
    m->val = val;
    m->cap = cap;
    return GRAPH_OK;
}

void graph_map_release(graph_map *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}
