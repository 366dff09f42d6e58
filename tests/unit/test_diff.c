/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_diff.c — matching and owner attribution of snapshot
 * comparison (analyze/diff_*.c) on snapshots written through the C writer
 * API: a cache that grows (owner, exact entries, exact bytes), a heap
 * relocated to other addresses with types declared in another order (every
 * owner matches, nothing grows), reused addresses (same path: same object;
 * other path: new), growth that telescopes to the total, the three-snapshot
 * key chain, random heaps relocated and permuted (no owner grows), and
 * the key mode: V8 snapshots (direct or imported) match by node id alone,
 * a mix with another dump keeps the full key.
 */
#define _POSIX_C_SOURCE 200809L
#include "diff/diff.h"
#include "graph/graph_hash.h"
#include "hs_test.h"
#include "heapsnap.h"
#include "v8/v8_read.h"

#include <stdlib.h>
#include <unistd.h>

static char tmpdir[] = "/tmp/hsdiff-XXXXXX";
static int nfile;

/* ---- a tiny heap model, written through the writer ---- */
typedef struct mref {
    int from, to;
    const char *label; /* NULL: none */
    long index;        /* >= 0: an index label */
} mref;

typedef struct heap {
    int n;
    uint64_t addr[4096];
    uint64_t size[4096];
    int type[4096];
    mref refs[16384];
    int nrefs;
    int root[8];
    const char *root_name[8];
    int nroots;
} heap;

static const char *type_names[] = {"module", "dict", "str", "bytes", "Thing", "list"};

static int add_block(heap *h, uint64_t addr, uint64_t size, int type)
{
    h->addr[h->n] = addr;
    h->size[h->n] = size;
    h->type[h->n] = type;
    return h->n++;
}

static void add_ref(heap *h, int from, int to, const char *label, long index)
{
    h->refs[h->nrefs++] = (mref){from, to, label, index};
}

/* Write h; `perm` (may be NULL) orders the blocks, `rev_types` declares types backwards. */
static char *write_heap(const heap *h, const int *perm, bool rev_types)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/s%d.hsnap", tmpdir, nfile++);
    hs_writer_options o = {.producer = "test_diff", .pid = 1, .pointer_size = 8, .no_fsync = 1};
    hs_writer *w;
    hs_error err;
    if (hs_writer_open(path, &o, &w, &err)) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    uint32_t tid[6];
    for (int k = 0; k < 6; k++) {
        int t = rev_types ? 5 - k : k;
        hs_writer_add_type(w, type_names[t], t == 4 ? "app" : "builtins", 0, &tid[t]);
    }
    for (int i = 0; i < h->n; i++) {
        int b = perm ? perm[i] : i;
        hs_writer_add_block(w, h->addr[b], h->size[b], tid[h->type[b]], 0, HS_NONE);
    }
    for (int r = 0; r < h->nrefs; r++) {
        const mref *m = &h->refs[r];
        if (m->index >= 0) hs_writer_add_ref_index(w, h->addr[m->from], h->addr[m->to], HS_REF_STRONG, (uint64_t)m->index);
        else hs_writer_add_ref(w, h->addr[m->from], h->addr[m->to], HS_REF_STRONG, m->label);
    }
    for (int r = 0; r < h->nroots; r++) hs_writer_add_root(w, h->addr[h->root[r]], HS_ROOT_GLOBAL, h->root_name[r], 0);
    if (hs_writer_close(w, &err)) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    return path;
}

/* app module -> __dict__ -> .cache dict with k entries (unlabeled str key + bytes value), .config dict */
static void cache_heap(heap *h, int k, uint64_t base, int *cache_out)
{
    memset(h, 0, sizeof *h);
    int mod = add_block(h, base + 0x100, 72, 0);
    int md = add_block(h, base + 0x200, 1000, 1);
    int cache = add_block(h, base + 0x300, 2000, 1);
    int cfg = add_block(h, base + 0x400, 500, 1);
    int name = add_block(h, base + 0x500, 60, 2);
    add_ref(h, mod, md, "__dict__", -1);
    add_ref(h, md, cache, "cache", -1);
    add_ref(h, md, cfg, "config", -1);
    add_ref(h, cfg, name, "name", -1);
    for (int i = 0; i < k; i++) {
        int key = add_block(h, base + 0x10000 + (uint64_t)i * 0x40, 50, 2);
        int val = add_block(h, base + 0x80000 + (uint64_t)i * 0x40, 1000, 3);
        add_ref(h, cache, key, NULL, -1);
        add_ref(h, cache, val, NULL, -1);
    }
    h->root[0] = mod;
    h->root_name[0] = "app";
    h->nroots = 1;
    *cache_out = cache;
}

static void build(diff_snap *s, const char *path, int side, unsigned what)
{
    diff_snap_build(s, path, side, what, DIFF_BY_LINE);
    if (s->status) fprintf(stderr, "%s: %s\n", path, s->message);
    CHECK(!s->status);
}

static bool key_new(const diff_snap *s, uint32_t v, void *ud)
{
    const diff_snap *b = ud;
    return !diff_keys_contain(b->keys, b->nkeys, diff_key(s, v));
}

static void test_cache_growth(void)
{
    heap *h = malloc(sizeof *h);
    int cache;
    cache_heap(h, 3, 0, &cache);
    char *pb = write_heap(h, NULL, false);
    cache_heap(h, 503, 0, &cache);
    uint64_t cache_addr = h->addr[cache];
    char *pa = write_heap(h, NULL, false);
    diff_snap b, a;
    build(&b, pb, 0, DIFF_GROUPS | DIFF_KEYS);
    build(&a, pa, 1, DIFF_GROUPS | DIFF_KEEP_GRAPH);
    CHECK(!diff_groups_merge(&a.groups, &b.groups));
    uint32_t n;
    diff_owner *o = diff_owners(&a.groups, 0, 0, &n);
    CHECK(o != NULL);
    CHECK_EQ_U64(n, 1);
    if (n >= 1) {
        const diff_group *g = &a.groups.v[o[0].group];
        CHECK_EQ_U64(graph_addr(&a.g, g->example), cache_addr);
        CHECK_EQ_U64(o[0].entries, 500);
        CHECK_EQ_U64(o[0].children_added, 1000);
        CHECK_EQ_U64(o[0].growth, 500 * (1000 + 50));
        CHECK_EQ_U64(o[0].retained_delta, 500 * (1000 + 50));
        CHECK(o[0].entries_type == hash_bytes("builtins.bytes", 14));
    }
    free(o);
    /* a threshold above the growth hides it */
    o = diff_owners(&a.groups, 500 * 1050 + 1, 0, &n);
    CHECK_EQ_U64(n, 0);
    free(o);
    /* new objects: exactly the 500 added keys and values, under the cache */
    uint32_t nc;
    uint64_t objs, bytes;
    diff_cluster *c = diff_clusters(&a, key_new, &b, 0, &nc, &objs, &bytes);
    CHECK_EQ_U64(objs, 1000);
    CHECK_EQ_U64(bytes, 500 * 1050);
    CHECK_EQ_U64(nc, 2);
    if (nc == 2) {
        CHECK_EQ_U64(c[0].objects, 500);
        CHECK_EQ_U64(c[0].bytes, 500 * 1000);
        CHECK_EQ_U64(graph_addr(&a.g, a.g.idom[c[0].example]), cache_addr);
    }
    free(c);
    diff_snap_release(&a);
    diff_snap_release(&b);
    free(pb);
    free(pa);
    free(h);
}

/* The same heap at other addresses, blocks in another order, types declared
 * backwards: every group matches, no owner grows, every object is new. */
static void test_relocated(void)
{
    heap *h = malloc(sizeof *h);
    int cache, perm[4096];
    cache_heap(h, 40, 0, &cache);
    char *pb = write_heap(h, NULL, false);
    cache_heap(h, 40, 0x7000000, &cache);
    for (int i = 0; i < h->n; i++) perm[i] = h->n - 1 - i;
    char *pa = write_heap(h, perm, true);
    diff_snap b, a;
    build(&b, pb, 0, DIFF_GROUPS | DIFF_KEYS);
    build(&a, pa, 1, DIFF_GROUPS | DIFF_KEEP_GRAPH);
    uint32_t nb = b.groups.n;
    CHECK(!diff_groups_merge(&a.groups, &b.groups));
    CHECK_EQ_U64(a.groups.n, nb); /* no group only on one side */
    uint32_t stable = 0;
    for (uint32_t i = 0; i < a.groups.n; i++)
        stable += a.groups.v[i].count[0] == a.groups.v[i].count[1];
    CHECK_EQ_U64(stable, a.groups.n);
    uint32_t n;
    diff_owner *o = diff_owners(&a.groups, 0, 0, &n);
    CHECK_EQ_U64(n, 0);
    free(o);
    uint32_t nc;
    uint64_t objs, bytes;
    diff_cluster *c = diff_clusters(&a, key_new, &b, 0, &nc, &objs, &bytes);
    CHECK_EQ_U64(objs, a.blocks);
    free(c);
    diff_snap_release(&a);
    diff_snap_release(&b);
    free(pb);
    free(pa);
    free(h);
}

/* An address freed and reused by an object of the same type: on the same
 * path it is the same object; elsewhere it is new. */
static void test_reused_address(void)
{
    heap *h = malloc(sizeof *h);
    memset(h, 0, sizeof *h);
    int mod = add_block(h, 0x100, 72, 0), d = add_block(h, 0x200, 100, 1);
    int x = add_block(h, 0x300, 40, 4), y = add_block(h, 0x400, 40, 4);
    add_ref(h, mod, d, "__dict__", -1);
    add_ref(h, d, x, "x", -1);
    add_ref(h, d, y, "y", -1);
    h->root[0] = mod, h->root_name[0] = "m", h->nroots = 1;
    char *pb = write_heap(h, NULL, false);
    /* after: .x still at 0x300; .y gone; a new Thing .z at y's old address 0x400 */
    h->refs[2].label = "z";
    char *pa = write_heap(h, NULL, false);
    diff_snap b, a;
    build(&b, pb, 0, DIFF_KEYS);
    build(&a, pa, 1, DIFF_KEEP_GRAPH);
    uint32_t vx = graph_find(&a.g, 0x300), vz = graph_find(&a.g, 0x400);
    CHECK(!key_new(&a, vx, &b));
    CHECK(key_new(&a, vz, &b));
    CHECK(!key_new(&a, graph_find(&a.g, 0x200), &b));
    (void)x;
    diff_snap_release(&a);
    diff_snap_release(&b);
    free(pb);
    free(pa);
    free(h);
}

/* Growth in several places telescopes: the owners' shares add up to the
 * total change of reachable bytes, each owner counted once. */
static void test_telescoping(void)
{
    heap *h = malloc(sizeof *h);
    int cache;
    cache_heap(h, 10, 0, &cache);
    char *pb = write_heap(h, NULL, false);
    cache_heap(h, 30, 0, &cache);
    /* the cache gains 20 entries, config 7 indexed Things */
    int cfg = 3;
    for (int i = 0; i < 7; i++) add_ref(h, cfg, add_block(h, 0x900000 + (uint64_t)i * 64, 64, 4), NULL, i);
    char *pa = write_heap(h, NULL, false);
    diff_snap b, a;
    build(&b, pb, 0, DIFF_GROUPS);
    build(&a, pa, 1, DIFF_GROUPS | DIFF_KEEP_GRAPH);
    CHECK(!diff_groups_merge(&a.groups, &b.groups));
    uint32_t n;
    diff_owner *o = diff_owners(&a.groups, 0, 0, &n);
    CHECK_EQ_U64(n, 2);
    int64_t sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += o[i].growth;
    CHECK_EQ_U64(sum, a.reachable_bytes - b.reachable_bytes);
    if (n == 2) {
        CHECK_EQ_U64(o[0].entries, 20); /* the cache first: 20 x 1050 bytes */
        CHECK_EQ_U64(o[1].entries, 7);
        CHECK_EQ_U64(o[1].growth, 7 * 64);
        CHECK_EQ_U64(graph_addr(&a.g, a.groups.v[o[1].group].example), 0x400);
    }
    free(o);
    diff_snap_release(&a);
    diff_snap_release(&b);
    free(pb);
    free(pa);
    free(h);
}

/* S1 -> S2 -> S3: keys of S2 not in S1, still in S3. */
static void test_three_snapshots(void)
{
    heap *h = malloc(sizeof *h);
    int cache;
    cache_heap(h, 5, 0, &cache);
    char *p1 = write_heap(h, NULL, false);
    cache_heap(h, 25, 0, &cache);
    char *p2 = write_heap(h, NULL, false);
    cache_heap(h, 25, 0, &cache);
    /* S3: entries 5..14 freed (their references dropped, blocks gone) */
    heap *h3 = malloc(sizeof *h3);
    memset(h3, 0, sizeof *h3);
    int map[4096];
    for (int i = 0; i < h->n; i++) {
        uint64_t a = h->addr[i];
        bool gone = (a >= 0x10000 + 5 * 0x40 && a < 0x10000 + 15 * 0x40) || (a >= 0x80000 + 5 * 0x40 && a < 0x80000 + 15 * 0x40);
        map[i] = gone ? -1 : add_block(h3, a, h->size[i], h->type[i]);
    }
    for (int r = 0; r < h->nrefs; r++)
        if (map[h->refs[r].from] >= 0 && map[h->refs[r].to] >= 0)
            add_ref(h3, map[h->refs[r].from], map[h->refs[r].to], h->refs[r].label, h->refs[r].index);
    h3->root[0] = map[h->root[0]], h3->root_name[0] = "app", h3->nroots = 1;
    char *p3 = write_heap(h3, NULL, false);
    diff_snap s[3];
    build(&s[0], p1, 0, DIFF_KEYS);
    build(&s[1], p2, 1, DIFF_KEYS);
    build(&s[2], p3, 1, DIFF_KEEP_GRAPH);
    uint32_t nmid;
    uint64_t *mid = diff_keys_minus(s[1].keys, s[1].nkeys, s[0].keys, s[0].nkeys, &nmid);
    CHECK_EQ_U64(nmid, 40);
    uint32_t alive = 0;
    for (uint32_t v = 0; v < s[2].g.n; v++) alive += diff_keys_contain(mid, nmid, diff_key(&s[2], v));
    CHECK_EQ_U64(alive, 20); /* 10 of the 20 new entries survive: key + value each */
    for (int i = 0; i < 3; i++) diff_snap_release(&s[i]);
    free(mid);
    free(p1);
    free(p2);
    free(p3);
    free(h);
    free(h3);
}

/* Random heaps, relocated and permuted: nothing grows. */
static uint64_t rng = 42;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The top group (0: the super-root's, 1: the unreachable group's) above group i. */
static uint32_t top_of(const diff_gtab *t, uint32_t i)
{
    while (t->v[i].parent != GRAPH_NONE) i = t->v[i].parent;
    return i;
}

static void test_random_relocated(void)
{
    heap *h = malloc(sizeof *h);
    static const char *labels[] = {"a", "b", "next", NULL};
    for (int round = 0; round < 30; round++) {
        memset(h, 0, sizeof *h);
        int n = 2 + (int)(rnd() % 60);
        for (int i = 0; i < n; i++) add_block(h, 0x1000 + (uint64_t)i * 16, 8 + rnd() % 100, (int)(rnd() % 6));
        int m = (int)(rnd() % (uint64_t)(3 * n));
        for (int r = 0; r < m; r++) {
            int k = (int)(rnd() % 5);
            add_ref(h, (int)(rnd() % (uint64_t)n), (int)(rnd() % (uint64_t)n), k < 4 ? labels[k] : NULL,
                    k == 4 ? (long)(rnd() % 3) : -1);
        }
        h->nroots = 1 + (int)(rnd() % 3);
        for (int r = 0; r < h->nroots; r++) h->root[r] = (int)(rnd() % (uint64_t)n), h->root_name[r] = r ? "g" : "m";
        char *pb = write_heap(h, NULL, false);
        int perm[4096];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(rnd() % (uint64_t)(i + 1)), t = perm[i];
            perm[i] = perm[j], perm[j] = t;
        }
        for (int i = 0; i < n; i++) h->addr[i] += 0x100000;
        char *pa = write_heap(h, perm, round % 2);
        diff_snap b, a;
        build(&b, pb, 0, DIFF_GROUPS);
        build(&a, pa, 1, DIFF_GROUPS | DIFF_KEEP_GRAPH);
        CHECK(!diff_groups_merge(&a.groups, &b.groups));
        /* reachable groups only: a garbage cycle with no way in is entered
         * at its first block in file order (docs/analyzer.md), which the
         * permutation changes */
        uint32_t no;
        diff_owner *o = diff_owners(&a.groups, 0, 0, &no);
        for (uint32_t i = 0; i < no; i++) CHECK(top_of(&a.groups, o[i].group) != 0);
        for (uint32_t i = 0; i < a.groups.n; i++) {
            if (top_of(&a.groups, i) != 0) continue;
            CHECK_EQ_U64(a.groups.v[i].count[0], a.groups.v[i].count[1]);
            CHECK_EQ_U64(a.groups.v[i].retained[0], a.groups.v[i].retained[1]);
        }
        free(o);
        diff_snap_release(&a);
        diff_snap_release(&b);
        unlink(pb);
        unlink(pa);
        free(pb);
        free(pa);
    }
    free(h);
}

static void test_bad_input(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/junk.hsnap", tmpdir);
    FILE *f = fopen(path, "w");
    fputs("junk", f);
    fclose(f);
    diff_snap s;
    diff_snap_build(&s, path, 0, DIFF_GROUPS, DIFF_BY_LINE);
    CHECK(s.status);
    CHECK(strlen(s.message) > 0);
    CHECK(strchr(s.message, '\n') == NULL);
    diff_snap_release(&s);
    unlink(path);
}

/* A V8 snapshot: root -> Window (id 3), whose property `label` holds a Foo (id 5). */
static char *write_v8(const char *label)
{
    char *path = malloc(256);
    snprintf(path, 256, "%s/v%d.heapsnapshot", tmpdir, nfile++);
    FILE *f = fopen(path, "w");
    if (!f) exit(1);
    fprintf(f, "{\"snapshot\":{\"meta\":{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\"],"
               "\"node_types\":[[\"synthetic\",\"object\"],\"string\",\"number\",\"number\",\"number\"],"
               "\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
               "\"edge_types\":[[\"property\",\"shortcut\"],\"string_or_number\",\"node\"]},"
               "\"node_count\":3,\"edge_count\":2},"
               "\"nodes\":[0,0,1,0,1, 1,1,3,10,1, 1,2,5,20,0],\"edges\":[1,3,5, 0,4,10],"
               "\"strings\":[\"\",\"Window\",\"Foo\",\"global\",\"%s\"]}", label);
    fclose(f);
    return path;
}

/* V8 node ids are never reused in one isolate: between V8 snapshots an
 * object whose retainer path changed is the same object (DIFF_ID_KEYS);
 * diff_key_mode asks for that only when every file is V8. */
static void test_key_mode(void)
{
    char *vb = write_v8("x"), *va = write_v8("y"); /* Foo moves from .x to .y */
    heap *h = malloc(sizeof *h);
    memset(h, 0, sizeof *h);
    add_block(h, 0x100, 72, 0);
    h->root[0] = 0, h->root_name[0] = "m", h->nroots = 1;
    char *py = write_heap(h, NULL, false);
    char imported[300], missing[300];
    snprintf(imported, sizeof imported, "%s/imported.hsnap", tmpdir);
    snprintf(missing, sizeof missing, "%s/none.hsnap", tmpdir);
    char err[V8_ERR_MAX];
    CHECK(v8_convert_file(vb, imported, err) == 0);
    char *both[] = {vb, va}, *mixed[] = {vb, py}, *pys[] = {py, py}, *imp[] = {imported, va}, *gone[] = {va, missing};
    CHECK(diff_key_mode(both, 2) == DIFF_ID_KEYS);
    CHECK(diff_key_mode(imp, 2) == DIFF_ID_KEYS);
    CHECK(diff_key_mode(mixed, 2) == 0);
    CHECK(diff_key_mode(pys, 2) == 0);
    CHECK(diff_key_mode(gone, 2) == 0);
    diff_snap b, a;
    for (int id = 0; id < 2; id++) {
        unsigned k = id ? DIFF_ID_KEYS : 0;
        build(&b, id ? imported : vb, 0, DIFF_KEYS | k);
        build(&a, va, 1, DIFF_KEEP_GRAPH | k);
        uint32_t foo = graph_find(&a.g, 5), win = graph_find(&a.g, 3);
        CHECK(foo != GRAPH_NONE && win != GRAPH_NONE);
        CHECK(key_new(&a, foo, &b) == !id); /* the full key: another path, so new; by id: the same */
        CHECK(!key_new(&a, win, &b));
        diff_snap_release(&a);
        diff_snap_release(&b);
    }
    /* a non-V8 file asked for id keys (it changed after diff_key_mode looked): an error */
    diff_snap_build(&b, py, 0, DIFF_KEYS | DIFF_ID_KEYS, DIFF_BY_LINE);
    CHECK(b.status && strchr(b.message, '\n') == NULL);
    diff_snap_release(&b);
    free(vb);
    free(va);
    free(py);
    free(h);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) return 1;
    TEST_RUN(test_cache_growth);
    TEST_RUN(test_relocated);
    TEST_RUN(test_reused_address);
    TEST_RUN(test_telescoping);
    TEST_RUN(test_three_snapshots);
    TEST_RUN(test_random_relocated);
    TEST_RUN(test_bad_input);
    TEST_RUN(test_key_mode);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    if (system(cmd)) return 1;
    return test_summary();
}
