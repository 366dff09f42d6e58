/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_match.c — matching two snapshot summaries: merging BEFORE's groups into AFTER's by signature
 * (diff_groups_merge), types and sites by name (diff_types_merge,
 * diff_sites_merge), attributing growth to owners (diff_owners) and
 * clustering new objects by owner (diff_clusters). See docs/diff.md.
 *
 * Owners. A group is stable when it has the same, non-zero number of
 * members in both snapshots; it can own growth when it and all its
 * ancestor groups are stable. Its own growth is its retained delta minus
 * the retained deltas of its stable child groups: what changed in the
 * groups directly below it that appeared, vanished or changed their
 * number of members (new entries of a dict or list) plus its own size.
 * Summed over all owners this telescopes to the total delta, so each
 * byte of growth is attributed once, to the deepest stable owner holding
 * it. Entries: per type, the change in the number of members of those
 * unstable child groups; the owner's entries are the largest such change
 * (a dict entry adds a key and a value: one entry, not two). Linear in
 * the number of groups; no recursion.
 */
#define _POSIX_C_SOURCE 200809L
#include "diff/diff.h"
#include "graph/graph_hash.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int diff_groups_merge(diff_gtab *after, const diff_gtab *before)
{
    for (uint32_t i = 0; i < before->n; i++) {
        const diff_group *b = &before->v[i];
        bool created;
        uint32_t k = diff_gtab_get(after, b->sig, &created);
        if (k == GRAPH_NONE) return -1;
        diff_group *a = &after->v[k];
        if (created) {
            a->parent_sig = b->parent_sig;
            a->type_hash = b->type_hash;
        }
        a->count[0] += b->count[0];
        a->retained[0] += b->retained[0];
    }
    for (uint32_t i = 0; i < after->n; i++) {
        diff_group *a = &after->v[i];
        const diff_group *p = a->parent_sig ? diff_gtab_find(after, a->parent_sig) : NULL;
        a->parent = p ? (uint32_t)(p - after->v) : GRAPH_NONE;
        if (a->parent != GRAPH_NONE && a->parent >= i) a->parent = GRAPH_NONE; /* a hash collision: cut */
    }
    return 0;
}

/* ---- types and sites by name ---- */
static int cmp_types(const void *pa, const void *pb)
{
    const diff_type *a = pa, *b = pb;
    int64_t da = diff_sub(a->shallow[1], a->shallow[0]), db = diff_sub(b->shallow[1], b->shallow[0]);
    if (da != db) return da > db ? -1 : 1;
    int64_t ca = diff_sub(a->count[1], a->count[0]), cb = diff_sub(b->count[1], b->count[0]);
    if (ca != cb) return ca > cb ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* Rows of both snapshots merged by their name hash (AFTER's first, so its
 * names and order win), summed by `add`, then sorted by `cmp`. One
 * algorithm for types and sites. Rows are `size` bytes, with the hash and
 * an owned name (char *) at the given offsets. NULL when out of memory. */
typedef struct merge_rows {
    size_t size, hash_at, name_at;
    void (*add)(void *dst, const void *src);
    int (*cmp)(const void *, const void *);
} merge_rows;

static char **name_of(const merge_rows *m, void *row) { return (char **)((char *)row + m->name_at); }

static void *merge_by_hash(const merge_rows *m, const void *after, uint32_t na, const void *before, uint32_t nb,
                           uint32_t *nout)
{
    uint32_t n = 0;
    char *out = calloc((size_t)na + nb + 1, m->size);
    diff_gtab idx = {0};
    if (!out) return NULL;
    const char *sides[2] = {after, before};
    const uint32_t counts[2] = {na, nb};
    for (int k = 0; k < 2; k++) {
        for (uint32_t t = 0; t < counts[k]; t++) {
            const char *row = sides[k] + (size_t)t * m->size;
            uint64_t hash;
            memcpy(&hash, row + m->hash_at, sizeof hash);
            bool created;
            uint32_t i = diff_gtab_get(&idx, hash, &created);
            if (i == GRAPH_NONE) goto nomem;
            char *o;
            if (created) {
                idx.v[i].example = n;
                o = out + (size_t)n * m->size;
                memcpy(o + m->hash_at, &hash, sizeof hash);
                char *name = strdup(*(char *const *)(row + m->name_at));
                if (!name) goto nomem;
                *name_of(m, o) = name;
                n++;
            }
            o = out + (size_t)idx.v[i].example * m->size;
            m->add(o, row);
        }
    }
    free(idx.v);
    free(idx.slot);
    qsort(out, n, m->size, m->cmp);
    *nout = n;
    return out;
nomem:
    for (uint32_t i = 0; i < n; i++) free(*name_of(m, out + (size_t)i * m->size));
    free(out);
    free(idx.v);
    free(idx.slot);
    return NULL;
}

static void add_type(void *dst, const void *src)
{
    diff_type *o = dst;
    const diff_type *st = src;
    for (int j = 0; j < 2; j++) {
        o->count[j] += st->count[j];
        o->shallow[j] += st->shallow[j];
        o->retained[j] += st->retained[j];
    }
    o->new_count += st->new_count;
    o->new_bytes += st->new_bytes;
}

diff_type *diff_types_merge(const diff_snap *before, const diff_snap *after, uint32_t *nout)
{
    static const merge_rows m = {sizeof(diff_type), offsetof(diff_type, hash), offsetof(diff_type, name), add_type,
                                 cmp_types};
    return merge_by_hash(&m, after->types, after->ntypes, before->types, before->ntypes, nout);
}

static int cmp_new_types(const void *pa, const void *pb)
{
    const diff_type *a = pa, *b = pb;
    if (a->new_bytes != b->new_bytes) return a->new_bytes > b->new_bytes ? -1 : 1;
    if (a->new_count != b->new_count) return a->new_count > b->new_count ? -1 : 1;
    return strcmp(a->name, b->name);
}

void diff_types_sort_new(diff_type *t, uint32_t n) { qsort(t, n, sizeof *t, cmp_new_types); }

static int cmp_sites(const void *pa, const void *pb)
{
    const diff_site *a = pa, *b = pb;
    int64_t da = diff_sub(a->bytes[1], a->bytes[0]), db = diff_sub(b->bytes[1], b->bytes[0]);
    if (da != db) return da > db ? -1 : 1;
    int64_t ca = diff_sub(a->count[1], a->count[0]), cb = diff_sub(b->count[1], b->count[0]);
    if (ca != cb) return ca > cb ? -1 : 1;
    return strcmp(a->text, b->text);
}

static void add_site(void *dst, const void *src)
{
    diff_site *o = dst;
    const diff_site *st = src;
    for (int j = 0; j < 2; j++) {
        o->count[j] += st->count[j];
        o->bytes[j] += st->bytes[j];
    }
}

diff_site *diff_sites_merge(const diff_snap *before, const diff_snap *after, uint32_t *nout)
{
    static const merge_rows m = {sizeof(diff_site), offsetof(diff_site, hash), offsetof(diff_site, text), add_site,
                                 cmp_sites};
    return merge_by_hash(&m, after->sites, after->nsites, before->sites, before->nsites, nout);
}

/* ---- owners ---- */
static bool stable(const diff_group *g) { return g->count[0] == g->count[1] && g->count[0] > 0; }
static int64_t delta(const diff_group *g) { return diff_sub(g->retained[1], g->retained[0]); }

static int cmp_owners(const void *pa, const void *pb)
{
    const diff_owner *a = pa, *b = pb;
    if (a->growth != b->growth) return a->growth > b->growth ? -1 : 1;
    return a->group < b->group ? -1 : a->group > b->group;
}

typedef struct entry_row {
    uint32_t owner;     /* index in the owner list */
    uint64_t type_hash;
    int64_t count, bytes;
} entry_row;

static int cmp_rows(const void *pa, const void *pb)
{
    const entry_row *a = pa, *b = pb;
    if (a->owner != b->owner) return a->owner < b->owner ? -1 : 1;
    return a->type_hash < b->type_hash ? -1 : a->type_hash > b->type_hash;
}

diff_owner *diff_owners(const diff_gtab *t, uint64_t threshold, uint32_t max, uint32_t *nout)
{
    *nout = 0;
    int64_t *own = malloc(((size_t)t->n + 1) * 8);
    uint8_t *rep = calloc((size_t)t->n + 1, 1);
    uint32_t *slot = NULL;
    diff_owner *out = NULL;
    entry_row *rows = NULL;
    if (!own || !rep) goto done;
    for (uint32_t i = 0; i < t->n; i++) { /* parents come first */
        const diff_group *g = &t->v[i];
        rep[i] = stable(g) && (g->parent == GRAPH_NONE || rep[g->parent]);
        own[i] = rep[i] ? delta(g) : 0;
    }
    for (uint32_t i = 0; i < t->n; i++)
        if (rep[i] && t->v[i].parent != GRAPH_NONE)
            own[t->v[i].parent] = diff_add(own[t->v[i].parent], diff_neg(delta(&t->v[i])));
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (rep[i] && t->v[i].parent != GRAPH_NONE && own[i] > 0 && (uint64_t)own[i] >= threshold) n++;
    out = calloc((size_t)n + 1, sizeof *out);
    if (!out) goto done;
    n = 0;
    for (uint32_t i = 0; i < t->n; i++)
        if (rep[i] && t->v[i].parent != GRAPH_NONE && own[i] > 0 && (uint64_t)own[i] >= threshold) {
            out[n].group = i; /* the two tops (whole heap, unreachable group) are never owners */
            out[n].growth = own[i];
            out[n].retained_delta = delta(&t->v[i]);
            n++;
        }
    qsort(out, n, sizeof *out, cmp_owners);
    if (max && n > max) n = max;
    /* entries: the unstable child groups of the owners shown, by type */
    slot = malloc(((size_t)t->n + 1) * 4);
    if (!slot) goto fail;
    memset(slot, 0xFF, ((size_t)t->n + 1) * 4);
    for (uint32_t k = 0; k < n; k++) slot[out[k].group] = k;
    size_t nrows = 0, rcap = 64;
    rows = malloc(rcap * sizeof *rows);
    if (!rows) goto fail;
    for (uint32_t i = 0; i < t->n; i++) {
        const diff_group *g = &t->v[i];
        if (g->parent == GRAPH_NONE || slot[g->parent] == GRAPH_NONE || stable(g)) continue;
        if (nrows == rcap) {
            entry_row *nr = realloc(rows, rcap * 2 * sizeof *nr);
            if (!nr) goto fail;
            rows = nr;
            rcap *= 2;
        }
        rows[nrows++] = (entry_row){slot[g->parent], g->type_hash, diff_sub(g->count[1], g->count[0]), delta(g)};
    }
    qsort(rows, nrows, sizeof *rows, cmp_rows);
    int64_t best_bytes = 0;
    for (size_t a = 0; a < nrows;) {
        size_t b = a;
        int64_t c = 0, by = 0;
        while (b < nrows && rows[b].owner == rows[a].owner && rows[b].type_hash == rows[a].type_hash)
            c = diff_add(c, rows[b].count), by = diff_add(by, rows[b].bytes), b++;
        diff_owner *o = &out[rows[a].owner];
        bool first = a == 0 || rows[a - 1].owner != rows[a].owner;
        o->children_added = diff_add(o->children_added, c);
        /* the type with the largest change in members; ties: more bytes */
        if (first || c > o->entries || (c == o->entries && by > best_bytes)) {
            o->entries = c;
            o->entries_type = rows[a].type_hash;
            best_bytes = by;
        }
        a = b;
    }
    *nout = n;
    goto done;
fail:
    free(out);
    out = NULL;
done:
    free(own);
    free(rep);
    free(slot);
    free(rows);
    return out;
}

/* ---- new objects by owner ---- */
static int cmp_clusters(const void *pa, const void *pb)
{
    const diff_cluster *a = pa, *b = pb;
    if (a->bytes != b->bytes) return a->bytes > b->bytes ? -1 : 1;
    if (a->objects != b->objects) return a->objects > b->objects ? -1 : 1;
    return a->example < b->example ? -1 : a->example > b->example;
}

diff_cluster *diff_clusters(const diff_snap *s, diff_pred is_new, void *ud, uint64_t min_bytes, uint32_t *nout,
                            uint64_t *total_objects, uint64_t *total_bytes)
{
    const graph *g = &s->g;
    const uint32_t n = g->n, N = n + 2;
    uint32_t *cl = malloc((size_t)N * 4);
    diff_gtab idx = {0};
    diff_cluster *c = NULL;
    uint32_t nc = 0, cap = 0;
    *nout = 0;
    *total_objects = *total_bytes = 0;
    if (!cl || !s->order) goto fail;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t v = s->order[i];
        if (v >= n) {
            cl[v] = GRAPH_NONE;
            continue;
        }
        if (!is_new(s, v, ud)) {
            cl[v] = GRAPH_NONE;
            continue;
        }
        uint32_t p = g->idom[v], k;
        uint64_t sz = graph_size(g, v);
        *total_objects += 1;
        *total_bytes += sz;
        if (p < N && cl[p] != GRAPH_NONE) {
            k = cl[p];
        } else {
            uint64_t th = s->type_hash[g->type[v]];
            bool created;
            uint32_t gi = diff_gtab_get(&idx, hash_mix(s->sig[p], th), &created);
            if (gi == GRAPH_NONE) goto fail;
            if (created) {
                if (nc == cap) {
                    uint32_t ncap = cap ? cap * 2 : 64;
                    diff_cluster *nc2 = realloc(c, (size_t)ncap * sizeof *nc2);
                    if (!nc2) goto fail;
                    c = nc2;
                    cap = ncap;
                }
                idx.v[gi].example = nc;
                c[nc] = (diff_cluster){s->sig[p], th, v, 0, 0, 0, 0};
                nc++;
            }
            k = idx.v[gi].example;
            c[k].top++;
            c[k].retained += graph_retained(g, v);
        }
        c[k].objects++;
        c[k].bytes += sz;
        cl[v] = k;
    }
    free(cl);
    free(idx.v);
    free(idx.slot);
    uint32_t m = 0;
    for (uint32_t i = 0; i < nc; i++)
        if (c[i].bytes >= min_bytes && c[i].bytes) c[m++] = c[i];
    if (m) qsort(c, m, sizeof *c, cmp_clusters);
    *nout = m;
    if (!c) c = malloc(sizeof *c); /* an empty, non-NULL result */
    return c;
fail:
    free(cl);
    free(idx.v);
    free(idx.slot);
    free(c);
    return NULL;
}
