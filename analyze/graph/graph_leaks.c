/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_leaks.c — valgrind memcheck's leak kinds, from the
 * graph of a snapshot: still reachable, possibly lost, definitely lost,
 * indirectly lost (graph_leaks). See docs/native.md#leak-kinds.
 *
 * Algorithm, memcheck's (mc_leakcheck.c, "lc_push"/"lc_clique"), on the
 * strong references:
 *  1. from every root block, follow start references (not labelled as
 *     interior): what they reach is still reachable;
 *  2. from the roots and those blocks, follow every reference: what is
 *     reached besides is possibly lost (some chain to it goes through an
 *     interior pointer);
 *  3. the rest is unreachable. In address order, each unreachable block not
 *     yet claimed leads a clique: everything it reaches that is unreachable
 *     and unclaimed (or an earlier leader) becomes indirectly lost, owned by
 *     it; the search does not go through blocks another leader claimed. The
 *     leaders left are definitely lost: the start of each unreachable
 *     structure, and for a cycle nothing else holds, its lowest address.
 *     The result depends on the address order exactly as memcheck's does.
 * Root blocks of size 0 are the producer's pseudo-blocks (native dumps'
 * "[stack] thread N"): they hold roots, they are no allocation, and get
 * GRAPH_LEAK_ROOT. O(n + m) plus sorting the unreachable blocks by address;
 * 1 + 4 bytes a block and an explicit stack, iterative, no recursion.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

typedef struct stack {
    uint32_t *v;
    size_t n, cap;
} stack;

static int push(stack *s, uint32_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint32_t *v = realloc(s->v, cap * sizeof *v);
        if (!v) return -1;
        s->v = v;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

static bool is_interior(const graph *g, uint32_t e, uint32_t interior)
{
    if (interior == HS_NONE) return false;
    unsigned lt = (g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u;
    return lt == HS_LABEL_STRING && graph_label(g, e) == interior;
}

static const graph *sort_g;
static int by_addr(const void *a, const void *b)
{
    uint64_t x = graph_addr(sort_g, *(const uint32_t *)a), y = graph_addr(sort_g, *(const uint32_t *)b);
    return x < y ? -1 : x > y;
}

uint32_t graph_leak_owner(const graph_leaks *l, uint32_t v)
{
    if (l->kind[v] != GRAPH_LEAK_INDIRECT) return l->kind[v] == GRAPH_LEAK_DEFINITE ? v : GRAPH_NONE;
    while (l->kind[v] == GRAPH_LEAK_INDIRECT && l->owner[v] != GRAPH_NONE) v = l->owner[v];
    return v;
}

graph_status graph_leaks_find(const graph *g, uint32_t interior, graph_leaks *l)
{
    memset(l, 0, sizeof *l);
    uint32_t n = g->n;
    l->kind = malloc(n ? n : 1);
    l->owner = malloc((n ? n : 1) * sizeof *l->owner);
    stack st = {0};
    uint32_t *unr = NULL;
    if (!l->kind || !l->owner) goto nomem;
    memset(l->kind, GRAPH_LEAK_NONE, n);
    for (uint32_t v = 0; v < n; v++) l->owner[v] = GRAPH_NONE;
    /* 1. start-pointer chains from the roots */
    for (uint32_t r = 0; r < g->nroots; r++) {
        uint32_t v = g->roots[r].node;
        if (v >= n || l->kind[v] != GRAPH_LEAK_NONE) continue;
        l->kind[v] = graph_size(g, v) == 0 ? GRAPH_LEAK_ROOT : GRAPH_LEAK_REACHABLE;
        if (push(&st, v)) goto nomem;
    }
    while (st.n) {
        uint32_t v = st.v[--st.n];
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint32_t t = g->out_to[e];
            if (!graph_is_strong(g->out_kind[e]) || is_interior(g, e, interior) || l->kind[t] != GRAPH_LEAK_NONE)
                continue;
            l->kind[t] = GRAPH_LEAK_REACHABLE;
            if (push(&st, t)) goto nomem;
        }
    }
    /* 2. any chain from a root or a reachable block */
    for (uint32_t v = 0; v < n; v++)
        if (l->kind[v] != GRAPH_LEAK_NONE && push(&st, v)) goto nomem;
    while (st.n) {
        uint32_t v = st.v[--st.n];
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint32_t t = g->out_to[e];
            if (!graph_is_strong(g->out_kind[e]) || l->kind[t] != GRAPH_LEAK_NONE) continue;
            l->kind[t] = GRAPH_LEAK_POSSIBLE;
            if (push(&st, t)) goto nomem;
        }
    }
    /* 3. cliques of the unreachable, leaders in address order */
    uint32_t nu = 0;
    for (uint32_t v = 0; v < n; v++) nu += l->kind[v] == GRAPH_LEAK_NONE;
    if (nu) {
        unr = malloc((size_t)nu * sizeof *unr);
        if (!unr) goto nomem;
        nu = 0;
        for (uint32_t v = 0; v < n; v++)
            if (l->kind[v] == GRAPH_LEAK_NONE) unr[nu++] = v;
        sort_g = g;
        qsort(unr, nu, sizeof *unr, by_addr);
    }
    for (uint32_t i = 0; i < nu; i++) {
        uint32_t a = unr[i];
        if (l->kind[a] != GRAPH_LEAK_NONE) continue; /* claimed by an earlier leader */
        l->kind[a] = GRAPH_LEAK_DEFINITE;
        if (push(&st, a)) goto nomem;
        while (st.n) {
            uint32_t v = st.v[--st.n];
            for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                uint32_t t = g->out_to[e];
                if (!graph_is_strong(g->out_kind[e]) || t == a) continue;
                if (l->kind[t] != GRAPH_LEAK_NONE && l->kind[t] != GRAPH_LEAK_DEFINITE) continue;
                l->kind[t] = GRAPH_LEAK_INDIRECT; /* a former leader joins, with its clique */
                l->owner[t] = a;
                if (push(&st, t)) goto nomem;
            }
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        unsigned k = l->kind[v];
        if (k >= GRAPH_LEAK_KINDS) continue;
        l->blocks[k]++;
        l->bytes[k] += graph_size(g, v);
    }
    free(unr);
    free(st.v);
    return GRAPH_OK;
nomem:
    free(unr);
    free(st.v);
    graph_leaks_release(l);
    return GRAPH_ERR_NOMEM;
}

uint32_t graph_string_find(const hs_reader *r, const char *s)
{
    size_t want = strlen(s), len;
    const char *t;
    for (uint32_t id = 0; r && (t = hs_reader_string(r, id, &len)) != NULL; id++)
        if (len == want && memcmp(t, s, len) == 0) return id;
    return HS_NONE;
}

void graph_leaks_release(graph_leaks *l)
{
    free(l->kind);
    free(l->owner);
    memset(l, 0, sizeof *l);
}
