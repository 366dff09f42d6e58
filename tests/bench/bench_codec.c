/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/bench_codec.c — codec benchmark (prints figures, asserts
 * nothing): writes a heap-shaped snapshot of N blocks with R references
 * each through the C writer API, reads it back with the reader, and
 * reports the median of several runs: encode and decode throughput
 * (records/s, references/s, MB/s of CBOR stream and of file), bytes per
 * block on disk and decompressed, the share of decoding spent in zstd, and
 * libcbor's cbor_stream_decode over the same CBOR stream for comparison.
 *
 *   bench_codec [BLOCKS (default 1000000)] [REFS_PER_BLOCK (3)] [RUNS (5)] [ZSTD_LEVEL (3)]
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"

#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng = 12345;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Heap-shaped: allocator-like address gaps, a skewed size mix, 200 types,
 * references mostly to nearby blocks (heap-walk order) and some far ones;
 * a third labelled with attribute names, a third with indices. */
static uint64_t *addrs;

static void write_snapshot(const char *path, uint64_t n, unsigned refs_per, int level)
{
    hs_writer_options o = {.no_fsync = 1, .level = level, .runtime = "bench"};
    hs_writer *w;
    hs_error err;
    if (hs_writer_open(path, &o, &w, &err) != HS_OK) {
        fprintf(stderr, "bench_codec: %s\n", err.message);
        exit(1);
    }
    uint32_t types[200], labels[1000];
    for (int i = 0; i < 200; i++) {
        char name[32];
        snprintf(name, sizeof name, "Type%d", i);
        hs_writer_add_type(w, name, "bench.module", 0, &types[i]);
    }
    for (int i = 0; i < 1000; i++) {
        char name[32];
        snprintf(name, sizeof name, "attr_%d", i);
        hs_writer_intern(w, name, strlen(name), &labels[i]);
    }
    rng = 12345;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = rnd();
        uint64_t size = (r & 7) < 5 ? 16 + ((r >> 3) % 12) * 8 : (r & 7) < 7 ? 64 + ((r >> 3) % 448) : 512 + ((r >> 3) % 8192);
        hs_writer_add_block(w, addrs[i], size, types[(r >> 20) % ((r >> 40) % 4 ? 20 : 200)], (uint32_t)(r >> 60) & 3,
                            HS_NONE);
        for (unsigned k = 0; k < refs_per; k++) {
            uint64_t q = rnd();
            uint64_t j = q % 8 ? (i + 1 + (q >> 8) % 64) % n : (q >> 8) % n;
            if (k % 3 == 0) hs_writer_add_ref_sid(w, addrs[i], addrs[j], HS_REF_STRONG, labels[(q >> 32) % 1000]);
            else if (k % 3 == 1) hs_writer_add_ref_index(w, addrs[i], addrs[j], HS_REF_STRONG, k);
            else hs_writer_add_ref(w, addrs[i], addrs[j], q % 50 ? HS_REF_STRONG : HS_REF_WEAK, NULL);
        }
    }
    hs_writer_add_root(w, addrs[0], HS_ROOT_GLOBAL, "main", 0);
    if (hs_writer_close(w, &err) != HS_OK) {
        fprintf(stderr, "bench_codec: %s\n", err.message);
        exit(1);
    }
}

static uint64_t read_snapshot(const char *path, uint64_t *stream_bytes)
{
    hs_reader *r;
    if (hs_reader_open(path, NULL, &r) != HS_OK) {
        fprintf(stderr, "bench_codec: %s\n", hs_reader_error(r)->message);
        exit(1);
    }
    hs_record rec;
    hs_status st;
    uint64_t refs = 0, sink = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind == HS_REC_BLOCK) {
            refs += rec.u.block.nrefs;
            sink += rec.u.block.size;
            for (uint32_t i = 0; i < rec.u.block.nrefs; i++) sink ^= rec.u.block.refs[i].to;
        } else if (rec.kind == HS_REC_REFS) {
            refs += rec.u.refs.nrefs;
        }
    }
    if (st != HS_END) {
        fprintf(stderr, "bench_codec: %s\n", hs_reader_error(r)->message);
        exit(1);
    }
    *stream_bytes = hs_reader_stream_size(r);
    hs_reader_close(r);
    if (sink == 42) puts(""); /* keep the loop */
    return refs;
}

/* Decompress the whole stream into memory (for the zstd-only and libcbor figures). */
static uint8_t *decompress_all(const char *path, size_t *len, double *secs)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    fstat(fileno(f), &sb);
    uint8_t *in = malloc((size_t)sb.st_size);
    if (fread(in, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) exit(1);
    fclose(f);
    size_t cap = (size_t)sb.st_size * 8 + (1 << 20), n = 0;
    uint8_t *out = malloc(cap);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    double t0 = now();
    ZSTD_inBuffer ib = {in + HS_PREFIX_LEN, (size_t)sb.st_size - HS_PREFIX_LEN, 0};
    size_t ret = 1;
    while (ret != 0) {
        if (n == cap) out = realloc(out, cap *= 2);
        ZSTD_outBuffer ob = {out + n, cap - n, 0};
        ret = ZSTD_decompressStream(dc, &ob, &ib);
        if (ZSTD_isError(ret)) exit(1);
        n += ob.pos;
    }
    *secs = now() - t0;
    ZSTD_freeDCtx(dc);
    free(in);
    *len = n;
    return out;
}

static uint64_t cb_items;
static void cb_uint(void *ctx, uint64_t v) { (void)ctx; cb_items += v & 1; }
static void cb_uint8(void *ctx, uint8_t v) { cb_uint(ctx, v); }
static void cb_uint16(void *ctx, uint16_t v) { cb_uint(ctx, v); }
static void cb_uint32(void *ctx, uint32_t v) { cb_uint(ctx, v); }
static void cb_any(void *ctx) { (void)ctx; cb_items++; }
static void cb_size(void *ctx, uint64_t n) { (void)ctx; cb_items += n & 1; }
static void cb_str(void *ctx, cbor_data d, uint64_t n) { (void)ctx; (void)d; cb_items += n; }
static void cb_dbl(void *ctx, double d) { (void)ctx; (void)d; cb_items++; }
static void cb_bool(void *ctx, bool b) { (void)ctx; cb_items += b; }

static double libcbor_decode(const uint8_t *p, size_t len)
{
    struct cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = cb_uint8; cb.uint16 = cb_uint16; cb.uint32 = cb_uint32; cb.uint64 = cb_uint;
    cb.negint8 = cb_uint8; cb.negint16 = cb_uint16; cb.negint32 = cb_uint32; cb.negint64 = cb_uint;
    cb.array_start = cb_size; cb.map_start = cb_size; cb.string = cb_str; cb.byte_string = cb_str;
    cb.null = cb_any; cb.float8 = cb_dbl; cb.boolean = cb_bool;
    double t0 = now();
    size_t off = 0;
    while (off < len) {
        struct cbor_decoder_result res = cbor_stream_decode(p + off, len - off, &cb, NULL);
        if (res.status != CBOR_DECODER_FINISHED || res.read == 0) break;
        off += res.read;
    }
    return now() - t0;
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    unsigned refs_per = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 3;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    int level = argc > 4 ? atoi(argv[4]) : 3;
    if (runs < 1 || runs > 50 || n == 0) {
        fprintf(stderr, "usage: bench_codec [BLOCKS] [REFS_PER_BLOCK] [RUNS] [ZSTD_LEVEL]\n");
        return 2;
    }
    addrs = malloc(n * sizeof *addrs);
    uint64_t a = 0x7f3a10000000ull;
    rng = 999;
    for (uint64_t i = 0; i < n; i++) {
        a += 16 * (1 + rnd() % 40);
        addrs[i] = a;
    }
    char path[] = "/tmp/bench_codec_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    double enc[50], dec[50], zst[50], cb[50];
    uint64_t stream_bytes = 0, refs = 0, file_bytes = 0;
    for (int i = 0; i < runs; i++) {
        double t0 = now();
        write_snapshot(path, n, refs_per, level);
        enc[i] = now() - t0;
        t0 = now();
        refs = read_snapshot(path, &stream_bytes);
        dec[i] = now() - t0;
        size_t len;
        uint8_t *raw = decompress_all(path, &len, &zst[i]);
        cb[i] = libcbor_decode(raw, len);
        free(raw);
    }
    struct stat sb;
    stat(path, &sb);
    file_bytes = (uint64_t)sb.st_size;
    unlink(path);
    double e = median(enc, runs), d = median(dec, runs), z = median(zst, runs), c = median(cb, runs);
    double mb = (double)stream_bytes / 1e6;
    printf("bench_codec: %llu blocks, %llu references, zstd level %d, median of %d runs\n", (unsigned long long)n,
           (unsigned long long)refs, level, runs);
    printf("  file            %.2f MB, %.2f bytes/block on disk, %.2f bytes/block decompressed (ratio %.2f)\n",
           (double)file_bytes / 1e6, (double)file_bytes / (double)n, (double)stream_bytes / (double)n,
           (double)stream_bytes / (double)file_bytes);
    printf("  encode          %.3f s: %.2f M blocks/s, %.2f M refs/s, %.0f MB/s CBOR, %.0f MB/s file\n", e,
           (double)n / e / 1e6, (double)refs / e / 1e6, mb / e, (double)file_bytes / 1e6 / e);
    printf("  decode          %.3f s: %.2f M blocks/s, %.2f M refs/s, %.0f MB/s CBOR, %.0f MB/s file\n", d,
           (double)n / d / 1e6, (double)refs / d / 1e6, mb / d, (double)file_bytes / 1e6 / d);
    printf("  zstd alone      %.3f s (%.0f%% of decode); CBOR decoding and validation %.0f MB/s\n", z, 100 * z / d,
           d > z ? mb / (d - z) : 0.0);
    printf("  libcbor stream  %.3f s: %.0f MB/s (cbor_stream_decode, no-op callbacks, same CBOR)\n", c, mb / c);
    free(addrs);
    return 0;
}
