/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_top.c — graph_top_select(): the k blocks with the
 * largest retained sizes, by insertion into a sorted array of k (O(n k) at
 * worst, O(n) when few blocks beat the k-th). Iterative. Used by `top`, the
 * report and the diff views. See docs/analyzer.md.
 */
#include "graph/graph.h"

#include <stdlib.h>

uint32_t *graph_top_select(const graph *g, uint32_t k, uint32_t *nout)
{
    uint32_t *top = malloc(((size_t)k + 1) * 4), n = 0;
    if (!top) return NULL;
    for (uint32_t v = 0; v < g->n && k; v++) {
        uint64_t r = graph_retained(g, v);
        if (n == k && graph_retained(g, top[n - 1]) >= r) continue;
        uint32_t i = n < k ? n++ : n - 1;
        while (i > 0 && graph_retained(g, top[i - 1]) < r) top[i] = top[i - 1], i--;
        top[i] = v;
    }
    *nout = n;
    return top;
}

