/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff_sites.c — diff_sites_read(): the blocks and bytes of a
 * snapshot per allocation site, grouped by the innermost frame's line
 * ("file:line"), its file, or the whole traceback ("file:line in function"
 * frames, innermost first, joined by " from "), as tracemalloc's
 * Snapshot.statistics groups them. One streaming pass with the validating
 * reader, memory bounded by the number of distinct sites. See docs/diff.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "diff.h"

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

int diff_sites_read(diff_snap *s, const char *path, diff_group_by by)
{
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    const char *ratio = getenv("HEAPSNAP_MAX_RATIO");
    if (ratio && *ratio) {
        char *end;
        unsigned long v = strtoul(ratio, &end, 10);
        if (!*end && v <= UINT32_MAX) lim.max_ratio = (uint32_t)v;
    }
    hs_reader *r = NULL;
    hs_status st = hs_reader_open(path, &lim, &r);
    uint32_t *key = NULL, nkey = 0, cap = 0; /* per site id: index in s->sites, or NONE until seen */
    uint32_t scap = 0;
    diff_gtab idx = {0};
    text_buf tb = {0};
    hs_record rec;
    const char *why = NULL;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind != HS_REC_BLOCK || rec.u.block.site == HS_NONE) continue;
        uint32_t id = rec.u.block.site;
        if (id >= nkey) {
            uint32_t nc = cap;
            while (nc <= id) nc = nc ? nc * 2 : 256;
            if (nc != cap) {
                uint32_t *nk = realloc(key, (size_t)nc * 4);
                if (!nk) goto nomem;
                key = nk;
                cap = nc;
            }
            for (; nkey <= id; nkey++) key[nkey] = GRAPH_NONE;
        }
        if (key[id] == GRAPH_NONE) {
            if (site_text(&tb, r, id, by)) goto nomem;
            bool created;
            uint32_t gi = diff_gtab_get(&idx, diff_hash_bytes(tb.p, tb.len), &created);
            if (gi == GRAPH_NONE) goto nomem;
            if (created) {
                if (s->nsites == scap) {
                    uint32_t nc = scap ? scap * 2 : 64;
                    diff_site *ns = realloc(s->sites, (size_t)nc * sizeof *ns);
                    if (!ns) goto nomem;
                    s->sites = ns;
                    scap = nc;
                }
                diff_site *d = &s->sites[s->nsites];
                memset(d, 0, sizeof *d);
                d->hash = idx.v[gi].sig;
                if (!(d->text = strdup(tb.p))) goto nomem;
                idx.v[gi].example = s->nsites++;
            }
            key[id] = idx.v[gi].example;
        }
        diff_site *d = &s->sites[key[id]];
        d->count[s->side]++;
        d->bytes[s->side] += rec.u.block.size;
        s->has_sites = true;
    }
    if (st != HS_END) {
        const char *m = r ? hs_reader_error(r)->message : "";
        snprintf(s->message, sizeof s->message, "%s", *m ? m : hs_strerror(st));
        s->failed = 1;
    }
    goto done;
nomem:
    why = "out of memory reading allocation sites";
    s->failed = 1;
    snprintf(s->message, sizeof s->message, "%s", why);
done:
    hs_reader_close(r);
    free(key);
    free(idx.v);
    free(idx.slot);
    free(tb.p);
    return s->failed ? -1 : 0;
}
