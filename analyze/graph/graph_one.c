/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_one.c — the immediate dominator and retained size of
 * one reachable block without the dominator tree: graph_one_dominator().
 * What `show` prints of a block it is asked about. Implements
 * docs/analyzer.md#one-block.
 *
 * Algorithm. Every dominator of v lies on any path to it; take the shortest
 * one of graph_bfs(), p0 = the super-root, p1 = a root, ..., pk = v. Expand
 * p0, p1, ... in order: expanding pj follows its strong references, and the
 * blocks off the path they reach are searched at once (each at most once in
 * all), each reference to a path block pl only raising `reach`, the highest
 * path position seen so far. The blocks searched before pj is expanded are
 * exactly those reachable without passing through pj, so pj (0 < j < k)
 * dominates v when reach is still j at that point; the last such pj is the
 * immediate dominator (else the super-root). Once p0..p(k-1) are expanded,
 * what was searched is everything reachable without passing through v, so
 * v's retained bytes are the reachable bytes less those. O(n + m) time, one
 * pass: no semidominators, no reverse graph. Memory: two bit sets and a
 * stack of 4 bytes per block (at most). Iterative, no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

typedef struct pos_rec { /* a path block and its position, sorted by block */
    uint32_t node, pos;
} pos_rec;

static int cmp_pos(const void *a, const void *b)
{
    const pos_rec *x = a, *y = b;
    return x->node < y->node ? -1 : x->node > y->node;
}

static uint32_t pos_of(const pos_rec *p, uint32_t np, uint32_t node)
{
    uint32_t lo = 0, hi = np;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p[mid].node < node) lo = mid + 1;
        else hi = mid;
    }
    return p[lo].node == node ? p[lo].pos : GRAPH_NONE; /* node is on the path: always found */
}

#define BIT(s, v) (((s)[(v) >> 3] >> ((v) & 7)) & 1u)
#define SET(s, v) ((s)[(v) >> 3] |= (uint8_t)(1u << ((v) & 7)))

graph_status graph_one_dominator(const graph *g, const uint32_t *via, uint32_t v, uint32_t *idom, uint64_t *retained)
{
    uint32_t *steps = NULL;
    uint32_t k = graph_path_steps(g, via, v, &steps); /* path blocks p1..pk: k of them */
    if (!k) return GRAPH_ERR_NOMEM;                   /* v is reachable: only memory can fail */
    uint32_t *node = malloc(((size_t)k + 1) * 4);
    pos_rec *pos = malloc((size_t)k * sizeof *pos);
    uint8_t *seen = calloc(((size_t)g->n + 7) / 8, 1), *onpath = calloc(((size_t)g->n + 7) / 8, 1);
    uint32_t *stack = NULL;
    graph_status st = GRAPH_ERR_NOMEM;
    if (!node || !pos || !seen || !onpath) goto out;
    node[0] = GRAPH_SUPER(g);
    node[1] = g->roots[steps[0] - g->nedges].node;
    for (uint32_t i = 1; i < k; i++) node[i + 1] = g->out_to[steps[i]];
    for (uint32_t i = 1; i <= k; i++) {
        pos[i - 1] = (pos_rec){node[i], i};
        SET(onpath, node[i]);
    }
    qsort(pos, k, sizeof *pos, cmp_pos);
    /* the stack: the blocks off the path not yet expanded, each pushed once */
    size_t cap = 1024, top = 0;
    if (!(stack = malloc(cap * 4))) goto out;
    uint32_t reach = 1, dom = GRAPH_SUPER(g);
    uint64_t kept = 0; /* bytes of the blocks reachable without passing through v */
    for (uint32_t j = 0; j < k; j++) {
        if (j > 0) {
            if (reach == j) dom = node[j];
            kept += graph_size(g, node[j]);
        }
        /* the targets of pj, then of the blocks off the path found from it */
        uint32_t nt = j ? g->out_off[node[j] + 1] - g->out_off[node[j]] : g->nroots;
        uint32_t u = node[j];
        for (;;) {
            for (uint32_t i = 0; i < nt; i++) {
                uint32_t t;
                if (u == GRAPH_SUPER(g)) {
                    t = g->roots[i].node;
                } else {
                    uint32_t e = g->out_off[u] + i;
                    if (!graph_is_strong(g->out_kind[e])) continue;
                    t = g->out_to[e];
                }
                if (BIT(onpath, t)) {
                    uint32_t p = pos_of(pos, k, t);
                    if (p > reach) reach = p;
                    continue;
                }
                if (BIT(seen, t)) continue;
                SET(seen, t);
                kept += graph_size(g, t);
                if (top == cap) {
                    uint32_t *ns = realloc(stack, cap * 2 * 4);
                    if (!ns) goto out;
                    stack = ns, cap *= 2;
                }
                stack[top++] = t;
            }
            if (!top) break;
            u = stack[--top];
            nt = g->out_off[u + 1] - g->out_off[u];
        }
    }
    uint64_t all = 0;
    for (uint32_t b = 0; b < g->n; b++)
        if (via[b] != GRAPH_NONE) all += graph_size(g, b);
    *idom = dom;
    *retained = all - kept;
    st = GRAPH_OK;
out:
    free(stack);
    free(onpath);
    free(seen);
    free(pos);
    free(node);
    free(steps);
    return st;
}
