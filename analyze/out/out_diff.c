/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_diff.c — how comparisons print (diff, leaks, trend, the
 * report's growth): owner names and dominator paths as text or JSON, with the same step
 * choice as the signatures (diff_snap.c). See docs/cli.md#diff.
 */
#define _POSIX_C_SOURCE 200809L
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

const char *out_diff_type_of_hash(const diff_snap *s, uint64_t hash)
{
    for (uint32_t t = 0; t < s->ntypes; t++)
        if (s->types[t].hash == hash) return s->types[t].name;
    return NULL;
}

const char *out_diff_type_of_hash2(const diff_snap *after, const diff_snap *before, uint64_t hash)
{
    const char *n = out_diff_type_of_hash(after, hash);
    return n ? n : out_diff_type_of_hash(before, hash);
}

void out_diff_ba_json(json_writer *j, const char *key, uint64_t before, uint64_t after)
{
    json_kv_object(j, key, JSON_INLINE);
    json_kv_u64(j, "before", before);
    json_kv_u64(j, "after", after);
    json_key(j, "delta"); /* exact: a sign and a 64-bit magnitude */
    out_json_delta(json_raw_begin(j), before, after);
    json_raw_end(j);
    json_end(j);
}

void out_diff_owner_json(json_writer *j, const diff_snap *before, const diff_snap *after, const diff_owner *o,
                         const int64_t *tree)
{
    const diff_group *gr = &after->groups.v[o->group];
    uint32_t v = gr->example;
    char *name = out_diff_name(after, v);
    char tbuf[256];
    const char *et = o->entries_type ? out_diff_type_of_hash2(after, before, o->entries_type) : NULL;
    if (o->entries_type && !et && !tree) et = "?";
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "owner", name ? name : "?");
    json_kv_str(j, "name", name ? name : "?");
    free(name);
    json_kv_str(j, "type", out_type_name(&after->g, v, tbuf, sizeof tbuf));
    json_kv_i64(j, "entries", o->entries);
    json_kv_str(j, "entries_type", et);
    json_kv_i64(j, "children_added", o->children_added);
    json_kv_i64(j, "growth", o->growth);
    if (tree) {
        json_kv_u64(j, "alike", gr->count[1]);
        json_kv_i64(j, "tree", *tree);
    }
    out_diff_ba_json(j, "count", gr->count[0], gr->count[1]);
    out_diff_ba_json(j, "retained", gr->retained[0], gr->retained[1]);
    json_key(j, "block");
    out_block_json(j, &after->g, v);
    json_key(j, "path");
    out_diff_path_json(j, after, v);
    json_end(j);
}

void out_diff_type_json(json_writer *j, const diff_type *t)
{
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "type", t->name);
    out_diff_ba_json(j, "count", t->count[0], t->count[1]);
    out_diff_ba_json(j, "shallow", t->shallow[0], t->shallow[1]);
    out_diff_ba_json(j, "retained", t->retained[0], t->retained[1]);
    json_end(j);
}

void out_diff_new_type_json(json_writer *j, const diff_type *t)
{
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "type", t->name);
    json_kv_u64(j, "count", t->new_count);
    json_kv_u64(j, "bytes", t->new_bytes);
    json_end(j);
}

void out_diff_file_json(json_writer *j, const diff_snap *s)
{
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "file", s->path);
    json_kv_u64(j, "blocks", s->blocks);
    json_kv_u64(j, "total_shallow", s->total_shallow);
    json_kv_u64(j, "reachable", s->reachable_bytes);
    json_kv_u64(j, "unreachable", s->unreachable_bytes);
    json_end(j);
}

/* ---- steps of a dominator path ---- */
enum { STEP_ROOT, STEP_DIRECT, STEP_SHARED, STEP_NONE, STEP_GARBAGE };

typedef struct step {
    int kind;
    uint32_t root;   /* STEP_ROOT */
    uint32_t edge;   /* STEP_DIRECT, STEP_SHARED */
    uint32_t holder; /* STEP_DIRECT, STEP_SHARED */
} step;

/* How w is held: the smallest step candidate, as in diff_snap_build(). */
static step step_of(const diff_snap *s, uint32_t w)
{
    const graph *g = &s->g;
    uint32_t p = g->idom[w];
    step st = {STEP_NONE, 0, 0, 0};
    uint64_t best = UINT64_MAX;
    if (p == GRAPH_SUPER(g)) {
        for (uint32_t r = 0; r < g->nroots; r++) {
            if (g->roots[r].node != w) continue;
            uint64_t c = diff_root_step(s, r);
            if (c < best) best = c, st = (step){STEP_ROOT, r, 0, 0};
        }
        if (st.kind == STEP_ROOT) return st;
    } else if (p == GRAPH_UNREACH(g)) {
        st.kind = STEP_GARBAGE;
    } else {
        for (uint32_t e = g->out_off[p]; e < g->out_off[p + 1]; e++) {
            if (g->out_to[e] != w || !graph_is_strong(g->out_kind[e])) continue;
            uint64_t c = diff_edge_step(s, p, e);
            if (c < best) best = c, st = (step){STEP_DIRECT, 0, e, p};
        }
        if (st.kind == STEP_DIRECT) return st;
    }
    /* held through several holders: one pass over every reference */
    bool rw = graph_reachable(g, w);
    for (uint32_t u = 0; u < g->n; u++)
        for (uint32_t e = g->out_off[u]; e < g->out_off[u + 1]; e++) {
            if (g->out_to[e] != w || !graph_is_strong(g->out_kind[e]) || graph_reachable(g, u) != rw) continue;
            uint64_t c = diff_edge_step(s, u, e);
            if (c < best) best = c, st = (step){STEP_SHARED, 0, e, u};
        }
    return st;
}

/* The chain of v: chain[0] is held by a top (SUPER or UNREACH), chain[k-1] = v. */
static uint32_t chain_of(const diff_snap *s, uint32_t v, uint32_t **out)
{
    const graph *g = &s->g;
    uint32_t k = 0, cap = 16;
    uint32_t *c = malloc(cap * 4);
    if (!c) return 0;
    for (uint32_t x = v; x < g->n; x = g->idom[x]) {
        if (k == cap) {
            uint32_t *nc = realloc(c, (size_t)cap * 2 * 4);
            if (!nc) {
                free(c);
                return 0;
            }
            c = nc;
            cap *= 2;
        }
        c[k++] = x;
    }
    for (uint32_t i = 0; i < k / 2; i++) {
        uint32_t t = c[i];
        c[i] = c[k - 1 - i];
        c[k - 1 - i] = t;
    }
    *out = c;
    return k;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
    bool bad;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->bad) return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 128) + n;
        char *np = realloc(b->p, nc);
        if (!np) {
            b->bad = true;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_label(sbuf *b, const graph *g, uint8_t kind, uint32_t label, bool skip_dict)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    char num[32];
    if (lt == HS_LABEL_INDEX) {
        int n = snprintf(num, sizeof num, "[%u]", label);
        sb_add(b, num, (size_t)n);
    } else if (lt == HS_LABEL_STRING) {
        size_t len = 0;
        const char *s = g->reader ? hs_reader_string(g->reader, label, &len) : NULL;
        if (s && skip_dict && len == 8 && memcmp(s, "__dict__", 8) == 0) return;
        sb_add(b, ".", 1);
        if (s) sb_add(b, s, len);
        else sb_add(b, "?", 1);
    } else {
        sb_add(b, ".?", 2);
    }
}

char *out_diff_name(const diff_snap *s, uint32_t v)
{
    const graph *g = &s->g;
    if (s->via && v < g->n) { /* named as the program names it */
        char buf[1024];
        return strdup(out_name(g, s->via, v, 0, buf, sizeof buf));
    }
    sbuf b = {0};
    if (v == GRAPH_SUPER(g)) sb_add(&b, "<roots>", 7);
    else if (v == GRAPH_UNREACH(g)) sb_add(&b, "<unreachable>", 13);
    uint32_t *c = NULL, k = v < g->n ? chain_of(s, v, &c) : 0;
    for (uint32_t i = 0; i < k; i++) {
        step st = step_of(s, c[i]);
        if (i == 0) {
            if (st.kind == STEP_ROOT) {
                const graph_root *r = &g->roots[st.root];
                size_t len = 0;
                const char *name = r->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, r->name, &len);
                if (name) sb_add(&b, name, len);
                else {
                    sb_add(&b, "<", 1);
                    sb_add(&b, out_root_kind_name(r->kind), strlen(out_root_kind_name(r->kind)));
                    sb_add(&b, " root>", 6);
                }
                continue;
            }
            if (st.kind == STEP_GARBAGE || !graph_reachable(g, c[i])) sb_add(&b, "<unreachable>", 13);
            else sb_add(&b, "<roots>", 7);
        }
        if (st.kind == STEP_DIRECT) sb_label(&b, g, g->out_kind[st.edge], graph_label(g, st.edge), true);
        else if (st.kind == STEP_SHARED) {
            sb_add(&b, "~", 1);
            sb_label(&b, g, g->out_kind[st.edge], graph_label(g, st.edge), false);
        } else if (i) sb_add(&b, ".?", 2);
    }
    free(c);
    if (b.bad || !b.p) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

void out_diff_path_line(FILE *f, const diff_snap *s, uint32_t v)
{
    const graph *g = &s->g;
    uint32_t *c = NULL, k = v < g->n ? chain_of(s, v, &c) : 0;
    if (!k) {
        out_block(f, g, v);
        return;
    }
    for (uint32_t i = 0; i < k; i++) {
        if (k > 8 && i == 3) {
            fprintf(f, " -> ... %u more steps ...", k - 7);
            i = k - 4;
        }
        step st = step_of(s, c[i]);
        if (i == 0) {
            if (st.kind == STEP_ROOT) out_root(f, g, st.root);
            else fputs(graph_reachable(g, c[i]) ? "<roots>" : "<unreachable>", f);
        }
        if (st.kind == STEP_DIRECT) {
            if ((g->out_kind[st.edge] >> GRAPH_LABEL_SHIFT) & 3u) {
                fputc(' ', f);
                out_label_raw(f, g, g->out_kind[st.edge], graph_label(g, st.edge));
            }
            fputs(" -> ", f);
        } else if (st.kind == STEP_SHARED) {
            fputs(" -> (shared, e.g. by ", f);
            char buf[256];
            const char *tn = out_type_name(g, st.holder, buf, sizeof buf);
            out_text_safe(f, tn, strlen(tn));
            if ((g->out_kind[st.edge] >> GRAPH_LABEL_SHIFT) & 3u) {
                fputc(' ', f);
                out_label_raw(f, g, g->out_kind[st.edge], graph_label(g, st.edge));
            }
            fputs(") ", f);
        } else {
            fputs(" -> ", f);
        }
        out_block(f, g, c[i]);
    }
    free(c);
}

void out_diff_path_json(json_writer *j, const diff_snap *s, uint32_t v)
{
    const graph *g = &s->g;
    uint32_t *c = NULL, k = v < g->n ? chain_of(s, v, &c) : 0;
    json_array_begin(j, JSON_INLINE);
    for (uint32_t i = 0; i < k; i++) {
        step st = step_of(s, c[i]);
        if (i == 0) {
            if (st.kind == STEP_ROOT) {
                out_root_json(j, g, st.root);
            } else {
                json_object_begin(j, JSON_INLINE);
                json_kv_str(j, "root", graph_reachable(g, c[i]) ? "shared" : "unreachable");
                json_kv_null(j, "name");
                json_kv_u64(j, "count", 0);
                json_end(j);
            }
        }
        json_object_begin(j, JSON_INLINE);
        json_key(j, "block");
        out_block_json(j, g, c[i]);
        if (st.kind == STEP_DIRECT || st.kind == STEP_SHARED) {
            json_kv_str(j, "held", st.kind == STEP_DIRECT ? "direct" : "shared");
            json_key(j, "label");
            out_label_raw_json(j, g, g->out_kind[st.edge], graph_label(g, st.edge));
            if (st.kind == STEP_SHARED) {
                char buf[256];
                json_kv_str(j, "holder_type", out_type_name(g, st.holder, buf, sizeof buf));
            }
        } else {
            json_kv_str(j, "held", st.kind == STEP_ROOT ? "root" : "none");
            json_kv_null(j, "label");
        }
        json_end(j);
    }
    json_end(j);
    free(c);
}

void out_diff_cluster_json(json_writer *j, const diff_snap *s, const diff_cluster *k, const char *owner_name,
                           const char *owner_type, const char *type, const int64_t *tree)
{
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "owner", owner_name ? owner_name : "?");
    json_kv_str(j, "name", owner_name ? owner_name : "?");
    json_kv_str(j, "owner_type", owner_type);
    json_kv_str(j, "type", type);
    json_kv_u64(j, "top", k->top);
    json_kv_u64(j, "objects", k->objects);
    json_kv_u64(j, "bytes", k->bytes);
    json_kv_u64(j, "retained", k->retained);
    if (tree) json_kv_i64(j, "tree", *tree);
    json_key(j, "example");
    out_block_json(j, &s->g, k->example);
    json_key(j, "path");
    out_diff_path_json(j, s, k->example);
    json_end(j);
}

/* ---- the process's memory between two snapshots ---- */
void out_process_growth(FILE *f, const load_mem *b, uint64_t sb, const load_mem *a, uint64_t sa)
{
    int64_t rss, obj;
    bool outside = diff_growth_outside(b, sb, a, sa, &rss, &obj);
    if (!b->has_rss || !a->has_rss) return;
    char b1[32], b2[32], b3[32], b4[32];
    fprintf(f, "process: RSS %s -> %s (%s), the dumped objects %s", fmt_bytes(b->rss, b1), fmt_bytes(a->rss, b2),
            fmt_dbytes(b->rss, a->rss, b3), fmt_dbytes(sb, sa, b4));
    if (b->has_malloc && a->has_malloc)
        fprintf(f, ", C allocator in use %s", fmt_dbytes(b->malloc_in_use, a->malloc_in_use, b1));
    if (outside)
        fputs(": the growth is outside the dumped objects, in native allocations (C extensions and their buffers, "
              "the allocator's fragmentation); `heapsnap native` records those",
              f);
    fputc('\n', f);
}

static void ba_u64(json_writer *j, const char *key, uint64_t before, uint64_t after)
{
    out_diff_ba_json(j, key, before, after);
}

void out_process_growth_json(json_writer *j, const load_mem *b, uint64_t sb, const load_mem *a, uint64_t sa)
{
    int64_t rss, obj;
    bool outside = diff_growth_outside(b, sb, a, sa, &rss, &obj);
    json_key(j, "process");
    if (!b->has_rss || !a->has_rss) {
        json_null(j);
        return;
    }
    json_object_begin(j, JSON_INLINE);
    ba_u64(j, "rss", b->rss, a->rss);
    if (b->has_malloc && a->has_malloc) ba_u64(j, "malloc_in_use", b->malloc_in_use, a->malloc_in_use);
    else json_kv_null(j, "malloc_in_use");
    ba_u64(j, "objects", sb, sa);
    json_kv_bool(j, "outside", outside);
    json_end(j);
}
