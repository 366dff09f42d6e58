/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/main.c — the heapsnap command: a table of {name, function,
 * summary} rows (git's commands[]), dispatch, top-level --help and
 * --version. Each subcommand lives in analyze/cmd_<name>.c and returns the
 * exit status: 0 success, 1 bad input, 2 usage error. See docs/cli.md.
 * Also the two process-wide rules: SIGXFSZ is ignored, so a file past
 * `ulimit -f` is an EFBIG write error that the command reports (and whose
 * temporary file it removes) instead of a kill; and standard output is
 * checked at exit, so a full disk or /dev/full is exit 1 with one line.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"info", cmd_info, "header fields, record counts, total bytes and integrity of a snapshot"},
    {"summary", cmd_summary, "per type: count, shallow and retained bytes, largest first"},
    {"top", cmd_top, "where the memory accumulates: the holders of the most, grouped and named as the program names them"},
    {"index", cmd_index, "build the index beside a dump, so later commands answer at once (docs/cli.md#index)"},
    {"export", cmd_export, "the analysed snapshot as SQLite tables, for SQL questions (docs/query.md)"},
    {"suspects", cmd_suspects, "the leak suspects in words (MAT-style), with --base OLD how each grew"},
    {"dominators", cmd_dominators, "the dominator tree: who keeps what alive, as an indented tree"},
    {"cycles", cmd_cycles, "reference cycles (strongly connected components), largest first"},
    {"path", cmd_path, "the shortest chains of strong references from a root to a block"},
    {"show", cmd_show, "one block: type, sizes, flags, referents, referrers and dominator"},
    {"diff", cmd_diff, "what grew between two snapshots, and who holds it"},
    {"leaks", cmd_leaks, "objects allocated between S1 and S2 still alive in S3; or one file's leak kinds"},
    {"trend", cmd_trend, "owners that grow in every or nearly every step of a series of snapshots"},
    {"report", cmd_report, "one self-contained HTML page: suspects, dominator tree, picture, types, cycles"},
    {"import", cmd_import, "convert a V8 heap snapshot (.heapsnapshot) into an .hsnap file"},
    {"graph", cmd_graph, "a Graphviz graph (dot or svg) of the references around one block"},
    {"native", cmd_native, "run a C/C++ program with the malloc interposer: a native heap snapshot"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: heapsnap <command> [options] FILE...\n\n"
                 "Analyze .hsnap heap snapshots: who holds the memory, and what grew.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'heapsnap <command> --help' describes a command and its options.\n"
                 "Exit status: 0 success, 1 bad input, 2 usage error.\n");
}

static int dispatch(int argc, char **argv);

/* Flush and close standard output; a failure turns success into exit 1
 * with one line (git's run_builtin check). The reason is known only when
 * the failing write is this last flush: stdio does not keep the errno of
 * an earlier one. */
static int check_stdout(int rc)
{
    errno = 0;
    int failed = fflush(stdout) != 0;
    int e = failed ? errno : 0;
    failed |= ferror(stdout) != 0;
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        e = errno;
    }
    if (!failed) return rc;
    if (rc == HS_EXIT_OK) {
        if (e) fprintf(stderr, "heapsnap: write error on standard output: %s\n", strerror(e));
        else fprintf(stderr, "heapsnap: write error on standard output\n");
        rc = HS_EXIT_BAD_INPUT;
    }
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGXFSZ, SIG_IGN);
    return check_stdout(dispatch(argc, argv));
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return HS_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *help_argv[] = {argv[2], "--help", NULL};
                    return commands[i].fn(2, help_argv);
                }
            fprintf(stderr, "heapsnap: unknown command '%s'\n", argv[2]);
            return HS_EXIT_USAGE;
        }
        usage(stdout);
        return HS_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("heapsnap %s (format %d.%d)\n", HS_LIB_VERSION_STRING, HS_FORMAT_VERSION_MAJOR,
               HS_FORMAT_VERSION_MINOR);
        return HS_EXIT_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "heapsnap: unknown command '%s'\n", name);
    usage(stderr);
    return HS_EXIT_USAGE;
}
