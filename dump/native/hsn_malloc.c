/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_malloc.c — the interposed malloc family of
 * libheapsnap-preload.so: malloc, calloc, realloc, reallocarray, free,
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc,
 * malloc_usable_size, plus _exit and _Exit (so a program that leaves
 * through _exit still gets its exit dump). See docs/native.md#how-it-works.
 *
 * Each call forwards to the next definition (glibc's, found with
 * dlsym(RTLD_NEXT)) and records the block in the live-block table with its
 * allocation site and thread. The cases that are not the hot path:
 *  - bootstrap: dlsym itself may call calloc before the real functions are
 *    known; those requests come from a static buffer and are never freed;
 *  - reentrancy: allocations made while our own code runs (hsn_self.busy)
 *    are passed through untracked;
 *  - the dumping thread (hsn_self.internal) allocates from a private arena,
 *    so a snapshot never waits for a glibc lock held by a stopped thread;
 *  - fork: the child is untraced (hsn_disabled) unless asked for.
 * free() removes the block from the table before glibc may hand the address
 * out again, so a concurrent malloc of the same address never loses its entry.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void *(*hsn_real_malloc)(size_t);
void (*hsn_real_free)(void *);
void *(*hsn_real_realloc)(void *, size_t);
void *(*hsn_real_memalign)(size_t, size_t);
size_t (*hsn_real_usable)(void *);
static void *(*real_calloc)(size_t, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

atomic_int hsn_disabled;
atomic_int hsn_tables_held; /* the dumping thread holds every table lock */

/* ---- bootstrap: a bump allocator for dlsym's own requests ---- */
static _Alignas(64) char boot_buf[64 * 1024];
static atomic_size_t boot_used;
static atomic_int init_state; /* 0 not started, 1 resolving, 2 done */

static int is_boot(const void *p)
{
    return (const char *)p >= boot_buf && (const char *)p < boot_buf + sizeof boot_buf;
}

static void *boot_alloc(size_t n, size_t align)
{
    if (align < 16) align = 16;
    size_t need = ((n + 15) & ~(size_t)15) + align + 16;
    size_t off = atomic_fetch_add(&boot_used, need);
    if (off + need > sizeof boot_buf) return NULL;
    uintptr_t p = ((uintptr_t)boot_buf + off + 16 + align - 1) & ~(uintptr_t)(align - 1);
    ((size_t *)p)[-1] = n;
    memset((void *)p, 0, n);
    return (void *)p;
}

static size_t boot_size(const void *p) { return ((const size_t *)p)[-1]; }

void hsn_init(void)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&init_state, &expected, 1)) {
        while (atomic_load(&init_state) != 2 && !hsn_self.busy) __builtin_ia32_pause();
        return;
    }
    hsn_self.busy++;
    real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
    hsn_real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
    hsn_real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
    hsn_real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    hsn_real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
    hsn_real_usable = (size_t (*)(void *))dlsym(RTLD_NEXT, "malloc_usable_size");
    real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
    real_valloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "valloc");
    real_pvalloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "pvalloc");
    hsn_self.busy--;
    if (!hsn_real_malloc || !hsn_real_free || !real_calloc || !hsn_real_realloc || !hsn_real_memalign) {
        static const char msg[] = "heapsnap-native: cannot find the next malloc (dlsym failed); aborting\n";
        (void)!write(2, msg, sizeof msg - 1);
        abort();
    }
    atomic_store(&init_state, 2);
}

static inline int ready(void)
{
    if (HSN_LIKELY(atomic_load_explicit(&init_state, memory_order_acquire) == 2)) return 1;
    hsn_init();
    return atomic_load(&init_state) == 2;
}

/* ---- tracking ---- */
static atomic_int oom_dumped;

static void on_oom(size_t n, void *frame)
{
    if (!hsn_cfg.on_oom || n == 0 || hsn_self.internal || hsn_self.busy || hsn_disabled) return;
    if (atomic_exchange(&oom_dumped, 1)) return;
    int saved = errno;
    hsn_dump(NULL, HSN_WHY_OOM, (uint64_t)(uintptr_t)frame, NULL, 0);
    errno = saved;
}

static inline int tracking(void)
{
    return !hsn_self.busy && !hsn_self.internal && !atomic_load_explicit(&hsn_disabled, memory_order_relaxed);
}

__attribute__((noinline)) static void track(void *p, size_t n, void *ret, void *frame)
{
    hsn_thread *t = &hsn_self;
    t->busy++;
    if (HSN_UNLIKELY(!t->index)) hsn_thread_init();
    uint32_t site = hsn_cfg.frames ? hsn_site_capture(ret, frame) : 0;
    hsn_table_insert((uint64_t)(uintptr_t)p, n, site, (uint32_t)t->index);
    t->busy--;
}

static inline void untrack(void *p)
{
    if (atomic_load_explicit(&hsn_disabled, memory_order_relaxed)) return;
    if (hsn_self.internal && atomic_load_explicit(&hsn_tables_held, memory_order_relaxed)) return;
    hsn_table_remove((uint64_t)(uintptr_t)p);
}

#define RET __builtin_return_address(0)
#define FRAME __builtin_frame_address(0)

static void *do_malloc(size_t n, void *ret, void *frame)
{
    if (HSN_UNLIKELY(!ready())) return boot_alloc(n, 16);
    if (HSN_UNLIKELY(hsn_self.internal)) return hsn_arena_alloc(n, 16);
    void *p = hsn_real_malloc(n);
    if (HSN_UNLIKELY(!p)) {
        on_oom(n, frame);
        return NULL;
    }
    if (HSN_LIKELY(tracking())) track(p, n, ret, frame);
    return p;
}

HSN_EXPORT void *malloc(size_t n) { return do_malloc(n, RET, FRAME); }

HSN_EXPORT void *calloc(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    if (HSN_UNLIKELY(!real_calloc)) { /* dlsym's calloc while resolving, or before init */
        if (atomic_load(&init_state) != 2 && hsn_self.busy) return boot_alloc(n, 16);
        if (!ready()) return boot_alloc(n, 16);
    }
    if (HSN_UNLIKELY(hsn_self.internal)) {
        void *q = hsn_arena_alloc(n, 16);
        if (q) memset(q, 0, n);
        return q;
    }
    void *p = real_calloc(a, b);
    if (HSN_UNLIKELY(!p)) {
        on_oom(n, FRAME);
        return NULL;
    }
    if (HSN_LIKELY(tracking())) track(p, n, RET, FRAME);
    return p;
}

HSN_EXPORT void free(void *p)
{
    if (!p || HSN_UNLIKELY(is_boot(p))) return;
    if (HSN_UNLIKELY(hsn_arena_owns(p))) {
        hsn_arena_free(p);
        return;
    }
    if (HSN_UNLIKELY(!ready())) return; /* cannot happen: p came from somewhere */
    if (HSN_UNLIKELY(atomic_load_explicit(&hsn_disabled, memory_order_relaxed) ||
                     (hsn_self.internal && atomic_load_explicit(&hsn_tables_held, memory_order_relaxed)))) {
        hsn_real_free(p);
        return;
    }
    hsn_table_free(p, hsn_real_free);
}

static void *do_realloc(void *p, size_t n, void *ret, void *frame)
{
    if (!p) return do_malloc(n, ret, frame);
    if (HSN_UNLIKELY(is_boot(p) || hsn_arena_owns(p))) {
        size_t old = is_boot(p) ? boot_size(p) : hsn_arena_usable(p);
        void *q = do_malloc(n, ret, frame);
        if (!q) return NULL;
        memcpy(q, p, old < n ? old : n);
        free(p);
        return q;
    }
    if (HSN_UNLIKELY(!ready())) return NULL;
    if (HSN_UNLIKELY(hsn_self.internal)) { /* a program block, resized by the dumping thread */
        void *q = hsn_arena_alloc(n, 16);
        if (!q) return NULL;
        size_t old = hsn_real_usable ? hsn_real_usable(p) : 0;
        memcpy(q, p, old < n ? old : n);
        untrack(p);
        hsn_real_free(p);
        return q;
    }
    int track_it = tracking();
    if (track_it) untrack(p);
    void *q = hsn_real_realloc(p, n);
    if (HSN_UNLIKELY(!q)) {
        if (n == 0) return NULL; /* glibc freed p */
        if (track_it) track(p, hsn_real_usable ? hsn_real_usable(p) : 0, ret, frame);
        on_oom(n, frame);
        return NULL;
    }
    if (track_it) track(q, n, ret, frame);
    return q;
}

HSN_EXPORT void *realloc(void *p, size_t n) { return do_realloc(p, n, RET, FRAME); }

HSN_EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n)) {
        errno = ENOMEM;
        return NULL;
    }
    return do_realloc(p, n, RET, FRAME);
}

static void *do_aligned(size_t align, size_t n, int kind, void *ret, void *frame)
{
    if (HSN_UNLIKELY(!ready())) return boot_alloc(n, align);
    if (HSN_UNLIKELY(hsn_self.internal)) return hsn_arena_alloc(kind == 2 || kind == 3 ? (n + 4095) & ~(size_t)4095 : n,
                                                                   kind >= 2 ? 4096 : align);
    void *p = NULL;
    switch (kind) {
    case 0: p = hsn_real_memalign(align, n); break;
    case 1: p = real_aligned_alloc ? real_aligned_alloc(align, n) : hsn_real_memalign(align, n); break;
    case 2: p = real_valloc ? real_valloc(n) : hsn_real_memalign(4096, n); break;
    default: p = real_pvalloc ? real_pvalloc(n) : hsn_real_memalign(4096, (n + 4095) & ~(size_t)4095); break;
    }
    if (HSN_UNLIKELY(!p)) {
        on_oom(n, frame);
        return NULL;
    }
    if (HSN_LIKELY(tracking())) track(p, n, ret, frame);
    return p;
}

HSN_EXPORT void *memalign(size_t align, size_t n) { return do_aligned(align, n, 0, RET, FRAME); }
HSN_EXPORT void *aligned_alloc(size_t align, size_t n) { return do_aligned(align, n, 1, RET, FRAME); }
HSN_EXPORT void *valloc(size_t n) { return do_aligned(4096, n, 2, RET, FRAME); }
HSN_EXPORT void *pvalloc(size_t n) { return do_aligned(4096, n, 3, RET, FRAME); }

HSN_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    if (HSN_UNLIKELY(!ready() || hsn_self.internal || !real_posix_memalign)) {
        void *p = do_aligned(align, n, 0, RET, FRAME);
        if (!p) return ENOMEM;
        *out = p;
        return 0;
    }
    void *p = NULL;
    int rc = real_posix_memalign(&p, align, n);
    if (rc) {
        on_oom(n, FRAME);
        return rc;
    }
    if (HSN_LIKELY(tracking())) track(p, n, RET, FRAME);
    *out = p;
    return 0;
}

HSN_EXPORT size_t malloc_usable_size(void *p)
{
    if (!p) return 0;
    if (is_boot(p)) return boot_size(p);
    if (hsn_arena_owns(p)) return hsn_arena_usable(p);
    if (!ready() || !hsn_real_usable) return 0;
    return hsn_real_usable(p);
}

/* ---- _exit: the exit dump, then the system call itself ---- */
HSN_EXPORT __attribute__((noreturn)) void _exit(int status)
{
    hsn_exit_dump(FRAME);
    for (;;) syscall(SYS_exit_group, status);
}

HSN_EXPORT __attribute__((noreturn)) void _Exit(int status)
{
    hsn_exit_dump(FRAME);
    for (;;) syscall(SYS_exit_group, status);
}
