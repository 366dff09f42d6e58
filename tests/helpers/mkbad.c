/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/mkbad.c — regenerates the checked-in corpus of malformed
 * snapshots (tests/data/bad/NAME.hsnap) and the forward-compatibility files
 * (tests/data/good/v1_future.hsnap). Each file is crafted at the byte level:
 * CBOR written by hand, zstd framing by libzstd, so every defect is exactly
 * the one named. tests/data/bad/EXPECTED.tsv lists the error each must give.
 *
 *   mkbad OUTDIR_BAD OUTDIR_GOOD
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
    if (v < 24) byte(b, m | (uint8_t)v);
    else if (v <= 0xff) { byte(b, m | 24); byte(b, (uint8_t)v); }
    else if (v <= 0xffff) { byte(b, m | 25); byte(b, (uint8_t)(v >> 8)); byte(b, (uint8_t)v); }
    else if (v <= 0xffffffffu) { byte(b, m | 26); for (int s = 24; s >= 0; s -= 8) byte(b, (uint8_t)(v >> s)); }
    else { byte(b, m | 27); for (int s = 56; s >= 0; s -= 8) byte(b, (uint8_t)(v >> s)); }
}
static void u(buf *b, uint64_t v) { head(b, 0, v); }
static void arr(buf *b, uint64_t n) { head(b, 4, n); }
static void map(buf *b, uint64_t n) { head(b, 5, n); }
static void text(buf *b, const char *s) { head(b, 3, strlen(s)); put(b, s, strlen(s)); }
static void null(buf *b) { byte(b, 0xf6); }

/* Counts of what a stream declares, for its trailer. */
typedef struct counts {
    uint64_t strings, types, frames, sites, blocks, refs, roots, values, shallow;
} counts;

static void rec_header(buf *b)
{
    arr(b, 2); u(b, 0);
    map(b, 4);
    u(b, 1); text(b, "mkbad");
    u(b, 4); u(b, 1);
    u(b, 5); u(b, 1700000000000000ull);
    u(b, 6); u(b, 8);
}
static void rec_string(buf *b, counts *c, const char *s) { arr(b, 2); u(b, 1); text(b, s); c->strings++; }
static void rec_type(buf *b, counts *c, uint64_t name) { arr(b, 4); u(b, 2); u(b, name); null(b); u(b, 0); c->types++; }
static void rec_block(buf *b, counts *c, uint64_t delta, uint64_t size, uint64_t type, uint64_t nrefs_strong_next)
{
    arr(b, 7); u(b, 5); u(b, delta); u(b, size); u(b, type); u(b, 0); u(b, 0);
    arr(b, nrefs_strong_next);
    for (uint64_t i = 0; i < nrefs_strong_next; i++) u(b, 16);
    c->blocks++;
    c->refs += nrefs_strong_next;
    c->shallow += size;
}
static void rec_root(buf *b, counts *c, uint64_t addr) { arr(b, 4); u(b, 7); u(b, addr); u(b, 1); null(b); c->roots++; }

/* The usual body: one string, one type, a few blocks and a root. */
static void body(buf *b, counts *c, int nblocks)
{
    rec_string(b, c, "T");
    rec_type(b, c, 0);
    for (int i = 0; i < nblocks; i++) /* large bodies get irregular sizes, so they compress like real ones */
        rec_block(b, c, i ? 16 : 0x1000, nblocks > 100 ? 16 + ((uint64_t)i * 2654435761u) % 4000 : 32, 0,
                  i + 1 < nblocks ? 1 : 0);
    rec_root(b, c, 0x1000);
}

static void trailer_with(buf *b, const counts *c, uint64_t shallow, uint64_t checksum, uint64_t offset)
{
    arr(b, 5); u(b, 23);
    map(b, 8);
    u(b, 1); u(b, c->strings); u(b, 2); u(b, c->types); u(b, 3); u(b, c->frames); u(b, 4); u(b, c->sites);
    u(b, 5); u(b, c->blocks); u(b, 6); u(b, c->refs); u(b, 7); u(b, c->roots); u(b, 8); u(b, c->values);
    u(b, shallow); u(b, checksum); u(b, offset);
}
static void trailer(buf *b, const counts *c)
{
    trailer_with(b, c, c->shallow, hsf_xxh64_oneshot(b->p, b->len, 0), b->len);
}

static int frame_checksum = 1; /* cleared for the one file that lacks it */

/* prefix + one zstd frame (content checksum on) of `stream` */
static buf frame(const buf *stream, int major, int minor, int window_log)
{
    buf out = {0};
    uint8_t pre[HS_PREFIX_LEN];
    memcpy(pre, HS_MAGIC, HS_MAGIC_LEN);
    pre[HS_MAGIC_LEN] = (uint8_t)major;
    pre[HS_MAGIC_LEN + 1] = (uint8_t)minor;
    put(&out, pre, sizeof pre);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, frame_checksum);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 3);
    if (window_log) ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, window_log);
    size_t cap = ZSTD_compressBound(stream->len) + 64;
    uint8_t *z = malloc(cap);
    ZSTD_outBuffer ob = {z, cap, 0};
    /* stream it in two calls, so the frame does not declare its size */
    size_t half = stream->len / 2;
    ZSTD_inBuffer ib = {stream->p, half, 0};
    ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue);
    ZSTD_inBuffer ib2 = {stream->p + half, stream->len - half, 0};
    while (ZSTD_compressStream2(cc, &ob, &ib2, ZSTD_e_end) != 0) {
    }
    put(&out, z, ob.pos);
    free(z);
    ZSTD_freeCCtx(cc);
    return out;
}

static const char *bad_dir, *good_dir;
static FILE *manifest;

static void save(const char *dir, const char *name, const buf *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.hsnap", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || (b->len && fwrite(b->p, 1, b->len, f) != b->len) || fclose(f)) {
        perror(path);
        exit(1);
    }
}

/* Save a bad file and its expected error: status code and a message part. */
static void bad(const char *name, const buf *b, hs_status code, const char *msg)
{
    save(bad_dir, name, b);
    fprintf(manifest, "%s.hsnap\t%d\t%s\n", name, (int)code, msg);
}

static buf good_file(int nblocks)
{
    buf s = {0};
    counts c = {0};
    rec_header(&s);
    body(&s, &c, nblocks);
    trailer(&s, &c);
    buf f = frame(&s, 1, 0, 0);
    free(s.p);
    return f;
}

/* A stream: header, `mid` (raw records), body, and a correct trailer. */
typedef void (*mutator)(buf *s, counts *c);

static buf stream_with(mutator before_body, mutator after_body, int with_trailer)
{
    buf s = {0};
    counts c = {0};
    rec_header(&s);
    if (before_body) before_body(&s, &c);
    body(&s, &c, 3);
    if (after_body) after_body(&s, &c);
    if (with_trailer) trailer(&s, &c);
    buf f = frame(&s, 1, 0, 0);
    free(s.p);
    return f;
}

static void m_reserved(buf *s, counts *c) { (void)c; byte(s, 0x1c); }
static void m_indefinite(buf *s, counts *c) { (void)c; byte(s, 0x9f); u(s, 1); text(s, "x"); byte(s, 0xff); }
static void m_not_array(buf *s, counts *c) { (void)c; u(s, 5); }
static void m_undeclared_type(buf *s, counts *c) { rec_block(s, c, 0x10, 8, 5, 0); }
static void m_undeclared_label(buf *s, counts *c)
{
    arr(s, 7); u(s, 5); u(s, 0x10); u(s, 8); u(s, 0); u(s, 0); u(s, 0);
    arr(s, 1); arr(s, 2); u(s, 16); u(s, 77);
    c->blocks++;
}
static void m_undeclared_frame(buf *s, counts *c) { arr(s, 2); u(s, 4); arr(s, 1); u(s, 3); c->sites++; }
static void m_second_header(buf *s, counts *c) { (void)c; rec_header(s); }
static void m_bad_ref_item(buf *s, counts *c)
{
    (void)c;
    arr(s, 7); u(s, 5); u(s, 0x10); u(s, 8); u(s, 0); u(s, 0); u(s, 0);
    arr(s, 1); text(s, "oops");
}
static void m_huge_string(buf *s, counts *c) { (void)c; arr(s, 2); u(s, 1); head(s, 3, 1ull << 40); put(s, "abc", 3); }
static void m_huge_array(buf *s, counts *c)
{
    (void)c;
    arr(s, 7); u(s, 5); u(s, 0x10); u(s, 8); u(s, 0); u(s, 0); u(s, 0);
    arr(s, 1ull << 60); u(s, 1); u(s, 2);
}
static void m_huge_site(buf *s, counts *c) { (void)c; arr(s, 2); u(s, 4); arr(s, 1ull << 32); }
static void m_huge_map(buf *s, counts *c) { (void)c; arr(s, 2); u(s, 30); map(s, (1ull << 62) + 1); }
static void m_bad_utf8(buf *s, counts *c) { (void)c; arr(s, 2); u(s, 1); head(s, 3, 3); put(s, "a\xff" "b", 3); }
static void m_extra_block(buf *s, counts *c) { (void)c; arr(s, 7); u(s, 5); u(s, 0x10); u(s, 8); u(s, 0); u(s, 0); u(s, 0); arr(s, 0); }
static void m_cut_record(buf *s, counts *c) { (void)c; arr(s, 7); u(s, 5); u(s, 0x10); }

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: mkbad OUTDIR_BAD OUTDIR_GOOD\n");
        return 2;
    }
    bad_dir = argv[1];
    good_dir = argv[2];
    char mpath[1024];
    snprintf(mpath, sizeof mpath, "%s/EXPECTED.tsv", bad_dir);
    manifest = fopen(mpath, "w");
    if (!manifest) {
        perror(mpath);
        return 1;
    }
    fprintf(manifest, "# file\tstatus code (hs_status)\tpart of the error message\n");

    buf empty = {0};
    bad("empty", &empty, HS_ERR_TRUNCATED, "empty file");
    buf txt = {0};
    put(&txt, "hello, world\n", 13);
    bad("not_hsnap", &txt, HS_ERR_MAGIC, "not a heapsnap file (bad magic at byte 0)");

    buf g = good_file(3);
    buf crlf = {0}; /* "\r\n" turned into "\n" by a text-mode transfer */
    put(&crlf, g.p, 6);
    put(&crlf, g.p + 7, g.len - 7);
    bad("crlf_mangled", &crlf, HS_ERR_MAGIC, "damaged magic at byte 6");
    buf v2 = {0};
    put(&v2, g.p, g.len);
    v2.p[HS_MAGIC_LEN] = 2;
    bad("version_2", &v2, HS_ERR_VERSION, "unsupported format version 2.0 at byte 10");
    buf pre = {0};
    put(&pre, g.p, HS_PREFIX_LEN);
    bad("prefix_only", &pre, HS_ERR_TRUNCATED, "truncated zstd stream at byte 12 (record 0)");
    buf short_pre = {0};
    put(&short_pre, g.p, 11);
    bad("prefix_cut", &short_pre, HS_ERR_TRUNCATED, "truncated file prefix: 11 of 12 bytes");
    buf zsum = {0};
    put(&zsum, g.p, g.len);
    zsum.p[zsum.len - 1] ^= 0x55;
    bad("zstd_checksum", &zsum, HS_ERR_CHECKSUM, "zstd frame checksum mismatch");
    buf junk = {0};
    put(&junk, g.p, g.len);
    put(&junk, "JUNK", 4);
    bad("bytes_after_frame", &junk, HS_ERR_TRAILING, "unexpected bytes after the end of the zstd frame");

    buf big = good_file(4000);
    buf half = {0};
    put(&half, big.p, big.len / 2);
    char msg[128];
    snprintf(msg, sizeof msg, "truncated zstd stream at byte %zu", half.len);
    bad("truncated_half", &half, HS_ERR_TRUNCATED, msg);
    buf flip = {0};
    put(&flip, big.p, big.len);
    for (size_t i = HS_PREFIX_LEN + 6; i < HS_PREFIX_LEN + 12; i++) flip.p[i] ^= 0xA5; /* first block header */
    bad("zstd_corrupt", &flip, HS_ERR_ZSTD, "corrupt zstd stream before byte");

    buf b;
    b = stream_with(m_reserved, NULL, 1);
    bad("cbor_reserved", &b, HS_ERR_CBOR, "reserved CBOR additional information (byte 0x1c) in record 1");
    b = stream_with(m_indefinite, NULL, 1);
    bad("cbor_indefinite", &b, HS_ERR_CBOR, "indefinite-length or break item (byte 0x9f) not allowed in record 1");
    b = stream_with(m_not_array, NULL, 1);
    bad("record_not_array", &b, HS_ERR_RECORD, "record is not an array in record 1");
    b = stream_with(NULL, m_undeclared_type, 1);
    bad("undeclared_type", &b, HS_ERR_UNDECLARED, "block refers to undeclared type 5 (1 declared) in record 7 (block) at stream offset");
    b = stream_with(NULL, m_undeclared_label, 1);
    bad("undeclared_label", &b, HS_ERR_UNDECLARED, "reference label refers to undeclared string 77 (1 declared) in record 7 (block)");
    b = stream_with(m_undeclared_frame, NULL, 1);
    bad("undeclared_frame", &b, HS_ERR_UNDECLARED, "site refers to undeclared frame 3 (0 declared) in record 1 (site)");
    b = stream_with(NULL, m_second_header, 1);
    bad("second_header", &b, HS_ERR_RECORD, "second header record in record 7");
    b = stream_with(NULL, m_bad_ref_item, 1);
    bad("bad_ref_item", &b, HS_ERR_RECORD, "reference 0 is neither an integer nor a 2- or 3-item array in record 7 (block)");
    b = stream_with(NULL, m_huge_string, 1);
    bad("huge_string", &b, HS_ERR_LIMIT, "string of 1099511627776 bytes exceeds the 16777216-byte limit in record 7 (string)");
    b = stream_with(NULL, m_huge_array, 0);
    bad("huge_ref_count", &b, HS_ERR_TRUNCATED, "stream ends inside the record in record 7 (block)");
    b = stream_with(m_huge_site, NULL, 1);
    bad("huge_site", &b, HS_ERR_LIMIT, "site of 4294967296 frames exceeds the 4096-frame limit in record 1 (site)");
    b = stream_with(m_huge_map, NULL, 1);
    bad("huge_map", &b, HS_ERR_CBOR, "map of 4611686018427387905 entries is too large in record 1 (unknown)");
    b = stream_with(m_bad_utf8, NULL, 1);
    bad("invalid_utf8", &b, HS_ERR_CBOR, "string is not valid UTF-8 (byte 1 of 3) in record 1 (string)");
    b = stream_with(NULL, NULL, 0);
    bad("no_trailer", &b, HS_ERR_TRUNCATED, "stream ends after record 6 without a trailer");
    b = stream_with(NULL, m_cut_record, 0);
    bad("record_cut", &b, HS_ERR_TRUNCATED, "stream ends inside the record in record 7 (block)");

    /* the first record is not the header */
    {
        buf s = {0};
        counts c = {0};
        body(&s, &c, 1);
        trailer(&s, &c);
        b = frame(&s, 1, 0, 0);
        bad("first_not_header", &b, HS_ERR_RECORD, "the first record must be the header in record 0 (string)");
    }
    /* a header without a producer */
    {
        buf s = {0};
        arr(&s, 2); u(&s, 0); map(&s, 1); u(&s, 4); u(&s, 9);
        b = frame(&s, 1, 0, 0);
        bad("header_no_producer", &b, HS_ERR_RECORD, "header has no producer in record 0 (header)");
    }
    /* trailers that do not match the records */
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        counts lie = c;
        lie.blocks++;
        trailer_with(&s, &lie, c.shallow, hsf_xxh64_oneshot(s.p, s.len, 0), s.len);
        b = frame(&s, 1, 0, 0);
        bad("count_mismatch", &b, HS_ERR_COUNT, "trailer counts 4 blocks, the file has 3 in record 7 (trailer)");
    }
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer_with(&s, &c, c.shallow + 1, hsf_xxh64_oneshot(s.p, s.len, 0), s.len);
        b = frame(&s, 1, 0, 0);
        bad("shallow_mismatch", &b, HS_ERR_COUNT, "trailer total shallow size 97 differs from the blocks' 96");
    }
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer_with(&s, &c, c.shallow, hsf_xxh64_oneshot(s.p, s.len, 0) ^ 1, s.len);
        b = frame(&s, 1, 0, 0);
        bad("trailer_checksum", &b, HS_ERR_CHECKSUM, "checksum mismatch: trailer has");
    }
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer_with(&s, &c, c.shallow, hsf_xxh64_oneshot(s.p, s.len, 0), s.len + 5);
        b = frame(&s, 1, 0, 0);
        bad("trailer_offset", &b, HS_ERR_COUNT, "trailer says it starts at stream offset");
    }
    {
        /* a record altered after the trailer was computed: checksum catches it */
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer(&s, &c);
        for (size_t i = 0; i + 2 < s.len; i++)
            if (s.p[i] == 0x18 && s.p[i + 1] == 0x20) { /* first block size 32 -> 33 */
                s.p[i + 1] = 0x21;
                break;
            }
        b = frame(&s, 1, 0, 0);
        bad("altered_record", &b, HS_ERR_COUNT, "trailer total shallow size 96 differs from the blocks' 97");
    }
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer(&s, &c);
        m_extra_block(&s, &c);
        b = frame(&s, 1, 0, 0);
        bad("data_after_trailer", &b, HS_ERR_TRAILING, "data after the trailer at stream offset");
    }
    {
        /* a zstd window larger than readers accept */
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer(&s, &c);
        b = frame(&s, 1, 0, 28);
        bad("window_too_large", &b, HS_ERR_LIMIT, "zstd window larger than 2^27 bytes");
    }
    {
        /* decompression bomb: 100 MiB of skippable unknown records from a few KiB */
        buf s = {0};
        rec_header(&s);
        uint8_t *zeros = calloc(1, 1 << 20);
        for (int i = 0; i < 100; i++) {
            arr(&s, 2); u(&s, 24); head(&s, 2, 1 << 20); put(&s, zeros, 1 << 20);
        }
        free(zeros);
        b = frame(&s, 1, 0, 0);
        bad("bomb", &b, HS_ERR_LIMIT, "skipped data exceeds 250 times the compressed size");
    }

    /* found by review: a frame without its content checksum */
    {
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        trailer(&s, &c);
        frame_checksum = 0;
        b = frame(&s, 1, 0, 0);
        frame_checksum = 1;
        bad("no_zstd_checksum", &b, HS_ERR_ZSTD, "the zstd frame at byte 12 has no content checksum");
        /* a skippable frame in front of the real one */
        buf sk = {0};
        put(&sk, b.p, HS_PREFIX_LEN);
        static const uint8_t skip[] = {0x50, 0x2A, 0x4D, 0x18, 4, 0, 0, 0, 'h', 'i', '!', '!'};
        put(&sk, skip, sizeof skip);
        buf real = frame(&s, 1, 0, 0);
        put(&sk, real.p + HS_PREFIX_LEN, real.len - HS_PREFIX_LEN);
        bad("skippable_frame", &sk, HS_ERR_ZSTD, "no zstd frame at byte 12 (magic 184d2a50)");
        /* the stream split over two frames, in the middle of a record */
        buf first = {0}, second = {0};
        put(&first, s.p, 20);
        put(&second, s.p + 20, s.len - 20);
        buf f1 = frame(&first, 1, 0, 0), f2 = frame(&second, 1, 0, 0);
        buf two = {0};
        put(&two, f1.p, f1.len);
        put(&two, f2.p + HS_PREFIX_LEN, f2.len - HS_PREFIX_LEN);
        snprintf(msg, sizeof msg, "the zstd frame ends at byte %zu in record 0 but the file goes on", f1.len);
        bad("two_frames", &two, HS_ERR_TRAILING, msg);
    }
    {
        /* a trailer that leaves a count out */
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        body(&s, &c, 3);
        size_t off = s.len;
        uint64_t sum = hsf_xxh64_oneshot(s.p, s.len, 0);
        arr(&s, 5); u(&s, 23);
        map(&s, 7);
        u(&s, 1); u(&s, c.strings); u(&s, 2); u(&s, c.types); u(&s, 3); u(&s, 0); u(&s, 4); u(&s, 0);
        u(&s, 5); u(&s, c.blocks); u(&s, 6); u(&s, c.refs); u(&s, 7); u(&s, c.roots);
        u(&s, c.shallow); u(&s, sum); u(&s, off);
        b = frame(&s, 1, 0, 0);
        bad("trailer_missing_count", &b, HS_ERR_RECORD, "trailer has no count of value records in record 7 (trailer)");
    }
    {
        /* a tag bomb: 70,000 empty tags cost 140 KB of stream, would cost MBs of heap */
        buf s = {0};
        arr(&s, 2); u(&s, 0);
        map(&s, 2);
        u(&s, 1); text(&s, "mkbad");
        u(&s, 8); map(&s, 70000);
        for (int i = 0; i < 70000; i++) { text(&s, ""); text(&s, ""); }
        b = frame(&s, 1, 0, 0);
        bad("tag_bomb", &b, HS_ERR_LIMIT, "more than 65536 tags in record 0 (header)");
    }
    {
        /* a bad reference deep inside a large block: its number is the record's, not the chunk's */
        buf s = {0};
        counts c = {0};
        rec_header(&s);
        rec_string(&s, &c, "T");
        rec_type(&s, &c, 0);
        arr(&s, 7); u(&s, 5); u(&s, 0x1000); u(&s, 8); u(&s, 0); u(&s, 0); u(&s, 0);
        arr(&s, 20000);
        for (int i = 0; i < 20000; i++) {
            if (i == 17000) text(&s, "bad");
            else u(&s, 16);
        }
        b = frame(&s, 1, 0, 0);
        bad("bad_ref_far", &b, HS_ERR_RECORD, "reference 17000 is neither an integer nor a 2- or 3-item array in record 3 (block)");
    }

    /* Forward compatibility: what a later 1.x writer may add must be skipped. */
    {
        buf s = {0};
        counts c = {0};
        arr(&s, 3); u(&s, 0); /* header with an extra item and unknown keys */
        map(&s, 6);
        u(&s, 1); text(&s, "future-writer");
        u(&s, 99); map(&s, 1); text(&s, "nested"); arr(&s, 2); u(&s, 1); text(&s, "x");
        text(&s, "text-key"); u(&s, 5);
        u(&s, 4); u(&s, 7);
        u(&s, 5); head(&s, 1, 999); /* a time before the epoch */
        u(&s, 6); u(&s, 8);
        arr(&s, 1); u(&s, 0); /* the extra header item */
        arr(&s, 3); u(&s, 17); map(&s, 1); u(&s, 1); arr(&s, 0); head(&s, 6, 1); u(&s, 5); /* unknown kind 17 */
        rec_string(&s, &c, "T");
        arr(&s, 5); u(&s, 2); u(&s, 0); null(&s); u(&s, 0); text(&s, "new type field"); c.types++;
        /* a block with an extra item after its references */
        arr(&s, 8); u(&s, 5); u(&s, 0x1000); u(&s, 40); u(&s, 0); u(&s, 0); u(&s, 0);
        arr(&s, 2); u(&s, 16); arr(&s, 3); head(&s, 1, 15); null(&s); u(&s, 9); /* kind 9: unknown, "other" */
        map(&s, 1); u(&s, 1); u(&s, 2);
        c.blocks++; c.refs += 2; c.shallow += 40;
        arr(&s, 6); u(&s, 7); u(&s, 0x1000); u(&s, 1); null(&s); u(&s, 0); text(&s, "extra"); c.roots++;
        arr(&s, 2); u(&s, 200); byte(&s, 0xf5); /* unknown kind 200 */
        /* trailer with an unknown count key and an extra item */
        size_t off = s.len;
        uint64_t sum = hsf_xxh64_oneshot(s.p, s.len, 0);
        arr(&s, 7); u(&s, 23);
        map(&s, 9);
        u(&s, 1); u(&s, c.strings); u(&s, 2); u(&s, c.types); u(&s, 3); u(&s, 0); u(&s, 4); u(&s, 0);
        u(&s, 5); u(&s, c.blocks); u(&s, 6); u(&s, c.refs); u(&s, 7); u(&s, c.roots); u(&s, 8); u(&s, 0);
        u(&s, 42); u(&s, 1); /* a count this reader does not know */
        u(&s, c.shallow); u(&s, sum); u(&s, off); map(&s, 1); text(&s, "k"); text(&s, "v"); u(&s, 0);
        b = frame(&s, 1, 7, 0);
        save(good_dir, "v1_future", &b);
    }
    fclose(manifest);
    return 0;
}
