/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_json.c — the JSON tokenizer of the V8 reader (v8_json.h):
 * errors with byte offsets, strings, integers, literals, skipping a value
 * of any shape on an explicit stack (no recursion), container items.
 */
#define _POSIX_C_SOURCE 200809L
#include "v8/v8_json.h"

#include "graph/graph.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int sb_put(sbuf *b, const void *d, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, d, n);
    b->n += n;
    b->p[b->n] = 0;
    return 0;
}

static int jr_vfail(jr *r, uint64_t at, const char *fmt, va_list ap)
{
    if (r->failed) return -1;
    char m[V8_ERR_MAX - 40];
    vsnprintf(m, sizeof m, fmt, ap);
    snprintf(r->err, V8_ERR_MAX, "%s at byte %llu", m, (unsigned long long)at);
    r->failed = true;
    return -1;
}

/* Record the one-line error (at the current offset); returns -1. */
int jr_fail(jr *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jr_vfail(r, jr_off(r), fmt, ap);
    va_end(ap);
    return -1;
}

/* The same, at a given offset (the start of the offending value). */
int jr_fail_at(jr *r, uint64_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    jr_vfail(r, at, fmt, ap);
    va_end(ap);
    return -1;
}

int jr_expect(jr *r, int want, const char *what)
{
    int c = jr_ws(r);
    if (c == want) {
        r->pos++;
        return 0;
    }
    if (c < 0) return jr_fail(r, "truncated JSON: end of file, expected %s", what);
    return jr_fail(r, "bad JSON: expected %s", what);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int jr_hex4(jr *r, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c = jr_get(r);
        if (c < 0) return jr_fail(r, "truncated JSON: end of file inside a string");
        int h = hexval(c);
        if (h < 0) return jr_fail(r, "bad JSON: bad \\u escape");
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

/* Append up to what `max` leaves room for. */
static int sb_put_max(sbuf *b, const void *d, size_t n, size_t max)
{
    if (b->n >= max) return 0;
    return sb_put(b, d, n < max - b->n ? n : max - b->n);
}

/* Drop a character cut in two by `max` at the end of b. */
static void sb_trim_utf8(sbuf *b)
{
    size_t j = b->n, back = 0;
    while (j > 0 && back < 3 && ((unsigned char)b->p[j - 1] & 0xC0) == 0x80) j--, back++;
    if (!j) return;
    unsigned char lead = (unsigned char)b->p[j - 1];
    size_t len = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (j - 1 + len > b->n) {
        b->n = j - 1;
        b->p[b->n] = 0;
    }
}

int jr_string(jr *r, sbuf *b) { return jr_string_max(r, b, SIZE_MAX); }

/* A JSON string, decoded into b (NULL: skipped), at most `max` bytes kept. */
int jr_string_max(jr *r, sbuf *b, size_t max)
{
    bool cut = false;
    if (jr_expect(r, '"', "a string")) return -1;
    if (b) {
        b->n = 0;
        if (sb_put(b, "", 0)) return jr_fail(r, "out of memory");
    }
    for (;;) {
        /* copy a run of plain bytes straight from the buffer */
        size_t start = r->pos;
        while (r->pos < r->len && r->buf[r->pos] != '"' && r->buf[r->pos] != '\\' && r->buf[r->pos] >= 0x20) r->pos++;
        if (b && r->pos > start) {
            if (b->n + (r->pos - start) > max) cut = true;
            if (sb_put_max(b, r->buf + start, r->pos - start, max)) return jr_fail(r, "out of memory");
        }
        int c = jr_peek(r);
        if (c < 0) return jr_fail(r, "truncated JSON: end of file inside a string");
        if (c == '"') {
            r->pos++;
            if (b && cut) sb_trim_utf8(b);
            return 0;
        }
        if (c < 0x20) return jr_fail(r, "bad JSON: control character in a string");
        if (c != '\\') continue; /* buffer refilled */
        r->pos++;
        int e = jr_get(r);
        char ch;
        switch (e) {
        case '"': ch = '"'; break;
        case '\\': ch = '\\'; break;
        case '/': ch = '/'; break;
        case 'b': ch = '\b'; break;
        case 'f': ch = '\f'; break;
        case 'n': ch = '\n'; break;
        case 'r': ch = '\r'; break;
        case 't': ch = '\t'; break;
        case 'u': {
            unsigned u;
            if (jr_hex4(r, &u)) return -1;
            if (u >= 0xD800 && u < 0xDC00 && jr_peek(r) == '\\') {
                r->pos++;
                unsigned lo;
                if (jr_get(r) != 'u' || jr_hex4(r, &lo)) return jr_fail(r, "bad JSON: bad surrogate pair");
                u = lo >= 0xDC00 && lo < 0xE000 ? 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00) : 0xFFFD;
            } else if (u >= 0xD800 && u < 0xE000) {
                u = 0xFFFD; /* a lone surrogate */
            }
            unsigned char o[4];
            size_t n;
            if (u == 0) o[0] = GRAPH_NUL_0, o[1] = GRAPH_NUL_1, n = 2; /* a NUL, carried (graph_name_put) */
            else if (u < 0x80) o[0] = (unsigned char)u, n = 1;
            else if (u < 0x800) o[0] = (unsigned char)(0xC0 | u >> 6), o[1] = (unsigned char)(0x80 | (u & 0x3F)), n = 2;
            else if (u < 0x10000)
                o[0] = (unsigned char)(0xE0 | u >> 12), o[1] = (unsigned char)(0x80 | (u >> 6 & 0x3F)),
                o[2] = (unsigned char)(0x80 | (u & 0x3F)), n = 3;
            else
                o[0] = (unsigned char)(0xF0 | u >> 18), o[1] = (unsigned char)(0x80 | (u >> 12 & 0x3F)),
                o[2] = (unsigned char)(0x80 | (u >> 6 & 0x3F)), o[3] = (unsigned char)(0x80 | (u & 0x3F)), n = 4;
            if (b && b->n + n > max) cut = true;
            if (b && sb_put_max(b, o, n, max)) return jr_fail(r, "out of memory");
            continue;
        }
        case -1: return jr_fail(r, "truncated JSON: end of file inside a string");
        default: return jr_fail(r, "bad JSON: bad escape in a string");
        }
        if (b && b->n + 1 > max) cut = true;
        if (b && sb_put_max(b, &ch, 1, max)) return jr_fail(r, "out of memory");
    }
}

/* A non-negative integer (the nodes and edges arrays hold nothing else). */
int jr_uint(jr *r, uint64_t *out)
{
    int c = jr_ws(r);
    if (c < 0) return jr_fail(r, "truncated JSON: end of file, expected a number");
    if (c < '0' || c > '9') return jr_fail(r, "bad JSON: expected a non-negative integer");
    uint64_t v = 0;
    while ((c = jr_peek(r)) >= '0' && c <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return jr_fail(r, "number too large");
        v = v * 10 + (uint64_t)(c - '0');
        r->pos++;
    }
    if (c == '.' || c == 'e' || c == 'E') return jr_fail(r, "expected an integer, found a fraction or exponent");
    *out = v;
    return 0;
}

static int jr_literal(jr *r)
{
    char w[8];
    size_t n = 0;
    int c;
    while ((c = jr_peek(r)) >= 'a' && c <= 'z' && n < 6) w[n++] = (char)c, r->pos++;
    w[n] = 0;
    if (c < 0) return jr_fail(r, "truncated JSON: end of file inside a literal");
    if (strcmp(w, "true") && strcmp(w, "false") && strcmp(w, "null")) return jr_fail(r, "bad JSON: unexpected token");
    return 0;
}

static int jr_number_skip(jr *r)
{
    int c;
    size_t n = 0;
    while ((c = jr_peek(r)) >= 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E'))
        r->pos++, n++;
    return n ? 0 : jr_fail(r, "bad JSON: bad number");
}

/* Skip one value of any shape; nesting on an explicit stack. */
int jr_skip(jr *r)
{
    sbuf st = {0};
    int rc = -1;
    for (;;) {
        int c = jr_ws(r);
        if (c == '{' || c == '[') {
            r->pos++;
            char close = c == '{' ? '}' : ']';
            if (sb_put(&st, &close, 1)) {
                jr_fail(r, "out of memory");
                goto done;
            }
            if (jr_ws(r) == close) {
                r->pos++;
                st.n--;
            } else {
                if (close == '}' && (jr_string(r, NULL) || jr_expect(r, ':', "':'"))) goto done;
                continue;
            }
        } else if (c == '"') {
            if (jr_string(r, NULL)) goto done;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (jr_number_skip(r)) goto done;
        } else if (c < 0) {
            jr_fail(r, "truncated JSON: end of file, expected a value");
            goto done;
        } else if (jr_literal(r)) {
            goto done;
        }
        /* after a value: close containers, or move to the next item */
        for (;;) {
            if (!st.n) {
                rc = 0;
                goto done;
            }
            char top = st.p[st.n - 1];
            c = jr_ws(r);
            if (c == ',') {
                r->pos++;
                if (top == '}' && (jr_string(r, NULL) || jr_expect(r, ':', "':'"))) goto done;
                break;
            }
            if (c == top) {
                r->pos++;
                st.n--;
                continue;
            }
            if (c < 0) jr_fail(r, "truncated JSON: end of file inside %s", top == '}' ? "an object" : "an array");
            else jr_fail(r, "bad JSON: expected ',' or '%c'", top);
            goto done;
        }
    }
done:
    free(st.p);
    return rc;
}

/* After an item: 1 when another follows (',' eaten), 0 at the close, -1 on error. */
int jr_more(jr *r, int close)
{
    int c = jr_ws(r);
    if (c == ',') {
        r->pos++;
        return 1;
    }
    if (c == close) {
        r->pos++;
        return 0;
    }
    if (c < 0) return jr_fail(r, "truncated JSON: end of file inside %s", close == '}' ? "an object" : "an array");
    return jr_fail(r, "bad JSON: expected ',' or '%c'", close);
}

/* '[' then 1 if the array has items, 0 if empty (']' eaten). */
int jr_open(jr *r, int open, const char *what)
{
    if (jr_expect(r, open, what)) return -1;
    if (jr_ws(r) == (open == '[' ? ']' : '}')) {
        r->pos++;
        return 0;
    }
    return 1;
}

