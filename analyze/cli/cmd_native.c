/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_native.c — `heapsnap native [options] -o FILE -- PROGRAM
 * ARGS...`: run a C/C++ program under libheapsnap-preload.so. Sets
 * LD_PRELOAD (kept in front of any the caller set) and the HEAPSNAP_NATIVE_*
 * variables the options stand for, then executes PROGRAM in place of
 * heapsnap, so its exit status is the program's (127 when it cannot be
 * found, 126 when it cannot be run). The library is found by
 * --preload, $HEAPSNAP_PRELOAD, or beside the heapsnap binary (../lib/ as
 * in the build tree and an install). See docs/cli.md#native and
 * docs/native.md.
 */
#define _GNU_SOURCE
#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct native_options {
    const char *output, *preload, *signal, *interval, *growth, *wrappers;
    uint64_t frames;
    bool follow_fork, no_exit, threads;
} native_options;

static const native_options native_defaults = {.frames = 16};

static const cli_opt native_opts[] = {
    {"output", 'o', CLI_STRING, CLI_FIELD(native_options, output), "FILE",
     "the snapshot at exit (%p: pid, %n: dump number); numbered dumps insert .N before the extension"},
    {"signal", 0, CLI_STRING, CLI_FIELD(native_options, signal), "SIG", "also dump on this signal (USR2, 12, ...)"},
    {"interval", 0, CLI_STRING, CLI_FIELD(native_options, interval), "SEC", "also dump every SEC seconds"},
    {"growth", 0, CLI_STRING, CLI_FIELD(native_options, growth), "BYTES",
     "also dump when live bytes grew by BYTES (64k, 10M) since the last dump"},
    {"frames", 0, CLI_UINT, CLI_FIELD(native_options, frames), "N", "frames per allocation site, 0-64 (default %D)"},
    {"wrappers", 0, CLI_STRING, CLI_FIELD(native_options, wrappers), "LIST",
     "more malloc wrappers that do not name a type (comma separated, prefix*)"},
    {"follow-fork", 0, CLI_BOOL, CLI_FIELD(native_options, follow_fork), NULL,
     "trace fork children too (each writes its own file: use %p)"},
    {"threads", 0, CLI_BOOL, CLI_FIELD(native_options, threads), NULL, "record each block's thread as a value"},
    {"no-exit-dump", 0, CLI_BOOL, CLI_FIELD(native_options, no_exit), NULL,
     "no snapshot at exit (with --signal, --interval or --growth)"},
    {"preload", 0, CLI_STRING, CLI_FIELD(native_options, preload), "PATH",
     "libheapsnap-preload.so to use (default: $HEAPSNAP_PRELOAD, or ../lib/ beside heapsnap)"},
};

static const cli_cmd native_cmd = {
    "native", "heapsnap native [options] -o FILE -- PROGRAM [ARGS...]",
    "Run a C/C++ program with libheapsnap-preload.so: a native heap snapshot at exit (and on a signal,\n"
    "every N seconds or on growth); read it with summary, top, leaks, diff. See docs/native.md.",
    native_opts, sizeof native_opts / sizeof native_opts[0], 0, 0, &native_defaults, sizeof native_defaults,
};

/* The preload library beside this binary: <dir>/../lib/ or <dir>/. */
static int find_preload(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return -1;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return -1;
    *slash = 0;
    static const char *const rel[] = {"/../lib/libheapsnap-preload.so", "/../lib/x86_64-linux-gnu/libheapsnap-preload.so",
                                      "/libheapsnap-preload.so"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char cand[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
        char *real = realpath(cand, NULL);
        if (real && access(real, R_OK) == 0 && strlen(real) < cap) {
            strcpy(out, real);
            free(real);
            return 0;
        }
        free(real);
    }
    return -1;
}

static int set(const char *name, const char *value)
{
    if (value && setenv(name, value, 1) != 0) return cli_error("cannot set %s: %s", name, strerror(errno));
    return 0;
}

int cmd_native(int argc, char **argv)
{
    int dd = argc;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            dd = i;
            break;
        }
    native_options o;
    char *args[1];
    int nargs;
    int rc = cli_parse(&native_cmd, dd, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (dd >= argc - 1) {
        fprintf(stderr, "heapsnap native: no program given (put it after '--')\nusage: %s\n", native_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if (!o.output) {
        fprintf(stderr, "heapsnap native: no output file (-o FILE)\nusage: %s\n", native_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if (o.frames > 64) {
        fprintf(stderr, "heapsnap native: --frames takes 0 to 64, not %llu\nusage: %s\n",
                (unsigned long long)o.frames, native_cmd.usage);
        return HS_EXIT_USAGE;
    }
    char lib[PATH_MAX];
    const char *preload = o.preload ? o.preload : getenv("HEAPSNAP_PRELOAD");
    if (preload) {
        if (access(preload, R_OK) != 0) return cli_error("'%s': %s", preload, strerror(errno));
    } else {
        if (find_preload(lib, sizeof lib) != 0)
            return cli_error("libheapsnap-preload.so not found beside heapsnap (give --preload PATH)");
        preload = lib;
    }
    const char *old = getenv("LD_PRELOAD");
    size_t need = strlen(preload) + (old ? strlen(old) + 2 : 1);
    char *pl = malloc(need);
    if (!pl) return cli_error("out of memory");
    snprintf(pl, need, "%s%s%s", preload, old && *old ? ":" : "", old ? old : "");
    char frames[24];
    snprintf(frames, sizeof frames, "%llu", (unsigned long long)o.frames);
    if ((rc = set("LD_PRELOAD", pl)) || (rc = set("HEAPSNAP_NATIVE_OUTPUT", o.output)) ||
        (rc = set("HEAPSNAP_NATIVE_FRAMES", frames)) || (rc = set("HEAPSNAP_NATIVE_SIGNAL", o.signal)) ||
        (rc = set("HEAPSNAP_NATIVE_INTERVAL", o.interval)) || (rc = set("HEAPSNAP_NATIVE_GROWTH", o.growth)) ||
        (rc = set("HEAPSNAP_NATIVE_WRAPPERS", o.wrappers)) ||
        (rc = set("HEAPSNAP_NATIVE_FOLLOW_FORK", o.follow_fork ? "1" : NULL)) ||
        (rc = set("HEAPSNAP_NATIVE_THREADS", o.threads ? "1" : NULL)) ||
        (rc = set("HEAPSNAP_NATIVE_AT_EXIT", o.no_exit ? "0" : NULL))) {
        free(pl);
        return rc;
    }
    free(pl);
    execvp(argv[dd + 1], argv + dd + 1);
    int e = errno; /* as a shell would: 127 not found, 126 not runnable */
    cli_error("cannot run '%s': %s", argv[dd + 1], strerror(e));
    return e == ENOENT ? 127 : 126;
}
