/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_trigger.c — when libheapsnap-preload.so dumps: at exit
 * (atexit, and _exit/_Exit through hsn_malloc.c), on a signal, every N
 * seconds, on growth of the live bytes, on the first allocation failure,
 * and when the program calls heapsnap_native_dump(). Also the environment
 * (HEAPSNAP_NATIVE_*), the output names and fork. See docs/native.md#options.
 *
 * The signal handler only bumps a counter and wakes a futex: the dump
 * itself runs on a background thread of ours, started only when a signal,
 * an interval or a growth threshold is configured. So a signal that lands
 * in the middle of malloc (holding a table lock) never deadlocks: the
 * dumping thread waits for that lock like any other thread would.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include "heapsnap_native.h"
#include "hs_format.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

hsn_config hsn_cfg = {.output = "heapsnap-native.%p.hsnap", .frames = HSN_DEFAULT_FRAMES, .at_exit = 1, .on_oom = 1,
                      .fsync = 1, .symbolize = 1};
pid_t hsn_pid;
pid_t hsn_bg_tid;
static atomic_int dump_seq;   /* numbered dumps so far */
static atomic_int trigger;    /* bumped by the dump signal */
static atomic_int exiting;
static atomic_int exit_dumped;
static int bg_running;

size_t hsn_strlcpy(char *d, const char *s, size_t cap)
{
    size_t n = strlen(s);
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(d, s, k);
        d[k] = 0;
    }
    return n;
}

void hsn_note(const char *a, const char *b, const char *c)
{
    char buf[1600];
    size_t n = hsn_strlcpy(buf, "heapsnap-native: ", sizeof buf);
    n += hsn_strlcpy(buf + n, a, sizeof buf - n);
    if (n < sizeof buf) n += hsn_strlcpy(buf + n, b, sizeof buf - n);
    if (n < sizeof buf) n += hsn_strlcpy(buf + n, "': ", sizeof buf - n);
    if (n < sizeof buf) n += hsn_strlcpy(buf + n, c, sizeof buf - n);
    if (n > sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    (void)!write(2, buf, n);
}

/* The template's %p is the pid, %n the dump number, %% a percent sign. The
 * exit dump of a template without %n takes the name as it is; every other
 * dump inserts ".N" before the extension. */
void hsn_dump_path(char *buf, size_t cap, int why)
{
    const char *t = hsn_cfg.output;
    int has_n = strstr(t, "%n") != NULL, numbered = has_n || why != HSN_WHY_EXIT;
    int seq = numbered ? atomic_fetch_add(&dump_seq, 1) + 1 : 0;
    size_t o = 0;
    for (const char *p = t; *p && o + 24 < cap; p++) {
        if (p[0] == '%' && p[1] == 'p') o += (size_t)snprintf(buf + o, cap - o, "%d", (int)getpid()), p++;
        else if (p[0] == '%' && p[1] == 'n') o += (size_t)snprintf(buf + o, cap - o, "%d", seq), p++;
        else if (p[0] == '%' && p[1] == '%') buf[o++] = '%', p++;
        else buf[o++] = *p;
    }
    buf[o] = 0;
    if (numbered && !has_n) {
        char *dot = strrchr(buf, '.'), *slash = strrchr(buf, '/');
        char ext[64] = "";
        if (dot && (!slash || dot > slash) && strlen(dot) < sizeof ext) {
            hsn_strlcpy(ext, dot, sizeof ext);
            *dot = 0;
        }
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, ".%d%s", seq, ext);
    }
}

static int parse_signal(const char *s)
{
    static const struct { const char *name; int sig; } names[] = {
        {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"HUP", SIGHUP}, {"QUIT", SIGQUIT}, {"PROF", SIGPROF},
        {"URG", SIGURG},   {"WINCH", SIGWINCH}, {"PWR", SIGPWR}};
    if (!s || !*s) return 0;
    if (strncmp(s, "SIG", 3) == 0) s += 3;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) return names[i].sig;
    if (strncmp(s, "RTMIN+", 6) == 0) return SIGRTMIN + atoi(s + 6);
    char *e;
    long v = strtol(s, &e, 10);
    return *e == 0 && v > 0 && v < NSIG ? (int)v : -1;
}

static uint64_t parse_bytes(const char *s)
{
    char *e;
    double v = strtod(s, &e);
    if (v < 0) return 0;
    switch (*e) {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024.0 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
    }
    return (uint64_t)v;
}

static int env_int(const char *name, int def)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : def;
}

static void read_config(void)
{
    const char *v;
    if ((v = getenv("HEAPSNAP_NATIVE_OUTPUT")) && *v) hsn_strlcpy(hsn_cfg.output, v, sizeof hsn_cfg.output);
    hsn_cfg.frames = env_int("HEAPSNAP_NATIVE_FRAMES", HSN_DEFAULT_FRAMES);
    if (hsn_cfg.frames < 0) hsn_cfg.frames = 0;
    if (hsn_cfg.frames > HSN_MAX_FRAMES) hsn_cfg.frames = HSN_MAX_FRAMES;
    hsn_cfg.at_exit = env_int("HEAPSNAP_NATIVE_AT_EXIT", 1);
    hsn_cfg.on_oom = env_int("HEAPSNAP_NATIVE_OOM", 1);
    hsn_cfg.follow_fork = env_int("HEAPSNAP_NATIVE_FOLLOW_FORK", 0);
    hsn_cfg.fsync = env_int("HEAPSNAP_NATIVE_FSYNC", 1);
    hsn_cfg.thread_values = env_int("HEAPSNAP_NATIVE_THREADS", 0);
    hsn_cfg.symbolize = env_int("HEAPSNAP_NATIVE_SYMBOLIZE", 1);
    hsn_cfg.quiet = env_int("HEAPSNAP_NATIVE_QUIET", 0);
    if ((v = getenv("HEAPSNAP_NATIVE_WRAPPERS"))) hsn_strlcpy(hsn_cfg.wrappers, v, sizeof hsn_cfg.wrappers);
    if ((v = getenv("HEAPSNAP_NATIVE_INTERVAL")) && *v) hsn_cfg.interval = strtod(v, NULL);
    if ((v = getenv("HEAPSNAP_NATIVE_GROWTH")) && *v) hsn_cfg.growth = parse_bytes(v);
    hsn_cfg.dump_signal = parse_signal(getenv("HEAPSNAP_NATIVE_SIGNAL"));
    if (hsn_cfg.dump_signal < 0) {
        hsn_note("bad HEAPSNAP_NATIVE_SIGNAL '", getenv("HEAPSNAP_NATIVE_SIGNAL"), "no dump signal");
        hsn_cfg.dump_signal = 0;
    }
    hsn_cfg.stop_signal = parse_signal(getenv("HEAPSNAP_NATIVE_STOP_SIGNAL"));
    if (hsn_cfg.stop_signal <= 0) hsn_cfg.stop_signal = SIGRTMIN + 7;
}

/* ---- the background thread ---- */
static void on_dump_signal(int sig)
{
    (void)sig;
    atomic_fetch_add(&trigger, 1);
    hsn_futex_wake(&trigger);
}

static void *bg_main(void *arg)
{
    (void)arg;
    hsn_bg_tid = (pid_t)syscall(SYS_gettid);
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, hsn_cfg.stop_signal);
    pthread_sigmask(SIG_UNBLOCK, &stop, NULL); /* it is stopped like every thread during an exit dump */
    int seen = atomic_load(&trigger);
    long tick = hsn_cfg.growth ? 100000000L : 0;
    long interval_ns = (long)(hsn_cfg.interval * 1e9);
    if (interval_ns > 0 && (!tick || interval_ns < tick)) tick = interval_ns;
    long waited = 0;
    uint64_t last_bytes = hsn_table_bytes();
    while (!atomic_load(&exiting)) {
        hsn_futex_wait(&trigger, seen, tick);
        waited += tick;
        if (atomic_load(&exiting) || atomic_load(&hsn_disabled)) break;
        int now = atomic_load(&trigger);
        int why = -1;
        if (now != seen) {
            seen = now;
            why = HSN_WHY_SIGNAL;
        } else if (interval_ns > 0 && waited >= interval_ns) {
            why = HSN_WHY_INTERVAL;
        } else if (hsn_cfg.growth && hsn_table_bytes() >= last_bytes + hsn_cfg.growth) {
            why = HSN_WHY_GROWTH;
        }
        if (why < 0) continue;
        waited = 0;
        hsn_dump(NULL, why, 0, NULL, 0);
        last_bytes = hsn_table_bytes();
    }
    return NULL;
}

static void start_bg(void)
{
    if (!hsn_cfg.dump_signal && hsn_cfg.interval <= 0 && !hsn_cfg.growth) return;
    if (hsn_cfg.dump_signal) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_dump_signal;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(hsn_cfg.dump_signal, &sa, NULL);
    }
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    hsn_self.busy++; /* the thread's own allocations are ours, not the program's */
    bg_running = pthread_create(&t, &a, bg_main, NULL) == 0;
    hsn_self.busy--;
    pthread_attr_destroy(&a);
}

/* ---- exit ---- */
static inline void callee_saved(uint64_t r[6])
{
    __asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t"
                     "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"
                     :
                     : "r"(r)
                     : "memory");
}

__attribute__((noinline)) void hsn_exit_dump(void *frame)
{
    if (!hsn_cfg.at_exit || atomic_load(&hsn_disabled) || getpid() != hsn_pid) return;
    if (atomic_exchange(&exit_dumped, 1)) return;
    atomic_store(&exiting, 1);
    uint64_t r[6];
    callee_saved(r);
    hsn_dump(NULL, HSN_WHY_EXIT, (uint64_t)(uintptr_t)frame, r, 6);
}

static void at_exit(void) { hsn_exit_dump(__builtin_frame_address(0)); }

/* ---- fork ---- */
static void fork_prepare(void)
{
    hsn_self.busy++;
    hsn_sites_lock();
    hsn_table_lock_all();
    hsn_arena_lock();
}

static void fork_parent(void)
{
    hsn_arena_unlock();
    hsn_table_unlock_all();
    hsn_sites_unlock();
    hsn_self.busy--;
}

static void fork_child(void)
{
    hsn_arena_reset_lock();
    hsn_table_reset_locks();
    hsn_sites_reset_lock();
    hsn_self.busy--;
    if (!hsn_cfg.follow_fork) {
        atomic_store(&hsn_disabled, 1);
        return;
    }
    hsn_pid = getpid();
    atomic_store(&exit_dumped, 0);
    atomic_store(&exiting, 0);
    hsn_bg_tid = 0;
    if (bg_running) start_bg();
}

__attribute__((constructor(101))) static void hsn_ctor(void)
{
    hsn_init();
    hsn_pid = getpid();
    read_config();
    if (!hsn_self.index) hsn_thread_init();
    hsn_text_refresh();
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    atexit(at_exit);
    start_bg();
}

/* ---- the public call (heapsnap_native.h) ---- */
HSN_EXPORT int heapsnap_native_dump(const char *path)
{
    if (atomic_load(&hsn_disabled)) return HS_ERR_STATE;
    uint64_t r[6];
    callee_saved(r);
    return hsn_dump(path, HSN_WHY_API, (uint64_t)(uintptr_t)__builtin_frame_address(0), r, 6);
}

HSN_EXPORT int heapsnap_native_type(const void *block, const char *name)
{
    if (atomic_load(&hsn_disabled)) return HS_ERR_STATE;
    if (!block || !name || !*name) return HS_ERR_ARG;
    hsn_self.busy++;
    int rc = hsn_table_set_name((uint64_t)(uintptr_t)block, name);
    hsn_self.busy--;
    return rc == 0 ? HS_OK : HS_ERR_ARG;
}
