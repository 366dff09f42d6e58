/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_paths.c — shortest retainer paths: graph_bfs() and
 * graph_edge_from(). Implements docs/analyzer.md#paths.
 *
 * Algorithm. Breadth-first search (E. F. Moore, "The shortest path through
 * a maze", 1959) from the super-root over strong references; the roots are
 * the first level, global roots first, then stack, external, runtime and
 * other roots, each kind in record order — so among equally short paths the
 * one from a module or global variable is reported, the most telling to a
 * reader (a module's globals are also a running frame's locals). Each block keeps the one edge that
 * reached it first (4 bytes), so the shortest path to any block is read
 * backwards from it; the holder of an edge is found by binary search in
 * the forward CSR offsets instead of a second array. The queue is known
 * ahead of the search, so the offsets, references and targets of the
 * blocks a few places ahead are prefetched in three stages and the cache
 * misses overlap. O(n + m) time, a queue of at most n entries. Iterative,
 * no recursion.
 *
 * graph_bfs_named() searches one root rank at a time: a block any global
 * root reaches gets its path from a global root, however long, before a
 * stack root's shorter one — the path a programmer names it by (out_name)
 * — and within a rank weighs references by what they add to the name
 * (Dial's algorithm, R. B. Dial, "Shortest-path forest with topological
 * ordering", CACM 1969: three buckets for weights 0-2; O(n + m)). It can also hash each path's shape (root, holder types,
 * names; indexes and unlabelled entries wildcarded) on the way, so blocks
 * reached the same way compare equal (graph_points.c).
 */
#include "graph/graph.h"

#include "graph/graph_hash.h"

#include <stdlib.h>
#include <string.h>

uint32_t graph_edge_from(const graph *g, uint32_t e)
{
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->out_off[mid + 1] <= e) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

#define BFS_PF1 4u  /* queue entries ahead: their targets' via */
#define BFS_PF2 12u /* their references */
#define BFS_PF3 24u /* their offsets */

/* The search from the queue entries [*head, *tail): each strong reference
 * to an unseen block records its edge in via[] (and the level in dist[],
 * the path shape in shape[], when given) and queues it. */
typedef struct shape_ctx {
    uint64_t *shape;     /* [n], or NULL: no shapes */
    const uint8_t *data; /* [ntypes]: a mapping type, whose names are data keys */
    uint32_t dict_id;    /* the string id of "__dict__" (HS_NONE: none) */
} shape_ctx;

/* Whether v is a data mapping: a mapping not reached as an object's __dict__. */
static bool data_mapping(const graph *g, const uint32_t *via, const shape_ctx *c, uint32_t v)
{
    if (!c->data || g->type[v] >= g->ntypes || !c->data[g->type[v]]) return false;
    uint32_t e = via[v];
    return !(e < g->nedges && ((g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u) == HS_LABEL_STRING &&
             graph_label(g, e) == c->dict_id);
}

static void bfs_run(const graph *g, uint32_t *via, uint32_t *queue, uint32_t *headp, uint32_t *tailp, uint32_t *dist,
                    const shape_ctx *sc, const graph_progress *p)
{
    const uint32_t n = g->n;
    uint32_t head = *headp, tail = *tailp;
    const uint32_t *off = g->out_off, *to = g->out_to;
    const uint8_t *kind = g->out_kind;
    while (head < tail) {
        /* the queue is known ahead: prefetch in three stages (offsets, then
         * references, then the targets' via), so the misses overlap */
        if (head + BFS_PF3 < tail) __builtin_prefetch(&off[queue[head + BFS_PF3]]);
        if (head + BFS_PF2 < tail) {
            uint32_t u = queue[head + BFS_PF2];
            __builtin_prefetch(&to[off[u]]);
            __builtin_prefetch(&kind[off[u]]);
        }
        if (head + BFS_PF1 < tail) {
            uint32_t u = queue[head + BFS_PF1];
            for (uint32_t e = off[u], ee = off[u + 1]; e < ee && e < off[u] + 8; e++) __builtin_prefetch(&via[to[e]]);
        }
        uint32_t v = queue[head++];
        uint64_t *shape = sc->shape, sv = shape ? hash_mix(shape[v], g->type[v]) : 0;
        bool data = shape && data_mapping(g, via, sc, v);
        for (uint32_t e = off[v]; e < off[v + 1]; e++) {
            if (!graph_is_strong(kind[e])) continue;
            uint32_t w = to[e];
            if (via[w] != GRAPH_NONE) continue;
            via[w] = e;
            if (dist) dist[w] = dist[v] + 1;
            if (shape) shape[w] = hash_mix(sv, data ? UINT64_C(0x2a) : graph_step_shape(g, e));
            queue[tail++] = w;
        }
        if ((head & 0xFFFFF) == 0) graph_tick(p, "paths", head, n);
    }
    *headp = head;
    *tailp = tail;
}

/* A root's shape: its kind and name; for a frame root ("thread 12: f
 * (app.py:8)") the part after the thread, so threads blocked in one place
 * compare equal. */
static uint64_t root_shape(const graph *g, const graph_root *rt)
{
    uint64_t h = hash_mix(UINT64_C(0x524f4f54), rt->kind);
    size_t len = 0;
    const char *s = rt->name != HS_NONE && g->reader ? hs_reader_string(g->reader, rt->name, &len) : NULL;
    if (!s) return hash_mix(h, rt->name);
    if (rt->kind == HS_ROOT_STACK) {
        const char *c = memchr(s, ':', len);
        if (c && (size_t)(c - s) + 1 < len && c[1] == ' ') len -= (size_t)(c + 2 - s), s = c + 2;
    }
    return hash_mix(h, hash_bytes(s, len));
}

/* Seed the roots of rank `pass` (all ranks when pass > 4) not reached yet. */
static void bfs_seed(const graph *g, uint32_t *via, uint32_t *queue, uint32_t *tail, uint32_t *dist, uint64_t *shape,
                     unsigned pass)
{
    for (unsigned r0 = pass > 4 ? 0 : pass, r1 = pass > 4 ? 4 : pass; r0 <= r1; r0++) { /* graph_root_rank() order */
        for (uint32_t r = 0; r < g->nroots; r++) {
            const graph_root *rt = &g->roots[r];
            if (graph_root_rank(rt->kind) != r0) continue;
            uint32_t v = rt->node;
            if (via[v] != GRAPH_NONE) continue;
            via[v] = g->nedges + r;
            if (dist) dist[v] = 1;
            if (shape) shape[v] = root_shape(g, rt);
            queue[(*tail)++] = v;
        }
    }
}

static graph_status bfs(const graph *g, uint32_t **viap, uint32_t **distp, const graph_progress *p)
{
    const uint32_t n = g->n;
    if ((uint64_t)g->nedges + g->nroots + 1 >= GRAPH_NONE) return GRAPH_ERR_LIMIT;
    uint32_t *via = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    uint32_t *queue = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    uint32_t *dist = distp ? graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4) : NULL;
    if (!via || !queue || (distp && !dist)) {
        free(via);
        free(queue);
        free(dist);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < n; v++) via[v] = GRAPH_NONE;
    uint32_t head = 0, tail = 0;
    shape_ctx sc = {NULL, NULL, HS_NONE};
    bfs_seed(g, via, queue, &tail, dist, NULL, 5);
    bfs_run(g, via, queue, &head, &tail, dist, &sc, p);
    free(queue);
    *viap = via;
    if (distp) *distp = dist;
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
}

/* A malloc'd copy of a saved [n] array of `w`-byte items, or NULL. */
static void *copy_saved(const graph *g, const void *src, size_t w)
{
    void *d = graph_huge(malloc(((size_t)g->n + 1) * w), ((size_t)g->n + 1) * w);
    if (d) memcpy(d, src, (size_t)g->n * w);
    return d;
}

graph_status graph_bfs(const graph *g, uint32_t **viap, uint32_t **distp, const graph_progress *p)
{
    if (g->cache.bfs_via && (!distp || g->cache.bfs_dist)) {
        uint32_t *via = copy_saved(g, g->cache.bfs_via, 4), *dist = distp ? copy_saved(g, g->cache.bfs_dist, 4) : NULL;
        if (!via || (distp && !dist)) {
            free(via);
            free(dist);
            return GRAPH_ERR_NOMEM;
        }
        *viap = via;
        if (distp) *distp = dist;
        return GRAPH_OK;
    }
    return bfs(g, viap, distp, p);
}

/* ---- the named search: Dial's buckets over references weighted 0, 1, 2 ---- */
/* A reference's weight is what it adds to a name: 0 for the steps a name
 * leaves out (__dict__, __closure__, cell_contents), 1 for a name, an
 * index or a container's item, 2 for an unlabelled reference from
 * anything else (it reads ".<type>"). So among the paths from one kind of
 * root the one that reads shortest wins: `_ctypes._pointer_type_cache`
 * through the module's __dict__, not the module state's unlabelled
 * reference to the same dict. */
typedef struct named_ctx {
    const graph *g;
    uint32_t *via;
    uint8_t *dist3;           /* [n] a reached block's distance mod 3 (see named_run) */
    uint8_t *settled;         /* [n/8] */
    uint32_t *bucket[3];      /* Dial's buckets, by distance mod 3 */
    size_t nb[3], cap[3];
    const uint8_t *container; /* [ntypes] or NULL */
    uint32_t skip_id[3];      /* the labels a name leaves out */
    shape_ctx sc;
    bool nomem;
    uint32_t ticks;           /* blocks settled, for progress */
} named_ctx;

static void named_push(named_ctx *c, uint32_t d, uint32_t v)
{
    unsigned b = d % 3;
    if (c->nb[b] == c->cap[b]) {
        size_t cap = c->cap[b] ? c->cap[b] * 2 : 4096;
        uint32_t *q = realloc(c->bucket[b], cap * 4);
        if (!q) {
            c->nomem = true;
            return;
        }
        c->bucket[b] = q;
        c->cap[b] = cap;
    }
    c->bucket[b][c->nb[b]++] = v;
}

static unsigned named_weight(const named_ctx *c, uint32_t v, uint32_t e)
{
    const graph *g = c->g;
    unsigned lt = (g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_STRING) {
        uint32_t l = graph_label(g, e);
        return l == c->skip_id[0] || l == c->skip_id[1] || l == c->skip_id[2] ? 0 : 1;
    }
    if (lt == HS_LABEL_INDEX) return 1;
    return c->container && g->type[v] < g->ntypes && c->container[g->type[v]] ? 1 : 2;
}

/* Search from what the buckets hold (distance 0) until they are empty.
 * Distances are kept mod 3, a byte a block: while bucket d is searched,
 * every block reached and not settled is at d, d+1 or d+2 (weights are at
 * most 2, and a search ends with every block it reached settled), so the
 * residue tells which. */
static void named_run(named_ctx *c, const graph_progress *p)
{
    const graph *g = c->g;
    uint32_t *via = c->via;
    uint8_t *dist3 = c->dist3;
    uint64_t *shape = c->sc.shape;
    for (uint32_t d = 0; c->nb[0] + c->nb[1] + c->nb[2] && !c->nomem; d++) {
        unsigned b = d % 3;
        for (size_t i = 0; i < c->nb[b]; i++) { /* weight-0 steps append to this bucket */
            uint32_t v = c->bucket[b][i];
            if ((c->settled[v >> 3] >> (v & 7)) & 1 || dist3[v] != b) continue;
            c->settled[v >> 3] |= (uint8_t)(1u << (v & 7));
            if ((++c->ticks & 0xFFFFF) == 0) graph_tick(p, "paths", c->ticks, g->n);
            uint64_t sv = shape ? hash_mix(shape[v], g->type[v]) : 0;
            bool data = shape && data_mapping(g, via, &c->sc, v);
            for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                if (!graph_is_strong(g->out_kind[e])) continue;
                uint32_t w = g->out_to[e], nd = d + named_weight(c, v, e);
                if ((c->settled[w >> 3] >> (w & 7)) & 1 ||
                    (via[w] != GRAPH_NONE && d + (dist3[w] + 3u - b) % 3u <= nd))
                    continue;
                via[w] = e;
                dist3[w] = (uint8_t)(nd % 3);
                if (shape) shape[w] = hash_mix(sv, data ? UINT64_C(0x2a) : graph_step_shape(g, e));
                named_push(c, nd, w);
            }
        }
        c->nb[b] = 0;
    }
}

graph_status graph_bfs_named(const graph *g, uint32_t **viap, uint64_t **shapep, const graph_progress *p)
{
    const uint32_t n = g->n;
    if (g->cache.named_via && !shapep) { /* the shapes are never kept (load/load_index.c) */
        if (!(*viap = copy_saved(g, g->cache.named_via, 4))) return GRAPH_ERR_NOMEM;
        return GRAPH_OK;
    }
    if ((uint64_t)g->nedges + g->nroots + 1 >= GRAPH_NONE) return GRAPH_ERR_LIMIT;
    named_ctx c = {g, NULL, NULL, NULL, {NULL, NULL, NULL}, {0, 0, 0}, {0, 0, 0}, NULL, {HS_NONE, HS_NONE, HS_NONE},
                   {NULL, NULL, HS_NONE}, false, 0};
    c.via = graph_huge(malloc(((size_t)n + 1) * 4), ((size_t)n + 1) * 4);
    c.dist3 = graph_huge(malloc((size_t)n + 1), (size_t)n + 1);
    c.settled = calloc(((size_t)n + 7) / 8 + 1, 1);
    uint64_t *shape = shapep ? graph_huge(malloc(((size_t)n + 1) * 8), ((size_t)n + 1) * 8) : NULL;
    uint8_t *data = NULL, *cont = NULL, *prog = NULL;
    graph_status st = GRAPH_ERR_NOMEM;
    if (!c.via || !c.dist3 || !c.settled || (shapep && !shape)) goto out;
    for (uint32_t v = 0; v < n; v++) c.via[v] = GRAPH_NONE;
    c.sc.shape = shape;
    if (g->reader && g->ntypes) {
        data = malloc(g->ntypes), cont = malloc(g->ntypes), prog = malloc(g->ntypes);
        if (!data || !cont || !prog) goto out;
        char name[256];
        for (uint32_t t = 0; t < g->ntypes; t++) {
            const char *tn = graph_type_name(g->reader, t, name, sizeof name);
            data[t] = graph_type_is_mapping(tn);
            cont[t] = graph_type_is_container(tn);
            prog[t] = graph_type_is_program(tn);
        }
        c.sc.data = shape ? data : NULL;
        c.sc.dict_id = graph_string_find(g->reader, "__dict__");
        c.container = cont;
        c.skip_id[0] = c.sc.dict_id;
        c.skip_id[1] = graph_string_find(g->reader, "__closure__");
        c.skip_id[2] = graph_string_find(g->reader, "cell_contents");
    }
    /* one root rank at a time (graph_root_rank() order), each in record order */
    for (unsigned pass = 0; pass <= 4; pass++) {
        for (uint32_t r = 0; r < g->nroots; r++) {
            const graph_root *rt = &g->roots[r];
            uint32_t v = rt->node;
            if (graph_root_rank(rt->kind) != pass || c.via[v] != GRAPH_NONE) continue;
            c.via[v] = g->nedges + r;
            c.dist3[v] = 0;
            if (shape) shape[v] = root_shape(g, rt);
            named_push(&c, 0, v);
        }
        named_run(&c, p);
    }
    /* the garbage, when reachability is known: from its blocks of the
     * program's own types first (an exception, not its traceback), then
     * from the rest, in file order */
    for (unsigned pass = 0; g->reach && pass < 2 && !c.nomem; pass++) {
        for (uint32_t v = 0; v < n && !c.nomem; v++) {
            if (c.via[v] != GRAPH_NONE || graph_reachable(g, v)) continue;
            if (pass == 0 && !(prog && g->type[v] < g->ntypes && prog[g->type[v]])) continue;
            c.via[v] = GRAPH_VIA_GARBAGE(g);
            c.dist3[v] = 0;
            if (shape) shape[v] = hash_mix(UINT64_C(0x47415242), g->type[v]);
            named_push(&c, 0, v);
            named_run(&c, p);
        }
    }
    if (c.nomem) goto out;
    *viap = c.via;
    if (shapep) *shapep = shape;
    c.via = NULL;
    shape = NULL;
    st = GRAPH_OK;
    graph_tick(p, NULL, 0, 0);
out:
    free(c.via);
    free(c.dist3);
    free(c.settled);
    for (int b = 0; b < 3; b++) free(c.bucket[b]);
    free(shape);
    free(data);
    free(cont);
    free(prog);
    return st;
}

uint64_t graph_step_shape(const graph *g, uint32_t e)
{
    uint8_t k = g->out_kind[e];
    unsigned lt = (k >> GRAPH_LABEL_SHIFT) & 3u;
    /* indexes and unlabelled entries are one wildcard; names are kept */
    return lt == HS_LABEL_STRING ? hash_mix(UINT64_C(0x4c41424c), graph_label(g, e)) : UINT64_C(0x2a);
}

/* ---- the last steps of the shortest paths to one block ---- */
/* Shortest first; among equals, the preferred root kind, then file order. */
static int cmp_end(const void *a, const void *b)
{
    const graph_path_end *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

/* The root that the shortest path to reached block u starts from. */
static unsigned path_root_rank(const graph *g, const uint32_t *via, uint32_t u)
{
    while (via[u] < g->nedges) u = graph_edge_from(g, via[u]);
    return graph_root_rank(g->roots[via[u] - g->nedges].kind);
}

static bool push_end(graph_path_end **c, uint32_t *n, uint32_t *cap, graph_path_end e)
{
    if (*n == *cap) {
        uint32_t ncap = *cap ? *cap * 2 : 64;
        graph_path_end *nc = ncap > *cap ? realloc(*c, (size_t)ncap * sizeof *nc) : NULL;
        if (!nc) return false;
        *c = nc;
        *cap = ncap;
    }
    (*c)[(*n)++] = e;
    return true;
}

graph_status graph_path_ends(const graph *g, const uint32_t *via, const uint32_t *dist, uint32_t v,
                             graph_path_end **out, uint32_t *nout)
{
    graph_path_end *c = NULL;
    uint32_t n = 0, cap = 0;
    *out = NULL;
    *nout = 0;
    for (uint32_t r = 0; r < g->nroots; r++)
        if (g->roots[r].node == v && !push_end(&c, &n, &cap, (graph_path_end){1, g->nedges + r, graph_root_rank(g->roots[r].kind)}))
            goto nomem;
    if (g->in_off) { /* the referrers (graph_referrers): v's own edges */
        for (uint32_t i = g->in_off[v]; i < g->in_off[v + 1]; i++) {
            uint32_t e = g->in_edge[i], u = graph_edge_from(g, e);
            if (via[u] == GRAPH_NONE || !graph_is_strong(g->out_kind[e])) continue;
            if (!push_end(&c, &n, &cap, (graph_path_end){dist[u] + 1, e, path_root_rank(g, via, u)})) goto nomem;
        }
    } else {
        for (uint32_t u = 0; u < g->n; u++) {
            if (via[u] == GRAPH_NONE) continue;
            for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
                if (g->out_to[e] != v || !graph_is_strong(g->out_kind[e])) continue;
                if (!push_end(&c, &n, &cap, (graph_path_end){dist[u] + 1, e, path_root_rank(g, via, u)})) goto nomem;
            }
        }
    }
    if (n) qsort(c, n, sizeof *c, cmp_end);
    *out = c;
    *nout = n;
    return GRAPH_OK;
nomem:
    free(c);
    return GRAPH_ERR_NOMEM;
}

/* ---- the path to one block, as steps ---- */
/* The edges of the path to v, root first: steps[0] = nedges + root, then
 * edge indices. Returns the count, or 0 when v is unreachable. */
uint32_t graph_path_steps(const graph *g, const uint32_t *via, uint32_t v, uint32_t **steps)
{
    uint32_t cap = 16, n = 0;
    uint32_t *s = malloc(cap * 4);
    if (!s) return 0;
    while (via[v] != GRAPH_NONE) {
        if (n == cap) {
            uint32_t *ns = realloc(s, (size_t)cap * 2 * 4);
            if (!ns) {
                free(s);
                return 0;
            }
            s = ns;
            cap *= 2;
        }
        s[n++] = via[v];
        if (via[v] >= g->nedges) break;
        if (n > g->n) { /* a chain longer than the graph: via is not a search tree */
            free(s);
            return 0;
        }
        v = graph_edge_from(g, via[v]);
    }
    if (!n || via[v] == GRAPH_NONE) {
        free(s);
        return 0;
    }
    for (uint32_t i = 0; i < n / 2; i++) {
        uint32_t t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
    *steps = s;
    return n;
}
