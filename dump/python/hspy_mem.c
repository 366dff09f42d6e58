/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_mem.c — the process's memory at the dump, for the
 * header's tags: resident set size (/proc/self/statm) and the C
 * allocator's totals (glibc mallinfo2: arena, in use, mmapped) and, on
 * 3.12+, pymalloc's arenas (hspy_cpy_pymalloc_arenas), so the
 * analyzer can tell growth in Python objects from growth outside them
 * (docs/python.md#memory). Reads only the kernel's and the allocator's
 * counters: no Python code, no allocation.
 */
#define _GNU_SOURCE
#include "hspy.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HSPY_MALLINFO2 1
#endif

/* Resident bytes, or 0 when /proc is not there. */
static unsigned long long rss_bytes(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    buf[n] = 0;
    unsigned long long size = 0, resident = 0;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? resident * (unsigned long long)page : 0;
}

size_t hspy_mem_tags(hs_tag *tags, char (*buf)[24], size_t cap)
{
    size_t n = 0;
    uint64_t narenas, arena_size;
    if (hspy_cpy_pymalloc_arenas(&narenas, &arena_size) && n + 2 <= cap) { /* 3.12+ (hspy_cpy.h) */
        snprintf(buf[n], sizeof buf[n], "%llu", (unsigned long long)narenas);
        tags[n] = (hs_tag){"pymalloc_arenas", buf[n]};
        n++;
        snprintf(buf[n], sizeof buf[n], "%llu", (unsigned long long)(narenas * arena_size));
        tags[n] = (hs_tag){"pymalloc_arena_bytes", buf[n]};
        n++;
    }
    unsigned long long rss = rss_bytes();
    if (rss && n < cap) {
        snprintf(buf[n], sizeof buf[n], "%llu", rss);
        tags[n] = (hs_tag){"process_rss", buf[n]};
        n++;
    }
#ifdef HSPY_MALLINFO2
    struct mallinfo2 mi = mallinfo2();
    if (!mi.arena && !mi.uordblks && !mi.hblkhd) return n; /* another allocator (ASan, a preloaded one): nothing to tell */
    const struct {
        const char *key;
        size_t v;
    } m[] = {{"malloc_arena", mi.arena}, {"malloc_in_use", mi.uordblks + mi.hblkhd}, {"malloc_mmap", mi.hblkhd}};
    for (size_t i = 0; i < sizeof m / sizeof m[0] && n < cap; i++) {
        snprintf(buf[n], sizeof buf[n], "%zu", m[i].v);
        tags[n] = (hs_tag){m[i].key, buf[n]};
        n++;
    }
#endif
    return n;
}
