/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph_dominators.c — the dominator tree over strong references
 * and retained sizes: graph_dominators(), graph_dom_children(). Implements
 * docs/analyzer.md#dominators.
 *
 * Algorithm. Semi-NCA (L. Georgiadis, "Linear-Time Algorithms for
 * Dominators and Related Problems", PhD thesis, Princeton 2005; the variant
 * LLVM's GenericDomTreeConstruction uses), on the semidominators of
 * T. Lengauer and R. E. Tarjan, "A fast algorithm for finding dominators in
 * a flowgraph", TOPLAS 1(1), 1979. Steps: an iterative depth-first search
 * from the super-root over strong references numbers the blocks in
 * preorder; the strong predecessors are then renumbered into that order in
 * a reverse CSR, so the semidominator loop reads numbers, not blocks; eval()
 * compresses paths with an explicit stack; the NCA pass walks up the
 * partial dominator tree. O(m log n) worst case, near-linear in practice.
 *
 * Unreachable blocks. After the roots' search, the pseudo-root UNREACH takes
 * as children, in index order, the unvisited blocks that no strong
 * reference points to, then any block still unvisited (a garbage cycle with
 * no way in). UNREACH is numbered as a child of the super-root, but
 * references from unreachable to reachable blocks are left out of the
 * predecessors, so the reachable tree is exactly the dominator tree from
 * the roots and the unreachable group gets a tree of its own; UNREACH's
 * retained bytes are not added to the super-root's.
 *
 * Iterative, no recursion: the search's stack borrows two arrays that are
 * filled only later, and eval() keeps a growable stack. Memory at the peak
 * (the semidominator loop): 24 bytes per block plus 4 per strong reference;
 * ancestor, label and semidominator of a number share one 12-byte record.
 */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

typedef struct dom_rec {
    uint32_t anc, label, semi;
} dom_rec;

typedef struct dom_state {
    const graph *g;
    uint32_t *num, *order, *parent, *stack_v, *stack_c;
    uint32_t next;
    const graph_progress *p;
    uint32_t N;
} dom_state;

/* Depth-first search from s (unvisited), whose tree parent has number pnum. */
static void dfs(dom_state *d, uint32_t s, uint32_t pnum)
{
    const graph *g = d->g;
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    uint32_t *num = d->num, *order = d->order, *parent = d->parent, *sv = d->stack_v, *sc = d->stack_c;
    uint32_t next = d->next, sp = 0;
    num[s] = next;
    order[next] = s;
    parent[next] = pnum;
    next++;
    sv[0] = s;
    sc[0] = off[s];
    sp = 1;
    while (sp) {
        uint32_t v = sv[sp - 1], c = sc[sp - 1], end = off[v + 1];
        bool pushed = false;
        while (c < end) {
            uint32_t w = to[c];
            uint8_t k = kind[c];
            c++;
            if (graph_is_strong(k) && num[w] == GRAPH_NONE) {
                sc[sp - 1] = c;
                num[w] = next;
                order[next] = w;
                parent[next] = num[v];
                next++;
                sv[sp] = w;
                sc[sp] = off[w];
                sp++;
                pushed = true;
                break;
            }
        }
        if (!pushed) sp--;
        if ((next & 0xFFFFF) == 0) graph_tick(d->p, "dominators: search", next, d->N);
    }
    d->next = next;
}

graph_status graph_dominators(graph *g, const graph_progress *p)
{
    const uint32_t n = g->n, N = n + 2, R = n, U = n + 1;
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    graph_status st = GRAPH_ERR_NOMEM;
    uint32_t *cnt = calloc((size_t)N + 1, 4);
    uint32_t *num = malloc((size_t)N * 4), *order = malloc((size_t)N * 4), *parent = malloc((size_t)N * 4);
    /* anc, label and semi of one number share a cache line: eval() touches them together */
    dom_rec *rec = malloc((size_t)N * sizeof *rec);
    uint32_t *pred = NULL, *estack = NULL, *idom_v = NULL;
    uint64_t *ret = NULL;
    uint8_t *reach = NULL;
    if (!cnt || !num || !order || !parent || !rec) goto out;
    free(g->idom);
    free(g->retained);
    free(g->reach);
    g->idom = NULL;
    g->retained = NULL;
    g->reach = NULL;

    /* 1. strong in-degrees, to find the unreachable blocks nothing points to */
    uint64_t strong = 0;
    for (uint32_t e = 0; e < g->nedges; e++)
        if (graph_is_strong(kind[e])) cnt[to[e]]++, strong++;
    g->strong_edges = strong;

    /* 2. depth-first search, preorder numbers; the stack borrows rec (12 bytes per number) */
    memset(num, 0xFF, (size_t)N * 4);
    dom_state d = {g, num, order, parent, (uint32_t *)rec, (uint32_t *)rec + N, 0, p, N};
    num[R] = 0;
    order[0] = R;
    parent[0] = 0;
    d.next = 1;
    for (uint32_t r = 0; r < g->nroots; r++)
        if (num[g->roots[r].node] == GRAPH_NONE) dfs(&d, g->roots[r].node, 0);
    const uint32_t numU = d.next;
    num[U] = numU;
    order[numU] = U;
    parent[numU] = 0;
    d.next++;
    free(g->ukids);
    g->ukids = NULL;
    g->nukids = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t v = 0; v < n; v++) {
            if (num[v] != GRAPH_NONE || (pass == 0 && cnt[v] != 0)) continue;
            /* the unreachable group's children are kept for graph_set_retained() */
            if ((g->nukids & (g->nukids - 1)) == 0 && g->nukids >= 16) {
                uint32_t *k = realloc(g->ukids, (size_t)g->nukids * 2 * 4);
                if (!k) goto out;
                g->ukids = k;
            } else if (!g->ukids) {
                if (!(g->ukids = malloc(16 * 4))) goto out;
            }
            g->ukids[g->nukids++] = v;
            dfs(&d, v, numU);
        }
    }

    /* 3. strong predecessors in preorder numbers (reverse CSR); references from
     * unreachable to reachable blocks are left out; the roots' come from 0 */
    memset(cnt, 0, ((size_t)N + 1) * 4);
    uint64_t npred = g->nroots;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t nv = num[v];
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            if (!graph_is_strong(kind[e])) continue;
            uint32_t nw = num[to[e]];
            if (nv >= numU && nw < numU) continue;
            cnt[nw]++;
            npred++;
        }
    }
    if (npred > UINT32_MAX - 1) {
        st = GRAPH_ERR_LIMIT;
        goto out;
    }
    for (uint32_t r = 0; r < g->nroots; r++) cnt[num[g->roots[r].node]]++;
    pred = malloc((size_t)(npred ? npred : 1) * 4);
    if (!pred) goto out;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t c = cnt[i];
        cnt[i] = sum;
        sum += c;
    }
    cnt[N] = sum;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t nv = num[v];
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            if (!graph_is_strong(kind[e])) continue;
            uint32_t nw = num[to[e]];
            if (nv >= numU && nw < numU) continue;
            pred[cnt[nw]++] = nv;
        }
    }
    for (uint32_t r = 0; r < g->nroots; r++) pred[cnt[num[g->roots[r].node]]++] = 0;
    for (uint32_t i = N; i > 0; i--) cnt[i] = cnt[i - 1];
    cnt[0] = 0;
    free(num);
    num = NULL;

    /* 4. semidominators, from the last number down; anc is the compressed forest */
    for (uint32_t i = 0; i < N; i++) rec[i] = (dom_rec){parent[i], i, i};
    uint32_t *idom = parent; /* the NCA pass starts from the tree parents */
    size_t ecap = 1024, esp;
    estack = malloc(ecap * 4);
    if (!estack) goto out;
    for (uint32_t i = N - 1; i >= 1; i--) {
        uint32_t s = parent[i];
        for (uint32_t k = cnt[i]; k < cnt[i + 1]; k++) {
            uint32_t q = pred[k], lab;
            /* eval(q, i + 1) */
            if (rec[q].anc < i + 1) {
                lab = rec[q].label;
            } else {
                esp = 0;
                uint32_t x = q;
                do {
                    if (esp == ecap) {
                        uint32_t *ns = realloc(estack, ecap * 2 * 4);
                        if (!ns) goto out;
                        estack = ns;
                        ecap *= 2;
                    }
                    estack[esp++] = x;
                    x = rec[x].anc;
                } while (rec[x].anc >= i + 1);
                uint32_t px = x, plab = rec[x].label;
                do {
                    x = estack[--esp];
                    rec[x].anc = rec[px].anc;
                    if (rec[plab].semi < rec[rec[x].label].semi) rec[x].label = plab;
                    else plab = rec[x].label;
                    px = x;
                } while (esp);
                lab = rec[x].label;
            }
            if (rec[lab].semi < s) s = rec[lab].semi;
        }
        rec[i].semi = s;
        if ((i & 0xFFFFF) == 0) graph_tick(p, "dominators: semidominators", N - i, N);
    }
    free(pred);
    pred = NULL;
    free(estack);
    estack = NULL;
    free(cnt);
    cnt = NULL;

    /* 5. NCA: the immediate dominator is the nearest ancestor at or above the semidominator */
    for (uint32_t i = 1; i < N; i++) {
        uint32_t sd = rec[i].semi, c = idom[i];
        while (c > sd) c = idom[c];
        idom[i] = c;
    }
    free(rec);
    rec = NULL;

    /* 6. back to block indices; reachability; retained sizes in reverse preorder */
    idom_v = malloc((size_t)N * 4);
    if (!idom_v) goto out;
    for (uint32_t i = 0; i < N; i++) idom_v[order[i]] = order[idom[i]];
    idom_v[R] = GRAPH_NONE;
    idom_v[U] = GRAPH_NONE;
    free(parent);
    parent = NULL;
    reach = calloc(((size_t)n + 8) / 8, 1);
    ret = malloc((size_t)N * 8);
    if (!reach || !ret) goto out;
    for (uint32_t i = 1; i < numU; i++) reach[order[i] >> 3] |= (uint8_t)(1u << (order[i] & 7));
    for (uint32_t v = 0; v < n; v++) ret[v] = graph_size(g, v);
    ret[R] = ret[U] = 0;
    for (uint32_t i = N - 1; i >= 1; i--) {
        if (i == numU) continue;
        uint32_t v = order[i];
        ret[idom_v[v]] += ret[v];
    }
    g->idom = idom_v;
    idom_v = NULL;
    g->retained = ret;
    g->reach = reach;
    g->reach_count = numU - 1;
    g->unreach_count = N - numU - 1;
    ret = NULL;
    reach = NULL;
    st = GRAPH_OK;
    graph_tick(p, NULL, 0, 0);
out:
    free(cnt);
    free(num);
    free(order);
    free(parent);
    free(rec);
    free(idom_v);
    free(pred);
    free(estack);
    free(ret);
    free(reach);
    return st;
}

graph_status graph_dom_children(const graph *g, uint32_t **offp, uint32_t **kidsp)
{
    const uint32_t N = g->n + 2;
    uint32_t *off = calloc((size_t)N + 1, 4), *kids = malloc(((size_t)g->n + 1) * 4);
    if (!off || !kids || !g->idom) {
        free(off);
        free(kids);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < g->n; v++) off[g->idom[v]]++;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t c = off[i];
        off[i] = sum;
        sum += c;
    }
    off[N] = sum;
    for (uint32_t v = 0; v < g->n; v++) kids[off[g->idom[v]]++] = v;
    for (uint32_t i = N; i > 0; i--) off[i] = off[i - 1];
    off[0] = 0;
    *offp = off;
    *kidsp = kids;
    return GRAPH_OK;
}

/* Retained bytes of the set of all instances of `type`: the blocks that no
 * longer hang from their group's root once every instance is removed (an
 * instance is lost with the set; a block held by two instances is lost
 * too, though neither instance alone dominates it). One search from the
 * roots and one from the unreachable group's children, avoiding the
 * instances and, in the second, the reachable blocks. O(n + m) per type;
 * iterative: an explicit stack. */
graph_status graph_set_retained(const graph *g, uint32_t type, uint64_t *out)
{
    const uint32_t n = g->n;
    uint8_t *seen = calloc(((size_t)n + 8) / 8, 1);
    size_t cap = 4096, sp = 0;
    uint32_t *stack = malloc(cap * 4);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return GRAPH_ERR_NOMEM;
    }
    uint64_t kept = 0, all = g->retained[GRAPH_SUPER(g)] + g->retained[GRAPH_UNREACH(g)];
    for (int pass = 0; pass < 2; pass++) {
        uint32_t nstart = pass ? g->nukids : g->nroots;
        for (uint32_t k = 0; k < nstart; k++) {
            uint32_t s = pass ? g->ukids[k] : g->roots[k].node;
            if (g->type[s] == type || ((seen[s >> 3] >> (s & 7)) & 1)) continue;
            seen[s >> 3] |= (uint8_t)(1u << (s & 7));
            kept += graph_size(g, s);
            stack[sp++] = s;
            while (sp) {
                uint32_t v = stack[--sp];
                for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                    if (!graph_is_strong(g->out_kind[e])) continue;
                    uint32_t w = g->out_to[e];
                    if (g->type[w] == type || ((seen[w >> 3] >> (w & 7)) & 1)) continue;
                    if (pass && graph_reachable(g, w)) continue;
                    seen[w >> 3] |= (uint8_t)(1u << (w & 7));
                    kept += graph_size(g, w);
                    if (sp == cap) {
                        uint32_t *ns = realloc(stack, cap * 2 * 4);
                        if (!ns) {
                            free(seen);
                            free(stack);
                            return GRAPH_ERR_NOMEM;
                        }
                        stack = ns;
                        cap *= 2;
                    }
                    stack[sp++] = w;
                }
            }
        }
    }
    *out = all - kept;
    free(seen);
    free(stack);
    return GRAPH_OK;
}
