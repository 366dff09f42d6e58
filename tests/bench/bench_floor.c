/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/bench_floor.c — the floor a loader is measured against
 * (issue 18, "load at the floor"): the least a program must do to turn an
 * .hsnap into a CSR graph — stream-decompress with zstd, decode the block,
 * refs and root records by hand (CBOR, no validation beyond what keeps it
 * in bounds: it trusts its input, which is why it is a floor and not a
 * reader), map addresses to dense indices with one open-addressing table,
 * and build the forward CSR by a counting sort. It prints the seconds (wall
 * and CPU) and the peak RSS, to set beside `bench_analyze FILE`'s load
 * phase (tests/bench/bench_load.sh runs both, alternating).
 *   bench_floor FILE
 * Not a reader: a benchmark only, never built into the tool.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <zstd.h>

typedef struct vec32 {
    uint32_t *p;
    size_t n, cap;
} vec32;
typedef struct vec64 {
    uint64_t *p;
    size_t n, cap;
} vec64;

static void die(const char *m)
{
    fprintf(stderr, "bench_floor: %s\n", m);
    exit(1);
}
static void push32(vec32 *v, uint32_t x)
{
    if (v->n == v->cap && !(v->p = realloc(v->p, (v->cap = v->cap ? v->cap * 2 : 1 << 16) * 4))) die("out of memory");
    v->p[v->n++] = x;
}
static void push64(vec64 *v, uint64_t x)
{
    if (v->n == v->cap && !(v->p = realloc(v->p, (v->cap = v->cap ? v->cap * 2 : 1 << 16) * 8))) die("out of memory");
    v->p[v->n++] = x;
}

/* ---- the decompressed stream, refilled as the decoder goes ---- */
typedef struct in {
    FILE *f;
    ZSTD_DStream *z;
    unsigned char *src, *buf;
    size_t srccap, srcn, srcpos, cap, n, pos;
    int eof;
} in;

static void refill(in *s)
{
    memmove(s->buf, s->buf + s->pos, s->n - s->pos);
    s->n -= s->pos;
    s->pos = 0;
    while (s->n < s->cap / 2 && !s->eof) {
        if (s->srcpos == s->srcn) {
            s->srcn = fread(s->src, 1, s->srccap, s->f);
            s->srcpos = 0;
            if (!s->srcn) {
                s->eof = 1;
                break;
            }
        }
        ZSTD_inBuffer ib = {s->src, s->srcn, s->srcpos};
        ZSTD_outBuffer ob = {s->buf, s->cap, s->n};
        size_t r = ZSTD_decompressStream(s->z, &ob, &ib);
        if (ZSTD_isError(r)) die(ZSTD_getErrorName(r));
        s->srcpos = ib.pos;
        s->n = ob.pos;
    }
}

/* one CBOR head: major type and argument */
static inline int head(in *s, uint64_t *arg)
{
    if (s->n - s->pos < 16) refill(s);
    if (s->pos >= s->n) die("truncated");
    unsigned b = s->buf[s->pos++], ai = b & 31;
    uint64_t v = ai;
    if (ai >= 24) {
        int k = ai == 24 ? 1 : ai == 25 ? 2 : ai == 26 ? 4 : 8;
        v = 0;
        for (int i = 0; i < k; i++) v = v << 8 | s->buf[s->pos++];
    }
    *arg = v;
    return (int)(b >> 5);
}
static inline int64_t sint(in *s)
{
    uint64_t a;
    int mt = head(s, &a);
    return mt == 1 ? -1 - (int64_t)a : (int64_t)a;
}
/* skip n items (iteratively) */
static void skip(in *s, uint64_t n)
{
    while (n--) {
        uint64_t a;
        int mt = head(s, &a);
        if (mt == 2 || mt == 3) {
            while (a) {
                if (s->pos == s->n) refill(s);
                size_t c = s->n - s->pos < a ? s->n - s->pos : (size_t)a;
                s->pos += c;
                a -= c;
            }
        } else if (mt == 4) n += a;
        else if (mt == 5) n += 2 * a;
        else if (mt == 6) n++;
    }
}

/* ---- addresses → dense indices ---- */
typedef struct amap {
    uint64_t *key;
    uint32_t *val;
    size_t cap, n;
} amap;
static inline size_t slot(const amap *m, uint64_t a) { return (size_t)((a * 0x9E3779B97F4A7C15ull) >> 17) & (m->cap - 1); }
static void grow(amap *m)
{
    amap o = *m;
    m->cap = o.cap ? o.cap * 2 : 1 << 20;
    m->key = malloc(m->cap * 8);
    m->val = malloc(m->cap * 4);
    if (!m->key || !m->val) die("out of memory");
    memset(m->key, 0xff, m->cap * 8);
    for (size_t i = 0; i < o.cap; i++)
        if (o.key[i] != UINT64_MAX) {
            size_t h = slot(m, o.key[i]);
            while (m->key[h] != UINT64_MAX) h = (h + 1) & (m->cap - 1);
            m->key[h] = o.key[i], m->val[h] = o.val[i];
        }
    free(o.key);
    free(o.val);
}
static uint32_t get_or_add(amap *m, uint64_t a, uint32_t v)
{
    if ((m->n + 1) * 4 > m->cap * 3) grow(m);
    size_t h = slot(m, a);
    while (m->key[h] != UINT64_MAX) {
        if (m->key[h] == a) return m->val[h];
        h = (h + 1) & (m->cap - 1);
    }
    m->key[h] = a, m->val[h] = v, m->n++;
    return v;
}
static uint32_t find(const amap *m, uint64_t a)
{
    size_t h = slot(m, a);
    while (m->key[h] != UINT64_MAX) {
        if (m->key[h] == a) return m->val[h];
        h = (h + 1) & (m->cap - 1);
    }
    return UINT32_MAX;
}

static double now(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc != 2) die("usage: bench_floor FILE");
    double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
    in s = {0};
    if (!(s.f = fopen(argv[1], "rb"))) die("cannot open");
    unsigned char pre[12];
    if (fread(pre, 1, 12, s.f) != 12 || memcmp(pre, "\x89HSNAP\r\n\x1a\n", 10)) die("not an .hsnap");
    s.z = ZSTD_createDStream();
    s.srccap = ZSTD_DStreamInSize();
    s.cap = 1 << 22;
    s.src = malloc(s.srccap);
    s.buf = malloc(s.cap);
    if (!s.z || !s.src || !s.buf) die("out of memory");
    amap m = {0};
    vec64 addr = {0}, tgt = {0};
    vec32 size = {0}, type = {0}, from = {0}, label = {0}, rootv = {0};
    uint64_t prev = 0;
    for (;;) {
        uint64_t len, kind;
        if (head(&s, &len) != 4 || head(&s, &kind) != 0) die("bad record");
        if (kind == 5 || kind == 6) {
            uint64_t holder;
            if (kind == 5) {
                holder = prev + (uint64_t)sint(&s);
                prev = holder;
                uint64_t sz, ty;
                head(&s, &sz);
                head(&s, &ty);
                skip(&s, 2); /* flags, site */
                uint32_t v = (uint32_t)addr.n;
                if (get_or_add(&m, holder, v) != v) die("duplicate block");
                push64(&addr, holder);
                push32(&size, (uint32_t)sz);
                push32(&type, (uint32_t)ty);
            } else {
                holder = (uint64_t)sint(&s);
            }
            uint64_t nref;
            head(&s, &nref);
            uint32_t h = find(&m, holder); /* a refs record's holder was declared before, as writers do */
            for (uint64_t i = 0; i < nref; i++) {
                uint64_t a;
                size_t at = s.pos;
                int mt = head(&s, &a);
                uint64_t to;
                uint32_t lab = UINT32_MAX;
                if (mt == 4) {
                    to = holder + (uint64_t)sint(&s);
                    uint64_t l;
                    int lt = head(&s, &l);
                    if (lt == 0) lab = (uint32_t)l;
                    else if (lt == 1) lab = (uint32_t)l;
                    if (a > 2) skip(&s, a - 2);
                } else {
                    s.pos = at;
                    to = holder + (uint64_t)sint(&s);
                }
                push32(&from, h);
                push64(&tgt, to);
                push32(&label, lab);
            }
        } else if (kind == 7) {
            uint64_t a = (uint64_t)sint(&s);
            push32(&rootv, find(&m, a));
            skip(&s, len - 2);
        } else if (kind == 23) {
            break;
        } else {
            skip(&s, len - 1);
        }
    }
    double wl = now(CLOCK_MONOTONIC) - w0;
    /* resolve targets, then the CSR by a counting sort */
    const size_t n = addr.n, e = from.n;
    uint32_t *to32 = malloc(e * 4), *off = calloc(n + 1, 4), *out_to = malloc(e * 4), *out_lab = malloc(e * 4);
    if (!to32 || !off || !out_to || !out_lab) die("out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < e; i++) {
        uint32_t t = find(&m, tgt.p[i]);
        to32[i] = t;
        if (t != UINT32_MAX && from.p[i] != UINT32_MAX) off[from.p[i] + 1]++, kept++;
    }
    for (size_t v = 0; v < n; v++) off[v + 1] += off[v];
    for (size_t i = 0; i < e; i++) {
        if (to32[i] == UINT32_MAX || from.p[i] == UINT32_MAX) continue;
        uint32_t p = off[from.p[i]]++;
        out_to[p] = to32[i];
        out_lab[p] = label.p[i];
    }
    double w1 = now(CLOCK_MONOTONIC), c1 = now(CLOCK_PROCESS_CPUTIME_ID);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("floor: %zu blocks, %zu references (%zu kept), %zu roots: %.3f s wall (%.3f decoding), %.3f s CPU, peak "
           "%.1f MiB (%.1f B/block)\n",
           n, e, kept, rootv.n, w1 - w0, wl, c1 - c0, ru.ru_maxrss / 1024.0, ru.ru_maxrss * 1024.0 / (double)(n ? n : 1));
    return out_to[kept ? kept - 1 : 0] == 0xdeadbeef; /* keep the arrays alive to the end */
}
