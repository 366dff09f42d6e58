/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph_cycles.c — strongly connected components over strong
 * references: graph_scc(). Implements docs/analyzer.md#cycles.
 *
 * Algorithm. D. J. Pearce, "A space-efficient algorithm for finding
 * strongly connected components", Information Processing Letters 116(1),
 * 2016 (PEA_FIND_SCC2): Tarjan's algorithm with one word per block, rindex,
 * which holds the visit index while a block is open and its component
 * number (counted down from n; the paper uses n-1) once assigned, plus one "root" bit per
 * block. O(n + m) time; memory 4 bytes and 1 bit per block plus the two
 * stacks, which grow with the depth of the search.
 * Iterative, no recursion: each stack frame is (block, next reference); a
 * frame resumes at the reference it descended through, so the low-link
 * update happens on return.
 */
#include "graph.h"

#include <stdlib.h>

typedef struct u32vec {
    uint32_t *v;
    size_t n, cap;
} u32vec;

static bool vec_push(u32vec *s, uint32_t x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        uint32_t *p = realloc(s->v, cap * sizeof *p);
        if (!p) return false;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return true;
}

graph_status graph_scc(const graph *g, uint32_t **compp, uint32_t *ncompp, const graph_progress *p)
{
    const uint32_t n = g->n;
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    uint32_t *rindex = calloc((size_t)n + 1, 4);
    uint8_t *root = calloc(((size_t)n + 8) / 8, 1);
    u32vec fv = {0}, fc = {0}, cs = {0}; /* frames (block, cursor) and the component stack */
    if (!rindex || !root) goto nomem;
    uint32_t index = 1, c = n; /* counted down from n (Pearce: n-1), so no id is 0 = unvisited */
    uint64_t done = 0;
    for (uint32_t s = 0; s < n; s++) {
        if (rindex[s]) continue;
        rindex[s] = index++;
        root[s >> 3] |= (uint8_t)(1u << (s & 7));
        if (!vec_push(&fv, s) || !vec_push(&fc, off[s])) goto nomem;
        while (fv.n) {
            uint32_t v = fv.v[fv.n - 1], e = fc.v[fc.n - 1], end = off[v + 1];
            bool descended = false;
            for (; e < end; e++) {
                if (!graph_is_strong(kind[e])) continue;
                uint32_t w = to[e];
                if (rindex[w] == 0) {
                    fc.v[fc.n - 1] = e; /* resume here: the low-link update on return */
                    rindex[w] = index++;
                    root[w >> 3] |= (uint8_t)(1u << (w & 7));
                    if (!vec_push(&fv, w) || !vec_push(&fc, off[w])) goto nomem;
                    descended = true;
                    break;
                }
                if (rindex[w] < rindex[v]) {
                    rindex[v] = rindex[w];
                    root[v >> 3] &= (uint8_t)~(1u << (v & 7));
                }
            }
            if (descended) continue;
            fv.n--;
            fc.n--;
            if ((root[v >> 3] >> (v & 7)) & 1) {
                index--;
                while (cs.n && rindex[v] <= rindex[cs.v[cs.n - 1]]) {
                    rindex[cs.v[--cs.n]] = c;
                    index--;
                }
                rindex[v] = c;
                c--;
            } else if (!vec_push(&cs, v)) {
                goto nomem;
            }
            if ((++done & 0xFFFFF) == 0) graph_tick(p, "cycles", done, n);
        }
    }
    /* component numbers counted down from n: make them dense, in completion order */
    for (uint32_t v = 0; v < n; v++) rindex[v] = n - rindex[v];
    *compp = rindex;
    *ncompp = n - c;
    free(root);
    free(fv.v);
    free(fc.v);
    free(cs.v);
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
nomem:
    free(rindex);
    free(root);
    free(fv.v);
    free(fc.v);
    free(cs.v);
    return GRAPH_ERR_NOMEM;
}
