/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_report.c — `heapsnap report FILE -o report.html`: one
 * self-contained HTML page (CSS, JS and data inline; nothing fetched) with
 * the header and integrity, the leak suspects, the largest retainers, an
 * interactive dominator tree, an icicle picture of retained memory, the
 * per-type table and the cycles. Embeds at most --budget nodes of the
 * dominator tree (default 50,000; the rest aggregated per parent). The file
 * is written beside the target and renamed into place. --base BEFORE adds
 * "Growth since BEFORE" (owners, types, new objects, as `heapsnap diff`)
 * and highlights the growing owners in the tree and the picture; then both
 * snapshots are built by the diff library at once (cli_diff_build2) and
 * AFTER's kept graph is the report's graph, so FILE is read once. See
 * docs/report.md and docs/cli.md#report.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "out/out_diff.h"
#include "report/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct report_options {
    const char *out, *base;
    uint64_t budget, suspects, types;
    bool index; /* --no-index: neither read nor write the index */
} report_options;

static const report_options report_defaults = {.budget = REPORT_DEFAULT_BUDGET, .suspects = 10, .types = 50, .index = true};

static const cli_opt report_opts_table[] = {
    {"output", 'o', CLI_STRING, CLI_FIELD(report_options, out), "FILE", "write the HTML page to FILE ('-' for stdout); required"},
    {"base", 0, CLI_STRING, CLI_FIELD(report_options, base), "BEFORE",
     "show what grew since the snapshot BEFORE (as heapsnap diff)"},
    {"budget", 0, CLI_UINT, CLI_FIELD(report_options, budget), "N", "embed at most N dominator-tree nodes (default %D, 2..1000000)"},
    {"suspects", 0, CLI_UINT, CLI_FIELD(report_options, suspects), "N", "list N leak suspects (default %D)"},
    {"types", 0, CLI_UINT, CLI_FIELD(report_options, types), "N", "compute retained bytes for the N largest types (default %D)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(report_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd report_cmd = {
    "report", "heapsnap report [--budget N] [--suspects N] [--types N] [--base BEFORE] -o FILE.html FILE",
    "Write one self-contained HTML page: suspects, dominator tree, picture of retained memory, types, cycles.",
    report_opts_table, sizeof report_opts_table / sizeof report_opts_table[0], 1, 1, &report_defaults, sizeof report_defaults,
};

typedef struct data_args {
    const char *path;
    const graph *g;
    const report_tree *t;
    const report_opts *o;
    report_base *base;
} data_args;

static graph_status write_data(FILE *f, void *ud)
{
    data_args *a = ud;
    return report_data_json(f, a->path, a->g, a->t, a->o, a->base);
}

int cmd_report(int argc, char **argv)
{
    char *args[1];
    int nargs;
    report_options opt;
    int rc = cli_parse(&report_cmd, argc, argv, &opt, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (!opt.out || !*opt.out) {
        fprintf(stderr, "heapsnap report: -o FILE is required\nusage: %s\n", report_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if (opt.budget < 2 || opt.budget > REPORT_MAX_BUDGET) {
        fprintf(stderr, "heapsnap report: --budget takes 2 to %u nodes\nusage: %s\n", REPORT_MAX_BUDGET,
                report_cmd.usage);
        return HS_EXIT_USAGE;
    }
    report_opts o = {(uint32_t)opt.budget, opt.suspects > 1000 ? 1000 : (uint32_t)opt.suspects, 20,
                     opt.types > 100000 ? 100000 : (uint32_t)opt.types, 100, cli_progress()};
    const char *path = args[0];
    graph own_g, *gp = &own_g;
    diff_snap *sb = NULL, *sa = NULL;
    report_base base = {0};
    if (opt.base) {
        sb = calloc(1, sizeof *sb);
        sa = calloc(1, sizeof *sa);
        if (!sb || !sa) {
            free(sb);
            free(sa);
            return cli_error("out of memory");
        }
        char *both[2] = {(char *)opt.base, (char *)path};
        if ((rc = cli_map_stdin(both, 2))) {
            free(sb);
            free(sa);
            return rc;
        }
        const unsigned idk = diff_key_mode(both, 2); /* both V8: new objects by node id */
        const unsigned ix = opt.index ? DIFF_INDEX : 0;
        rc = cli_diff_build2(sb, both[0], 0, DIFF_KEYS | DIFF_GROUPS | idk | ix, sa, both[1], 1,
                             DIFF_KEEP_GRAPH | DIFF_GROUPS | idk | ix, DIFF_BY_LINE);
        if (rc) {
            diff_snap_release(sb);
            diff_snap_release(sa);
            free(sb);
            free(sa);
            return rc;
        }
        gp = &sa->g;
        base = (report_base){sb, sa, diff_noise(DIFF_NOISE_AUTO, sb, sa), REPORT_GROWTH_ROWS};
    } else if ((rc = cli_graph_load(path, &own_g,
                                    CLI_NEED_DOMINATORS | CLI_NEED_NAMES | CLI_NEED_CYCLES | CLI_NEED_PATHS |
                                        CLI_NEED_TYPES,
                                    opt.index))) {
        return rc;
    }
    const graph *g = gp;
    report_tree t;
    if (report_tree_build(g, o.budget, &t)) {
        rc = cli_error("'%s': out of memory", path);
        goto done;
    }
    bool to_stdout = strcmp(opt.out, "-") == 0;
    hs_outfile *of = NULL;
    FILE *f = stdout;
    hs_error e;
    if (!to_stdout) {
        if (hs_outfile_open(opt.out, 0, 0, &of, &e) != HS_OK || !(f = hs_outfile_stream(of))) {
            if (of) e = *hs_outfile_error(of);
            hs_outfile_discard(of);
            report_tree_release(&t);
            rc = cli_error("%s", e.message);
            goto done;
        }
    }
    data_args da = {path, g, &t, &o, opt.base ? &base : NULL};
    int bad = report_page_write(f, write_data, &da);
    int ret = HS_EXIT_OK;
    if (bad) {
        ret = cli_error("'%s': out of memory", path);
        hs_outfile_discard(of);
    } else if (of && hs_outfile_commit(of, &e) != HS_OK) {
        ret = cli_error("%s", e.message); /* names the output; the temporary file is gone */
    }
    /* standard output is checked once, at exit (main.c) */
    report_tree_release(&t);
    rc = ret;
done:
    if (opt.base) {
        diff_snap_release(sb);
        diff_snap_release(sa);
        free(sb);
        free(sa);
    } else {
        graph_release(&own_g);
    }
    return rc;
}
