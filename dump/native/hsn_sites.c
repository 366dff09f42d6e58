/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_sites.c — allocation sites: a frame-pointer walk of up to
 * hsn_cfg.frames return addresses, deduplicated into stack ids.
 *
 * The walk. Frame 0 is the return address of the interposed call, which is
 * always right. Then the chain of saved frame pointers is followed while
 * each next frame lies above the previous one and inside this thread's
 * stack (hsn_self.stack_lo/hi): code built without frame pointers (Debian's
 * libc and libstdc++) leaves rbp holding anything, and the bounds make the
 * walk stop there instead of reading unmapped memory; the site is then
 * shorter, never wrong in frame 0, and never a crash.
 *
 * The table. A site is a record {nframes, hash, frames[]} appended to a
 * reserved (MAP_NORESERVE) region that never moves, published by a release
 * store of the count, so readers need no lock. Lookup: a 64-entry
 * direct-mapped per-thread cache of hash -> id (verified against the
 * record), then a global open-addressing index of ids under one lock.
 * Site 0 means "no site".
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <link.h>
#include <string.h>
#include <sys/mman.h>

#define SITE_RECORDS_MAX (HSN_SITE_MAX + 1u)
#define POOL_BYTES (1ull << 31) /* reserved, committed as touched */

static uint64_t *site_off;   /* site id -> byte offset of its record in pool */
static char *pool;
static uint64_t pool_used;
static atomic_uint nsites = 1; /* site 0 is reserved */
static uint32_t *index_ids;  /* open addressing: id, 0 = empty */
static uint32_t index_mask;
static hsn_lock site_lock;

typedef struct { uint32_t n, hash; uint64_t frames[]; } site_rec;

static uint32_t hash_frames(const uint64_t *f, uint32_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
    for (uint32_t i = 0; i < n; i++) {
        h ^= f[i];
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    return (uint32_t)h | 1u;
}

static const site_rec *rec_of(uint32_t id) { return (const site_rec *)(pool + site_off[id]); }

static int same(const site_rec *r, const uint64_t *f, uint32_t n, uint32_t h)
{
    return r->hash == h && r->n == n && memcmp(r->frames, f, n * sizeof *f) == 0;
}

static int reserve(void)
{
    if (pool) return 0;
    site_off = mmap(NULL, (size_t)SITE_RECORDS_MAX * sizeof *site_off, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    pool = mmap(NULL, POOL_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (site_off == MAP_FAILED || pool == MAP_FAILED) {
        site_off = NULL;
        pool = NULL;
        return -1;
    }
    return 0;
}

static int index_grow(void)
{
    uint32_t cap = index_mask ? (index_mask + 1) * 2 : 4096;
    uint32_t *n = hsn_map((size_t)cap * sizeof *n);
    if (!n) return -1;
    uint32_t mask = cap - 1, count = atomic_load(&nsites);
    for (uint32_t id = 1; id < count; id++) {
        uint32_t j = rec_of(id)->hash & mask;
        while (n[j]) j = (j + 1) & mask;
        n[j] = id;
    }
    if (index_ids) hsn_unmap(index_ids, ((size_t)index_mask + 1) * sizeof *index_ids);
    index_ids = n;
    index_mask = mask;
    return 0;
}

static uint32_t intern(const uint64_t *f, uint32_t n, uint32_t h)
{
    hsn_lock_take(&site_lock);
    uint32_t id = 0;
    if (reserve() != 0) goto out;
    uint32_t count = atomic_load(&nsites);
    if ((!index_ids || (uint64_t)count * 2 > index_mask) && index_grow() != 0 && !index_ids) goto out;
    uint32_t j = h & index_mask;
    while (index_ids[j]) {
        if (same(rec_of(index_ids[j]), f, n, h)) {
            id = index_ids[j];
            goto out;
        }
        j = (j + 1) & index_mask;
    }
    size_t need = sizeof(site_rec) + n * sizeof *f;
    if (count >= SITE_RECORDS_MAX || pool_used + need > POOL_BYTES) goto out; /* full: "no site" */
    site_rec *r = (site_rec *)(pool + pool_used);
    r->n = n;
    r->hash = h;
    memcpy(r->frames, f, n * sizeof *f);
    site_off[count] = pool_used;
    pool_used += (need + 7) & ~(size_t)7;
    index_ids[j] = count;
    id = count;
    atomic_store_explicit(&nsites, count + 1, memory_order_release);
out:
    hsn_lock_give(&site_lock);
    return id;
}

/* ---- code ranges, for the walk through objects without frame pointers ---- */
typedef struct text_range { uint64_t lo, hi; int sys; } text_range;
typedef struct text_map { size_t n; text_range r[]; } text_map;
static text_map *_Atomic texts;
static unsigned long long text_adds = ~0ull;

static int text_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    text_map *m = ud;
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    /* Debian builds its libraries without frame pointers */
    int sys = strncmp(name, "/lib/", 5) == 0 || strncmp(name, "/usr/lib/", 9) == 0 ||
              strncmp(name, "/lib64/", 7) == 0;
    for (int i = 0; i < info->dlpi_phnum && m->n < 512; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        m->r[m->n].lo = info->dlpi_addr + ph->p_vaddr;
        m->r[m->n].hi = m->r[m->n].lo + ph->p_memsz;
        m->r[m->n].sys = sys;
        m->n++;
    }
    return 0;
}

static int adds_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    *(unsigned long long *)ud = info->dlpi_adds + (info->dlpi_subs << 32);
    return 1;
}

void hsn_text_refresh(void)
{
    unsigned long long adds = 0;
    dl_iterate_phdr(adds_cb, &adds);
    if (adds == text_adds) return;
    text_map *m = hsn_map(sizeof(text_map) + 512 * sizeof(text_range));
    if (!m) return;
    dl_iterate_phdr(text_cb, m);
    for (size_t i = 1; i < m->n; i++) /* insertion sort: a few dozen ranges */
        for (size_t j = i; j > 0 && m->r[j].lo < m->r[j - 1].lo; j--) {
            text_range t = m->r[j];
            m->r[j] = m->r[j - 1];
            m->r[j - 1] = t;
        }
    text_adds = adds;
    atomic_store(&texts, m); /* the old map stays mapped: a walk may still read it */
}

/* 1: in a library without frame pointers, 0: in other code, -1: not code. */
static int text_kind(const text_map *m, uint64_t pc)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->r[mid].hi <= pc) lo = mid + 1;
        else hi = mid;
    }
    return lo < m->n && m->r[lo].lo <= pc ? m->r[lo].sys : -1;
}

/* Does v look like a return address: code, right after a call instruction? */
static int is_ret(const text_map *m, uint64_t v)
{
    if (text_kind(m, v) < 0 || text_kind(m, v - 7) < 0) return 0;
    const unsigned char *c = (const unsigned char *)(uintptr_t)v;
    if (c[-5] == 0xe8) return 1;                                   /* call rel32 */
    if (c[-2] == 0xff && (c[-1] & 0xf8) == 0xd0) return 1;         /* call *%reg */
    if (c[-3] == 0xff && (c[-2] & 0x38) == 0x10) return 1;         /* call *disp8(%reg) */
    if (c[-6] == 0xff && (c[-5] & 0x38) == 0x10) return 1;         /* call *disp32(%reg), *rip */
    if (c[-3] == 0x41 && c[-2] == 0xff && (c[-1] & 0xf8) == 0xd0) return 1; /* call *%r8-15 */
    return 0;
}

uint32_t hsn_site_capture(void *ret0, void *frame0)
{
    uint64_t f[HSN_MAX_FRAMES];
    uint32_t n = 0, max = (uint32_t)hsn_cfg.frames;
    if (max > HSN_MAX_FRAMES) max = HSN_MAX_FRAMES;
    f[n++] = (uint64_t)(uintptr_t)ret0;
    uintptr_t lo = hsn_self.stack_lo, hi = hsn_self.stack_hi;
    uintptr_t fp = (uintptr_t)frame0;
    const text_map *tm = atomic_load_explicit(&texts, memory_order_acquire);
    if (fp >= lo && fp + 16 <= hi) {
        uintptr_t next = ((const uintptr_t *)fp)[0];
        uintptr_t slot = fp + 16; /* just above the last return address read */
        /* Frames in libraries without frame pointers (operator new, strdup):
         * their return address is the first word above that looks like one;
         * rbp then still holds the frame of the nearest caller that keeps
         * it, or garbage, in which case the caller's frame is the first
         * word pair {saved rbp above, return address} further up. */
        while (tm && n < max && text_kind(tm, f[n - 1]) == 1) {
            uintptr_t limit = slot + 64 * 8, s;
            if (next > slot && next < limit && next + 16 <= hi) limit = next;
            if (limit + 8 > hi) limit = hi - 8;
            for (s = slot; s < limit; s += 8)
                if (is_ret(tm, *(const uint64_t *)s)) break;
            if (s >= limit) break;
            f[n++] = *(const uint64_t *)s;
            slot = s + 8;
            if (!(next >= slot && next + 16 <= hi && !(next & 7))) {
                uintptr_t p;
                for (p = slot; p < slot + 256 * 8 && p + 16 <= hi; p += 8) {
                    uintptr_t up = ((const uintptr_t *)p)[0];
                    if ((up == 0 || (up > p && up + 16 <= hi)) && is_ret(tm, ((const uint64_t *)p)[1])) break;
                }
                if (p >= slot + 256 * 8 || p + 16 > hi) break;
                next = p;
            }
        }
        while (n < max) {
            if (next < slot || next + 16 > hi || (next & 7)) break;
            uintptr_t ra = ((const uintptr_t *)next)[1];
            if (ra < 4096) break;
            f[n++] = ra;
            slot = next + 16;
            next = ((const uintptr_t *)next)[0];
        }
    }
    uint32_t h = hash_frames(f, n);
    hsn_thread *t = &hsn_self;
    uint32_t slot = (h >> 7) & 63;
    if (t->cache_hash[slot] == h) {
        uint32_t id = t->cache_site[slot];
        if (id < atomic_load_explicit(&nsites, memory_order_acquire) && same(rec_of(id), f, n, h)) return id;
    }
    uint32_t id = intern(f, n, h);
    if (id) {
        t->cache_hash[slot] = h;
        t->cache_site[slot] = id;
    }
    return id;
}

uint32_t hsn_site_count(void) { return atomic_load_explicit(&nsites, memory_order_acquire); }

const uint64_t *hsn_site_frames(uint32_t site, uint32_t *n)
{
    if (!site || site >= hsn_site_count()) {
        *n = 0;
        return NULL;
    }
    const site_rec *r = rec_of(site);
    *n = r->n;
    return r->frames;
}

void hsn_sites_lock(void) { hsn_lock_take(&site_lock); }
void hsn_sites_unlock(void) { hsn_lock_give(&site_lock); }
void hsn_sites_reset_lock(void) { atomic_store(&site_lock.v, 0); }
