/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_stop.c — stopping the other threads for a snapshot, as
 * LeakSanitizer does, and reading the memory map.
 *
 * Stop: list /proc/self/task with getdents64, send each other thread the
 * stop signal (tgkill), and wait until each has entered the handler, which
 * copies its registers and stack pointer from the ucontext and its thread
 * pointer (%fs:0), then sleeps on a futex until the snapshot is done. The
 * listing is repeated until it finds no thread not yet signalled. Threads
 * that do not answer within a second (the signal blocked, or stuck in the
 * kernel) are counted as missed: the snapshot is marked partial. The
 * caller holds every table lock, so no stopped thread is inside the table;
 * the dumping thread allocates only from the private arena, so a thread
 * stopped inside glibc's malloc holds nothing it needs.
 *
 * Handler protocol: read the release generation, then check `active`; the
 * dumper clears `active` before bumping the generation, so a handler that
 * arrives late either sees the new generation or the cleared flag, and never
 * waits forever.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_THREADS 8192

static struct {
    atomic_int active, gen, arrived, left, nslot;
    hsn_stopped *slot;
    pid_t *sent;
    int nsent;
    struct sigaction old;
} S;

static void stop_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    int saved = errno;
    int g = atomic_load(&S.gen);
    if (!atomic_load(&S.active) || si->si_code != SI_TKILL || si->si_pid != getpid()) {
        errno = saved;
        return;
    }
    ucontext_t *uc = ucv;
    int i = atomic_fetch_add(&S.nslot, 1);
    if (i < MAX_THREADS) {
        hsn_stopped *s = &S.slot[i];
        const greg_t *gr = uc->uc_mcontext.gregs;
        static const int order[17] = {REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI, REG_RBP, REG_R8, REG_R9,
                                      REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP, REG_RSP};
        for (int k = 0; k < 16; k++) s->regs[k] = (uint64_t)gr[order[k]];
        uint64_t tp;
        __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
        s->regs[16] = 0;
        s->regs[17] = tp;
        s->sp = (uint64_t)gr[REG_RSP];
        s->tid = (pid_t)syscall(SYS_gettid);
        s->ok = 1;
    }
    atomic_fetch_add(&S.arrived, 1);
    hsn_futex_wake(&S.arrived);
    while (atomic_load(&S.gen) == g) hsn_futex_wait(&S.gen, g, 100000000L);
    atomic_fetch_add(&S.left, 1);
    hsn_futex_wake(&S.left);
    errno = saved;
}

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

struct linux_dirent64 {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

/* Signal every thread not yet signalled; returns how many were new. */
static int signal_pass(pid_t self)
{
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    char buf[4096];
    int fresh = 0;
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n <= 0) break;
        for (long off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            off += d->d_reclen;
            if (d->d_name[0] < '0' || d->d_name[0] > '9') continue;
            pid_t tid = 0;
            for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++) tid = tid * 10 + (*c - '0');
            if (tid == self) continue;
            int seen = 0;
            for (int i = 0; i < S.nsent && !seen; i++) seen = S.sent[i] == tid;
            if (seen || S.nsent >= MAX_THREADS) continue;
            S.sent[S.nsent++] = tid; /* a thread that exits in between answers ESRCH: it needs no stop */
            if (syscall(SYS_tgkill, getpid(), tid, hsn_cfg.stop_signal) != 0) S.sent[S.nsent - 1] = -1;
            else fresh++;
        }
    }
    close(fd);
    return fresh;
}

int hsn_stop_world(hsn_stopped **out, int *missed)
{
    *out = NULL;
    *missed = 0;
    if (!S.slot) {
        S.slot = hsn_arena_alloc(MAX_THREADS * sizeof *S.slot, 16);
        S.sent = hsn_arena_alloc(MAX_THREADS * sizeof *S.sent, 16);
        if (!S.slot || !S.sent) return 0;
    }
    memset(S.slot, 0, MAX_THREADS * sizeof *S.slot);
    S.nsent = 0;
    atomic_store(&S.nslot, 0);
    atomic_store(&S.arrived, 0);
    atomic_store(&S.left, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = stop_handler;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(hsn_cfg.stop_signal, &sa, &S.old);
    atomic_store(&S.active, 1);
    pid_t self = (pid_t)syscall(SYS_gettid);
    int expected = 0;
    for (int pass = 0; pass < 16; pass++) {
        int fresh = signal_pass(self);
        expected += fresh;
        /* wait for this pass's threads before listing again: stopped threads create no more */
        long deadline = now_ns() + 1000000000L;
        int a;
        while ((a = atomic_load(&S.arrived)) < expected && now_ns() < deadline)
            hsn_futex_wait(&S.arrived, a, 10000000L);
        if (!fresh) break;
    }
    int arrived = atomic_load(&S.arrived);
    *missed = expected > arrived ? expected - arrived : 0;
    *out = S.slot;
    int n = atomic_load(&S.nslot);
    return n < MAX_THREADS ? n : MAX_THREADS;
}

void hsn_resume_world(void)
{
    int arrived = atomic_load(&S.arrived);
    atomic_store(&S.active, 0);
    atomic_fetch_add(&S.gen, 1);
    hsn_futex_wake(&S.gen);
    long deadline = now_ns() + 1000000000L;
    int l;
    while ((l = atomic_load(&S.left)) < arrived && now_ns() < deadline) hsn_futex_wait(&S.left, l, 10000000L);
    sigaction(hsn_cfg.stop_signal, &S.old, NULL);
}

/* ---- /proc/self/maps ---- */
static uint64_t hex(const char **p)
{
    uint64_t v = 0;
    for (;; (*p)++) {
        char c = **p;
        if (c >= '0' && c <= '9') v = v * 16 + (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v = v * 16 + (uint64_t)(c - 'a' + 10);
        else break;
    }
    return v;
}

int hsn_maps_read(hsn_region **out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t cap = 1 << 16, len = 0;
    char *buf = hsn_arena_alloc(cap, 16);
    for (;;) {
        if (!buf) break;
        if (len + 4096 > cap) {
            char *nb = hsn_arena_alloc(cap * 2, 16);
            if (nb) memcpy(nb, buf, len);
            hsn_arena_free(buf);
            buf = nb;
            cap *= 2;
            if (!buf) break;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r <= 0) break;
        len += (size_t)r;
    }
    close(fd);
    if (!buf) return -1;
    buf[len] = 0;
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += buf[i] == '\n';
    hsn_region *r = hsn_arena_alloc((lines + 1) * sizeof *r, 16);
    if (!r) {
        hsn_arena_free(buf);
        return -1;
    }
    size_t n = 0;
    for (const char *p = buf; *p && n <= lines;) {
        hsn_region *g = &r[n];
        memset(g, 0, sizeof *g);
        g->lo = hex(&p);
        if (*p == '-') p++;
        g->hi = hex(&p);
        if (*p == ' ') p++;
        g->readable = p[0] == 'r';
        g->writable = p[1] == 'w';
        /* perms offset dev inode path */
        for (int field = 0; field < 4 && *p && *p != '\n'; field++) {
            while (*p && *p != ' ' && *p != '\n') p++;
            while (*p == ' ') p++;
        }
        size_t k = 0;
        while (*p && *p != '\n') {
            if (k + 1 < sizeof g->path) g->path[k++] = *p;
            p++;
        }
        g->path[k] = 0;
        if (*p == '\n') p++;
        if (g->hi > g->lo) n++;
    }
    hsn_arena_free(buf);
    *out = r;
    *nout = n;
    return 0;
}

const hsn_region *hsn_maps_find(const hsn_region *r, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].hi <= addr) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && r[lo].lo <= addr && addr < r[lo].hi ? &r[lo] : NULL;
}
