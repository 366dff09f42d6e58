/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_v8.c — checks of the V8 heap snapshot reader (analyze/v8_*.c)
 * against invariants that do not depend on V8's run-to-run noise.
 *   test_v8 gen FILE.heapsnapshot      a snapshot from tests/helpers/v8/gen_heap.js
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
 * Allocation sites (V8_READ_SITES, v8_map_sites):
 *   test_v8 sites TRACED LOCATED GEN_SITES_JS   tests/helpers/v8/gen_sites.js's heaps
 *   test_v8 sites_tiny FILE        the hand-computed sites of sites_tiny
 *   test_v8 sites_fixture FILE     the committed node 20 heap (locations only)
 *   test_v8 sites_bad BAD_DIR SCRATCH_DIR   malformed site sections
 * `sites` finds the expected lines by the generator's @site/@count markers
 * and checks, on every node, that its site is its trace path or else its
 * location's one frame (check_site_rules).
 */
#include "load/load.h"
#include "v8/v8_read.h"

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

/* The graph type name of block v (its DevTools class: "HsCacheItem"). */
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

/* V8 nodes of type vt named `name` (NULL: any name) against the graph's
 * blocks of type `cls` (their DevTools class): the same count and bytes. */
static void check_class(const v8_snapshot *s, const graph *g, const char *vt, const char *name, const char *cls,
                        uint64_t min_count)
{
    uint64_t vc = 0, vs = 0, gc = 0, gs = 0;
    for (uint32_t n = 0; n < s->node_count; n++)
        if (!strcmp(vtype(s, n), vt) && (!name || !strcmp(vstr(s, s->nname[n]), name))) vc++, vs += s->nsize[n];
    for (uint32_t v = 0; v < g->n; v++)
        if (!strcmp(gtype(g, v), cls)) gc++, gs += graph_size(g, v);
    CHECK(vc >= min_count, "%s: %llu nodes, expected at least %llu", cls, (unsigned long long)vc, (unsigned long long)min_count);
    CHECK(vc == gc && vs == gs, "%s: V8 %llu nodes / %llu bytes, graph %llu / %llu", cls, (unsigned long long)vc,
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
    check_class(&s, &g, "object", "HsCacheItem", "HsCacheItem", 100);
    check_class(&s, &g, "object", "HsRingNode", "HsRingNode", 50);
    check_class(&s, &g, "object", "HsWeakKey", "HsWeakKey", 10);
    check_class(&s, &g, "object", "HsWeakValue", "HsWeakValue", 10);
    check_class(&s, &g, "object", "HsWeakTarget", "HsWeakTarget", 10);
    check_class(&s, &g, "object", "HsWeakRefHolder", "HsWeakRefHolder", 10);
    check_class(&s, &g, "object", "Map", "Map", 1);
    check_class(&s, &g, "closure", NULL, "Function", 20); /* every function in one class, as DevTools */

    /* the root retains every byte (DevTools hangs weakly held nodes under it) */
    uint32_t root = find(idx, g.n, s.nid[0]);
    CHECK(root != GRAPH_NONE && graph_retained(&g, root) == total, "root retained %llu, total self %llu",
          (unsigned long long)(root != GRAPH_NONE ? graph_retained(&g, root) : 0), (unsigned long long)total);
    CHECK(graph_retained(&g, GRAPH_UNREACH(&g)) == 0 && g.unreach_count == 0, "%llu blocks unreachable",
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
        if (!strcmp(gtype(&g, v), "HsCacheItem")) {
            items++;
            held += graph_retained(&g, v);
            item_type = g.type[v];
            CHECK(dominated_by(&g, v, map), "HsCacheItem 0x%llx is not dominated by the cache Map",
                  (unsigned long long)graph_addr(&g, v));
        }
    CHECK(items == 100 && map != GRAPH_NONE && graph_retained(&g, map) >= held, "cache Map retains %llu < its %llu items' %llu",
          (unsigned long long)(map != GRAPH_NONE ? graph_retained(&g, map) : 0), (unsigned long long)items,
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
        if (v != head && !strcmp(gtype(&g, v), "HsRingNode")) {
            ring++;
            CHECK(dominated_by(&g, v, head), "HsRingNode 0x%llx is not dominated by the ring's head",
                  (unsigned long long)graph_addr(&g, v));
        }
    CHECK(ring == 49 && cls[g.type[head]] == graph_retained(&g, head), "ring: %llu others, class retains %llu, head %llu",
          (unsigned long long)ring, (unsigned long long)cls[g.type[head]], (unsigned long long)graph_retained(&g, head));

    /* the WeakMap rule: each HsWeakValue is held by its key's edge, not by the
     * table's: a HsWeakKey dominates it, the WeakMap does not */
    uint32_t wmn = find_prop(&s, first, "hsWeakMap", "WeakMap");
    uint32_t wm = wmn == GRAPH_NONE ? GRAPH_NONE : find(idx, g.n, s.nid[wmn]);
    CHECK(wm != GRAPH_NONE, "no WeakMap reached by a property 'hsWeakMap'");
    uint64_t values = 0;
    for (uint32_t v = 0; v < g.n; v++) {
        if (strcmp(gtype(&g, v), "HsWeakValue")) continue;
        values++;
        uint32_t d = g.idom[v];
        CHECK(d < g.n && !strcmp(gtype(&g, d), "HsWeakKey") && graph_retained(&g, d) >= graph_retained(&g, v) + graph_size(&g, d),
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
        if (strcmp(gtype(&g, v), "HsWeakTarget")) continue;
        targets++;
        for (uint32_t u = g.idom[v]; u != GRAPH_NONE && u < g.n; u = g.idom[u]) {
            const char *t = gtype(&g, u);
            CHECK(strcmp(t, "WeakRef") && strcmp(t, "HsWeakRefHolder"),
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
            CHECK(graph_retained(&g, v) == want, "id %llu: retained %llu, expected %llu", id, (unsigned long long)graph_retained(&g, v), want);
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

/* ---- allocation sites (V8_READ_SITES, v8_map_sites) ---- */

#define NO_SITE UINT32_MAX

static const char *fstr(const v8_snapshot *s, uint32_t i) { return i == HS_NONE ? "(none)" : vstr(s, i); }
static uint32_t name_or_none(const v8_snapshot *s, uint32_t i) { return vstr(s, i)[0] ? i : HS_NONE; }
static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && !strcmp(s + a - b, tail);
}

static uint32_t site_len(const v8_sites *x, uint32_t site) { return x->site_off[site + 1] - x->site_off[site]; }
static const v8_frame *site_frame(const v8_sites *x, uint32_t site, uint32_t k)
{
    return &x->frames[x->site_frames[x->site_off[site] + k]];
}

/* Read with V8_READ_SITES and map; 0 or -1 (reported). */
static int load_sites(const char *path, v8_snapshot *s, v8_sites *x)
{
    char err[V8_ERR_MAX];
    if (v8_read_file_ex(path, s, V8_READ_SITES, err)) {
        fprintf(stderr, "FAIL: %s: %s\n", path, err);
        return -1;
    }
    if (v8_map_sites(s, x, err)) {
        fprintf(stderr, "FAIL: %s: v8_map_sites: %s\n", path, err);
        v8_snapshot_release(s);
        return -1;
    }
    return 0;
}

/* What holds for any snapshot: the CSR is well formed; a node with a
 * non-empty trace path has exactly that path (function, file, line of each
 * trace node's function info, innermost first, the top-level node left out,
 * at most V8_MAX_SITE_FRAMES); any other node with a location has the
 * one-frame site (its name, line + 1) of its first location; the rest
 * none; traced_nodes / located_nodes count them. */
static void check_site_rules(const v8_snapshot *s, const v8_sites *x, const char *what)
{
    CHECK(!x->nsites || (x->site_off && x->site_off[0] == 0), "%s: site_off[0]", what);
    for (uint32_t i = 0; i < x->nsites; i++) {
        uint32_t len = site_len(x, i);
        CHECK(len >= 1 && len <= V8_MAX_SITE_FRAMES, "%s: site %u has %u frames", what, i, len);
        for (uint32_t k = 0; k < len; k++)
            if (x->site_frames[x->site_off[i] + k] >= x->nframes) {
                CHECK(0, "%s: site %u frame %u out of range", what, i, k);
                return;
            }
    }
    for (uint32_t f = 0; f < x->nframes; f++) {
        const v8_frame *fr = &x->frames[f];
        CHECK((fr->function == HS_NONE || fr->function < s->nstrings) && (fr->file == HS_NONE || fr->file < s->nstrings),
              "%s: frame %u names a string out of range", what, f);
    }
    uint32_t *first_loc = malloc(((size_t)s->node_count + 1) * sizeof *first_loc);
    if (!first_loc) return;
    memset(first_loc, 0xff, ((size_t)s->node_count + 1) * sizeof *first_loc);
    for (uint32_t l = s->nlocations; l-- > 0;) first_loc[s->locations[l].node] = l;
    uint64_t traced = 0, located = 0, truncated = 0, bad = 0;
    for (uint32_t n = 0; n < s->node_count && bad < 5; n++) {
        uint32_t site = x->node_site ? x->node_site[n] : NO_SITE;
        CHECK(site == NO_SITE || site < x->nsites, "%s: node %u: site %u out of range", what, n, site);
        if (site != NO_SITE && site >= x->nsites) return;
        uint32_t t = s->ntrace && s->ntrace[n] ? s->ntrace[n] - 1 : NO_SITE, depth = 0;
        for (uint32_t u = t; u != NO_SITE && s->trace_nodes[u].parent != NO_SITE; u = s->trace_nodes[u].parent) {
            const v8_trace_info *ti = &s->trace_infos[s->trace_nodes[u].info];
            if (depth == V8_MAX_SITE_FRAMES) {
                truncated++;
                break;
            }
            const v8_frame *fr = site != NO_SITE && depth < site_len(x, site) ? site_frame(x, site, depth) : NULL;
            if (!fr || fr->function != name_or_none(s, ti->name) || fr->line != ti->line ||
                (vstr(s, ti->script_name)[0] && fr->file != ti->script_name)) {
                CHECK(0, "%s: node %u: frame %u is not its trace path's (%s line %u)", what, n, depth,
                      vstr(s, ti->name), ti->line);
                bad++;
                break;
            }
            depth++;
        }
        if (depth) {
            traced++;
            CHECK(site_len(x, site) == depth, "%s: node %u: %u frames, trace path %u", what, n, site_len(x, site), depth);
        } else if (first_loc[n] != NO_SITE) {
            located++;
            const v8_location *loc = &s->locations[first_loc[n]];
            const v8_frame *fr = site != NO_SITE ? site_frame(x, site, 0) : NULL;
            if (!fr || site_len(x, site) != 1 || fr->function != name_or_none(s, s->nname[n]) || fr->line != loc->line + 1) {
                CHECK(0, "%s: node %u: not the one-frame site of its location (line %u)", what, n, loc->line + 1);
                bad++;
            }
        } else {
            CHECK(site == NO_SITE, "%s: node %u has site %u but neither trace path nor location", what, n, site);
        }
    }
    CHECK(traced == x->traced_nodes && located == x->located_nodes && truncated == x->truncated,
          "%s: traced %llu/%llu located %llu/%llu truncated %llu/%llu", what, (unsigned long long)traced,
          (unsigned long long)x->traced_nodes, (unsigned long long)located, (unsigned long long)x->located_nodes,
          (unsigned long long)truncated, (unsigned long long)x->truncated);
    CHECK(!!x->node_site == !!x->nsites, "%s: node_site %s with %u sites", what, x->node_site ? "set" : "NULL", x->nsites);
    free(first_loc);
}

/* gen_sites.js markers: the line of "@site:NAME", the N of "@count:NAME=N". */
static uint32_t marker(const char *src, const char *kind, const char *name)
{
    FILE *f = fopen(src, "r");
    if (!f) return 0;
    char line[1024], key[128];
    snprintf(key, sizeof key, "// @%s:%s", kind, name);
    uint32_t at = 0, val = 0;
    size_t kl = strlen(key);
    while (!val && fgets(line, sizeof line, f)) {
        at++;
        const char *p = strstr(line, key);
        if (!p) continue;
        char c = p[kl];
        if (!strcmp(kind, "site") && (c == '\n' || c == ' ' || c == 0)) val = at;
        if (!strcmp(kind, "count") && c == '=') val = (uint32_t)strtoul(p + kl + 1, NULL, 10);
    }
    fclose(f);
    CHECK(val, "no marker @%s:%s in %s", kind, name, src);
    return val;
}

/* Every node of V8 type `vt` named `name` has a site whose frame `k` is
 * (fn, a file ending in gen_sites.js, line); all share one site; returns
 * how many there are. */
static uint64_t check_named(const v8_snapshot *s, const v8_sites *x, const char *vt, const char *name, uint32_t k,
                            const char *fn, uint32_t line, const char *what)
{
    uint64_t count = 0;
    uint32_t one = NO_SITE;
    for (uint32_t n = 0; n < s->node_count; n++) {
        if (strcmp(vtype(s, n), vt) || strcmp(vstr(s, s->nname[n]), name)) continue;
        count++;
        uint32_t site = x->node_site ? x->node_site[n] : NO_SITE;
        if (site == NO_SITE || site_len(x, site) <= k) {
            CHECK(0, "%s: %s %s (node %u) has no site with %u frames", what, vt, name, n, k + 1);
            continue;
        }
        if (one == NO_SITE) one = site;
        CHECK(site == one, "%s: %s %s: sites %u and %u, not one", what, vt, name, one, site);
        const v8_frame *fr = site_frame(x, site, k);
        CHECK(fr->function != HS_NONE && !strcmp(vstr(s, fr->function), fn) && fr->file != HS_NONE &&
                  ends_with(vstr(s, fr->file), "gen_sites.js") && fr->line == line,
              "%s: %s %s: frame %u is %s %s:%u, want %s .../gen_sites.js:%u", what, vt, name, k, fstr(s, fr->function),
              fstr(s, fr->file), fr->line, fn, line);
    }
    return count;
}

/* tests/helpers/v8/gen_sites.js run with and without --track-heap-objects. */
static int run_sites(const char *traced_path, const char *located_path, const char *src)
{
    uint32_t l_a = marker(src, "site", "HsSiteA"), l_make = marker(src, "site", "makeA");
    uint32_t l_caller = marker(src, "site", "hsSiteCaller"), l_factory = marker(src, "site", "hsSiteFactory");
    uint32_t l_closure = marker(src, "site", "hsSiteClosure");
    uint32_t n_a = marker(src, "count", "HsSiteA"), n_closure = marker(src, "count", "hsSiteClosure");
    if (failures) return 1;
    v8_snapshot s;
    v8_sites x;
    char err[V8_ERR_MAX];

    /* flags 0 keeps nothing of the site sections */
    if (v8_read_file(traced_path, &s, err)) {
        fprintf(stderr, "FAIL: %s: %s\n", traced_path, err);
        return 1;
    }
    uint32_t plain_nodes = s.node_count;
    CHECK(!s.ntrace && !s.trace_infos && !s.trace_nodes && !s.locations && !s.ntrace_infos && !s.ntrace_nodes &&
              !s.nlocations,
          "v8_read_file kept allocation-site sections");
    v8_snapshot_release(&s);

    /* traced: each HsSiteA's path is makeA <- hsSiteCaller, each closure's hsSiteFactory */
    if (load_sites(traced_path, &s, &x)) return 1;
    CHECK(s.node_count == plain_nodes, "nodes %u with sites, %u without", s.node_count, plain_nodes);
    CHECK(s.ntrace && s.ntrace_nodes > 1 && s.ntrace_infos > 1 && s.nlocations > 0,
          "traced: trace ids %s, %u trace nodes, %u function infos, %u locations", s.ntrace ? "kept" : "none",
          s.ntrace_nodes, s.ntrace_infos, s.nlocations);
    check_site_rules(&s, &x, "traced");
    CHECK(x.traced_nodes > 1000 && x.truncated == 0, "traced: %llu traced nodes, %llu truncated",
          (unsigned long long)x.traced_nodes, (unsigned long long)x.truncated);
    uint64_t c = check_named(&s, &x, "object", "HsSiteA", 0, "makeA", l_make, "traced");
    CHECK(c == n_a, "traced: %llu HsSiteA, want %u", (unsigned long long)c, n_a);
    check_named(&s, &x, "object", "HsSiteA", 1, "hsSiteCaller", l_caller, "traced");
    c = check_named(&s, &x, "closure", "hsSiteClosure", 0, "hsSiteFactory", l_factory, "traced");
    CHECK(c == n_closure, "traced: %llu hsSiteClosure, want %u", (unsigned long long)c, n_closure);
    printf("traced: %u nodes, %u trace nodes, %u sites, %u frames, %llu traced, %llu located\n", s.node_count,
           s.ntrace_nodes, x.nsites, x.nframes, (unsigned long long)x.traced_nodes, (unsigned long long)x.located_nodes);
    v8_sites_release(&x);
    v8_snapshot_release(&s);

    /* located: no trace; instances at their constructor, closures where defined */
    if (load_sites(located_path, &s, &x)) return 1;
    CHECK(!s.ntrace && s.nlocations > 0, "located: trace ids %s, %u locations", s.ntrace ? "kept" : "none",
          s.nlocations);
    check_site_rules(&s, &x, "located");
    CHECK(x.traced_nodes == 0 && x.located_nodes > 1000 && x.nsites == x.nframes,
          "located: %llu traced, %llu located, %u sites, %u frames", (unsigned long long)x.traced_nodes,
          (unsigned long long)x.located_nodes, x.nsites, x.nframes);
    c = check_named(&s, &x, "object", "HsSiteA", 0, "HsSiteA", l_a, "located");
    CHECK(c == n_a, "located: %llu HsSiteA, want %u", (unsigned long long)c, n_a);
    c = check_named(&s, &x, "closure", "hsSiteClosure", 0, "hsSiteClosure", l_closure, "located");
    CHECK(c == n_closure, "located: %llu hsSiteClosure, want %u", (unsigned long long)c, n_closure);
    c = check_named(&s, &x, "closure", "makeA", 0, "makeA", l_make, "located");
    CHECK(c == 1, "located: %llu makeA closures, want 1", (unsigned long long)c);
    printf("located: %u nodes, %u locations, %u sites, %llu located\n", s.node_count, s.nlocations, x.nsites,
           (unsigned long long)x.located_nodes);
    v8_sites_release(&x);
    v8_snapshot_release(&s);
    return failures ? 1 : 0;
}

/* The target of node n's first edge named `name`, or NO_SITE. */
static uint32_t edge_named(const v8_snapshot *s, uint32_t n, const char *name)
{
    for (uint32_t e = s->first[n]; e < s->first[n + 1]; e++)
        if (!v8_edge_is_index(s, e) && !strcmp(vstr(s, s->ename[e]), name)) return s->eto[e];
    return NO_SITE;
}

/* The committed node 20 heap (no tracking): every located node gets a
 * one-frame site, and its file is the script name that this test finds on
 * its own through closures (shared -> script_or_debug_info -> code node),
 * which must name the scripts of at least 99% of the located nodes. */
static int run_sites_fixture(const char *path)
{
    v8_snapshot s;
    v8_sites x;
    if (load_sites(path, &s, &x)) return 1;
    check_site_rules(&s, &x, "fixture");
    enum { MAXS = 4096 };
    static uint32_t sid[MAXS], sname[MAXS];
    uint32_t nscripts = 0, closures = 0;
    for (uint32_t l = 0; l < s.nlocations; l++) {
        uint32_t n = s.locations[l].node;
        if (strcmp(vtype(&s, n), "closure")) continue;
        closures++;
        uint32_t sh = edge_named(&s, n, "shared");
        uint32_t sc = sh == NO_SITE ? NO_SITE : edge_named(&s, sh, "script_or_debug_info");
        if (sc == NO_SITE || strcmp(vtype(&s, sc), "code") || !vstr(&s, s.nname[sc])[0]) continue;
        uint32_t i = 0;
        while (i < nscripts && sid[i] != s.locations[l].script_id) i++;
        if (i == nscripts && nscripts < MAXS) sid[nscripts] = s.locations[l].script_id, sname[nscripts++] = s.nname[sc];
    }
    uint64_t located = 0, named = 0, util = 0;
    for (uint32_t l = 0; l < s.nlocations; l++) {
        uint32_t n = s.locations[l].node, site = x.node_site ? x.node_site[n] : NO_SITE;
        if (site == NO_SITE) continue;
        located++;
        uint32_t i = 0;
        while (i < nscripts && sid[i] != s.locations[l].script_id) i++;
        const v8_frame *fr = site_frame(&x, site, 0);
        if (i < nscripts) {
            named++;
            CHECK(fr->file != HS_NONE && !strcmp(vstr(&s, fr->file), vstr(&s, sname[i])),
                  "fixture: node %u: file %s, want %s", n, fstr(&s, fr->file), vstr(&s, sname[i]));
            util += fr->file != HS_NONE && !strcmp(vstr(&s, fr->file), "node:internal/util");
        } else {
            CHECK(fr->file == HS_NONE, "fixture: node %u: file %s for an unnamed script", n, fstr(&s, fr->file));
        }
    }
    CHECK(x.traced_nodes == 0 && x.located_nodes == located && located == s.nlocations,
          "fixture: %llu traced, %llu located, %u locations", (unsigned long long)x.traced_nodes,
          (unsigned long long)x.located_nodes, s.nlocations);
    CHECK(closures > 3000 && nscripts > 50 && named * 100 >= located * 99 && util > 0,
          "fixture: %u closures, %u scripts named, %llu of %llu located nodes with a script name, %llu in node:internal/util",
          closures, nscripts, (unsigned long long)named, (unsigned long long)located, (unsigned long long)util);
    printf("fixture: %u locations, %u closures, %u scripts, %llu/%llu nodes with a script name, %u sites\n",
           s.nlocations, closures, nscripts, (unsigned long long)named, (unsigned long long)located, x.nsites);
    v8_sites_release(&x);
    v8_snapshot_release(&s);
    return failures ? 1 : 0;
}

/* tests/data/v8/sites_tiny.heapsnapshot, by hand: permuted fields,
 * non-sequential trace ids, a node on the "(root)" trace node (falls back to
 * its location), a script named only through a closure, an anonymous
 * closure in an unknown script, a node given two locations (the first counts). */
static int run_sites_tiny(const char *path)
{
    v8_snapshot s;
    v8_sites x;
    FILE *f = fopen(path, "rb");
    char err[V8_ERR_MAX];
    if (!f || v8_read_stream_ex(f, &s, V8_READ_SITES, err) || v8_map_sites(&s, &x, err)) {
        fprintf(stderr, "FAIL: %s: %s\n", path, f ? err : "cannot open");
        return 1;
    }
    fclose(f);
    check_site_rules(&s, &x, "tiny");
    static const char *const want[11] = {
        NULL,
        "makeThing /app/a.js:3 < main /app/a.js:1",
        "makeThing /app/a.js:3 < main /app/a.js:1",
        "helper /app/b.js:10",
        NULL,
        NULL,
        "Thing /app/a.js:5",
        "Thing /app/a.js:5",
        "(none) (none):1",
        "helper /app/b.js:10 < makeThing /app/a.js:3 < main /app/a.js:1",
        "helper /app/b.js:10",
    };
    static const uint32_t want_site[11] = {NO_SITE, 0, 0, 1, NO_SITE, NO_SITE, 2, 2, 3, 4, 5};
    CHECK(s.node_count == 11 && x.node_site, "tiny: %u nodes", s.node_count);
    for (uint32_t n = 0; n < 11 && n < s.node_count && x.node_site; n++) {
        char got[512] = "";
        uint32_t site = x.node_site[n];
        for (uint32_t k = 0; site != NO_SITE && k < site_len(&x, site); k++) {
            const v8_frame *fr = site_frame(&x, site, k);
            size_t u = strlen(got);
            snprintf(got + u, sizeof got - u, "%s%s %s:%u", k ? " < " : "", fstr(&s, fr->function), fstr(&s, fr->file),
                     fr->line);
        }
        CHECK(site == want_site[n] && !strcmp(got, want[n] ? want[n] : ""), "tiny: node %u: site %u \"%s\", want %u \"%s\"",
              n, site, got, want_site[n], want[n] ? want[n] : "");
    }
    CHECK(x.nsites == 6 && x.nframes == 5 && x.traced_nodes == 4 && x.located_nodes == 4 && x.truncated == 0,
          "tiny: %u sites, %u frames, %llu traced, %llu located, %llu truncated", x.nsites, x.nframes,
          (unsigned long long)x.traced_nodes, (unsigned long long)x.located_nodes, (unsigned long long)x.truncated);
    CHECK(x.node_site && x.site_frames[x.site_off[x.node_site[3]]] == x.site_frames[x.site_off[x.node_site[9]]],
          "tiny: the closure's location frame and the trace frame of the same function are not one frame");
    v8_sites_release(&x);
    v8_snapshot_release(&s);
    v8_sites_release(&x); /* a zeroed struct is fine */
    return failures ? 1 : 0;
}

/* A snapshot with a trace_tree chain `depth` deep below "(root)" (trace
 * node ids 1..depth+1, the deepest's function info line = depth when
 * distinct_lines); node 1 is allocated at the deepest, node 2 at depth 10. */
static int write_chain(const char *path, uint32_t depth, bool distinct_lines)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    uint32_t ninfos = distinct_lines ? depth + 1 : 2;
    fprintf(f, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\"],"
               "\"node_types\":[[\"synthetic\",\"object\"],\"string\",\"number\",\"number\",\"number\",\"number\"],"
               "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[[\"element\"],\"string_or_number\",\"node\"],"
               "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],"
               "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"]},"
               "\"node_count\":3,\"edge_count\":2},\n"
               "\"nodes\":[0,0,1,0,2,0,1,1,3,8,0,%u,1,1,5,8,0,%u],\n\"edges\":[0,0,6,0,1,12],\n\"trace_function_infos\":[",
            depth + 1, depth >= 10 ? 11u : depth + 1);
    for (uint32_t i = 0; i < ninfos; i++) fprintf(f, "%s%u,1,2,7,%u,1", i ? "," : "", i, i);
    fprintf(f, "],\n\"trace_tree\":[");
    for (uint32_t d = 0; d <= depth; d++) fprintf(f, "%u,%u,1,8,[", d + 1, distinct_lines ? d : (d ? 1u : 0u));
    for (uint32_t d = 0; d <= depth; d++) fputc(']', f);
    fprintf(f, "],\n\"strings\":[\"\",\"f\",\"/chain.js\"]}\n");
    return fclose(f);
}

/* A trace_tree chain `depth` deep and `nodes` nodes (after the root), node
 * i allocated at trace node id depth + 1 - i: many deep, distinct paths. */
static int write_fan(const char *path, uint32_t depth, uint32_t nodes)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\"],"
               "\"node_types\":[[\"synthetic\",\"object\"],\"string\",\"number\",\"number\",\"number\",\"number\"],"
               "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],\"edge_types\":[[\"element\"],\"string_or_number\",\"node\"],"
               "\"trace_function_info_fields\":[\"function_id\",\"name\",\"script_name\",\"script_id\",\"line\",\"column\"],"
               "\"trace_node_fields\":[\"id\",\"function_info_index\",\"count\",\"size\",\"children\"]},"
               "\"node_count\":%u,\"edge_count\":0},\n\"nodes\":[0,0,1,0,0,0",
            nodes + 1);
    for (uint32_t i = 1; i <= nodes; i++) fprintf(f, ",1,1,%u,8,0,%u", 2 * i + 1, depth + 1 - (i - 1) % depth);
    fprintf(f, "],\n\"edges\":[],\n\"trace_function_infos\":[0,1,2,7,0,0,1,1,2,7,1,1],\n\"trace_tree\":[");
    for (uint32_t d = 0; d <= depth; d++) fprintf(f, "%u,%u,1,8,[", d + 1, d ? 1u : 0u);
    for (uint32_t d = 0; d <= depth; d++) fputc(']', f);
    fprintf(f, "],\n\"strings\":[\"\",\"f\",\"/fan.js\"]}\n");
    return fclose(f);
}

/* tests/data/v8/bad/sites_*: each reads without V8_READ_SITES and fails
 * with it, with this one-line message (which names the byte offset); then
 * generated chains: a path of 5000 frames is cut to its innermost 4096, the
 * sites' frames stay within their budget, the deepest nesting allowed
 * reads, one more level does not. */
static int run_sites_bad(const char *dir, const char *scratch)
{
    static const struct {
        const char *file, *msg;
    } cases[] = {
        {"sites_trace_record_short", "trace_tree: trace node 4 has 4 of the 5 trace_node_fields at byte 1122"},
        {"sites_children_not_array", "trace_tree: trace node 3: 'children' is not an array at byte 1089"},
        {"sites_trace_id_missing", "node 10: trace_node_id 41 is not in trace_tree (nodes start at byte 770) at byte 1346"},
        {"sites_trace_id_twice", "trace_tree: trace node id 30 appears twice (trace_tree starts at byte 1074) at byte 1346"},
        {"sites_info_out_of_range",
         "trace node 3 (id 30): function_info_index 9 is out of range (4 function infos; trace_tree starts at byte 1074)"},
        {"sites_location_out_of_range", "location 0: object_index 66 is out of range (11 nodes) at byte 1164"},
        {"sites_location_not_multiple", "location 0: object_index 19 is not a multiple of the node field count 6 at byte 1164"},
    };
    char path[4096], err[V8_ERR_MAX];
    v8_snapshot s;
    v8_sites x;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s.heapsnapshot", dir, cases[i].file);
        int rc = v8_read_file(path, &s, err);
        CHECK(!rc, "%s: without sites: %s", cases[i].file, err);
        if (!rc) v8_snapshot_release(&s);
        rc = v8_read_file_ex(path, &s, V8_READ_SITES, err);
        CHECK(rc && strstr(err, cases[i].msg) && !strchr(err, '\n'), "%s: \"%s\", want \"%s\"", cases[i].file,
              rc ? err : "(read)", cases[i].msg);
        if (!rc) v8_snapshot_release(&s);
        CHECK(!s.node_count && !s.ntrace && !s.locations, "%s: snapshot not released after the error", cases[i].file);
    }

    snprintf(path, sizeof path, "%s/sites_chain5000.heapsnapshot", scratch);
    if (write_chain(path, 5000, true) || load_sites(path, &s, &x)) {
        CHECK(0, "chain of 5000: could not write or read %s", path);
    } else {
        check_site_rules(&s, &x, "chain5000");
        uint32_t s1 = x.node_site ? x.node_site[1] : NO_SITE, s2 = x.node_site ? x.node_site[2] : NO_SITE;
        CHECK(s1 != NO_SITE && site_len(&x, s1) == V8_MAX_SITE_FRAMES && site_frame(&x, s1, 0)->line == 5000 &&
                  site_frame(&x, s1, V8_MAX_SITE_FRAMES - 1)->line == 5000 - V8_MAX_SITE_FRAMES + 1 && x.truncated == 1,
              "chain5000: the deepest node's site is not its innermost %u frames (truncated %llu)", V8_MAX_SITE_FRAMES,
              (unsigned long long)x.truncated);
        CHECK(s2 != NO_SITE && site_len(&x, s2) == 10 && site_frame(&x, s2, 0)->line == 10 &&
                  site_frame(&x, s2, 9)->line == 1,
              "chain5000: the node at depth 10 has not 10 frames");
        v8_sites_release(&x);
        v8_snapshot_release(&s);
    }
    /* the frame budget: 50 paths about 1000 deep fit in 64 frames per trace
     * node, 200 do not */
    snprintf(path, sizeof path, "%s/sites_fan.heapsnapshot", scratch);
    if (write_fan(path, 1000, 50) || load_sites(path, &s, &x)) {
        CHECK(0, "a fan of 50 paths: could not write or map %s", path);
    } else {
        CHECK(x.nsites == 50 && x.traced_nodes == 50, "fan of 50: %u sites, %llu traced", x.nsites,
              (unsigned long long)x.traced_nodes);
        v8_sites_release(&x);
        v8_snapshot_release(&s);
    }
    if (write_fan(path, 1000, 200) || v8_read_file_ex(path, &s, V8_READ_SITES, err)) {
        CHECK(0, "a fan of 200 paths: could not write or read %s", path);
    } else {
        int mrc = v8_map_sites(&s, &x, err);
        CHECK(mrc && strstr(err, "more than 64 frames per trace node") && !strchr(err, '\n'),
              "fan of 200: \"%s\", want the frame budget's error", mrc ? err : "(mapped)");
        if (!mrc) v8_sites_release(&x);
        v8_snapshot_release(&s);
    }
    /* nesting: the top array, then one children array per trace node */
    uint32_t deepest = V8_MAX_TRACE_DEPTH - 2;
    snprintf(path, sizeof path, "%s/sites_deepest.heapsnapshot", scratch);
    if (write_chain(path, deepest, false) || load_sites(path, &s, &x)) {
        CHECK(0, "a chain of %u (nesting %u): could not write or read", deepest, V8_MAX_TRACE_DEPTH);
    } else {
        CHECK(s.ntrace_nodes == deepest + 1 && x.truncated == 1, "deepest: %u trace nodes, %llu truncated",
              s.ntrace_nodes, (unsigned long long)x.truncated);
        v8_sites_release(&x);
        v8_snapshot_release(&s);
    }
    snprintf(path, sizeof path, "%s/sites_too_deep.heapsnapshot", scratch);
    CHECK(!write_chain(path, deepest + 1, false), "cannot write %s", path);
    int rc = v8_read_file(path, &s, err);
    CHECK(!rc, "too deep, without sites: %s", err);
    if (!rc) v8_snapshot_release(&s);
    char want[128];
    snprintf(want, sizeof want, "trace_tree nested deeper than %u levels at byte ", V8_MAX_TRACE_DEPTH);
    rc = v8_read_file_ex(path, &s, V8_READ_SITES, err);
    CHECK(rc && strstr(err, want), "too deep: \"%s\", want \"%s\"", rc ? err : "(read)", want);
    if (!rc) v8_snapshot_release(&s);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "gen")) return run_gen(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "expect")) return run_expect(argv[2], argv[3]);
    if (argc == 5 && !strcmp(argv[1], "sites")) return run_sites(argv[2], argv[3], argv[4]);
    if (argc == 3 && !strcmp(argv[1], "sites_tiny")) return run_sites_tiny(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "sites_fixture")) return run_sites_fixture(argv[2]);
    if (argc == 4 && !strcmp(argv[1], "sites_bad")) return run_sites_bad(argv[2], argv[3]);
    fprintf(stderr, "usage: test_v8 gen FILE | test_v8 expect FILE EXPECTED.tsv | test_v8 sites TRACED LOCATED GEN_SITES_JS\n"
                    "       test_v8 sites_tiny FILE | test_v8 sites_fixture FILE | test_v8 sites_bad BAD_DIR SCRATCH_DIR\n");
    return 2;
}
