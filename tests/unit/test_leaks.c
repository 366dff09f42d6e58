/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_leaks.c — graph_leaks_find() (analyze/graph/graph_leaks.c)
 * against an oracle over plain edge lists: reachable = a fixpoint over start
 * references from the roots; possible = a fixpoint over all references,
 * minus those; then memcheck's clique pass as its source does it (its
 * result depends on the address order, so it is the definition). Random graphs of up to 12 blocks with
 * self-loops, multi-edges, weak references, interior labels and size-0
 * root holders; plus a ring, a subtree and an absorbed leader by hand.
 * Usage: test_leaks SEED GRAPHS. Registered in tests/native.cmake.
 */
#include "graph/graph.h"
#include "hs_test.h"

#include <stdlib.h>

#define INTERIOR 7u
#define MAXN 12

static uint64_t rng;
static uint32_t rnd(uint32_t n)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng >> 33) % n);
}

typedef struct edge { int from, to, interior, weak; } edge;
typedef struct spec {
    int n, nedges, nroots;
    uint64_t addr[MAXN], size[MAXN];
    edge e[64];
    int root[8];
} spec;

static int build(const spec *s, graph *g)
{
    graph_builder *b = graph_builder_new();
    if (!b) return -1;
    for (int i = 0; i < s->n; i++) graph_builder_block(b, s->addr[i], s->size[i], 0, 0);
    for (int i = 0; i < s->nedges; i++) {
        hs_ref r = {.to = s->addr[s->e[i].to], .kind = s->e[i].weak ? HS_REF_WEAK : HS_REF_STRONG,
                    .label_type = s->e[i].interior ? HS_LABEL_STRING : HS_LABEL_NONE,
                    .label = s->e[i].interior ? INTERIOR : 0};
        graph_builder_refs(b, s->addr[s->e[i].from], &r, 1);
    }
    for (int i = 0; i < s->nroots; i++) graph_builder_root(b, s->addr[s->root[i]], HS_ROOT_GLOBAL, HS_NONE, 0);
    graph_status st = graph_builder_finish(b, g);
    graph_builder_free(b);
    return st == GRAPH_OK ? 0 : -1;
}

/* The oracle, over spec indices. */
static void oracle(const spec *s, int *kind)
{
    int isroot[MAXN] = {0};
    for (int i = 0; i < s->nroots; i++) isroot[s->root[i]] = 1;
    for (int i = 0; i < s->n; i++) kind[i] = isroot[i] ? (s->size[i] == 0 ? GRAPH_LEAK_ROOT : GRAPH_LEAK_REACHABLE) : -1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < s->nedges; i++) {
            const edge *e = &s->e[i];
            if (e->weak || e->interior || kind[e->from] < 0 || kind[e->from] == GRAPH_LEAK_POSSIBLE) continue;
            if (kind[e->to] < 0) kind[e->to] = GRAPH_LEAK_REACHABLE, changed = 1;
        }
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < s->nedges; i++) {
            const edge *e = &s->e[i];
            if (e->weak || kind[e->from] < 0) continue;
            if (kind[e->to] < 0) kind[e->to] = GRAPH_LEAK_POSSIBLE, changed = 1;
        }
    }
    /* memcheck's clique pass, literally: blocks in address order; an
     * unclaimed one leads, and claims what it reaches through unclaimed
     * blocks (earlier leaders included), never through claimed ones */
    int order[MAXN], no = 0;
    for (int i = 0; i < s->n; i++)
        if (kind[i] < 0) order[no++] = i;
    for (int i = 1; i < no; i++)
        for (int j = i; j > 0 && s->addr[order[j]] < s->addr[order[j - 1]]; j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (int i = 0; i < no; i++) {
        int a = order[i];
        if (kind[a] >= 0) continue;
        kind[a] = GRAPH_LEAK_DEFINITE;
        int todo[MAXN * 64], nt = 0;
        todo[nt++] = a;
        while (nt) {
            int x = todo[--nt];
            for (int k = 0; k < s->nedges; k++) {
                const edge *e = &s->e[k];
                if (e->from != x || e->weak || e->to == a) continue;
                if (kind[e->to] >= 0 && kind[e->to] != GRAPH_LEAK_DEFINITE) continue;
                kind[e->to] = GRAPH_LEAK_INDIRECT;
                todo[nt++] = e->to;
            }
        }
    }
}

static void check_spec(const spec *s)
{
    graph g;
    graph_leaks l;
    CHECK(build(s, &g) == 0);
    CHECK(graph_leaks_find(&g, INTERIOR, &l) == GRAPH_OK);
    int want[MAXN];
    oracle(s, want);
    for (int i = 0; i < s->n; i++) {
        uint32_t v = graph_find(&g, s->addr[i]);
        if (l.kind[v] != want[i]) {
            fprintf(stderr, "block %d (0x%llx): kind %d, oracle %d (n=%d, edges=%d, roots=%d)\n", i,
                    (unsigned long long)s->addr[i], l.kind[v], want[i], s->n, s->nedges, s->nroots);
            hs_test_failed_checks++;
            break;
        }
        if (want[i] == GRAPH_LEAK_INDIRECT) { /* its owner is a definite block that reaches it */
            uint32_t o = graph_leak_owner(&l, v);
            CHECK(o != GRAPH_NONE && l.kind[o] == GRAPH_LEAK_DEFINITE);
        }
    }
    graph_leaks_release(&l);
    graph_release(&g);
}

static void random_graphs(int count)
{
    for (int k = 0; k < count; k++) {
        spec s = {0};
        s.n = 1 + (int)rnd(MAXN);
        for (int i = 0; i < s.n; i++) {
            s.addr[i] = 0x1000 + 0x100 * (uint64_t)i + rnd(16) * 0x10000; /* addresses not in index order */
            for (int j = 0; j < i; j++)
                if (s.addr[j] == s.addr[i]) s.addr[i] += 0x8;
            s.size[i] = rnd(4) ? 16 + rnd(100) : 0;
        }
        s.nedges = (int)rnd(3 * (uint32_t)s.n + 1);
        for (int i = 0; i < s.nedges; i++)
            s.e[i] = (edge){(int)rnd((uint32_t)s.n), (int)rnd((uint32_t)s.n), rnd(4) == 0, rnd(8) == 0};
        s.nroots = (int)rnd(4);
        for (int i = 0; i < s.nroots; i++) s.root[i] = (int)rnd((uint32_t)s.n);
        check_spec(&s);
    }
}

static void ring_subtree_and_interior(void)
{
    /* 0: a size-0 root holder; 1..3 an unreachable ring; 4 -> 5, 6 a lost subtree
     * whose root has the highest address; 7 held only through an interior
     * pointer, 8 through 7. */
    spec s = {.n = 9, .nroots = 1};
    uint64_t addr[9] = {0x10, 0x3000, 0x2000, 0x4000, 0x9000, 0x5000, 0x6000, 0x7000, 0x8000};
    for (int i = 0; i < 9; i++) s.addr[i] = addr[i], s.size[i] = i ? 32 : 0;
    edge e[] = {{1, 2, 0, 0}, {2, 3, 0, 0}, {3, 1, 0, 0}, {4, 5, 0, 0}, {4, 6, 0, 0}, {0, 7, 1, 0}, {7, 8, 0, 0}};
    s.nedges = (int)(sizeof e / sizeof e[0]);
    for (int i = 0; i < s.nedges; i++) s.e[i] = e[i];
    graph g;
    graph_leaks l;
    CHECK(build(&s, &g) == 0);
    CHECK(graph_leaks_find(&g, INTERIOR, &l) == GRAPH_OK);
    int want[9] = {GRAPH_LEAK_ROOT,     GRAPH_LEAK_INDIRECT, GRAPH_LEAK_DEFINITE, GRAPH_LEAK_INDIRECT, GRAPH_LEAK_DEFINITE,
                   GRAPH_LEAK_INDIRECT, GRAPH_LEAK_INDIRECT, GRAPH_LEAK_POSSIBLE, GRAPH_LEAK_POSSIBLE};
    for (int i = 0; i < 9; i++) CHECK_EQ_U64(l.kind[graph_find(&g, addr[i])], want[i]);
    /* the subtree's leaves were leaders first (lower addresses), then absorbed */
    CHECK_EQ_U64(graph_leak_owner(&l, graph_find(&g, 0x5000)), graph_find(&g, 0x9000));
    CHECK_EQ_U64(l.blocks[GRAPH_LEAK_DEFINITE], 2);
    CHECK_EQ_U64(l.bytes[GRAPH_LEAK_INDIRECT], 4 * 32);
    CHECK_EQ_U64(l.blocks[GRAPH_LEAK_POSSIBLE], 2);
    CHECK_EQ_U64(l.blocks[GRAPH_LEAK_REACHABLE], 0);
    graph_leaks_release(&l);
    graph_release(&g);
}

static int ngraphs;
static void random_run(void) { random_graphs(ngraphs); }

int main(int argc, char **argv)
{
    rng = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    ngraphs = argc > 2 ? atoi(argv[2]) : 2000;
    TEST_RUN(ring_subtree_and_interior);
    TEST_RUN(random_run);
    return test_summary();
}
