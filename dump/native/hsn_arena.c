/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_arena.c — the private allocator of the dumping thread, and
 * raw mmap'd scratch memory.
 *
 * While a snapshot is taken the other threads are stopped, possibly inside
 * glibc's malloc with an arena lock held; so every allocation the dumping
 * thread makes (the C writer, zstd, libdw, the demangler) is served here
 * instead: a reserved region of 64 GiB of address space (MAP_NORESERVE,
 * committed as it is touched), power-of-two size classes with free lists,
 * a 16-byte header before each block. Ownership is one range check, so
 * free() anywhere in the process recognises an arena pointer. Freed blocks
 * of 256 KiB and more give their pages back (MADV_DONTNEED).
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <string.h>
#include <sys/mman.h>

#define ARENA_BYTES (64ull << 30)
#define NCLASS 40
#define MAGIC 0x68736e61u /* "hsna" */

typedef struct { uint32_t klass, magic; uint64_t offset; } arena_hdr; /* offset: aligned blocks */

static char *base;
static uint64_t used;
static void *free_list[NCLASS];
static hsn_lock arena_lock;

/* Tables of 2 MiB and more are looked up at random: they get 2 MiB-aligned
 * memory and MADV_HUGEPAGE, or every lookup would also miss the TLB. */
void *hsn_map(size_t size)
{
    const size_t huge = 2u << 20;
    size = (size + 4095) & ~(size_t)4095;
    if (size < huge) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? NULL : p;
    }
    char *p = mmap(NULL, size + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    char *a = (char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
    if (a > p) munmap(p, (size_t)(a - p));
    if (a + size < p + size + huge) munmap(a + size, (size_t)(p + size + huge - (a + size)));
    madvise(a, size, MADV_HUGEPAGE);
    return a;
}

void hsn_unmap(void *p, size_t size)
{
    if (p) munmap(p, (size + 4095) & ~(size_t)4095);
}

int hsn_arena_owns(const void *p)
{
    return base && (const char *)p >= base && (const char *)p < base + ARENA_BYTES;
}

static int class_of(size_t n)
{
    size_t need = n + sizeof(arena_hdr);
    int k = 5; /* 32 bytes, header included */
    while (((size_t)1 << k) < need) k++;
    return k;
}

void *hsn_arena_alloc(size_t n, size_t align)
{
    if (align <= 16) align = 16;
    if (n > ARENA_BYTES / 4 || align > 65536) return NULL;
    size_t total = n + (align > 16 ? align : 0);
    int k = class_of(total);
    if (k >= NCLASS) return NULL;
    hsn_lock_take(&arena_lock);
    if (!base) {
        void *b = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (b == MAP_FAILED) {
            hsn_lock_give(&arena_lock);
            return NULL;
        }
        base = b;
    }
    char *blk = free_list[k];
    if (blk) {
        free_list[k] = *(void **)(blk + sizeof(arena_hdr));
    } else {
        uint64_t sz = 1ull << k;
        uint64_t at = (used + (sz < 4096 ? sz : 4096) - 1) & ~((sz < 4096 ? sz : 4096) - 1);
        if (at + sz > ARENA_BYTES) {
            hsn_lock_give(&arena_lock);
            return NULL;
        }
        blk = base + at;
        used = at + sz;
    }
    hsn_lock_give(&arena_lock);
    arena_hdr *h = (arena_hdr *)blk;
    h->klass = (uint32_t)k;
    h->magic = MAGIC;
    h->offset = 0;
    char *user = blk + sizeof *h;
    if (align > 16) {
        char *a = (char *)(((uintptr_t)user + align - 1) & ~(uintptr_t)(align - 1));
        if (a != user) {
            arena_hdr *h2 = (arena_hdr *)(a - sizeof *h2);
            h2->klass = (uint32_t)k;
            h2->magic = MAGIC;
            h2->offset = (uint64_t)(a - blk);
        }
        user = a;
    }
    return user;
}

static arena_hdr *hdr_of(const void *p, char **blk)
{
    arena_hdr *h = (arena_hdr *)((char *)p - sizeof(arena_hdr));
    *blk = h->offset ? (char *)p - h->offset : (char *)h;
    return (arena_hdr *)*blk;
}

size_t hsn_arena_usable(const void *p)
{
    char *blk;
    arena_hdr *h = hdr_of(p, &blk);
    return ((size_t)1 << h->klass) - (size_t)((const char *)p - blk);
}

void hsn_arena_free(void *p)
{
    char *blk;
    arena_hdr *h = hdr_of(p, &blk);
    if (h->magic != MAGIC || h->klass >= NCLASS) return; /* not ours after all: leak rather than corrupt */
    int k = (int)h->klass;
    if (k >= 18) { /* 256 KiB and more: give the pages back, keep the first one */
        madvise(blk + 4096, ((size_t)1 << k) - 4096, MADV_DONTNEED);
    }
    hsn_lock_take(&arena_lock);
    *(void **)(blk + sizeof(arena_hdr)) = free_list[k];
    free_list[k] = blk;
    hsn_lock_give(&arena_lock);
}

void hsn_arena_lock(void) { hsn_lock_take(&arena_lock); }
void hsn_arena_unlock(void) { hsn_lock_give(&arena_lock); }
void hsn_arena_reset_lock(void) { atomic_store(&arena_lock.v, 0); }
