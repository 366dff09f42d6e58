/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_internal.h — internals shared by the codec's files: the error
 * helpers (one macro sets the message and returns, after zstd's
 * RETURN_ERROR_IF), the streaming XXH64 used for the trailer checksum, the
 * record and map-key numbers of docs/format.md, and small CBOR constants.
 * Not installed; used by formats/ and by dump/ (both are linked into
 * libheapsnap), never by analyze/.
 */
#ifndef HSF_INTERNAL_H
#define HSF_INTERNAL_H

#include "hs_format.h"

#include <stdarg.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define HSF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define HSF_LIKELY(x) __builtin_expect(!!(x), 1)
#define HSF_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define HSF_PRINTF(f, a)
#define HSF_LIKELY(x) (x)
#define HSF_UNLIKELY(x) (x)
#endif

/* Fill *err and return its code. `fmt` is the message (lowercase, no full stop). */
hs_status hsf_set_error(hs_error *err, hs_status code, const char *fmt, ...) HSF_PRINTF(3, 4);
hs_status hsf_set_verror(hs_error *err, hs_status code, const char *fmt, va_list ap);

#define HSF_RETURN_ERROR_IF(cond, errp, code, ...)               \
    do {                                                         \
        if (HSF_UNLIKELY(cond)) return hsf_set_error((errp), (code), __VA_ARGS__); \
    } while (0)

#define HSF_FORWARD_IF_ERROR(expr)                 \
    do {                                           \
        hs_status hsf_st_ = (expr);                \
        if (HSF_UNLIKELY(hsf_st_ != HS_OK)) return hsf_st_; \
    } while (0)

/* ---- XXH64 (streaming), the trailer checksum; see docs/format.md ---- */
typedef struct hsf_xxh64 {
    uint64_t v[4];
    uint64_t total;
    uint8_t buf[32];
    uint32_t buflen;
    uint64_t seed;
} hsf_xxh64;

void hsf_xxh64_init(hsf_xxh64 *s, uint64_t seed);
void hsf_xxh64_update(hsf_xxh64 *s, const void *data, size_t len);
uint64_t hsf_xxh64_digest(const hsf_xxh64 *s);
uint64_t hsf_xxh64_oneshot(const void *data, size_t len, uint64_t seed);

/* ---- Numbers of docs/format.md ---- */
enum {
    HSF_HDR_PRODUCER = 1,
    HSF_HDR_PRODUCER_VERSION = 2,
    HSF_HDR_RUNTIME = 3,
    HSF_HDR_PID = 4,
    HSF_HDR_TIME_US = 5,
    HSF_HDR_POINTER_SIZE = 6,
    HSF_HDR_HOSTNAME = 7,
    HSF_HDR_TAGS = 8
};

/* Keys of the trailer's counts map are the record kinds they count, except
 * references, which are counted per reference under the REFS kind. */

/* CBOR major types. */
enum {
    HSF_MT_UINT = 0,
    HSF_MT_NINT = 1,
    HSF_MT_BYTES = 2,
    HSF_MT_TEXT = 3,
    HSF_MT_ARRAY = 4,
    HSF_MT_MAP = 5,
    HSF_MT_TAG = 6,
    HSF_MT_SIMPLE = 7
};
#define HSF_CBOR_FALSE 0xf4
#define HSF_CBOR_TRUE 0xf5
#define HSF_CBOR_NULL 0xf6

/* UTF-8 (hsf_utf8.c): the length of the valid prefix of a text (== n when
 * all of it is valid), and a copy with each invalid byte replaced by U+FFFD
 * (malloc'ed, NUL-terminated; NULL on allocation failure). */
size_t hsf_utf8_check(const void *data, size_t n);
char *hsf_utf8_sanitize(const void *data, size_t n, size_t *out_len);

/* Header and end tags: at most this many, each costing this much of the
 * reader's max_strings_total budget besides its bytes. */
#define HSF_MAX_TAGS 65536u
#define HSF_TAG_OVERHEAD 64u
/* What each table entry costs of the same budget (docs/format.md#limits):
 * a string its bytes + 1, a type or frame 12, a site 8 + 4 per frame. The
 * writer counts the same, so it never writes what a default reader refuses. */
#define HSF_TYPE_COST 12u
#define HSF_FRAME_COST 12u
#define HSF_SITE_COST 8u
#define HSF_SITE_FRAME_COST 4u

/* Name of a record kind for messages ("block", "type", ... or "unknown"). */
const char *hsf_record_name(uint64_t kind);


#endif /* HSF_INTERNAL_H */
