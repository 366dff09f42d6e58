/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_internal.h — what the files of libheapsnap-preload.so share:
 * the configuration, the locks, the live-block table (hsn_table.c), the
 * allocation-site table and stack walk (hsn_sites.c), the private allocator
 * the dumping thread uses (hsn_arena.c), stopping the other threads
 * (hsn_stop.c), symbolization (hsn_symbol.c), the snapshot (hsn_dump.c) and
 * the triggers (hsn_trigger.c). The interposed malloc family lives in
 * hsn_malloc.c. See docs/native.md.
 *
 * Nothing here is public API; every symbol is hidden by exports.map.
 * Everything is written to be callable from inside malloc: no stdio, no
 * malloc of its own (tables are mmap'd), no locks but the ones below.
 */
#ifndef HSN_INTERNAL_H
#define HSN_INTERNAL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HSN_MAX_FRAMES 64
#define HSN_DEFAULT_FRAMES 16

/* ---- configuration (hsn_trigger.c reads it from the environment once) ---- */
typedef struct hsn_config {
    char output[1024];     /* HEAPSNAP_NATIVE_OUTPUT, a template with %p (pid) and %n (dump number) */
    int frames;            /* HEAPSNAP_NATIVE_FRAMES, 0..64 */
    int at_exit;           /* HEAPSNAP_NATIVE_AT_EXIT, default 1 */
    int dump_signal;       /* HEAPSNAP_NATIVE_SIGNAL (USR2, 12, ...), 0 = none */
    int stop_signal;       /* HEAPSNAP_NATIVE_STOP_SIGNAL, default SIGRTMIN+7 */
    double interval;       /* HEAPSNAP_NATIVE_INTERVAL seconds, 0 = off */
    uint64_t growth;       /* HEAPSNAP_NATIVE_GROWTH bytes of live growth since the last dump, 0 = off */
    int on_oom;            /* HEAPSNAP_NATIVE_OOM, default 1 */
    int follow_fork;       /* HEAPSNAP_NATIVE_FOLLOW_FORK, default 0 */
    int fsync;             /* HEAPSNAP_NATIVE_FSYNC, default 1 */
    int thread_values;     /* HEAPSNAP_NATIVE_THREADS: write each block's thread as an int value */
    int symbolize;         /* HEAPSNAP_NATIVE_SYMBOLIZE, default 1 */
    int quiet;             /* HEAPSNAP_NATIVE_QUIET: no note on stderr per dump */
    char wrappers[1024];   /* HEAPSNAP_NATIVE_WRAPPERS: extra malloc-wrapper names, comma separated */
} hsn_config;

extern hsn_config hsn_cfg;
extern atomic_int hsn_disabled;   /* 1 in an untraced fork child, or before init */
extern pid_t hsn_pid;             /* the traced process */

/* ---- locks: a futex mutex, async-signal-safe to release ---- */
typedef struct { atomic_int v; } hsn_lock;
void hsn_lock_take(hsn_lock *l);
void hsn_lock_give(hsn_lock *l);
void hsn_futex_wait(atomic_int *addr, int val, long timeout_ns);
void hsn_futex_wake(atomic_int *addr);

/* Per-thread state. Initial-exec TLS: reading it never calls malloc. */
typedef struct hsn_thread {
    int busy;          /* inside our code: nested allocations are not tracked */
    int internal;      /* the dumping thread: allocations go to the private arena */
    int index;         /* thread ordinal, 1..; 0 = not yet numbered */
    uintptr_t stack_lo, stack_hi; /* bounds for the frame-pointer walk */
    uint32_t cache_hash[64];      /* recent sites: hash -> id + 1 */
    uint32_t cache_site[64];
} hsn_thread;
extern __thread hsn_thread hsn_self __attribute__((tls_model("initial-exec")));
void hsn_thread_init(void);

/* ---- the real allocator (hsn_malloc.c) ---- */
extern void *(*hsn_real_malloc)(size_t);
extern void (*hsn_real_free)(void *);
extern void *(*hsn_real_realloc)(void *, size_t);
extern void *(*hsn_real_memalign)(size_t, size_t);
extern size_t (*hsn_real_usable)(void *);
void hsn_init(void);

/* ---- the live-block table (hsn_table.c) ----
 * 16 bytes an entry: address, and size (35 bits; larger sizes go to a side
 * list) | named (1 bit) | thread (6 bits) | site (22 bits). Open addressing with linear
 * probing and backward-shift deletion in 16 shards, each with its own lock,
 * grown by half at 3/4 load (so 21-32 bytes a block, 26 on average); tables
 * of 2 MiB and more on huge pages. */
#define HSN_SHARDS 16
#define HSN_SIZE_BITS 35
#define HSN_NAMED_BIT (1ull << 35) /* the program named its type: see hsn_name_of */
#define HSN_THREAD_BITS 6
#define HSN_SITE_BITS 22
#define HSN_SITE_MAX ((1u << HSN_SITE_BITS) - 1) /* site ids past it become "no site" (0) */

typedef struct hsn_entry { uint64_t addr, meta; } hsn_entry;

typedef struct hsn_shard {
    hsn_lock lock;
    uint32_t cap;      /* slots; 0 = no table */
    uint64_t count, bytes;
    hsn_entry *slots;
} hsn_shard;
extern hsn_shard hsn_shards[HSN_SHARDS];

void hsn_table_insert(uint64_t addr, uint64_t size, uint32_t site, uint32_t thread);
/* Remove `addr`; returns 1 if it was live. */
int hsn_table_remove(uint64_t addr);
/* Remove p and free it with real_free, in that shard's critical section. */
void hsn_table_free(void *p, void (*real_free)(void *));
static inline uint64_t hsn_meta_size(uint64_t meta) { return meta & ((1ull << HSN_SIZE_BITS) - 1); }
static inline uint32_t hsn_meta_thread(uint64_t meta) { return (uint32_t)(meta >> (HSN_SIZE_BITS + 1)) & ((1u << HSN_THREAD_BITS) - 1); }
static inline uint32_t hsn_meta_site(uint64_t meta) { return (uint32_t)(meta >> (HSN_SIZE_BITS + 1 + HSN_THREAD_BITS)); }
/* heapsnap_native_type(): name the type of a live block (0, or -1 when it is
 * not live or memory is short); the name a dump uses, or NULL. */
int hsn_table_set_name(uint64_t addr, const char *name);
const char *hsn_name_of(uint64_t addr);
/* The exact size of a block whose meta says (1 << 36) - 1 or more. */
uint64_t hsn_big_size(uint64_t addr, uint64_t meta);
void hsn_table_lock_all(void);
void hsn_table_unlock_all(void);
void hsn_table_reset_locks(void);   /* fork child */
uint64_t hsn_table_bytes(void);     /* live bytes, summed over the shards without locks */
uint64_t hsn_table_count(void);

/* ---- allocation sites (hsn_sites.c) ----
 * Site 0 is "no site"; sites are immutable once published, so readers of a
 * site id need no lock. */
uint32_t hsn_site_capture(void *ret0, void *frame0);
uint32_t hsn_site_count(void);
const uint64_t *hsn_site_frames(uint32_t site, uint32_t *n /* OUT */);
void hsn_sites_lock(void);
void hsn_sites_unlock(void);
void hsn_sites_reset_lock(void);
int hsn_thread_ordinal(void);
/* Re-read the code ranges of the loaded objects if objects came or went. */
void hsn_text_refresh(void);

/* ---- private arena (hsn_arena.c): malloc for the dumping thread ---- */
void *hsn_arena_alloc(size_t size, size_t align);
void hsn_arena_free(void *p);
int hsn_arena_owns(const void *p);
size_t hsn_arena_usable(const void *p);
void hsn_arena_lock(void);
void hsn_arena_unlock(void);
void hsn_arena_reset_lock(void);
/* mmap'd scratch memory outside every heap (tables, the dump's block array). */
void *hsn_map(size_t size);
void hsn_unmap(void *p, size_t size);

/* ---- memory map and thread stop (hsn_stop.c) ---- */
typedef struct hsn_region { uint64_t lo, hi; int readable, writable; char path[96]; } hsn_region;
/* Read /proc/self/maps into an arena array, sorted by address. */
int hsn_maps_read(hsn_region **out, size_t *n);
const hsn_region *hsn_maps_find(const hsn_region *r, size_t n, uint64_t addr);

typedef struct hsn_stopped {
    pid_t tid;
    int ok;                 /* registers and stack pointer captured */
    uint64_t regs[18];      /* rax..r15, rip, and the thread pointer last */
    uint64_t sp;
} hsn_stopped;
/* Stop every other thread of the process and capture its registers; the
 * caller holds every table lock. Returns the number of threads found;
 * *missed counts those that did not answer within the timeout. */
int hsn_stop_world(hsn_stopped **out, int *missed);
void hsn_resume_world(void);

/* ---- symbolization (hsn_symbol.c), called while the world runs ---- */
typedef struct hsn_sym {
    char function[256];     /* demangled, or "" */
    char file[256];         /* source file, or "" */
    uint32_t line;
    char module[256];       /* path of the object, or "" */
    uint64_t offset;        /* address - module base */
} hsn_sym;
void hsn_symbols_begin(void);
int hsn_symbolize(uint64_t pc, hsn_sym *out);
void hsn_symbols_end(void);

/* ---- the snapshot (hsn_dump.c) ---- */
enum { HSN_WHY_EXIT, HSN_WHY_SIGNAL, HSN_WHY_INTERVAL, HSN_WHY_GROWTH, HSN_WHY_API, HSN_WHY_OOM };
/* Write a snapshot to `path` (NULL: the next name from the template). The
 * caller's stack is scanned from `sp` up; sp = 0 for a thread of our own.
 * Returns an hs_status. */
int hsn_dump(const char *path, int why, uint64_t sp, const uint64_t *regs, int nregs);
void hsn_dump_path(char *buf, size_t cap, int why);
extern atomic_int hsn_dumps_done;

/* ---- small helpers without libc state ---- */
void hsn_note(const char *a, const char *b, const char *c);   /* one line on stderr */
size_t hsn_strlcpy(char *d, const char *s, size_t cap);

/* The interposed entry points: exported despite -fvisibility=hidden. */
#define HSN_EXPORT __attribute__((visibility("default")))
void hsn_exit_dump(void *frame);

#define HSN_LIKELY(x) __builtin_expect(!!(x), 1)
#define HSN_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* HSN_INTERNAL_H */
