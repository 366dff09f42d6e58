/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cli_load.c — what every subcommand does around the libraries:
 * one-line diagnostics on stderr ("heapsnap: 'file': what at where"), the
 * progress line on a terminal, loading a snapshot into a graph (with its
 * dominator tree when asked) and finding the block a command is asked about.
 * See docs/cli.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_error(const char *fmt, ...)
{
    /* the message carries paths and names from the command line or a dump:
     * formatted first, then written with control characters escaped, so
     * that it stays one line and cannot drive the terminal */
    char buf[1024], *msg = buf;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (len >= (int)sizeof buf && (msg = malloc((size_t)len + 1))) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)len + 1, fmt, ap);
        va_end(ap);
    } else if (len >= (int)sizeof buf) {
        msg = buf, len = (int)sizeof buf - 1; /* cut, when there is no memory for all of it */
    }
    fputs("heapsnap: ", stderr);
    if (len > 0) out_text_safe(stderr, msg, (size_t)len);
    fputc('\n', stderr);
    if (msg != buf) free(msg);
    return HS_EXIT_BAD_INPUT;
}

int cli_reader_error(const char *path, const hs_reader *r, hs_status st)
{
    const char *msg = r ? hs_reader_error(r)->message : "";
    fprintf(stderr, "heapsnap: '");
    out_text_safe(stderr, path, strlen(path));
    fprintf(stderr, "': %s\n", *msg ? msg : hs_strerror(st));
    return HS_EXIT_BAD_INPUT;
}

/* ---- progress: a line on stderr, only on a terminal, only after a second ---- */
typedef struct progress_state {
    double start;
    const char *phase;
    bool shown;
} progress_state;

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress_fn(void *ud, const char *phase, uint64_t done, uint64_t total)
{
    progress_state *ps = ud;
    if (!phase) {
        if (ps->shown) fputs("\r\033[K", stderr);
        ps->shown = false;
        ps->phase = NULL;
        return;
    }
    if (phase != ps->phase) {
        ps->phase = phase;
        ps->start = mono_now();
    }
    if (mono_now() - ps->start < 1.0) return;
    char b[32];
    if (total) fprintf(stderr, "\r\033[Kheapsnap: %s %.0f%%", phase, 100.0 * (double)done / (double)total);
    else fprintf(stderr, "\r\033[Kheapsnap: %s %s", phase, fmt_bytes(done, b));
    ps->shown = true;
}

static progress_state g_progress;
static const graph_progress tty_progress = {progress_fn, &g_progress};

const graph_progress *cli_progress(void) { return isatty(2) ? &tty_progress : NULL; }

/* ---- "-": standard input ---- */
/* The readers open a file more than once (the format check, then the
 * load; a second pass for sites) and seek, so a pipe is copied first into
 * an unnamed temporary file: mkstemp() in $TMPDIR (else /tmp), mode 0600,
 * unlinked at once — nothing is left behind, even on a crash — and opened
 * again as /proc/self/fd/N. Unbounded: the copy takes as much disk as the
 * input (docs/cli.md). Standard input that is already a regular file is
 * opened as it is, from its start. */
const char *cli_open_path(const char *path)
{
    static char opened[64];
    if (strcmp(path, "-") != 0) return path;
    if (opened[0]) return opened;
    struct stat st;
    if (fstat(0, &st) != 0) {
        cli_error("'-': standard input: %s", strerror(errno));
        return NULL;
    }
    if (S_ISREG(st.st_mode)) {
        snprintf(opened, sizeof opened, "/proc/self/fd/0");
        return opened;
    }
    if (isatty(0)) {
        cli_error("'-': standard input is a terminal (pipe a snapshot into it)");
        return NULL;
    }
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char tmpl[4096];
    if ((size_t)snprintf(tmpl, sizeof tmpl, "%s/heapsnap-stdin-XXXXXX", dir) >= sizeof tmpl) {
        cli_error("'-': TMPDIR is too long");
        return NULL;
    }
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        cli_error("'-': cannot make a temporary file in '%s' to hold standard input: %s", dir, strerror(errno));
        return NULL;
    }
    unlink(tmpl);
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    static char buf[1 << 16];
    for (;;) {
        ssize_t n = read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            cli_error("'-': reading standard input: %s", strerror(errno));
            close(fd);
            return NULL;
        }
        if (n == 0) break;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(fd, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                cli_error("'-': copying standard input into '%s': %s", dir, strerror(errno));
                close(fd);
                return NULL;
            }
            done += w;
        }
    }
    snprintf(opened, sizeof opened, "/proc/self/fd/%d", fd);
    return opened;
}

static const char *stdin_copy; /* what cli_open_path("-") returned */

int cli_map_stdin(char **args, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(args[i], "-") != 0) continue;
        const char *p = cli_open_path("-");
        if (!p) return HS_EXIT_BAD_INPUT;
        stdin_copy = p;
        args[i] = (char *)p;
    }
    return 0;
}

const char *cli_shown(const char *path) { return stdin_copy && path && strcmp(path, stdin_copy) == 0 ? "-" : path; }

int cli_graph_load(const char *path, graph *g, unsigned need, bool index)
{
    const bool dominators = (need & CLI_NEED_DOMINATORS) != 0;
    graph_load_error err;
    const char *open_path = cli_open_path(path);
    if (!open_path) return HS_EXIT_BAD_INPUT;
    graph_status st;
    if (index && strcmp(path, "-") != 0) {
        load_index_info info;
        st = load_graph_indexed(open_path, g, LOAD_INDEX_READ | (dominators ? LOAD_INDEX_WRITE : 0) |
                                                     ((need & CLI_NEED_NAMES) ? LOAD_INDEX_NAMED : 0) |
                                                     ((need & CLI_NEED_CYCLES) ? LOAD_INDEX_CYCLES : 0) |
                                                     ((need & CLI_NEED_PATHS) ? LOAD_INDEX_PATHS : 0) |
                                                     ((need & CLI_NEED_TREE) ? LOAD_INDEX_TREE : 0) |
                                                     ((need & CLI_NEED_TYPES) ? LOAD_INDEX_TYPES : 0) |
                                                     ((need & CLI_NEED_REFERRERS) ? LOAD_INDEX_REFERRERS : 0),
                                cli_progress(),
                                &info, &err);
    } else {
        st = graph_load_file(open_path, g, cli_progress(), &err);
    }
    if (st) {
        progress_fn(&g_progress, NULL, 0, 0);
        fprintf(stderr, "heapsnap: '");
        out_text_safe(stderr, path, strlen(path));
        fprintf(stderr, "': %s\n", err.message);
        return HS_EXIT_BAD_INPUT;
    }
    if (!dominators && g->idom) { /* from an index: kept aside, so the output is what it is without one */
        g->cache.idom = g->idom, g->cache.ret = g->ret, g->cache.reach = g->reach;
        g->idom = NULL, g->reach = NULL;
        memset(&g->ret, 0, sizeof g->ret);
    }
    if (dominators && graph_dominators(g, cli_progress())) {
        progress_fn(&g_progress, NULL, 0, 0);
        graph_release(g);
        return cli_error("'%s': out of memory computing dominators", path);
    }
    return HS_EXIT_OK;
}

int cli_parse_addr(const char *s, uint64_t *out)
{
    char *end;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
    if (!*s || *s == '-' || *s == '+' || *s == ' ') return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (*end) return -1;
    if (errno == ERANGE) return -2; /* strtoull clamps; an address has 64 bits */
    *out = v;
    return 0;
}

/* The usage error of an ADDR argument that is not one; `usage` may be NULL. */
static int addr_error(const char *cmd, const char *usage, const char *arg, int why)
{
    fprintf(stderr, "heapsnap %s: '", cmd);
    out_text_safe(stderr, arg, strlen(arg));
    fprintf(stderr, "' is not an address (%s)\n", why == -2 ? "more than 64 bits" : "hex 0x... or decimal");
    if (usage) fprintf(stderr, "usage: %s\n", usage);
    return HS_EXIT_USAGE;
}

int cli_check_addr(const cli_cmd *cmd, const char *arg)
{
    uint64_t a;
    int why = cli_parse_addr(arg, &a);
    return why ? addr_error(cmd->name, cmd->usage, arg, why) : 0;
}

int cli_find_block(const char *path, graph *g, const char *addr_arg, const char *cmd, uint32_t *v)
{
    uint64_t a;
    int why = cli_parse_addr(addr_arg, &a);
    if (why) return addr_error(cmd, NULL, addr_arg, why);
    *v = graph_find(g, a);
    if (*v == GRAPH_NONE) return cli_error("'%s': no block at address 0x%llx", path, (unsigned long long)a);
    return HS_EXIT_OK;
}

int cli_diff_fail(const diff_snap *s)
{
    const char *shown = cli_shown(s->path);
    fputs("heapsnap: '", stderr);
    out_text_safe(stderr, shown, strlen(shown));
    fputs("': ", stderr);
    out_text_safe(stderr, s->message, strlen(s->message));
    fputc('\n', stderr);
    return HS_EXIT_BAD_INPUT;
}

int cli_diff_build2(diff_snap *a, const char *pa, int sa, unsigned wa, diff_snap *b, const char *pb, int sb,
                    unsigned wb, diff_group_by by)
{
    const diff_snap *bad = diff_build2(a, pa, sa, wa, b, pb, sb, wb, by);
    int rc = bad ? cli_diff_fail(bad) : 0;
    a->path = cli_shown(a->path); /* names in the output: "-" for standard input */
    b->path = cli_shown(b->path);
    return rc;
}
