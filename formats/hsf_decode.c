/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_decode.c — the validating .hsnap pull reader (hs_reader_*).
 *
 * Design. The file's prefix is checked at open; the zstd frame is then
 * decompressed on demand into a sliding window, and every CBOR byte is read
 * through one choke point (need/fill_upto) that either makes bytes available
 * or fails with a truncation error naming the record and offset (Lua's
 * lundump.c discipline). CBOR is decoded by hand: definite lengths only,
 * every count checked before use, and nothing is ever allocated from a count
 * read off the file — arrays grow by push, references are delivered in
 * chunks of at most HSF_REFS_CHUNK, strings are capped by max_string. So
 * memory is bounded by the limits, never by what the input declares.
 * Integrity: the trailer's counts, total shallow bytes, stream offset and
 * XXH64 checksum are verified, then the zstd frame is drained (which checks
 * its own content checksum) and anything after it is an error.
 * Decompression bombs: what the reader keeps (strings, tags, the type, frame
 * and site tables) is bounded by max_strings_total, and what it delivers
 * (blocks, references, roots, values) is bounded by the consumer, so a
 * highly regular real dump (a linked list of 10M blocks in 11 KB) opens;
 * only the bytes that decode to nothing — skipped unknown records, keys and
 * items — are held to max_ratio times the compressed size.
 * Unknown record kinds and unknown map keys are skipped (iteratively, with
 * an item counter instead of recursion); extra trailing items of known
 * records are skipped too. See docs/format.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "hsf_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>
#include <zstd_errors.h>

#define HSF_REFS_CHUNK 16384u
#define WIN_INIT (1u << 20)

struct hs_reader {
    char *name;
    /* source */
    FILE *fp;
    uint8_t *mem;
    size_t mem_size, mem_pos;
    uint64_t file_size;
    uint8_t *in;
    size_t in_cap, in_len, in_pos;
    uint64_t file_consumed; /* bytes of the file handed to zstd, prefix included */
    bool src_eof;
    ZSTD_DCtx *dctx;
    bool frame_ended;
    /* decompressed window */
    uint8_t *win;
    size_t win_cap, win_len, pos;
    uint64_t win_base; /* stream offset of win[0] */
    /* checksum */
    hsf_xxh64 hash;
    uint64_t hashed_upto; /* == win_base unless compaction had to stop short */
    uint64_t hash_limit;  /* bytes from here on are not yet known to be hashable */
    bool hash_frozen;
    uint64_t computed_checksum;
    hs_reader_limits lim;
    /* record state */
    uint64_t rec_index;  /* index of the current record */
    uint64_t rec_start;  /* its stream offset */
    uint64_t rec_kind;
    bool in_record, header_seen, done;
    hs_status sticky;
    hs_error err;
    /* pending references of a large block/refs record */
    uint64_t pend_holder, pend_left, pend_extra;
    uint64_t pend_done; /* references of the current record delivered so far */
    uint64_t tag_bytes;  /* header and end tags, counted against max_strings_total */
    uint64_t table_bytes; /* types, frames and sites, counted the same way */
    uint64_t skipped;     /* stream bytes skipped so far (the decompression-bomb rule) */
    uint64_t ntags_total;
    hs_ref *refs;
    /* tables */
    char *arena;
    uint64_t arena_len, arena_cap;
    uint64_t *str_off;
    uint32_t nstr, str_cap;
    hs_type *types;
    uint32_t ntypes, types_cap;
    hs_frame *frames;
    uint32_t nframes, frames_cap;
    uint32_t *site_frames;
    uint64_t site_frames_len, site_frames_cap;
    uint64_t *site_off; /* nsites + 1 entries */
    uint32_t nsites, sites_cap;
    /* header, trailer tags, value scratch */
    hs_header hdr;
    char *hdr_strs[4];
    hs_tag *tags;
    size_t ntags, tags_cap;
    hs_tag *end_tags;
    size_t nend_tags, end_tags_cap;
    uint8_t *scratch;
    size_t scratch_cap;
    hs_counts counts;
    uint64_t total_shallow, last_addr;
    uint64_t unknown_records;
};

/* ---- errors ---------------------------------------------------------- */

static uint64_t stream_pos(const hs_reader *r) { return r->win_base + r->pos; }

static hs_status fail(hs_reader *r, hs_status code, const char *fmt, ...) HSF_PRINTF(3, 4);
static hs_status fail(hs_reader *r, hs_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hsf_set_verror(&r->err, code, fmt, ap);
    va_end(ap);
    r->err.byte_offset = r->file_consumed;
    r->err.stream_offset = stream_pos(r);
    r->err.record_index = r->rec_index;
    r->sticky = code;
    return code;
}

/* An error inside a record: "<what> in record N (kind) at stream offset S". */
static hs_status rfail(hs_reader *r, hs_status code, const char *fmt, ...) HSF_PRINTF(3, 4);
static hs_status rfail(hs_reader *r, hs_status code, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return fail(r, code, "%s in record %llu (%s) at stream offset %llu", what,
                (unsigned long long)r->rec_index, hsf_record_name(r->rec_kind),
                (unsigned long long)stream_pos(r));
}

static hs_status trunc_fail(hs_reader *r)
{
    if (r->frame_ended && (r->in_pos < r->in_len || !r->src_eof))
        return fail(r, HS_ERR_TRAILING,
                    "the zstd frame ends at byte %llu in record %llu but the file goes on (a snapshot is one frame)",
                    (unsigned long long)r->file_consumed, (unsigned long long)r->rec_index);
    if (!r->frame_ended)
        return fail(r, HS_ERR_TRUNCATED, "truncated zstd stream at byte %llu (record %llu)",
                    (unsigned long long)r->file_consumed, (unsigned long long)r->rec_index);
    if (!r->in_record) {
        if (!r->header_seen)
            return fail(r, HS_ERR_TRUNCATED, "empty snapshot: the stream has no header record");
        return fail(r, HS_ERR_TRUNCATED,
                    "stream ends after record %llu without a trailer (snapshot incomplete)",
                    (unsigned long long)(r->rec_index ? r->rec_index - 1 : 0));
    }
    return rfail(r, HS_ERR_TRUNCATED, "stream ends inside the record");
}

/* ---- source and decompression ---------------------------------------- */

static hs_status read_source(hs_reader *r)
{
    r->in_pos = 0;
    if (r->fp) {
        r->in_len = fread(r->in, 1, r->in_cap, r->fp);
        if (r->in_len < r->in_cap) {
            if (ferror(r->fp))
                return fail(r, HS_ERR_IO, "read error at byte %llu: %s",
                            (unsigned long long)r->file_consumed, strerror(errno));
            r->src_eof = true;
        }
    } else {
        size_t n = r->mem_size - r->mem_pos;
        if (n > r->in_cap) n = r->in_cap;
        memcpy(r->in, r->mem + r->mem_pos, n);
        r->mem_pos += n;
        r->in_len = n;
        if (r->mem_pos == r->mem_size) r->src_eof = true;
    }
    return HS_OK;
}

/* Discard consumed bytes (hashing them first) so the window can take more.
 * Bytes of a record whose kind is not known yet are kept: if it turns out to
 * be the trailer, they must stay out of the checksum. */
static void compact(hs_reader *r)
{
    size_t drop = r->pos;
    if (!r->hash_frozen) {
        if (r->win_base + drop > r->hash_limit) drop = (size_t)(r->hash_limit - r->win_base);
        hsf_xxh64_update(&r->hash, r->win, drop);
        r->hashed_upto = r->win_base + drop;
    }
    if (drop == 0) return;
    memmove(r->win, r->win + drop, r->win_len - drop);
    r->win_len -= drop;
    r->win_base += drop;
    r->pos -= drop;
}

/* Try to make `n` bytes available at r->pos. Fewer may be available at the
 * end of the stream; only decompression and I/O faults are errors here. */
static hs_status fill_upto(hs_reader *r, size_t n)
{
    if (r->win_len - r->pos >= n) return HS_OK;
    compact(r);
    if (r->pos + n > r->win_cap) {
        size_t want = r->pos + n;
        size_t cap = r->win_cap * 2 > want ? r->win_cap * 2 : want;
        uint8_t *w = realloc(r->win, cap);
        if (!w) return fail(r, HS_ERR_NOMEM, "out of memory growing the window to %zu bytes", cap);
        r->win = w;
        r->win_cap = cap;
    }
    while (r->win_len - r->pos < n && !r->frame_ended) {
        if (r->in_pos == r->in_len) {
            if (r->src_eof) break;
            HSF_FORWARD_IF_ERROR(read_source(r));
            if (r->in_len == 0) break;
        }
        ZSTD_inBuffer in = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer out = {r->win, r->win_cap, r->win_len};
        size_t ret = ZSTD_decompressStream(r->dctx, &out, &in);
        r->file_consumed += in.pos - r->in_pos;
        r->in_pos = in.pos;
        r->win_len = out.pos;
        if (ZSTD_isError(ret)) {
            /* zstd does not say where in its input it failed: name the end of
             * what it was given, the first byte offset the fault lies before */
            r->file_consumed += r->in_len - r->in_pos;
            r->in_pos = r->in_len;
            ZSTD_ErrorCode zc = ZSTD_getErrorCode(ret);
            if (zc == ZSTD_error_checksum_wrong)
                return fail(r, HS_ERR_CHECKSUM, "zstd frame checksum mismatch (frame ends before byte %llu)",
                            (unsigned long long)r->file_consumed);
            if (zc == ZSTD_error_frameParameter_windowTooLarge)
                return fail(r, HS_ERR_LIMIT, "zstd window larger than 2^%u bytes at byte %llu",
                            r->lim.window_log_max, (unsigned long long)r->file_consumed);
            return fail(r, HS_ERR_ZSTD, "corrupt zstd stream before byte %llu: %s",
                        (unsigned long long)r->file_consumed, ZSTD_getErrorName(ret));
        }
        if (ret == 0) r->frame_ended = true;
    }
    return HS_OK;
}

/* The decompression-bomb rule: bytes skipped since stream offset `from`
 * (plus those skipped before) may not exceed max_ratio times the
 * compressed bytes read, once past ratio_grace. */
static hs_status check_skipped(hs_reader *r, uint64_t from)
{
    uint64_t total = r->skipped + (stream_pos(r) - from);
    if (HSF_LIKELY(total <= r->lim.ratio_grace || !r->lim.max_ratio)) return HS_OK;
    if (total / (r->file_consumed ? r->file_consumed : 1) < r->lim.max_ratio) return HS_OK;
    return fail(r, HS_ERR_LIMIT,
                "skipped data exceeds %u times the compressed size at byte %llu (decompression bomb?)",
                r->lim.max_ratio, (unsigned long long)r->file_consumed);
}

static inline hs_status need(hs_reader *r, size_t n)
{
    if (HSF_LIKELY(r->win_len - r->pos >= n)) return HS_OK;
    HSF_FORWARD_IF_ERROR(fill_upto(r, n));
    if (r->win_len - r->pos < n) return trunc_fail(r);
    return HS_OK;
}

/* ---- CBOR primitives -------------------------------------------------- */

static inline uint64_t be(const uint8_t *p, unsigned len)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < len; i++) v = (v << 8) | p[i];
    return v;
}

/* Read one item head: major type and argument. Indefinite lengths and
 * reserved encodings are malformed here (docs/format.md#cbor). */
static inline hs_status rd_head(hs_reader *r, unsigned *major, uint64_t *val)
{
    if (HSF_UNLIKELY(r->win_len - r->pos < 9)) {
        *major = 0;
        *val = 0;
        HSF_FORWARD_IF_ERROR(fill_upto(r, 9));
        if (r->win_len == r->pos) return trunc_fail(r);
    }
    const uint8_t *p = r->win + r->pos;
    unsigned ai = p[0] & 31u;
    *major = p[0] >> 5;
    if (HSF_LIKELY(ai < 24)) {
        *val = ai;
        r->pos += 1;
        return HS_OK;
    }
    if (ai <= 27) {
        unsigned len = 1u << (ai - 24);
        if (r->win_len - r->pos < 1 + len) return trunc_fail(r);
        *val = be(p + 1, len);
        r->pos += 1 + len;
        return HS_OK;
    }
    if (ai == 31)
        return rfail(r, HS_ERR_CBOR, "indefinite-length or break item (byte 0x%02x) not allowed", p[0]);
    return rfail(r, HS_ERR_CBOR, "reserved CBOR additional information (byte 0x%02x)", p[0]);
}

static hs_status rd_uint(hs_reader *r, uint64_t *v, const char *what)
{
    unsigned mt;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, v));
    if (HSF_UNLIKELY(mt != HSF_MT_UINT))
        return rfail(r, HS_ERR_RECORD, "%s is not an unsigned integer", what);
    return HS_OK;
}

static hs_status rd_u32(hs_reader *r, uint32_t *v, const char *what)
{
    uint64_t x;
    HSF_FORWARD_IF_ERROR(rd_uint(r, &x, what));
    if (HSF_UNLIKELY(x > UINT32_MAX)) return rfail(r, HS_ERR_RECORD, "%s %llu is out of range", what, (unsigned long long)x);
    *v = (uint32_t)x;
    return HS_OK;
}

/* A signed difference: returns base + value (mod 2^64). */
static inline hs_status rd_delta(hs_reader *r, uint64_t base, uint64_t *out, const char *what)
{
    unsigned mt;
    uint64_t v;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &v));
    if (HSF_LIKELY(mt == HSF_MT_UINT)) *out = base + v;
    else if (mt == HSF_MT_NINT) *out = base - 1 - v;
    else {
        *out = 0;
        return rfail(r, HS_ERR_RECORD, "%s is not an integer", what);
    }
    return HS_OK;
}

static bool peek_null(hs_reader *r)
{
    if (r->win_len - r->pos < 1 && (fill_upto(r, 1) != HS_OK || r->win_len == r->pos)) return false;
    if (r->win[r->pos] == HSF_CBOR_NULL) {
        r->pos++;
        return true;
    }
    return false;
}

/* string id, or HS_NONE for null */
static hs_status rd_opt_strid(hs_reader *r, uint32_t *id, const char *what)
{
    if (peek_null(r)) {
        *id = HS_NONE;
        return HS_OK;
    }
    if (r->sticky) return r->sticky;
    uint64_t v;
    HSF_FORWARD_IF_ERROR(rd_uint(r, &v, what));
    if (v >= r->nstr)
        return rfail(r, HS_ERR_UNDECLARED, "%s refers to undeclared string %llu (%u declared)", what,
                     (unsigned long long)v, r->nstr);
    *id = (uint32_t)v;
    return HS_OK;
}

static hs_status skip_bytes_raw(hs_reader *r, uint64_t n, uint64_t from)
{
    while (n) {
        if (r->win_len == r->pos) {
            HSF_FORWARD_IF_ERROR(check_skipped(r, from));
            HSF_FORWARD_IF_ERROR(fill_upto(r, 1));
            if (r->win_len == r->pos) return trunc_fail(r);
        }
        size_t take = r->win_len - r->pos;
        if (take > n) take = (size_t)n;
        r->pos += take;
        n -= take;
    }
    return HS_OK;
}

static hs_status skip_items(hs_reader *r, uint64_t count);

/* Skip what follows an item head already read: its bytes or its children. */
static hs_status skip_rest(hs_reader *r, unsigned mt, uint64_t v)
{
    switch (mt) {
    case HSF_MT_BYTES:
    case HSF_MT_TEXT: {
        uint64_t from = stream_pos(r);
        hs_status st = skip_bytes_raw(r, v, from);
        if (st == HS_OK) r->skipped += stream_pos(r) - from;
        return st == HS_OK ? check_skipped(r, stream_pos(r)) : st;
    }
    case HSF_MT_ARRAY: return skip_items(r, v);
    case HSF_MT_MAP:
        if (v > UINT64_MAX / 4) return rfail(r, HS_ERR_CBOR, "map of %llu entries is too large", (unsigned long long)v);
        return skip_items(r, 2 * v);
    case HSF_MT_TAG: return skip_items(r, 1);
    default: return HS_OK;
    }
}

/* Skip `count` whole items, iteratively: nested containers add to the
 * count. The bytes skipped count against the decompression-bomb rule. */
static hs_status skip_items_raw(hs_reader *r, uint64_t count, uint64_t from)
{
    while (count) {
        unsigned mt;
        uint64_t v;
        if (HSF_UNLIKELY(r->win_len - r->pos < 9)) HSF_FORWARD_IF_ERROR(check_skipped(r, from));
        HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &v));
        count--;
        uint64_t add = 0;
        switch (mt) {
        case HSF_MT_BYTES:
        case HSF_MT_TEXT:
            HSF_FORWARD_IF_ERROR(skip_bytes_raw(r, v, from));
            break;
        case HSF_MT_ARRAY: add = v; break;
        case HSF_MT_MAP:
            if (v > UINT64_MAX / 4) return rfail(r, HS_ERR_CBOR, "map of %llu entries is too large", (unsigned long long)v);
            add = 2 * v;
            break;
        case HSF_MT_TAG: add = 1; break;
        default: break;
        }
        if (add > UINT64_MAX / 2 - count)
            return rfail(r, HS_ERR_CBOR, "nested item counts overflow");
        count += add;
    }
    return HS_OK;
}

static hs_status skip_items(hs_reader *r, uint64_t count)
{
    if (HSF_LIKELY(count == 0)) return HS_OK;
    uint64_t from = stream_pos(r);
    HSF_FORWARD_IF_ERROR(skip_items_raw(r, count, from));
    r->skipped += stream_pos(r) - from;
    return check_skipped(r, stream_pos(r));
}

/* Read the `n` content bytes of a string item whose head was read into the
 * scratch buffer (NUL-terminated). */
static hs_status rd_strdata(hs_reader *r, uint64_t n, const char **out, size_t *len, const char *what)
{
    if (n > r->lim.max_string)
        return rfail(r, HS_ERR_LIMIT, "%s of %llu bytes exceeds the %llu-byte limit", what,
                     (unsigned long long)n, (unsigned long long)r->lim.max_string);
    HSF_FORWARD_IF_ERROR(need(r, (size_t)n));
    if (n + 1 > r->scratch_cap) {
        size_t cap = (size_t)n + 1 > 2 * r->scratch_cap ? (size_t)n + 1 : 2 * r->scratch_cap;
        uint8_t *s = realloc(r->scratch, cap);
        if (!s) return fail(r, HS_ERR_NOMEM, "out of memory reading a %llu-byte string", (unsigned long long)n);
        r->scratch = s;
        r->scratch_cap = cap;
    }
    memcpy(r->scratch, r->win + r->pos, (size_t)n);
    r->scratch[n] = 0;
    r->pos += (size_t)n;
    *out = (const char *)r->scratch;
    *len = (size_t)n;
    return HS_OK;
}

static hs_status rd_text(hs_reader *r, const char **out, size_t *len, const char *what)
{
    unsigned mt;
    uint64_t n;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &n));
    if (mt != HSF_MT_TEXT) return rfail(r, HS_ERR_RECORD, "%s is not a text string", what);
    HSF_FORWARD_IF_ERROR(rd_strdata(r, n, out, len, what));
    size_t ok = hsf_utf8_check(*out, *len);
    if (ok != *len) return rfail(r, HS_ERR_CBOR, "%s is not valid UTF-8 (byte %zu of %zu)", what, ok, *len);
    return HS_OK;
}

/* Header texts and tags are C strings in the API (hs_header, hs_tag): a
 * NUL would cut them short, making one producer or tag look like another,
 * so they may not hold one (docs/format.md). Names in string records are
 * counted and may. */
static hs_status no_nul(hs_reader *r, const char *s, size_t len, const char *what)
{
    const char *z = memchr(s, 0, len);
    if (z) return rfail(r, HS_ERR_RECORD, "%s holds a NUL byte (at byte %zu of %zu)", what, (size_t)(z - s), len);
    return HS_OK;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

/* Grow an array to hold one more element, without trusting any count. */
static bool grow(void **arr, uint64_t *cap, uint64_t len, size_t elem)
{
    if (len < *cap) return true;
    uint64_t nc = *cap ? *cap * 2 : 16;
    if (nc > SIZE_MAX / elem) return false;
    void *p = realloc(*arr, (size_t)(nc * elem));
    if (!p) return false;
    *arr = p;
    *cap = nc;
    return true;
}

static bool grow32(void **arr, uint32_t *cap, uint32_t len, size_t elem)
{
    uint64_t c = *cap;
    if (!grow(arr, &c, len, elem)) return false;
    *cap = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
    return true;
}

/* The max_strings_total budget: strings, tags and tables together may not
 * pass it once `add` more bytes are kept. */
static hs_status check_budget(hs_reader *r, uint64_t add, const char *what)
{
    uint64_t used = r->arena_len + r->tag_bytes + r->table_bytes;
    if (add > r->lim.max_strings_total || used > r->lim.max_strings_total - add)
        return rfail(r, HS_ERR_LIMIT, "%s exceed the %llu-byte total limit", what,
                     (unsigned long long)r->lim.max_strings_total);
    return HS_OK;
}

/* Read a map of text -> text into a tag list (header tags, end tags). */
static hs_status rd_tags(hs_reader *r, hs_tag **tags, size_t *ntags, size_t *cap, const char *what)
{
    unsigned mt;
    uint64_t n;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &n));
    if (mt != HSF_MT_MAP) return rfail(r, HS_ERR_RECORD, "%s is not a map", what);
    for (uint64_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        if (++r->ntags_total > HSF_MAX_TAGS)
            return rfail(r, HS_ERR_LIMIT, "more than %u tags", HSF_MAX_TAGS);
        HSF_FORWARD_IF_ERROR(rd_text(r, &s, &len, "tag key"));
        HSF_FORWARD_IF_ERROR(no_nul(r, s, len, "tag key"));
        HSF_FORWARD_IF_ERROR(check_budget(r, len + HSF_TAG_OVERHEAD, "strings and tags"));
        r->tag_bytes += len + HSF_TAG_OVERHEAD;
        char *k = dup_n(s, len);
        if (!k) return fail(r, HS_ERR_NOMEM, "out of memory reading tags");
        hs_status st = rd_text(r, &s, &len, "tag value");
        if (st == HS_OK) st = no_nul(r, s, len, "tag value");
        if (st == HS_OK) st = check_budget(r, len, "strings and tags");
        r->tag_bytes += st == HS_OK ? len : 0;
        char *v = st == HS_OK ? dup_n(s, len) : NULL;
        uint64_t c = *cap;
        if (st != HS_OK || !v || !grow((void **)tags, &c, *ntags, sizeof **tags)) {
            free(k);
            free(v);
            return st != HS_OK ? st : fail(r, HS_ERR_NOMEM, "out of memory reading tags");
        }
        *cap = (size_t)c;
        (*tags)[*ntags].key = k;
        (*tags)[*ntags].value = v;
        (*ntags)++;
    }
    return HS_OK;
}

static void free_tags(hs_tag *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)tags[i].key);
        free((char *)tags[i].value);
    }
    free(tags);
}

/* ---- open / close ------------------------------------------------------ */

void hs_reader_limits_default(hs_reader_limits *lim)
{
    lim->max_string = HS_MAX_STRING;
    lim->max_strings_total = HS_MAX_TABLES_TOTAL;
    lim->max_site_frames = 4096;
    lim->max_ratio = 250;
    lim->ratio_grace = 64ull << 20;
    lim->window_log_max = 27;
}

static hs_status reader_alloc(const char *name, const hs_reader_limits *lim, hs_reader **out)
{
    hs_reader *r = calloc(1, sizeof *r);
    if (!r) return HS_ERR_NOMEM;
    *out = r;
    if (lim) r->lim = *lim;
    else hs_reader_limits_default(&r->lim);
    r->name = strdup(name ? name : "<memory>");
    r->in_cap = ZSTD_DStreamInSize();
    r->in = malloc(r->in_cap);
    r->win_cap = WIN_INIT;
    r->win = malloc(r->win_cap);
    r->refs = malloc(sizeof(hs_ref) * HSF_REFS_CHUNK);
    r->site_off = calloc(16, sizeof *r->site_off);
    r->sites_cap = 15;
    r->dctx = ZSTD_createDCtx();
    hsf_xxh64_init(&r->hash, 0);
    r->hash_limit = UINT64_MAX;
    if (!r->name || !r->in || !r->win || !r->refs || !r->site_off || !r->dctx)
        return fail(r, HS_ERR_NOMEM, "out of memory opening the reader");
    size_t zr = ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, (int)r->lim.window_log_max);
    if (ZSTD_isError(zr)) return fail(r, HS_ERR_ARG, "invalid window_log_max %u", r->lim.window_log_max);
    return HS_OK;
}

/* Check the 12-byte prefix: magic, then major and minor version. */
static hs_status read_prefix(hs_reader *r)
{
    uint8_t pre[HS_PREFIX_LEN];
    size_t got = 0;
    while (got < HS_PREFIX_LEN) {
        if (r->in_pos == r->in_len) {
            if (r->src_eof) break;
            HSF_FORWARD_IF_ERROR(read_source(r));
            if (r->in_len == 0) break;
        }
        size_t take = r->in_len - r->in_pos;
        if (take > HS_PREFIX_LEN - got) take = HS_PREFIX_LEN - got;
        memcpy(pre + got, r->in + r->in_pos, take);
        r->in_pos += take;
        got += take;
    }
    size_t cmp = got < HS_MAGIC_LEN ? got : HS_MAGIC_LEN;
    if (got == 0) return fail(r, HS_ERR_TRUNCATED, "empty file");
    if (memcmp(pre, HS_MAGIC, cmp) != 0) {
        if (memcmp(pre, "\x89HSNAP", cmp < 6 ? cmp : 6) == 0)
            return fail(r, HS_ERR_MAGIC, "damaged magic at byte 6 (line endings converted in transfer?)");
        return fail(r, HS_ERR_MAGIC, "not a heapsnap file (bad magic at byte 0)");
    }
    if (got < HS_PREFIX_LEN)
        return fail(r, HS_ERR_TRUNCATED, "truncated file prefix: %zu of %d bytes", got, HS_PREFIX_LEN);
    r->file_consumed = HS_PREFIX_LEN;
    /* The frame must be a regular zstd frame with a content checksum (bit 2
     * of its header descriptor, RFC 8878 3.1.1.1.1). The first read is
     * ZSTD_DStreamInSize() bytes, so the frame header is in the buffer
     * unless the file ends first; such files fail later as truncated. */
    if (r->in_len - r->in_pos >= 5) {
        const uint8_t *z = r->in + r->in_pos;
        uint32_t magic = (uint32_t)z[0] | (uint32_t)z[1] << 8 | (uint32_t)z[2] << 16 | (uint32_t)z[3] << 24;
        if (magic != 0xFD2FB528u)
            return fail(r, HS_ERR_ZSTD, "no zstd frame at byte %d (magic %08x)", HS_PREFIX_LEN, magic);
        if (!(z[4] & 0x04))
            return fail(r, HS_ERR_ZSTD, "the zstd frame at byte %d has no content checksum", HS_PREFIX_LEN);
    }
    r->hdr.version_major = pre[HS_MAGIC_LEN];
    r->hdr.version_minor = pre[HS_MAGIC_LEN + 1];
    if (r->hdr.version_major != HS_FORMAT_VERSION_MAJOR)
        return fail(r, HS_ERR_VERSION, "unsupported format version %u.%u at byte %d (this reader reads %d.x)",
                    r->hdr.version_major, r->hdr.version_minor, HS_MAGIC_LEN, HS_FORMAT_VERSION_MAJOR);
    return HS_OK;
}

hs_status hs_reader_open(const char *path, const hs_reader_limits *lim, hs_reader **out)
{
    if (!out) return HS_ERR_ARG;
    *out = NULL;
    hs_status st = reader_alloc(path, lim, out);
    if (st != HS_OK) return st;
    hs_reader *r = *out;
    if (!path) return fail(r, HS_ERR_ARG, "no path given");
    r->fp = fopen(path, "rb");
    if (!r->fp) return fail(r, HS_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fileno(r->fp), &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return fail(r, HS_ERR_IO, "is a directory");
        r->file_size = (uint64_t)sb.st_size;
    }
    return read_prefix(r);
}

hs_status hs_reader_open_mem(const void *data, size_t size, const char *name,
                             const hs_reader_limits *lim, hs_reader **out)
{
    if (!out) return HS_ERR_ARG;
    *out = NULL;
    hs_status st = reader_alloc(name, lim, out);
    if (st != HS_OK) return st;
    hs_reader *r = *out;
    if (!data && size) return fail(r, HS_ERR_ARG, "no data given");
    r->mem = malloc(size ? size : 1);
    if (!r->mem) return fail(r, HS_ERR_NOMEM, "out of memory copying %zu bytes", size);
    if (size) memcpy(r->mem, data, size);
    r->mem_size = size;
    r->file_size = size;
    if (size == 0) r->src_eof = true;
    return read_prefix(r);
}

void hs_reader_close(hs_reader *r)
{
    if (!r) return;
    if (r->fp) fclose(r->fp);
    free(r->mem);
    free(r->name);
    free(r->in);
    free(r->win);
    free(r->refs);
    ZSTD_freeDCtx(r->dctx);
    free(r->arena);
    free(r->str_off);
    free(r->types);
    free(r->frames);
    free(r->site_frames);
    free(r->site_off);
    for (int i = 0; i < 4; i++) free(r->hdr_strs[i]);
    free_tags(r->tags, r->ntags);
    free_tags(r->end_tags, r->nend_tags);
    free(r->scratch);
    free(r);
}

/* ---- accessors ---------------------------------------------------------- */

const hs_error *hs_reader_error(const hs_reader *r) { return &r->err; }
const hs_header *hs_reader_header(const hs_reader *r) { return r->header_seen ? &r->hdr : NULL; }
uint32_t hs_reader_string_count(const hs_reader *r) { return r->nstr; }
uint32_t hs_reader_type_count(const hs_reader *r) { return r->ntypes; }
uint32_t hs_reader_frame_count(const hs_reader *r) { return r->nframes; }
uint32_t hs_reader_site_count(const hs_reader *r) { return r->nsites; }
const hs_counts *hs_reader_counts(const hs_reader *r) { return &r->counts; }
uint64_t hs_reader_total_shallow(const hs_reader *r) { return r->total_shallow; }
uint64_t hs_reader_file_size(const hs_reader *r) { return r->file_size; }
uint64_t hs_reader_stream_size(const hs_reader *r) { return r->win_base + r->win_len; }

const char *hs_reader_string(const hs_reader *r, uint32_t id, size_t *len)
{
    if (id >= r->nstr) return NULL;
    if (len) *len = (size_t)(r->str_off[id + 1] - r->str_off[id] - 1);
    return r->arena + r->str_off[id];
}

const hs_type *hs_reader_type(const hs_reader *r, uint32_t id)
{
    return id < r->ntypes ? &r->types[id] : NULL;
}

const hs_frame *hs_reader_frame(const hs_reader *r, uint32_t id)
{
    return id < r->nframes ? &r->frames[id] : NULL;
}

const uint32_t *hs_reader_site(const hs_reader *r, uint32_t id, uint32_t *nframes)
{
    if (id >= r->nsites) return NULL;
    if (nframes) *nframes = (uint32_t)(r->site_off[id + 1] - r->site_off[id]);
    return r->site_frames ? r->site_frames + r->site_off[id] : NULL;
}

/* ---- records ------------------------------------------------------------ */

static hs_status need_items(hs_reader *r, uint64_t n, uint64_t min)
{
    if (n < min)
        return rfail(r, HS_ERR_RECORD, "record has %llu items, needs at least %llu", (unsigned long long)n,
                     (unsigned long long)min);
    return HS_OK;
}

static hs_status rec_header(hs_reader *r, uint64_t n)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 2));
    unsigned mt;
    uint64_t m;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &m));
    if (mt != HSF_MT_MAP) return rfail(r, HS_ERR_RECORD, "header fields are not a map");
    for (uint64_t i = 0; i < m; i++) {
        uint64_t key;
        HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &key));
        if (mt != HSF_MT_UINT) { /* a key of another type: skip it and its value */
            HSF_FORWARD_IF_ERROR(skip_rest(r, mt, key));
            HSF_FORWARD_IF_ERROR(skip_items(r, 1));
            continue;
        }
        const char *s;
        size_t len;
        int slot = -1;
        switch (key) {
        case HSF_HDR_PRODUCER: slot = 0; break;
        case HSF_HDR_PRODUCER_VERSION: slot = 1; break;
        case HSF_HDR_RUNTIME: slot = 2; break;
        case HSF_HDR_HOSTNAME: slot = 3; break;
        case HSF_HDR_PID: HSF_FORWARD_IF_ERROR(rd_uint(r, &r->hdr.pid, "header pid")); break;
        case HSF_HDR_TIME_US: {
            uint64_t t;
            HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &t));
            if (mt != HSF_MT_UINT && mt != HSF_MT_NINT) return rfail(r, HS_ERR_RECORD, "header time is not an integer");
            if (t > (uint64_t)INT64_MAX) { /* the value is t, or -1 - t */
                char v[24];
                if (mt == HSF_MT_UINT) snprintf(v, sizeof v, "%llu", (unsigned long long)t);
                else if (t == UINT64_MAX) snprintf(v, sizeof v, "-18446744073709551616");
                else snprintf(v, sizeof v, "-%llu", (unsigned long long)t + 1);
                return rfail(r, HS_ERR_RECORD, "header time %s is outside the signed 64-bit range", v);
            }
            r->hdr.time_us = mt == HSF_MT_UINT ? (int64_t)t : -1 - (int64_t)t;
            break;
        }
        case HSF_HDR_POINTER_SIZE: HSF_FORWARD_IF_ERROR(rd_u32(r, &r->hdr.pointer_size, "header pointer size")); break;
        case HSF_HDR_TAGS:
            if (r->ntags) return rfail(r, HS_ERR_RECORD, "header tags given twice");
            HSF_FORWARD_IF_ERROR(rd_tags(r, &r->tags, &r->ntags, &r->tags_cap, "header tags"));
            break;
        default: HSF_FORWARD_IF_ERROR(skip_items(r, 1)); break;
        }
        if (slot >= 0) {
            static const char *field_names[] = {"header producer", "header producer version", "header runtime",
                                                "header hostname"};
            HSF_FORWARD_IF_ERROR(rd_text(r, &s, &len, field_names[slot]));
            HSF_FORWARD_IF_ERROR(no_nul(r, s, len, field_names[slot]));
            free(r->hdr_strs[slot]);
            r->hdr_strs[slot] = dup_n(s, len);
            if (!r->hdr_strs[slot]) return fail(r, HS_ERR_NOMEM, "out of memory reading the header");
        }
    }
    if (!r->hdr_strs[0]) return rfail(r, HS_ERR_RECORD, "header has no producer");
    r->hdr.producer = r->hdr_strs[0];
    r->hdr.producer_version = r->hdr_strs[1];
    r->hdr.runtime = r->hdr_strs[2];
    r->hdr.hostname = r->hdr_strs[3];
    r->hdr.tags = r->tags;
    r->hdr.ntags = r->ntags;
    return skip_items(r, n - 2);
}

static hs_status rec_string(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 2));
    const char *s;
    size_t len;
    HSF_FORWARD_IF_ERROR(rd_text(r, &s, &len, "string"));
    if (r->nstr == HS_NONE - 1) return rfail(r, HS_ERR_LIMIT, "too many strings");
    HSF_FORWARD_IF_ERROR(check_budget(r, (uint64_t)len + 1, "strings"));
    while (r->arena_len + len + 1 > r->arena_cap) {
        uint64_t cap = r->arena_cap ? r->arena_cap * 2 : 4096;
        char *a = realloc(r->arena, (size_t)cap);
        if (!a) return fail(r, HS_ERR_NOMEM, "out of memory storing strings");
        r->arena = a;
        r->arena_cap = cap;
    }
    uint64_t cap = r->str_cap;
    if (!grow((void **)&r->str_off, &cap, (uint64_t)r->nstr + 1, sizeof *r->str_off))
        return fail(r, HS_ERR_NOMEM, "out of memory storing strings");
    r->str_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
    r->str_off[r->nstr] = r->arena_len;
    memcpy(r->arena + r->arena_len, s, len);
    r->arena[r->arena_len + len] = 0;
    r->arena_len += len + 1;
    r->str_off[r->nstr + 1] = r->arena_len;
    rec->u.string.id = r->nstr;
    rec->u.string.text = r->arena + r->str_off[r->nstr];
    rec->u.string.len = len;
    r->nstr++;
    r->counts.strings++;
    return skip_items(r, n - 2);
}

static hs_status rec_type(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 4));
    hs_type t;
    uint64_t v;
    HSF_FORWARD_IF_ERROR(rd_uint(r, &v, "type name"));
    if (v >= r->nstr)
        return rfail(r, HS_ERR_UNDECLARED, "type name refers to undeclared string %llu (%u declared)",
                     (unsigned long long)v, r->nstr);
    t.name = (uint32_t)v;
    HSF_FORWARD_IF_ERROR(rd_opt_strid(r, &t.module, "type module"));
    HSF_FORWARD_IF_ERROR(rd_u32(r, &t.flags, "type flags"));
    if (r->ntypes == HS_NONE - 1) return rfail(r, HS_ERR_LIMIT, "too many types");
    HSF_FORWARD_IF_ERROR(check_budget(r, HSF_TYPE_COST, "strings, tags and tables"));
    r->table_bytes += HSF_TYPE_COST;
    if (!grow32((void **)&r->types, &r->types_cap, r->ntypes, sizeof t))
        return fail(r, HS_ERR_NOMEM, "out of memory storing types");
    r->types[r->ntypes] = t;
    rec->u.type.id = r->ntypes++;
    rec->u.type.type = t;
    r->counts.types++;
    return skip_items(r, n - 4);
}

static hs_status rec_frame(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 4));
    hs_frame f;
    HSF_FORWARD_IF_ERROR(rd_opt_strid(r, &f.function, "frame function"));
    HSF_FORWARD_IF_ERROR(rd_opt_strid(r, &f.file, "frame file"));
    HSF_FORWARD_IF_ERROR(rd_u32(r, &f.line, "frame line"));
    if (r->nframes == HS_NONE - 1) return rfail(r, HS_ERR_LIMIT, "too many frames");
    HSF_FORWARD_IF_ERROR(check_budget(r, HSF_FRAME_COST, "strings, tags and tables"));
    r->table_bytes += HSF_FRAME_COST;
    if (!grow32((void **)&r->frames, &r->frames_cap, r->nframes, sizeof f))
        return fail(r, HS_ERR_NOMEM, "out of memory storing frames");
    r->frames[r->nframes] = f;
    rec->u.frame.id = r->nframes++;
    rec->u.frame.frame = f;
    r->counts.frames++;
    return skip_items(r, n - 4);
}

static hs_status rec_site(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 2));
    unsigned mt;
    uint64_t m;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &m));
    if (mt != HSF_MT_ARRAY) return rfail(r, HS_ERR_RECORD, "site frames are not an array");
    if (m > r->lim.max_site_frames)
        return rfail(r, HS_ERR_LIMIT, "site of %llu frames exceeds the %llu-frame limit", (unsigned long long)m,
                     (unsigned long long)r->lim.max_site_frames);
    if (r->nsites == HS_NONE - 1) return rfail(r, HS_ERR_LIMIT, "too many sites");
    HSF_FORWARD_IF_ERROR(check_budget(r, HSF_SITE_COST + HSF_SITE_FRAME_COST * m, "strings, tags and tables"));
    r->table_bytes += HSF_SITE_COST + HSF_SITE_FRAME_COST * m;
    uint64_t start = r->site_frames_len;
    for (uint64_t i = 0; i < m; i++) {
        uint64_t f;
        HSF_FORWARD_IF_ERROR(rd_uint(r, &f, "site frame"));
        if (f >= r->nframes)
            return rfail(r, HS_ERR_UNDECLARED, "site refers to undeclared frame %llu (%u declared)",
                         (unsigned long long)f, r->nframes);
        if (!grow((void **)&r->site_frames, &r->site_frames_cap, r->site_frames_len, sizeof(uint32_t)))
            return fail(r, HS_ERR_NOMEM, "out of memory storing sites");
        r->site_frames[r->site_frames_len++] = (uint32_t)f;
    }
    /* site_off has nsites + 1 entries; sites_cap counts usable sites */
    if (r->nsites + 1 >= r->sites_cap + 1) {
        uint64_t cap = (uint64_t)r->sites_cap + 1;
        if (!grow((void **)&r->site_off, &cap, (uint64_t)r->nsites + 1, sizeof *r->site_off))
            return fail(r, HS_ERR_NOMEM, "out of memory storing sites");
        r->sites_cap = (uint32_t)(cap - 1);
    }
    r->site_off[r->nsites] = start;
    r->site_off[r->nsites + 1] = r->site_frames_len;
    rec->u.site.id = r->nsites;
    rec->u.site.frames = r->site_frames ? r->site_frames + start : NULL; /* no frames yet: NULL, length 0 */
    rec->u.site.nframes = (uint32_t)m;
    r->nsites++;
    r->counts.sites++;
    return skip_items(r, n - 2);
}

/* Parse up to one chunk of the pending references into r->refs. */
static hs_status parse_refs(hs_reader *r, uint32_t *got)
{
    uint64_t take = r->pend_left < HSF_REFS_CHUNK ? r->pend_left : HSF_REFS_CHUNK;
    uint64_t holder = r->pend_holder;
    for (uint64_t i = 0; i < take; i++) {
        hs_ref *ref = &r->refs[i];
        unsigned mt;
        uint64_t v;
        HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &v));
        if (HSF_LIKELY(mt == HSF_MT_UINT || mt == HSF_MT_NINT)) {
            ref->to = mt == HSF_MT_UINT ? holder + v : holder - 1 - v;
            ref->kind = HS_REF_STRONG;
            ref->label_type = HS_LABEL_NONE;
            ref->label = 0;
            continue;
        }
        if (mt != HSF_MT_ARRAY || (v != 2 && v != 3))
            return rfail(r, HS_ERR_RECORD, "reference %llu is neither an integer nor a 2- or 3-item array",
                         (unsigned long long)(r->pend_done + i));
        HSF_FORWARD_IF_ERROR(rd_delta(r, holder, &ref->to, "reference target"));
        ref->kind = HS_REF_STRONG;
        ref->label = 0;
        ref->label_type = HS_LABEL_NONE;
        if (!peek_null(r)) {
            if (r->sticky) return r->sticky;
            uint64_t l;
            HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &l));
            if (mt == HSF_MT_UINT) {
                if (l >= r->nstr)
                    return rfail(r, HS_ERR_UNDECLARED, "reference label refers to undeclared string %llu (%u declared)",
                                 (unsigned long long)l, r->nstr);
                ref->label_type = HS_LABEL_STRING;
            } else if (mt == HSF_MT_NINT) {
                ref->label_type = HS_LABEL_INDEX;
            } else {
                return rfail(r, HS_ERR_RECORD, "reference label is not a string id, an index or null");
            }
            ref->label = l;
        }
        if (v == 3) {
            uint64_t k;
            HSF_FORWARD_IF_ERROR(rd_uint(r, &k, "reference kind"));
            ref->kind = k > 255 ? HS_REF_OTHER : (uint8_t)k;
        }
    }
    r->pend_left -= take;
    r->pend_done += take;
    r->counts.refs += take;
    *got = (uint32_t)take;
    if (r->pend_left == 0) {
        HSF_FORWARD_IF_ERROR(skip_items(r, r->pend_extra));
        r->pend_extra = 0;
        r->in_record = false;
    }
    return HS_OK;
}

static hs_status start_refs(hs_reader *r, uint64_t holder, uint64_t extra)
{
    unsigned mt;
    uint64_t m;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &m));
    if (mt != HSF_MT_ARRAY) return rfail(r, HS_ERR_RECORD, "references are not an array");
    r->pend_holder = holder;
    r->pend_left = m;
    r->pend_extra = extra;
    r->pend_done = 0;
    return HS_OK;
}

static hs_status rec_block(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 7));
    uint64_t addr, size, site;
    uint32_t type, flags;
    HSF_FORWARD_IF_ERROR(rd_delta(r, r->last_addr, &addr, "block address delta"));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &size, "block size"));
    HSF_FORWARD_IF_ERROR(rd_u32(r, &type, "block type"));
    if (HSF_UNLIKELY(type >= r->ntypes))
        return rfail(r, HS_ERR_UNDECLARED, "block refers to undeclared type %u (%u declared)", type, r->ntypes);
    HSF_FORWARD_IF_ERROR(rd_u32(r, &flags, "block flags"));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &site, "block site"));
    if (HSF_UNLIKELY(site > r->nsites))
        return rfail(r, HS_ERR_UNDECLARED, "block refers to undeclared site %llu (%u declared)",
                     (unsigned long long)(site - 1), r->nsites);
    if (HSF_UNLIKELY(r->total_shallow + size < size))
        return rfail(r, HS_ERR_RECORD, "total shallow size overflows 64 bits");
    HSF_FORWARD_IF_ERROR(start_refs(r, addr, n - 7));
    r->last_addr = addr;
    r->total_shallow += size;
    r->counts.blocks++;
    rec->u.block.addr = addr;
    rec->u.block.size = size;
    rec->u.block.type = type;
    rec->u.block.flags = flags;
    rec->u.block.site = site ? (uint32_t)(site - 1) : HS_NONE;
    rec->u.block.refs = r->refs;
    return parse_refs(r, &rec->u.block.nrefs);
}

static hs_status rec_refs(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 3));
    uint64_t holder;
    HSF_FORWARD_IF_ERROR(rd_uint(r, &holder, "refs holder"));
    HSF_FORWARD_IF_ERROR(start_refs(r, holder, n - 3));
    rec->u.refs.from = holder;
    rec->u.refs.refs = r->refs;
    return parse_refs(r, &rec->u.refs.nrefs);
}

static hs_status rec_root(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 4));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &rec->u.root.addr, "root address"));
    HSF_FORWARD_IF_ERROR(rd_u32(r, &rec->u.root.kind, "root kind"));
    HSF_FORWARD_IF_ERROR(rd_opt_strid(r, &rec->u.root.name, "root name"));
    rec->u.root.count = 0;
    if (n >= 5) HSF_FORWARD_IF_ERROR(rd_uint(r, &rec->u.root.count, "root count"));
    r->counts.roots++;
    return skip_items(r, n - (n >= 5 ? 5 : 4));
}

static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0) v = m * (1.0 / 16777216.0); /* m * 2^-24 */
    else if (e == 31) v = m ? 0.0 / 0.0 : 1.0 / 0.0;
    else {
        v = (m + 1024) * 1.0;
        for (int i = e - 25; i > 0; i--) v *= 2;
        for (int i = e - 25; i < 0; i++) v /= 2;
    }
    return (h & 0x8000) ? -v : v;
}

static hs_status rec_value(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 3));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &rec->u.value.addr, "value address"));
    unsigned mt;
    uint64_t v;
    HSF_FORWARD_IF_ERROR(fill_upto(r, 1));
    size_t at = r->pos;
    uint8_t first = r->win_len > at ? r->win[at] : 0;
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &v));
    rec->u.value.data = NULL;
    rec->u.value.len = 0;
    rec->u.value.i = 0;
    rec->u.value.f = 0;
    switch (mt) {
    case HSF_MT_TEXT:
    case HSF_MT_BYTES: {
        const char *s;
        size_t len;
        HSF_FORWARD_IF_ERROR(rd_strdata(r, v, &s, &len, "value"));
        if (mt == HSF_MT_TEXT && hsf_utf8_check(s, len) != len)
            return rfail(r, HS_ERR_CBOR, "value is not valid UTF-8");
        rec->u.value.type = mt == HSF_MT_TEXT ? HS_VALUE_TEXT : HS_VALUE_BYTES;
        rec->u.value.data = s;
        rec->u.value.len = len;
        break;
    }
    case HSF_MT_UINT:
    case HSF_MT_NINT:
        if (v > INT64_MAX) return rfail(r, HS_ERR_RECORD, "value integer is out of range");
        rec->u.value.type = HS_VALUE_INT;
        rec->u.value.i = mt == HSF_MT_UINT ? (int64_t)v : -1 - (int64_t)v;
        break;
    case HSF_MT_SIMPLE: {
        unsigned ai = first & 31u;
        rec->u.value.type = HS_VALUE_FLOAT;
        if (ai == 25) rec->u.value.f = half_to_double((uint16_t)v);
        else if (ai == 26) {
            uint32_t b = (uint32_t)v;
            float f;
            memcpy(&f, &b, 4);
            rec->u.value.f = f;
        } else if (ai == 27) {
            memcpy(&rec->u.value.f, &v, 8);
        } else {
            return rfail(r, HS_ERR_RECORD, "value is a simple value, not a number or string");
        }
        break;
    }
    default: return rfail(r, HS_ERR_RECORD, "value is not a string, bytes or number");
    }
    rec->u.value.full_len = rec->u.value.len;
    uint64_t used = 3;
    if (n >= 4) {
        HSF_FORWARD_IF_ERROR(rd_uint(r, &rec->u.value.full_len, "value full length"));
        used = 4;
    }
    r->counts.values++;
    return skip_items(r, n - used);
}

static hs_status check_count(hs_reader *r, const char *what, uint64_t said, uint64_t seen)
{
    if (said != seen)
        return rfail(r, HS_ERR_COUNT, "trailer counts %llu %s, the file has %llu", (unsigned long long)said, what,
                     (unsigned long long)seen);
    return HS_OK;
}

/* After the trailer: the stream and the file must end here. */
static hs_status check_end(hs_reader *r)
{
    HSF_FORWARD_IF_ERROR(fill_upto(r, 1));
    if (r->win_len > r->pos)
        return fail(r, HS_ERR_TRAILING, "data after the trailer at stream offset %llu",
                    (unsigned long long)stream_pos(r));
    if (!r->frame_ended)
        return fail(r, HS_ERR_TRUNCATED, "truncated zstd stream at byte %llu (after the trailer)",
                    (unsigned long long)r->file_consumed);
    uint64_t extra = r->in_len - r->in_pos;
    if (!extra && !r->src_eof) {
        HSF_FORWARD_IF_ERROR(read_source(r));
        extra = r->in_len;
    }
    if (extra)
        return fail(r, HS_ERR_TRAILING, "unexpected bytes after the end of the zstd frame at byte %llu",
                    (unsigned long long)r->file_consumed);
    return HS_OK;
}

static hs_status rec_trailer(hs_reader *r, uint64_t n, hs_record *rec)
{
    HSF_FORWARD_IF_ERROR(need_items(r, n, 5));
    unsigned mt;
    uint64_t m;
    hs_counts said = r->counts;
    unsigned seen = 0; /* bit k: the count of record kind k was given */
    HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &m));
    if (mt != HSF_MT_MAP) return rfail(r, HS_ERR_RECORD, "trailer counts are not a map");
    for (uint64_t i = 0; i < m; i++) {
        uint64_t k, v;
        HSF_FORWARD_IF_ERROR(rd_uint(r, &k, "trailer count key"));
        HSF_FORWARD_IF_ERROR(rd_uint(r, &v, "trailer count"));
        if (k >= HS_REC_STRING && k <= HS_REC_VALUE) seen |= 1u << k;
        switch (k) {
        case HS_REC_STRING: said.strings = v; break;
        case HS_REC_TYPE: said.types = v; break;
        case HS_REC_FRAME: said.frames = v; break;
        case HS_REC_SITE: said.sites = v; break;
        case HS_REC_BLOCK: said.blocks = v; break;
        case HS_REC_REFS: said.refs = v; break;
        case HS_REC_ROOT: said.roots = v; break;
        case HS_REC_VALUE: said.values = v; break;
        default: break;
        }
    }
    for (unsigned k = HS_REC_STRING; k <= HS_REC_VALUE; k++)
        if (!(seen & (1u << k)))
            return rfail(r, HS_ERR_RECORD, "trailer has no count of %s records", hsf_record_name(k));
    uint64_t shallow, checksum, offset;
    HSF_FORWARD_IF_ERROR(rd_uint(r, &shallow, "trailer total shallow size"));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &checksum, "trailer checksum"));
    HSF_FORWARD_IF_ERROR(rd_uint(r, &offset, "trailer offset"));
    if (n >= 6) HSF_FORWARD_IF_ERROR(rd_tags(r, &r->end_tags, &r->nend_tags, &r->end_tags_cap, "trailer tags"));
    HSF_FORWARD_IF_ERROR(skip_items(r, n - (n >= 6 ? 6 : 5)));
    if (offset != r->rec_start)
        return rfail(r, HS_ERR_COUNT, "trailer says it starts at stream offset %llu, it starts at %llu",
                     (unsigned long long)offset, (unsigned long long)r->rec_start);
    HSF_FORWARD_IF_ERROR(check_count(r, "blocks", said.blocks, r->counts.blocks));
    HSF_FORWARD_IF_ERROR(check_count(r, "references", said.refs, r->counts.refs));
    HSF_FORWARD_IF_ERROR(check_count(r, "roots", said.roots, r->counts.roots));
    HSF_FORWARD_IF_ERROR(check_count(r, "types", said.types, r->counts.types));
    HSF_FORWARD_IF_ERROR(check_count(r, "strings", said.strings, r->counts.strings));
    HSF_FORWARD_IF_ERROR(check_count(r, "frames", said.frames, r->counts.frames));
    HSF_FORWARD_IF_ERROR(check_count(r, "sites", said.sites, r->counts.sites));
    HSF_FORWARD_IF_ERROR(check_count(r, "values", said.values, r->counts.values));
    if (shallow != r->total_shallow)
        return rfail(r, HS_ERR_COUNT, "trailer total shallow size %llu differs from the blocks' %llu",
                     (unsigned long long)shallow, (unsigned long long)r->total_shallow);
    if (checksum != r->computed_checksum)
        return rfail(r, HS_ERR_CHECKSUM, "checksum mismatch: trailer has %016llx, records hash to %016llx",
                     (unsigned long long)checksum, (unsigned long long)r->computed_checksum);
    r->in_record = false;
    HSF_FORWARD_IF_ERROR(check_end(r));
    rec->u.trailer.counts = r->counts;
    rec->u.trailer.total_shallow = shallow;
    rec->u.trailer.checksum = checksum;
    rec->u.trailer.tags = r->end_tags;
    rec->u.trailer.ntags = r->nend_tags;
    r->done = true;
    return HS_OK;
}

hs_status hs_reader_next(hs_reader *r, hs_record *rec)
{
    if (!r || !rec) return HS_ERR_ARG;
    if (r->sticky) return r->sticky;
    if (r->done) return HS_END;
    if (r->pend_left) { /* continuation of a large block or refs record */
        rec->kind = HS_REC_REFS;
        rec->index = r->rec_index;
        rec->u.refs.from = r->pend_holder;
        rec->u.refs.refs = r->refs;
        return parse_refs(r, &rec->u.refs.nrefs);
    }
    for (;;) {
        if (r->header_seen || r->rec_index) r->rec_index++;
        r->in_record = false;
        r->rec_kind = UINT64_MAX;
        /* Bring the record's first bytes in before reading them, so that the
         * trailer's own bytes are never hashed by a later compaction. */
        HSF_FORWARD_IF_ERROR(fill_upto(r, 24));
        r->rec_start = stream_pos(r);
        r->hash_limit = r->rec_start;
        if (r->win_len == r->pos) return trunc_fail(r);
        r->in_record = true;
        unsigned mt;
        uint64_t n, kind;
        HSF_FORWARD_IF_ERROR(rd_head(r, &mt, &n));
        if (mt != HSF_MT_ARRAY) return rfail(r, HS_ERR_RECORD, "record is not an array");
        if (n == 0) return rfail(r, HS_ERR_RECORD, "record is an empty array");
        HSF_FORWARD_IF_ERROR(rd_uint(r, &kind, "record kind"));
        r->rec_kind = kind;
        if (kind != HS_REC_TRAILER) r->hash_limit = UINT64_MAX;
        if (!r->header_seen && kind != HS_REC_HEADER)
            return rfail(r, HS_ERR_RECORD, "the first record must be the header");
        rec->kind = (hs_record_kind)kind;
        rec->index = r->rec_index;
        hs_status st;
        switch (kind) {
        case HS_REC_HEADER:
            if (r->header_seen) return rfail(r, HS_ERR_RECORD, "second header record");
            st = rec_header(r, n);
            if (st == HS_OK) {
                r->header_seen = true;
                rec->u.header = &r->hdr;
            }
            break;
        case HS_REC_STRING: st = rec_string(r, n, rec); break;
        case HS_REC_TYPE: st = rec_type(r, n, rec); break;
        case HS_REC_FRAME: st = rec_frame(r, n, rec); break;
        case HS_REC_SITE: st = rec_site(r, n, rec); break;
        case HS_REC_BLOCK: return rec_block(r, n, rec);
        case HS_REC_REFS: return rec_refs(r, n, rec);
        case HS_REC_ROOT: st = rec_root(r, n, rec); break;
        case HS_REC_VALUE: st = rec_value(r, n, rec); break;
        case HS_REC_TRAILER: {
            /* the checksum covers every byte before this record */
            uint64_t upto = r->rec_start;
            hsf_xxh64_update(&r->hash, r->win + (r->hashed_upto - r->win_base),
                             (size_t)(upto - r->hashed_upto));
            r->hashed_upto = upto;
            r->hash_frozen = true;
            r->computed_checksum = hsf_xxh64_digest(&r->hash);
            return rec_trailer(r, n, rec);
        }
        default:
            /* a record kind from a later writer: skip it whole (all its
             * bytes count as skipped, so empty ones cannot bomb either) */
            st = skip_items_raw(r, n - 1, r->rec_start);
            if (st == HS_OK) {
                r->skipped += stream_pos(r) - r->rec_start;
                st = check_skipped(r, stream_pos(r));
            }
            if (st == HS_OK) {
                r->unknown_records++;
                continue;
            }
            break;
        }
        if (st == HS_OK) r->in_record = false;
        return st;
    }
}
