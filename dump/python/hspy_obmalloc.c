/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_obmalloc.c — walks pymalloc's arenas and names
 * each live block: for each arena with an address, each pool carved from it
 * (from the first pool-aligned address up to the arena's pool_address)
 * whose ref.count is not 0, the blocks from the pool overhead up to
 * nextoffset, less those on the pool's freeblock chain. A freed block keeps
 * its old contents past the link word (its type word among them), so the
 * chain is what tells it from a live one. Entry point:
 * hspy_obmalloc_blocks(), and hspy_pymalloc_why() for every version layer.
 * See docs/python.md#orphans.
 *
 * Soundness: every address read lies inside a carved pool of an arena the
 * allocator holds. A pool is used only if its header adds up: a size class
 * below pymalloc's threshold, nextoffset inside the pool, a chain whose
 * links all lie on block boundaries below nextoffset, with no repeat
 * (bounded by the pool's block count), and live blocks = ref.count.
 * Otherwise the pool is skipped and counted. Cost: one pass over the pool
 * headers and free chains, then one call per live block.
 */
#include "hspy_obmalloc.h"

#include <string.h>

#define MAX_BLOCKS 2048 /* blocks a pool can have: 16 KiB pools, 16-byte blocks, with room */

/* The live blocks of one pool; 0, -1 when fn stopped, 1 when the pool does not add up. */
static int pool_blocks(const hspy_obm *m, uintptr_t pool, hspy_block_fn fn, void *ctx, uint64_t *nlive)
{
    hspy_obm_pool h;
    hspy_cpy_obm_pool(pool, &h);
    if (h.count == 0) return 0; /* empty: on the arena's free pools */
    size_t size = ((size_t)h.szidx + 1) << m->align_shift;
    if (size > m->max_block || h.nextoffset > m->pool_size || h.nextoffset < m->pool_overhead) return 1;
    size_t nblocks = (h.nextoffset - m->pool_overhead) / size;
    if (nblocks > MAX_BLOCKS || (h.nextoffset - m->pool_overhead) % size) return 1;
    uint64_t freed[MAX_BLOCKS / 64];
    memset(freed, 0, sizeof freed);
    size_t nfree = 0;
    uintptr_t base = pool + m->pool_overhead;
    for (uintptr_t f = h.freeblock; f; f = *(const uintptr_t *)f) {
        if (f < base || f >= pool + h.nextoffset || (f - base) % size || nfree >= nblocks) return 1;
        size_t i = (f - base) / size;
        if (freed[i / 64] >> (i % 64) & 1) return 1; /* a loop */
        freed[i / 64] |= (uint64_t)1 << (i % 64);
        nfree++;
    }
    if (nblocks - nfree != h.count) return 1;
    for (size_t i = 0; i < nblocks; i++)
        if (!(freed[i / 64] >> (i % 64) & 1)) {
            if (fn(ctx, base + i * size, size) < 0) return -1;
            ++*nlive;
        }
    return 0;
}

const char *hspy_pymalloc_why(int allocator, const char *current)
{
    if (allocator != PYMEM_ALLOCATOR_NOT_SET && allocator != PYMEM_ALLOCATOR_DEFAULT &&
        allocator != PYMEM_ALLOCATOR_PYMALLOC)
        return "the object allocator is not pymalloc (PYTHONMALLOC or -X dev)";
    if (current && strcmp(current, "pymalloc") != 0) return "the object allocator is not pymalloc";
    return NULL;
}

const char *hspy_obmalloc_blocks(PyInterpreterState *in, hspy_block_fn fn, void *ctx, hspy_obm_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    hspy_obm m;
    const char *why = hspy_cpy_obm_open(in, &m);
    if (why) return why;
    if (m.pool_size & (m.pool_size - 1) || m.pool_overhead >= m.pool_size) return "pymalloc's layout is not understood";
    for (size_t i = 0; i < m.narenas; i++) {
        uintptr_t addr, carved;
        hspy_cpy_obm_arena(&m, i, &addr, &carved);
        if (!addr) continue;
        stats->arenas++;
        uintptr_t first = (addr + m.pool_size - 1) & ~(uintptr_t)(m.pool_size - 1);
        if (carved > addr + m.arena_size) carved = addr + m.arena_size;
        for (uintptr_t p = first; p + m.pool_size <= carved; p += m.pool_size) {
            uint64_t before = stats->blocks;
            int r = pool_blocks(&m, p, fn, ctx, &stats->blocks);
            if (r < 0) return "stopped";
            if (r > 0) stats->bad_pools++;
            else if (stats->blocks > before) stats->pools++;
        }
    }
    return NULL;
}
