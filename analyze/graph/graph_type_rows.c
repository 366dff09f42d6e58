/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_type_rows.c — graph_type_rows(): the per-type table
 * that `heapsnap summary` and the report's types show: for every type with
 * an instance, its display name, instance count and shallow bytes, sorted
 * by shallow bytes (or by count), then the other figure, then the name.
 * Retained bytes are the caller's to fill (graph_type_retained(), or
 * graph_set_retained() per row). O(n + t log t).
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

static int cmp_shallow(const void *a, const void *b)
{
    const graph_type_row *x = a, *y = b;
    if (x->shallow != y->shallow) return x->shallow < y->shallow ? 1 : -1;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static int cmp_count(const void *a, const void *b)
{
    const graph_type_row *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    if (x->shallow != y->shallow) return x->shallow < y->shallow ? 1 : -1;
    return strcmp(x->name, y->name);
}

graph_status graph_type_rows(const graph *g, bool by_count, graph_type_row **out, uint32_t *nout)
{
    *out = NULL;
    *nout = 0;
    uint32_t cap = g->ntypes;
    uint64_t *count = calloc((size_t)cap + 1, 8), *shallow = calloc((size_t)cap + 1, 8);
    graph_type_row *rows = malloc(((size_t)cap + 1) * sizeof *rows);
    if (!count || !shallow || !rows) {
        free(count);
        free(shallow);
        free(rows);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < g->n; v++) count[g->type[v]]++, shallow[g->type[v]] += graph_size(g, v);
    uint32_t n = 0;
    for (uint32_t t = 0; t < cap; t++) {
        if (!count[t]) continue;
        graph_type_row *r = &rows[n++];
        r->type = t;
        r->count = count[t];
        r->shallow = shallow[t];
        r->retained = 0;
        graph_type_name(g->reader, t, r->name, sizeof r->name);
    }
    free(count);
    free(shallow);
    qsort(rows, n, sizeof *rows, by_count ? cmp_count : cmp_shallow);
    *out = rows;
    *nout = n;
    return GRAPH_OK;
}
