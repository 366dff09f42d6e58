/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_mem.c — load_process_memory(): the process's memory at
 * the dump, read from the header's tags (process_rss, malloc_arena,
 * malloc_in_use, malloc_mmap, pymalloc_arenas, pymalloc_arena_bytes:
 * docs/python.md#process-memory), so info, diff and
 * trend can tell growth in the dumped objects from growth outside them.
 * A tag that is missing or not a decimal number counts as absent.
 */
#include "load/load.h"

#include <string.h>

static bool tag_u64(const hs_header *h, const char *key, uint64_t *out)
{
    for (size_t i = 0; i < h->ntags; i++) {
        if (strcmp(h->tags[i].key, key)) continue;
        const char *s = h->tags[i].value;
        uint64_t v = 0;
        if (!*s) return false;
        for (; *s; s++) {
            if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10) return false;
            v = v * 10 + (uint64_t)(*s - '0');
        }
        *out = v;
        return true;
    }
    return false;
}

bool load_process_memory(const hs_header *h, load_mem *m)
{
    memset(m, 0, sizeof *m);
    if (!h) return false;
    m->has_rss = tag_u64(h, "process_rss", &m->rss);
    m->has_malloc = tag_u64(h, "malloc_in_use", &m->malloc_in_use);
    if (m->has_malloc) {
        tag_u64(h, "malloc_arena", &m->malloc_arena);
        tag_u64(h, "malloc_mmap", &m->malloc_mmap);
    }
    m->has_pymalloc = tag_u64(h, "pymalloc_arenas", &m->pymalloc_arenas) &&
                      tag_u64(h, "pymalloc_arena_bytes", &m->pymalloc_arena_bytes);
    return m->has_rss || m->has_malloc || m->has_pymalloc;
}
