/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_json.h — the streaming JSON tokenizer under the V8 reader:
 * a 1 MiB buffered FILE reader with byte offsets (jr), growable byte
 * buffers (sbuf), and the tokens a .heapsnapshot is made of: strings
 * (decoded, \u escapes and surrogate pairs), non-negative integers,
 * literals, any value skipped (nesting on an explicit stack, no recursion).
 * Every failure records one line with the byte offset in r->err (at most
 * V8_ERR_MAX bytes) and returns -1; the first failure sticks. The peek and
 * get of the inner loops are inline here; the rest is v8_json.c.
 */
#ifndef HS_V8_JSON_H
#define HS_V8_JSON_H

#include "v8/v8_read.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JR_BUF (1u << 20)

typedef struct jr {
    FILE *f;
    unsigned char *buf;
    size_t pos, len;
    uint64_t base; /* file offset of buf[0] */
    char *err;
    bool failed;
} jr;

typedef struct sbuf { /* a growable byte buffer */
    char *p;
    size_t n, cap;
} sbuf;

static inline uint64_t jr_off(const jr *r) { return r->base + r->pos; }

static inline int jr_peek(jr *r)
{
    if (r->pos < r->len) return r->buf[r->pos];
    r->base += r->len;
    r->pos = 0;
    r->len = fread(r->buf, 1, JR_BUF, r->f);
    r->buf[r->len] = 0; /* a sentinel for the number scanners */
    if (!r->len) return -1;
    return r->buf[0];
}

static inline int jr_get(jr *r)
{
    int c = jr_peek(r);
    if (c >= 0) r->pos++;
    return c;
}

static inline int jr_ws(jr *r)
{
    for (;;) {
        int c = jr_peek(r);
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') r->pos++;
        else return c;
    }
}


/* Grow b and append [d, d + n), keeping a NUL after the bytes; -1 when out of memory. */
int sb_put(sbuf *b, const void *d, size_t n);
/* Record the one-line error at the current offset / at `at`; return -1. */
int jr_fail(jr *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int jr_fail_at(jr *r, uint64_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The next non-blank byte must be `want` (eaten); `what` names it in the error. */
int jr_expect(jr *r, int want, const char *what);
/* A JSON string, decoded into b (NULL: skipped). */
int jr_string(jr *r, sbuf *b);
/* The same, keeping at most `max` bytes of it (cut at a character
 * boundary); the rest is read and dropped, so memory stays at `max`. */
int jr_string_max(jr *r, sbuf *b, size_t max);
/* A non-negative integer. */
int jr_uint(jr *r, uint64_t *out);
/* Skip one value of any shape. */
int jr_skip(jr *r);
/* After an item: 1 when another follows (',' eaten), 0 at the close, -1 on error. */
int jr_more(jr *r, int close);
/* `open` then 1 if the container has items, 0 if empty (its close eaten). */
int jr_open(jr *r, int open, const char *what);

#endif /* HS_V8_JSON_H */
