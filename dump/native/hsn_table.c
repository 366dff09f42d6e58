/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_table.c — the live-block table: address -> size, site and
 * thread for every block the program holds, plus the futex lock the
 * preload library uses everywhere and the per-thread state.
 *
 * Algorithm: 16 shards chosen by the top bits of a multiplicative hash of
 * the address; each shard is an open-addressing table (linear probing,
 * backward-shift deletion, so no tombstones) of 16-byte entries, grown by
 * half at 3/4 load into fresh mmap'd memory (so the load stays within
 * 1/2..3/4). Insert and remove are O(1)
 * expected under the shard's lock; a resize touches one shard only, so the
 * transient peak is 1/16 of the table. Tables of 2 MiB and more are on
 * huge pages (hsn_map): lookups are random, and 4 KiB pages would add a TLB
 * miss to every one. Memory: 16 bytes / load, 21-32
 * bytes a live block (26 on average). See docs/native.md#memory.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

hsn_shard hsn_shards[HSN_SHARDS];
__thread hsn_thread hsn_self __attribute__((tls_model("initial-exec")));

/* ---- futex lock (Drepper, "Futexes are tricky", mutex 2) ---- */
void hsn_futex_wait(atomic_int *addr, int val, long timeout_ns)
{
    struct timespec ts = {timeout_ns / 1000000000L, timeout_ns % 1000000000L};
    int saved = errno;
    syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, timeout_ns > 0 ? &ts : NULL, NULL, 0);
    errno = saved;
}

void hsn_futex_wake(atomic_int *addr)
{
    int saved = errno;
    syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
    errno = saved;
}

void hsn_lock_take(hsn_lock *l)
{
    int c = 0;
    if (atomic_compare_exchange_strong(&l->v, &c, 1)) return;
    for (int i = 0; i < 64; i++) {
        __builtin_ia32_pause();
        c = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 && atomic_compare_exchange_strong(&l->v, &c, 1))
            return;
    }
    if (c != 2) c = atomic_exchange(&l->v, 2);
    while (c != 0) {
        hsn_futex_wait(&l->v, 2, 0);
        c = atomic_exchange(&l->v, 2);
    }
}

void hsn_lock_give(hsn_lock *l)
{
    if (atomic_fetch_sub(&l->v, 1) != 1) {
        atomic_store(&l->v, 0);
        hsn_futex_wake(&l->v);
    }
}

/* ---- per-thread state ---- */
extern void *__libc_stack_end;
static atomic_int thread_counter;

int hsn_thread_ordinal(void) { return hsn_self.index; }

void hsn_thread_init(void)
{
    hsn_thread *t = &hsn_self;
    int n = atomic_fetch_add(&thread_counter, 1) + 1;
    t->index = n < (1 << HSN_THREAD_BITS) ? n : (1 << HSN_THREAD_BITS) - 1;
    t->busy++;
    if (syscall(SYS_gettid) == getpid()) {
        struct rlimit rl;
        uintptr_t hi = (uintptr_t)__libc_stack_end;
        uintptr_t sz = 8u << 20;
        if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (1ull << 32))
            sz = rl.rlim_cur;
        t->stack_hi = hi;
        t->stack_lo = hi > sz ? hi - sz : 0;
    } else {
        pthread_attr_t a;
        void *addr;
        size_t size;
        if (pthread_getattr_np(pthread_self(), &a) == 0) {
            if (pthread_attr_getstack(&a, &addr, &size) == 0) {
                t->stack_lo = (uintptr_t)addr;
                t->stack_hi = (uintptr_t)addr + size;
            }
            pthread_attr_destroy(&a);
        }
    }
    t->busy--;
}

/* ---- the table ---- */
static inline uint64_t addr_hash(uint64_t a)
{
    a = (a >> 4) * 0x9E3779B97F4A7C15ull;
    return a ^ (a >> 31);
}

static inline hsn_shard *shard_of(uint64_t h) { return &hsn_shards[h >> 60]; }
/* The home slot: the low 32 bits of the hash scaled to the capacity (Lemire's
 * multiply-shift), so the capacity need not be a power of two. */
static inline uint64_t home_of(uint64_t h, uint32_t cap) { return ((h & 0xffffffffu) * cap) >> 32; }

/* Sizes of 2^36 - 1 bytes and more: a short side list (such blocks are few). */
#define BIG_MAX 256
static struct { uint64_t addr, size; } big[BIG_MAX];
static hsn_lock big_lock;

uint64_t hsn_big_size(uint64_t addr, uint64_t meta)
{
    uint64_t s = hsn_meta_size(meta);
    if (s != (1ull << HSN_SIZE_BITS) - 1) return s;
    for (int i = 0; i < BIG_MAX; i++)
        if (big[i].addr == addr) return big[i].size;
    return s;
}

static void big_set(uint64_t addr, uint64_t size)
{
    hsn_lock_take(&big_lock);
    for (int i = 0; i < BIG_MAX; i++)
        if (big[i].addr == addr || (size && !big[i].addr)) {
            big[i].addr = size ? addr : 0;
            big[i].size = size;
            if (size) break;
        }
    hsn_lock_give(&big_lock);
}

/* ---- names the program gave (heapsnap_native_type): address -> name ----
 * Few, so a small open-addressing map under one lock, always taken inside a
 * shard's critical section (shard, then names: one order), and the names
 * themselves interned in a list. */
typedef struct name_ent { uint64_t addr; uint32_t id; } name_ent;
static name_ent *names;
static uint32_t names_cap, names_n;
static char **name_str;
static uint32_t name_count, name_cap;
static hsn_lock names_lock;

static void names_del_locked(uint64_t addr)
{
    if (!names_cap) return;
    uint32_t j = (uint32_t)(addr_hash(addr) % names_cap);
    while (names[j].addr && names[j].addr != addr) j = (j + 1) % names_cap;
    if (!names[j].addr) return;
    names[j].addr = 0;
    names_n--;
    for (uint32_t k = (j + 1) % names_cap; names[k].addr; k = (k + 1) % names_cap) { /* re-insert the run */
        name_ent e = names[k];
        names[k].addr = 0;
        uint32_t h = (uint32_t)(addr_hash(e.addr) % names_cap);
        while (names[h].addr) h = (h + 1) % names_cap;
        names[h] = e;
    }
}

static int names_put_locked(uint64_t addr, const char *name)
{
    uint32_t id = 0;
    while (id < name_count && strcmp(name_str[id], name) != 0) id++;
    if (id == name_count) {
        if (name_count == name_cap) {
            uint32_t cap = name_cap ? name_cap * 2 : 64;
            char **v = hsn_map(cap * sizeof *v);
            if (!v) return -1;
            if (name_str) memcpy(v, name_str, name_count * sizeof *v), hsn_unmap(name_str, name_cap * sizeof *v);
            name_str = v;
            name_cap = cap;
        }
        size_t len = strlen(name) + 1;
        char *c = hsn_arena_alloc(len, 16);
        if (!c) return -1;
        memcpy(c, name, len);
        name_str[name_count++] = c;
    }
    if ((names_n + 1) * 2 > names_cap) {
        uint32_t cap = names_cap ? names_cap * 2 : 256;
        name_ent *v = hsn_map(cap * sizeof *v);
        if (!v) return -1;
        for (uint32_t i = 0; i < names_cap; i++)
            if (names[i].addr) {
                uint32_t h = (uint32_t)(addr_hash(names[i].addr) % cap);
                while (v[h].addr) h = (h + 1) % cap;
                v[h] = names[i];
            }
        if (names) hsn_unmap(names, names_cap * sizeof *names);
        names = v;
        names_cap = cap;
    }
    uint32_t j = (uint32_t)(addr_hash(addr) % names_cap);
    while (names[j].addr && names[j].addr != addr) j = (j + 1) % names_cap;
    if (!names[j].addr) names_n++;
    names[j] = (name_ent){addr, id};
    return 0;
}

/* Read while the world is stopped (the dumper holds every shard lock, so
 * no thread holds this one). */
const char *hsn_name_of(uint64_t addr)
{
    if (!names_cap) return NULL;
    uint32_t j = (uint32_t)(addr_hash(addr) % names_cap);
    while (names[j].addr && names[j].addr != addr) j = (j + 1) % names_cap;
    return names[j].addr ? name_str[names[j].id] : NULL;
}

static int shard_grow(hsn_shard *s)
{
    uint32_t cap = s->cap ? s->cap + s->cap / 2 : 1024; /* 1.5x: the load stays in 1/2..3/4 */
    hsn_entry *n = hsn_map((size_t)cap * sizeof *n);
    if (!n) return -1;
    if (s->slots) {
        for (uint64_t i = 0; i < s->cap; i++) {
            hsn_entry e = s->slots[i];
            if (!e.addr) continue;
            uint64_t j = home_of(addr_hash(e.addr), cap);
            while (n[j].addr) j = j + 1 == cap ? 0 : j + 1;
            n[j] = e;
        }
        hsn_unmap(s->slots, (size_t)s->cap * sizeof *s->slots);
    }
    s->slots = n;
    s->cap = cap;
    return 0;
}

void hsn_table_insert(uint64_t addr, uint64_t size, uint32_t site, uint32_t thread)
{
    uint64_t h = addr_hash(addr);
    hsn_shard *s = shard_of(h);
    uint64_t stored = size;
    if (size >= (1ull << HSN_SIZE_BITS) - 1) {
        stored = (1ull << HSN_SIZE_BITS) - 1;
        big_set(addr, size);
    }
    if (site > HSN_SITE_MAX) site = 0;
    uint64_t meta = stored | (uint64_t)thread << (HSN_SIZE_BITS + 1) | (uint64_t)site << (HSN_SIZE_BITS + 1 + HSN_THREAD_BITS);
    hsn_lock_take(&s->lock);
    if ((!s->slots || (s->count + 1) * 4 > (uint64_t)s->cap * 3) && shard_grow(s) != 0 && !s->slots) {
        hsn_lock_give(&s->lock); /* no memory for the table: the block goes untracked */
        return;
    }
    uint64_t j = home_of(h, s->cap);
    while (s->slots[j].addr && s->slots[j].addr != addr) j = j + 1 == s->cap ? 0 : j + 1;
    if (s->slots[j].addr == addr) { /* a stale entry (freed while a dump held the tables) */
        __atomic_store_n(&s->bytes, s->bytes - hsn_meta_size(s->slots[j].meta), __ATOMIC_RELAXED);
        s->count--;
        if (s->slots[j].meta & HSN_NAMED_BIT) {
            hsn_lock_take(&names_lock);
            names_del_locked(addr);
            hsn_lock_give(&names_lock);
        }
    }
    s->slots[j].addr = addr;
    s->slots[j].meta = meta;
    s->count++;
    __atomic_store_n(&s->bytes, s->bytes + stored, __ATOMIC_RELAXED);
    hsn_lock_give(&s->lock);
}

static int remove_locked(hsn_shard *s, uint64_t addr, uint64_t h);

int hsn_table_remove(uint64_t addr)
{
    uint64_t h = addr_hash(addr);
    hsn_shard *s = shard_of(h);
    hsn_lock_take(&s->lock);
    return remove_locked(s, addr, h);
}

/* free(): prefetch the entry's slot, then release the block to glibc while
 * holding the shard's lock, so the slot's cache miss overlaps glibc's own
 * and no other thread can be handed the address (and insert it into this
 * shard) before the entry is gone. glibc never calls back into us while it
 * holds its arena locks, so holding a shard lock across free() cannot
 * deadlock. */
void hsn_table_free(void *p, void (*real_free)(void *))
{
    uint64_t addr = (uint64_t)(uintptr_t)p, h = addr_hash(addr);
    hsn_shard *s = shard_of(h);
    hsn_entry *slots = __atomic_load_n(&s->slots, __ATOMIC_RELAXED);
    uint32_t cap = __atomic_load_n(&s->cap, __ATOMIC_RELAXED);
    if (slots) __builtin_prefetch(&slots[home_of(h, cap)]); /* a stale pointer is harmless: prefetches never fault */
    hsn_lock_take(&s->lock);
    real_free(p);
    remove_locked(s, addr, h);
}

static int remove_locked(hsn_shard *s, uint64_t addr, uint64_t h)
{
    if (!s->slots) {
        hsn_lock_give(&s->lock);
        return 0;
    }
    uint64_t cap = s->cap, j = home_of(h, s->cap);
    while (s->slots[j].addr && s->slots[j].addr != addr) j = j + 1 == cap ? 0 : j + 1;
    if (!s->slots[j].addr) {
        hsn_lock_give(&s->lock);
        return 0;
    }
    uint64_t size = hsn_meta_size(s->slots[j].meta);
    if (s->slots[j].meta & HSN_NAMED_BIT) {
        hsn_lock_take(&names_lock);
        names_del_locked(addr);
        hsn_lock_give(&names_lock);
    }
    /* backward-shift deletion: pull later entries of the run into the hole */
    uint64_t hole = j, k = j + 1 == cap ? 0 : j + 1;
    while (s->slots[k].addr) {
        uint64_t home = home_of(addr_hash(s->slots[k].addr), s->cap);
        /* move k into the hole unless its home lies cyclically in (hole, k] */
        if ((k + cap - home) % cap >= (k + cap - hole) % cap) {
            s->slots[hole] = s->slots[k];
            hole = k;
        }
        k = k + 1 == cap ? 0 : k + 1;
    }
    s->slots[hole].addr = 0;
    s->slots[hole].meta = 0;
    s->count--;
    __atomic_store_n(&s->bytes, s->bytes - size, __ATOMIC_RELAXED);
    hsn_lock_give(&s->lock);
    if (size == (1ull << HSN_SIZE_BITS) - 1) big_set(addr, 0);
    return 1;
}

int hsn_table_set_name(uint64_t addr, const char *name)
{
    uint64_t h = addr_hash(addr);
    hsn_shard *s = shard_of(h);
    int rc = -1;
    hsn_lock_take(&s->lock);
    if (s->slots) {
        uint64_t j = home_of(h, s->cap);
        while (s->slots[j].addr && s->slots[j].addr != addr) j = j + 1 == s->cap ? 0 : j + 1;
        if (s->slots[j].addr == addr) {
            hsn_lock_take(&names_lock);
            rc = names_put_locked(addr, name);
            hsn_lock_give(&names_lock);
            if (rc == 0) s->slots[j].meta |= HSN_NAMED_BIT;
        }
    }
    hsn_lock_give(&s->lock);
    return rc;
}

void hsn_table_lock_all(void)
{
    for (int i = 0; i < HSN_SHARDS; i++) hsn_lock_take(&hsn_shards[i].lock);
}

void hsn_table_unlock_all(void)
{
    for (int i = HSN_SHARDS - 1; i >= 0; i--) hsn_lock_give(&hsn_shards[i].lock);
}

void hsn_table_reset_locks(void)
{
    for (int i = 0; i < HSN_SHARDS; i++) atomic_store(&hsn_shards[i].lock.v, 0);
    atomic_store(&big_lock.v, 0);
    atomic_store(&names_lock.v, 0);
}

uint64_t hsn_table_bytes(void)
{
    uint64_t b = 0;
    for (int i = 0; i < HSN_SHARDS; i++) b += __atomic_load_n(&hsn_shards[i].bytes, __ATOMIC_RELAXED);
    return b;
}

uint64_t hsn_table_count(void)
{
    uint64_t c = 0;
    for (int i = 0; i < HSN_SHARDS; i++) c += __atomic_load_n(&hsn_shards[i].count, __ATOMIC_RELAXED);
    return c;
}
