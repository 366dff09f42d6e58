/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_index.c — `heapsnap index`: build the index beside a
 * dump now (load_graph_indexed with LOAD_INDEX_ALWAYS), say that a valid
 * one is there (--check), or build it again (--rebuild). Every command that
 * computes the dominator tree writes it anyway for dumps of 100,000 blocks
 * or more. See docs/cli.md#index.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <string.h>
#include <time.h>

typedef struct index_options {
    bool check, rebuild;
} index_options;

static const index_options index_defaults = {0};

static const cli_opt index_opts[] = {
    {"check", 0, CLI_BOOL, CLI_FIELD(index_options, check), NULL,
     "only say whether a valid index is there (exit 1 and why when not)"},
    {"rebuild", 0, CLI_BOOL, CLI_FIELD(index_options, rebuild), NULL, "build it again even when it is valid"},
};

static const cli_cmd index_cmd = {
    "index", "heapsnap index [--check] [--rebuild] FILE",
    "Build the index of a dump (FILE.hsidx, else under $XDG_CACHE_HOME/heapsnap/), so that later commands\n"
    "answer without reading FILE again.",
    index_opts, sizeof index_opts / sizeof index_opts[0], 1, 1, &index_defaults, sizeof index_defaults,
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cmd_index(int argc, char **argv)
{
    char *args[1];
    int nargs;
    index_options o;
    int rc = cli_parse(&index_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if (strcmp(path, "-") == 0) {
        cli_error("'-': standard input has no index (index a file)");
        return HS_EXIT_USAGE;
    }
    const unsigned all = LOAD_INDEX_WRITE | LOAD_INDEX_ALWAYS | LOAD_INDEX_NAMED | LOAD_INDEX_CYCLES |
                          LOAD_INDEX_PATHS | LOAD_INDEX_TYPES | LOAD_INDEX_REFERRERS;
    unsigned flags = o.check ? LOAD_INDEX_READ | LOAD_INDEX_ONLY
                             : o.rebuild ? all | LOAD_INDEX_REBUILD : all | LOAD_INDEX_READ;
    graph g;
    graph_load_error err;
    load_index_info info;
    double t0 = now();
    graph_status st = load_graph_indexed(path, &g, flags, cli_progress(), &info, &err);
    if (st) {
        fprintf(stderr, "heapsnap: '");
        out_text_safe(stderr, path, strlen(path));
        fprintf(stderr, "': %s\n", err.message);
        return HS_EXIT_BAD_INPUT;
    }
    char b[32];
    rc = HS_EXIT_OK;
    if (info.used && !info.written) {
        printf("index of %s is up to date: %s (%s)\n", path, info.path, fmt_bytes(g.backing_len, b));
    } else if (info.written) {
        printf("wrote the index of %s: %s (%s, %u blocks, %u references) in %.2f s\n", path, info.path,
               fmt_bytes(info.bytes, b), g.n, g.nedges, now() - t0);
    } else {
        rc = cli_error("'%s': %s", path, info.why[0] ? info.why : "no index written");
    }
    graph_release(&g);
    return rc;
}
