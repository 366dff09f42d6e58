/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_roundtrip.c — libFuzzer target: the input is a program of
 * writer calls (types, frames, sites, blocks, references from any holder
 * with any label, roots, values); the snapshot is written to memory, read
 * back, and must hold exactly what was accepted: the same counts, total and
 * block fields, and a reference checksum that does not depend on how the
 * writer grouped references into records.
 */
#include "heapsnap.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static hs_status sink(void *ud, const void *d, size_t n)
{
    membuf *b = ud;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) return HS_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return HS_OK;
}

typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor;

static uint64_t take(cursor *c, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes && c->n; i++, c->p++, c->n--) v = v << 8 | *c->p;
    return v;
}

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001B3ull + (h >> 29); }

static uint64_t ref_hash(uint64_t from, uint64_t to, unsigned kind, unsigned lt, uint64_t label)
{
    return mix(mix(mix(mix(mix(0xcbf29ce484222325ull, from), to), kind), lt), label);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cursor c = {data, size};
    membuf buf = {0};
    hs_writer *w;
    if (hs_writer_open_sink(sink, &buf, NULL, &w) != HS_OK) abort();
    static const char *names[] = {"a", "b", "\xff", "", "long name with spaces", "\xc3\xa9"};
    uint32_t ntypes = 0, nframes = 0, nsites = 0;
    uint64_t blocks = 0, refs = 0, roots = 0, values = 0, shallow = 0, refsum = 0;
    /* label strings are compared through their interned ids' text */
    while (c.n) {
        unsigned op = (unsigned)take(&c, 1) % 8;
        uint32_t id;
        switch (op) {
        case 0:
            if (hs_writer_add_type(w, names[take(&c, 1) % 6], take(&c, 1) % 2 ? names[take(&c, 1) % 6] : NULL,
                                   (uint32_t)take(&c, 1), &id) == HS_OK)
                ntypes++;
            break;
        case 1:
            if (hs_writer_add_frame(w, names[take(&c, 1) % 6], NULL, (uint32_t)take(&c, 2), &id) == HS_OK) nframes++;
            break;
        case 2: {
            uint32_t fr[3] = {(uint32_t)take(&c, 1), (uint32_t)take(&c, 1), (uint32_t)take(&c, 1)};
            if (hs_writer_add_site(w, fr, (uint32_t)take(&c, 1) % 4, &id) == HS_OK) nsites++;
            break;
        }
        case 3: {
            uint64_t addr = take(&c, 2) * 16, sz = take(&c, 3);
            uint32_t site = take(&c, 1) % 2 ? HS_NONE : (uint32_t)take(&c, 1);
            if (hs_writer_add_block(w, addr, sz, (uint32_t)take(&c, 1), (uint32_t)take(&c, 1), site) == HS_OK) {
                blocks++;
                shallow += sz;
            }
            break;
        }
        case 4: case 5: {
            uint64_t from = take(&c, 2) * 16, to = take(&c, 1) % 2 ? take(&c, 8) : take(&c, 2) * 16;
            unsigned kind = (unsigned)take(&c, 1) % 3, form = (unsigned)take(&c, 1) % 3;
            hs_status st;
            uint64_t label = 0;
            if (form == 0) st = hs_writer_add_ref(w, from, to, (hs_ref_kind)kind, NULL);
            else if (form == 1) {
                const char *s = names[take(&c, 1) % 6];
                st = hs_writer_add_ref(w, from, to, (hs_ref_kind)kind, s);
                label = strlen(s); /* the length survives sanitizing for these names except "\xff" */
                if (s[0] == '\xff') label = 3;
            } else {
                label = take(&c, 8);
                st = hs_writer_add_ref_index(w, from, to, (hs_ref_kind)kind, label);
            }
            if (st == HS_OK) {
                refs++;
                refsum += ref_hash(from, to, kind, form, label);
            }
            break;
        }
        case 6:
            if (hs_writer_add_root(w, take(&c, 2) * 16, (hs_root_kind)(take(&c, 1) % 6), take(&c, 1) % 2 ? "r" : NULL,
                                   take(&c, 1)) == HS_OK)
                roots++;
            break;
        default:
            if (hs_writer_add_value_int(w, take(&c, 2), (int64_t)take(&c, 8)) == HS_OK) values++;
            break;
        }
    }
    if (hs_writer_close(w, NULL) != HS_OK) abort();

    hs_reader *r;
    if (hs_reader_open_mem(buf.p, buf.len, "roundtrip", NULL, &r) != HS_OK) abort();
    hs_record rec;
    hs_status st;
    uint64_t got_refs = 0, got_sum = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        const hs_ref *v = NULL;
        uint32_t n = 0;
        uint64_t from = 0;
        if (rec.kind == HS_REC_BLOCK) v = rec.u.block.refs, n = rec.u.block.nrefs, from = rec.u.block.addr;
        if (rec.kind == HS_REC_REFS) v = rec.u.refs.refs, n = rec.u.refs.nrefs, from = rec.u.refs.from;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t label = v[i].label;
            if (v[i].label_type == HS_LABEL_STRING) {
                size_t len = 0;
                if (!hs_reader_string(r, (uint32_t)label, &len)) abort();
                label = len;
            }
            got_sum += ref_hash(from, v[i].to, v[i].kind, v[i].label_type, label);
            got_refs++;
        }
    }
    const hs_counts *k = hs_reader_counts(r);
    if (st != HS_END || k->blocks != blocks || k->refs != refs || got_refs != refs || got_sum != refsum ||
        k->roots != roots || k->values != values || k->types != ntypes || k->frames != nframes ||
        k->sites != nsites || hs_reader_total_shallow(r) != shallow)
        abort();
    hs_reader_close(r);
    free(buf.p);
    return 0;
}
