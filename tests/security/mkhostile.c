/* SPDX-License-Identifier: MIT */
/*
 * tests/security/mkhostile.c — writes the hostile snapshots of issue 19's
 * regression cases (tests/security/), crafted at the byte level (CBOR by
 * hand, zstd framing by libzstd) so each carries exactly its defect:
 *
 *   mkhostile snap OUT TIME TYPE SIZE   a valid dump: header time TIME
 *                                       (int64), one root block of type TYPE
 *                                       and SIZE bytes (uint64)
 *   mkhostile time_big OUT              header time 2^63 (past int64)
 *   mkhostile time_small OUT            header time -2^63 - 1
 *   mkhostile nul_names OUT             types "dict" and "dict\0evil", a
 *                                       module, a label and a root name
 *                                       with a NUL
 *   mkhostile nul_producer OUT          producer "heapsnap-c\0evil"
 *   mkhostile nul_tag OUT               header tag value "on\0evil"
 *   mkhostile skip_bomb OUT N           N MiB of empty unknown records
 *   mkhostile longname OUT N            a type, a label and a root name of
 *                                       N bytes each (the report's #3)
 */
#define _POSIX_C_SOURCE 200809L
#include "hs_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

uint64_t hsf_xxh64_oneshot(const void *data, size_t len, uint64_t seed);

typedef struct buf {
    uint8_t *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}
static void byte(buf *b, uint8_t c) { put(b, &c, 1); }
static void head(buf *b, int major, uint64_t v)
{
    uint8_t m = (uint8_t)(major << 5);
    if (v < 24) {
        byte(b, m | (uint8_t)v);
        return;
    }
    byte(b, m | 27);
    for (int s = 56; s >= 0; s -= 8) byte(b, (uint8_t)(v >> s));
}
static void u(buf *b, uint64_t v) { head(b, 0, v); }
static void i64(buf *b, int64_t v)
{
    if (v >= 0) head(b, 0, (uint64_t)v);
    else head(b, 1, (uint64_t)(-(v + 1)));
}
static void arr(buf *b, uint64_t n) { head(b, 4, n); }
static void map(buf *b, uint64_t n) { head(b, 5, n); }
static void textn(buf *b, const char *s, size_t n)
{
    head(b, 3, n);
    put(b, s, n);
}
static void text(buf *b, const char *s) { textn(b, s, strlen(s)); }
static void null(buf *b) { byte(b, 0xf6); }

typedef struct counts {
    uint64_t strings, types, blocks, refs, roots, shallow;
} counts;

/* header with a time given as a raw CBOR head (major 0 or 1, value) */
static void header(buf *b, int time_major, uint64_t time_val, const char *producer, size_t plen, const char *tagv,
                   size_t tlen)
{
    arr(b, 2);
    u(b, 0);
    map(b, tagv ? 5 : 4);
    u(b, 1);
    textn(b, producer, plen);
    u(b, 4);
    u(b, 4242);
    u(b, 5);
    head(b, time_major, time_val);
    u(b, 6);
    u(b, 8);
    if (tagv) {
        u(b, 8);
        map(b, 1);
        text(b, "values");
        textn(b, tagv, tlen);
    }
}
static void header_time(buf *b, int64_t t)
{
    buf tmp = {0};
    i64(&tmp, t);
    /* re-read the head just written: major and value */
    int major = tmp.p[0] >> 5;
    uint64_t v = (tmp.p[0] & 31) < 24 ? (tmp.p[0] & 31u) : 0;
    if ((tmp.p[0] & 31) == 27)
        for (int i = 1; i <= 8; i++) v = v << 8 | tmp.p[i];
    free(tmp.p);
    header(b, major, v, "mkhostile", 9, NULL, 0);
}
static void string(buf *b, counts *c, const char *s, size_t n)
{
    arr(b, 2);
    u(b, 1);
    textn(b, s, n);
    c->strings++;
}
static void type(buf *b, counts *c, uint64_t name, int64_t module)
{
    arr(b, 4);
    u(b, 2);
    u(b, name);
    if (module < 0) null(b);
    else u(b, (uint64_t)module);
    u(b, 0);
    c->types++;
}
/* a block at `addr` (absolute; the first block's delta is from 0) */
static void block(buf *b, counts *c, uint64_t *last, uint64_t addr, uint64_t size, uint64_t t, uint64_t nrefs,
                  const uint64_t *to, const int64_t *labels)
{
    arr(b, 7);
    u(b, 5);
    if (addr >= *last) u(b, addr - *last);
    else head(b, 1, *last - addr - 1);
    *last = addr;
    u(b, size);
    u(b, t);
    u(b, 0);
    u(b, 0);
    arr(b, nrefs);
    for (uint64_t i = 0; i < nrefs; i++) {
        arr(b, 2);
        if (to[i] >= addr) u(b, to[i] - addr);
        else head(b, 1, addr - to[i] - 1);
        if (labels[i] < 0) null(b);
        else u(b, (uint64_t)labels[i]);
    }
    c->blocks++;
    c->refs += nrefs;
    c->shallow += size;
}
static void root(buf *b, counts *c, uint64_t addr, int64_t name)
{
    arr(b, 4);
    u(b, 7);
    u(b, addr);
    u(b, 1);
    if (name < 0) null(b);
    else u(b, (uint64_t)name);
    c->roots++;
}
static void trailer(buf *b, const counts *c)
{
    uint64_t sum = hsf_xxh64_oneshot(b->p, b->len, 0), off = b->len;
    arr(b, 5);
    u(b, 23);
    map(b, 8);
    u(b, 1), u(b, c->strings), u(b, 2), u(b, c->types), u(b, 3), u(b, 0), u(b, 4), u(b, 0);
    u(b, 5), u(b, c->blocks), u(b, 6), u(b, c->refs), u(b, 7), u(b, c->roots), u(b, 8), u(b, 0);
    u(b, c->shallow);
    u(b, sum);
    u(b, off);
}

static int save(const char *path, const buf *stream)
{
    size_t cap = ZSTD_compressBound(stream->len) + HS_PREFIX_LEN;
    uint8_t *z = malloc(cap);
    if (!z) return 1;
    memcpy(z, HS_MAGIC, HS_MAGIC_LEN);
    z[HS_MAGIC_LEN] = HS_FORMAT_VERSION_MAJOR;
    z[HS_MAGIC_LEN + 1] = 0;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 19);
    size_t n = ZSTD_compress2(cc, z + HS_PREFIX_LEN, cap - HS_PREFIX_LEN, stream->p, stream->len);
    ZSTD_freeCCtx(cc);
    FILE *f = fopen(path, "wb");
    if (ZSTD_isError(n) || !f || fwrite(z, 1, HS_PREFIX_LEN + n, f) != HS_PREFIX_LEN + n || fclose(f) != 0) {
        fprintf(stderr, "mkhostile: cannot write '%s'\n", path);
        return 1;
    }
    free(z);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: mkhostile snap OUT TIME TYPE SIZE | time_big OUT | time_small OUT | nul_names OUT |\n"
                    "       nul_producer OUT | nul_tag OUT | skip_bomb OUT MIB | longname OUT N\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 3) return usage();
    const char *mode = argv[1], *out = argv[2];
    buf b = {0};
    counts c = {0};
    uint64_t last = 0;
    if (!strcmp(mode, "snap") && argc == 6) {
        header_time(&b, strtoll(argv[3], NULL, 10));
        string(&b, &c, argv[4], strlen(argv[4]));
        type(&b, &c, 0, -1);
        block(&b, &c, &last, 0x1000, strtoull(argv[5], NULL, 10), 0, 0, NULL, NULL);
        root(&b, &c, 0x1000, -1);
    } else if (!strcmp(mode, "time_big") || !strcmp(mode, "time_small")) {
        /* 2^63 as an unsigned integer; -1 - 2^63 as a negative one */
        header(&b, !strcmp(mode, "time_big") ? 0 : 1, 1ull << 63, "mkhostile", 9, NULL, 0);
        string(&b, &c, "T", 1);
        type(&b, &c, 0, -1);
        block(&b, &c, &last, 0x1000, 16, 0, 0, NULL, NULL);
        root(&b, &c, 0x1000, -1);
    } else if (!strcmp(mode, "nul_names")) {
        /* "dict" holds 16 bytes, "dict\0evil" 1 MiB: a NUL-cut name would
         * make the big one look like the small one */
        header_time(&b, 1700000000000000ll);
        string(&b, &c, "dict", 4);           /* 0 */
        string(&b, &c, "dict\0evil", 9);     /* 1 */
        string(&b, &c, "mod\0hidden", 10);   /* 2 */
        string(&b, &c, "key\0hidden", 10);   /* 3 */
        string(&b, &c, "main\0hidden", 11);  /* 4 */
        type(&b, &c, 0, -1);
        type(&b, &c, 1, -1);
        type(&b, &c, 1, 2);
        uint64_t to[2] = {0x2000, 0x3000};
        int64_t labels[2] = {3, -1};
        block(&b, &c, &last, 0x1000, 16, 0, 2, to, labels);
        block(&b, &c, &last, 0x2000, 1 << 20, 1, 0, NULL, NULL);
        block(&b, &c, &last, 0x3000, 64, 2, 0, NULL, NULL);
        root(&b, &c, 0x1000, 4);
    } else if (!strcmp(mode, "nul_producer") || !strcmp(mode, "nul_tag")) {
        if (!strcmp(mode, "nul_producer")) header(&b, 0, 1700000000000000ull, "heapsnap-c\0evil", 15, NULL, 0);
        else header(&b, 0, 1700000000000000ull, "mkhostile", 9, "on\0evil", 7);
        string(&b, &c, "T", 1);
        type(&b, &c, 0, -1);
        block(&b, &c, &last, 0x1000, 16, 0, 0, NULL, NULL);
        root(&b, &c, 0x1000, -1);
    } else if (!strcmp(mode, "longname") && argc == 4) {
        size_t n = strtoull(argv[3], NULL, 10);
        char *name = malloc(n + 1);
        if (!name) return 1;
        for (size_t i = 0; i < n; i++) name[i] = "LongName"[i % 8];
        header_time(&b, 1700000000000000ll);
        string(&b, &c, name, n);  /* 0: the type */
        string(&b, &c, "T", 1);   /* 1 */
        string(&b, &c, name, n - 1); /* 2: a label */
        string(&b, &c, name, n - 2); /* 3: a root name */
        free(name);
        type(&b, &c, 0, -1);
        type(&b, &c, 1, -1);
        uint64_t to[1] = {0x2000};
        int64_t labels[1] = {2};
        block(&b, &c, &last, 0x1000, 4096, 0, 1, to, labels);
        block(&b, &c, &last, 0x2000, 65536, 0, 0, NULL, NULL);
        block(&b, &c, &last, 0x3000, 128, 1, 0, NULL, NULL);
        root(&b, &c, 0x1000, 3);
        root(&b, &c, 0x3000, -1);
    } else if (!strcmp(mode, "skip_bomb") && argc == 4) {
        /* [9]: a one-item record of an unknown kind, two bytes that decode
         * to nothing, repeated; nothing inside any of them to skip */
        header_time(&b, 1700000000000000ll);
        uint64_t n = strtoull(argv[3], NULL, 10) << 20;
        for (uint64_t i = 0; i + 2 < n; i += 2) {
            arr(&b, 1);
            u(&b, 9);
        }
        trailer(&b, &c);
    } else {
        return usage();
    }
    if (strcmp(mode, "skip_bomb") != 0) trailer(&b, &c);
    int rc = save(out, &b);
    free(b.p);
    return rc;
}
