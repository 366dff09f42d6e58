/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_paths.c — shortest retainer paths: graph_bfs() and
 * graph_edge_from(). Implements docs/analyzer.md#paths.
 *
 * Algorithm. Breadth-first search (E. F. Moore, "The shortest path through
 * a maze", 1959) from the super-root over strong references; the roots are
 * the first level, global roots first, then stack, external, runtime and
 * other roots, each kind in record order — so among equally short paths the
 * one from a module or global variable is reported, the most telling to a
 * reader (a module's globals are also a running frame's locals). Each block keeps the one edge that
 * reached it first (4 bytes), so the shortest path to any block is read
 * backwards from it; the holder of an edge is found by binary search in
 * the forward CSR offsets instead of a second array. The queue is known
 * ahead of the search, so the offsets, references and targets of the
 * blocks a few places ahead are prefetched in three stages and the cache
 * misses overlap. O(n + m) time, a queue of at most n entries. Iterative,
 * no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>

uint32_t graph_edge_from(const graph *g, uint32_t e)
{
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->out_off[mid + 1] <= e) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

#define BFS_PF1 4u  /* queue entries ahead: their targets' via */
#define BFS_PF2 12u /* their references */
#define BFS_PF3 24u /* their offsets */

graph_status graph_bfs(const graph *g, uint32_t **viap, uint32_t **distp, const graph_progress *p)
{
    const uint32_t n = g->n;
    if ((uint64_t)g->nedges + g->nroots >= GRAPH_NONE) return GRAPH_ERR_LIMIT;
    uint32_t *via = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    uint32_t *queue = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    uint32_t *dist = distp ? graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4) : NULL;
    if (!via || !queue || (distp && !dist)) {
        free(via);
        free(queue);
        free(dist);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < n; v++) via[v] = GRAPH_NONE;
    uint32_t head = 0, tail = 0;
    for (unsigned pass = 0; pass <= 4; pass++) { /* graph_root_rank() order */
        for (uint32_t r = 0; r < g->nroots; r++) {
            if (graph_root_rank(g->roots[r].kind) != pass) continue;
            uint32_t v = g->roots[r].node;
            if (via[v] != GRAPH_NONE) continue;
            via[v] = g->nedges + r;
            if (dist) dist[v] = 1;
            queue[tail++] = v;
        }
    }
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    while (head < tail) {
        /* the queue is known ahead: prefetch in three stages (offsets, then
         * references, then the targets' via), so the misses overlap */
        if (head + BFS_PF3 < tail) __builtin_prefetch(&off[queue[head + BFS_PF3]]);
        if (head + BFS_PF2 < tail) {
            uint32_t u = queue[head + BFS_PF2];
            __builtin_prefetch(&to[off[u]]);
            __builtin_prefetch(&kind[off[u]]);
        }
        if (head + BFS_PF1 < tail) {
            uint32_t u = queue[head + BFS_PF1];
            for (uint32_t e = off[u], ee = off[u + 1]; e < ee && e < off[u] + 8; e++) __builtin_prefetch(&via[to[e]]);
        }
        uint32_t v = queue[head++];
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            if (!graph_is_strong(kind[e])) continue;
            uint32_t w = to[e];
            if (via[w] != GRAPH_NONE) continue;
            via[w] = e;
            if (dist) dist[w] = dist[v] + 1;
            queue[tail++] = w;
        }
        if ((head & 0xFFFFF) == 0) graph_tick(p, "paths", head, n);
    }
    free(queue);
    *viap = via;
    if (distp) *distp = dist;
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
}

/* ---- the last steps of the shortest paths to one block ---- */
/* Shortest first; among equals, the preferred root kind, then file order. */
static int cmp_end(const void *a, const void *b)
{
    const graph_path_end *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

/* The root that the shortest path to reached block u starts from. */
static unsigned path_root_rank(const graph *g, const uint32_t *via, uint32_t u)
{
    while (via[u] < g->nedges) u = graph_edge_from(g, via[u]);
    return graph_root_rank(g->roots[via[u] - g->nedges].kind);
}

static bool push_end(graph_path_end **c, uint32_t *n, uint32_t *cap, graph_path_end e)
{
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 64;
        graph_path_end *nc = ncap > *cap ? realloc(*c, (size_t)ncap * sizeof *nc) : NULL;
        if (!nc) return false;
        *c = nc;
        *cap = ncap;
    }
    (*c)[(*n)++] = e;
    return true;
}

graph_status graph_path_ends(const graph *g, const uint32_t *via, const uint32_t *dist, uint32_t v,
                             graph_path_end **out, uint32_t *nout)
{
    graph_path_end *c = NULL;
    uint32_t n = 0, cap = 0;
    *out = NULL;
    *nout = 0;
    for (uint32_t r = 0; r < g->nroots; r++)
        if (g->roots[r].node == v && !push_end(&c, &n, &cap, (graph_path_end){1, g->nedges + r, graph_root_rank(g->roots[r].kind)}))
            goto nomem;
    for (uint32_t u = 0; u < g->n; u++) {
        if (via[u] == GRAPH_NONE) continue;
        for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            if (g->out_to[e] != v || !graph_is_strong(g->out_kind[e])) continue;
            if (!push_end(&c, &n, &cap, (graph_path_end){dist[u] + 1, e, path_root_rank(g, via, u)})) goto nomem;
        }
    }
    qsort(c, n, sizeof *c, cmp_end);
    *out = c;
    *nout = n;
    return GRAPH_OK;
nomem:
    free(c);
    return GRAPH_ERR_NOMEM;
}
