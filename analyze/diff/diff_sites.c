/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_sites.c — diff_sites_read(): the blocks and bytes of a
 * snapshot per allocation site, grouped by the innermost frame's line
 * ("file:line"), its file, or the whole traceback ("file:line in function"
 * frames, innermost first, joined by " from "), as tracemalloc's
 * Snapshot.statistics groups them. One streaming pass with the validating
 * reader, memory bounded by the number of distinct sites; or, for a graph
 * that kept its blocks' sites (a V8 snapshot read directly), from the graph
 * (diff_sites_graph). See docs/diff.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "diff/diff.h"
#include "graph/graph_hash.h"
#include "load/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct text_buf {
    char *p;
    size_t len, cap;
} text_buf;

static int tb_add(text_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 256) + n;
        char *np = realloc(b->p, nc);
        if (!np) return -1;
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    return 0;
}

static int add_frame(text_buf *b, const hs_reader *r, uint32_t fid, bool line, bool func)
{
    const hs_frame *f = hs_reader_frame(r, fid);
    size_t len = 0;
    const char *file = f && f->file != HS_NONE ? hs_reader_string(r, f->file, &len) : NULL;
    if (tb_add(b, file ? file : "<unknown>", file ? len : 9)) return -1;
    if (line && f) {
        char num[24];
        int k = snprintf(num, sizeof num, ":%u", f->line);
        if (tb_add(b, num, (size_t)k)) return -1;
    }
    if (func && f && f->function != HS_NONE) {
        const char *fn = hs_reader_string(r, f->function, &len);
        if (fn && (tb_add(b, " in ", 4) || tb_add(b, fn, len))) return -1;
    }
    return 0;
}

/* The text of site `id` in this grouping. */
static int site_text(text_buf *b, const hs_reader *r, uint32_t id, diff_group_by by)
{
    uint32_t nf = 0;
    const uint32_t *frames = hs_reader_site(r, id, &nf);
    b->len = 0;
    if (!frames || !nf) return tb_add(b, "<no frames>", 11);
    if (by != DIFF_BY_TRACEBACK) return add_frame(b, r, frames[0], by == DIFF_BY_LINE, false);
    for (uint32_t i = 0; i < nf; i++)
        if ((i && tb_add(b, " from ", 6)) || add_frame(b, r, frames[i], true, true)) return -1;
    return 0;
}

/* The totals being gathered: per site id of the snapshot, its row in
 * s->sites (NONE until seen); rows are shared by sites of equal text. */
typedef struct site_acc {
    uint32_t *key, nkey, cap;
    uint32_t scap;
    diff_gtab idx;
    text_buf tb;
} site_acc;

static void acc_release(site_acc *a)
{
    free(a->key);
    free(a->idx.v);
    free(a->idx.slot);
    free(a->tb.p);
}

/* One block of `size` bytes allocated at site `id` of reader r. -1: out of memory. */
static int acc_add(diff_snap *s, site_acc *a, const hs_reader *r, uint32_t id, uint64_t size, diff_group_by by)
{
    if (id >= a->nkey) {
        uint32_t nc = a->cap;
        while (nc <= id) nc = nc ? nc * 2 : 256;
        if (nc != a->cap) {
            uint32_t *nk = realloc(a->key, (size_t)nc * 4);
            if (!nk) return -1;
            a->key = nk;
            a->cap = nc;
        }
        for (; a->nkey <= id; a->nkey++) a->key[a->nkey] = GRAPH_NONE;
    }
    if (a->key[id] == GRAPH_NONE) {
        if (site_text(&a->tb, r, id, by)) return -1;
        bool created;
        uint32_t gi = diff_gtab_get(&a->idx, hash_bytes(a->tb.p, a->tb.len), &created);
        if (gi == GRAPH_NONE) return -1;
        if (created) {
            if (s->nsites == a->scap) {
                uint32_t nc = a->scap ? a->scap * 2 : 64;
                diff_site *ns = realloc(s->sites, (size_t)nc * sizeof *ns);
                if (!ns) return -1;
                s->sites = ns;
                a->scap = nc;
            }
            diff_site *d = &s->sites[s->nsites];
            memset(d, 0, sizeof *d);
            d->hash = a->idx.v[gi].sig;
            if (!(d->text = strdup(a->tb.p))) return -1;
            a->idx.v[gi].example = s->nsites++;
        }
        a->key[id] = a->idx.v[gi].example;
    }
    diff_site *d = &s->sites[a->key[id]];
    d->count[s->side]++;
    d->bytes[s->side] += size;
    s->has_sites = true;
    return 0;
}

static int nomem(diff_snap *s)
{
    snprintf(s->message, sizeof s->message, "out of memory reading allocation sites");
    s->status = GRAPH_ERR_NOMEM;
    return -1;
}

int diff_sites_graph(diff_snap *s, const graph *g, diff_group_by by)
{
    site_acc a = {0};
    int rc = 0;
    for (uint32_t v = 0; v < g->n && !rc; v++)
        if (g->site[v] != GRAPH_NONE) rc = acc_add(s, &a, g->reader, g->site[v], graph_size(g, v), by);
    acc_release(&a);
    return rc ? nomem(s) : 0;
}

int diff_sites_read(diff_snap *s, const char *path, diff_group_by by)
{
    hs_reader *r = NULL;
    hs_status st = load_open_reader(path, &r);
    site_acc a = {0};
    hs_record rec;
    int rc = 0;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind != HS_REC_BLOCK || rec.u.block.site == HS_NONE) continue;
        if (acc_add(s, &a, r, rec.u.block.site, rec.u.block.size, by)) {
            rc = nomem(s);
            break;
        }
    }
    if (!rc && st != HS_END) {
        const char *m = r ? hs_reader_error(r)->message : "";
        snprintf(s->message, sizeof s->message, "%s", *m ? m : hs_strerror(st));
        s->status = GRAPH_ERR_INPUT;
        rc = -1;
    }
    hs_reader_close(r);
    acc_release(&a);
    return rc;
}
