/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_format.c — the codec and the C writer API: XXH64 against
 * zstd's frame checksum, property-style round trips over random graphs
 * (every block, reference, label, root, value, type, frame, site and header
 * field comes back exactly), chunking of huge reference lists, a
 * 1,000,000-block / 3,000,000-reference exact round trip, an independent
 * CBOR check with libcbor, writer argument errors, and the atomic file sink.
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"
#include "hs_test.h"

#include <cbor.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

/* exposed by formats/ for the trailer; tested here against zstd */
uint64_t hsf_xxh64_oneshot(const void *data, size_t len, uint64_t seed);

typedef struct membuf {
    uint8_t *p;
    size_t len, cap;
} membuf;

static hs_status mem_sink(void *ud, const void *d, size_t n)
{
    membuf *b = ud;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) return HS_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return HS_OK;
}

static uint64_t rng;
static uint64_t rnd(void)
{
    uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t rnd_below(uint64_t n) { return n ? rnd() % n : 0; }

static uint64_t rnd_addr(void)
{
    switch (rnd_below(10)) {
    case 0: return 0;
    case 1: return UINT64_MAX - rnd_below(4);
    case 2: return rnd_below(64);
    case 3: return rnd(); /* anywhere */
    default: return 0x7f0000000000ull + rnd_below(1u << 20) * 16;
    }
}

static uint64_t fnv(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

/* ---------------------------------------------------------------- xxh64 */

static void test_xxh64_vectors(void)
{
    CHECK_EQ_U64(hsf_xxh64_oneshot("", 0, 0), 0xEF46DB3751D8E999ull);
    /* zstd's frame checksum is the low 32 bits of XXH64(content, 0):
     * an independent implementation to compare with, at many lengths. */
    uint8_t data[300];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 131 + 7);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    uint8_t out[1024];
    for (size_t len = 0; len <= sizeof data; len += (len < 70 ? 1 : 23)) {
        size_t n = ZSTD_compress2(cc, out, sizeof out, data, len);
        CHECK(!ZSTD_isError(n));
        uint32_t zsum = (uint32_t)out[n - 4] | (uint32_t)out[n - 3] << 8 | (uint32_t)out[n - 2] << 16 |
                        (uint32_t)out[n - 1] << 24;
        CHECK_EQ_U64((uint32_t)hsf_xxh64_oneshot(data, len, 0), zsum);
    }
    ZSTD_freeCCtx(cc);
}

/* ------------------------------------------------------- random models */

typedef struct xref {
    uint64_t from, to, label_key;
    uint8_t kind, label_type;
} xref;

typedef struct xblock {
    uint64_t addr, size;
    uint32_t type, flags, site;
} xblock;

typedef struct xroot {
    uint64_t addr, count, name_key;
    uint32_t kind;
    int has_name;
} xroot;

typedef struct xvalue {
    uint64_t addr, key, full_len;
    int type;
} xvalue;

typedef struct model {
    char strs[64][24];
    size_t slen[64];
    int nstrs;
    uint64_t type_key[40];
    uint32_t type_flags[40];
    int ntypes;
    uint64_t frame_key[20];
    uint32_t frame_line[20];
    int nframes;
    uint32_t site_frames[20][6];
    uint32_t site_n[20];
    int nsites;
    xblock *blocks;
    size_t nblocks;
    xref *refs;
    size_t nrefs, refs_cap;
    xroot roots[20];
    int nroots;
    xvalue values[20];
    int nvalues;
} model;

static int cmp_ref(const void *a, const void *b)
{
    const xref *x = a, *y = b;
#define CMPF(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
    CMPF(from);
    CMPF(to);
    CMPF(kind);
    CMPF(label_type);
    CMPF(label_key);
#undef CMPF
    return 0;
}

static void push_ref(xref **v, size_t *n, size_t *cap, xref r)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 256;
        *v = realloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = r;
}

static uint64_t key2(uint64_t a, uint64_t b) { return a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull); }

static const char *utf8_pieces[] = {"a", "\t", "\x01", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "<&>", "\""};

/* Write a random snapshot through the writer API into `buf`, recording in
 * `m` what a reader must find. */
static void write_random(model *m, membuf *buf, size_t max_blocks)
{
    memset(m, 0, sizeof *m);
    m->nstrs = 1 + (int)rnd_below(63);
    for (int i = 0; i < m->nstrs; i++) {
        /* distinct strings, some empty-ish, some with odd bytes */
        int n = snprintf(m->strs[i], sizeof m->strs[i], "s%d_", i);
        int extra = (int)rnd_below(4);
        for (int k = 0; k < extra; k++) {
            const char *piece = utf8_pieces[rnd_below(sizeof utf8_pieces / sizeof *utf8_pieces)];
            memcpy(m->strs[i] + n, piece, strlen(piece));
            n += (int)strlen(piece);
        }
        m->strs[i][n] = 0;
        m->slen[i] = (size_t)n;
    }
    hs_tag tags[3] = {{"a", "1"}, {"key with space", "value\twith tab"}, {"empty", ""}};
    hs_writer_options o = {
        .producer = rnd_below(2) ? "prod" : "another-producer",
        .producer_version = rnd_below(2) ? NULL : "9.9",
        .runtime = rnd_below(2) ? NULL : "RT 1.2",
        .hostname = rnd_below(2) ? NULL : "host.example",
        .pid = rnd(),
        .time_us = (int64_t)rnd(),
        .pointer_size = rnd_below(2) ? 4 : 8,
        .tags = tags,
        .ntags = (size_t)rnd_below(4),
        .level = (int)rnd_below(5) - 1, /* -1 .. 3 */
    };
    hs_writer *w;
    CHECK(hs_writer_open_sink(mem_sink, buf, &o, &w) == HS_OK);
    if (!w) return;
    m->ntypes = 1 + (int)rnd_below(39);
    for (int i = 0; i < m->ntypes; i++) {
        int name = (int)rnd_below((uint64_t)m->nstrs), mod = (int)rnd_below((uint64_t)m->nstrs + 1) - 1;
        uint32_t id;
        m->type_flags[i] = (uint32_t)rnd();
        CHECK(hs_writer_add_type(w, m->strs[name], mod >= 0 ? m->strs[mod] : NULL, m->type_flags[i], &id) == HS_OK);
        CHECK_EQ_U64(id, i);
        m->type_key[i] = key2(fnv(m->strs[name], strlen(m->strs[name])), mod >= 0 ? fnv(m->strs[mod], strlen(m->strs[mod])) : 0);
    }
    m->nframes = (int)rnd_below(20);
    for (int i = 0; i < m->nframes; i++) {
        int fn = (int)rnd_below((uint64_t)m->nstrs + 1) - 1, file = (int)rnd_below((uint64_t)m->nstrs + 1) - 1;
        uint32_t id;
        m->frame_line[i] = (uint32_t)rnd();
        CHECK(hs_writer_add_frame(w, fn >= 0 ? m->strs[fn] : NULL, file >= 0 ? m->strs[file] : NULL, m->frame_line[i], &id) == HS_OK);
        m->frame_key[i] = key2(fn >= 0 ? fnv(m->strs[fn], strlen(m->strs[fn])) : 1, file >= 0 ? fnv(m->strs[file], strlen(m->strs[file])) : 1);
    }
    m->nsites = m->nframes ? (int)rnd_below(20) : 0;
    for (int i = 0; i < m->nsites; i++) {
        m->site_n[i] = (uint32_t)rnd_below(7);
        for (uint32_t k = 0; k < m->site_n[i]; k++) m->site_frames[i][k] = (uint32_t)rnd_below((uint64_t)m->nframes);
        uint32_t id;
        CHECK(hs_writer_add_site(w, m->site_frames[i], m->site_n[i], &id) == HS_OK);
    }
    m->nblocks = rnd_below(max_blocks + 1);
    m->blocks = calloc(m->nblocks + 1, sizeof *m->blocks);
    for (size_t i = 0; i < m->nblocks; i++) {
        xblock *b = &m->blocks[i];
        b->addr = rnd_addr();
        b->size = rnd_below(3) ? rnd_below(1000) : rnd() >> 24;
        b->type = (uint32_t)rnd_below((uint64_t)m->ntypes);
        b->flags = (uint32_t)rnd_below(16);
        b->site = m->nsites && rnd_below(2) ? (uint32_t)rnd_below((uint64_t)m->nsites) : HS_NONE;
        CHECK(hs_writer_add_block(w, b->addr, b->size, b->type, b->flags, b->site) == HS_OK);
        int nref = (int)rnd_below(9);
        for (int k = 0; k < nref; k++) {
            xref r = {.to = rnd_addr(), .kind = (uint8_t)rnd_below(3)};
            /* mostly from this block; sometimes from another holder (out of order) */
            r.from = rnd_below(6) ? b->addr : rnd_addr();
            switch (rnd_below(3)) {
            case 0:
                r.label_type = HS_LABEL_NONE;
                CHECK(hs_writer_add_ref(w, r.from, r.to, (hs_ref_kind)r.kind, NULL) == HS_OK);
                break;
            case 1: {
                int s = (int)rnd_below((uint64_t)m->nstrs);
                r.label_type = HS_LABEL_STRING;
                r.label_key = fnv(m->strs[s], m->slen[s]);
                CHECK(hs_writer_add_ref(w, r.from, r.to, (hs_ref_kind)r.kind, m->strs[s]) == HS_OK);
                break;
            }
            default:
                r.label_type = HS_LABEL_INDEX;
                r.label_key = rnd_below(4) ? rnd_below(100) : rnd();
                CHECK(hs_writer_add_ref_index(w, r.from, r.to, (hs_ref_kind)r.kind, r.label_key) == HS_OK);
                break;
            }
            push_ref(&m->refs, &m->nrefs, &m->refs_cap, r);
        }
    }
    m->nroots = (int)rnd_below(20);
    for (int i = 0; i < m->nroots; i++) {
        xroot *r = &m->roots[i];
        r->addr = rnd_addr();
        r->kind = (uint32_t)rnd_below(5);
        r->count = rnd_below(3) ? 0 : rnd();
        int s = (int)rnd_below((uint64_t)m->nstrs + 1) - 1;
        r->has_name = s >= 0;
        r->name_key = s >= 0 ? fnv(m->strs[s], strlen(m->strs[s])) : 0;
        CHECK(hs_writer_add_root(w, r->addr, (hs_root_kind)r->kind, s >= 0 ? m->strs[s] : NULL, r->count) == HS_OK);
    }
    m->nvalues = (int)rnd_below(20);
    for (int i = 0; i < m->nvalues; i++) {
        xvalue *v = &m->values[i];
        v->addr = rnd_addr();
        v->type = (int)rnd_below(4);
        char tmp[40];
        size_t len = (size_t)rnd_below(sizeof tmp);
        for (size_t k = 0; k < len; k++) tmp[k] = v->type == HS_VALUE_TEXT ? (char)(0x20 + rnd_below(95)) : (char)rnd();
        if (v->type == HS_VALUE_TEXT || v->type == HS_VALUE_BYTES) {
            v->full_len = len + (rnd_below(2) ? 0 : rnd_below(1000000));
            v->key = fnv(tmp, len);
            if (v->type == HS_VALUE_TEXT) CHECK(hs_writer_add_value_text(w, v->addr, tmp, len, v->full_len) == HS_OK);
            else CHECK(hs_writer_add_value_bytes(w, v->addr, tmp, len, v->full_len) == HS_OK);
        } else if (v->type == HS_VALUE_INT) {
            int64_t x = rnd_below(3) == 0 ? INT64_MIN : rnd_below(2) ? (int64_t)rnd() : (int64_t)rnd_below(50) - 25;
            v->key = (uint64_t)x;
            CHECK(hs_writer_add_value_int(w, v->addr, x) == HS_OK);
        } else {
            double d = rnd_below(4) == 0 ? -0.0 : rnd_below(3) == 0 ? INFINITY : (double)(int64_t)rnd() / 7.0;
            memcpy(&v->key, &d, 8);
            CHECK(hs_writer_add_value_float(w, v->addr, d) == HS_OK);
        }
    }
    if (rnd_below(2)) CHECK(hs_writer_set_end_tag(w, "partial", "no") == HS_OK);
    hs_error err;
    CHECK(hs_writer_close(w, &err) == HS_OK);
}

/* Read `buf` back and compare with `m`. */
static void verify_random(const model *m, const membuf *buf)
{
    hs_reader *r;
    hs_status st = hs_reader_open_mem(buf->p, buf->len, "mem", NULL, &r);
    CHECK(st == HS_OK);
    if (st != HS_OK) {
        fprintf(stderr, "open: %s\n", hs_reader_error(r)->message);
        hs_reader_close(r);
        return;
    }
    xref *got = NULL;
    size_t ngot = 0, cap = 0;
    size_t nb = 0;
    int nroot = 0, nval = 0, ntype = 0, nframe = 0, nsite = 0;
    hs_record rec;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        switch (rec.kind) {
        case HS_REC_TYPE: {
            const hs_type *t = &rec.u.type.type;
            size_t l1, l2 = 0;
            const char *n = hs_reader_string(r, t->name, &l1);
            const char *mo = t->module == HS_NONE ? NULL : hs_reader_string(r, t->module, &l2);
            CHECK(ntype < m->ntypes);
            if (ntype < m->ntypes) {
                CHECK_EQ_U64(key2(fnv(n, l1), mo ? fnv(mo, l2) : 0), m->type_key[ntype]);
                CHECK_EQ_U64(t->flags, m->type_flags[ntype]);
            }
            ntype++;
            break;
        }
        case HS_REC_FRAME: {
            const hs_frame *f = &rec.u.frame.frame;
            size_t l1 = 0, l2 = 0;
            const char *fn = f->function == HS_NONE ? NULL : hs_reader_string(r, f->function, &l1);
            const char *fi = f->file == HS_NONE ? NULL : hs_reader_string(r, f->file, &l2);
            CHECK(nframe < m->nframes);
            if (nframe < m->nframes) {
                CHECK_EQ_U64(key2(fn ? fnv(fn, l1) : 1, fi ? fnv(fi, l2) : 1), m->frame_key[nframe]);
                CHECK_EQ_U64(f->line, m->frame_line[nframe]);
            }
            nframe++;
            break;
        }
        case HS_REC_SITE:
            CHECK(nsite < m->nsites);
            if (nsite < m->nsites) {
                CHECK_EQ_U64(rec.u.site.nframes, m->site_n[nsite]);
                for (uint32_t k = 0; k < rec.u.site.nframes && k < m->site_n[nsite]; k++)
                    CHECK_EQ_U64(rec.u.site.frames[k], m->site_frames[nsite][k]);
            }
            nsite++;
            break;
        case HS_REC_BLOCK: {
            CHECK(nb < m->nblocks);
            if (nb < m->nblocks) {
                const xblock *b = &m->blocks[nb];
                CHECK_EQ_U64(rec.u.block.addr, b->addr);
                CHECK_EQ_U64(rec.u.block.size, b->size);
                CHECK_EQ_U64(rec.u.block.type, b->type);
                CHECK_EQ_U64(rec.u.block.flags, b->flags);
                CHECK_EQ_U64(rec.u.block.site, b->site);
            }
            nb++;
        }
            /* fall through: the block's inline references */
            __attribute__((fallthrough));
        case HS_REC_REFS: {
            uint64_t from = rec.kind == HS_REC_BLOCK ? rec.u.block.addr : rec.u.refs.from;
            const hs_ref *refs = rec.kind == HS_REC_BLOCK ? rec.u.block.refs : rec.u.refs.refs;
            uint32_t n = rec.kind == HS_REC_BLOCK ? rec.u.block.nrefs : rec.u.refs.nrefs;
            for (uint32_t k = 0; k < n; k++) {
                xref x = {.from = from, .to = refs[k].to, .kind = refs[k].kind, .label_type = refs[k].label_type};
                if (x.label_type == HS_LABEL_STRING) {
                    size_t l;
                    const char *s = hs_reader_string(r, (uint32_t)refs[k].label, &l);
                    CHECK(s != NULL);
                    x.label_key = s ? fnv(s, l) : 0;
                } else if (x.label_type == HS_LABEL_INDEX) {
                    x.label_key = refs[k].label;
                }
                push_ref(&got, &ngot, &cap, x);
            }
            break;
        }
        case HS_REC_ROOT:
            CHECK(nroot < m->nroots);
            if (nroot < m->nroots) {
                const xroot *x = &m->roots[nroot];
                CHECK_EQ_U64(rec.u.root.addr, x->addr);
                CHECK_EQ_U64(rec.u.root.kind, x->kind);
                CHECK_EQ_U64(rec.u.root.count, x->count);
                CHECK_EQ_U64(rec.u.root.name != HS_NONE, x->has_name);
                if (rec.u.root.name != HS_NONE) {
                    size_t l;
                    const char *s = hs_reader_string(r, rec.u.root.name, &l);
                    CHECK_EQ_U64(fnv(s, l), x->name_key);
                }
            }
            nroot++;
            break;
        case HS_REC_VALUE:
            CHECK(nval < m->nvalues);
            if (nval < m->nvalues) {
                const xvalue *x = &m->values[nval];
                CHECK_EQ_U64(rec.u.value.addr, x->addr);
                CHECK_EQ_U64(rec.u.value.type, x->type);
                if (x->type == HS_VALUE_TEXT || x->type == HS_VALUE_BYTES) {
                    CHECK_EQ_U64(fnv(rec.u.value.data, rec.u.value.len), x->key);
                    CHECK_EQ_U64(rec.u.value.full_len, x->full_len);
                } else if (x->type == HS_VALUE_INT) {
                    CHECK_EQ_U64((uint64_t)rec.u.value.i, x->key);
                } else {
                    uint64_t bits;
                    memcpy(&bits, &rec.u.value.f, 8);
                    CHECK_EQ_U64(bits, x->key);
                }
            }
            nval++;
            break;
        default: break;
        }
    }
    if (st != HS_END) fprintf(stderr, "read: %s\n", hs_reader_error(r)->message);
    CHECK(st == HS_END);
    CHECK_EQ_U64(nb, m->nblocks);
    CHECK_EQ_U64(nroot, m->nroots);
    CHECK_EQ_U64(nval, m->nvalues);
    CHECK_EQ_U64(ntype, m->ntypes);
    CHECK_EQ_U64(nframe, m->nframes);
    CHECK_EQ_U64(nsite, m->nsites);
    CHECK_EQ_U64(ngot, m->nrefs);
    /* references: the same multiset (the writer may move a reference
     * declared out of order into a separate refs record) */
    xref *want = malloc((m->nrefs + 1) * sizeof *want);
    if (m->nrefs) {
        memcpy(want, m->refs, m->nrefs * sizeof *want);
        qsort(want, m->nrefs, sizeof *want, cmp_ref);
    }
    if (ngot) qsort(got, ngot, sizeof *got, cmp_ref);
    if (ngot == m->nrefs)
        for (size_t i = 0; i < ngot; i++)
            if (cmp_ref(&got[i], &want[i]) != 0) {
                CHECK(!"reference multisets differ");
                break;
            }
    /* interning: no string stored twice */
    uint32_t ns = hs_reader_string_count(r);
    uint64_t *keys = malloc((ns + 1) * sizeof *keys);
    for (uint32_t i = 0; i < ns; i++) {
        size_t l;
        const char *s = hs_reader_string(r, i, &l);
        keys[i] = fnv(s, l);
        for (uint32_t j = 0; j < i; j++) CHECK(keys[j] != keys[i]);
    }
    const hs_header *h = hs_reader_header(r);
    CHECK(h != NULL && h->version_major == 1);
    free(keys);
    free(want);
    free(got);
    hs_reader_close(r);
}

static void test_roundtrip_random(void)
{
    for (uint64_t seed = 1; seed <= 600; seed++) {
        rng = seed * 7919;
        model m;
        membuf buf = {0};
        write_random(&m, &buf, seed % 50 == 0 ? 3000 : 120);
        verify_random(&m, &buf);
        free(m.blocks);
        free(m.refs);
        free(buf.p);
        if (hs_test_failed_checks) {
            fprintf(stderr, "  (seed %llu)\n", (unsigned long long)seed);
            return;
        }
    }
}

/* A block with 200,000 references crosses both the writer's and the
 * reader's chunk sizes; they must come back complete and in order. */
static void test_huge_block(void)
{
    membuf buf = {0};
    hs_writer *w;
    CHECK(hs_writer_open_sink(mem_sink, &buf, NULL, &w) == HS_OK);
    uint32_t t;
    CHECK(hs_writer_add_type(w, "dict", NULL, 0, &t) == HS_OK);
    const uint64_t N = 200000;
    CHECK(hs_writer_add_block(w, 0x1000, 8 * N, t, 0, HS_NONE) == HS_OK);
    for (uint64_t i = 0; i < N; i++) CHECK(hs_writer_add_ref_index(w, 0x1000, 0x100000 + i * 48, HS_REF_STRONG, i) == HS_OK);
    CHECK(hs_writer_add_block(w, 0x2000, 16, t, 0, HS_NONE) == HS_OK);
    CHECK(hs_writer_close(w, NULL) == HS_OK);
    hs_reader *r;
    CHECK(hs_reader_open_mem(buf.p, buf.len, "mem", NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    uint64_t seen = 0, blocks = 0, max_chunk = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        const hs_ref *refs = NULL;
        uint32_t n = 0;
        if (rec.kind == HS_REC_BLOCK) {
            blocks++;
            refs = rec.u.block.refs;
            n = rec.u.block.nrefs;
        } else if (rec.kind == HS_REC_REFS) {
            CHECK_EQ_U64(rec.u.refs.from, 0x1000);
            refs = rec.u.refs.refs;
            n = rec.u.refs.nrefs;
        }
        if (n > max_chunk) max_chunk = n;
        for (uint32_t k = 0; k < n; k++, seen++) {
            CHECK_EQ_U64(refs[k].to, 0x100000 + seen * 48);
            CHECK_EQ_U64(refs[k].label, seen);
            if (refs[k].to != 0x100000 + seen * 48) break;
        }
    }
    CHECK(st == HS_END);
    CHECK_EQ_U64(seen, N);
    CHECK_EQ_U64(blocks, 2);
    CHECK(max_chunk <= 65536);
    hs_reader_close(r);
    free(buf.p);
}

/* ------------------------------------------------ 1M blocks, 3M references */

static uint64_t big_addr(uint64_t i) { return 0x7f0000000000ull + i * 64 + (i % 7) * 8; }

static void test_roundtrip_1m(void)
{
    const uint64_t N = 1000000;
    char path[] = "/tmp/hs_test_1m_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    hs_writer *w;
    hs_error err;
    hs_writer_options o = {.no_fsync = 1};
    CHECK(hs_writer_open(path, &o, &w, &err) == HS_OK);
    uint32_t types[8];
    for (int i = 0; i < 8; i++) {
        char n[8];
        snprintf(n, sizeof n, "T%d", i);
        CHECK(hs_writer_add_type(w, n, "big", 0, &types[i]) == HS_OK);
    }
    static const char *labels[] = {"next", "value", "parent", "cache"};
    int failed_before = hs_test_failed_checks;
    for (uint64_t i = 0; i < N; i++) {
        uint64_t a = big_addr(i);
        CHECK(hs_writer_add_block(w, a, 16 + (i * 2654435761u) % 512, types[i % 8], (uint32_t)(i & 3), HS_NONE) == HS_OK);
        CHECK(hs_writer_add_ref(w, a, big_addr((i + 1) % N), HS_REF_STRONG, NULL) == HS_OK);
        CHECK(hs_writer_add_ref(w, a, big_addr((i * 7919) % N), i % 5 ? HS_REF_STRONG : HS_REF_WEAK, labels[i % 4]) == HS_OK);
        CHECK(hs_writer_add_ref_index(w, a, big_addr(i / 2), HS_REF_STRONG, i % 1000) == HS_OK);
        if (hs_test_failed_checks != failed_before) break;
    }
    CHECK(hs_writer_add_root(w, big_addr(0), HS_ROOT_GLOBAL, "main", 0) == HS_OK);
    CHECK(hs_writer_close(w, &err) == HS_OK);

    hs_reader *r;
    CHECK(hs_reader_open(path, NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    uint64_t i = 0, refs = 0, bad = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind != HS_REC_BLOCK) continue;
        uint64_t a = big_addr(i);
        if (rec.u.block.addr != a || rec.u.block.size != 16 + (i * 2654435761u) % 512 ||
            rec.u.block.type != types[i % 8] || rec.u.block.flags != (i & 3) || rec.u.block.nrefs != 3)
            bad++;
        else {
            const hs_ref *x = rec.u.block.refs;
            size_t l;
            const char *lab = hs_reader_string(r, (uint32_t)x[1].label, &l);
            if (x[0].to != big_addr((i + 1) % N) || x[0].label_type != HS_LABEL_NONE || x[0].kind != HS_REF_STRONG ||
                x[1].to != big_addr((i * 7919) % N) || x[1].label_type != HS_LABEL_STRING || !lab ||
                strcmp(lab, labels[i % 4]) != 0 || x[1].kind != (i % 5 ? HS_REF_STRONG : HS_REF_WEAK) ||
                x[2].to != big_addr(i / 2) || x[2].label_type != HS_LABEL_INDEX || x[2].label != i % 1000)
                bad++;
        }
        refs += rec.u.block.nrefs;
        i++;
    }
    if (st != HS_END) fprintf(stderr, "read: %s\n", hs_reader_error(r)->message);
    CHECK(st == HS_END);
    CHECK_EQ_U64(i, N);
    CHECK_EQ_U64(refs, 3 * N);
    CHECK_EQ_U64(bad, 0);
    CHECK_EQ_U64(hs_reader_counts(r)->roots, 1);
    hs_reader_close(r);
    unlink(path);
}

/* ------------------------------------------------ libcbor cross-check */

/* Decompress our own (trusted) output and parse every record with
 * libcbor: an independent CBOR implementation must agree that the stream
 * is a sequence of arrays whose first item is the record kind. */
static void test_libcbor_agrees(void)
{
    rng = 4242;
    model m;
    membuf buf = {0};
    write_random(&m, &buf, 500);
    CHECK(buf.len > HS_PREFIX_LEN);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    membuf raw = {0};
    uint8_t out[1 << 16];
    ZSTD_inBuffer in = {buf.p + HS_PREFIX_LEN, buf.len - HS_PREFIX_LEN, 0};
    size_t ret = 1;
    while (in.pos < in.size && ret != 0) {
        ZSTD_outBuffer ob = {out, sizeof out, 0};
        ret = ZSTD_decompressStream(dc, &ob, &in);
        CHECK(!ZSTD_isError(ret));
        if (ZSTD_isError(ret)) break;
        mem_sink(&raw, out, ob.pos);
    }
    ZSTD_freeDCtx(dc);
    size_t off = 0, records = 0, blocks = 0, trailer = 0;
    while (off < raw.len) {
        struct cbor_load_result res;
        cbor_item_t *item = cbor_load(raw.p + off, raw.len - off, &res);
        CHECK(item != NULL && res.error.code == CBOR_ERR_NONE);
        if (!item) break;
        CHECK(cbor_isa_array(item) && cbor_array_size(item) >= 2);
        cbor_item_t *kind = cbor_array_get(item, 0);
        CHECK(kind && cbor_isa_uint(kind));
        uint64_t k = kind ? cbor_get_int(kind) : 99;
        if (k == HS_REC_BLOCK) {
            blocks++;
            CHECK(cbor_array_size(item) == 7);
            cbor_item_t *refs = cbor_array_get(item, 6);
            CHECK(refs && cbor_isa_array(refs));
            cbor_decref(&refs);
        }
        if (k == HS_REC_TRAILER) trailer++;
        cbor_decref(&kind);
        cbor_decref(&item);
        off += res.read;
        records++;
    }
    CHECK_EQ_U64(off, raw.len);
    CHECK_EQ_U64(blocks, m.nblocks);
    CHECK_EQ_U64(trailer, 1);
    CHECK(records >= 2);
    free(raw.p);
    free(buf.p);
    free(m.blocks);
    free(m.refs);
}

/* ---------------------------------------------------- writer behaviour */

static void test_writer_arg_errors(void)
{
    membuf buf = {0};
    hs_writer *w;
    CHECK(hs_writer_open_sink(mem_sink, &buf, NULL, &w) == HS_OK);
    uint32_t t, f, s;
    CHECK(hs_writer_add_type(w, NULL, NULL, 0, &t) == HS_ERR_ARG);
    CHECK(hs_writer_add_block(w, 1, 1, 0, 0, HS_NONE) == HS_ERR_ARG); /* no type yet */
    CHECK_STR_CONTAINS(hs_writer_error(w)->message, "undeclared type id 0");
    CHECK(hs_writer_add_type(w, "T", NULL, 0, &t) == HS_OK);
    CHECK(hs_writer_add_block(w, 1, 1, t, 0, 5) == HS_ERR_ARG); /* no such site */
    uint32_t bad_frames[] = {3};
    CHECK(hs_writer_add_site(w, bad_frames, 1, &s) == HS_ERR_ARG);
    CHECK(hs_writer_add_frame(w, "f", NULL, 1, &f) == HS_OK);
    CHECK(hs_writer_add_site(w, &f, 1, &s) == HS_OK);
    CHECK(hs_writer_add_ref_sid(w, 1, 2, HS_REF_STRONG, 999) == HS_ERR_ARG);
    CHECK(hs_writer_add_ref(w, 1, 2, (hs_ref_kind)7, NULL) == HS_ERR_ARG);
    CHECK(hs_writer_add_root(w, 1, (hs_root_kind)9, NULL, 0) == HS_ERR_ARG);
    CHECK(hs_writer_add_value_text(w, 1, "abc", 3, 2) == HS_ERR_ARG);
    CHECK(hs_writer_set_end_tag(w, NULL, "x") == HS_ERR_ARG);
    /* still usable after argument errors */
    CHECK(hs_writer_add_block(w, 1, 1, t, 0, s) == HS_OK);
    CHECK(hs_writer_close(w, NULL) == HS_OK);
    hs_reader *r;
    CHECK(hs_reader_open_mem(buf.p, buf.len, "mem", NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    int blocks = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) blocks += rec.kind == HS_REC_BLOCK;
    CHECK(st == HS_END);
    CHECK_EQ_U64(blocks, 1);
    hs_reader_close(r);
    free(buf.p);
    hs_writer_abort(NULL);
    CHECK(hs_writer_close(NULL, NULL) == HS_OK);
    hs_reader_close(NULL);
}

/* Whatever call comes first, the header goes out first (found by fuzzing:
 * a root or an unnamed frame as the first call lost the snapshot). */
static void test_writer_any_first_call(void)
{
    for (int which = 0; which < 7; which++) {
        membuf buf = {0};
        hs_writer *w;
        CHECK(hs_writer_open_sink(mem_sink, &buf, NULL, &w) == HS_OK);
        uint32_t id;
        hs_status st = HS_OK;
        switch (which) {
        case 0: st = hs_writer_add_root(w, 0x10, HS_ROOT_EXTERNAL, NULL, 3); break;
        case 1: st = hs_writer_add_frame(w, NULL, NULL, 1, &id); break;
        case 2: st = hs_writer_add_site(w, NULL, 0, &id); break;
        case 3: st = hs_writer_add_value_int(w, 0x10, -5); break;
        case 4: st = hs_writer_add_ref_index(w, 0x10, 0x20, HS_REF_WEAK, 7); break;
        case 5: st = hs_writer_set_end_tag(w, "k", "v"); break;
        default: st = hs_writer_intern(w, "x", 1, &id); break;
        }
        CHECK(st == HS_OK);
        hs_error err;
        CHECK(hs_writer_close(w, &err) == HS_OK);
        hs_reader *r;
        CHECK(hs_reader_open_mem(buf.p, buf.len, "mem", NULL, &r) == HS_OK);
        hs_record rec;
        while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        }
        CHECK(st == HS_END);
        if (st != HS_END) fprintf(stderr, "  first call %d: %s\n", which, hs_reader_error(r)->message);
        hs_reader_close(r);
        free(buf.p);
    }
}

static int failing_calls;
static hs_status failing_sink(void *ud, const void *d, size_t n)
{
    (void)ud, (void)d, (void)n;
    return ++failing_calls > 1 ? HS_ERR_IO : HS_OK;
}

static void test_writer_sticky_io_error(void)
{
    hs_writer *w;
    failing_calls = 0;
    CHECK(hs_writer_open_sink(failing_sink, NULL, NULL, &w) == HS_OK);
    uint32_t t;
    CHECK(hs_writer_add_type(w, "T", NULL, 0, &t) == HS_OK);
    hs_status st = HS_OK;
    for (uint64_t i = 0; i < 2000000 && st == HS_OK; i++) st = hs_writer_add_block(w, i * 16, 32, t, 0, HS_NONE);
    CHECK(st == HS_ERR_IO);
    CHECK(hs_writer_add_block(w, 1, 1, t, 0, HS_NONE) == HS_ERR_IO); /* sticky */
    hs_error err;
    CHECK(hs_writer_close(w, &err) == HS_ERR_IO);
    CHECK(err.code == HS_ERR_IO);
}

static int dir_has_temp(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q '\\.tmp-'", dir);
    return system(cmd) == 0;
}

static void test_atomic_file(void)
{
    char dir[] = "/tmp/hs_atomic_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/out.hsnap", dir);
    struct stat sb;
    hs_writer *w;
    hs_error err;
    /* while writing, nothing is at the target; abort leaves nothing */
    CHECK(hs_writer_open(path, NULL, &w, &err) == HS_OK);
    uint32_t t;
    CHECK(hs_writer_add_type(w, "T", NULL, 0, &t) == HS_OK);
    CHECK(hs_writer_add_block(w, 1, 1, t, 0, HS_NONE) == HS_OK);
    CHECK(stat(path, &sb) != 0);
    CHECK(dir_has_temp(dir));
    hs_writer_abort(w);
    CHECK(stat(path, &sb) != 0);
    CHECK(!dir_has_temp(dir));
    /* a committed file replaces an old one whole */
    FILE *old = fopen(path, "w");
    fputs("old contents", old);
    fclose(old);
    CHECK(hs_writer_open(path, NULL, &w, &err) == HS_OK);
    CHECK(hs_writer_add_type(w, "T", NULL, 0, &t) == HS_OK);
    CHECK(hs_writer_close(w, &err) == HS_OK);
    hs_reader *r;
    CHECK(hs_reader_open(path, NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
    }
    CHECK(st == HS_END);
    hs_reader_close(r);
    CHECK(!dir_has_temp(dir));
    /* an unwritable directory fails at open with a message naming the path */
    CHECK(hs_writer_open("/nonexistent-dir/x.hsnap", NULL, &w, &err) == HS_ERR_IO);
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(err.message, "/nonexistent-dir/x.hsnap");
    unlink(path);
    rmdir(dir);
}

/* Text that is not UTF-8 is written with U+FFFD for each invalid byte;
 * the sum of shallow sizes must fit in 64 bits. */
static void test_writer_sanitizes(void)
{
    membuf buf = {0};
    hs_writer *w;
    CHECK(hs_writer_open_sink(mem_sink, &buf, NULL, &w) == HS_OK);
    uint32_t t;
    CHECK(hs_writer_add_type(w, "\xff ok \xc3", "\xed\xa0\x80mod", 0, &t) == HS_OK); /* junk, cut, surrogate */
    CHECK(hs_writer_add_block(w, 1, UINT64_MAX - 1, t, 0, HS_NONE) == HS_OK);
    CHECK(hs_writer_add_block(w, 2, 1, t, 0, HS_NONE) == HS_OK);
    CHECK(hs_writer_add_ref(w, 2, 1, HS_REF_STRONG, NULL) == HS_OK);
    CHECK(hs_writer_add_block(w, 3, 5, t, 0, HS_NONE) == HS_ERR_ARG); /* rejected by the call that overflows */
    CHECK_STR_CONTAINS(hs_writer_error(w)->message, "block 0x3: total shallow size would overflow");
    CHECK(hs_writer_add_block(w, 4, 0, t, 0, HS_NONE) == HS_OK); /* and the writer goes on */
    CHECK(hs_writer_add_ref(w, 4, 2, (hs_ref_kind)257, NULL) == HS_ERR_ARG); /* not truncated to a valid kind */
    CHECK(hs_writer_add_ref_index(w, 4, 2, (hs_ref_kind)3, 0) == HS_ERR_ARG);
    CHECK(hs_writer_close(w, NULL) == HS_OK);
    hs_reader *r;
    CHECK(hs_reader_open_mem(buf.p, buf.len, "mem", NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    int checked = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind != HS_REC_TYPE) continue;
        size_t l;
        const char *n = hs_reader_string(r, rec.u.type.type.name, &l);
        CHECK(l == 10 && memcmp(n, "\xef\xbf\xbd ok \xef\xbf\xbd", 10) == 0);
        n = hs_reader_string(r, rec.u.type.type.module, &l);
        CHECK(l == 12 && memcmp(n, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdmod", 12) == 0);
        checked++;
    }
    CHECK(st == HS_END);
    CHECK_EQ_U64(checked, 1);
    CHECK_EQ_U64(hs_reader_total_shallow(r), UINT64_MAX);
    CHECK_EQ_U64(hs_reader_counts(r)->blocks, 3); /* 1, 2 and 4: nothing accepted was lost */
    CHECK_EQ_U64(hs_reader_counts(r)->refs, 1);
    hs_reader_close(r);
    free(buf.p);
}

/* Write 2M blocks into `path` in a child; `mode` 0 = killed by SIGKILL
 * midway, 1 = the file size limit makes writes fail (a full disk). */
static int child_writer(const char *path, int mode)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (mode == 1) {
            signal(SIGXFSZ, SIG_IGN);
            struct rlimit rl = {256 << 10, 256 << 10};
            setrlimit(RLIMIT_FSIZE, &rl);
        }
        hs_writer *w;
        hs_error err;
        hs_writer_options o = {.no_fsync = 1, .level = 1};
        if (hs_writer_open(path, &o, &w, &err) != HS_OK) _exit(10);
        uint32_t t;
        hs_writer_add_type(w, "T", NULL, 0, &t);
        rng = 77;
        for (uint64_t i = 0; i < 2000000; i++) {
            if (hs_writer_add_block(w, rnd(), rnd() % 4096, t, 0, HS_NONE) != HS_OK) break;
            if (hs_writer_add_ref(w, 0, rnd(), HS_REF_STRONG, NULL) != HS_OK) break;
            if (mode == 0 && i == 1000000) raise(SIGKILL);
        }
        _exit(hs_writer_close(w, &err) == HS_ERR_IO ? 20 : 21);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

/* A crash or a full disk never leaves a complete-looking file at the target. */
static void test_writer_crash_and_full_disk(void)
{
    char dir[] = "/tmp/hs_crash_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/out.hsnap", dir);
    struct stat sb;
    int status = child_writer(path, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    CHECK(stat(path, &sb) != 0); /* nothing at the target */
    /* the temporary file left by the crash reads as truncated, not as a snapshot */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s/.out.hsnap.tmp-* >/dev/null 2>&1", dir);
    CHECK(system(cmd) == 0);
    char tmp[700];
    FILE *ls;
    snprintf(cmd, sizeof cmd, "ls %s/.out.hsnap.tmp-*", dir);
    ls = popen(cmd, "r");
    if (ls && fgets(tmp, sizeof tmp, ls)) {
        tmp[strcspn(tmp, "\n")] = 0;
        hs_reader *r;
        hs_status st = hs_reader_open(tmp, NULL, &r);
        hs_record rec;
        while (st == HS_OK) st = hs_reader_next(r, &rec);
        CHECK(st == HS_ERR_TRUNCATED);
        hs_reader_close(r);
        unlink(tmp);
    }
    if (ls) pclose(ls);
    status = child_writer(path, 1);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 20); /* close reported HS_ERR_IO */
    CHECK(stat(path, &sb) != 0);
    CHECK(!dir_has_temp(dir)); /* and cleaned up after itself */
    rmdir(dir);
}

static void test_strerror(void)
{
    for (int c = 0; c <= HS_ERR_TRAILING; c++) CHECK(strcmp(hs_strerror((hs_status)c), "unknown status") != 0);
    CHECK(strcmp(hs_strerror((hs_status)999), "unknown status") == 0);
    CHECK_EQ_U64(hs_version_number(), HS_LIB_VERSION_NUMBER);
}

int main(void)
{
    TEST_RUN(test_xxh64_vectors);
    TEST_RUN(test_strerror);
    TEST_RUN(test_roundtrip_random);
    TEST_RUN(test_huge_block);
    TEST_RUN(test_libcbor_agrees);
    TEST_RUN(test_writer_arg_errors);
    TEST_RUN(test_writer_sanitizes);
    TEST_RUN(test_writer_any_first_call);
    TEST_RUN(test_writer_sticky_io_error);
    TEST_RUN(test_atomic_file);
    TEST_RUN(test_writer_crash_and_full_disk);
    TEST_RUN(test_roundtrip_1m);
    return test_summary();
}
