/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_v8.c — libFuzzer target for V8 heap snapshots: any bytes
 * given to the streaming .heapsnapshot reader (analyze/v8_read.c) must end
 * in a snapshot or a one-line error, never a crash, a hang or an unbounded
 * allocation. A snapshot that reads is then mapped (types, retaining rules,
 * weakly held nodes) and converted to .hsnap in memory, and the codec's
 * reader must accept that conversion whole. The same bytes are read again
 * with V8_READ_SITES: that read is stricter (it never accepts what the plain
 * one rejects), and a snapshot it accepts maps to allocation sites
 * (v8_map_sites) whose ids, frames and per-site lengths are all in range,
 * and whose conversion carries every site and each node's.
 */
#define _GNU_SOURCE
#include "v8/v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static hs_status sink(void *ud, const void *d, size_t len)
{
    buf *b = ud;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + len) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) return HS_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, len);
    b->n += len;
    return HS_OK;
}

static void encode_check(const v8_snapshot *s, const v8_sites *x);

/* Read with V8_READ_SITES and map the allocation sites; abort on any
 * broken promise. plain_ok: the read without sites succeeded. */
static void fuzz_sites(const uint8_t *data, size_t size, bool plain_ok)
{
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return;
    v8_snapshot s;
    char err[V8_ERR_MAX];
    int rc = v8_read_stream_ex(f, &s, V8_READ_SITES, err);
    fclose(f);
    if (rc) {
        if (!err[0] || strchr(err, '\n')) abort();
        return;
    }
    if (!plain_ok) abort(); /* reading sites only adds checks */
    v8_sites x;
    if (v8_map_sites(&s, &x, err)) {
        if (!err[0] || strchr(err, '\n')) abort();
        v8_snapshot_release(&s);
        return;
    }
    if (x.nsites && (!x.node_site || x.site_off[0])) abort();
    for (uint32_t i = 0; i < x.nsites; i++) {
        uint32_t a = x.site_off[i], z = x.site_off[i + 1];
        if (z <= a || z - a > V8_MAX_SITE_FRAMES) abort();
        for (uint32_t k = a; k < z; k++)
            if (x.site_frames[k] >= x.nframes) abort();
    }
    for (uint32_t i = 0; i < x.nframes; i++)
        if ((x.frames[i].function != HS_NONE && x.frames[i].function >= s.nstrings) ||
            (x.frames[i].file != HS_NONE && x.frames[i].file >= s.nstrings))
            abort();
    uint64_t with = 0;
    for (uint32_t n = 0; x.node_site && n < s.node_count; n++) {
        if (x.node_site[n] != UINT32_MAX && x.node_site[n] >= x.nsites) abort();
        with += x.node_site[n] != UINT32_MAX;
    }
    if (with != x.traced_nodes + x.located_nodes) abort();
    encode_check(&s, &x);
    v8_sites_release(&x);
    v8_snapshot_release(&s);
}

/* Map and encode a read snapshot (with its sites, when given); the result
 * must always be a valid .hsnap with one block per node and the sites. */
static void encode_check(const v8_snapshot *s, const v8_sites *x)
{
    char err[V8_ERR_MAX];
    v8_types t;
    v8_kind_stats ks;
    uint8_t *kind = malloc((size_t)s->edge_count + 1);
    uint32_t *orph = NULL, norph = 0;
    if (!kind || v8_map_types(s, &t, err)) abort();
    if (v8_map_kinds(s, kind, &ks, err) || v8_map_orphans(s, kind, &orph, &norph, err)) abort();
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (kind[e] > HS_REF_OTHER) abort();
    buf b = {0};
    v8_strmap sm = {0};
    if (v8_map_strings(s, x, &sm, err)) abort();
    if (v8_encode(s, &t, &sm, x, kind, orph, norph, false, sink, &b, err)) abort();
    hs_reader *r = NULL;
    hs_status st = hs_reader_open_mem(b.p, b.n, "fuzz", NULL, &r);
    hs_record rec;
    uint64_t blocks = 0, with_site = 0;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK)
        if (rec.kind == HS_REC_BLOCK) {
            blocks++;
            with_site += rec.u.block.site != HS_NONE;
        }
    if (st != HS_END || blocks != s->node_count) abort(); /* the conversion is always a valid .hsnap */
    if (x && (hs_reader_site_count(r) != x->nsites || with_site != x->traced_nodes + x->located_nodes)) abort();
    hs_reader_close(r);
    free(b.p);
    v8_strmap_release(&sm);
    free(orph);
    free(kind);
    v8_types_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    v8_snapshot s;
    char err[V8_ERR_MAX];
    int rc = v8_read_stream(f, &s, err);
    fclose(f);
    fuzz_sites(data, size, rc == 0);
    if (rc) {
        if (!err[0] || strchr(err, '\n')) abort(); /* one line, always */
        return 0;
    }
    encode_check(&s, NULL);
    v8_snapshot_release(&s);
    return 0;
}
