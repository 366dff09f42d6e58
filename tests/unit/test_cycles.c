/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_cycles.c — the cycle listing (analyze/graph/graph_cycle_list.c,
 * graph_cycle_kinds.c): what a cycle keeps alive (against its definition
 * and by hand: payloads, live data it points into, two ways in), grouping
 * of structurally identical cycles (member order, labels and sizes do not
 * matter; another internal shape, state or label type does), and the
 * interpreter's cycles (module ↔ globals ↔ functions, class ↔ __mro__,
 * closure cells) hidden while a stored exception tied to them through a
 * function, a data cycle holding a function, a closure over a large list
 * and a garbage class holding a large payload stay listed. Each case writes a snapshot with the C
 * writer and loads it, so type names and labels are real.
 * Usage: test_cycles DIR (a scratch directory). See docs/cli.md#cycles.
 */
#include "heapsnap.h"
#include "load/load.h"
#include "hs_test.h"

#include <stdlib.h>

static const char *dir;
static hs_writer *w;
static char path[1024];
static struct { const char *name; uint32_t id; } tys[32];
static int ntys;

static void open_snap(const char *name)
{
    snprintf(path, sizeof path, "%s/%s.hsnap", dir, name);
    hs_writer_options o = {.runtime = "test", .no_fsync = 1};
    ntys = 0;
    if (hs_writer_open(path, &o, &w, NULL)) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* A block of type "module.Name" (split at the last dot). */
static void blk(uint64_t a, uint64_t size, const char *type, uint32_t flags)
{
    int i;
    for (i = 0; i < ntys && strcmp(tys[i].name, type); i++) {}
    if (i == ntys) {
        char mod[128];
        const char *dot = strrchr(type, '.');
        snprintf(mod, sizeof mod, "%.*s", dot ? (int)(dot - type) : 0, type);
        CHECK(hs_writer_add_type(w, dot ? dot + 1 : type, dot ? mod : NULL, 0, &tys[i].id) == HS_OK);
        tys[i].name = type;
        ntys++;
    }
    CHECK(hs_writer_add_block(w, a, size, tys[i].id, flags, HS_NONE) == HS_OK);
}

static void ref(uint64_t from, uint64_t to, const char *label) { CHECK(hs_writer_add_ref(w, from, to, HS_REF_STRONG, label) == HS_OK); }
static void ref_i(uint64_t from, uint64_t to, uint64_t i) { CHECK(hs_writer_add_ref_index(w, from, to, HS_REF_STRONG, i) == HS_OK); }
static void root(uint64_t a) { CHECK(hs_writer_add_root(w, a, HS_ROOT_GLOBAL, "r", 0) == HS_OK); }

static void load(graph *g, graph_cycle_list *l)
{
    CHECK(hs_writer_close(w, NULL) == HS_OK);
    graph_load_error err;
    if (graph_load_file(path, g, NULL, &err) || graph_dominators(g, NULL) || graph_cycles_find(g, l, NULL)) {
        fprintf(stderr, "cannot load %s\n", path);
        exit(1);
    }
}

/* The cycle holding address a, or NULL. */
static const graph_cycle *cycle_of(graph *g, const graph_cycle_list *l, uint64_t a)
{
    uint32_t v = graph_find(g, a);
    for (uint32_t i = 0; v != GRAPH_NONE && i < l->n; i++)
        if (l->comp[v] == l->v[i].comp) return &l->v[i];
    return NULL;
}

static const graph_cycle_group *group_of(const graph_cycle_list *l, const graph_cycle *c)
{
    uint32_t i = (uint32_t)(c - l->v);
    for (uint32_t k = 0; k < l->ngroups; k++)
        if (i >= l->grp[k].start && i < l->grp[k].start + l->grp[k].count) return &l->grp[k];
    return NULL;
}

/* What every list must satisfy: kept is its definition, the cycles
 * partition their members, groups cover the cycles in rank order. */
static void check_invariants(graph *g, const graph_cycle_list *l)
{
    uint64_t blocks = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        const graph_cycle *c = &l->v[i];
        uint64_t kept = 0, bytes = 0;
        uint32_t members = 0;
        for (uint32_t v = 0; v < g->n; v++) {
            if (l->comp[v] != c->comp) continue;
            members++, bytes += graph_size(g, v);
            uint32_t d = g->idom[v];
            if (d >= g->n || l->comp[d] != c->comp) kept += graph_retained(g, v);
        }
        CHECK_EQ_U64(members, c->members);
        CHECK_EQ_U64(bytes, c->bytes);
        CHECK_EQ_U64(kept, c->kept);
        CHECK(c->kept >= c->bytes || c->reachable); /* a garbage cycle's entries dominate all of it */
        blocks += members;
        for (uint32_t k = i + 1; k < l->n; k++) CHECK(l->v[k].comp != c->comp);
    }
    CHECK_EQ_U64(blocks, l->blocks);
    uint32_t next = 0;
    for (uint32_t k = 0; k < l->ngroups; k++) {
        const graph_cycle_group *gr = &l->grp[k];
        CHECK_EQ_U64(gr->start, next);
        next += gr->count;
        uint64_t kept = 0;
        for (uint32_t i = gr->start; i < gr->start + gr->count; i++) {
            kept += l->v[i].kept;
            CHECK(l->v[i].key == l->v[gr->start].key && l->v[i].reachable == gr->reachable);
            if (i > gr->start) CHECK(l->v[i].kept <= l->v[i - 1].kept);
        }
        CHECK_EQ_U64(kept, gr->kept);
        if (k) { /* garbage first, then most kept */
            const graph_cycle_group *p = &l->grp[k - 1];
            CHECK((!p->reachable && gr->reachable) || (p->reachable == gr->reachable && p->kept >= gr->kept));
        }
    }
    CHECK_EQ_U64(next, l->n);
}

static void test_kept_alive(void)
{
    open_snap("kept");
    /* garbage A <-> B; A holds a 100000-byte payload, B points into live data L */
    blk(0x100, 50, "app.Node", HS_BLOCK_FINALIZER);
    blk(0x110, 60, "app.Node", 0);
    blk(0x120, 100000, "builtins.bytearray", 0);
    ref(0x100, 0x110, "next"), ref(0x110, 0x100, "next"), ref(0x100, 0x120, "payload");
    blk(0x200, 70, "builtins.list", 0);
    root(0x200);
    ref(0x110, 0x200, "live");
    /* reachable, one way in: R -> C1 <-> C2 -> buffer */
    blk(0x300, 10, "app.Holder", 0);
    blk(0x310, 20, "app.Node", 0);
    blk(0x320, 30, "app.Node", 0);
    blk(0x330, 5000, "builtins.bytes", 0);
    root(0x300);
    ref(0x300, 0x310, "n"), ref(0x310, 0x320, "next"), ref(0x320, 0x310, "next"), ref(0x320, 0x330, "buf");
    /* two ways in: roots hold D1 and D2, D1 <-> D2, both hold S: S is kept by the pair, not by either */
    blk(0x400, 40, "app.Edge", 0);
    blk(0x410, 40, "app.Edge", 0);
    blk(0x420, 3000, "builtins.bytes", 0);
    root(0x400), root(0x410);
    ref(0x400, 0x410, "o"), ref(0x410, 0x400, "o"), ref(0x400, 0x420, "s"), ref(0x410, 0x420, "s");
    graph g;
    graph_cycle_list l;
    load(&g, &l);
    check_invariants(&g, &l);
    const graph_cycle *a = cycle_of(&g, &l, 0x100), *c = cycle_of(&g, &l, 0x310), *d = cycle_of(&g, &l, 0x400);
    CHECK(a && c && d && l.n == 3);
    if (!a || !c || !d) return;
    CHECK(!a->reachable && a->finalizer);
    CHECK_EQ_U64(a->bytes, 110);
    CHECK_EQ_U64(a->kept, 110 + 100000); /* the payload, not the live list */
    CHECK_EQ_U64(c->kept, 20 + 30 + 5000);
    CHECK_EQ_U64(d->kept, 80); /* a lower bound: S (3000) needs both members gone */
    /* rank: garbage first, then kept */
    CHECK(l.ngroups == 3 && l.v[l.grp[0].start].comp == a->comp && l.v[l.grp[1].start].comp == c->comp);
    graph_cycle_list_release(&l);
    graph_release(&g);
}

/* One {dict, c_char_Array} cycle as ctypes.cast() makes it: the array's
 * _objects dict holds the array under an int key. */
static void ctypes_cycle(uint64_t a, uint64_t arr_size, bool reversed, uint64_t holder)
{
    if (reversed) blk(a + 8, 224, "builtins.dict", 0), blk(a, arr_size, "ctypes.c_char_Array_65536", 0);
    else blk(a, arr_size, "ctypes.c_char_Array_65536", 0), blk(a + 8, 224, "builtins.dict", 0);
    char key[32];
    snprintf(key, sizeof key, "%llu", (unsigned long long)a);
    ref(a, a + 8, "_objects"), ref(a + 8, a, key);
    ref(holder, a + 8, "_objects");
}

static void test_grouping(void)
{
    open_snap("group");
    blk(0x10, 100, "builtins.list", 0);
    root(0x10);
    for (uint64_t i = 0; i < 5; i++) { /* five identical cycles: sizes, labels and declaration order differ */
        uint64_t p = 0x1000 + i * 0x100;
        blk(p, 80, "ctypes.LP_c_char", 0);
        ref_i(0x10, p, i);
        ctypes_cycle(p + 0x10, 136 + i, i % 2, p);
    }
    /* the same types, another shape: the dict holds the array twice, once by index */
    blk(0x2000, 80, "ctypes.LP_c_char", 0);
    ref_i(0x10, 0x2000, 9);
    ctypes_cycle(0x2010, 136, false, 0x2000);
    ref_i(0x2018, 0x2010, 1);
    /* the same shape as the five, but garbage */
    blk(0x3000, 80, "ctypes.LP_c_char", 0);
    ctypes_cycle(0x3010, 136, false, 0x3000);
    graph g;
    graph_cycle_list l;
    load(&g, &l);
    check_invariants(&g, &l);
    CHECK_EQ_U64(l.n, 7);
    CHECK_EQ_U64(l.ngroups, 3);
    const graph_cycle *f = cycle_of(&g, &l, 0x1010), *o = cycle_of(&g, &l, 0x2010), *gb = cycle_of(&g, &l, 0x3010);
    CHECK(f && o && gb);
    if (!f || !o || !gb) return;
    const graph_cycle_group *gf = group_of(&l, f), *go = group_of(&l, o), *gg = group_of(&l, gb);
    CHECK(gf && go && gg && gf != go && gf != gg && go != gg);
    if (!gf || !go || !gg) return;
    CHECK_EQ_U64(gf->count, 5);
    CHECK_EQ_U64(gf->members, 10);
    CHECK_EQ_U64(gf->kept, 5 * (136 + 224) + 0 + 1 + 2 + 3 + 4);
    for (uint64_t i = 0; i < 5; i++) CHECK(group_of(&l, cycle_of(&g, &l, 0x1010 + i * 0x100)) == gf);
    CHECK(gg == &l.grp[0] && gf == &l.grp[1]); /* garbage first, then the group keeping the most */
    /* the example is the cycle keeping the most (the last one: 136 + 4 bytes) */
    CHECK(l.v[gf->start].first == graph_find(&g, 0x1410));
    graph_cycle_list_release(&l);
    graph_release(&g);
}

static void test_hiding(void)
{
    open_snap("hide");
    /* module M, its globals D, a function F (F.__globals__ = D), D holds F and `errors` */
    blk(0x100, 72, "builtins.module", 0);
    blk(0x110, 1200, "builtins.dict", 0);
    blk(0x120, 160, "builtins.function", 0);
    blk(0x130, 56, "builtins.list", 0);
    root(0x100);
    ref(0x100, 0x110, "__dict__"), ref(0x110, 0x120, "fail"), ref(0x120, 0x110, "__globals__");
    ref(0x110, 0x130, "errors");
    /* a class K: K.__mro__ = (K, object), K.__dict__ holds a method whose globals are D; instance I -> K */
    blk(0x200, 900, "builtins.type", 0);
    blk(0x210, 56, "builtins.tuple", 0);
    blk(0x220, 600, "builtins.dict", 0);
    blk(0x230, 160, "builtins.function", 0);
    ref(0x110, 0x200, "K"), ref(0x200, 0x210, "__mro__"), ref_i(0x210, 0x200, 0), ref(0x200, 0x220, "__dict__");
    ref(0x220, 0x230, "run"), ref(0x230, 0x110, "__globals__");
    /* a stored exception: errors[0] = E; E -> traceback -> frame -> (its function F, local `exc` = E, `big`) */
    blk(0x300, 88, "builtins.ValueError", 0);
    blk(0x310, 56, "builtins.traceback", 0);
    blk(0x320, 200, "builtins.frame", 0);
    blk(0x330, 100000, "builtins.list", 0);
    ref_i(0x130, 0x300, 0), ref(0x300, 0x310, "__traceback__"), ref(0x310, 0x320, "tb_frame");
    ref(0x320, 0x120, "f_func"), ref(0x320, 0x300, "exc"), ref(0x320, 0x330, "big");
    ref(0x300, 0x200, "__class__"); /* exceptions point at their class too */
    /* a closure calling itself: G -> __closure__ tuple -> cell -> G (interpreter kinds only) */
    blk(0x400, 160, "builtins.function", 0);
    blk(0x410, 48, "builtins.tuple", 0);
    blk(0x420, 40, "builtins.cell", 0);
    ref(0x110, 0x400, "walk"), ref(0x400, 0x410, "__closure__"), ref_i(0x410, 0x420, 0), ref(0x420, 0x400, "cell_contents");
    ref(0x400, 0x110, "__globals__");
    /* the same closure over a 100000-byte list as well: listed for what it keeps alive */
    blk(0x480, 160, "builtins.function", 0);
    blk(0x490, 56, "builtins.tuple", 0);
    blk(0x4a0, 40, "builtins.cell", 0);
    blk(0x4b0, 40, "builtins.cell", 0);
    blk(0x4c0, 100000, "builtins.list", 0);
    ref(0x110, 0x480, "walk_big"), ref(0x480, 0x490, "__closure__"), ref_i(0x490, 0x4a0, 0), ref_i(0x490, 0x4b0, 1);
    ref(0x4a0, 0x480, "cell_contents"), ref(0x4b0, 0x4c0, "cell_contents"), ref(0x480, 0x110, "__globals__");
    /* data holding a function: obj.cb = a closure over obj (obj -> H -> tuple -> cell -> obj) */
    blk(0x500, 48, "app.Widget", 0);
    blk(0x510, 160, "builtins.function", 0);
    blk(0x520, 48, "builtins.tuple", 0);
    blk(0x530, 40, "builtins.cell", 0);
    ref(0x110, 0x500, "w"), ref(0x500, 0x510, "cb"), ref(0x510, 0x520, "__closure__"), ref_i(0x520, 0x530, 0);
    ref(0x530, 0x500, "cell_contents"), ref(0x510, 0x110, "__globals__"), ref(0x500, 0x200, "__class__");
    /* garbage classes: one whose attribute holds 200000 bytes, one holding little */
    blk(0x600, 900, "builtins.type", 0);
    blk(0x610, 56, "builtins.tuple", 0);
    blk(0x620, 600, "builtins.dict", 0);
    blk(0x630, 200000, "builtins.bytes", 0);
    ref(0x600, 0x610, "__mro__"), ref_i(0x610, 0x600, 0), ref(0x600, 0x620, "__dict__"), ref(0x620, 0x630, "blob");
    blk(0x700, 900, "builtins.type", 0);
    blk(0x710, 56, "builtins.tuple", 0);
    blk(0x720, 600, "builtins.dict", 0);
    blk(0x730, 300, "builtins.str", 0);
    ref(0x700, 0x710, "__mro__"), ref_i(0x710, 0x700, 0), ref(0x700, 0x720, "__dict__"), ref(0x720, 0x730, "__doc__");
    graph g;
    graph_cycle_list l;
    load(&g, &l);
    check_invariants(&g, &l);
    uint8_t *kind;
    CHECK(graph_cycle_kinds(&g, &kind) == GRAPH_OK);
    CHECK(kind[graph_find(&g, 0x100)] == GRAPH_CK_STRUCT && kind[graph_find(&g, 0x110)] == GRAPH_CK_STRUCT);
    CHECK(kind[graph_find(&g, 0x200)] == GRAPH_CK_STRUCT && kind[graph_find(&g, 0x220)] == GRAPH_CK_STRUCT);
    CHECK(kind[graph_find(&g, 0x130)] == GRAPH_CK_DATA && kind[graph_find(&g, 0x120)] == GRAPH_CK_INTERP);
    CHECK(kind[graph_find(&g, 0x210)] == GRAPH_CK_NEUTRAL);
    free(kind);
    /* the globals, the class, the functions and the exception are one strongly connected component;
     * the split leaves the exception its own cycle (the module itself is in no cycle) */
    CHECK(cycle_of(&g, &l, 0x100) == NULL);
    const graph_cycle *e = cycle_of(&g, &l, 0x300), *m = cycle_of(&g, &l, 0x110), *cl = cycle_of(&g, &l, 0x400),
                      *wd = cycle_of(&g, &l, 0x500), *big = cycle_of(&g, &l, 0x600), *small = cycle_of(&g, &l, 0x700);
    CHECK(e && m && cl && wd && big && small);
    if (!e || !m || !cl || !wd || !big || !small) return;
    CHECK(e != m && cycle_of(&g, &l, 0x310) == e && cycle_of(&g, &l, 0x320) == e);
    CHECK_EQ_U64(e->members, 3);
    CHECK(!e->interp && e->reachable);
    CHECK_EQ_U64(e->kept, 88 + 56 + 200 + 100000);
    CHECK(m->interp && cycle_of(&g, &l, 0x200) == m && cycle_of(&g, &l, 0x120) == m);
    CHECK(cl->interp && cl != m && cl->members == 3);
    const graph_cycle *clb = cycle_of(&g, &l, 0x480);
    CHECK(clb && !clb->interp && clb->reachable && clb->members == 3 && clb->data == 100000);
    CHECK(clb && clb->kept == 160 + 56 + 40 + 40 + 100000);
    CHECK(!wd->interp && wd->members == 4);
    CHECK(!big->reachable && !big->interp && big->data == 200000);
    CHECK(!small->reachable && small->interp && small->data == 300);
    CHECK_EQ_U64(l.hidden, 3);
    CHECK(l.grp[0].interp == false && l.v[l.grp[0].start].comp == big->comp);
    graph_cycle_list_release(&l);
    graph_release(&g);
}

/* A JS class (V8 names): Foo.prototype.constructor is Foo, so Foo and its
 * prototype are structure; Foo.registry holds the instances, which point at
 * the prototype and at each other. The class and its registry are the
 * interpreter's; the instances' ring is listed. */
static void test_js_class(void)
{
    open_snap("jsclass");
    blk(0x10, 100, "synthetic (GC roots)", 0);
    root(0x10);
    blk(0x100, 64, "closure Foo", 0);
    blk(0x110, 40, "object Object", 0);
    blk(0x120, 32, "array", 0);
    blk(0x200, 48, "object Foo", 0);
    blk(0x210, 48, "object Foo", 0);
    ref(0x10, 0x100, "Foo"), ref(0x100, 0x110, "prototype"), ref(0x110, 0x100, "constructor");
    ref(0x100, 0x120, "registry"), ref_i(0x120, 0x200, 0), ref_i(0x120, 0x210, 1);
    ref(0x200, 0x110, "__proto__"), ref(0x210, 0x110, "__proto__"), ref(0x200, 0x210, "next"), ref(0x210, 0x200, "next");
    graph g;
    graph_cycle_list l;
    load(&g, &l);
    check_invariants(&g, &l);
    uint8_t *kind;
    CHECK(graph_cycle_kinds(&g, &kind) == GRAPH_OK);
    CHECK(kind[graph_find(&g, 0x100)] == GRAPH_CK_STRUCT && kind[graph_find(&g, 0x110)] == GRAPH_CK_STRUCT);
    CHECK(kind[graph_find(&g, 0x200)] == GRAPH_CK_DATA && kind[graph_find(&g, 0x120)] == GRAPH_CK_NEUTRAL);
    free(kind);
    const graph_cycle *ring = cycle_of(&g, &l, 0x200), *cls = cycle_of(&g, &l, 0x100);
    CHECK(ring && cls && ring != cls && cycle_of(&g, &l, 0x210) == ring);
    if (ring && cls) {
        CHECK(!ring->interp && ring->members == 2);
        CHECK(cls->interp);
    }
    CHECK_EQ_U64(l.hidden, 1);
    graph_cycle_list_release(&l);
    graph_release(&g);
}

/* The type rule on names alone, Python and V8. */
static void test_type_kinds(void)
{
    CHECK(graph_cycle_type_kind("builtins.module") == GRAPH_CK_STRUCT);
    CHECK(graph_cycle_type_kind("builtins.function") == GRAPH_CK_INTERP);
    CHECK(graph_cycle_type_kind("builtins.getset_descriptor") == GRAPH_CK_INTERP);
    CHECK(graph_cycle_type_kind("builtins.tuple") == GRAPH_CK_NEUTRAL);
    CHECK(graph_cycle_type_kind("builtins.frame") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("builtins.traceback") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("cpython._PyInterpreterFrame") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("builtins.dict") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("hidden system / Map") == GRAPH_CK_STRUCT);
    CHECK(graph_cycle_type_kind("object shape system / Map") == GRAPH_CK_STRUCT);
    CHECK(graph_cycle_type_kind("object system / Context") == GRAPH_CK_STRUCT);
    CHECK(graph_cycle_type_kind("native system / JSArrayBufferData") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("closure fn") == GRAPH_CK_INTERP);
    CHECK(graph_cycle_type_kind("object Foo") == GRAPH_CK_DATA);
    CHECK(graph_cycle_type_kind("app.function") == GRAPH_CK_DATA);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_cycles DIR\n");
        return 2;
    }
    dir = argv[1];
    TEST_RUN(test_type_kinds);
    TEST_RUN(test_kept_alive);
    TEST_RUN(test_grouping);
    TEST_RUN(test_hiding);
    TEST_RUN(test_js_class);
    return test_summary();
}
