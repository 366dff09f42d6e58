/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_index.c — the index beside a dump: load_graph_indexed()
 * writes, after the first full analysis, the graph's arrays, the dominator
 * tree and retained sizes, the name tables and what that command computed
 * of the rest (the root search, the named search, the top rows, the
 * dominator children, per-type retained bytes, the cycle list, the
 * referrers; a later command that needs a missing part adds it, and
 * load_index_add() adds the referrers the Python API built) into
 * FILE.hsidx, or under $XDG_CACHE_HOME/heapsnap/ when FILE's folder is not
 * writable, and maps it back on the next open instead of reading FILE.
 *
 * Trust. An index is used only when it is a regular file of the caller's
 * own (never through a symlink), its header names this version, this
 * machine's byte order and the dump as stat() sees it now (size,
 * modification time, inode, device), every section's XXH64 matches and the
 * arrays that index others are in bounds. Anything else is a stale or
 * corrupt index: it is ignored, and rebuilt when the caller writes one. It
 * is written like every output (hs_outfile: a private temporary file,
 * renamed over the old one), so a reader never sees half of one.
 * Layout: docs/analyzer.md#index. One pass per section; no recursion.
 */
#define _GNU_SOURCE
#include "load/load.h"
#include "load/load_membuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define IDX_MAGIC "HSNAPIDX"
#define IDX_VERSION 6u /* 2: the cycle list; 3: top's rows recounted without members under single rows;
                          4: the root search, the dominator children, per-type retained and the named
                          search's shapes written only when a command needs them; 5: retained bytes in
                          4, 5 or 8 bytes a block (graph_ret), the two totals in the scalars; addresses in 4, 6
                          or 8 bytes a block (addr_hi); 6: the referrers (the reverse CSR), written
                          only when a command needs them */
#define IDX_ENDIAN 0x01020304u
#define IDX_ALIGN 4096u
#define IDX_SEED UINT64_C(0x6873696478)   /* "hsidx" */
#define IDX_MIN_BLOCKS 100000u          /* smaller dumps load fast enough without one */

enum { /* section ids, fixed for IDX_VERSION */
    S_SCALARS, S_ADDR64, S_ADDR32, S_SIZE, S_TYPE, S_FLAGS, S_OUT_OFF, S_OUT_TO, S_OUT_LABEL, S_OUT_LABEL16,
    S_LABEL_BIG, S_OUT_KIND, S_ROOTS, S_BIG, S_MISSING, S_IDOM, S_RETAINED, S_REACH, S_UKIDS, S_BFS_VIA,
    S_BFS_DIST, S_NAMED_VIA, S_UNUSED_22 /* the named search's shapes until version 5 */, S_POINTS, S_TYPE_RETAINED, S_NAMES, S_DOM_OFF, S_DOM_KIDS, S_CYC_HEAD,
    S_CYC_LIST, S_CYC_GROUPS, S_CYC_COMP, S_RETAINED_HI, S_RETAINED_WIDE, S_ADDR_HI,
    S_IN_OFF, S_IN_EDGE, /* the referrers (graph_referrers), when a command needed them (6) */
    S_COUNT
};

typedef struct idx_key { /* the dump, as stat() sees it */
    uint64_t size, ino, dev;
    int64_t mtime_s, mtime_ns;
} idx_key;

typedef struct idx_sec {
    uint64_t off, len, sum; /* len 0: absent */
} idx_sec;

typedef struct idx_head { /* at offset 0; every field 8-aligned, no padding */
    char magic[8];
    uint32_t version, endian;
    uint64_t file_len;
    idx_key key;
    idx_sec sec[S_COUNT];
    uint64_t head_sum; /* XXH64 of the bytes above */
} idx_head;

typedef struct idx_scalars {
    uint64_t n, nedges, addr_base, nlabel_big, nroots, nbig, nmissing, refs_read, refs_missing, refs_orphan,
        missing_addrs, roots_missing, total_shallow, file_bytes, ntypes, reach_count, unreach_count, strong_edges,
        nukids, npoints, points_k, points_fold, version_major, version_minor, ret_total[2];
} idx_scalars;

typedef struct idx_root {
    uint32_t node, name;
    uint64_t count;
    uint32_t kind, pad;
} idx_root;
typedef struct idx_big {
    uint32_t node, pad;
    uint64_t size;
} idx_big;
typedef struct idx_missing {
    uint32_t from, label;
    uint64_t to;
    uint32_t kind, pad;
} idx_missing;
typedef struct idx_point {
    uint32_t example, count;
    uint64_t retained, shallow, largest;
    uint32_t folded, pad;
    uint64_t external;
    uint32_t htype[2], hcount[2];
    uint64_t hretained[2];
} idx_point;

/* The cycle list (graph_cycles_find), written by the first command that lists cycles: its totals,
 * its cycles and groups as records, and each block's cycle id (S_CYC_COMP, [n]). */
typedef struct idx_cycles {
    uint64_t n, ngroups, blocks, bytes, garbage, garbage_bytes, hidden, hidden_blocks, hidden_bytes;
} idx_cycles;
#define IDX_CYC_REACHABLE 1u
#define IDX_CYC_FINALIZER 2u
#define IDX_CYC_INTERP 4u
typedef struct idx_cycle {
    uint32_t members, first;
    uint64_t bytes, kept, data, key;
    uint32_t flags, pad;
} idx_cycle;
typedef struct idx_cgroup {
    uint32_t start, count;
    uint64_t members, bytes, kept;
    uint32_t flags, pad;
} idx_cgroup;

/* ---- where ---- */
static bool index_wanted(void)
{
    const char *e = getenv("HEAPSNAP_INDEX");
    return !(e && strcmp(e, "0") == 0);
}

static uint64_t min_blocks(void)
{
    const char *e = getenv("HEAPSNAP_INDEX_MIN_BLOCKS");
    if (!e || !*e) return IDX_MIN_BLOCKS;
    char *end;
    unsigned long long v = strtoull(e, &end, 10);
    return *end ? IDX_MIN_BLOCKS : (uint64_t)v;
}

static void path_beside(const char *dump, char *out, size_t cap)
{
    if ((size_t)snprintf(out, cap, "%s.hsidx", dump) >= cap) out[0] = 0;
}

/* $XDG_CACHE_HOME/heapsnap/<hash of the dump's real path>-<its name>.hsidx (else ~/.cache/...); "" when
 * there is no such place. mkdirs: create the folders (0700). */
static void path_cached(const char *dump, char *out, size_t cap, bool mkdirs)
{
    out[0] = 0;
    char dir[4096];
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/') snprintf(dir, sizeof dir, "%s", xdg);
    else if (home && home[0] == '/') snprintf(dir, sizeof dir, "%s/.cache", home);
    else return;
    if (mkdirs) (void)mkdir(dir, 0700);
    size_t dl = strlen(dir);
    if (dl + 10 >= sizeof dir) return;
    memcpy(dir + dl, "/heapsnap", 10);
    if (mkdirs) (void)mkdir(dir, 0700);
    char *real = realpath(dump, NULL);
    if (!real) return;
    const char *base = strrchr(real, '/');
    base = base ? base + 1 : real;
    if ((size_t)snprintf(out, cap, "%s/%016llx-%.100s.hsidx", dir,
                         (unsigned long long)hs_checksum64(real, strlen(real), IDX_SEED), base) >= cap)
        out[0] = 0;
    free(real);
}

static bool dump_key(const char *dump, idx_key *k, unsigned *mode)
{
    struct stat st;
    if (stat(dump, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    memset(k, 0, sizeof *k);
    k->size = (uint64_t)st.st_size;
    k->ino = (uint64_t)st.st_ino;
    k->dev = (uint64_t)st.st_dev;
    k->mtime_s = (int64_t)st.st_mtim.tv_sec;
    k->mtime_ns = (int64_t)st.st_mtim.tv_nsec;
    if (mode) *mode = (unsigned)st.st_mode & 0666u;
    return true;
}

/* ---- reading ---- */
typedef struct idx_map {
    unsigned char *p;
    size_t len;
    const idx_head *h;
} idx_map;

static void unmap_backing(void *p, size_t len) { munmap(p, len); }

static const void *sec_ptr(const idx_map *m, int id, size_t want)
{
    const idx_sec *s = &m->h->sec[id];
    return s->len == want && want ? m->p + s->off : NULL;
}

/* 0 when every v[i] < bound (GRAPH_NONE allowed when none_ok). */
static int check_below(const uint32_t *v, uint64_t n, uint64_t bound, bool none_ok)
{
    uint32_t bad = 0;
    if (!v) return 0; /* an optional section that is absent */
    for (uint64_t i = 0; i < n; i++) bad |= (v[i] >= bound) & !(none_ok && v[i] == GRAPH_NONE);
    return bad ? -1 : 0;
}

/* Map `ipath` and check it against the dump's key; fill g. A one-line reason in why on failure. */
static int index_read(const char *ipath, const idx_key *key, graph *g, char *why, size_t wcap)
{
    memset(g, 0, sizeof *g);
    int fd = open(ipath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, wcap, "no index at '%s'", ipath);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (uint64_t)st.st_size < sizeof(idx_head) + sizeof(idx_scalars)) {
        close(fd);
        snprintf(why, wcap, "'%s' is not an index of this user's", ipath);
        return -1;
    }
    idx_map m = {0};
    m.len = (size_t)st.st_size;
    void *p = mmap(NULL, m.len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        snprintf(why, wcap, "cannot map '%s': %s", ipath, strerror(errno));
        return -1;
    }
    m.p = p;
    m.h = p;
    const idx_head *h = m.h;
#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(why, wcap, __VA_ARGS__);                                                                              \
        goto fail;                                                                                                     \
    } while (0)
    if (memcmp(h->magic, IDX_MAGIC, 8) != 0) FAIL("'%s' is not a heapsnap index", ipath);
    if (h->version != IDX_VERSION || h->endian != IDX_ENDIAN)
        FAIL("'%s' is an index of another version (%u)", ipath, h->version);
    if (hs_checksum64(h, offsetof(idx_head, head_sum), IDX_SEED) != h->head_sum)
        FAIL("'%s': header checksum mismatch", ipath);
    if (h->file_len != m.len) FAIL("'%s' is truncated", ipath);
    if (memcmp(&h->key, key, sizeof *key) != 0) FAIL("'%s' is stale (the dump changed)", ipath);
    for (int i = 0; i < S_COUNT; i++) {
        const idx_sec *s = &h->sec[i];
        if (!s->len) continue;
        if (s->off % 8 || s->off > m.len || s->len > m.len - s->off) FAIL("'%s': section %d out of bounds", ipath, i);
        if (hs_checksum64(m.p + s->off, s->len, IDX_SEED + (uint64_t)i) != s->sum)
            FAIL("'%s': section %d checksum mismatch", ipath, i);
    }
    const idx_scalars *sc = sec_ptr(&m, S_SCALARS, sizeof *sc);
    if (!sc) FAIL("'%s': no scalars", ipath);
    const uint64_t n = sc->n, ne = sc->nedges;
    if (n > GRAPH_MAX_NODES || ne > GRAPH_MAX_EDGES || sc->nroots > UINT32_MAX || sc->ntypes > UINT32_MAX ||
        sc->nbig > n || sc->nukids > n || sc->nlabel_big > ne || sc->nmissing > GRAPH_MISSING_SAMPLES ||
        sc->npoints > sc->points_k || sc->points_k > GRAPH_POINTS_PREFIX)
        FAIL("'%s': counts out of range", ipath);
    memset(g, 0, sizeof *g);
    g->n = (uint32_t)n;
    g->nedges = (uint32_t)ne;
    g->addr_base = sc->addr_base;
    g->nlabel_big = (uint32_t)sc->nlabel_big;
    g->nroots = (uint32_t)sc->nroots;
    g->nbig = (uint32_t)sc->nbig;
    g->nmissing = (uint32_t)sc->nmissing;
    g->refs_read = sc->refs_read;
    g->refs_missing = sc->refs_missing;
    g->refs_orphan = sc->refs_orphan;
    g->missing_addrs = sc->missing_addrs;
    g->roots_missing = sc->roots_missing;
    g->total_shallow = sc->total_shallow;
    g->file_bytes = sc->file_bytes;
    g->ntypes = (uint32_t)sc->ntypes;
    g->reach_count = sc->reach_count;
    g->unreach_count = sc->unreach_count;
    g->strong_edges = sc->strong_edges;
    g->nukids = (uint32_t)sc->nukids;
    g->backing = m.p;
    g->backing_len = m.len;
    g->backing_release = unmap_backing;
    /* the arrays: pointers into the map (copy on write), checked where they index others */
    g->addr = (uint64_t *)sec_ptr(&m, S_ADDR64, n * 8);
    g->addr32 = (uint32_t *)sec_ptr(&m, S_ADDR32, n * 4);
    g->addr_hi = (uint16_t *)sec_ptr(&m, S_ADDR_HI, n * 2);
    g->size = (uint32_t *)sec_ptr(&m, S_SIZE, n * 4);
    g->type = (uint32_t *)sec_ptr(&m, S_TYPE, n * 4);
    g->flags = (uint8_t *)sec_ptr(&m, S_FLAGS, n);
    g->out_off = (uint32_t *)sec_ptr(&m, S_OUT_OFF, (n + 1) * 4);
    g->out_to = (uint32_t *)sec_ptr(&m, S_OUT_TO, ne * 4);
    g->out_label = (uint32_t *)sec_ptr(&m, S_OUT_LABEL, ne * 4);
    g->out_label16 = (uint16_t *)sec_ptr(&m, S_OUT_LABEL16, ne * 2);
    g->label_big = (graph_big_label *)sec_ptr(&m, S_LABEL_BIG, g->nlabel_big * sizeof(graph_big_label));
    g->out_kind = (uint8_t *)sec_ptr(&m, S_OUT_KIND, ne);
    g->idom = (uint32_t *)sec_ptr(&m, S_IDOM, (n + 2) * 4);
    g->ret.lo = (uint32_t *)sec_ptr(&m, S_RETAINED, (n + 1) * 4); /* (one more: never empty) */
    g->ret.hi = (uint8_t *)sec_ptr(&m, S_RETAINED_HI, n + 1);
    g->ret.wide = (uint64_t *)sec_ptr(&m, S_RETAINED_WIDE, (n + 1) * 8);
    g->ret.total[0] = sc->ret_total[0];
    g->ret.total[1] = sc->ret_total[1];
    g->reach = (uint8_t *)sec_ptr(&m, S_REACH, (n + 8) / 8);
    g->ukids = (uint32_t *)sec_ptr(&m, S_UKIDS, g->nukids * 4);
    g->cache.bfs_via = (uint32_t *)sec_ptr(&m, S_BFS_VIA, n * 4);
    g->cache.bfs_dist = (uint32_t *)sec_ptr(&m, S_BFS_DIST, n * 4);
    g->cache.named_via = (uint32_t *)sec_ptr(&m, S_NAMED_VIA, n * 4);
    g->cache.type_retained = (uint64_t *)sec_ptr(&m, S_TYPE_RETAINED, g->ntypes * 8);
    g->cache.dom_off = (uint32_t *)sec_ptr(&m, S_DOM_OFF, (n + 3) * 4);
    g->cache.dom_kids = (uint32_t *)sec_ptr(&m, S_DOM_KIDS, n * 4);
    /* optional (written by the first command that needs them): the root search (via and distance), the
     * named search (its shapes only with it), the dominator children, per-type retained bytes */
    if (n && (!(g->addr || g->addr32) || !g->size || !g->type || !g->flags || !g->cache.bfs_via != !g->cache.bfs_dist ||
              !g->cache.dom_off != !g->cache.dom_kids))
        FAIL("'%s': a block section is missing", ipath);
    if (!g->cache.named_via && sc->points_k) FAIL("'%s': rows without their search", ipath);
    if (!g->ret.lo == !g->ret.wide) FAIL("'%s': the retained bytes are missing or twice", ipath);
    if ((g->ret.hi && !g->ret.lo) || (g->addr_hi && !g->addr32) || (g->addr && g->addr32))
        FAIL("'%s': a section is missing or twice", ipath);
    if (!g->out_off || !g->idom || !g->reach ||
        (ne && (!g->out_to || !g->out_kind || !(g->out_label || g->out_label16))) ||
        (g->out_label16 && g->nlabel_big && !g->label_big) || (g->nukids && !g->ukids))
        FAIL("'%s': a section is missing", ipath);
    /* optional: the referrers (the reverse CSR), both sections or neither */
    g->in_off = (uint32_t *)sec_ptr(&m, S_IN_OFF, (n + 1) * 4);
    g->in_edge = (uint32_t *)sec_ptr(&m, S_IN_EDGE, ne * 4);
    if (!g->in_off != !(g->in_edge || !ne) || (!g->in_off && (h->sec[S_IN_OFF].len || h->sec[S_IN_EDGE].len)))
        FAIL("'%s': a referrers section is missing", ipath);
    /* bounds of everything that indexes another array */
    uint32_t prev = 0;
    for (uint64_t v = 0; v <= n; v++) {
        if (g->out_off[v] < prev) FAIL("'%s': references out of order", ipath);
        prev = g->out_off[v];
    }
    if (g->out_off[0] != 0 || prev != ne) FAIL("'%s': reference offsets do not add up", ipath);
    prev = 0;
    for (uint64_t v = 0; g->cache.dom_off && v <= n + 2; v++) {
        if (g->cache.dom_off[v] < prev) FAIL("'%s': dominator children out of order", ipath);
        prev = g->cache.dom_off[v];
    }
    if (g->cache.dom_off && (g->cache.dom_off[0] != 0 || prev != n))
        FAIL("'%s': dominator children do not add up", ipath);
    if (g->in_off) { /* the referrers: offsets ascending to the reference count, edges in bounds (that each
                        is one into its block, in order, the checksum vouches for: checking costs more
                        than the scan of every reference it saves `show`) */
        prev = 0;
        for (uint64_t v = 0; v <= n; v++) {
            if (g->in_off[v] < prev) FAIL("'%s': referrers out of order", ipath);
            prev = g->in_off[v];
        }
        if (g->in_off[0] != 0 || prev != ne) FAIL("'%s': referrers do not add up", ipath);
        if (check_below(g->in_edge, ne, ne, false)) FAIL("'%s': an index out of bounds", ipath);
    }
    if (check_below(g->out_to, ne, n, false) || check_below(g->type, n, g->ntypes ? g->ntypes : 1, false) ||
        check_below(g->idom, n, n + 2, false) || check_below(g->ukids, g->nukids, n, false) ||
        check_below(g->cache.dom_kids, n, n, false) ||
        check_below(g->cache.bfs_via, n, ne + g->nroots, true) ||
        check_below(g->cache.named_via, n, (uint64_t)ne + g->nroots + 1, true))
        FAIL("'%s': an index out of bounds", ipath);
    for (uint64_t i = 0; i < g->nlabel_big; i++)
        if (g->label_big[i].edge >= ne || (i && g->label_big[i].edge <= g->label_big[i - 1].edge))
            FAIL("'%s': wide labels out of order", ipath);
    /* the small arrays, converted from their packed records into malloc'd ones */
    const idx_root *rr = sec_ptr(&m, S_ROOTS, g->nroots * sizeof *rr);
    const idx_big *bb = sec_ptr(&m, S_BIG, g->nbig * sizeof *bb);
    const idx_missing *mm = sec_ptr(&m, S_MISSING, g->nmissing * sizeof *mm);
    const idx_point *pp = sec_ptr(&m, S_POINTS, sc->npoints * sizeof *pp);
    if ((g->nroots && !rr) || (g->nbig && !bb) || (g->nmissing && !mm) || (sc->npoints && !pp) ||
        (g->cache.named_via && !h->sec[S_POINTS].len && sc->npoints))
        FAIL("'%s': a section is missing", ipath);
    g->roots = calloc((size_t)g->nroots + 1, sizeof *g->roots);
    g->big = calloc((size_t)g->nbig + 1, sizeof *g->big);
    g->missing = calloc((size_t)g->nmissing + 1, sizeof *g->missing);
    if (g->cache.named_via) g->cache.points = calloc((size_t)sc->npoints + 1, sizeof *g->cache.points);
    if (!g->roots || !g->big || !g->missing || (g->cache.named_via && !g->cache.points))
        FAIL("out of memory reading '%s'", ipath);
    for (uint32_t i = 0; i < g->nroots; i++) {
        if (rr[i].node >= n) FAIL("'%s': a root out of bounds", ipath);
        g->roots[i] = (graph_root){rr[i].node, (uint8_t)rr[i].kind, rr[i].name, rr[i].count};
    }
    for (uint32_t i = 0; i < g->nbig; i++) {
        if (bb[i].node >= n || (i && bb[i].node <= bb[i - 1].node)) FAIL("'%s': large sizes out of order", ipath);
        g->big[i] = (graph_big_size){bb[i].node, bb[i].size};
    }
    for (uint32_t i = 0; i < g->nmissing; i++) {
        if (mm[i].from >= n) FAIL("'%s': a dangling reference out of bounds", ipath);
        g->missing[i] = (graph_missing_ref){mm[i].from, mm[i].label, (uint8_t)mm[i].kind, mm[i].to};
    }
    for (uint32_t i = 0; i < sc->npoints; i++) {
        const idx_point *q = &pp[i];
        if (q->example >= n) FAIL("'%s': a row out of bounds", ipath);
        g->cache.points[i] = (graph_point){q->example, q->count, q->retained, q->shallow, q->largest, q->folded,
                                           q->external,
                                           {{q->htype[0], q->hcount[0], q->hretained[0]},
                                            {q->htype[1], q->hcount[1], q->hretained[1]}}};
    }
    g->cache.npoints = (uint32_t)sc->npoints;
    g->cache.points_k = (uint32_t)sc->points_k;
    g->cache.points_fold = (uint32_t)sc->points_fold;
    /* the names: an .hsnap of names only, read through to its end */
    const idx_sec *ns = &h->sec[S_NAMES];
    if (!ns->len) FAIL("'%s': no name tables", ipath);
    hs_status hst = hs_reader_open_mem(m.p + ns->off, ns->len, ipath, NULL, &g->reader);
    hs_record rec;
    while (hst == HS_OK) hst = hs_reader_next(g->reader, &rec);
    if (hst != HS_END) FAIL("'%s': name tables unreadable", ipath);
    if (hs_reader_type_count(g->reader) > g->ntypes) FAIL("'%s': name tables do not match", ipath);
    /* the cycle list, when a command that lists cycles wrote it */
    const idx_cycles *ch = sec_ptr(&m, S_CYC_HEAD, sizeof *ch);
    if (!ch && h->sec[S_CYC_HEAD].len) FAIL("'%s': a section is missing", ipath);
    if (ch) {
        if (ch->n > n || ch->ngroups > ch->n || ch->blocks > n) FAIL("'%s': cycle counts out of range", ipath);
        const idx_cycle *cy = sec_ptr(&m, S_CYC_LIST, ch->n * sizeof *cy);
        const idx_cgroup *cg = sec_ptr(&m, S_CYC_GROUPS, ch->ngroups * sizeof *cg);
        const uint32_t *comp = sec_ptr(&m, S_CYC_COMP, n * 4);
        if ((ch->n && !cy) || (ch->ngroups && !cg) || (n && !comp)) FAIL("'%s': a section is missing", ipath);
        if (check_below(comp, n, ch->n + 1, false)) FAIL("'%s': a cycle id out of bounds", ipath);
        graph_cycle_list *l = calloc(1, sizeof *l);
        if (!l) FAIL("out of memory reading '%s'", ipath);
        g->cache.cycles = l;
        l->comp = (uint32_t *)comp;
        l->v = malloc(((size_t)ch->n + 1) * sizeof *l->v);
        l->grp = malloc(((size_t)ch->ngroups + 1) * sizeof *l->grp);
        uint32_t *cnt = calloc((size_t)ch->n + 1, 4), *low = malloc(((size_t)ch->n + 1) * 4);
        if (!l->v || !l->grp || !cnt || !low) {
            free(cnt);
            free(low);
            FAIL("out of memory reading '%s'", ipath);
        }
        /* each cycle's members as the ids count them, and its lowest-index member */
        for (uint32_t v = 0; v < n; v++) {
            uint32_t c = comp[v];
            if (c < ch->n && !cnt[c]++) low[c] = v;
        }
        bool ok = true;
        for (uint32_t i = 0; i < ch->n; i++) {
            const idx_cycle *q = &cy[i];
            ok &= q->members && cnt[i] == q->members && low[i] == q->first;
            l->v[i] = (graph_cycle){i, q->members, q->first, q->bytes, q->kept, q->data, q->key,
                                    (q->flags & IDX_CYC_REACHABLE) != 0, (q->flags & IDX_CYC_FINALIZER) != 0,
                                    (q->flags & IDX_CYC_INTERP) != 0};
        }
        free(cnt);
        free(low);
        if (!ok) FAIL("'%s': cycle members do not match their ids", ipath);
        uint64_t at = 0; /* the groups cover the cycles in order */
        for (uint32_t i = 0; i < ch->ngroups; i++) {
            const idx_cgroup *q = &cg[i];
            if (q->start != at || !q->count || q->count > ch->n - at) FAIL("'%s': cycle groups out of order", ipath);
            at += q->count;
            l->grp[i] = (graph_cycle_group){q->start, q->count, q->members, q->bytes, q->kept,
                                            (q->flags & IDX_CYC_REACHABLE) != 0, (q->flags & IDX_CYC_FINALIZER) != 0,
                                            (q->flags & IDX_CYC_INTERP) != 0};
        }
        if (at != ch->n) FAIL("'%s': cycle groups out of order", ipath);
        l->n = (uint32_t)ch->n;
        l->ngroups = (uint32_t)ch->ngroups;
        l->ncomp = (uint32_t)ch->n + 1;
        l->blocks = ch->blocks, l->bytes = ch->bytes, l->garbage = ch->garbage, l->garbage_bytes = ch->garbage_bytes;
        l->hidden = ch->hidden, l->hidden_blocks = ch->hidden_blocks, l->hidden_bytes = ch->hidden_bytes;
    }
    return 0;
fail:
    if (g->backing == m.p) graph_release(g);
    else munmap(m.p, m.len);
    memset(g, 0, sizeof *g);
    return -1;
#undef FAIL
}

/* ---- writing ---- */
/* The reader's header and tables as an .hsnap of names only, with the dump's own format version. */
static int names_image(const hs_reader *r, load_membuf *out)
{
    hs_encoder *e = NULL;
    if (hs_encoder_new(NULL, load_membuf_sink, out, &e)) return -1;
    const hs_header *h = hs_reader_header(r);
    hs_header empty = {.producer = "heapsnap-index"};
    hs_status st = hs_encoder_header(e, h ? h : &empty);
    uint32_t id;
    for (uint32_t i = 0; !st && i < hs_reader_string_count(r); i++) {
        size_t len;
        const char *s = hs_reader_string(r, i, &len);
        st = hs_encoder_string(e, s, len, &id);
    }
    for (uint32_t i = 0; !st && i < hs_reader_type_count(r); i++) st = hs_encoder_type(e, hs_reader_type(r, i), &id);
    for (uint32_t i = 0; !st && i < hs_reader_frame_count(r); i++)
        st = hs_encoder_frame(e, hs_reader_frame(r, i), &id);
    for (uint32_t i = 0; !st && i < hs_reader_site_count(r); i++) {
        uint32_t nf;
        const uint32_t *f = hs_reader_site(r, i, &nf);
        st = hs_encoder_site(e, f, nf, &id);
    }
    if (!st) st = hs_encoder_finish(e, NULL, 0);
    hs_encoder_free(e);
    if (st || out->n < HS_PREFIX_LEN) return -1;
    if (h) out->p[HS_MAGIC_LEN] = (unsigned char)h->version_major, out->p[HS_MAGIC_LEN + 1] = (unsigned char)h->version_minor;
    return 0;
}

typedef struct idx_out {
    const void *data[S_COUNT];
    idx_head h;
} idx_out;

static void put(idx_out *o, int id, const void *data, uint64_t len)
{
    if (!data || !len) return;
    o->data[id] = data;
    o->h.sec[id].len = len;
}

/* The file goes out through one buffer of IDX_CHUNK bytes, refilled by memcpy, so write(2) always reads
 * pages the kernel has already touched: straight from the graph's arrays it touches each of theirs, which
 * on the VM of docs/analyzer.md#index cost a test program 1.2-2.4 s of CPU for 800 MB, against
 * 0.16-0.23 s through the buffer. */
#define IDX_CHUNK (4u << 20)
typedef struct idx_writer {
    hs_outfile *f;
    unsigned char *buf;
    size_t n;
    hs_status st;
} idx_writer;

static void wr_flush(idx_writer *w)
{
    if (!w->st && w->n) w->st = hs_outfile_write(w->f, w->buf, w->n);
    w->n = 0;
}

/* data NULL: len zero bytes. */
static void wr_put(idx_writer *w, const void *data, uint64_t len)
{
    const unsigned char *p = data;
    while (len && !w->st) {
        size_t c = IDX_CHUNK - w->n < len ? IDX_CHUNK - w->n : (size_t)len;
        if (p) memcpy(w->buf + w->n, p, c), p += c;
        else memset(w->buf + w->n, 0, c);
        w->n += c;
        len -= c;
        if (w->n == IDX_CHUNK) wr_flush(w);
    }
}

/* Write g's index to ipath; 0 or -1 with why. */
static int index_write(const char *ipath, const idx_key *key, unsigned mode, const graph *g, char *why, size_t wcap,
                       uint64_t *bytes)
{
    const uint64_t n = g->n, ne = g->nedges;
    idx_scalars sc;
    memset(&sc, 0, sizeof sc);
    sc.n = n, sc.nedges = ne, sc.addr_base = g->addr_base, sc.nlabel_big = g->nlabel_big, sc.nroots = g->nroots;
    sc.nbig = g->nbig, sc.nmissing = g->nmissing, sc.refs_read = g->refs_read, sc.refs_missing = g->refs_missing;
    sc.refs_orphan = g->refs_orphan, sc.missing_addrs = g->missing_addrs, sc.roots_missing = g->roots_missing;
    sc.total_shallow = g->total_shallow, sc.file_bytes = g->file_bytes, sc.ntypes = g->ntypes;
    sc.reach_count = g->reach_count, sc.unreach_count = g->unreach_count, sc.strong_edges = g->strong_edges;
    sc.nukids = g->nukids, sc.npoints = g->cache.npoints, sc.points_k = g->cache.points_k;
    sc.points_fold = g->cache.points_fold;
    sc.ret_total[0] = g->ret.total[0], sc.ret_total[1] = g->ret.total[1];
    idx_root *rr = calloc((size_t)g->nroots + 1, sizeof *rr);
    idx_big *bb = calloc((size_t)g->nbig + 1, sizeof *bb);
    idx_missing *mm = calloc((size_t)g->nmissing + 1, sizeof *mm);
    idx_point *pp = calloc((size_t)g->cache.npoints + 1, sizeof *pp);
    const graph_cycle_list *cl = g->cache.cycles;
    idx_cycles ch = {0};
    idx_cycle *cy = cl ? calloc((size_t)cl->n + 1, sizeof *cy) : NULL;
    idx_cgroup *cg = cl ? calloc((size_t)cl->ngroups + 1, sizeof *cg) : NULL;
    load_membuf names = {0};
    hs_outfile *f = NULL;
    int rc = -1;
    if (!rr || !bb || !mm || !pp || (cl && (!cy || !cg))) {
        snprintf(why, wcap, "out of memory");
        goto out;
    }
    if (cl) {
        ch = (idx_cycles){cl->n, cl->ngroups, cl->blocks, cl->bytes, cl->garbage, cl->garbage_bytes, cl->hidden,
                          cl->hidden_blocks, cl->hidden_bytes};
        for (uint32_t i = 0; i < cl->n; i++) {
            const graph_cycle *q = &cl->v[i];
            cy[i] = (idx_cycle){q->members, q->first, q->bytes, q->kept, q->data, q->key,
                                (q->reachable ? IDX_CYC_REACHABLE : 0) | (q->finalizer ? IDX_CYC_FINALIZER : 0) |
                                    (q->interp ? IDX_CYC_INTERP : 0),
                                0};
        }
        for (uint32_t i = 0; i < cl->ngroups; i++) {
            const graph_cycle_group *q = &cl->grp[i];
            cg[i] = (idx_cgroup){q->start, q->count, q->members, q->bytes, q->kept,
                                 (q->reachable ? IDX_CYC_REACHABLE : 0) | (q->finalizer ? IDX_CYC_FINALIZER : 0) |
                                     (q->interp ? IDX_CYC_INTERP : 0),
                                 0};
        }
    }
    for (uint32_t i = 0; i < g->nroots; i++)
        rr[i] = (idx_root){g->roots[i].node, g->roots[i].name, g->roots[i].count, g->roots[i].kind, 0};
    for (uint32_t i = 0; i < g->nbig; i++) bb[i] = (idx_big){g->big[i].node, 0, g->big[i].size};
    for (uint32_t i = 0; i < g->nmissing; i++)
        mm[i] = (idx_missing){g->missing[i].from, g->missing[i].label, g->missing[i].to, g->missing[i].kind, 0};
    for (uint32_t i = 0; i < g->cache.npoints; i++) {
        const graph_point *q = &g->cache.points[i];
        pp[i] = (idx_point){q->example, q->count, q->retained, q->shallow, q->largest, q->folded, 0, q->external,
                            {q->held[0].type, q->held[1].type}, {q->held[0].count, q->held[1].count},
                            {q->held[0].retained, q->held[1].retained}};
    }
    if (!g->reader || names_image(g->reader, &names)) {
        snprintf(why, wcap, "cannot encode the name tables");
        goto out;
    }
    {
        const hs_header *h = hs_reader_header(g->reader);
        if (h) sc.version_major = h->version_major, sc.version_minor = h->version_minor;
    }
    idx_out o;
    memset(&o, 0, sizeof o);
    memcpy(o.h.magic, IDX_MAGIC, 8);
    o.h.version = IDX_VERSION;
    o.h.endian = IDX_ENDIAN;
    o.h.key = *key;
    put(&o, S_SCALARS, &sc, sizeof sc);
    put(&o, S_ADDR64, g->addr, g->addr ? n * 8 : 0);
    put(&o, S_ADDR32, g->addr32, g->addr32 ? n * 4 : 0);
    put(&o, S_ADDR_HI, g->addr_hi, g->addr_hi ? n * 2 : 0);
    put(&o, S_SIZE, g->size, n * 4);
    put(&o, S_TYPE, g->type, n * 4);
    put(&o, S_FLAGS, g->flags, n);
    put(&o, S_OUT_OFF, g->out_off, (n + 1) * 4);
    put(&o, S_OUT_TO, g->out_to, ne * 4);
    put(&o, S_OUT_LABEL, g->out_label, g->out_label ? ne * 4 : 0);
    put(&o, S_OUT_LABEL16, g->out_label16, g->out_label16 ? ne * 2 : 0);
    put(&o, S_LABEL_BIG, g->label_big, (uint64_t)g->nlabel_big * sizeof(graph_big_label));
    put(&o, S_OUT_KIND, g->out_kind, ne);
    put(&o, S_ROOTS, rr, (uint64_t)g->nroots * sizeof *rr);
    put(&o, S_BIG, bb, (uint64_t)g->nbig * sizeof *bb);
    put(&o, S_MISSING, mm, (uint64_t)g->nmissing * sizeof *mm);
    put(&o, S_IDOM, g->idom, (n + 2) * 4);
    put(&o, S_RETAINED, g->ret.lo, g->ret.lo ? (n + 1) * 4 : 0);
    put(&o, S_RETAINED_HI, g->ret.hi, g->ret.hi ? n + 1 : 0);
    put(&o, S_RETAINED_WIDE, g->ret.wide, g->ret.wide ? (n + 1) * 8 : 0);
    put(&o, S_REACH, g->reach, (n + 8) / 8);
    put(&o, S_UKIDS, g->ukids, (uint64_t)g->nukids * 4);
    put(&o, S_BFS_VIA, g->cache.bfs_via, n * 4);
    put(&o, S_BFS_DIST, g->cache.bfs_dist, n * 4);
    put(&o, S_NAMED_VIA, g->cache.named_via, n * 4);
    put(&o, S_POINTS, pp, (uint64_t)g->cache.npoints * sizeof *pp);
    put(&o, S_TYPE_RETAINED, g->cache.type_retained, (uint64_t)g->ntypes * 8);
    put(&o, S_NAMES, names.p, names.n);
    put(&o, S_DOM_OFF, g->cache.dom_off, (n + 3) * 4);
    put(&o, S_DOM_KIDS, g->cache.dom_kids, n * 4);
    if (cl) {
        put(&o, S_CYC_HEAD, &ch, sizeof ch);
        put(&o, S_CYC_LIST, cy, (uint64_t)cl->n * sizeof *cy);
        put(&o, S_CYC_GROUPS, cg, (uint64_t)cl->ngroups * sizeof *cg);
        put(&o, S_CYC_COMP, cl->comp, n * 4);
    }
    if (g->in_off) {
        put(&o, S_IN_OFF, g->in_off, (n + 1) * 4);
        put(&o, S_IN_EDGE, g->in_edge, ne * 4);
    }
    uint64_t off = (sizeof o.h + IDX_ALIGN - 1) / IDX_ALIGN * IDX_ALIGN;
    for (int i = 0; i < S_COUNT; i++) {
        idx_sec *s = &o.h.sec[i];
        if (!s->len) continue;
        s->off = off;
        s->sum = hs_checksum64(o.data[i], s->len, IDX_SEED + (uint64_t)i);
        off = (off + s->len + IDX_ALIGN - 1) / IDX_ALIGN * IDX_ALIGN;
    }
    o.h.file_len = off;
    o.h.head_sum = hs_checksum64(&o.h, offsetof(idx_head, head_sum), IDX_SEED);
    hs_error e;
    if (hs_outfile_open(ipath, mode ? mode : 0600, HS_OUTFILE_NO_FSYNC, &f, &e)) {
        snprintf(why, wcap, "cannot write '%s': %s", ipath, e.message);
        goto out;
    }
    idx_writer w = {f, malloc(IDX_CHUNK), 0, HS_OK};
    if (!w.buf) w.st = HS_ERR_NOMEM;
    wr_put(&w, &o.h, sizeof o.h);
    uint64_t at = sizeof o.h;
    for (int i = 0; i < S_COUNT; i++) {
        const idx_sec *s = &o.h.sec[i];
        if (!s->len) continue;
        wr_put(&w, NULL, s->off - at);
        wr_put(&w, o.data[i], s->len);
        at = s->off + s->len;
    }
    wr_put(&w, NULL, off - at);
    wr_flush(&w);
    free(w.buf);
    hs_status st = w.st;
    if (st) {
        const hs_error *we = hs_outfile_error(f);
        snprintf(why, wcap, "writing '%s': %s", ipath, we ? we->message : hs_strerror(st));
        hs_outfile_discard(f);
        goto out;
    }
    if (hs_outfile_commit(f, &e)) {
        snprintf(why, wcap, "writing '%s': %s", ipath, e.message);
        goto out;
    }
    *bytes = off;
    rc = 0;
out:
    free(rr);
    free(bb);
    free(mm);
    free(pp);
    free(cy);
    free(cg);
    free(names.p);
    return rc;
}

/* Whether an index read into g lacks what a caller with these flags needs. */
static bool incomplete(const graph *g, unsigned flags)
{
    const graph_cache *c = &g->cache;
    return ((flags & LOAD_INDEX_NAMED) && (!c->named_via || !c->points_k)) ||
           ((flags & LOAD_INDEX_CYCLES) && (!c->named_via || !c->cycles)) ||
           ((flags & LOAD_INDEX_PATHS) && !c->bfs_via) || ((flags & LOAD_INDEX_TREE) && !c->dom_off) ||
           ((flags & LOAD_INDEX_TYPES) && (!c->dom_off || (g->ntypes && !c->type_retained))) ||
           ((flags & LOAD_INDEX_REFERRERS) && !g->in_off);
}

/* The named search into g->cache (its via; the shapes are never kept, see complete()). */
static graph_status complete_named(graph *g, const graph_progress *p)
{
    graph_cache *c = &g->cache;
    if (c->named_via) return GRAPH_OK;
    return graph_bfs_named(g, &c->named_via, NULL, p);
}

/* What an index holds beyond the graph, as far as the flags ask, into g (g owns it). Always the dominators
 * (every command that writes an index shows them); the root search only with LOAD_INDEX_PATHS, the
 * dominator children with LOAD_INDEX_TREE or _TYPES, per-type retained bytes with _TYPES, the referrers
 * with _REFERRERS, the named search
 * and top's rows with _NAMED, the cycle list and the named search (without its shapes) with _CYCLES: each
 * command computes its own part anyway, and what it does not need is left to the first command that does
 * (it adds its part, and these cheaper ones all at once, `all`, so that happens once). */
static graph_status complete(graph *g, unsigned flags, bool all, const graph_progress *p)
{
    const bool rows = (flags & LOAD_INDEX_NAMED) != 0, cycles = (flags & LOAD_INDEX_CYCLES) != 0;
    const bool types = all || (flags & LOAD_INDEX_TYPES), tree = types || (flags & LOAD_INDEX_TREE);
    graph_status st = graph_dominators(g, p);
    graph_cache *c = &g->cache;
    if (!st && (all || (flags & LOAD_INDEX_PATHS)) && !c->bfs_via) st = graph_bfs(g, &c->bfs_via, &c->bfs_dist, p);
    if (!st && tree && !c->dom_off) st = graph_dom_children(g, &c->dom_off, &c->dom_kids);
    if (!st && (all || (flags & LOAD_INDEX_REFERRERS)) && !g->in_off) st = graph_referrers(g);
    if (!st && rows && (!c->points || !c->points_k)) { /* none, or an index's empty set (a search without rows) */
        /* the named search again, with the shapes the rows are grouped by: they are the rows' scratch, not
         * kept (8 bytes a block less at the peak; a top with another --fold or more rows searches again) */
        free(c->points);
        c->points = NULL;
        uint32_t *via = NULL;
        uint64_t *shape = NULL;
        if ((st = graph_bfs_named(g, &via, &shape, p))) return st; /* (with shapes it always searches) */
        if (!graph_backed(g, c->named_via)) free(c->named_via);
        c->named_via = via;
        st = graph_points_find(g, shape, GRAPH_POINT_FOLD, GRAPH_POINTS_PREFIX, &c->points, &c->npoints);
        free(shape);
        c->points_k = GRAPH_POINTS_PREFIX;
        c->points_fold = GRAPH_POINT_FOLD;
    }
    if (!st && cycles) st = complete_named(g, p);
    if (!st && cycles && !c->cycles) {
        graph_cycle_list *l = malloc(sizeof *l);
        if (!l) return GRAPH_ERR_NOMEM;
        if ((st = graph_cycles_find(g, l, p))) free(l);
        else c->cycles = l;
    }
    if (!st && types && !c->type_retained) {
        uint64_t *tr = malloc(((size_t)g->ntypes + 1) * 8);
        if (!tr) return GRAPH_ERR_NOMEM;
        st = graph_type_retained(g, tr);
        if (st) free(tr);
        else c->type_retained = tr;
    }
    return st;
}

graph_status load_graph_indexed(const char *path, graph *g, unsigned flags, const graph_progress *p,
                                load_index_info *info, graph_load_error *err)
{
    memset(info, 0, sizeof *info);
    idx_key key;
    unsigned mode = 0;
    bool keyed = index_wanted() && dump_key(path, &key, &mode);
    char beside[4096], cached[4096];
    path_beside(path, beside, sizeof beside);
    if (keyed && (flags & LOAD_INDEX_READ) && !(flags & LOAD_INDEX_REBUILD)) {
        path_cached(path, cached, sizeof cached, false);
        char why2[sizeof info->why];
        const char *at = beside[0] && index_read(beside, &key, g, info->why, sizeof info->why) == 0 ? beside
                         : cached[0] && index_read(cached, &key, g, why2, sizeof why2) == 0       ? cached
                                                                                                   : NULL;
        if (at) {
            info->used = true;
            snprintf(info->path, sizeof info->path, "%s", at);
            /* an index without the named search, the rows or the cycles, read by a command that
             * needs them: compute them, and add them */
            if (incomplete(g, flags)) {
                graph_status st = complete(g, flags, true, p);
                if (st) {
                    snprintf(err->message, sizeof err->message, "out of memory completing the index");
                    graph_release(g);
                    return st;
                }
                graph_tick(p, "writing the index", 0, 0);
                if (index_write(at, &key, mode, g, info->why, sizeof info->why, &info->bytes) == 0) info->written = true;
                graph_tick(p, NULL, 0, 0);
            }
            return GRAPH_OK;
        }
    }
    if (!keyed)
        snprintf(info->why, sizeof info->why, "%s",
                 index_wanted() ? "no index for what is not a regular file" : "the index is off (HEAPSNAP_INDEX=0)");
    if (flags & LOAD_INDEX_ONLY) {
        snprintf(err->message, sizeof err->message, "%.300s", info->why[0] ? info->why : "no valid index");
        err->reader_status = HS_OK;
        return GRAPH_ERR_INPUT;
    }
    graph_status st = graph_load_file(path, g, p, err);
    if (st || !keyed) return st;
    if (!(flags & LOAD_INDEX_WRITE)) return GRAPH_OK;
    if (!(flags & LOAD_INDEX_ALWAYS) && g->n < min_blocks()) {
        snprintf(info->why, sizeof info->why, "%u blocks: below HEAPSNAP_INDEX_MIN_BLOCKS (%llu)", g->n,
                 (unsigned long long)min_blocks());
        return GRAPH_OK;
    }
    if (g->site) {
        snprintf(info->why, sizeof info->why, "allocation sites are not kept in an index");
        return GRAPH_OK;
    }
    if ((st = complete(g, flags, false, p))) {
        snprintf(err->message, sizeof err->message, "out of memory building the index");
        graph_release(g);
        return st;
    }
    graph_tick(p, "writing the index", 0, 0);
    if (beside[0] && index_write(beside, &key, mode, g, info->why, sizeof info->why, &info->bytes) == 0) {
        info->written = true;
        snprintf(info->path, sizeof info->path, "%s", beside);
    } else {
        path_cached(path, cached, sizeof cached, true);
        char why2[sizeof info->why];
        if (cached[0] && index_write(cached, &key, mode, g, why2, sizeof why2, &info->bytes) == 0) {
            info->written = true;
            snprintf(info->path, sizeof info->path, "%s", cached);
        }
    }
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
}

int load_index_add(const char *path, const char *ipath, const graph *g, char *why, size_t wcap)
{
    idx_key key;
    unsigned mode = 0;
    if (!index_wanted() || !dump_key(path, &key, &mode)) {
        snprintf(why, wcap, "no index for '%s'", path);
        return -1;
    }
    /* the index there now: still keyed to the dump, and without the referrers */
    int fd = open(ipath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    idx_head h;
    bool ok = fd >= 0 && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
    if (fd >= 0) close(fd);
    if (!ok || memcmp(h.magic, IDX_MAGIC, 8) != 0 || h.version != IDX_VERSION || h.endian != IDX_ENDIAN ||
        hs_checksum64(&h, offsetof(idx_head, head_sum), IDX_SEED) != h.head_sum ||
        memcmp(&h.key, &key, sizeof key) != 0) {
        snprintf(why, wcap, "'%s' is no longer the index of '%s'", ipath, path);
        return -1;
    }
    if (!g->in_off || h.sec[S_IN_OFF].len) return 1;
    uint64_t bytes;
    return index_write(ipath, &key, mode, g, why, wcap, &bytes) == 0 ? 0 : -1;
}
