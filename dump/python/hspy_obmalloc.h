/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_obmalloc.h — the live blocks of pymalloc's arenas,
 * read through the version layer's layout (hspy_cpy_obm_*), for
 * the orphan search (hspy_orphans.c). See docs/python.md#orphans.
 *
 * Reads only allocator memory that pymalloc owns; runs no Python code and
 * allocates nothing. The caller holds the GIL (it guards pymalloc on these
 * builds) and must not allocate from pymalloc while the walk runs.
 */
#ifndef HSPY_OBMALLOC_H
#define HSPY_OBMALLOC_H

#include "hspy_cpy.h"

/* Counts of one walk. */
typedef struct hspy_obm_stats {
    uint64_t arenas, pools, blocks; /* walked: arenas with an address, used pools, live blocks */
    uint64_t bad_pools;             /* pools skipped: a header or free chain that did not add up */
} hspy_obm_stats;

/* fn(ctx, block, block size) for every live block of interpreter `in`'s
 * arenas. NULL when walked (stats filled); otherwise why not (a static
 * string: not this family, not pymalloc), or "stopped" when fn returned -1. */
const char *hspy_obmalloc_blocks(PyInterpreterState *in, hspy_block_fn fn, void *ctx,
                                 hspy_obm_stats *stats /* OUT */);

#endif /* HSPY_OBMALLOC_H */
