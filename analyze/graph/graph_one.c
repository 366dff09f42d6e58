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
 * v's retained bytes are the reachable bytes not searched, summed in one
 * sequential sweep afterwards (not during the search: a size read per new
 * block would be one more cache miss). O(n + m) time, one search: no
 * semidominators, no reverse graph. The search goes in queue order, so the
 * offsets, references and target bits of the blocks a few places ahead are
 * prefetched as in graph_bfs(). Memory: two bit sets and a queue of 4 bytes
 * per block. Iterative, no recursion.
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
#define ONE_PF1 4u  /* queue entries ahead: their targets' bits */
#define ONE_PF2 12u /* their references */
#define ONE_PF3 24u /* their offsets */

graph_status graph_one_dominator(const graph *g, const uint32_t *via, uint32_t v, uint32_t *idom, uint64_t *retained)
{
    uint32_t *steps = NULL;
    uint32_t k = graph_path_steps(g, via, v, &steps); /* path blocks p1..pk: k of them */
    if (!k) return GRAPH_ERR_NOMEM;                   /* v is reachable: only memory can fail */
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    uint32_t *node = malloc(((size_t)k + 1) * 4);
    pos_rec *pos = malloc((size_t)k * sizeof *pos);
    uint8_t *seen = calloc(((size_t)g->n + 7) / 8, 1); /* searched, or on the path */
    uint8_t *onpath = calloc(((size_t)g->n + 7) / 8, 1);
    uint32_t *queue = malloc(((size_t)g->n + 1) * 4); /* each block off the path is queued once in all */
    graph_status st = GRAPH_ERR_NOMEM;
    if (!node || !pos || !seen || !onpath || !queue) goto out;
    node[0] = GRAPH_SUPER(g);
    node[1] = g->roots[steps[0] - g->nedges].node;
    for (uint32_t i = 1; i < k; i++) node[i + 1] = to[steps[i]];
    for (uint32_t i = 1; i <= k; i++) {
        pos[i - 1] = (pos_rec){node[i], i};
        SET(onpath, node[i]);
        SET(seen, node[i]);
    }
    qsort(pos, k, sizeof *pos, cmp_pos);
    uint32_t reach = 1, dom = GRAPH_SUPER(g), head = 0, tail = 0;
    for (uint32_t j = 0; j < k; j++) {
        if (j > 0 && reach == j) dom = node[j];
        /* pj's targets, then the blocks off the path found from it, in
         * queue order: the queue is known ahead, so offsets, references
         * and the targets' bits a few places ahead are prefetched */
        uint32_t u = node[j];
        for (;;) {
            if (u == GRAPH_SUPER(g)) {
                for (uint32_t r = 0; r < g->nroots; r++) {
                    uint32_t t = g->roots[r].node;
                    if (BIT(onpath, t)) {
                        uint32_t p = pos_of(pos, k, t);
                        if (p > reach) reach = p;
                    } else if (!BIT(seen, t)) {
                        SET(seen, t);
                        queue[tail++] = t;
                    }
                }
            } else {
                for (uint32_t e = off[u], ee = off[u + 1]; e < ee; e++) {
                    if (!graph_is_strong(kind[e])) continue;
                    uint32_t t = to[e];
                    if (!BIT(seen, t)) {
                        SET(seen, t);
                        queue[tail++] = t;
                    } else if (BIT(onpath, t)) {
                        uint32_t p = pos_of(pos, k, t);
                        if (p > reach) reach = p;
                    }
                }
            }
            if (head == tail) break;
            if (head + ONE_PF3 < tail) __builtin_prefetch(&off[queue[head + ONE_PF3]]);
            if (head + ONE_PF2 < tail) {
                uint32_t w = queue[head + ONE_PF2];
                __builtin_prefetch(&to[off[w]]);
                __builtin_prefetch(&kind[off[w]]);
            }
            if (head + ONE_PF1 < tail) {
                uint32_t w = queue[head + ONE_PF1];
                for (uint32_t e = off[w], ee = off[w + 1]; e < ee && e < off[w] + 8; e++)
                    __builtin_prefetch(&seen[to[e] >> 3]);
            }
            u = queue[head++];
        }
    }
    /* v keeps what is reachable and was not searched (v itself is on the
     * path, marked but never expanded); the path blocks before it were
     * reached without it. One sequential sweep. */
    uint64_t ret = 0;
    for (uint32_t b = 0; b < g->n; b++)
        if (via[b] != GRAPH_NONE && (!BIT(seen, b) || b == v)) ret += graph_size(g, b);
    *idom = dom;
    *retained = ret;
    st = GRAPH_OK;
out:
    free(queue);
    free(onpath);
    free(seen);
    free(pos);
    free(node);
    free(steps);
    return st;
}
