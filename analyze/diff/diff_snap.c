/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_snap.c — one snapshot's side of a comparison:
 * diff_snap_build() loads the graph and its dominator tree, gives every node
 * its retainer-path signature (see diff.h), gathers the signature groups,
 * the per-type totals (count, shallow, retained by the union of the
 * instances' dominator subtrees) and the sorted identity keys, then drops
 * the graph unless asked to keep it. See docs/diff.md.
 *
 * Steps. One pass over the references picks each node's step: the
 * smallest candidate hash, where a reference from the node's immediate
 * dominator (or a root record, under the super-root) has the top bit clear
 * and any other strong referrer's (holder type, label) has it set, so a
 * direct step always wins. Then an iterative depth-first walk of the
 * dominator tree (explicit stack, no recursion) turns steps into signatures
 * in place, parents first. O(n + m) plus the sort of the keys (LSD radix).
 * Memory beyond the graph: 8 bytes per node (steps, then signatures), the
 * dominator-tree CSR while walking (8), the keys (8, plus 8 while sorting)
 * and the group table (about 64 bytes per distinct signature).
 */
#define _POSIX_C_SOURCE 200809L
#include "diff/diff.h"
#include "graph/graph_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOP_BIT (UINT64_C(1) << 63)
#define SIG_SUPER UINT64_C(0x5a17c0de00000001)
#define SIG_UNREACH UINT64_C(0x5a17c0de00000002)

unsigned diff_key_mode(char *const *paths, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!graph_file_is_v8(paths[i])) return 0;
    return n ? DIFF_ID_KEYS : 0;
}

uint64_t diff_key(const diff_snap *s, uint32_t v)
{
    /* fmix64 is a bijection: distinct ids never share a key, and the keys
     * stay uniform for diff_keys_contain's interpolation */
    if (s->id_keys) return hash_fmix64(graph_addr(&s->g, v));
    return hash_mix(hash_mix(graph_addr(&s->g, v), s->type_hash[s->g.type[v]]), s->sig[v]);
}

/* The keys are hashes, uniform over 64 bits: interpolate the position, then
 * a short binary search around it (a few probes instead of log2 n). */
bool diff_keys_contain(const uint64_t *keys, uint32_t n, uint64_t key)
{
    if (!n) return false;
    double f = (double)key / 18446744073709551616.0 * (double)n;
    uint32_t guess = f >= (double)n ? n - 1 : (uint32_t)f, lo, hi;
    uint64_t step = 64;
    for (;;) { /* widen a window around the guess until it brackets the key */
        lo = guess > step ? (uint32_t)(guess - step) : 0;
        hi = n - guess > step ? (uint32_t)(guess + step) : n;
        if ((lo == 0 || keys[lo] <= key) && (hi == n || keys[hi - 1] >= key)) break;
        step *= 4;
    }
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < key) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && keys[lo] == key;
}

uint64_t *diff_keys_minus(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb, uint32_t *nout)
{
    uint64_t *out = malloc(((size_t)na + 1) * 8);
    if (!out) return NULL;
    uint32_t i = 0, j = 0, k = 0;
    while (i < na) {
        while (j < nb && b[j] < a[i]) j++;
        if (j >= nb || b[j] != a[i]) out[k++] = a[i];
        i++;
    }
    *nout = k;
    return out;
}

/* LSD radix sort, 16-bit digits; tmp has room for n keys. */
static void radix_sort(uint64_t *a, uint64_t *tmp, uint32_t n)
{
    uint32_t *cnt = malloc(65536 * 4);
    if (!cnt) return;
    for (int pass = 0; pass < 4; pass++) {
        int sh = pass * 16;
        memset(cnt, 0, 65536 * 4);
        for (uint32_t i = 0; i < n; i++) cnt[(a[i] >> sh) & 0xFFFF]++;
        uint32_t sum = 0;
        for (uint32_t d = 0; d < 65536; d++) {
            uint32_t c = cnt[d];
            cnt[d] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++) tmp[cnt[(a[i] >> sh) & 0xFFFF]++] = a[i];
        memcpy(a, tmp, (size_t)n * 8);
    }
    free(cnt);
}

static void fail(diff_snap *s, graph_status st, const char *msg)
{
    if (!s->status) {
        s->status = st;
        snprintf(s->message, sizeof s->message, "%s", msg);
    }
}

typedef struct str_hashes {
    const hs_reader *r;
    uint64_t *h;
    uint32_t n;
} str_hashes;

static uint64_t str_hash(str_hashes *sh, uint32_t id)
{
    if (id == HS_NONE) return 0x11;
    if (id < sh->n && sh->h[id]) return sh->h[id];
    size_t len = 0;
    const char *p = sh->r ? hs_reader_string(sh->r, id, &len) : NULL;
    uint64_t h = p ? hash_bytes(p, len) | 1 : hash_mix(0x13, id);
    if (id < sh->n) sh->h[id] = h;
    return h;
}

static uint64_t label_hash(str_hashes *sh, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_STRING) return hash_mix(1, str_hash(sh, label));
    if (lt == HS_LABEL_INDEX) return hash_mix(2, kind & GRAPH_LABEL_CLIPPED ? UINT32_MAX : label);
    return 3;
}

static uint64_t edge_step(const graph *g, const uint64_t *type_hash, str_hashes *sh, uint32_t u, uint32_t e)
{
    uint32_t w = g->out_to[e];
    uint64_t lh = label_hash(sh, g->out_kind[e], graph_label(g, e));
    if (g->idom[w] == u) return lh & ~TOP_BIT;
    return hash_mix(type_hash[g->type[u]], lh) | TOP_BIT;
}

static uint64_t root_step(str_hashes *sh, const graph_root *r)
{
    return hash_mix(hash_mix(5, r->kind), str_hash(sh, r->name)) & ~TOP_BIT;
}

uint64_t diff_edge_step(const diff_snap *s, uint32_t u, uint32_t e)
{
    str_hashes sh = {s->g.reader, NULL, 0};
    return edge_step(&s->g, s->type_hash, &sh, u, e);
}

uint64_t diff_root_step(const diff_snap *s, uint32_t r)
{
    str_hashes sh = {s->g.reader, NULL, 0};
    return root_step(&sh, &s->g.roots[r]);
}

/* Type names, their hashes, and per-type count and shallow bytes on `side`. */
static graph_status build_types(diff_snap *s)
{
    const graph *g = &s->g;
    s->type_hash = calloc((size_t)s->ntypes + 1, 8);
    s->types = calloc((size_t)s->ntypes + 1, sizeof *s->types);
    if (!s->type_hash || !s->types) return GRAPH_ERR_NOMEM;
    for (uint32_t t = 0; t < s->ntypes; t++) {
        char buf[512];
        const char *name = graph_type_name(g->reader, t, buf, sizeof buf);
        s->type_hash[t] = hash_bytes(name, strlen(name));
        s->types[t].hash = s->type_hash[t];
        if (!(s->types[t].name = strdup(name))) return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        diff_type *t = &s->types[g->type[v]];
        t->count[s->side]++;
        t->shallow[s->side] += graph_size(g, v);
    }
    return GRAPH_OK;
}

/* step[v]: the smallest step candidate of every node (docs/diff.md#signatures). */
static void build_steps(const diff_snap *s, str_hashes *sh, uint64_t *step)
{
    const graph *g = &s->g;
    const uint32_t n = g->n;
    for (uint32_t v = 0; v < n + 2; v++) step[v] = UINT64_MAX;
    for (uint32_t r = 0; r < g->nroots; r++) {
        uint32_t v = g->roots[r].node;
        if (v >= n || g->idom[v] != GRAPH_SUPER(g)) continue;
        uint64_t c = root_step(sh, &g->roots[r]);
        if (c < step[v]) step[v] = c;
    }
    for (uint32_t u = 0; u < n; u++) {
        bool ru = graph_reachable(g, u);
        for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            if (!graph_is_strong(g->out_kind[e])) continue;
            uint32_t w = g->out_to[e];
            if (g->idom[w] != u && graph_reachable(g, w) != ru) continue;
            uint64_t c = edge_step(g, s->type_hash, sh, u, e);
            if (c < step[w]) step[w] = c;
        }
    }
}

/* Count node v (signature s->sig[v], dominator parent p or none) in its group. */
static graph_status group_add(diff_snap *s, uint32_t v, uint32_t p)
{
    bool created;
    uint32_t gi = diff_gtab_get(&s->groups, s->sig[v], &created);
    if (gi == GRAPH_NONE) return GRAPH_ERR_NOMEM;
    diff_group *gr = &s->groups.v[gi];
    if (created) {
        gr->parent_sig = p == GRAPH_NONE ? 0 : s->sig[p];
        gr->type_hash = v < s->g.n ? s->type_hash[s->g.type[v]] : 0;
        gr->example = v;
    } else if (v < s->g.n && gr->example < s->g.n && graph_retained(&s->g, v) > graph_retained(&s->g, gr->example)) {
        gr->example = v; /* the member retaining the most: the one a reader looks at */
    }
    gr->count[s->side]++;
    gr->retained[s->side] += graph_retained(&s->g, v);
    return GRAPH_OK;
}

/* One walk of the dominator tree, parents first (SUPER's tree, then
 * UNREACH's), on an explicit stack: signatures from the steps (in place
 * of them, in s->sig), the preorder when kept, the groups when asked, and
 * each type's retained bytes counted at its topmost instances (anc[t]:
 * instances of t on the current chain). */
static graph_status walk_tree(diff_snap *s, unsigned what, uint32_t *anc)
{
    const graph *g = &s->g;
    const uint32_t n = g->n;
    uint32_t *off = NULL, *kids = NULL, cap = 1024, depth = 0, norder = 0;
    if (graph_dom_children(g, &off, &kids)) return GRAPH_ERR_NOMEM;
    uint32_t *stk = malloc((size_t)cap * 4), *pos = malloc((size_t)cap * 4);
    graph_status st = GRAPH_ERR_NOMEM;
    if (!stk || !pos) goto out;
    if ((what & DIFF_KEEP_GRAPH) && !(s->order = malloc(((size_t)n + 2) * 4))) goto out;
    for (int top = 0; top < 2; top++) {
        uint32_t x = top ? GRAPH_UNREACH(g) : GRAPH_SUPER(g);
        s->sig[x] = top ? SIG_UNREACH : SIG_SUPER;
        if (s->order) s->order[norder++] = x;
        if ((what & DIFF_GROUPS) && group_add(s, x, GRAPH_NONE)) goto out;
        stk[0] = x;
        pos[0] = off[x];
        depth = 1;
        while (depth) {
            uint32_t p = stk[depth - 1];
            if (pos[depth - 1] == off[p + 1]) { /* leave p */
                if (p < n) anc[g->type[p]]--;
                depth--;
                continue;
            }
            uint32_t v = kids[pos[depth - 1]++];
            /* enter v */
            uint32_t t = g->type[v];
            uint64_t stepv = s->sig[v] == UINT64_MAX ? 0x77 : s->sig[v];
            s->sig[v] = hash_mix(hash_mix(s->sig[p], stepv), s->type_hash[t]);
            if (s->order) s->order[norder++] = v;
            if (!anc[t]++) s->types[t].retained[s->side] += graph_retained(g, v);
            if ((what & DIFF_GROUPS) && group_add(s, v, p)) goto out;
            if (depth == cap) {
                uint32_t *ns = realloc(stk, (size_t)cap * 2 * 4);
                if (ns) stk = ns;
                uint32_t *np = ns ? realloc(pos, (size_t)cap * 2 * 4) : NULL;
                if (np) pos = np;
                if (!ns || !np) goto out;
                cap *= 2;
            }
            stk[depth] = v;
            pos[depth] = off[v];
            depth++;
        }
    }
    st = GRAPH_OK;
out:
    free(stk);
    free(pos);
    free(off);
    free(kids);
    return st;
}

/* s->keys: the sorted identity keys of every block. */
static graph_status build_keys(diff_snap *s)
{
    const uint32_t n = s->g.n;
    s->keys = malloc(((size_t)n + 1) * 8);
    uint64_t *tmp = malloc(((size_t)n + 1) * 8);
    if (!s->keys || !tmp) {
        free(tmp);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < n; v++) s->keys[v] = diff_key(s, v);
    s->nkeys = n;
    radix_sort(s->keys, tmp, n);
    free(tmp);
    return GRAPH_OK;
}

void diff_snap_build(diff_snap *s, const char *path, int side, unsigned what, diff_group_by group_by)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->side = side;
    graph *g = &s->g;
    graph_load_error err;
    graph_status st;
    /* an index keeps no allocation sites: a V8 snapshot's come from its own load */
    if ((what & DIFF_INDEX) && !((what & DIFF_SITES) && graph_file_is_v8(path))) {
        load_index_info info;
        st = load_graph_indexed(path, g,
                                LOAD_INDEX_READ | LOAD_INDEX_WRITE | LOAD_INDEX_TREE |
                                    ((what & DIFF_KEEP_GRAPH) ? LOAD_INDEX_NAMED : 0),
                                NULL, &info, &err);
    } else {
        st = graph_load_file_ex(path, g, NULL, (what & DIFF_SITES) ? GRAPH_LOAD_SITES : 0, &err);
    }
    if (st) {
        fail(s, st, err.message);
        return;
    }
    s->has_graph = true;
    if (what & DIFF_ID_KEYS) {
        const hs_header *h = g->reader ? hs_reader_header(g->reader) : NULL;
        bool v8 = false;
        for (size_t i = 0; h && i < h->ntags; i++)
            v8 |= h->tags[i].key && h->tags[i].value && !strcmp(h->tags[i].key, "source") &&
                  !strcmp(h->tags[i].value, "v8-heapsnapshot");
        if (!v8) { /* diff_key_mode saw a V8 snapshot here: the file changed under us */
            fail(s, GRAPH_ERR_INPUT, "not a V8 snapshot any more (changed while being read?)");
            return;
        }
        s->id_keys = true;
    }
    if (graph_dominators(g, NULL)) {
        fail(s, GRAPH_ERR_NOMEM, "out of memory computing dominators");
        return;
    }
    s->blocks = g->n;
    s->total_shallow = g->total_shallow;
    load_process_memory(g->reader ? hs_reader_header(g->reader) : NULL, &s->mem);
    s->reachable_bytes = graph_retained(g, GRAPH_SUPER(g));
    s->unreachable_bytes = graph_retained(g, GRAPH_UNREACH(g));
    s->ntypes = g->ntypes;
    s->site_decls = g->reader ? hs_reader_site_count(g->reader) : 0;
    str_hashes sh = {g->reader, NULL, g->reader ? hs_reader_string_count(g->reader) : 0};
    sh.h = calloc((size_t)sh.n + 1, 8);
    s->sig = malloc(((size_t)g->n + 2) * 8);
    uint32_t *anc = calloc((size_t)s->ntypes + 1, 4);
    bool ok = sh.h && s->sig && anc && !build_types(s);
    if (ok) build_steps(s, &sh, s->sig); /* the steps, which the walk turns into signatures */
    ok = ok && !walk_tree(s, what, anc) && (!(what & DIFF_KEYS) || !build_keys(s));
    free(sh.h);
    free(anc);
    if (!ok) {
        fail(s, GRAPH_ERR_NOMEM, "out of memory comparing snapshots");
        return;
    }
    /* sites: from the graph when it kept them (a V8 snapshot), else a second pass below */
    if ((what & DIFF_SITES) && g->site && diff_sites_graph(s, g, group_by)) return;
    /* the paths that name owners the way the program does (out_name) */
    if ((what & DIFF_KEEP_GRAPH) && graph_bfs_named(g, &s->via, NULL, NULL)) {
        fail(s, GRAPH_ERR_NOMEM, "out of memory comparing snapshots");
        return;
    }
    if (!(what & DIFF_KEEP_GRAPH)) {
        free(s->sig);
        s->sig = NULL;
        graph_release(g);
        s->has_graph = false;
    }
    if ((what & DIFF_SITES) && s->site_decls && !s->has_sites) diff_sites_read(s, path, group_by);
}

void diff_snap_release(diff_snap *s)
{
    if (s->has_graph) graph_release(&s->g);
    s->has_graph = false;
    free(s->sig);
    free(s->order);
    free(s->via);
    free(s->type_hash);
    free(s->keys);
    if (s->types)
        for (uint32_t t = 0; t < s->ntypes; t++) free(s->types[t].name);
    free(s->types);
    free(s->groups.v);
    free(s->groups.slot);
    if (s->sites)
        for (uint32_t i = 0; i < s->nsites; i++) free(s->sites[i].text);
    free(s->sites);
    memset(s, 0, sizeof *s);
}
