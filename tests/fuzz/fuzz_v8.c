/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_v8.c — libFuzzer target for V8 heap snapshots: any bytes
 * given to the streaming .heapsnapshot reader (analyze/v8_read.c) must end
 * in a snapshot or a one-line error, never a crash, a hang or an unbounded
 * allocation. A snapshot that reads is then mapped (types, retaining rules,
 * weakly held nodes) and converted to .hsnap in memory, and the codec's
 * reader must accept that conversion whole.
 */
#define _GNU_SOURCE
#include "v8_read.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!size) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    v8_snapshot s;
    char err[V8_ERR_MAX];
    int rc = v8_read_stream(f, &s, err);
    fclose(f);
    if (rc) {
        if (!err[0] || strchr(err, '\n')) abort(); /* one line, always */
        return 0;
    }
    v8_types t;
    v8_kind_stats ks;
    uint8_t *kind = malloc((size_t)s.edge_count + 1);
    uint32_t *orph = NULL, norph = 0;
    if (!kind || v8_map_types(&s, &t, err)) abort();
    if (v8_map_kinds(&s, kind, &ks, err) || v8_map_orphans(&s, kind, &orph, &norph, err)) abort();
    for (uint32_t e = 0; e < s.edge_count; e++)
        if (kind[e] > HS_REF_OTHER) abort();
    buf b = {0};
    v8_strmap sm = {0};
    if (v8_map_strings(&s, NULL, 0, &sm, err)) abort();
    if (v8_encode(&s, &t, &sm, kind, orph, norph, false, sink, &b, err)) abort();
    v8_strmap_release(&sm);
    hs_reader *r = NULL;
    hs_status st = hs_reader_open_mem(b.p, b.n, "fuzz", NULL, &r);
    hs_record rec;
    uint64_t blocks = 0;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) blocks += rec.kind == HS_REC_BLOCK;
    if (st != HS_END || blocks != s.node_count) abort(); /* the conversion is always a valid .hsnap */
    hs_reader_close(r);
    free(b.p);
    free(orph);
    free(kind);
    v8_types_release(&t);
    v8_snapshot_release(&s);
    return 0;
}
