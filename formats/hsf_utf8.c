/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_utf8.c — UTF-8 validation for CBOR text strings (RFC 8949
 * requires valid UTF-8): the reader rejects invalid text, the encoder
 * replaces each invalid byte with U+FFFD so that what it writes is valid.
 * Validation follows the Unicode well-formed byte sequence table (no
 * overlongs, no surrogates, nothing above U+10FFFF).
 */
#include "hsf_internal.h"

#include <stdlib.h>
#include <string.h>

/* Length of the valid sequence at p (1..4), or 0 if invalid. */
static size_t seq_len(const uint8_t *p, size_t n)
{
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    if (c < 0xC2 || c > 0xF4) return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n < len) return 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return len;
}

size_t hsf_utf8_check(const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) { /* ASCII run */
            i++;
            continue;
        }
        size_t l = seq_len(p + i, n - i);
        if (!l) return i;
        i += l;
    }
    return n;
}

char *hsf_utf8_sanitize(const void *data, size_t n, size_t *out_len)
{
    const uint8_t *p = data;
    if (n > (SIZE_MAX - 1) / 3) return NULL;
    char *out = malloc(n * 3 + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n;) {
        size_t l = seq_len(p + i, n - i);
        if (l) {
            memcpy(o, p + i, l);
            o += l;
            i += l;
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            o += 3;
            i++;
        }
    }
    *o = 0;
    *out_len = (size_t)(o - out);
    return out;
}
