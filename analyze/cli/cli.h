/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cli.h — what the heapsnap subcommands share: the command entry
 * points (one file each, cmd_<name>.c, listed in main.c), exit statuses, the
 * option table that parses arguments and prints --help (git's
 * parse-options), diagnostics on stderr, and output helpers (humanized
 * sizes, JSON strings, terminal-safe text). See docs/cli.md.
 */
#ifndef HS_CLI_H
#define HS_CLI_H

#include "diff/diff.h"
#include "graph/graph.h"
#include "load/load.h"
#include "out/out.h"
#include "hs_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { HS_EXIT_OK = 0, HS_EXIT_BAD_INPUT = 1, HS_EXIT_USAGE = 2 };

int cmd_info(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_suspects(int argc, char **argv); /* cmd_suspects.c */
int cmd_export(int argc, char **argv);   /* cmd_export.c: SQLite tables */
int cmd_dominators(int argc, char **argv);
int cmd_cycles(int argc, char **argv);
int cmd_path(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_diff(int argc, char **argv);  /* cmd_diff.c */
int cmd_leaks(int argc, char **argv); /* cmd_leaks.c */
int cmd_trend(int argc, char **argv); /* cmd_trend.c */
int cmd_report(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_import(int argc, char **argv); /* cmd_import.c: V8 .heapsnapshot → .hsnap */
int cmd_native(int argc, char **argv); /* cmd_native.c: run a program under libheapsnap-preload.so */


/* ---- options ---- */
/* Each command keeps its option values in one struct of its own, whose
 * defaults are written once, in a const instance the cli_cmd points to:
 * cli_parse() copies them, then applies argv; --help prints them where an
 * option's help says "%D". */
typedef enum { CLI_BOOL, CLI_UINT, CLI_STRING } cli_opt_type;

typedef struct cli_opt {
    const char *long_name; /* without "--" */
    char short_name;       /* 0 for none */
    cli_opt_type type;     /* the field is bool, uint64_t or const char * */
    size_t offset;         /* of the field in the command's options struct */
    const char *arg_name;  /* for --help, e.g. "N" */
    const char *help;      /* "%D" stands for the default */
} cli_opt;
#define CLI_FIELD(type, field) offsetof(type, field)

typedef struct cli_cmd {
    const char *name;    /* "summary" */
    const char *usage;   /* "heapsnap summary [options] FILE" */
    const char *summary; /* one line */
    const cli_opt *opts;
    int nopts;
    int min_args, max_args; /* positional arguments */
    const void *defaults;   /* the options struct with its defaults */
    size_t opts_size;       /* sizeof that struct */
} cli_cmd;

/* Fill *opts (cmd->opts_size bytes) with the defaults, then parse argv
 * (argv[0] is the command name). Positional arguments are gathered into
 * args (at most max_args). Returns -1 when the caller should return
 * HS_EXIT_OK (--help printed), HS_EXIT_USAGE on a usage error (message and
 * usage printed to stderr), or 0 to go on. */
int cli_parse(const cli_cmd *cmd, int argc, char **argv, void *opts /* OUT */, char **args, int *nargs);
void cli_print_help(const cli_cmd *cmd, FILE *out);
/* The same as a man page (roff), which the build installs as heapsnap-<name>(1). */
void cli_print_man(const cli_cmd *cmd, FILE *out);
/* The running command's line in `heapsnap --help` (main.c sets it): the man page's NAME. */
extern const char *cli_summary_line;

/* ---- diagnostics ---- */
int cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* "heapsnap: 'path': <message>" for a reader failure; returns HS_EXIT_BAD_INPUT. */
int cli_reader_error(const char *path, const hs_reader *r, hs_status st);

/* ---- loading (cli_load.c) ---- */
/* One line "heapsnap: 'file': message" for a failed comparison summary;
 * returns HS_EXIT_BAD_INPUT. */
int cli_diff_fail(const diff_snap *s);
/* diff_build2() with the failure printed: 0 or HS_EXIT_BAD_INPUT. */
int cli_diff_build2(diff_snap *a, const char *pa, int sa, unsigned wa, diff_snap *b, const char *pb, int sb,
                    unsigned wb, diff_group_by by);
/* Progress reporting for graph phases: non-NULL only when stderr is a terminal. */
const graph_progress *cli_progress(void);
/* The path to open for a FILE argument: `path` itself, or for "-" standard
 * input, copied once into an unlinked temporary file when it is not a
 * regular file (the readers reopen and seek). NULL, the error printed,
 * when that fails. cli_graph_load() calls it; messages keep naming "-". */
const char *cli_open_path(const char *path);
/* For the commands of several files: every "-" among args[0..n) replaced by cli_open_path("-")
 * (the same copy each time); 0, or HS_EXIT_BAD_INPUT with the error printed. */
int cli_map_stdin(char **args, int n);
/* How a path is shown: "-" for standard input's copy, else the path itself. */
const char *cli_shown(const char *path);
/* Load `path` (and its dominator tree: need & CLI_NEED_DOMINATORS); "-" is standard input; on failure print the one-line error
 * and return HS_EXIT_BAD_INPUT. With `index`, a valid index beside the dump is read instead of the
 * dump, and a command that computes the dominator tree writes one when there is none
 * (load_graph_indexed, docs/cli.md#index); "-" never has one. */
#define CLI_NEED_DOMINATORS 1u /* (true) the dominator tree */
#define CLI_NEED_NAMES 2u      /* and the named search (top, suspects, report): the index keeps it */
#define CLI_NEED_CYCLES 4u     /* and the cycle list (cycles, report): the index keeps it and the named search */
#define CLI_NEED_PATHS 8u      /* the root search (graph_bfs): the index keeps it */
#define CLI_NEED_TREE 16u      /* the dominator tree's children lists (graph_dom_children): the index keeps them */
#define CLI_NEED_TYPES 32u     /* per-type retained bytes (graph_type_retained): the index keeps them */
#define CLI_NEED_REFERRERS 64u /* the referrers (graph_referrers): an index keeps them (the command scans without one) */
int cli_graph_load(const char *path, graph *g, unsigned need, bool index);
/* The help of every command's --index option. */
#define CLI_INDEX_HELP "read the index beside FILE, or write one (default %D; docs/cli.md#index)"
int cmd_index(int argc, char **argv); /* cmd_index.c: build or check the index of a dump */
/* ADDR: hex with 0x, or decimal: 0, -1 if not a number, -2 if it needs
 * more than 64 bits (never clamped). */
int cli_parse_addr(const char *s, uint64_t *out);
/* 0 when arg is an address, else the usage error printed ("not an address
 * (hex 0x... or decimal)", or "(more than 64 bits)": never clamped) and
 * HS_EXIT_USAGE. */
int cli_check_addr(const cli_cmd *cmd, const char *arg);
/* The block at ADDR: HS_EXIT_USAGE if not an address, HS_EXIT_BAD_INPUT (one
 * line) if no such block. */
int cli_find_block(const char *path, graph *g, const char *addr_arg, const char *cmd, uint32_t *v);

#endif /* HS_CLI_H */
