/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/bench_churn.c — the malloc-churn workload of
 * bench_native.sh: LIVE blocks (16-256 bytes) held in an array, then OPS
 * rounds that free a random one and allocate its replacement, every
 * allocation made 16 calls deep through one of 64 call paths (so a
 * 16-frame walk has 16 frames to read and 64 distinct sites to dedupe), a
 * quarter of the blocks pointing to another block. Built with frame
 * pointers. Prints nothing. Usage: bench_churn LIVE OPS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH 16

void **g_slots; /* a root: every live block is reachable */
static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void *alloc_path(int depth, unsigned path, size_t n);
__attribute__((noinline)) static void *via_a(int depth, unsigned path, size_t n) { return alloc_path(depth, path, n); }
__attribute__((noinline)) static void *via_b(int depth, unsigned path, size_t n) { return alloc_path(depth, path, n); }

__attribute__((noinline)) static void *alloc_path(int depth, unsigned path, size_t n)
{
    if (depth == 0) {
        void *p = malloc(n);
        if (!p) abort();
        memset(p, 0, n < 32 ? n : 32);
        return p;
    }
    void *p = (path & 1) ? via_a(depth - 1, path >> 1, n) : via_b(depth - 1, path >> 1, n);
    __asm__ volatile("" : : "r"(p) : "memory"); /* no tail calls: keep the frames */
    return p;
}

static void *one(void)
{
    uint64_t r = next();
    void *p = alloc_path(DEPTH - 2, (unsigned)(r & 63), 16 + (size_t)((r >> 8) % 241));
    return p;
}

int main(int argc, char **argv)
{
    size_t live = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000, ops = argc > 2 ? strtoull(argv[2], NULL, 10) : 1000000;
    g_slots = calloc(live, sizeof *g_slots);
    if (!g_slots) return 1;
    for (size_t i = 0; i < live; i++) g_slots[i] = one();
    for (size_t i = 0; i < ops; i++) {
        size_t k = next() % live;
        free(g_slots[k]);
        void *p = one();
        if ((i & 3) == 0) *(void **)p = g_slots[next() % live];
        g_slots[k] = p;
    }
    return 0;
}
