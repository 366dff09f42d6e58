/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_hash.h — the analyzer's one set of hash functions:
 * the 64-bit finalizer of MurmurHash3 (hash_fmix64), a combiner
 * (hash_mix), FNV-1a over bytes finished by the finalizer (hash_bytes) and
 * the multiplicative (Fibonacci) hash of an address (hash_addr32). Every
 * table and signature in analyze/ hashes with these; the open-addressing
 * map from 64-bit keys to 32-bit values they serve is graph/graph_map.h.
 * Signatures built from hash_mix and hash_bytes are compared across files
 * (docs/diff.md): their values never change.
 */
#ifndef HS_GRAPH_HASH_H
#define HS_GRAPH_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_fmix64(uint64_t z)
{
    z ^= z >> 33;
    z *= UINT64_C(0xff51afd7ed558ccd);
    z ^= z >> 33;
    z *= UINT64_C(0xc4ceb9fe1a85ec53);
    z ^= z >> 33;
    return z;
}

/* h combined with x (order matters). */
static inline uint64_t hash_mix(uint64_t h, uint64_t x)
{
    return hash_fmix64(h ^ hash_fmix64(x + UINT64_C(0x9E3779B97F4A7C15)));
}

/* The bytes [p, p + len), by content. */
static inline uint64_t hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < len; i++) h = (h ^ s[i]) * UINT64_C(0x100000001b3);
    return hash_fmix64(h ^ len);
}

/* The top 32 bits of a multiplicative hash of an address: a table's home
 * slot is its top bits, so nearby addresses spread out. */
static inline uint32_t hash_addr32(uint64_t a) { return (uint32_t)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 32); }

#endif /* HS_GRAPH_HASH_H */
