/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_encode.c — the streaming .hsnap encoder (hs_encoder_*): turns
 * records into CBOR (libcbor's encoding functions, with a one-byte fast
 * path for the small integers that dominate block records), hashes the
 * record stream with XXH64 for the trailer, and compresses it with zstd's
 * streaming API (frame content checksum on) into a caller-supplied sink.
 * Memory is bounded: one staging buffer and one zstd output buffer, whatever
 * the size of the heap or of a single record. See docs/format.md.
 */
#include "hsf_internal.h"

#include <cbor.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define STAGE_CAP (256u << 10)
#define ITEM_MAX 64 /* largest single CBOR head or ref item we emit at once */
#define HSF_SMALL_WINDOW_LEVEL 9 /* levels up to this one get the small window */
#define HSF_SMALL_WINDOW_LOG 19

struct hs_encoder {
    hs_sink_fn sink;
    void *sink_ud;
    ZSTD_CCtx *cctx;
    uint8_t *stage;
    size_t stage_len;
    uint8_t *out;
    size_t out_cap;
    hsf_xxh64 hash;
    bool hashing;
    hs_counts counts;
    uint64_t total_shallow;
    uint64_t last_addr;
    uint64_t bytes_in, bytes_out;
    bool header_done, finished;
    hs_status sticky;
    hs_error err;
};

/* ---- output plumbing ---- */

static hs_status sink_out(hs_encoder *e, const void *p, size_t n)
{
    if (n == 0) return HS_OK;
    hs_status st = e->sink(e->sink_ud, p, n);
    if (st != HS_OK) {
        e->sticky = st;
        if (e->err.code != st) hsf_set_error(&e->err, st, "sink failed to write %zu bytes", n);
        return st;
    }
    e->bytes_out += n;
    return HS_OK;
}

static hs_status compress_stage(hs_encoder *e, ZSTD_EndDirective mode)
{
    if (e->hashing) hsf_xxh64_update(&e->hash, e->stage, e->stage_len);
    e->bytes_in += e->stage_len;
    ZSTD_inBuffer in = {e->stage, e->stage_len, 0};
    for (;;) {
        ZSTD_outBuffer out = {e->out, e->out_cap, 0};
        size_t rem = ZSTD_compressStream2(e->cctx, &out, &in, mode);
        if (ZSTD_isError(rem)) {
            e->sticky = HS_ERR_ZSTD;
            return hsf_set_error(&e->err, HS_ERR_ZSTD, "zstd compression failed: %s",
                                 ZSTD_getErrorName(rem));
        }
        HSF_FORWARD_IF_ERROR(sink_out(e, e->out, out.pos));
        if (mode == ZSTD_e_continue ? in.pos == in.size : rem == 0) break;
    }
    e->stage_len = 0;
    return HS_OK;
}

/* Make room for `n` <= STAGE_CAP more bytes in the staging buffer. */
static inline hs_status reserve(hs_encoder *e, size_t n)
{
    if (HSF_LIKELY(e->stage_len + n <= STAGE_CAP)) return HS_OK;
    return compress_stage(e, ZSTD_e_continue);
}

static inline uint8_t *cur(hs_encoder *e) { return e->stage + e->stage_len; }

/* CBOR heads (RFC 8949 3.1), always the shortest form: a major type and
 * its argument in 1, 2, 3, 5 or 9 bytes, big-endian. Inline, since every
 * block and reference of a dump goes through here. */
static inline void put_head(hs_encoder *e, uint8_t major, uint64_t v)
{
    uint8_t *p = cur(e);
    if (v < 24) {
        p[0] = (uint8_t)(major | v);
        e->stage_len += 1;
    } else if (v <= 0xFF) {
        p[0] = (uint8_t)(major | 24);
        p[1] = (uint8_t)v;
        e->stage_len += 2;
    } else if (v <= 0xFFFF) {
        p[0] = (uint8_t)(major | 25);
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)v;
        e->stage_len += 3;
    } else if (v <= 0xFFFFFFFFu) {
        p[0] = (uint8_t)(major | 26);
        for (int i = 0; i < 4; i++) p[1 + i] = (uint8_t)(v >> (24 - 8 * i));
        e->stage_len += 5;
    } else {
        p[0] = (uint8_t)(major | 27);
        for (int i = 0; i < 8; i++) p[1 + i] = (uint8_t)(v >> (56 - 8 * i));
        e->stage_len += 9;
    }
}

static inline void put_uint(hs_encoder *e, uint64_t v) { put_head(e, 0x00, v); }

static inline void put_nint_raw(hs_encoder *e, uint64_t raw) /* encodes -1 - raw */
{
    put_head(e, 0x20, raw);
}

/* The exact difference to - from, as a CBOR integer (range -2^64..2^64-1). */
static inline void put_delta(hs_encoder *e, uint64_t from, uint64_t to)
{
    if (to >= from) put_uint(e, to - from);
    else put_nint_raw(e, from - to - 1);
}

static inline void put_i64(hs_encoder *e, int64_t v)
{
    if (v >= 0) put_uint(e, (uint64_t)v);
    else put_nint_raw(e, (uint64_t)(-(v + 1)));
}

static inline void put_array(hs_encoder *e, uint64_t n)
{
    put_head(e, 0x80, n);
}

static inline void put_map(hs_encoder *e, uint64_t n)
{
    e->stage_len += cbor_encode_map_start((size_t)n, cur(e), ITEM_MAX);
}

static inline void put_null(hs_encoder *e) { e->stage[e->stage_len++] = HSF_CBOR_NULL; }

/* Text or byte string of any length; flushes as needed. Text that is not
 * valid UTF-8 is written with U+FFFD in place of each invalid byte. */
static hs_status put_str(hs_encoder *e, int major, const void *data, size_t len)
{
    if (major == HSF_MT_TEXT && hsf_utf8_check(data, len) != len) {
        size_t clean_len;
        char *clean = hsf_utf8_sanitize(data, len, &clean_len);
        if (!clean) {
            e->sticky = HS_ERR_NOMEM;
            return hsf_set_error(&e->err, HS_ERR_NOMEM, "out of memory");
        }
        hs_status st = put_str(e, major, clean, clean_len);
        free(clean);
        return st;
    }
    HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
    if (major == HSF_MT_TEXT) e->stage_len += cbor_encode_string_start(len, cur(e), ITEM_MAX);
    else e->stage_len += cbor_encode_bytestring_start(len, cur(e), ITEM_MAX);
    const uint8_t *p = data;
    while (len) {
        if (e->stage_len == STAGE_CAP) HSF_FORWARD_IF_ERROR(compress_stage(e, ZSTD_e_continue));
        size_t take = STAGE_CAP - e->stage_len;
        if (take > len) take = len;
        memcpy(cur(e), p, take);
        e->stage_len += take;
        p += take;
        len -= take;
    }
    return HS_OK;
}

static hs_status put_cstr(hs_encoder *e, const char *s)
{
    return put_str(e, HSF_MT_TEXT, s, strlen(s));
}

/* ---- lifecycle ---- */

hs_status hs_encoder_new(const hs_encoder_options *opt, hs_sink_fn sink, void *sink_ud,
                         hs_encoder **out)
{
    if (!out) return HS_ERR_ARG;
    *out = NULL;
    if (!sink) return HS_ERR_ARG;
    hs_encoder *e = calloc(1, sizeof *e);
    if (!e) return HS_ERR_NOMEM;
    e->sink = sink;
    e->sink_ud = sink_ud;
    e->out_cap = ZSTD_CStreamOutSize();
    e->stage = malloc(STAGE_CAP + ITEM_MAX);
    e->out = malloc(e->out_cap);
    e->cctx = ZSTD_createCCtx();
    if (!e->stage || !e->out || !e->cctx) {
        hs_encoder_free(e);
        return HS_ERR_NOMEM;
    }
    int level = opt && opt->level ? opt->level : 3;
    size_t r = ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_checksumFlag, 1);
    /* a 512 KiB window at the fast levels: heap records compress no worse
     * than with the level's 2-4 MiB (measured on real Python heaps), and the
     * dump's extra memory drops by the difference (docs/python.md#memory) */
    if (!ZSTD_isError(r) && level <= HSF_SMALL_WINDOW_LEVEL)
        r = ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_windowLog, HSF_SMALL_WINDOW_LOG);
    if (!ZSTD_isError(r) && opt && opt->threads > 0) {
        /* optional (a libzstd without threads compresses inline); 1 MiB jobs
         * keep the workers' buffers near 4 MiB instead of ~26 at the level's
         * default job size */
        if (!ZSTD_isError(ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_nbWorkers, opt->threads)))
            (void)ZSTD_CCtx_setParameter(e->cctx, ZSTD_c_jobSize, 512 << 10);
    }
    if (ZSTD_isError(r)) {
        hs_encoder_free(e);
        return HS_ERR_ARG;
    }
    hsf_xxh64_init(&e->hash, 0);
    e->hashing = true;
    *out = e;
    return HS_OK;
}

void hs_encoder_free(hs_encoder *e)
{
    if (!e) return;
    ZSTD_freeCCtx(e->cctx);
    free(e->stage);
    free(e->out);
    free(e);
}

const hs_error *hs_encoder_error(const hs_encoder *e) { return &e->err; }
const hs_counts *hs_encoder_counts(const hs_encoder *e) { return &e->counts; }
uint64_t hs_encoder_bytes_in(const hs_encoder *e) { return e->bytes_in + e->stage_len; }
uint64_t hs_encoder_bytes_out(const hs_encoder *e) { return e->bytes_out; }

/* Common entry check: sticky failure, state. */
static hs_status enter(hs_encoder *e, bool need_header)
{
    if (!e) return HS_ERR_ARG;
    if (e->sticky) return e->sticky;
    if (e->finished) return hsf_set_error(&e->err, HS_ERR_STATE, "encoder already finished");
    if (need_header && !e->header_done)
        return hsf_set_error(&e->err, HS_ERR_STATE, "the header record must come first");
    return HS_OK;
}

#define CHECK_ID(e, id, n, what) \
    HSF_RETURN_ERROR_IF((uint64_t)(id) >= (n), &(e)->err, HS_ERR_ARG, "undeclared %s id %u", what, (unsigned)(id))
#define CHECK_OPT_ID(e, id, n, what) \
    HSF_RETURN_ERROR_IF((id) != HS_NONE && (uint64_t)(id) >= (n), &(e)->err, HS_ERR_ARG, "undeclared %s id %u", what, (unsigned)(id))

/* ---- records ---- */

hs_status hs_encoder_header(hs_encoder *e, const hs_header *h)
{
    HSF_FORWARD_IF_ERROR(enter(e, false));
    HSF_RETURN_ERROR_IF(e->header_done, &e->err, HS_ERR_STATE, "header already written");
    HSF_RETURN_ERROR_IF(!h || !h->producer, &e->err, HS_ERR_ARG, "header needs a producer name");
    HSF_RETURN_ERROR_IF(h->ntags && !h->tags, &e->err, HS_ERR_ARG, "header tags are NULL");
    for (size_t i = 0; i < h->ntags; i++)
        HSF_RETURN_ERROR_IF(!h->tags[i].key || !h->tags[i].value, &e->err, HS_ERR_ARG,
                            "header tag %zu has no key or value", i);
    uint8_t prefix[HS_PREFIX_LEN];
    memcpy(prefix, HS_MAGIC, HS_MAGIC_LEN);
    prefix[HS_MAGIC_LEN] = HS_FORMAT_VERSION_MAJOR;
    prefix[HS_MAGIC_LEN + 1] = HS_FORMAT_VERSION_MINOR;
    HSF_FORWARD_IF_ERROR(sink_out(e, prefix, sizeof prefix));

    unsigned n = 4 + !!h->producer_version + !!h->runtime + !!h->hostname + !!h->ntags;
    HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
    put_array(e, 2);
    put_uint(e, HS_REC_HEADER);
    put_map(e, n);
    put_uint(e, HSF_HDR_PRODUCER);
    HSF_FORWARD_IF_ERROR(put_cstr(e, h->producer));
    if (h->producer_version) {
        HSF_FORWARD_IF_ERROR(reserve(e, 2));
        put_uint(e, HSF_HDR_PRODUCER_VERSION);
        HSF_FORWARD_IF_ERROR(put_cstr(e, h->producer_version));
    }
    if (h->runtime) {
        HSF_FORWARD_IF_ERROR(reserve(e, 2));
        put_uint(e, HSF_HDR_RUNTIME);
        HSF_FORWARD_IF_ERROR(put_cstr(e, h->runtime));
    }
    HSF_FORWARD_IF_ERROR(reserve(e, 3 * ITEM_MAX));
    put_uint(e, HSF_HDR_PID);
    put_uint(e, h->pid);
    put_uint(e, HSF_HDR_TIME_US);
    put_i64(e, h->time_us);
    put_uint(e, HSF_HDR_POINTER_SIZE);
    put_uint(e, h->pointer_size);
    if (h->hostname) {
        put_uint(e, HSF_HDR_HOSTNAME);
        HSF_FORWARD_IF_ERROR(put_cstr(e, h->hostname));
    }
    if (h->ntags) {
        HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
        put_uint(e, HSF_HDR_TAGS);
        put_map(e, h->ntags);
        for (size_t i = 0; i < h->ntags; i++) {
            HSF_FORWARD_IF_ERROR(put_cstr(e, h->tags[i].key));
            HSF_FORWARD_IF_ERROR(put_cstr(e, h->tags[i].value));
        }
    }
    e->header_done = true;
    return HS_OK;
}

hs_status hs_encoder_string(hs_encoder *e, const char *text, size_t len, uint32_t *id)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(!text && len, &e->err, HS_ERR_ARG, "string is NULL");
    HSF_RETURN_ERROR_IF(e->counts.strings >= HS_NONE, &e->err, HS_ERR_LIMIT, "too many strings");
    HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
    put_array(e, 2);
    put_uint(e, HS_REC_STRING);
    HSF_FORWARD_IF_ERROR(put_str(e, HSF_MT_TEXT, text, len));
    if (id) *id = (uint32_t)e->counts.strings;
    e->counts.strings++;
    return HS_OK;
}

static void put_opt_id(hs_encoder *e, uint32_t id)
{
    if (id == HS_NONE) put_null(e);
    else put_uint(e, id);
}

hs_status hs_encoder_type(hs_encoder *e, const hs_type *t, uint32_t *id)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(!t, &e->err, HS_ERR_ARG, "type is NULL");
    CHECK_ID(e, t->name, e->counts.strings, "string");
    CHECK_OPT_ID(e, t->module, e->counts.strings, "string");
    HSF_RETURN_ERROR_IF(e->counts.types >= HS_NONE, &e->err, HS_ERR_LIMIT, "too many types");
    HSF_FORWARD_IF_ERROR(reserve(e, 4 * ITEM_MAX));
    put_array(e, 4);
    put_uint(e, HS_REC_TYPE);
    put_uint(e, t->name);
    put_opt_id(e, t->module);
    put_uint(e, t->flags);
    if (id) *id = (uint32_t)e->counts.types;
    e->counts.types++;
    return HS_OK;
}

hs_status hs_encoder_frame(hs_encoder *e, const hs_frame *f, uint32_t *id)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(!f, &e->err, HS_ERR_ARG, "frame is NULL");
    CHECK_OPT_ID(e, f->function, e->counts.strings, "string");
    CHECK_OPT_ID(e, f->file, e->counts.strings, "string");
    HSF_RETURN_ERROR_IF(e->counts.frames >= HS_NONE, &e->err, HS_ERR_LIMIT, "too many frames");
    HSF_FORWARD_IF_ERROR(reserve(e, 4 * ITEM_MAX));
    put_array(e, 4);
    put_uint(e, HS_REC_FRAME);
    put_opt_id(e, f->function);
    put_opt_id(e, f->file);
    put_uint(e, f->line);
    if (id) *id = (uint32_t)e->counts.frames;
    e->counts.frames++;
    return HS_OK;
}

hs_status hs_encoder_site(hs_encoder *e, const uint32_t *frames, uint32_t n, uint32_t *id)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(n && !frames, &e->err, HS_ERR_ARG, "site frames are NULL");
    for (uint32_t i = 0; i < n; i++) CHECK_ID(e, frames[i], e->counts.frames, "frame");
    HSF_RETURN_ERROR_IF(e->counts.sites >= HS_NONE, &e->err, HS_ERR_LIMIT, "too many sites");
    HSF_FORWARD_IF_ERROR(reserve(e, 2 * ITEM_MAX));
    put_array(e, 2);
    put_uint(e, HS_REC_SITE);
    put_array(e, n);
    for (uint32_t i = 0; i < n; i++) {
        HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
        put_uint(e, frames[i]);
    }
    if (id) *id = (uint32_t)e->counts.sites;
    e->counts.sites++;
    return HS_OK;
}

static hs_status check_refs(hs_encoder *e, const hs_ref *refs, uint32_t nrefs)
{
    HSF_RETURN_ERROR_IF(nrefs && !refs, &e->err, HS_ERR_ARG, "refs are NULL");
    for (uint32_t i = 0; i < nrefs; i++) {
        const hs_ref *r = &refs[i];
        HSF_RETURN_ERROR_IF(r->label_type > HS_LABEL_INDEX, &e->err, HS_ERR_ARG,
                            "reference %u has an unknown label type %u", i, r->label_type);
        HSF_RETURN_ERROR_IF(r->label_type == HS_LABEL_STRING && r->label >= e->counts.strings,
                            &e->err, HS_ERR_ARG, "reference %u: undeclared string id %llu", i,
                            (unsigned long long)r->label);
    }
    return HS_OK;
}

/* Refs as a CBOR array of items relative to `holder` (docs/format.md#refs). */
static hs_status put_refs(hs_encoder *e, uint64_t holder, const hs_ref *refs, uint32_t nrefs)
{
    put_array(e, nrefs);
    for (uint32_t i = 0; i < nrefs; i++) {
        const hs_ref *r = &refs[i];
        HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
        if (r->kind == HS_REF_STRONG && r->label_type == HS_LABEL_NONE) {
            put_delta(e, holder, r->to);
            continue;
        }
        bool short_form = r->kind == HS_REF_STRONG;
        e->stage[e->stage_len++] = short_form ? 0x82 : 0x83;
        put_delta(e, holder, r->to);
        if (r->label_type == HS_LABEL_STRING) put_uint(e, r->label);
        else if (r->label_type == HS_LABEL_INDEX) put_nint_raw(e, r->label);
        else put_null(e);
        if (!short_form) put_uint(e, r->kind);
    }
    e->counts.refs += nrefs;
    return HS_OK;
}

hs_status hs_encoder_block(hs_encoder *e, uint64_t addr, uint64_t size, uint32_t type,
                           uint32_t flags, uint32_t site, const hs_ref *refs, uint32_t nrefs)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    CHECK_ID(e, type, e->counts.types, "type");
    CHECK_OPT_ID(e, site, e->counts.sites, "site");
    HSF_RETURN_ERROR_IF(e->total_shallow + size < size, &e->err, HS_ERR_ARG,
                        "block 0x%llx: total shallow size would overflow 64 bits", (unsigned long long)addr);
    HSF_FORWARD_IF_ERROR(check_refs(e, refs, nrefs));
    HSF_FORWARD_IF_ERROR(reserve(e, 7 * ITEM_MAX));
    put_array(e, 7);
    put_uint(e, HS_REC_BLOCK);
    put_delta(e, e->last_addr, addr);
    put_uint(e, size);
    put_uint(e, type);
    put_uint(e, flags);
    put_uint(e, site == HS_NONE ? 0 : (uint64_t)site + 1);
    HSF_FORWARD_IF_ERROR(put_refs(e, addr, refs, nrefs));
    e->last_addr = addr;
    e->counts.blocks++;
    e->total_shallow += size;
    return HS_OK;
}

hs_status hs_encoder_refs(hs_encoder *e, uint64_t from, const hs_ref *refs, uint32_t nrefs)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_FORWARD_IF_ERROR(check_refs(e, refs, nrefs));
    HSF_FORWARD_IF_ERROR(reserve(e, 3 * ITEM_MAX));
    put_array(e, 3);
    put_uint(e, HS_REC_REFS);
    put_uint(e, from);
    return put_refs(e, from, refs, nrefs);
}

hs_status hs_encoder_root(hs_encoder *e, uint64_t addr, hs_root_kind kind, uint32_t name,
                          uint64_t count)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    CHECK_OPT_ID(e, name, e->counts.strings, "string");
    HSF_FORWARD_IF_ERROR(reserve(e, 5 * ITEM_MAX));
    put_array(e, count ? 5 : 4);
    put_uint(e, HS_REC_ROOT);
    put_uint(e, addr);
    put_uint(e, (uint64_t)kind);
    put_opt_id(e, name);
    if (count) put_uint(e, count);
    e->counts.roots++;
    return HS_OK;
}

hs_status hs_encoder_value(hs_encoder *e, uint64_t addr, hs_value_type type, const void *data,
                           size_t len, uint64_t full_len, int64_t i, double f)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(type > HS_VALUE_FLOAT, &e->err, HS_ERR_ARG, "unknown value type %d", (int)type);
    bool str = type == HS_VALUE_TEXT || type == HS_VALUE_BYTES;
    HSF_RETURN_ERROR_IF(str && len && !data, &e->err, HS_ERR_ARG, "value data is NULL");
    bool truncated = str && full_len > len;
    HSF_FORWARD_IF_ERROR(reserve(e, 4 * ITEM_MAX));
    put_array(e, truncated ? 4 : 3);
    put_uint(e, HS_REC_VALUE);
    put_uint(e, addr);
    if (str) {
        HSF_FORWARD_IF_ERROR(put_str(e, type == HS_VALUE_TEXT ? HSF_MT_TEXT : HSF_MT_BYTES, data, len));
    } else if (type == HS_VALUE_INT) {
        put_i64(e, i);
    } else {
        e->stage_len += cbor_encode_double(f, cur(e), ITEM_MAX);
    }
    if (truncated) {
        HSF_FORWARD_IF_ERROR(reserve(e, ITEM_MAX));
        put_uint(e, full_len);
    }
    e->counts.values++;
    return HS_OK;
}

hs_status hs_encoder_finish(hs_encoder *e, const hs_tag *tags, size_t ntags)
{
    HSF_FORWARD_IF_ERROR(enter(e, true));
    HSF_RETURN_ERROR_IF(ntags && !tags, &e->err, HS_ERR_ARG, "tags are NULL");
    for (size_t i = 0; i < ntags; i++)
        HSF_RETURN_ERROR_IF(!tags[i].key || !tags[i].value, &e->err, HS_ERR_ARG,
                            "end tag %zu has no key or value", i);
    /* Everything before the trailer is covered by the checksum; the trailer is not. */
    HSF_FORWARD_IF_ERROR(compress_stage(e, ZSTD_e_continue));
    e->hashing = false;
    uint64_t digest = hsf_xxh64_digest(&e->hash);
    HSF_FORWARD_IF_ERROR(reserve(e, 32 * ITEM_MAX));
    put_array(e, ntags ? 6 : 5);
    put_uint(e, HS_REC_TRAILER);
    const hs_counts *c = &e->counts;
    put_map(e, 8);
    put_uint(e, HS_REC_STRING); put_uint(e, c->strings);
    put_uint(e, HS_REC_TYPE); put_uint(e, c->types);
    put_uint(e, HS_REC_FRAME); put_uint(e, c->frames);
    put_uint(e, HS_REC_SITE); put_uint(e, c->sites);
    put_uint(e, HS_REC_BLOCK); put_uint(e, c->blocks);
    put_uint(e, HS_REC_REFS); put_uint(e, c->refs);
    put_uint(e, HS_REC_ROOT); put_uint(e, c->roots);
    put_uint(e, HS_REC_VALUE); put_uint(e, c->values);
    put_uint(e, e->total_shallow);
    put_uint(e, digest);
    put_uint(e, e->bytes_in); /* stream offset of this trailer */
    if (ntags) {
        put_map(e, ntags);
        for (size_t i = 0; i < ntags; i++) {
            HSF_FORWARD_IF_ERROR(put_cstr(e, tags[i].key));
            HSF_FORWARD_IF_ERROR(put_cstr(e, tags[i].value));
        }
    }
    HSF_FORWARD_IF_ERROR(compress_stage(e, ZSTD_e_end));
    e->finished = true;
    return HS_OK;
}
