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

static bool opt_json;
static uint64_t opt_n;

static const cli_opt top_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#top)"},
    {"top", 'n', CLI_UINT, &opt_n, "N", "show the N largest blocks (default 20)"},
};

static const cli_cmd top_cmd = {
    "top", "heapsnap top [--json] [-n N] FILE",
    "The blocks that retain the most memory, each with its shortest path from a root.",
    top_opts, sizeof top_opts / sizeof top_opts[0], 1, 1,
};

int cmd_top(int argc, char **argv)
{
    char *args[1];
    int nargs;
    opt_json = false;
    opt_n = 20;
    int rc = cli_parse(&top_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if (opt_n > 1000000) opt_n = 1000000;
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
    uint32_t ntop = 0, *top = graph_top_select(&g, (uint32_t)opt_n, &ntop), *via = NULL;
    if (!top || graph_bfs(&g, &via, NULL, cli_progress())) {
        free(top);
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    char b1[32], b2[32];
    if (opt_json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"graph\": ");
        out_overview(stdout, &g, true);
        printf(",\n  \"top\": [");
        for (uint32_t i = 0; i < ntop; i++) {
            printf("%s\n    {\"block\": ", i ? "," : "");
            out_block_json(stdout, &g, top[i]);
            printf(", \"path\": ");
            out_path_json(stdout, &g, via, top[i]);
            printf("}");
        }
        printf("%s]\n}\n", ntop ? "\n  " : "");
    } else {
        out_overview(stdout, &g, false);
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
