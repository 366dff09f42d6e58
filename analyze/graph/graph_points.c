/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_points.c — graph_points_find(): the accumulation
 * points of a heap, grouped — what `top`, `suspects` and the report's
 * suspects list. See docs/cli.md#top.
 *
 * Folding. A block whose dominator-tree child keeps at least `fold`% of
 * its retained bytes only passes the memory on (a module to its dict, the
 * dict to a class, the class to its __dict__, that to a list): it is
 * folded into the child. What is left are the blocks where the memory
 * fans out (no child keeps fold% of it), the accumulation points of
 * Eclipse MAT's leak suspects. A chain that loses more than (100-fold)%
 * on the way — a linked list, whose nodes each keep all but their own
 * bytes — has no such end: its top is the row.
 *
 * Grouping. Accumulation points of one type reached the same way — the
 * same path shape (graph_bfs_named: the root, holder types and names, with
 * indexes and unlabelled entries wildcarded; for garbage, the types of its
 * dominators) — are one row: 40 × TypeCheckError. Members
 * of a group never nest (every path to a block passes its dominators, so
 * a dominated member has a longer path). A group's members that sit
 * under a single-block row (in the dominator tree) are that row's
 * content — 2,600 bytearrays in a dict — and are counted there only: the
 * group is recounted without them, and left out when none remains
 * (trim_nested); what a single block holds is told by its dominator
 * children, by type (held[]: 5,000 × Widget).
 *
 * Cost. O(n + c log c) time for c accumulation points whose key is not
 * their own (they are sorted by key; a run of one key is a group),
 * iterative (memoized climbs with an explicit stack, no recursion).
 * Memory beside the graph: the caller's shape array, reused for the keys,
 * then (once the points that share a key are copied out, 16 bytes each)
 * for the nearest points above (4 bytes a block) and the sort's scratch;
 * before that, 4 bytes a block for the chains' tops, then two bits a slot
 * of the key filter (2 bytes a point), freed before the copies; a
 * climbing stack as deep as the dominator tree.
 */
#include "graph/graph.h"
#include "graph/graph_hash.h"
#include "graph/graph_map.h"

#include <stdlib.h>
#include <string.h>

#define K_UNREACH UINT64_C(0x554e5245)

typedef struct pgroup {
    uint64_t retained, shallow, largest;
    uint32_t example, count, acc;
    bool same_acc;
    uint32_t start;  /* its members: cands[start .. start + count) */
} pgroup;

typedef struct cand { /* an accumulation point and its key */
    uint64_t key;
    uint32_t v;
} cand;

static bool cand_less(const cand *x, const cand *y) { return x->key != y->key ? x->key < y->key : x->v < y->v; }

/* Sort a[0..n) by key, then block (a total order), with n items of
 * scratch: insertion sort of runs of 32, then bottom-up merges between
 * the two buffers; the result is copied back into a when it ends in tmp. */
static void sort_cands(cand *a, size_t n, cand *tmp)
{
    const size_t run = 32;
    for (size_t lo = 0; lo < n; lo += run) {
        size_t hi = lo + run < n ? lo + run : n;
        for (size_t i = lo + 1; i < hi; i++) {
            cand x = a[i];
            size_t j = i;
            while (j > lo && cand_less(&x, &a[j - 1])) a[j] = a[j - 1], j--;
            a[j] = x;
        }
    }
    cand *src = a, *dst = tmp;
    for (size_t w = run; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n, i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = cand_less(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        cand *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

static bool passes(const graph *g, uint32_t child, uint32_t parent, unsigned fold)
{
    uint64_t rp = graph_retained(g, parent);
    return rp && (unsigned __int128)graph_retained(g, child) * 100u >= (unsigned __int128)rp * fold;
}

/* acc[v]: the nearest strict dominator p of v with bit p set (want = 1)
 * or clear (want = 0), or the virtual root above v. */
static void nearest_with(const graph *g, const uint8_t *bits, unsigned want, uint32_t *acc, uint32_t *stack)
{
    const uint32_t n = g->n;
    for (uint32_t v = 0; v < n; v++) acc[v] = GRAPH_NONE;
    for (uint32_t v = 0; v < n; v++) {
        if (acc[v] != GRAPH_NONE) continue;
        uint32_t sp = 0, u = v;
        while (u < n && acc[u] == GRAPH_NONE) {
            stack[sp++] = u;
            u = g->idom[u];
        }
        while (sp) {
            uint32_t w = stack[--sp], p = g->idom[w];
            acc[w] = p >= n || ((bits[p >> 3] >> (p & 7)) & 1) == want ? p : acc[p];
        }
    }
}

/* A chain of folds that loses more than (100 - fold)% on the way (a linked
 * list: each node keeps all but its own bytes, so no block fans out and
 * the chain's end holds little) has no accumulation point at its end: the
 * memory is spread along it. Its top is the row instead, and the end is
 * folded like the rest of the chain. top[] (scratch): each block's chain
 * top, memoized top down; tops (scratch, zeroed [n/8]). fold_bit: set =
 * not an accumulation point. */
static void spread_chains(const graph *g, unsigned fold, uint8_t *fold_bit, uint32_t *top, uint32_t *stack,
                          uint8_t *tops)
{
    const uint32_t n = g->n, unset = GRAPH_NONE;
#define BIT(v) ((fold_bit[(v) >> 3] >> ((v) & 7)) & 1)
    for (uint32_t v = 0; v < n; v++) top[v] = unset;
    for (uint32_t v = 0; v < n; v++) {
        if (top[v] != unset) continue;
        uint32_t sp = 0, u = v;
        while (u < n && top[u] == unset) {
            stack[sp++] = u;
            u = g->idom[u];
        }
        while (sp) {
            uint32_t w = stack[--sp], p = g->idom[w];
            top[w] = p < n && passes(g, w, p, fold) ? top[p] : w; /* (p passes on: its bit is set) */
        }
    }
    /* the spread ends are folded and their tops marked (an end's own bit is
     * the only one this reads: an end is on no other chain), then the tops
     * become rows; top[] is left as it is, so no climb repeats */
    for (uint32_t e = 0; e < n; e++) {
        uint32_t t = top[e];
        if (BIT(e) || t == e || passes(g, e, t, fold)) continue;
        fold_bit[e >> 3] |= (uint8_t)(1u << (e & 7));
        tops[t >> 3] |= (uint8_t)(1u << (t & 7));
    }
    for (uint32_t t = 0; t < n; t++)
        if ((tops[t >> 3] >> (t & 7)) & 1) fold_bit[t >> 3] &= (uint8_t)~(1u << (t & 7));
#undef BIT
}

/* key[v]: type and path shape of v. Reachable blocks: the named search's
 * shape (every path from a root passes a block's dominators, so a
 * dominated block's path is longer and members of a group never nest).
 * Garbage: the search of it does not start above the dominators, so its
 * shape is the types of its dominators up to the unreachable group's root
 * instead (memoized climbs, top down). */
static void shape_keys(const graph *g, uint64_t *key /* IN: shapes, OUT: keys */, uint8_t *done, uint32_t *stack)
{
    const uint32_t n = g->n;
    memset(done, 0, ((size_t)n + 7) / 8);
    for (uint32_t v = 0; v < n; v++) {
        if (graph_reachable(g, v)) key[v] = hash_mix(key[v], g->type[v]), done[v >> 3] |= (uint8_t)(1u << (v & 7));
    }
    /* unreachable: key[] holds the dominator shape first */
    for (uint32_t v = 0; v < n; v++) {
        if ((done[v >> 3] >> (v & 7)) & 1) continue;
        uint32_t sp = 0, u = v;
        while (u < n && !((done[u >> 3] >> (u & 7)) & 1)) {
            stack[sp++] = u;
            u = g->idom[u];
        }
        while (sp) {
            uint32_t w = stack[--sp], p = g->idom[w];
            key[w] = p < n ? hash_mix(key[p], g->type[p]) : K_UNREACH;
            done[w >> 3] |= (uint8_t)(1u << (w & 7));
        }
    }
    for (uint32_t v = 0; v < n; v++)
        if (!graph_reachable(g, v)) key[v] = hash_mix(hash_mix(key[v], K_UNREACH), g->type[v]);
}

/* Row order: more retained first, then more members, then lower example. */
static bool before(const pgroup *a, const pgroup *b)
{
    if (a->retained != b->retained) return a->retained > b->retained;
    if (a->count != b->count) return a->count > b->count;
    return a->example < b->example;
}

/* Held order: more retained, then more blocks, then lower type id; an empty slot is last. */
static bool before_held(const graph_held *a, const graph_held *b)
{
    if (!b->count) return a->count != 0;
    if (a->retained != b->retained) return a->retained > b->retained;
    if (a->count != b->count) return a->count > b->count;
    return a->type < b->type;
}

static bool is_row(const pgroup *x, uint32_t n);

/* Keep x among the kk best rows sel[0..*nsel), sorted (insertion). */
static void select_group(pgroup *sel, uint32_t *nsel, uint32_t kk, const pgroup *x, uint32_t n)
{
    if (!kk || !is_row(x, n)) return;
    if (*nsel == kk && !before(x, &sel[*nsel - 1])) return;
    uint32_t at = *nsel < kk ? (*nsel)++ : *nsel - 1;
    while (at > 0 && before(x, &sel[at - 1])) sel[at] = sel[at - 1], at--;
    sel[at] = *x;
}

static bool is_row(const pgroup *x, uint32_t n) { return !(x->count >= 2 && x->same_acc && x->acc < n); }

/* tm[v]: the topmost strict dominator of v with its bit set, or
 * GRAPH_NONE (memoized climbs, top down). */
static void topmost_marked(const graph *g, const uint8_t *bits, uint32_t *tm, uint32_t *stack)
{
    const uint32_t n = g->n, unset = GRAPH_NONE - 1;
    for (uint32_t v = 0; v < n; v++) tm[v] = unset;
    for (uint32_t v = 0; v < n; v++) {
        if (tm[v] != unset) continue;
        uint32_t sp = 0, u = v;
        while (u < n && tm[u] == unset) {
            stack[sp++] = u;
            u = g->idom[u];
        }
        while (sp) {
            uint32_t w = stack[--sp], p = g->idom[w];
            tm[w] = p >= n ? GRAPH_NONE : tm[p] != GRAPH_NONE ? tm[p] : ((bits[p >> 3] >> (p & 7)) & 1) ? p : GRAPH_NONE;
        }
    }
}

/* A group's members that sit under a single-block row are that row's
 * content, told there (5,000 × its entries' payloads): each group row of
 * rows[0..*nsel) (groups sel[], members in cands[]) is recounted without
 * them — count, bytes, example (and shown as its one member when that one
 * keeps fold% of what is left) — and dropped when none is left; the rows
 * are then re-sorted. The single-block rows that count are those among
 * the first `shown` rows; as groups shrink, more single rows come into
 * them, so this repeats until they are the same (at most 16 rounds, each
 * O(n + members)). mk, climb: scratch [n]; bits: scratch [n/8]. */
static void trim_nested(const graph *g, unsigned fold, graph_point *rows, pgroup *sel, uint32_t *nsel,
                        uint32_t shown, const cand *cands, uint32_t *mk, uint32_t *climb, uint8_t *bits)
{
    const uint32_t n = g->n;
    uint64_t marked_sum = UINT64_MAX; /* a digest of the last round's single rows */
    for (int round = 0; round < 16; round++) {
        uint32_t ns = *nsel, w = 0, lim = ns < shown ? ns : shown;
        uint64_t sum = 0;
        bool any = false;
        memset(bits, 0, ((size_t)n + 7) / 8);
        for (uint32_t i = 0; i < lim; i++)
            if (rows[i].count == 1) {
                bits[rows[i].example >> 3] |= (uint8_t)(1u << (rows[i].example & 7));
                sum = sum * UINT64_C(0x9E3779B97F4A7C15) + rows[i].example + 1;
            }
        for (uint32_t i = 0; i < ns; i++) any |= sel[i].count > 1;
        if (!any || sum == marked_sum) return;
        marked_sum = sum;
        topmost_marked(g, bits, mk, climb);
        for (uint32_t i = 0; i < ns; i++) {
            const pgroup *x = &sel[i];
            if (x->count > 1) {
                graph_point *r = &rows[i];
                uint32_t cnt = 0, ex = x->example;
                uint64_t ret = 0, own = 0, largest = 0;
                for (uint32_t m = 0; m < x->count; m++) {
                    uint32_t v = cands[x->start + m].v;
                    if (mk[v] < n) continue; /* under a single row */
                    cnt++, ret += graph_retained(g, v), own += graph_size(g, v);
                    if (graph_retained(g, v) > largest) largest = graph_retained(g, v), ex = v;
                }
                if (!cnt) continue; /* all told: dropped */
                r->example = ex;
                r->count = cnt;
                r->retained = ret;
                r->shallow = own;
                r->largest = largest;
                if (cnt > 1 && (unsigned __int128)largest * 100u >= (unsigned __int128)ret * fold) cnt = 1;
                if (cnt == 1) r->count = 1, r->retained = largest, r->shallow = graph_size(g, ex);
                r->folded = 0;
                for (uint32_t c = ex, p = g->idom[c]; p < n && passes(g, c, p, fold); c = p, p = g->idom[p])
                    r->folded++;
            }
            rows[w] = rows[i], sel[w] = sel[i], w++;
        }
        *nsel = w;
        for (uint32_t i = 1; i < w; i++) { /* re-sort: trimmed groups move down */
            graph_point xr = rows[i];
            pgroup xs = sel[i];
            uint32_t at = i;
            while (at > 0 && rows[at - 1].retained < xr.retained) rows[at] = rows[at - 1], sel[at] = sel[at - 1], at--;
            rows[at] = xr;
            sel[at] = xs;
        }
    }
}

graph_status graph_points_find(const graph *g, uint64_t *shape, unsigned fold, uint32_t k, graph_point **out,
                               uint32_t *nout)
{
    const uint32_t n = g->n;
    *out = NULL;
    *nout = 0;
    if (fold > 100) fold = 100;
    graph_status st = GRAPH_ERR_NOMEM;
    uint8_t *fold_bit = calloc(((size_t)n + 7) / 8 + 1, 1), *done = malloc(((size_t)n + 7) / 8 + 1);
    uint32_t *acc = NULL, *stack = malloc(((size_t)n + 1) * 4), nsel = 0, ncand = 0;
    uint32_t *tops = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    uint64_t *key = shape;
    cand *cands = NULL, *scratch = NULL;
    pgroup *sel = NULL;
    graph_map rowmap = {0};
    graph_point *rows = NULL;
    if (!fold_bit || !done || !tops || !stack) {
        free(tops);
        goto out;
    }
    for (uint32_t v = 0; v < n; v++) {
        uint32_t p = g->idom[v];
        if (p < n && passes(g, v, p, fold)) fold_bit[p >> 3] |= (uint8_t)(1u << (p & 7));
    }
    memset(done, 0, ((size_t)n + 7) / 8);
    spread_chains(g, fold, fold_bit, tops, stack, done);
    free(tops);
    shape_keys(g, key, done, stack);
    /* Groups. Most accumulation points have a key of their own: a filter
     * of two bits per slot (seen once, seen again; 8 slots a point) finds
     * them, and they are rows of one at once; only the others are sorted
     * by key, where each run of one key is a group. */
    uint32_t npts = 0, ndup = 0;
    for (uint32_t v = 0; v < n; v++) npts += !((fold_bit[v >> 3] >> (v & 7)) & 1) && graph_retained(g, v);
    size_t slots = 64;
    while (slots < (size_t)npts * 8) slots *= 2;
    uint8_t *once = calloc(slots / 8, 1), *twice = calloc(slots / 8, 1);
    /* more than k: nested groups drop out below; never fewer than for
     * GRAPH_POINTS_PREFIX, so that smaller k give a prefix of its rows */
    uint32_t kb = k < GRAPH_POINTS_PREFIX ? GRAPH_POINTS_PREFIX : k;
    uint32_t kk = kb > (UINT32_MAX - 16) / 4 ? kb : kb * 3 + 16;
    if (!once || !twice || !(sel = malloc(((size_t)kk + 1) * sizeof *sel))) {
        free(once);
        free(twice);
        goto out;
    }
#define SLOT(v) (hash_fmix64(key[v]) & (slots - 1))
    for (uint32_t v = 0; v < n; v++) {
        if ((fold_bit[v >> 3] >> (v & 7)) & 1 || !graph_retained(g, v)) continue;
        size_t h = SLOT(v);
        if ((once[h >> 3] >> (h & 7)) & 1) twice[h >> 3] |= (uint8_t)(1u << (h & 7));
        else once[h >> 3] |= (uint8_t)(1u << (h & 7));
    }
    memset(done, 0, ((size_t)n + 7) / 8); /* now: the points whose slot is shared, a bit a block */
    for (uint32_t v = 0; v < n; v++) {
        if ((fold_bit[v >> 3] >> (v & 7)) & 1 || !graph_retained(g, v)) continue;
        size_t h = SLOT(v);
        if ((twice[h >> 3] >> (h & 7)) & 1) {
            ndup++;
            done[v >> 3] |= (uint8_t)(1u << (v & 7));
            continue;
        }
        pgroup x = {graph_retained(g, v), graph_size(g, v), graph_retained(g, v), v, 1, GRAPH_NONE, true, 0};
        select_group(sel, &nsel, kk, &x, n);
    }
#undef SLOT
    free(once);
    free(twice); /* (before the copies: the filter and they are never both held) */
    if (!(cands = graph_huge(malloc(((size_t)ndup + 1) * sizeof *cands), ((size_t)ndup + 1) * sizeof *cands)))
        goto out;
    ncand = 0;
    for (uint32_t v = 0; v < n && ncand < ndup; v++)
        if ((done[v >> 3] >> (v & 7)) & 1) cands[ncand++] = (cand){key[v], v};
    /* the keys are in cands now: their array holds the nearest accumulation
     * point above each block (4 bytes a block), then the sort's scratch
     * when it fits in the rest */
    acc = (uint32_t *)key;
    nearest_with(g, fold_bit, 0, acc, stack);
    {
        size_t at = ((size_t)n * 4 + 15) & ~(size_t)15, room = ((size_t)n + 1) * 8 - at;
        scratch = (size_t)ncand * sizeof *cands <= room ? (cand *)(void *)((char *)key + at)
                                                        : malloc(((size_t)ncand + 1) * sizeof *cands);
        if (!scratch) goto out;
        sort_cands(cands, ncand, scratch);
        if ((char *)scratch != (char *)key + at) free(scratch);
        scratch = NULL;
    }
    for (uint32_t a = 0, b; a < ncand && kk; a = b) {
        pgroup x = {0, 0, 0, cands[a].v, 0, acc[cands[a].v], true, a};
        for (b = a; b < ncand && cands[b].key == cands[a].key; b++) {
            uint32_t v = cands[b].v;
            x.count++;
            x.retained += graph_retained(g, v);
            x.shallow += graph_size(g, v);
            if (graph_retained(g, v) > x.largest) x.largest = graph_retained(g, v), x.example = v;
            if (acc[v] != x.acc) x.same_acc = false;
        }
        select_group(sel, &nsel, kk, &x, n);
    }
    rows = calloc((size_t)nsel + 1, sizeof *rows);
    if (!rows) goto out;
    for (uint32_t i = 0; i < nsel; i++) {
        const pgroup *x = &sel[i];
        graph_point *r = &rows[i];
        r->example = x->example;
        r->count = x->count;
        r->retained = x->retained;
        r->shallow = x->shallow;
        if (x->count > 1 && (unsigned __int128)x->largest * 100u >= (unsigned __int128)x->retained * fold) {
            /* one member keeps nearly all of it: that member is the row */
            r->count = 1;
            r->retained = x->largest;
            r->shallow = graph_size(g, x->example);
        }
        r->largest = x->largest;
        for (uint32_t c = x->example, p = g->idom[c]; p < n && passes(g, c, p, fold); c = p, p = g->idom[p])
            r->folded++;
    }
    /* a group shown as its one large member may rank lower now: re-sort */
    for (uint32_t i = 1; i < nsel; i++) {
        graph_point x = rows[i];
        pgroup xs = sel[i];
        uint32_t at = i;
        while (at > 0 && rows[at - 1].retained < x.retained) rows[at] = rows[at - 1], sel[at] = sel[at - 1], at--;
        rows[at] = x;
        sel[at] = xs;
    }
    /* a group's members under a single-block row restate what that row
     * holds: counted there only, among the rows any k <= kb would show */
    trim_nested(g, fold, rows, sel, &nsel, kb, cands, acc, stack, done);
    if (nsel > k) nsel = k;
    for (uint32_t i = 0; i < nsel; i++) {
        bool created;
        if (rows[i].count == 1 && !graph_map_put(&rowmap, rows[i].example, i, &created)) goto out;
    }
    /* the references only C code accounts for: the external roots naming a row's example (one pass) */
    if (nsel && g->nroots) {
        graph_map ex = {0};
        for (uint32_t i = 0; i < nsel; i++) {
            bool created;
            if (!graph_map_put(&ex, rows[i].example, i, &created)) {
                graph_map_release(&ex);
                goto out;
            }
        }
        for (uint32_t r = 0; r < g->nroots; r++) {
            uint32_t *ri = g->roots[r].kind == HS_ROOT_EXTERNAL ? graph_map_find(&ex, g->roots[r].node) : NULL;
            if (ri) rows[*ri].external += g->roots[r].count;
        }
        graph_map_release(&ex);
    }
    /* what each single-block row holds: its dominator children by type */
    if (rowmap.n) {
        graph_map tally = {0};
        graph_held *th = NULL;
        uint32_t nth = 0, thcap = 0;
        for (uint32_t v = 0; v < n; v++) {
            uint32_t *ri = g->idom[v] < n ? graph_map_find(&rowmap, g->idom[v]) : NULL;
            if (!ri) continue;
            bool created;
            uint32_t *ti = graph_map_put(&tally, ((uint64_t)*ri << 32) | g->type[v], nth, &created);
            if (!ti) goto tally_fail;
            if (created) {
                if (nth == thcap) {
                    uint32_t ncap = thcap ? thcap * 2 : 256;
                    graph_held *nh = ncap > thcap ? realloc(th, (size_t)ncap * sizeof *nh) : NULL;
                    if (!nh) goto tally_fail;
                    th = nh;
                    thcap = ncap;
                }
                th[nth++] = (graph_held){g->type[v], 0, *ri}; /* retained holds the row until summed */
            }
        }
        /* second pass: sums (the slot's row is in the key) */
        for (uint32_t t = 0; t < nth; t++) th[t].retained = 0;
        for (uint32_t v = 0; v < n; v++) {
            uint32_t *ri = g->idom[v] < n ? graph_map_find(&rowmap, g->idom[v]) : NULL;
            if (!ri) continue;
            uint32_t *ti = graph_map_find(&tally, ((uint64_t)*ri << 32) | g->type[v]);
            th[*ti].count++;
            th[*ti].retained += graph_retained(g, v);
        }
        for (size_t slot = 0; slot < tally.cap; slot++) {
            if (tally.key[slot] == GRAPH_MAP_EMPTY) continue;
            graph_held h = th[tally.val[slot]], *held = rows[tally.key[slot] >> 32].held;
            if (before_held(&h, &held[0])) held[1] = held[0], held[0] = h;
            else if (before_held(&h, &held[1])) held[1] = h;
        }
        graph_map_release(&tally);
        free(th);
        goto tally_done;
    tally_fail:
        graph_map_release(&tally);
        free(th);
        goto out;
    tally_done:;
    }
    *out = rows;
    *nout = nsel;
    rows = NULL;
    st = GRAPH_OK;
out:
    graph_map_release(&rowmap);
    free(fold_bit);
    free(done);
    free(stack);
    free(cands);
    free(sel);
    free(rows);
    return st;
}

graph_status graph_points_top(const graph *g, unsigned fold, uint32_t k, uint32_t **viap, graph_point **out,
                              uint32_t *nout, const graph_progress *p)
{
    *viap = NULL;
    *out = NULL;
    *nout = 0;
    const graph_cache *c = &g->cache;
    if (c->points && c->named_via && fold == c->points_fold && k <= c->points_k) {
        uint32_t nr = k < c->npoints ? k : c->npoints;
        uint32_t *via = malloc(((size_t)g->n + 1) * 4);
        graph_point *rows = malloc(((size_t)nr + 1) * sizeof *rows);
        if (!via || !rows) {
            free(via);
            free(rows);
            return GRAPH_ERR_NOMEM;
        }
        memcpy(via, c->named_via, (size_t)g->n * 4);
        memcpy(rows, c->points, (size_t)nr * sizeof *rows);
        *viap = via;
        *out = rows;
        *nout = nr;
        return GRAPH_OK;
    }
    uint64_t *shape = NULL;
    graph_status st = graph_bfs_named(g, viap, &shape, p);
    if (!st) st = graph_points_find(g, shape, fold, k, out, nout);
    free(shape);
    if (st) {
        free(*viap);
        *viap = NULL;
    }
    return st;
}
