/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_top.c — `heapsnap top FILE`: where the memory accumulates
 * (graph_points_find: dominator chains folded, alike blocks grouped), each
 * row named as the program names it (out_name); `--raw`, every block by
 * retained size with its shortest path. Text or --json. See docs/cli.md#top.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct top_options {
    bool json, raw;
    uint64_t n, fold;
    bool index; /* --no-index: neither read nor write the index */
} top_options;

static const top_options top_defaults = {.n = 20, .fold = GRAPH_POINT_FOLD, .index = true};

static const cli_opt top_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(top_options, json), NULL, "print JSON (schema in docs/cli.md#top)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(top_options, n), "N", "show the N largest rows (default %D)"},
    {"raw", 0, CLI_BOOL, CLI_FIELD(top_options, raw), NULL,
     "every block by retained size, without folding or grouping (the listing before accumulation points)"},
    {"fold", 0, CLI_UINT, CLI_FIELD(top_options, fold), "PCT",
     "fold a block into its dominator child that keeps PCT% of it (default %D; 100: only whole chains)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(top_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd top_cmd = {
    "top", "heapsnap top [--json] [--raw] [-n N] [--fold PCT] FILE",
    "Where the memory accumulates: the blocks that hold the most, chains folded and alike rows grouped,\n"
    "each named the way the program names it.",
    top_opts, sizeof top_opts / sizeof top_opts[0], 1, 1, &top_defaults, sizeof top_defaults,
};

/* ---- --raw: every block by retained size, with its shortest path ---- */
static int top_raw(const char *path, graph *g, const top_options *o)
{
    uint32_t ntop = 0, *top = graph_top_select(g, (uint32_t)o->n, &ntop), *via = NULL;
    if (!top || graph_bfs(g, &via, NULL, cli_progress())) {
        free(top);
        return cli_error("'%s': out of memory", path);
    }
    char b1[32], b2[32];
    if (o->json) {
        json_writer j;
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", path);
        json_key(&j, "graph");
        out_overview_json(&j, g);
        json_kv_array(&j, "top", JSON_LINES);
        for (uint32_t i = 0; i < ntop; i++) {
            json_object_begin(&j, JSON_INLINE);
            json_key(&j, "block");
            out_block_json(&j, g, top[i]);
            json_key(&j, "path");
            out_path_json(&j, g, via, top[i]);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else {
        out_overview(stdout, g);
        printf("\n%12s %12s  %s\n", "retained", "shallow", "block / path from a root");
        for (uint32_t i = 0; i < ntop; i++) {
            uint32_t v = top[i];
            printf("%12s %12s  ", fmt_bytes(graph_retained(g, v), b1), fmt_bytes(graph_size(g, v), b2));
            out_block(stdout, g, v);
            if (!graph_reachable(g, v)) fputs("  [unreachable]", stdout);
            printf("\n%12s %12s    ", "", "");
            out_path_line(stdout, g, via, v);
            fputc('\n', stdout);
        }
    }
    free(top);
    free(via);
    return HS_EXIT_OK;
}

int cmd_top(int argc, char **argv)
{
    char *args[1];
    int nargs;
    top_options o;
    int rc = cli_parse(&top_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if (o.n > 1000000) o.n = 1000000;
    if (o.fold > 100) {
        cli_error("--fold: %llu is not a percentage (0 to 100)", (unsigned long long)o.fold);
        return HS_EXIT_USAGE;
    }
    graph g;
    const unsigned need = CLI_NEED_DOMINATORS | CLI_NEED_NAMES | (o.raw ? CLI_NEED_PATHS : 0);
    if ((rc = cli_graph_load(path, &g, need, o.index))) return rc;
    if (o.raw) {
        rc = top_raw(path, &g, &o);
        graph_release(&g);
        return rc;
    }
    uint32_t *via = NULL, nrows = 0;
    graph_point *rows = NULL;
    if (graph_points_top(&g, (unsigned)o.fold, (uint32_t)o.n, &via, &rows, &nrows, cli_progress())) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    if (o.json) {
        json_writer j;
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", path);
        json_key(&j, "graph");
        out_overview_json(&j, &g);
        json_kv_u64(&j, "fold", o.fold);
        json_kv_array(&j, "top", JSON_LINES);
        for (uint32_t i = 0; i < nrows; i++) out_point_json(&j, &g, via, &rows[i]);
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else {
        out_overview(stdout, &g);
        printf("\nwhere the memory accumulates (chains keeping %llu%% or more in one child folded; --raw: every "
               "block)\n%15s  %s\n",
               (unsigned long long)o.fold, "retained", "holder, and what it is");
        for (uint32_t i = 0; i < nrows; i++) out_point_text(stdout, &g, via, &rows[i], i);
    }
    free(rows);
    free(via);
    graph_release(&g);
    return HS_EXIT_OK;
}
