/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_types.c — retained bytes per type in one pass:
 * graph_type_retained(). Implements docs/analyzer.md#retained-per-type.
 *
 * The measure: for each type, the sum of the retained sizes of its
 * instances that have no other instance of the type above them in the
 * dominator tree — the bytes its instances keep alive on their own, each
 * byte counted once (the "retained size" of a class or constructor group in
 * Eclipse MAT's quick approximation and in Chrome DevTools). It is a lower
 * bound of graph_set_retained(), which also counts blocks that only several
 * instances together keep alive, at the cost of one search per type.
 *
 * Algorithm: a preorder walk of the dominator trees of <roots> and
 * <unreachable> with an explicit stack, keeping per type the number of its
 * instances on the current tree path; an instance entered while that count
 * is zero adds its retained size. O(n + types) time, 12 bytes per block
 * for the children lists and the stack. Iterative, no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

graph_status graph_type_retained(const graph *g, uint64_t *out)
{
    if (!g->idom || !graph_has_retained(g)) return GRAPH_ERR_INPUT;
    if (g->cache.type_retained) {
        memcpy(out, g->cache.type_retained, (size_t)g->ntypes * sizeof *out);
        return GRAPH_OK;
    }
    for (uint32_t t = 0; t < g->ntypes; t++) out[t] = 0;
    /* the saved children lists when there are (an index, or load_graph_indexed() about to write one), else
     * our own */
    uint32_t *own_off = NULL, *own_kids = NULL;
    const uint32_t *off = g->cache.dom_off, *kids = g->cache.dom_kids;
    if (!off || !kids) {
        if (graph_dom_children(g, &own_off, &own_kids)) return GRAPH_ERR_NOMEM;
        off = own_off, kids = own_kids;
    }
    uint32_t *active = calloc((size_t)g->ntypes + 1, sizeof *active);
    uint32_t *stack_v = malloc(((size_t)g->n + 2) * sizeof *stack_v);
    uint32_t *stack_i = malloc(((size_t)g->n + 2) * sizeof *stack_i);
    if (!active || !stack_v || !stack_i) {
        free(own_off);
        free(own_kids);
        free(active);
        free(stack_v);
        free(stack_i);
        return GRAPH_ERR_NOMEM;
    }
    const uint32_t tops[2] = {GRAPH_SUPER(g), GRAPH_UNREACH(g)};
    for (int k = 0; k < 2; k++) {
        uint32_t sp = 0;
        stack_v[sp] = tops[k];
        stack_i[sp++] = off[tops[k]];
        while (sp) {
            uint32_t v = stack_v[sp - 1], i = stack_i[sp - 1];
            if (i < off[v + 1]) { /* enter the next child */
                stack_i[sp - 1] = i + 1;
                uint32_t w = kids[i], t = g->type[w];
                if (t < g->ntypes && active[t]++ == 0) out[t] += graph_retained(g, w);
                stack_v[sp] = w;
                stack_i[sp++] = off[w];
                continue;
            }
            sp--; /* leave v */
            if (v < g->n && g->type[v] < g->ntypes) active[g->type[v]]--;
        }
    }
    free(own_off);
    free(own_kids);
    free(active);
    free(stack_v);
    free(stack_i);
    return GRAPH_OK;
}
