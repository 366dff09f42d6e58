/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_points.c — graph_bfs_named() and graph_points_find()
 * (analyze/graph/graph_paths.c, graph_points.c) against brute force on
 * random graphs, and hand-built heaps: a registry chain folds into its
 * list, alike blocks group, a group nested in a row drops out, garbage
 * gets a search start. Usage: test_points [SEED [ITERATIONS]].
 */
#include "graph/graph.h"

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
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool keeps(const graph *g, uint32_t c, uint32_t p, unsigned fold)
{
    return graph_retained(g, p) && (unsigned __int128)graph_retained(g, c) * 100u >= (unsigned __int128)graph_retained(g, p) * fold;
}

/* p has a dominator child keeping fold% of it */
static bool passes_on(const graph *g, uint32_t p, unsigned fold)
{
    for (uint32_t v = 0; v < g->n; v++)
        if (g->idom[v] == p && keeps(g, v, p, fold)) return true;
    return false;
}

/* the top of v's chain of folds */
static uint32_t chain_top(const graph *g, uint32_t v, unsigned fold)
{
    while (g->idom[v] < g->n && passes_on(g, g->idom[v], fold) && keeps(g, v, g->idom[v], fold)) v = g->idom[v];
    return v;
}

/* the end of a chain that loses more than (100 - fold)% on the way */
static bool spread_end(const graph *g, uint32_t e, unsigned fold)
{
    uint32_t t = chain_top(g, e, fold);
    return !passes_on(g, e, fold) && t != e && !keeps(g, e, t, fold);
}

/* not an accumulation point (brute force of graph_points.c's rules) */
static bool folds(const graph *g, uint32_t v, unsigned fold)
{
    if (!passes_on(g, v, fold)) return spread_end(g, v, fold);
    for (uint32_t e = 0; e < g->n; e++)
        if (spread_end(g, e, fold) && chain_top(g, e, fold) == v) return false; /* a spread chain's top */
    return true;
}

/* The key graph_points_find groups by, brute force: for a reachable block
 * the named search's shape, for garbage the types of its dominators. */
static uint64_t dom_chain(const graph *g, uint32_t v)
{
    uint64_t h = 7;
    for (uint32_t u = g->idom[v]; u < g->n; u = g->idom[u]) h = h * 1000003u + g->type[u] + 1;
    return h;
}
static bool same_key(const graph *g, const uint64_t *shape, uint32_t v, uint32_t x)
{
    if (g->type[v] != g->type[x] || graph_reachable(g, v) != graph_reachable(g, x)) return false;
    if (graph_reachable(g, v)) return shape[v] == shape[x];
    uint32_t dv = 0, dx = 0;
    for (uint32_t u = g->idom[v]; u < g->n; u = g->idom[u]) dv++;
    for (uint32_t u = g->idom[x]; u < g->n; u = g->idom[u]) dx++;
    return dv == dx && dom_chain(g, v) == dom_chain(g, x);
}

static bool dominated_by(const graph *g, uint32_t v, uint32_t a)
{
    for (uint32_t u = g->idom[v], k = 0; u < g->n && k <= g->n; u = g->idom[u], k++)
        if (u == a) return true;
    return false;
}

/* Check rows against brute force: each row is a group of unfolded blocks
 * of one (type, shape); totals; order; nested groups gone. */
static void check_rows(const graph *g, const uint64_t *shape, unsigned fold, const graph_point *r,
                       uint32_t nr, uint32_t k, const char *what)
{
    CHECK(nr <= k, "%s: %u rows > %u", what, nr, k);
    for (uint32_t i = 0; i < nr; i++) {
        uint32_t x = r[i].example;
        CHECK(x < g->n, "%s: row %u example %u", what, i, x);
        if (x >= g->n) return;
        CHECK(!folds(g, x, fold), "%s: row %u's block %u folds into a child (fold %u, passes_on %d, top %u, n %u)", what, i, x, fold,
              passes_on(g, x, fold), chain_top(g, x, fold), g->n);
        if (i) CHECK(r[i - 1].retained >= r[i].retained, "%s: rows %u,%u out of order", what, i - 1, i);
        /* the members: unfolded blocks with the example's type and shape;
         * of a group, those under no single-block row (told there) */
        uint32_t all = 0;
        for (uint32_t v = 0; v < g->n; v++) all += !folds(g, v, fold) && graph_retained(g, v) && same_key(g, shape, v, x);
        uint64_t sum = 0, own = 0, largest = 0;
        uint32_t cnt = 0;
        for (uint32_t v = 0; v < g->n; v++) {
            if (folds(g, v, fold) || !graph_retained(g, v) || !same_key(g, shape, v, x)) continue;
            /* members never nest */
            if (v != x) CHECK(!dominated_by(g, v, x) && !dominated_by(g, x, v), "%s: members %u, %u nest", what, v, x);
            bool told = false;
            for (uint32_t j = 0; j < nr && all > 1 && !told; j++)
                told = r[j].count == 1 && dominated_by(g, v, r[j].example);
            if (told) {
                CHECK(v != x, "%s: row %u's example %u is under a single row", what, i, x);
                continue;
            }
            cnt++, sum += graph_retained(g, v), own += graph_size(g, v);
            if (graph_retained(g, v) > largest) largest = graph_retained(g, v);
        }
        CHECK(largest == r[i].largest && graph_retained(g, x) == largest, "%s: row %u example is not the largest", what, i);
        if (r[i].count == 1 && cnt > 1)
            CHECK((unsigned __int128)largest * 100u >= (unsigned __int128)sum * fold && r[i].retained == largest,
                  "%s: row %u shown single though its example keeps %llu of %llu", what, i,
                  (unsigned long long)largest, (unsigned long long)sum);
        else
            CHECK(cnt == r[i].count && sum == r[i].retained && own == r[i].shallow,
                  "%s: row %u: count %u/%u retained %llu/%llu", what, i, r[i].count, cnt,
                  (unsigned long long)r[i].retained, (unsigned long long)sum);
        CHECK(cnt > 0, "%s: row %u: every member is under a single row", what, i);
    }
}

/* Every block a global root reaches has a path from a global root. */
static void check_ranked(const graph *g, const uint32_t *via, const char *what)
{
    uint8_t *glob = calloc(g->n + 1, 1);
    uint32_t *q = malloc((g->n + 1) * 4), h = 0, t = 0;
    for (uint32_t r = 0; r < g->nroots; r++)
        if (g->roots[r].kind == HS_ROOT_GLOBAL && !glob[g->roots[r].node]) glob[g->roots[r].node] = 1, q[t++] = g->roots[r].node;
    while (h < t) {
        uint32_t v = q[h++];
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
            if (graph_is_strong(g->out_kind[e]) && !glob[g->out_to[e]]) glob[g->out_to[e]] = 1, q[t++] = g->out_to[e];
    }
    for (uint32_t v = 0; v < g->n; v++) {
        CHECK(via[v] != GRAPH_NONE, "%s: block %u not reached (garbage is searched too)", what, v);
        if (via[v] == GRAPH_NONE) continue;
        uint32_t u = v, steps = 0;
        while (via[u] < g->nedges && steps++ <= g->n) {
            CHECK(g->out_to[via[u]] == u && graph_is_strong(g->out_kind[via[u]]), "%s: via of %u", what, u);
            u = graph_edge_from(g, via[u]);
        }
        uint32_t r = via[u] - g->nedges;
        if (glob[v]) CHECK(r < g->nroots && g->roots[r].kind == HS_ROOT_GLOBAL, "%s: %u not named from a global", what, v);
        if (r == g->nroots) CHECK(!graph_reachable(g, v), "%s: reachable %u named as garbage", what, v);
        else CHECK(r < g->nroots && graph_reachable(g, v), "%s: %u: root %u", what, v, r);
    }
    free(glob);
    free(q);
}

#define MAXN 60
static void random_case(int iter)
{
    char what[64];
    snprintf(what, sizeof what, "random case %d", iter);
    uint32_t n = 1 + (uint32_t)(rnd() % (MAXN - 1)), ntypes = 1 + (uint32_t)(rnd() % 4);
    graph_builder *b = graph_builder_new();
    for (uint32_t i = 0; i < n; i++)
        CHECK(graph_builder_block(b, 0x1000 + 16 * i, rnd() % 4 ? 1 + rnd() % 100 : 0, (uint32_t)(rnd() % ntypes), 0) ==
                  GRAPH_OK, "block");
    uint32_t ne = (uint32_t)(rnd() % (2 * n + 1));
    for (uint32_t e = 0; e < ne; e++) {
        uint32_t f = (uint32_t)(rnd() % n), t = (uint32_t)(rnd() % n);
        hs_ref r = {0x1000 + 16 * t, (uint32_t)(rnd() % 3), rnd() % 6 ? HS_REF_STRONG : HS_REF_WEAK,
                    (uint8_t)(rnd() % 3)};
        CHECK(graph_builder_refs(b, 0x1000 + 16 * f, &r, 1) == GRAPH_OK, "ref");
    }
    uint32_t nr = (uint32_t)(rnd() % 4);
    for (uint32_t i = 0; i < nr; i++)
        CHECK(graph_builder_root(b, 0x1000 + 16 * (rnd() % n), 1 + (uint32_t)(rnd() % 4), HS_NONE, 0) == GRAPH_OK,
              "root");
    graph g;
    CHECK(graph_builder_finish(b, &g) == GRAPH_OK, "finish");
    graph_builder_free(b);
    CHECK(graph_dominators(&g, NULL) == GRAPH_OK, "dominators");
    uint32_t *via = NULL;
    uint64_t *shape = NULL;
    CHECK(graph_bfs_named(&g, &via, &shape, NULL) == GRAPH_OK, "bfs");
    check_ranked(&g, via, what);
    unsigned fold = rnd() % 3 ? 90 : (unsigned)(rnd() % 101);
    uint32_t k = 1 + (uint32_t)(rnd() % 12), nrows = 0;
    graph_point *rows = NULL;
    uint64_t *scratch = malloc(((size_t)g.n + 1) * 8); /* graph_points_find overwrites its shapes */
    memcpy(scratch, shape, (size_t)g.n * 8);
    CHECK(graph_points_find(&g, scratch, fold, k, &rows, &nrows) == GRAPH_OK, "points");
    /* a group is recounted against the single rows among the first
     * GRAPH_POINTS_PREFIX, so those are checked, and any k is their prefix */
    graph_point *all = NULL;
    uint32_t nall = 0;
    memcpy(scratch, shape, (size_t)g.n * 8);
    CHECK(graph_points_find(&g, scratch, fold, GRAPH_POINTS_PREFIX, &all, &nall) == GRAPH_OK, "points");
    check_rows(&g, shape, fold, all, nall, GRAPH_POINTS_PREFIX, what);
    CHECK(nrows == (nall < k ? nall : k), "%s: %u rows for k %u of %u", what, nrows, k, nall);
    for (uint32_t i = 0; i < nrows && i < nall; i++)
        CHECK(rows[i].example == all[i].example && rows[i].count == all[i].count &&
                  rows[i].retained == all[i].retained, "%s: row %u for k %u is not the prefix's", what, i, k);
    free(all);
    free(scratch);
    free(rows);
    free(via);
    free(shape);
    graph_release(&g);
}

/* Finish b into *g, then dominators, the named search and the rows. */
static graph_point *analyse(graph_builder *b, graph *g, unsigned fold, uint32_t k, uint32_t *nrows)
{
    CHECK(graph_builder_finish(b, g) == GRAPH_OK, "finish");
    graph_builder_free(b);
    CHECK(graph_dominators(g, NULL) == GRAPH_OK, "dominators");
    uint32_t *via = NULL;
    uint64_t *shape = NULL;
    graph_point *rows = NULL;
    *nrows = 0;
    CHECK(graph_bfs_named(g, &via, &shape, NULL) == GRAPH_OK, "bfs");
    if (shape) check_ranked(g, via, "hand-built");
    CHECK(shape && graph_points_find(g, shape, fold, k, &rows, nrows) == GRAPH_OK, "points");
    free(via);
    free(shape);
    return rows;
}

/* root -> module -> dict -> class -> class dict -> list -> 50 items (100 B + a 900 B payload each), plus a
 * stray 300 B global: the list is row 1, holding 50 items; the payloads are its content, not a row. */
static void registry(void)
{
    graph_builder *b = graph_builder_new();
    uint64_t chain[5] = {0x10, 0x20, 0x30, 0x40, 0x50};
    for (int i = 0; i < 5; i++) graph_builder_block(b, chain[i], 50, (uint32_t)i, 0);
    graph_builder_block(b, 0x60, 400, 5, 0); /* the list */
    for (uint32_t i = 0; i < 50; i++) {
        graph_builder_block(b, 0x1000 + 16 * i, 100, 6, 0);
        graph_builder_block(b, 0x9000 + 16 * i, 900, 7, 0);
        hs_ref it = {0x1000 + 16 * i, i, HS_REF_STRONG, HS_LABEL_INDEX}, pay = {0x9000 + 16 * i, 0, HS_REF_STRONG, HS_LABEL_NONE};
        graph_builder_refs(b, 0x60, &it, 1);
        graph_builder_refs(b, 0x1000 + 16 * i, &pay, 1);
    }
    for (int i = 0; i < 5; i++) {
        hs_ref r = {i < 4 ? chain[i + 1] : 0x60, 0, HS_REF_STRONG, HS_LABEL_NONE};
        graph_builder_refs(b, chain[i], &r, 1);
    }
    graph_builder_block(b, 0x70, 300, 8, 0);
    graph_builder_root(b, 0x10, HS_ROOT_GLOBAL, HS_NONE, 0);
    graph_builder_root(b, 0x70, HS_ROOT_GLOBAL, HS_NONE, 0);
    graph g;
    uint32_t nrows;
    graph_point *rows = analyse(b, &g, 90, 5, &nrows);
    CHECK(nrows == 2, "registry: %u rows", nrows);
    if (nrows == 2) {
        CHECK(graph_addr(&g, rows[0].example) == 0x60 && rows[0].count == 1, "registry: row 1 is 0x%llx",
              (unsigned long long)graph_addr(&g, rows[0].example));
        CHECK(rows[0].folded == 5 && rows[0].retained == 400 + 50 * 1000, "registry: folded %u, retained %llu",
              rows[0].folded, (unsigned long long)rows[0].retained);
        CHECK(rows[0].held[0].count == 50 && rows[0].held[0].type == 6 && rows[0].held[0].retained == 50000,
              "registry: holds %u of type %u", rows[0].held[0].count, rows[0].held[0].type);
        CHECK(graph_addr(&g, rows[1].example) == 0x70 && rows[1].retained == 300, "registry: row 2");
    }
    /* --fold 100: only whole chains fold (here every link passes less than all) */
    free(rows);
    uint32_t *via = NULL;
    uint64_t *shape = NULL;
    CHECK(graph_bfs_named(&g, &via, &shape, NULL) == GRAPH_OK, "bfs");
    CHECK(graph_points_find(&g, shape, 100, 3, &rows, &nrows) == GRAPH_OK, "points");
    CHECK(nrows == 3 && graph_addr(&g, rows[0].example) == 0x10, "fold 100: the module is row 1");
    free(rows);
    free(via);
    free(shape);
    graph_release(&g);
}

/* 40 garbage islands {exception -> payload}, alike: one row of 40, from a garbage start. */
static void garbage_group(void)
{
    graph_builder *b = graph_builder_new();
    graph_builder_block(b, 0x10, 10, 0, 0);
    graph_builder_root(b, 0x10, HS_ROOT_GLOBAL, HS_NONE, 0);
    for (uint32_t i = 0; i < 40; i++) {
        uint64_t e = 0x1000 + 32 * i, p = e + 16;
        graph_builder_block(b, e, 100, 1, 0);
        graph_builder_block(b, p, 10000, 2, 0);
        hs_ref r = {p, 0, HS_REF_STRONG, HS_LABEL_NONE}, back = {e, 0, HS_REF_STRONG, HS_LABEL_NONE};
        graph_builder_refs(b, e, &r, 1);
        graph_builder_refs(b, p, &back, 1); /* a cycle: no single entry */
    }
    graph g;
    uint32_t nrows;
    graph_point *rows = analyse(b, &g, 90, 3, &nrows);
    CHECK(nrows >= 1 && rows[0].count == 40 && rows[0].retained >= 40 * 10000, "garbage: row 1 has %u members",
          nrows ? rows[0].count : 0);
    free(rows);
    graph_release(&g);
}

/* A linked list of 1,000 nodes of 32 bytes: no node fans out and the
 * chain's end keeps little, so the head is the row, with all 32,000 bytes. */
static void linked_list(void)
{
    graph_builder *b = graph_builder_new();
    for (uint32_t i = 0; i < 1000; i++) {
        graph_builder_block(b, 0x1000 + 16 * i, 32, 0, 0);
        if (i) {
            hs_ref r = {0x1000 + 16 * i, 0, HS_REF_STRONG, HS_LABEL_NONE};
            graph_builder_refs(b, 0x1000 + 16 * (i - 1), &r, 1);
        }
    }
    graph_builder_root(b, 0x1000, HS_ROOT_GLOBAL, HS_NONE, 0);
    graph g;
    uint32_t nrows;
    graph_point *rows = analyse(b, &g, 90, 3, &nrows);
    CHECK(nrows >= 1 && graph_addr(&g, rows[0].example) == 0x1000 && rows[0].retained == 32000,
          "linked list: row 1 is 0x%llx with %llu bytes", nrows ? (unsigned long long)graph_addr(&g, rows[0].example) : 0,
          nrows ? (unsigned long long)rows[0].retained : 0);
    free(rows);
    graph_release(&g);
}

int main(int argc, char **argv)
{
    rng = argc > 1 ? strtoull(argv[1], NULL, 10) : 12345;
    if (!rng) rng = 1;
    int iters = argc > 2 ? atoi(argv[2]) : 3000;
    registry();
    garbage_group();
    linked_list();
    for (int i = 0; i < iters; i++) random_case(i);
    if (failures) {
        fprintf(stderr, "test_points: %d failures\n", failures);
        return 1;
    }
    printf("test_points: ok (%d random graphs)\n", iters);
    return 0;
}
