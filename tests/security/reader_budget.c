/* SPDX-License-Identifier: MIT */
/*
 * tests/security/reader_budget.c — issue 19 #10, the library's side: with
 * the decompression ratio counting only skipped bytes, what the reader
 * keeps must still be bounded by max_strings_total, which now covers the
 * type, frame and site tables (12, 12 and 8 + 4 per frame bytes each) as
 * well as strings and tags; and a highly regular stream of blocks (a
 * linked list) reads whole with default limits, whatever its ratio.
 *
 *   security_reader_budget   (ctest: security/reader_budget)
 */
#include "hs_format.h"

#include "../unit/hs_test.h"

#include <stdlib.h>

typedef struct mbuf {
    unsigned char *p;
    size_t n, cap;
} mbuf;

static hs_status to_mem(void *ud, const void *d, size_t len)
{
    mbuf *b = ud;
    if (b->n + len > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + len) cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) return HS_ERR_NOMEM;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, len);
    b->n += len;
    return HS_OK;
}

/* Read the image to the end; the final status and, in err, the error. */
static hs_status read_all(const mbuf *b, const hs_reader_limits *lim, hs_error *err, hs_counts *c)
{
    hs_reader *r;
    hs_status st = hs_reader_open_mem(b->p, b->n, "mem", lim, &r);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(r, &rec);
    if (err) *err = *hs_reader_error(r);
    if (c) *c = *hs_reader_counts(r);
    hs_reader_close(r);
    return st;
}

static hs_encoder *start(mbuf *b)
{
    hs_encoder *e;
    hs_encoder_options eo = {.level = 3};
    if (hs_encoder_new(&eo, to_mem, b, &e) != HS_OK) abort();
    hs_header h = {.producer = "budget", .pid = 1, .time_us = 1, .pointer_size = 8};
    hs_encoder_header(e, &h);
    uint32_t id;
    hs_encoder_string(e, "T", 1, &id);
    return e;
}

static void test_types_count_against_the_budget(void)
{
    mbuf b = {0};
    hs_encoder *e = start(&b);
    uint32_t id;
    for (int i = 0; i < 200; i++) {
        hs_type t = {0, HS_NONE, 0};
        hs_encoder_type(e, &t, &id);
    }
    CHECK(hs_encoder_finish(e, NULL, 0) == HS_OK);
    hs_encoder_free(e);
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    CHECK(read_all(&b, &lim, NULL, NULL) == HS_END);
    lim.max_strings_total = 1000; /* 2 bytes of string + 200 * 12 of types > 1000 */
    hs_error err;
    CHECK(read_all(&b, &lim, &err, NULL) == HS_ERR_LIMIT);
    CHECK_STR_CONTAINS(err.message, "strings, tags and tables exceed the 1000-byte total limit in record");
    CHECK_STR_CONTAINS(err.message, "(type)");
    free(b.p);
}

static void test_sites_and_frames_count_too(void)
{
    mbuf b = {0};
    hs_encoder *e = start(&b);
    uint32_t id, frames[64] = {0};
    hs_frame f = {0, HS_NONE, 1};
    hs_encoder_frame(e, &f, &id);
    for (int i = 0; i < 20; i++) hs_encoder_site(e, frames, 64, &id); /* 20 * (8 + 256) bytes */
    CHECK(hs_encoder_finish(e, NULL, 0) == HS_OK);
    hs_encoder_free(e);
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    CHECK(read_all(&b, &lim, NULL, NULL) == HS_END);
    lim.max_strings_total = 4000;
    hs_error err;
    CHECK(read_all(&b, &lim, &err, NULL) == HS_ERR_LIMIT);
    CHECK_STR_CONTAINS(err.message, "(site)");
    free(b.p);
}

static void test_regular_chain_reads_by_default(void)
{
    mbuf b = {0};
    hs_encoder *e = start(&b);
    uint32_t id;
    hs_type t = {0, HS_NONE, 0};
    hs_encoder_type(e, &t, &id);
    const uint32_t n = 6000000; /* 72 MB of records: past the 64 MiB grace */
    for (uint32_t i = 0; i < n; i++) {
        hs_ref r = {.to = 0x1000 + 32ull * (i + 1)};
        hs_encoder_block(e, 0x1000 + 32ull * i, 32, 0, 0, HS_NONE, &r, i + 1 < n);
    }
    hs_encoder_root(e, 0x1000, HS_ROOT_GLOBAL, HS_NONE, 0);
    CHECK(hs_encoder_finish(e, NULL, 0) == HS_OK);
    uint64_t in = hs_encoder_bytes_in(e), ratio = in / (b.n ? b.n : 1);
    hs_encoder_free(e);
    CHECK(in > (64u << 20) && ratio > 250); /* the old rule refused this: past the grace, past the ratio */
    hs_counts c;
    hs_error err;
    hs_status st = read_all(&b, NULL, &err, &c);
    if (st != HS_END) fprintf(stderr, "chain: %s\n", err.message);
    CHECK(st == HS_END);
    CHECK_EQ_U64(c.blocks, n);
    free(b.p);
}

int main(void)
{
    TEST_RUN(test_types_count_against_the_budget);
    TEST_RUN(test_sites_and_frames_count_too);
    TEST_RUN(test_regular_chain_reads_by_default);
    return test_summary();
}
