/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_xxh64.c — streaming XXH64 (Yann Collet's 64-bit xxHash, as
 * published in its specification), the checksum in the .hsnap trailer. The
 * same function, truncated to 32 bits, is zstd's frame content checksum,
 * which tests use as an independent oracle. Little-endian reads via memcpy.
 */
#include "hsf_internal.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint64_t xround(uint64_t acc, uint64_t in)
{
    acc += in * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t xmerge(uint64_t acc, uint64_t v)
{
    acc ^= xround(0, v);
    return acc * P1 + P4;
}

void hsf_xxh64_init(hsf_xxh64 *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->seed = seed;
    s->v[0] = seed + P1 + P2;
    s->v[1] = seed + P2;
    s->v[2] = seed;
    s->v[3] = seed - P1;
}

static const uint8_t *stripes(uint64_t v[4], const uint8_t *p, const uint8_t *end)
{
    uint64_t a = v[0], b = v[1], c = v[2], d = v[3];
    while (end - p >= 32) {
        a = xround(a, rd64(p));
        b = xround(b, rd64(p + 8));
        c = xround(c, rd64(p + 16));
        d = xround(d, rd64(p + 24));
        p += 32;
    }
    v[0] = a; v[1] = b; v[2] = c; v[3] = d;
    return p;
}

void hsf_xxh64_update(hsf_xxh64 *s, const void *data, size_t len)
{
    const uint8_t *p = data, *end = p + len;
    if (len == 0) return;
    s->total += len;
    if (s->buflen + len < 32) {
        memcpy(s->buf + s->buflen, p, len);
        s->buflen += (uint32_t)len;
        return;
    }
    if (s->buflen) {
        size_t take = 32 - s->buflen;
        memcpy(s->buf + s->buflen, p, take);
        stripes(s->v, s->buf, s->buf + 32);
        p += take;
        s->buflen = 0;
    }
    p = stripes(s->v, p, end);
    if (p < end) {
        memcpy(s->buf, p, (size_t)(end - p));
        s->buflen = (uint32_t)(end - p);
    }
}

uint64_t hsf_xxh64_digest(const hsf_xxh64 *s)
{
    uint64_t h;
    if (s->total >= 32) {
        h = rotl64(s->v[0], 1) + rotl64(s->v[1], 7) + rotl64(s->v[2], 12) + rotl64(s->v[3], 18);
        for (int i = 0; i < 4; i++) h = xmerge(h, s->v[i]);
    } else {
        h = s->seed + P5;
    }
    h += s->total;
    const uint8_t *p = s->buf, *end = s->buf + s->buflen;
    while (end - p >= 8) {
        h ^= xround(0, rd64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)rd32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (*p++) * P5;
        h = rotl64(h, 11) * P1;
    }
    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

uint64_t hsf_xxh64_oneshot(const void *data, size_t len, uint64_t seed)
{
    hsf_xxh64 s;
    hsf_xxh64_init(&s, seed);
    hsf_xxh64_update(&s, data, len);
    return hsf_xxh64_digest(&s);
}

uint64_t hs_checksum64(const void *data, size_t len, uint64_t seed) { return hsf_xxh64_oneshot(data, len, seed); }
