/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_top.c — `heapsnap top FILE`: the blocks with the largest
 * retained sizes (the leak suspects), largest first, each with its shortest
 * strong path from a root on one line; blocks of the unreachable group are
 * marked. Text or --json. See docs/cli.md#top.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct top_options {
    bool json;
    uint64_t n;
} top_options;

static const top_options top_defaults = {.n = 20};

static const cli_opt top_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(top_options, json), NULL, "print JSON (schema in docs/cli.md#top)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(top_options, n), "N", "show the N largest blocks (default %D)"},
};

static const cli_cmd top_cmd = {
    "top", "heapsnap top [--json] [-n N] FILE",
    "The blocks that retain the most memory, each with its shortest path from a root.",
    top_opts, sizeof top_opts / sizeof top_opts[0], 1, 1, &top_defaults, sizeof top_defaults,
};

int cmd_top(int argc, char **argv)
{
    char *args[1];
    int nargs;
    top_options o;
    int rc = cli_parse(&top_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if (o.n > 1000000) o.n = 1000000;
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
    uint32_t ntop = 0, *top = graph_top_select(&g, (uint32_t)o.n, &ntop), *via = NULL;
    if (!top || graph_bfs(&g, &via, NULL, cli_progress())) {
        free(top);
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    char b1[32], b2[32];
    if (o.json) {
        json_writer j;
        json_init(&j, stdout);
        json_object_begin(&j, JSON_LINES);
        json_kv_str(&j, "file", path);
        json_key(&j, "graph");
        out_overview_json(&j, &g);
        json_kv_array(&j, "top", JSON_LINES);
        for (uint32_t i = 0; i < ntop; i++) {
            json_object_begin(&j, JSON_INLINE);
            json_key(&j, "block");
            out_block_json(&j, &g, top[i]);
            json_key(&j, "path");
            out_path_json(&j, &g, via, top[i]);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else {
        out_overview(stdout, &g);
        printf("\n%12s %12s  %s\n", "retained", "shallow", "block / path from a root");
        for (uint32_t i = 0; i < ntop; i++) {
            uint32_t v = top[i];
            printf("%12s %12s  ", fmt_bytes(g.retained[v], b1), fmt_bytes(graph_size(&g, v), b2));
            out_block(stdout, &g, v);
            if (!graph_reachable(&g, v)) fputs("  [unreachable]", stdout);
            printf("\n%12s %12s    ", "", "");
            out_path_line(stdout, &g, via, v);
            fputc('\n', stdout);
        }
    }
    free(top);
    free(via);
    graph_release(&g);
    return HS_EXIT_OK;
}
