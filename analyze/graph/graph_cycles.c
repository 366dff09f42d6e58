/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_cycles.c — strongly connected components over strong
 * references: graph_scc(), and graph_scc_cut() over the blocks not in a
 * given set and the strong references between them (the cycle listing's
 * second pass, which then follows only the references it needs).
 * Implements docs/analyzer.md#cycles.
 *
 * Algorithm. D. J. Pearce, "A space-efficient algorithm for finding
 * strongly connected components", Information Processing Letters 116(1),
 * 2016 (PEA_FIND_SCC2): Tarjan's algorithm with one word per block, rindex,
 * which holds the visit index while a block is open and its component
 * number (counted down from n; the paper uses n-1) once assigned, plus one "root" bit per
 * block. While the search runs, rindex shares an 8-byte record with the
 * block's first reference, so reaching a block costs one cache miss, and
 * the targets a few references ahead are prefetched; at the end the
 * component ids are compacted in place to the 4-byte output. O(n + m)
 * time; memory 8 bytes and 1 bit per block plus the two stacks, which grow
 * with the depth of the search (huge pages asked for, see graph_huge()).
 * Iterative, no recursion: each stack frame is (block, next reference); a
 * frame resumes at the reference it descended through, so the low-link
 * update happens on return.
 */
#include "graph/graph.h"

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
        s->v = graph_huge(p, cap * sizeof *p);
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return true;
}

/* Per block while the search runs: rindex and the first reference, read
 * together (one cache miss instead of two when a block is first reached). */
typedef struct scc_node {
    uint32_t rindex, off;
} scc_node;

#define SCC_PF 4u /* references ahead whose targets are prefetched */

graph_status graph_scc(const graph *g, uint32_t **compp, uint32_t *ncompp, const graph_progress *p)
{
    return graph_scc_cut(g, NULL, compp, ncompp, p);
}

static inline bool is_cut(const uint8_t *cut, uint32_t w) { return cut && ((cut[w >> 3] >> (w & 7)) & 1); }

graph_status graph_scc_cut(const graph *g, const uint8_t *cut, uint32_t **compp, uint32_t *ncompp,
                           const graph_progress *p)
{
    const uint32_t n = g->n;
    const uint32_t *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    scc_node *nd = graph_huge(malloc(((size_t)n + 1) * sizeof *nd), ((size_t)n + 1) * sizeof *nd);
    uint8_t *root = calloc(((size_t)n + 8) / 8, 1);
    u32vec fv = {0}, fc = {0}, cs = {0}; /* frames (block, cursor) and the component stack */
    if (!nd || !root) goto nomem;
    for (uint32_t v = 0; v <= n; v++) nd[v] = (scc_node){0, g->out_off[v]};
    uint32_t index = 1, c = n; /* counted down from n (Pearce: n-1), so no id is 0 = unvisited */
    uint64_t done = 0;
    for (uint32_t s = 0; s < n; s++) {
        if (nd[s].rindex || is_cut(cut, s)) continue;
        nd[s].rindex = index++;
        root[s >> 3] |= (uint8_t)(1u << (s & 7));
        if (!vec_push(&fv, s) || !vec_push(&fc, nd[s].off)) goto nomem;
        while (fv.n) {
            uint32_t v = fv.v[fv.n - 1], e = fc.v[fc.n - 1], end = nd[v + 1].off;
            bool descended = false;
            for (; e < end; e++) {
                if (e + SCC_PF < end) __builtin_prefetch(&nd[to[e + SCC_PF]]);
                if (!graph_is_strong(kind[e])) continue;
                uint32_t w = to[e];
                if (is_cut(cut, w)) continue;
                if (nd[w].rindex == 0) {
                    fc.v[fc.n - 1] = e; /* resume here: the low-link update on return */
                    nd[w].rindex = index++;
                    root[w >> 3] |= (uint8_t)(1u << (w & 7));
                    uint32_t o = nd[w].off;
                    if (!vec_push(&fv, w) || !vec_push(&fc, o)) goto nomem;
                    for (uint32_t j = o, je = nd[w + 1].off; j < je && j < o + SCC_PF; j++)
                        __builtin_prefetch(&nd[to[j]]);
                    descended = true;
                    break;
                }
                if (nd[w].rindex < nd[v].rindex) {
                    nd[v].rindex = nd[w].rindex;
                    root[v >> 3] &= (uint8_t)~(1u << (v & 7));
                }
            }
            if (descended) continue;
            fv.n--;
            fc.n--;
            if ((root[v >> 3] >> (v & 7)) & 1) {
                index--;
                while (cs.n && nd[v].rindex <= nd[cs.v[cs.n - 1]].rindex) {
                    nd[cs.v[--cs.n]].rindex = c;
                    index--;
                }
                nd[v].rindex = c;
                c--;
            } else if (!vec_push(&cs, v)) {
                goto nomem;
            }
            if ((++done & 0xFFFFF) == 0) graph_tick(p, "cycles", done, n);
        }
    }
    free(root);
    root = NULL;
    free(fv.v);
    free(fc.v);
    free(cs.v);
    /* component numbers counted down from n: make them dense, in completion
     * order, into the first half of the records (4 bytes a block, in place) */
    uint32_t *comp = (uint32_t *)nd;
    for (uint32_t v = 0; v < n; v++) comp[v] = is_cut(cut, v) ? GRAPH_NONE : n - nd[v].rindex;
    if (n) {
        void *q = realloc(comp, (size_t)n * 4);
        if (q) comp = q;
    }
    *compp = comp;
    *ncompp = n - c;
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
nomem:
    free(nd);
    free(root);
    free(fv.v);
    free(fc.v);
    free(cs.v);
    return GRAPH_ERR_NOMEM;
}
