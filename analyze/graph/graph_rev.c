/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_rev.c — graph_referrers(): the reverse CSR, each
 * block's referrers as the forward edge ids into it (g->in_off, g->in_edge),
 * for `show`, `path`, `graph`'s referrers and the Python API's
 * Block.referrers; an index keeps it once a command needed it
 * (docs/analyzer.md#index).
 *
 * Algorithm. A stable counting sort of the edge ids by target: count the
 * references into each block, prefix sums, then scatter the ids in edge
 * order, so each block's list is ascending (the order a scan of every
 * reference meets them in). O(n + m) time, 4 bytes a block and 4 a
 * reference; iterative, no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

graph_status graph_referrers(graph *g)
{
    if (g->in_off) return GRAPH_OK; /* (in_edge may be NULL when there is no reference) */
    const uint32_t n = g->n, m = g->nedges;
    uint32_t *off = calloc((size_t)n + 1, sizeof *off);
    uint32_t *edge = malloc(((size_t)m + 1) * sizeof *edge);
    if (!off || !edge) {
        free(off);
        free(edge);
        return GRAPH_ERR_NOMEM;
    }
    const uint32_t *to = g->out_to;
    for (uint32_t e = 0; e < m; e++) off[to[e] + 1]++;
    for (uint32_t v = 0; v < n; v++) off[v + 1] += off[v];
    /* off[v] is v's next free slot; it ends at v's end, which is off[v + 1]'s start: shift back after */
    for (uint32_t e = 0; e < m; e++) edge[off[to[e]]++] = e;
    memmove(off + 1, off, (size_t)n * sizeof *off);
    off[0] = 0;
    g->in_off = off;
    g->in_edge = edge;
    return GRAPH_OK;
}
