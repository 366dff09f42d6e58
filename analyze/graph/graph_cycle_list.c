/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_cycle_list.c — the reference cycles a user is shown,
 * computed once for `heapsnap cycles` and the report: the non-trivial
 * strongly connected components of graph_scc() (more than one member, or a
 * block holding itself strongly), each with its members, shallow bytes,
 * lowest-index member, whether a root reaches it and whether a member has
 * a finalizer, sorted largest first; and the most common member types of
 * the first cycles. O(n + m) plus sorting; iterative, no recursion.
 * See docs/cli.md#cycles.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

static int cmp_cycle(const void *a, const void *b)
{
    const graph_cycle *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    if (x->members != y->members) return x->members < y->members ? 1 : -1;
    return x->first < y->first ? -1 : x->first > y->first;
}

graph_status graph_cycles_find(const graph *g, graph_cycle_list *l, const graph_progress *p)
{
    memset(l, 0, sizeof *l);
    uint32_t *members = NULL, *first = NULL;
    uint64_t *bytes = NULL;
    uint8_t *fin = NULL;
    graph_status st = graph_scc(g, &l->comp, &l->ncomp, p);
    if (st) return st;
    st = GRAPH_ERR_NOMEM;
    const uint32_t nc = l->ncomp;
    members = calloc((size_t)nc + 1, 4);
    bytes = calloc((size_t)nc + 1, 8);
    fin = calloc((size_t)nc + 1, 1);
    first = malloc(((size_t)nc + 1) * 4);
    if (!members || !bytes || !fin || !first) goto out;
    for (uint32_t v = 0; v < g->n; v++) members[l->comp[v]]++, bytes[l->comp[v]] += graph_size(g, v);
    for (uint32_t v = 0; v < g->n; v++) { /* a block holding itself strongly is a cycle of one */
        if (members[l->comp[v]] != 1) continue;
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
            if (g->out_to[e] == v && graph_is_strong(g->out_kind[e])) {
                members[l->comp[v]] = UINT32_MAX;
                break;
            }
    }
    for (uint32_t c = 0; c < nc; c++) first[c] = GRAPH_NONE;
    uint32_t n = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t c = l->comp[v];
        if (members[c] <= 1) continue;
        if (graph_has_finalizer(g, v)) fin[c] = 1;
        if (first[c] == GRAPH_NONE) first[c] = v, n++;
    }
    l->v = malloc(((size_t)n + 1) * sizeof *l->v);
    if (!l->v) goto out;
    for (uint32_t c = 0; c < nc; c++) {
        if (members[c] <= 1) continue;
        uint32_t m = members[c] == UINT32_MAX ? 1 : members[c];
        bool reach = graph_reachable(g, first[c]);
        l->v[l->n++] = (graph_cycle){c, m, first[c], bytes[c], reach, fin[c] != 0};
        l->blocks += m;
        l->bytes += bytes[c];
        if (!reach) l->garbage++, l->garbage_bytes += bytes[c];
    }
    qsort(l->v, l->n, sizeof *l->v, cmp_cycle);
    st = GRAPH_OK;
out:
    free(members);
    free(bytes);
    free(fin);
    free(first);
    if (st) graph_cycle_list_release(l);
    return st;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_tcount(const void *a, const void *b)
{
    const graph_type_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return x->type < y->type ? -1 : x->type > y->type;
}

graph_status graph_cycles_types(const graph *g, const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich,
                                uint32_t k, graph_type_count *out, uint32_t *nout, uint32_t *ndistinct)
{
    /* the members of the chosen cycles, grouped by cycle (CSR) */
    uint32_t *slot = malloc(((size_t)l->ncomp + 1) * 4), *off = calloc((size_t)nwhich + 2, 4), *mem = NULL;
    graph_type_count *tc = NULL;
    graph_status st = GRAPH_ERR_NOMEM;
    if (!slot || !off) goto out;
    for (uint32_t c = 0; c < l->ncomp; c++) slot[c] = GRAPH_NONE;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nwhich; i++) slot[l->v[which[i]].comp] = i, total += l->v[which[i]].members;
    mem = malloc((size_t)(total ? total : 1) * 4);
    tc = malloc((size_t)(total ? total : 1) * sizeof *tc);
    if (!mem || !tc) goto out;
    for (uint32_t i = 0; i < nwhich; i++) off[i + 1] = off[i] + l->v[which[i]].members;
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t s = slot[l->comp[v]];
        if (s != GRAPH_NONE) mem[off[s]++] = g->type[v];
    }
    for (uint32_t i = nwhich; i > 0; i--) off[i] = off[i - 1];
    off[0] = 0;
    for (uint32_t i = 0; i < nwhich; i++) {
        uint32_t *m = mem + off[i], nm = off[i + 1] - off[i], nt = 0;
        qsort(m, nm, 4, cmp_u32);
        for (uint32_t a = 0; a < nm;) {
            uint32_t b = a;
            while (b < nm && m[b] == m[a]) b++;
            tc[nt++] = (graph_type_count){m[a], b - a};
            a = b;
        }
        qsort(tc, nt, sizeof *tc, cmp_tcount);
        nout[i] = nt < k ? nt : k;
        ndistinct[i] = nt;
        memcpy(out + (size_t)i * k, tc, (size_t)nout[i] * sizeof *tc);
    }
    st = GRAPH_OK;
out:
    free(slot);
    free(off);
    free(mem);
    free(tc);
    return st;
}

void graph_cycle_list_release(graph_cycle_list *l)
{
    free(l->v);
    free(l->comp);
    memset(l, 0, sizeof *l);
}
