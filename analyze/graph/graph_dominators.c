/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_dominators.c — the dominator tree over strong references
 * and retained sizes: graph_dominators(), graph_dom_children(). Implements
 * docs/analyzer.md#dominators.
 *
 * Algorithm. Semi-NCA (L. Georgiadis, "Linear-Time Algorithms for
 * Dominators and Related Problems", PhD thesis, Princeton 2005; the variant
 * LLVM's GenericDomTreeConstruction uses), on the semidominators of
 * T. Lengauer and R. E. Tarjan, "A fast algorithm for finding dominators in
 * a flowgraph", TOPLAS 1(1), 1979. Steps: (1) strong in-degrees by block;
 * (2) an iterative depth-first search from the super-root over strong
 * references numbers the blocks in preorder — a block's number and its
 * first reference share one 8-byte record, so reaching a block costs one
 * cache miss, and the targets a few references ahead are prefetched;
 * (3) the strong predecessors are renumbered into preorder in a reverse CSR
 * sized by the in-degrees of step 1 (one pass over the references, targets'
 * numbers prefetched), so the semidominator loop reads numbers, not blocks;
 * a block's tree edge from its search parent is left out (the loop starts
 * from the parent), which saves 4 bytes per block;
 * (4) semidominators from the last number down: eval() compresses paths
 * with an explicit stack and keeps, instead of Lengauer and Tarjan's label,
 * the least semidominator number on the compressed path (all Semi-NCA
 * needs), so a step is one load of an 8-byte record; the records of the
 * predecessors a few steps ahead, and of their forest ancestors, are
 * prefetched; (5) the NCA pass walks up the partial dominator tree;
 * (6) retained sizes are summed in reverse preorder over numbers, then
 * scattered to blocks. Time O(m log n) worst case, near-linear in practice;
 * every pass but the search and the semidominator loop is a sequential
 * sweep with scattered, independent accesses.
 *
 * Unreachable blocks. After the roots' search, the pseudo-root UNREACH takes
 * as children, in index order, the unvisited blocks that no strong
 * reference points to, then any block still unvisited (a garbage cycle with
 * no way in). UNREACH is numbered as a child of the super-root, but
 * references from unreachable to reachable blocks are skipped by the
 * semidominator loop, so the reachable tree is exactly the dominator tree
 * from the roots and the unreachable group gets a tree of its own;
 * UNREACH's retained bytes are not added to the super-root's.
 *
 * Iterative, no recursion: the search keeps an explicit stack (8 bytes per
 * level) and eval() a growable one. Memory beyond the graph, freed as each
 * step ends: in the search 16 bytes per block (in-degree 4, number and
 * reference 8, parent 4) and a bit per reference (the tree edges) plus the
 * stack; in step 3, 12 per block (numbers, parents, predecessor offsets)
 * and 4 per strong reference that is not a tree edge (the predecessors);
 * step 4 adds the forest's 8-byte records as it goes down while it hands
 * the predecessors above it back to the system (graph_release_pages), so
 * its peak stays near step 3's; step 6, 24 per block (order, tree parents
 * or dominators by block, retained by number and by block). Big arrays ask
 * for transparent huge pages (graph_huge()): nearly every access here is a
 * random one.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

typedef struct dom_rec { /* one 8-byte record per number: eval() reads both words together */
    uint32_t anc;  /* ancestor in the compressed forest */
    uint32_t best; /* least semidominator number on the compressed path (stands in for "label") */
} dom_rec;

typedef struct dom_node { /* per block: the preorder number and the first reference, in one load */
    uint32_t num, off;
} dom_node;

typedef struct dom_state {
    const graph *g;
    dom_node *nd;
    uint32_t *parent, *stack_v, *stack_c;
    uint8_t *tree; /* bit per reference: the one that found its target */
    uint32_t next;
    const graph_progress *p;
    uint32_t N;
} dom_state;

#define DFS_PF 4u /* references ahead whose targets are prefetched while a block is scanned */

/* Depth-first search from s (unvisited), whose tree parent has number pnum. */
static void dfs(dom_state *d, uint32_t s, uint32_t pnum)
{
    const graph *g = d->g;
    const uint32_t *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    dom_node *nd = d->nd;
    uint32_t *parent = d->parent, *sv = d->stack_v, *sc = d->stack_c;
    uint32_t next = d->next, sp = 0;
    nd[s].num = next;
    parent[next] = pnum;
    next++;
    sv[0] = s;
    sc[0] = nd[s].off;
    sp = 1;
    while (sp) {
        uint32_t v = sv[sp - 1], c = sc[sp - 1], end = nd[v + 1].off;
        bool pushed = false;
        while (c < end) {
            if (c + DFS_PF < end) __builtin_prefetch(&nd[to[c + DFS_PF]]);
            uint32_t w = to[c];
            uint8_t k = kind[c];
            c++;
            if (graph_is_strong(k) && nd[w].num == GRAPH_NONE) {
                sc[sp - 1] = c;
                d->tree[(c - 1) >> 3] |= (uint8_t)(1u << ((c - 1) & 7));
                nd[w].num = next;
                parent[next] = nd[v].num;
                next++;
                uint32_t o = nd[w].off;
                sv[sp] = w;
                sc[sp] = o;
                sp++;
                /* the new block's first targets: their records are needed next */
                for (uint32_t j = o, je = nd[w + 1].off; j < je && j < o + DFS_PF; j++)
                    __builtin_prefetch(&nd[to[j]]);
                pushed = true;
                break;
            }
        }
        if (!pushed) sp--;
        if ((next & 0xFFFFF) == 0) graph_tick(d->p, "dominators: search", next, d->N);
    }
    d->next = next;
}

#define PRED_PF 16u /* predecessors ahead whose records are prefetched in the semidominator loop */
#define FILL_PF 32u /* references ahead whose targets' numbers are prefetched in the predecessor fill */

graph_status graph_dominators(graph *g, const graph_progress *p)
{
    if (g->idom && graph_has_retained(g) && g->reach) return GRAPH_OK; /* done before, or brought by an index */
    if (g->cache.idom && (g->cache.ret.lo || g->cache.ret.wide) && g->cache.reach) { /* set aside (graph_cache) */
        g->idom = g->cache.idom, g->ret = g->cache.ret, g->reach = g->cache.reach;
        g->cache.idom = NULL, g->cache.reach = NULL;
        memset(&g->cache.ret, 0, sizeof g->cache.ret);
        return GRAPH_OK;
    }
    const uint32_t n = g->n, N = n + 2, R = n, U = n + 1;
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    const uint32_t m = g->nedges;
    graph_status st = GRAPH_ERR_NOMEM;
    uint32_t *cnt = graph_huge(calloc((size_t)N + 1, 4), ((size_t)N + 1) * 4), *poff = NULL;
    dom_node *nd = graph_huge(malloc(((size_t)n + 1) * sizeof *nd), ((size_t)n + 1) * sizeof *nd);
    uint32_t *order = NULL;
    uint32_t *parent = graph_huge(malloc((size_t)N * 4), (size_t)N * 4);
    uint32_t *stk = graph_huge(malloc((size_t)N * 8), (size_t)N * 8); /* the search's stack */
    uint8_t *tree = calloc((size_t)m / 8 + 1, 1);                     /* the search's tree edges */
    uint32_t *num = NULL;
    dom_rec *rec = NULL;
    uint32_t *pred = NULL, *estack = NULL, *idom_v = NULL;
    uint64_t *retn = NULL;
    graph_ret ret = {0};
    uint8_t *reach = NULL;
    if (!cnt || !nd || !parent || !stk || !tree) goto out;
    free(g->idom);
    free(g->ret.lo);
    free(g->ret.hi);
    free(g->ret.wide);
    free(g->reach);
    g->idom = NULL;
    memset(&g->ret, 0, sizeof g->ret);
    g->reach = NULL;

    /* 1. strong in-degrees by block (they size the predecessor lists, and the
     * blocks no root reaches with in-degree 0 start the unreachable group) */
    uint64_t strong = 0;
    for (uint32_t e = 0; e < m; e++)
        if (graph_is_strong(kind[e])) cnt[to[e]]++, strong++;
    g->strong_edges = strong;
    if (strong + g->nroots > UINT32_MAX - 1) {
        st = GRAPH_ERR_LIMIT;
        goto out;
    }

    /* 2. depth-first search, preorder numbers; the stack holds (block, next reference) */
    for (uint32_t v = 0; v <= n; v++) nd[v] = (dom_node){GRAPH_NONE, off[v]};
    dom_state d = {g, nd, parent, stk, stk + N, tree, 0, p, N};
    parent[0] = 0;
    d.next = 1;
    for (uint32_t r = 0; r < g->nroots; r++)
        if (nd[g->roots[r].node].num == GRAPH_NONE) dfs(&d, g->roots[r].node, 0);
    const uint32_t numU = d.next;
    parent[numU] = 0;
    d.next++;
    free(g->ukids);
    g->ukids = NULL;
    g->nukids = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t v = 0; v < n; v++) {
            if (nd[v].num != GRAPH_NONE || (pass == 0 && cnt[v] != 0)) continue;
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
    /* The numbers alone from here on (order is rebuilt from them in step 6):
     * squeezed into the front of the records, in place. */
    free(stk);
    stk = NULL;
    num = (uint32_t *)nd;
    for (uint32_t v = 0; v <= n; v++) {
        uint32_t x = nd[v].num;
        num[v] = x;
    }
    nd = NULL;
    uint32_t *shrunk = realloc(num, ((size_t)n + 1) * 4);
    if (shrunk) num = shrunk;

    /* 3. strong predecessors in preorder numbers (reverse CSR), without
     * those no semidominator can need: a block's tree edge from its search
     * parent (step 4 starts from the parent anyway), and the root records
     * of the blocks the super-root's own search started from. The lengths
     * are the in-degrees of step 1 less the tree edge, plus one per other
     * root record (a predecessor 0); references from unreachable to
     * reachable blocks are kept here and skipped by the semidominator loop. */
    for (uint32_t r = 0; r < g->nroots; r++)
        if (parent[num[g->roots[r].node]] != 0) cnt[g->roots[r].node]++;
    poff = graph_huge(malloc(((size_t)N + 1) * 4), ((size_t)N + 1) * 4);
    if (!poff) goto out;
    poff[0] = poff[numU] = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t i = num[v];
        poff[i] = cnt[v] - (parent[i] != 0 && parent[i] != numU); /* a block found over a reference */
    }
    free(cnt);
    cnt = NULL;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t c = poff[i];
        poff[i] = sum;
        sum += c;
    }
    poff[N] = sum;
    pred = graph_huge(malloc((size_t)(sum ? sum : 1) * 4), (size_t)sum * 4);
    if (!pred) goto out;
    for (uint32_t r = 0; r < g->nroots; r++) {
        uint32_t i = num[g->roots[r].node];
        if (parent[i] != 0) pred[poff[i]++] = 0;
    }
    {
        uint32_t v = 0;
        for (uint32_t e = 0; e < m; e++) {
            if (e + FILL_PF < m) __builtin_prefetch(&num[to[e + FILL_PF]]);
            if (e + FILL_PF / 2 < m) __builtin_prefetch(&poff[num[to[e + FILL_PF / 2]]], 1);
            if (!graph_is_strong(kind[e]) || ((tree[e >> 3] >> (e & 7)) & 1)) continue;
            while (off[v + 1] <= e) v++;
            pred[poff[num[to[e]]]++] = num[v];
        }
    }
    free(tree);
    tree = NULL;
    for (uint32_t i = N; i > 0; i--) poff[i] = poff[i - 1];
    poff[0] = 0;

    /* 4. semidominators, from the last number down; anc is the compressed
     * forest, best the least semidominator on its compressed path. Only the
     * records of numbers above i are ever read, so record i is written when
     * i is done (its memory is touched as it fills), and the predecessors
     * above i, never read again, are handed back to the system as the loop
     * goes down: the two roughly trade places. The predecessors are read
     * from the last one down, so the records of those a few steps ahead are
     * prefetched. semi(i) is stored in poff[i + 1], which is not read again. */
    rec = graph_huge(malloc((size_t)N * sizeof *rec), (size_t)N * sizeof *rec);
    if (!rec) goto out;
    uint32_t *idom = parent; /* the NCA pass starts from the tree parents */
    size_t ecap = 1024, esp;
    estack = malloc(ecap * 4);
    if (!estack) goto out;
    uintptr_t held = ((uintptr_t)(pred + sum)) & ~(uintptr_t)4095; /* pages from here up are given back */
    for (uint32_t i = N - 1; i >= 1; i--) {
        uint32_t s = parent[i];
        /* a reachable block ignores its unreachable predecessors */
        const uint32_t lim = i < numU ? numU : N;
        for (uint32_t k = poff[i + 1]; k-- > poff[i];) {
            /* the records of the predecessors ahead, then of their forest
             * ancestors (only of those numbered after i: see below) */
            if (k >= PRED_PF) {
                uint32_t q1 = pred[k - PRED_PF];
                if (q1 > i) __builtin_prefetch(&rec[q1]);
            }
            if (k >= PRED_PF / 2) {
                uint32_t q2 = pred[k - PRED_PF / 2];
                if (q2 > i) __builtin_prefetch(&rec[rec[q2].anc]);
            }
            if (k >= PRED_PF / 4) {
                uint32_t q4 = pred[k - PRED_PF / 4];
                if (q4 > i) {
                    uint32_t a4 = rec[q4].anc;
                    if (a4 > i) __builtin_prefetch(&rec[rec[a4].anc]);
                }
            }
            uint32_t q = pred[k], b;
            if (q >= lim) continue;
            /* eval(q, i + 1). A predecessor numbered before i is not yet
             * linked: eval returns its own number, without reading its record. */
            if (q <= i) {
                b = q;
            } else if (rec[q].anc < i + 1) {
                b = rec[q].best;
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
                uint32_t px = x, pb = rec[x].best;
                do {
                    x = estack[--esp];
                    rec[x].anc = rec[px].anc;
                    if (pb < rec[x].best) rec[x].best = pb;
                    else pb = rec[x].best;
                    px = x;
                } while (esp);
                b = rec[x].best;
            }
            if (b < s) s = b;
        }
        rec[i] = (dom_rec){parent[i], s};
        uintptr_t done_from = ((uintptr_t)(pred + poff[i]) + 4095) & ~(uintptr_t)4095;
        if (held > done_from && held - done_from >= ((uintptr_t)4 << 20)) { /* 4 MiB of them behind us */
            graph_release_pages((void *)done_from, held - done_from);
            held = done_from;
        }
        poff[i + 1] = s;
        if ((i & 0xFFFFF) == 0) graph_tick(p, "dominators: semidominators", N - i, N);
    }
    free(pred);
    pred = NULL;
    free(estack);
    estack = NULL;
    free(rec);
    rec = NULL;

    /* 5. NCA: the immediate dominator is the nearest ancestor at or above the semidominator */
    for (uint32_t i = 1; i < N; i++) {
        uint32_t sd = poff[i + 1], c = idom[i];
        while (c > sd) c = idom[c];
        idom[i] = c;
    }
    free(poff);
    poff = NULL;

    /* 6. retained sizes summed in reverse preorder over numbers (a
     * dominator's number is smaller than its children's, so the loop reads
     * sequentially), then everything back to block indices: the order
     * rebuilt from the numbers, the dominators (the tree parents freed
     * before the retained sizes are scattered), reachability. */
    order = graph_huge(malloc((size_t)N * 4), (size_t)N * 4);
    if (!order) goto out;
    for (uint32_t v = 0; v < n; v++) order[num[v]] = v;
    order[0] = R;
    order[numU] = U;
    free(num);
    num = NULL;
    retn = graph_huge(malloc((size_t)N * 8), (size_t)N * 8);
    if (!retn) goto out;
    retn[0] = retn[numU] = 0;
    for (uint32_t i = 1; i < N; i++)
        if (i != numU) retn[i] = graph_size(g, order[i]);
    for (uint32_t i = N - 1; i >= 1; i--)
        if (i != numU) retn[idom[i]] += retn[i];
    idom_v = graph_huge(malloc((size_t)N * 4), (size_t)N * 4);
    if (!idom_v) goto out;
    for (uint32_t i = 0; i < N; i++) idom_v[order[i]] = order[idom[i]];
    idom_v[R] = GRAPH_NONE;
    idom_v[U] = GRAPH_NONE;
    free(parent);
    parent = NULL;
    /* the narrowest of 4, 5 or 8 bytes a block that holds every block's
     * (independent stores: no chain of misses) */
    uint64_t most = 0;
    for (uint32_t i = 1; i < N; i++)
        if (i != numU && retn[i] > most) most = retn[i];
    ret.total[0] = retn[0];
    ret.total[1] = retn[numU];
    reach = calloc(((size_t)n + 8) / 8, 1);
    if (!reach) goto out;
    if (most >> 40) {
        if (!(ret.wide = graph_huge(malloc((size_t)n * 8 + 8), (size_t)n * 8 + 8))) goto out;
        ret.wide[n] = 0; /* (one more, so that none is empty: an index keeps n + 1) */
        for (uint32_t i = 1; i < N; i++)
            if (i != numU) ret.wide[order[i]] = retn[i];
    } else {
        ret.lo = graph_huge(malloc((size_t)n * 4 + 4), (size_t)n * 4 + 4);
        ret.hi = most >> 32 ? graph_huge(malloc((size_t)n + 1), (size_t)n + 1) : NULL;
        if (!ret.lo || (most >> 32 && !ret.hi)) goto out;
        ret.lo[n] = 0;
        if (ret.hi) ret.hi[n] = 0;
        for (uint32_t i = 1; i < N; i++)
            if (i != numU) ret.lo[order[i]] = (uint32_t)retn[i];
        if (ret.hi)
            for (uint32_t i = 1; i < N; i++)
                if (i != numU) ret.hi[order[i]] = (uint8_t)(retn[i] >> 32);
    }
    for (uint32_t i = 1; i < numU; i++) reach[order[i] >> 3] |= (uint8_t)(1u << (order[i] & 7));
    g->idom = idom_v;
    idom_v = NULL;
    g->ret = ret;
    memset(&ret, 0, sizeof ret);
    g->reach = reach;
    g->reach_count = numU - 1;
    g->unreach_count = N - numU - 1;
    reach = NULL;
    st = GRAPH_OK;
    graph_tick(p, NULL, 0, 0);
out:
    free(stk);
    free(cnt);
    free(poff);
    free(nd);
    free(num);
    free(tree);
    free(order);
    free(parent);
    free(rec);
    free(idom_v);
    free(pred);
    free(estack);
    free(retn);
    free(ret.lo);
    free(ret.hi);
    free(ret.wide);
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
    if (g->cache.dom_off && g->cache.dom_kids) { /* saved (an index) */
        memcpy(off, g->cache.dom_off, ((size_t)N + 1) * 4);
        memcpy(kids, g->cache.dom_kids, (size_t)g->n * 4);
        *offp = off;
        *kidsp = kids;
        return GRAPH_OK;
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
    uint64_t kept = 0, all = graph_retained(g, GRAPH_SUPER(g)) + graph_retained(g, GRAPH_UNREACH(g));
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
