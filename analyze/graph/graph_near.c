/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_near.c — graph_near(): the blocks around one block
 * that `heapsnap graph` draws: the block, the chain of its shortest path
 * from a root (always shown), then breadth first, one level at a time, its
 * referrers or its referents up to a depth, at most a given number of
 * blocks (the rest counted). For referrers, O(depth * (n + m)) (a scan of
 * every reference per level), or with the reverse CSR (graph_referrers)
 * O(r log r) for the r references into the levels searched; O(shown
 * references) for referents.
 * Iterative, no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

graph_status graph_near(const graph *g, const uint32_t *via, uint32_t target, bool referrers, uint32_t depth,
                        uint32_t maxn, graph_near_set *out)
{
    memset(out, 0, sizeof *out);
    uint32_t *pos = out->pos = malloc(((size_t)g->n + 1) * 4), *list = out->list = malloc(((size_t)maxn + 64) * 4);
    uint32_t *frontier = malloc(((size_t)maxn + 64) * 4), nf = 1;
    uint8_t *in_frontier = calloc((size_t)g->n + 1, 1), *seen = calloc((size_t)g->n + 1, 1);
    graph_status st = GRAPH_ERR_NOMEM;
    if (!pos || !list || !frontier || !in_frontier || !seen) goto out;
    for (uint32_t v = 0; v < g->n; v++) pos[v] = GRAPH_NONE;
    uint32_t nl = 0, omitted = 0;
    pos[target] = nl, list[nl++] = target;
    /* the root chain first: it is always shown */
    out->nsteps = graph_path_steps(g, via, target, &out->steps);
    for (uint32_t i = 1; i < out->nsteps && out->npath < 64; i++) out->path[out->npath++] = graph_edge_from(g, out->steps[i]);
    for (uint32_t i = 0; i < out->npath; i++)
        if (pos[out->path[i]] == GRAPH_NONE) pos[out->path[i]] = nl, list[nl++] = out->path[i];
    /* breadth first, one level at a time */
    frontier[0] = target;
    seen[target] = 1;
    /* a block newly seen: shown if there is room, and searched from at the next level */
    #define VISIT(w)                                                   \
        do {                                                           \
            seen[w] = 1;                                               \
            if (pos[w] == GRAPH_NONE) {                                \
                if (nl >= maxn) {                                      \
                    omitted++;                                         \
                    break;                                             \
                }                                                      \
                pos[w] = nl, list[nl++] = w;                           \
            }                                                          \
            next[nnext++] = w;                                         \
        } while (0)
    for (uint32_t d = 0; d < depth && nf; d++) {
        for (uint32_t i = 0; i < nf; i++) in_frontier[frontier[i]] = 1;
        uint32_t nnext = 0, *next = malloc(((size_t)maxn + 64) * 4);
        if (!next) break;
        if (referrers && g->in_off) {
            /* the frontier's referrers from the reverse CSR, then visited in index order, as the scan
             * below meets them (in_frontier marks them meanwhile: the frontier itself is all seen) */
            uint32_t nc = 0, *cand = NULL, cap = 0;
            bool ok = true;
            for (uint32_t i = 0; i < nf && ok; i++)
                for (uint32_t k = g->in_off[frontier[i]]; k < g->in_off[frontier[i] + 1]; k++) {
                    uint32_t v = graph_edge_from(g, g->in_edge[k]);
                    if (seen[v] || in_frontier[v] == 2) continue;
                    if (nc == cap) {
                        uint32_t *nb = realloc(cand, ((size_t)cap * 2 + 64) * 4);
                        if (!nb) {
                            ok = false;
                            break;
                        }
                        cand = nb, cap = cap * 2 + 64;
                    }
                    in_frontier[v] = 2;
                    cand[nc++] = v;
                }
            if (!ok) {
                free(cand);
                free(next);
                break;
            }
            if (nc) qsort(cand, nc, 4, cmp_u32);
            for (uint32_t i = 0; i < nc; i++) {
                uint32_t v = cand[i];
                in_frontier[v] = 0;
                VISIT(v);
            }
            free(cand);
        } else if (referrers) {
            for (uint32_t v = 0; v < g->n; v++)
                for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                    if (!in_frontier[g->out_to[e]] || seen[v]) continue;
                    VISIT(v);
                    break;
                }
        } else {
            for (uint32_t i = 0; i < nf; i++) {
                uint32_t v = frontier[i];
                for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                    uint32_t w = g->out_to[e];
                    if (!seen[w]) VISIT(w);
                }
            }
        }
        for (uint32_t i = 0; i < nf; i++) in_frontier[frontier[i]] = 0;
        free(frontier);
        frontier = next;
        nf = nnext;
    }
    #undef VISIT
    out->n = nl;
    out->omitted = omitted;
    st = GRAPH_OK;
out:
    free(frontier);
    free(in_frontier);
    free(seen);
    if (st) graph_near_release(out);
    return st;
}

void graph_near_release(graph_near_set *s)
{
    free(s->pos);
    free(s->list);
    free(s->steps);
    memset(s, 0, sizeof *s);
}
