/* SPDX-License-Identifier: MIT */
/*
 * tests/v8/test_v8.c — checks of the V8 heap snapshot reader (analyze/v8_*.c)
 * against invariants that do not depend on V8's run-to-run noise.
 *   test_v8 gen FILE.heapsnapshot      a snapshot from tests/v8/gen_heap.js
 *   test_v8 expect FILE.heapsnapshot EXPECTED.tsv   retained sizes by V8 id
 * `gen` checks, with Chrome DevTools' rules (docs/v8.md#retaining-rules):
 * the per-class count and self-size totals equal the sums over the V8 nodes
 * of that class (after DevTools' shallow-size moves, which keep the total);
 * the root retains every byte and nothing is unreachable; the global cache
 * Map dominates every HsCacheItem and the class retains exactly the sum of
 * its instances; the ring's head dominates the ring and the class retains
 * what the head does; each HsWeakValue is dominated by its HsWeakKey, not by
 * the WeakMap; each HsWeakTarget has a weak edge from a WeakRef and no
 * WeakRef or holder dominates it. See docs/v8.md#tests.
 */
#include "graph.h"
#include "v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(c, ...)                                                                                         \
    do {                                                                                                       \
        if (!(c)) {                                                                                            \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                               \
            fprintf(stderr, __VA_ARGS__);                                                                      \
            fputc('\n', stderr);                                                                               \
            failures++;                                                                                        \
        }                                                                                                      \
    } while (0)

static const char *vstr(const v8_snapshot *s, uint32_t i) { return s->sbuf + s->soff[i]; }
static const char *vtype(const v8_snapshot *s, uint32_t n) { return s->node_types.v[s->ntype[n]]; }

/* The graph type name of block v ("object Foo"). */
static const char *gtype(const graph *g, uint32_t v)
{
    const hs_type *t = hs_reader_type(g->reader, g->type[v]);
    const char *name = t ? hs_reader_string(g->reader, t->name, NULL) : NULL;
    return name ? name : "?";
}

typedef struct by_addr {
    uint64_t addr;
    uint32_t v;
} by_addr;

static int cmp_addr(const void *a, const void *b)
{
    uint64_t x = ((const by_addr *)a)->addr, y = ((const by_addr *)b)->addr;
    return x < y ? -1 : x > y;
}

static uint32_t find(const by_addr *idx, uint32_t n, uint64_t addr)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (idx[mid].addr < addr) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && idx[lo].addr == addr ? idx[lo].v : GRAPH_NONE;
}

static bool dominated_by(const graph *g, uint32_t v, uint32_t d)
{
    for (uint32_t u = g->idom[v]; u != GRAPH_NONE && u < g->n; u = g->idom[u])
        if (u == d) return true;
    return false;
}

static int load(const char *path, v8_snapshot *s, graph *g, by_addr **idx)
{
    char err[V8_ERR_MAX];
    if (v8_read_file(path, s, err)) {
        fprintf(stderr, "FAIL: %s: %s\n", path, err);
        return -1;
    }
    graph_load_error gerr;
    if (graph_load_file(path, g, NULL, &gerr) || graph_dominators(g, NULL)) {
        fprintf(stderr, "FAIL: %s: %s\n", path, gerr.message);
        return -1;
    }
    *idx = malloc((size_t)g->n * sizeof **idx);
    for (uint32_t v = 0; v < g->n; v++) (*idx)[v] = (by_addr){graph_addr(g, v), v};
    qsort(*idx, g->n, sizeof **idx, cmp_addr);
    return 0;
}

static void check_class(const v8_snapshot *s, const graph *g, const char *vt, const char *name, uint64_t min_count)
{
    uint64_t vc = 0, vs = 0, gc = 0, gs = 0;
    for (uint32_t n = 0; n < s->node_count; n++)
        if (!strcmp(vtype(s, n), vt) && !strcmp(vstr(s, s->nname[n]), name)) vc++, vs += s->nsize[n];
    char full[256];
    snprintf(full, sizeof full, "%s %s", vt, name);
    for (uint32_t v = 0; v < g->n; v++)
        if (!strcmp(gtype(g, v), full)) gc++, gs += graph_size(g, v);
    CHECK(vc >= min_count, "%s: %llu nodes, expected at least %llu", full, (unsigned long long)vc, (unsigned long long)min_count);
    CHECK(vc == gc && vs == gs, "%s: V8 %llu nodes / %llu bytes, graph %llu / %llu", full, (unsigned long long)vc,
          (unsigned long long)vs, (unsigned long long)gc, (unsigned long long)gs);
}

/* The first node that holds a property `prop` pointing to an `object` named `name`. */
static uint32_t find_prop(const v8_snapshot *s, const uint64_t *first, const char *prop, const char *name)
{
    for (uint32_t n = 0; n < s->node_count; n++)
        for (uint64_t e = first[n]; e < first[n + 1]; e++)
            if (!v8_edge_is_index(s, (uint32_t)e) && !strcmp(vstr(s, s->ename[e]), prop) &&
                !strcmp(vtype(s, s->eto[e]), "object") && !strcmp(vstr(s, s->nname[s->eto[e]]), name))
                return s->eto[e];
    return GRAPH_NONE;
}

static int run_gen(const char *path)
{
    v8_snapshot s;
    graph g;
    by_addr *idx = NULL;
    if (load(path, &s, &g, &idx)) return 1;
    CHECK(g.n == s.node_count, "blocks %u, nodes %u", g.n, s.node_count);
    CHECK(g.nedges >= s.edge_count, "references %u, edges %u", g.nedges, s.edge_count);
    uint64_t total = 0;
    for (uint32_t n = 0; n < s.node_count; n++) total += s.nsize[n];
    CHECK(total == g.total_shallow, "total self %llu, graph %llu", (unsigned long long)total,
          (unsigned long long)g.total_shallow);
    /* DevTools' shallow sizes: moved to owners, the total unchanged */
    char kerr[V8_ERR_MAX];
    int src;
    uint64_t moved = v8_map_shallow(&s, kerr, &src);
    uint64_t total2 = 0;
    for (uint32_t n = 0; n < s.node_count; n++) total2 += s.nsize[n];
    CHECK(!src && moved > 0 && total2 == total, "shallow sizes: moved %llu, total %llu -> %llu", (unsigned long long)moved,
          (unsigned long long)total, (unsigned long long)total2);

    /* per class: count and self size, V8 side against the graph */
    check_class(&s, &g, "object", "HsCacheItem", 100);
    check_class(&s, &g, "object", "HsRingNode", 50);
    check_class(&s, &g, "object", "HsWeakKey", 10);
    check_class(&s, &g, "object", "HsWeakValue", 10);
    check_class(&s, &g, "object", "HsWeakTarget", 10);
    check_class(&s, &g, "object", "HsWeakRefHolder", 10);
    check_class(&s, &g, "object", "Map", 1);
    check_class(&s, &g, "closure", "hsClosure", 20);

    /* the root retains every byte (DevTools hangs weakly held nodes under it) */
    uint32_t root = find(idx, g.n, s.nid[0]);
    CHECK(root != GRAPH_NONE && g.retained[root] == total, "root retained %llu, total self %llu",
          (unsigned long long)(root != GRAPH_NONE ? g.retained[root] : 0), (unsigned long long)total);
    CHECK(g.retained[GRAPH_UNREACH(&g)] == 0 && g.unreach_count == 0, "%llu blocks unreachable",
          (unsigned long long)g.unreach_count);

    uint64_t *first = calloc((size_t)s.node_count + 1, sizeof *first);
    uint64_t *cls = calloc(g.ntypes + 1, sizeof *cls);
    if (!first || !cls || graph_type_retained(&g, cls)) {
        fprintf(stderr, "FAIL: out of memory\n");
        return 1;
    }
    for (uint32_t n = 0; n <= s.node_count; n++) first[n] = s.first[n];

    /* the cache: the Map named hsCache dominates each HsCacheItem; the class
     * retains exactly the sum of its instances (none holds another) */
    uint32_t mapn = find_prop(&s, first, "hsCache", "Map");
    uint32_t map = mapn == GRAPH_NONE ? GRAPH_NONE : find(idx, g.n, s.nid[mapn]);
    CHECK(map != GRAPH_NONE, "no Map reached by a property 'hsCache'");
    uint64_t items = 0, held = 0;
    uint32_t item_type = GRAPH_NONE;
    for (uint32_t v = 0; v < g.n && map != GRAPH_NONE; v++)
        if (!strcmp(gtype(&g, v), "object HsCacheItem")) {
            items++;
            held += g.retained[v];
            item_type = g.type[v];
            CHECK(dominated_by(&g, v, map), "HsCacheItem 0x%llx is not dominated by the cache Map",
                  (unsigned long long)graph_addr(&g, v));
        }
    CHECK(items == 100 && map != GRAPH_NONE && g.retained[map] >= held, "cache Map retains %llu < its %llu items' %llu",
          (unsigned long long)(map != GRAPH_NONE ? g.retained[map] : 0), (unsigned long long)items,
          (unsigned long long)held);
    CHECK(item_type != GRAPH_NONE && cls[item_type] == held, "class HsCacheItem retains %llu, its instances %llu",
          (unsigned long long)(item_type != GRAPH_NONE ? cls[item_type] : 0), (unsigned long long)held);

    /* the ring: its head (hsRingHead) dominates the other 49 and the class
     * retains what the head does */
    uint32_t headn = find_prop(&s, first, "hsRingHead", "HsRingNode");
    uint32_t head = headn == GRAPH_NONE ? GRAPH_NONE : find(idx, g.n, s.nid[headn]);
    CHECK(head != GRAPH_NONE, "no HsRingNode reached by a property 'hsRingHead'");
    uint64_t ring = 0;
    for (uint32_t v = 0; v < g.n && head != GRAPH_NONE; v++)
        if (v != head && !strcmp(gtype(&g, v), "object HsRingNode")) {
            ring++;
            CHECK(dominated_by(&g, v, head), "HsRingNode 0x%llx is not dominated by the ring's head",
                  (unsigned long long)graph_addr(&g, v));
        }
    CHECK(ring == 49 && cls[g.type[head]] == g.retained[head], "ring: %llu others, class retains %llu, head %llu",
          (unsigned long long)ring, (unsigned long long)cls[g.type[head]], (unsigned long long)g.retained[head]);

    /* the WeakMap rule: each HsWeakValue is held by its key's edge, not by the
     * table's: a HsWeakKey dominates it, the WeakMap does not */
    uint32_t wmn = find_prop(&s, first, "hsWeakMap", "WeakMap");
    uint32_t wm = wmn == GRAPH_NONE ? GRAPH_NONE : find(idx, g.n, s.nid[wmn]);
    CHECK(wm != GRAPH_NONE, "no WeakMap reached by a property 'hsWeakMap'");
    uint64_t values = 0;
    for (uint32_t v = 0; v < g.n; v++) {
        if (strcmp(gtype(&g, v), "object HsWeakValue")) continue;
        values++;
        uint32_t d = g.idom[v];
        CHECK(d < g.n && !strcmp(gtype(&g, d), "object HsWeakKey") && g.retained[d] >= g.retained[v] + graph_size(&g, d),
              "HsWeakValue 0x%llx: immediate dominator %s, not its HsWeakKey", (unsigned long long)graph_addr(&g, v),
              d < g.n ? gtype(&g, d) : "(none)");
        CHECK(!dominated_by(&g, v, wm), "HsWeakValue 0x%llx is dominated by the WeakMap", (unsigned long long)graph_addr(&g, v));
    }
    CHECK(values == 10, "%llu HsWeakValue, want 10", (unsigned long long)values);

    /* weak references: each HsWeakTarget has a weak edge from a WeakRef, and
     * no WeakRef or holder dominates it (V8 itself may keep a new WeakRef's
     * target alive until the current job ends: that array may) */
    uint64_t targets = 0, weak_in = 0;
    for (uint32_t n = 0; n < s.node_count; n++) {
        if (strcmp(vtype(&s, n), "object") || strcmp(vstr(&s, s.nname[n]), "WeakRef")) continue;
        for (uint64_t e = first[n]; e < first[n + 1]; e++)
            if (!strcmp(vstr(&s, s.nname[s.eto[e]]), "HsWeakTarget") &&
                s.edge_class[s.etype[e]] == V8_EDGE_WEAK)
                weak_in++;
    }
    for (uint32_t v = 0; v < g.n; v++) {
        if (strcmp(gtype(&g, v), "object HsWeakTarget")) continue;
        targets++;
        for (uint32_t u = g.idom[v]; u != GRAPH_NONE && u < g.n; u = g.idom[u]) {
            const char *t = gtype(&g, u);
            CHECK(strcmp(t, "object WeakRef") && strcmp(t, "object HsWeakRefHolder"),
                  "HsWeakTarget 0x%llx is dominated by %s 0x%llx", (unsigned long long)graph_addr(&g, v), t,
                  (unsigned long long)graph_addr(&g, u));
        }
    }
    CHECK(targets == 10 && weak_in == 10, "%llu HsWeakTarget, %llu weak edges to them from WeakRef (want 10, 10)",
          (unsigned long long)targets, (unsigned long long)weak_in);

    free(cls);
    free(first);
    free(idx);
    graph_release(&g);
    v8_snapshot_release(&s);
    return failures ? 1 : 0;
}

/* EXPECTED.tsv: "<V8 id>\t<retained bytes>" lines; '#' comments. */
static int run_expect(const char *path, const char *tsv)
{
    v8_snapshot s;
    graph g;
    by_addr *idx = NULL;
    if (load(path, &s, &g, &idx)) return 1;
    FILE *f = fopen(tsv, "r");
    if (!f) {
        fprintf(stderr, "FAIL: cannot open %s\n", tsv);
        return 1;
    }
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long id, want;
        if (line[0] == '#' || sscanf(line, "%llu %llu", &id, &want) != 2) continue;
        uint32_t v = find(idx, g.n, id);
        CHECK(v != GRAPH_NONE, "no node with id %llu", id);
        if (v != GRAPH_NONE)
            CHECK(g.retained[v] == want, "id %llu: retained %llu, expected %llu", id, (unsigned long long)g.retained[v], want);
        n++;
    }
    fclose(f);
    CHECK(n > 0, "no expectations in %s", tsv);
    printf("%d retained sizes checked\n", n);
    free(idx);
    graph_release(&g);
    v8_snapshot_release(&s);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "gen")) return run_gen(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "expect")) return run_expect(argv[2], argv[3]);
    fprintf(stderr, "usage: test_v8 gen FILE | test_v8 expect FILE EXPECTED.tsv\n");
    return 2;
}
