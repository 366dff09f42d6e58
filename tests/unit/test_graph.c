/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_graph.c — the analyzer's graph (analyze/graph_*.c)
 * against brute-force oracles: on thousands of random small graphs (self
 * loops, multi-edges, weak/other/unknown kinds, unreachable parts, dangling
 * references, out-of-order holders) the CSR must hold exactly the input
 * references, dominators and retained sizes must match "delete the node and
 * recompute reachability", type-set retained sizes must match "delete the
 * whole set", SCCs must match mutual reachability (in reverse topological
 * order), BFS distances must be shortest, the referrers must list every
 * reference into a block in edge order, and path ends and graph_near must
 * answer the same with them as by their scans. Hand-built graphs with known
 * answers (chain, diamond, cycle, a cache dict sharing values), a duplicate
 * address, and a long chain that would overflow a recursive search.
 * Usage: test_graph [SEED [ITERATIONS]]. See docs/analyzer.md.
 */
#include "load/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);               \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            if (failures > 20) exit(1);                                                            \
        }                                                                                          \
    } while (0)

static uint64_t rng;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

#define MAXN 16
#define MAXE 64

/* ---- oracle helpers over the built graph (index space, N = n + 2) ---- */

/* Blocks reachable from `start` (a block, or SUPER/UNREACH with the given
 * children) over strong references, never entering `removed` (mask). */
static void reach_from(const graph *g, const uint32_t *starts, int nstarts, const uint8_t *removed, uint8_t *seen)
{
    uint32_t stack[MAXN * 4];
    int sp = 0;
    memset(seen, 0, g->n);
    for (int i = 0; i < nstarts; i++)
        if (!removed[starts[i]] && !seen[starts[i]]) seen[starts[i]] = 1, stack[sp++] = starts[i];
    while (sp) {
        uint32_t v = stack[--sp];
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint32_t w = g->out_to[e];
            if (!graph_is_strong(g->out_kind[e]) || removed[w] || seen[w]) continue;
            seen[w] = 1;
            stack[sp++] = w;
        }
    }
}

/* Check dominators, retained sizes, type retained, SCCs, BFS of g. */
static void check_graph(graph *g, const char *what)
{
    uint32_t n = g->n;
    CHECK(graph_dominators(g, NULL) == GRAPH_OK, "%s: dominators", what);
    uint8_t none[MAXN] = {0}, seen[MAXN], seen2[MAXN];
    uint32_t roots[MAXN * 4];
    int nr = 0;
    for (uint32_t r = 0; r < g->nroots; r++) roots[nr++] = g->roots[r].node;
    uint8_t reach[MAXN];
    reach_from(g, roots, nr, none, reach);
    /* the unreachable group's children: as documented in graph_dominators.c */
    uint32_t uk[MAXN];
    int nuk = 0;
    uint8_t covered[MAXN];
    memcpy(covered, reach, n);
    for (uint32_t v = 0; v < n; v++) {
        if (covered[v]) continue;
        int indeg = 0;
        for (uint32_t u = 0; u < n; u++)
            for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
                if (g->out_to[e] == v && graph_is_strong(g->out_kind[e])) indeg++;
        if (indeg == 0) uk[nuk++] = v;
    }
    for (int i = 0; i < nuk; i++) {
        reach_from(g, &uk[i], 1, none, seen);
        for (uint32_t w = 0; w < n; w++) covered[w] |= seen[w];
    }
    for (uint32_t v = 0; v < n; v++) {
        if (covered[v]) continue;
        uk[nuk++] = v;
        reach_from(g, &v, 1, none, seen);
        for (uint32_t w = 0; w < n; w++) covered[w] |= seen[w];
    }
    /* dominance by deletion: dom[d][w] = w is lost from its group when d is removed */
    static uint8_t dom[MAXN][MAXN];
    uint64_t want_ret_super = 0, want_ret_un = 0;
    for (uint32_t w = 0; w < n; w++) {
        CHECK(graph_reachable(g, w) == (reach[w] != 0), "%s: reachability of %u", what, w);
        if (reach[w]) want_ret_super += graph_size(g, w);
        else want_ret_un += graph_size(g, w);
    }
    for (uint32_t d = 0; d < n; d++) {
        uint8_t rm[MAXN] = {0};
        rm[d] = 1;
        reach_from(g, roots, nr, rm, seen);
        reach_from(g, uk, nuk, rm, seen2);
        for (uint32_t w = 0; w < n; w++) {
            if (reach[w]) dom[d][w] = d == w || !seen[w];
            else dom[d][w] = d == w || (!seen2[w] && !reach[d]);
        }
    }
    for (uint32_t w = 0; w < n; w++) {
        /* idom: the strict dominator dominated by all the others */
        uint32_t want = reach[w] ? GRAPH_SUPER(g) : GRAPH_UNREACH(g);
        for (uint32_t d = 0; d < n; d++) {
            if (d == w || !dom[d][w]) continue;
            bool closest = true;
            for (uint32_t d2 = 0; d2 < n; d2++)
                if (d2 != w && d2 != d && dom[d2][w] && !dom[d2][d]) closest = false;
            if (closest) want = d;
        }
        CHECK(g->idom[w] == want, "%s: idom(%u) = %u, want %u", what, w, g->idom[w], want);
        uint64_t ret = 0;
        for (uint32_t x = 0; x < n; x++)
            if (dom[w][x]) ret += graph_size(g, x);
        CHECK(graph_retained(g, w) == ret, "%s: retained(%u) = %llu, want %llu", what, w,
              (unsigned long long)graph_retained(g, w), (unsigned long long)ret);
    }
    CHECK(graph_retained(g, GRAPH_SUPER(g)) == want_ret_super, "%s: super retained", what);
    CHECK(graph_retained(g, GRAPH_UNREACH(g)) == want_ret_un, "%s: unreachable retained", what);
    /* one-pass retained per type: instances with no same-type instance above
     * them in the dominator tree, summed; never more than the exact measure */
    uint64_t own[64] = {0};
    CHECK(g->ntypes <= 64, "%s: test types", what);
    CHECK(graph_type_retained(g, own) == GRAPH_OK, "%s: own retained", what);
    for (uint32_t t = 0; t < g->ntypes && t < 64; t++) {
        uint64_t want_own = 0;
        for (uint32_t v = 0; v < n; v++) {
            if (g->type[v] != t) continue;
            bool nested = false;
            for (uint32_t a = g->idom[v]; a < n; a = g->idom[a])
                if (g->type[a] == t) nested = true;
            if (!nested) want_own += graph_retained(g, v);
        }
        CHECK(own[t] == want_own, "%s: own retained of type %u = %llu, want %llu", what, t,
              (unsigned long long)own[t], (unsigned long long)want_own);
        uint64_t exact = 0;
        CHECK(graph_set_retained(g, t, &exact) == GRAPH_OK, "%s: type retained", what);
        CHECK(own[t] <= exact, "%s: own retained of type %u above the exact one", what, t);
    }
    /* type-set retained: delete every instance at once */
    for (uint32_t t = 0; t < g->ntypes; t++) {
        uint64_t tret = 0;
        CHECK(graph_set_retained(g, t, &tret) == GRAPH_OK, "%s: type retained", what);
        uint8_t rm[MAXN] = {0};
        for (uint32_t v = 0; v < n; v++) rm[v] = g->type[v] == t;
        reach_from(g, roots, nr, rm, seen);
        reach_from(g, uk, nuk, rm, seen2);
        uint64_t want = 0;
        for (uint32_t w = 0; w < n; w++) {
            bool lost = rm[w] || (reach[w] ? !seen[w] : !seen2[w]);
            if (!reach[w]) {
                /* an unreachable block is retained by unreachable instances only */
                bool any_un = false;
                for (uint32_t v = 0; v < n; v++) any_un |= rm[v] && !reach[v];
                lost = rm[w] || (any_un && !seen2[w]);
            }
            if (lost) want += graph_size(g, w);
        }
        CHECK(tret == want, "%s: type %u retained %llu, want %llu", what, t, (unsigned long long)tret,
              (unsigned long long)want);
    }
    /* SCCs: same component iff mutually reachable; sinks complete first */
    uint32_t *comp, ncomp;
    CHECK(graph_scc(g, &comp, &ncomp, NULL) == GRAPH_OK, "%s: scc", what);
    static uint8_t path[MAXN][MAXN];
    for (uint32_t u = 0; u < n; u++) {
        reach_from(g, &u, 1, none, seen);
        for (uint32_t v = 0; v < n; v++) path[u][v] = seen[v];
    }
    for (uint32_t u = 0; u < n; u++) {
        CHECK(comp[u] < ncomp, "%s: comp id", what);
        for (uint32_t v = 0; v < n; v++)
            CHECK((comp[u] == comp[v]) == (path[u][v] && path[v][u]), "%s: scc of %u and %u", what, u, v);
        for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++)
            if (graph_is_strong(g->out_kind[e]) && comp[g->out_to[e]] != comp[u])
                CHECK(comp[g->out_to[e]] < comp[u], "%s: scc order", what);
    }
    free(comp);
    /* BFS: via edges end at their block, distances are shortest */
    uint32_t *via, *dist;
    CHECK(graph_bfs(g, &via, &dist, NULL) == GRAPH_OK, "%s: bfs", what);
    for (uint32_t v = 0; v < n; v++) {
        CHECK((via[v] != GRAPH_NONE) == (reach[v] != 0), "%s: bfs reach %u", what, v);
        if (via[v] == GRAPH_NONE) continue;
        /* one block's dominator and retained bytes without the tree (show) */
        uint32_t d1 = GRAPH_NONE;
        uint64_t r1 = 0;
        CHECK(graph_one_dominator(g, via, v, &d1, &r1) == GRAPH_OK, "%s: one dominator", what);
        CHECK(d1 == g->idom[v], "%s: one idom(%u) = %u, want %u", what, v, d1, g->idom[v]);
        CHECK(r1 == graph_retained(g, v), "%s: one retained(%u) = %llu, want %llu", what, v, (unsigned long long)r1,
              (unsigned long long)graph_retained(g, v));
        if (via[v] >= g->nedges) {
            CHECK(g->roots[via[v] - g->nedges].node == v && dist[v] == 1, "%s: bfs root", what);
            continue;
        }
        uint32_t u = graph_edge_from(g, via[v]);
        CHECK(g->out_to[via[v]] == v && graph_is_strong(g->out_kind[via[v]]), "%s: bfs edge", what);
        CHECK(dist[v] == dist[u] + 1, "%s: bfs dist", what);
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
            if (graph_is_strong(g->out_kind[e])) CHECK(dist[g->out_to[e]] <= dist[v] + 1, "%s: bfs shortest", what);
    }
    /* the referrers (graph_referrers): each block's list is every edge into it, ascending; with them,
     * path ends and graph_near's referrers are what the scans of every reference give */
    CHECK(!g->in_off, "%s: referrers before they were asked for", what);
    graph_path_end *ends[MAXN];
    uint32_t nends[MAXN];
    graph_near_set near[MAXN];
    for (uint32_t v = 0; v < n; v++) {
        CHECK(graph_path_ends(g, via, dist, v, &ends[v], &nends[v]) == GRAPH_OK, "%s: path ends", what);
        CHECK(graph_near(g, via, v, true, 3, 1 + v % 6, &near[v]) == GRAPH_OK, "%s: near", what);
    }
    CHECK(graph_referrers(g) == GRAPH_OK && g->in_off && (g->in_edge || !g->nedges), "%s: referrers", what);
    for (uint32_t v = 0; g->in_off && v < n; v++) {
        uint32_t k = g->in_off[v];
        for (uint32_t e = 0; e < g->nedges; e++)
            if (g->out_to[e] == v) {
                CHECK(k < g->in_off[v + 1] && g->in_edge[k] == e, "%s: referrer %u of %u", what, e, v);
                k++;
            }
        CHECK(k == g->in_off[v + 1], "%s: %u has %u referrers, want %u", what, v, g->in_off[v + 1] - g->in_off[v],
              k - g->in_off[v]);
        graph_path_end *e2;
        uint32_t n2;
        CHECK(graph_path_ends(g, via, dist, v, &e2, &n2) == GRAPH_OK && n2 == nends[v] &&
                  (!n2 || memcmp(e2, ends[v], n2 * sizeof *e2) == 0),
              "%s: path ends of %u differ with the referrers", what, v);
        free(e2);
        free(ends[v]);
        graph_near_set s2;
        CHECK(graph_near(g, via, v, true, 3, 1 + v % 6, &s2) == GRAPH_OK && s2.n == near[v].n &&
                  s2.omitted == near[v].omitted && memcmp(s2.list, near[v].list, s2.n * 4) == 0,
              "%s: near %u differs with the referrers", what, v);
        graph_near_release(&s2);
        graph_near_release(&near[v]);
    }
    CHECK(graph_referrers(g) == GRAPH_OK, "%s: referrers again", what);
    free(via);
    free(dist);
}

/* ---- random graphs ---- */
typedef struct in_ref {
    uint64_t from, to;
    uint8_t kind, ltype;
    uint64_t label;
} in_ref;

static int cmp_tuple(const void *a, const void *b) { return memcmp(a, b, 4 * sizeof(uint64_t)); }

static unsigned addr_cases[3];
static unsigned ret_cases[3];   /* random graphs with retained bytes in 4, 5 and 8 bytes a block */  /* random graphs with 32-bit and 64-bit addresses */
static unsigned label_cases[3]; /* random graphs with 16-bit labels and no escape, with escapes, with 32-bit labels */

static void random_case(int iter)
{
    char what[64];
    snprintf(what, sizeof what, "random case %d", iter);
    uint32_t n = 1 + (uint32_t)(rnd() % (MAXN - 2));
    uint64_t addr[MAXN + 2];
    /* addresses within 4 GiB (kept as 32-bit offsets, graph_compact_addrs) or, one graph in four, within
     * 2^48 (32-bit offsets and 16 bits above), or one in eight, not */
    const uint64_t spread = rnd() % 4 == 0 ? 0x100000000000ull : rnd() % 7 == 0 ? 0x7000000000000000ull : 0x100000;
    for (uint32_t i = 0; i < n + 2; i++) addr[i] = 0x1000 + 0x10 * i + (rnd() % 2) * spread; /* last two: never declared */
    in_ref refs[MAXE];
    uint32_t ne = (uint32_t)(rnd() % (n * 3 + 1));
    if (ne > MAXE) ne = MAXE;
    /* labels: small; or 1 in 16 around the 16-bit escape (the compact
     * labels of graph_compact_labels); or 1 in 3 (too many: kept 32-bit) */
    const uint64_t wide = rnd() % 3, wide_every = wide == 1 ? 16 : 3;
    for (uint32_t e = 0; e < ne; e++) {
        uint32_t f = (uint32_t)(rnd() % n), t = (uint32_t)(rnd() % 10 == 0 ? n + rnd() % 2 : rnd() % n);
        if (rnd() % 8 == 0) t = f; /* self loop */
        uint64_t k = rnd() % 10;
        refs[e] = (in_ref){addr[f], addr[t], k < 7 ? HS_REF_STRONG : k < 9 ? HS_REF_WEAK : (k == 9 && rnd() % 2 ? 7 : HS_REF_OTHER),
                           (uint8_t)(rnd() % 3),
                           wide && rnd() % wide_every == 0 ? 65530 + rnd() % 12 : rnd() % 5};
        if (e && rnd() % 4 == 0) refs[e] = refs[e - 1]; /* multi-edge */
    }
    graph_builder *b = graph_builder_new();
    /* blocks in a random order; each block's refs right after it, some refs standalone later or earlier */
    uint32_t perm[MAXN];
    for (uint32_t i = 0; i < n; i++) perm[i] = i;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = (uint32_t)(rnd() % i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    uint8_t sent[MAXE] = {0};
    for (uint32_t e = 0; e < ne; e++)
        if (rnd() % 5 == 0) { /* before the holder is declared */
            hs_ref r = {refs[e].to, refs[e].label, refs[e].kind, refs[e].ltype};
            CHECK(graph_builder_refs(b, refs[e].from, &r, 1) == GRAPH_OK, "%s: refs", what);
            sent[e] = 1;
        }
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = perm[i];
        uint64_t size = rnd() % 4 == 0 ? 0 : 1 + rnd() % 1000;
        if (rnd() % 50 == 0) size = 0x100000000ull + rnd() % 1000; /* beyond 32 bits */
        if (rnd() % 400 == 0) size = 0x10000000000ull + rnd() % 1000; /* beyond 40: retained bytes 8 bytes wide */
        total += size;
        CHECK(graph_builder_block(b, addr[v], size, (uint32_t)(rnd() % 3), (uint32_t)(rnd() % 16)) == GRAPH_OK, "%s", what);
        for (uint32_t e = 0; e < ne; e++)
            if (!sent[e] && refs[e].from == addr[v] && rnd() % 4) {
                hs_ref r = {refs[e].to, refs[e].label, refs[e].kind, refs[e].ltype};
                CHECK(graph_builder_refs(b, addr[v], &r, 1) == GRAPH_OK, "%s", what);
                sent[e] = 1;
            }
    }
    for (uint32_t e = 0; e < ne; e++)
        if (!sent[e]) {
            hs_ref r = {refs[e].to, refs[e].label, refs[e].kind, refs[e].ltype};
            CHECK(graph_builder_refs(b, refs[e].from, &r, 1) == GRAPH_OK, "%s", what);
        }
    uint32_t nroots = (uint32_t)(rnd() % 4);
    for (uint32_t r = 0; r < nroots; r++)
        CHECK(graph_builder_root(b, addr[rnd() % (n + 1)], HS_ROOT_GLOBAL, HS_NONE, 0) == GRAPH_OK, "%s", what);
    graph g;
    CHECK(graph_builder_finish(b, &g) == GRAPH_OK, "%s: finish", what);
    graph_builder_free(b);
    CHECK(g.n == n, "%s: n", what);
    CHECK(g.total_shallow == total, "%s: total", what);
    /* the CSR holds exactly the references between declared blocks */
    uint64_t want[MAXE][4], got[MAXE][4];
    uint32_t nw = 0, ng = 0, nmiss = 0;
    for (uint32_t e = 0; e < ne; e++) {
        bool to_decl = false;
        for (uint32_t i = 0; i < n; i++) to_decl |= refs[e].to == addr[i];
        if (!to_decl) {
            nmiss++;
            continue;
        }
        uint8_t k = refs[e].kind > 2 ? 3 : refs[e].kind;
        if (refs[e].ltype) k |= (uint8_t)(refs[e].ltype << GRAPH_LABEL_SHIFT);
        want[nw][0] = refs[e].from;
        want[nw][1] = refs[e].to;
        want[nw][2] = k;
        want[nw][3] = refs[e].ltype ? refs[e].label : 0;
        nw++;
    }
    for (uint32_t v = 0; v < g.n; v++)
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1]; e++) {
            got[ng][0] = graph_addr(&g, v);
            got[ng][1] = graph_addr(&g, g.out_to[e]);
            got[ng][2] = g.out_kind[e];
            got[ng][3] = graph_label(&g, e);
            ng++;
        }
    CHECK(nw == ng && g.nedges == ng, "%s: %u references kept, want %u", what, ng, nw);
    CHECK(g.refs_missing == nmiss && g.refs_read == ne, "%s: missing %llu want %u", what,
          (unsigned long long)g.refs_missing, nmiss);
    if (nw == ng) {
        qsort(want, nw, sizeof want[0], cmp_tuple);
        qsort(got, ng, sizeof got[0], cmp_tuple);
        CHECK(memcmp(want, got, nw * sizeof want[0]) == 0, "%s: CSR differs from the input", what);
    }
    check_graph(&g, what);
    addr_cases[g.addr32 ? (g.addr_hi ? 1 : 0) : 2]++;
    if (g.n) ret_cases[g.ret.wide ? 2 : g.ret.hi ? 1 : 0]++;
    if (g.out_label16) label_cases[g.nlabel_big ? 1 : 0]++;
    else if (g.nedges) label_cases[2]++;
    graph_release(&g);
}

/* ---- hand-built graphs ---- */
static void blk(graph_builder *b, uint64_t a, uint64_t size, uint32_t type)
{
    CHECK(graph_builder_block(b, a, size, type, 0) == GRAPH_OK, "block");
}
static void ref(graph_builder *b, uint64_t from, uint64_t to, uint8_t kind)
{
    hs_ref r = {to, 0, kind, HS_LABEL_NONE};
    CHECK(graph_builder_refs(b, from, &r, 1) == GRAPH_OK, "ref");
}
static void finish(graph_builder *b, graph *g)
{
    CHECK(graph_builder_finish(b, g) == GRAPH_OK, "finish");
    graph_builder_free(b);
    CHECK(graph_dominators(g, NULL) == GRAPH_OK, "dominators");
}
static uint32_t at(graph *g, uint64_t a) { return graph_find(g, a); }

static void hand_built(void)
{
    graph g;
    /* chain: root -> 1 -> 2 -> 3 */
    graph_builder *b = graph_builder_new();
    blk(b, 1, 10, 0), blk(b, 2, 20, 0), blk(b, 3, 30, 0);
    ref(b, 1, 2, HS_REF_STRONG), ref(b, 2, 3, HS_REF_STRONG);
    graph_builder_root(b, 1, HS_ROOT_GLOBAL, HS_NONE, 0);
    finish(b, &g);
    CHECK(graph_retained(&g, at(&g, 1)) == 60 && graph_retained(&g, at(&g, 2)) == 50 && graph_retained(&g, at(&g, 3)) == 30, "chain");
    CHECK(g.idom[at(&g, 3)] == at(&g, 2) && g.idom[at(&g, 1)] == GRAPH_SUPER(&g), "chain idom");
    check_graph(&g, "chain");
    graph_release(&g);
    /* diamond: 1 -> 2, 1 -> 3, 2 -> 4, 3 -> 4 */
    b = graph_builder_new();
    blk(b, 1, 1, 0), blk(b, 2, 2, 0), blk(b, 3, 4, 0), blk(b, 4, 8, 0);
    ref(b, 1, 2, 0), ref(b, 1, 3, 0), ref(b, 2, 4, 0), ref(b, 3, 4, 0);
    graph_builder_root(b, 1, HS_ROOT_GLOBAL, HS_NONE, 0);
    finish(b, &g);
    CHECK(g.idom[at(&g, 4)] == at(&g, 1) && graph_retained(&g, at(&g, 2)) == 2 && graph_retained(&g, at(&g, 1)) == 15, "diamond");
    check_graph(&g, "diamond");
    graph_release(&g);
    /* cycle: 1 -> 2 -> 3 -> 1, root 1; and the same cycle unreachable */
    b = graph_builder_new();
    blk(b, 1, 1, 0), blk(b, 2, 2, 0), blk(b, 3, 4, 0);
    ref(b, 1, 2, 0), ref(b, 2, 3, 0), ref(b, 3, 1, 0);
    blk(b, 11, 100, 1), blk(b, 12, 200, 1);
    ref(b, 11, 12, 0), ref(b, 12, 11, 0), ref(b, 12, 1, 0); /* garbage pointing into live data */
    graph_builder_root(b, 1, HS_ROOT_GLOBAL, HS_NONE, 0);
    finish(b, &g);
    CHECK(g.idom[at(&g, 3)] == at(&g, 2) && graph_retained(&g, at(&g, 2)) == 6 && graph_retained(&g, at(&g, 1)) == 7, "cycle");
    CHECK(!graph_reachable(&g, at(&g, 11)) && g.idom[at(&g, 12)] == at(&g, 11), "garbage cycle");
    CHECK(graph_retained(&g, at(&g, 11)) == 300 && graph_retained(&g, GRAPH_UNREACH(&g)) == 300 && graph_retained(&g, GRAPH_SUPER(&g)) == 7,
          "garbage retained");
    check_graph(&g, "cycle");
    graph_release(&g);
    /* cache: module 1 holds dict 2 (values 3, 4, 5) and list 6 (value 3); weakref 7 -> 4 */
    b = graph_builder_new();
    blk(b, 1, 100, 0), blk(b, 2, 1000, 1), blk(b, 3, 10, 2), blk(b, 4, 20, 2), blk(b, 5, 40, 2);
    blk(b, 6, 200, 3), blk(b, 7, 5, 4);
    ref(b, 1, 2, 0), ref(b, 2, 3, 0), ref(b, 2, 4, 0), ref(b, 2, 5, 0), ref(b, 1, 6, 0), ref(b, 6, 3, 0);
    ref(b, 1, 7, 0), ref(b, 7, 4, HS_REF_WEAK);
    graph_builder_root(b, 1, HS_ROOT_GLOBAL, HS_NONE, 0);
    finish(b, &g);
    CHECK(graph_retained(&g, at(&g, 2)) == 1060, "cache dict retains its own values only: %llu",
          (unsigned long long)graph_retained(&g, at(&g, 2)));
    CHECK(g.idom[at(&g, 3)] == at(&g, 1) && g.idom[at(&g, 4)] == at(&g, 2), "cache idom");
    CHECK(graph_retained(&g, at(&g, 7)) == 5, "a weak reference retains nothing");
    uint64_t tv, td;
    graph_set_retained(&g, 2, &tv);
    graph_set_retained(&g, 1, &td);
    /* the values as a set: 3 is shared by the dict and the list, but both paths end in a value */
    CHECK(tv == 70 && td == 1060, "type retained: values %llu", (unsigned long long)tv);
    check_graph(&g, "cache");
    graph_release(&g);
    /* two instances share a child: the set retains it, neither instance alone does */
    b = graph_builder_new();
    blk(b, 1, 1, 0), blk(b, 2, 10, 1), blk(b, 3, 20, 1), blk(b, 4, 300, 2);
    ref(b, 1, 2, 0), ref(b, 1, 3, 0), ref(b, 2, 4, 0), ref(b, 3, 4, 0);
    graph_builder_root(b, 1, HS_ROOT_GLOBAL, HS_NONE, 0);
    finish(b, &g);
    graph_set_retained(&g, 1, &tv);
    CHECK(graph_retained(&g, at(&g, 2)) + graph_retained(&g, at(&g, 3)) == 30 && tv == 330, "set retained %llu", (unsigned long long)tv);
    check_graph(&g, "shared child");
    graph_release(&g);
    /* duplicate address */
    b = graph_builder_new();
    blk(b, 5, 1, 0);
    graph_builder_block(b, 6, 1, 0, 0);
    graph_builder_block(b, 5, 1, 0, 0);
    CHECK(graph_builder_finish(b, &g) == GRAPH_ERR_DUPLICATE && graph_builder_dup_addr(b) == 5, "duplicate");
    graph_builder_free(b);
    graph_release(&g);
    /* a long chain, a hub and an unreachable long chain: no recursion anywhere */
    uint32_t len = 1000000;
    b = graph_builder_new();
    for (uint32_t i = 0; i < len; i++) {
        blk(b, 16 + 16ull * i, 1, 0);
        if (i + 1 < len) ref(b, 16 + 16ull * i, 32 + 16ull * i, 0);
    }
    for (uint32_t i = 0; i < len; i++) {
        blk(b, 0x10000000 + 16ull * i, 2, 1);
        if (i + 1 < len) ref(b, 0x10000000 + 16ull * i, 0x10000000 + 16ull * (i + 1), 0);
    }
    ref(b, 0x10000000 + 16ull * (len - 1), 0x10000000, 0); /* an unreachable cycle of 1M */
    graph_builder_root(b, 16, HS_ROOT_STACK, HS_NONE, 0);
    finish(b, &g);
    CHECK(graph_retained(&g, at(&g, 16)) == len && graph_retained(&g, GRAPH_UNREACH(&g)) == 2ull * len, "long chain");
    uint32_t *comp, ncomp;
    CHECK(graph_scc(&g, &comp, &ncomp, NULL) == GRAPH_OK && ncomp == len + 1, "long chain scc: %u", ncomp);
    free(comp);
    uint32_t *via;
    CHECK(graph_bfs(&g, &via, NULL, NULL) == GRAPH_OK && via[at(&g, 16ull * len)] != GRAPH_NONE, "long bfs");
    free(via);
    uint64_t tr0, tr1;
    graph_set_retained(&g, 0, &tr0);
    graph_set_retained(&g, 1, &tr1);
    CHECK(tr0 == len && tr1 == 2ull * len, "long type retained");
    graph_release(&g);
}

/* Addresses whose hashes are all equal (the address table keeps a 32-bit
 * hash per slot and compares addresses only when hashes match; see
 * graph_csr.c): a_t * K = (X << 32) + t, so the top 32 bits are X for all t.
 * They share one probe run; every lookup must still find its own address. */
static void hash_collisions(void)
{
    const uint64_t K = 0x9E3779B97F4A7C15ull;
    uint64_t kinv = K;
    for (int i = 0; i < 6; i++) kinv *= 2 - K * kinv; /* Newton: K * kinv == 1 mod 2^64 */
    CHECK(K * kinv == 1, "inverse");
    const uint32_t len = 3000;
    uint64_t *a = malloc((len + 1) * sizeof *a);
    for (uint32_t t = 0; t <= len; t++) a[t] = kinv * ((0x12345ull << 32) + t);
    graph_builder *b = graph_builder_new();
    /* every second block is referred to before it is declared; a[len] is never declared */
    for (uint32_t t = 0; t < len; t += 2) {
        blk(b, a[t], 10, 0);
        ref(b, a[t], a[t + 1], 0);
    }
    for (uint32_t t = 1; t < len; t += 2) {
        blk(b, a[t], 10, 1);
        ref(b, a[t], a[t + 1], 0);
    }
    graph_builder_root(b, a[0], HS_ROOT_GLOBAL, HS_NONE, 0);
    graph g;
    finish(b, &g);
    CHECK(g.n == len && g.refs_missing == 1 && g.missing_addrs == 1, "collisions: %u blocks, %llu missing", g.n,
          (unsigned long long)g.refs_missing);
    bool ok = true;
    for (uint32_t t = 0; t < len; t++) {
        uint32_t v = at(&g, a[t]);
        ok &= v != GRAPH_NONE && g.type[v] == t % 2;
        if (t + 1 < len && v != GRAPH_NONE) ok &= g.out_off[v + 1] == g.out_off[v] + 1 && g.out_to[g.out_off[v]] == at(&g, a[t + 1]);
    }
    CHECK(ok, "collisions: blocks and references");
    CHECK(graph_dominators(&g, NULL) == GRAPH_OK && graph_retained(&g, at(&g, a[0])) == 10ull * len, "collisions: retained");
    graph_release(&g);
    /* a duplicate among colliding addresses is still found */
    b = graph_builder_new();
    for (uint32_t t = 0; t < 100; t++) blk(b, a[t], 1, 0);
    graph_builder_block(b, a[57], 1, 0, 0);
    CHECK(graph_builder_finish(b, &g) == GRAPH_ERR_DUPLICATE && graph_builder_dup_addr(b) == a[57],
          "collisions: duplicate");
    graph_builder_free(b);
    graph_release(&g);
    free(a);
}

/* Many blocks, so that runs of one holder's references cross the
 * builder's batches (8192 operations) and its run bitmap's words: every
 * block sends its references in one to three records, some right after its
 * declaration, some after other blocks', some before it is declared, a few
 * to undeclared targets or from undeclared holders; the CSR must hold each
 * holder's references in the order they were sent (the sort is stable). */
static void batch_runs(void)
{
    enum { N = 30000, PER = 6 };
    uint64_t *to = calloc((size_t)N * PER, sizeof *to);
    uint32_t *label = calloc((size_t)N * PER, sizeof *label), *nr = calloc(N, sizeof *nr), *sent = calloc(N, sizeof *sent);
    CHECK(to && label && nr && sent, "batch runs: memory");
    if (!to || !label || !nr || !sent) goto out;
    const uint64_t base = 0x7f0000000000ull; /* with 0x10000 below: not within 4 GiB, 64-bit addresses */
    graph_builder *b = graph_builder_new();
    uint64_t orphan_refs = 0, missing_refs = 0;
    for (uint32_t v = 0; v < N; v++) {
        nr[v] = (uint32_t)(rnd() % (PER + 1));
        for (uint32_t j = 0; j < nr[v]; j++) {
            uint64_t t = rnd() % 50 == 0 ? 0x10000 + 16 * (rnd() % 8) /* never declared */ : base + 16 * (rnd() % N);
            to[(size_t)v * PER + j] = t;
            label[(size_t)v * PER + j] = rnd() % 20 == 0 ? 70000 + (uint32_t)(rnd() % 1000) : (uint32_t)(rnd() % 100);
        }
    }
    /* send(v, upto): v's references from sent[v] up to upto, in one record */
#define SEND(v, upto)                                                                                        \
    do {                                                                                                     \
        hs_ref rs[PER];                                                                                      \
        uint32_t k_ = 0;                                                                                     \
        for (; sent[v] < (upto); sent[v]++, k_++)                                                            \
            rs[k_] = (hs_ref){to[(size_t)(v)*PER + sent[v]], label[(size_t)(v)*PER + sent[v]], HS_REF_STRONG, \
                              HS_LABEL_INDEX};                                                               \
        if (k_) CHECK(graph_builder_refs(b, base + 16 * (uint64_t)(v), rs, k_) == GRAPH_OK, "batch runs: refs"); \
    } while (0)
    for (uint32_t v = 0; v < N; v++) {
        if (v % 97 == 5) SEND(v, nr[v] / 2); /* before its declaration */
        CHECK(graph_builder_block(b, base + 16 * (uint64_t)v, 16, v % 5, 0) == GRAPH_OK, "batch runs: block");
        SEND(v, nr[v] - nr[v] / 3);
        if (v >= 3 && v % 3 == 0) SEND(v - 3, nr[v - 3]); /* after other blocks' */
    }
    for (uint32_t v = 0; v < N; v++) SEND(v, nr[v]);
#undef SEND
    for (uint32_t j = 0; j < 5; j++) { /* from a holder never declared */
        hs_ref r = {base, 1, HS_REF_STRONG, HS_LABEL_INDEX};
        CHECK(graph_builder_refs(b, 0x20000 + 16 * j, &r, 1) == GRAPH_OK, "batch runs: orphan ref");
        orphan_refs++;
    }
    graph g;
    CHECK(graph_builder_finish(b, &g) == GRAPH_OK, "batch runs: finish");
    graph_builder_free(b);
    uint64_t kept = 0;
    bool order_ok = true;
    for (uint32_t v = 0; v < N; v++) {
        uint32_t gv = graph_find(&g, base + 16 * (uint64_t)v), e = gv == GRAPH_NONE ? 0 : g.out_off[gv];
        if (gv == GRAPH_NONE) {
            order_ok = false;
            break;
        }
        for (uint32_t j = 0; j < nr[v]; j++) {
            uint64_t t = to[(size_t)v * PER + j];
            if (t < base) {
                missing_refs++;
                continue;
            }
            if (e >= g.out_off[gv + 1] || graph_addr(&g, g.out_to[e]) != t || graph_label(&g, e) != label[(size_t)v * PER + j])
                order_ok = false;
            e++;
            kept++;
        }
        if (e != g.out_off[gv + 1]) order_ok = false;
    }
    CHECK(order_ok, "batch runs: a holder's references are not all there, in the order sent");
    CHECK(g.nedges == kept && g.refs_missing == missing_refs && g.refs_orphan == orphan_refs,
          "batch runs: %u kept (want %llu), %llu missing (want %llu), %llu orphan (want %llu)", g.nedges,
          (unsigned long long)kept, (unsigned long long)g.refs_missing, (unsigned long long)missing_refs,
          (unsigned long long)g.refs_orphan, (unsigned long long)orphan_refs);
    CHECK(g.out_label16 && g.nlabel_big, "batch runs: labels not 16-bit with wide ones aside");
    graph_release(&g);
out:
    free(to);
    free(label);
    free(nr);
    free(sent);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 12345;
    int iters = argc > 2 ? atoi(argv[2]) : 5000;
    rng = seed;
    hand_built();
    hash_collisions();
    batch_runs();
    for (int i = 0; i < iters; i++) random_case(i);
    if (iters >= 1000)
        CHECK(label_cases[0] && label_cases[1] && label_cases[2],
              "label storage not exercised: %u compact, %u compact with escapes, %u 32-bit", label_cases[0],
              label_cases[1], label_cases[2]);
    if (iters >= 1000)
        CHECK(addr_cases[0] && addr_cases[1] && addr_cases[2],
              "address storage not exercised: %u 32-bit, %u 48-bit, %u 64-bit", addr_cases[0], addr_cases[1],
              addr_cases[2]);
    if (iters >= 1000)
        CHECK(ret_cases[0] && ret_cases[1] && ret_cases[2],
              "retained storage not exercised: %u 32-bit, %u 40-bit, %u 64-bit", ret_cases[0], ret_cases[1],
              ret_cases[2]);
    if (failures) {
        fprintf(stderr, "test_graph: %d failures (seed %llu)\n", failures, (unsigned long long)seed);
        return 1;
    }
    printf("test_graph: ok (%d random graphs, seed %llu)\n", iters, (unsigned long long)seed);
    return 0;
}
