/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_path.c — `heapsnap path FILE ADDR`: the shortest chain of
 * strong references from a root to a block, each step naming the holder's
 * type and address and the reference's label; --all N prints up to N
 * distinct paths, one per (referrer, reference) pair or root record, the
 * shortest first. Text or --json. See docs/cli.md#path.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct path_options {
    bool json;
    uint64_t all;
    bool index; /* --no-index: neither read nor write the index */
} path_options;

static const path_options path_defaults = {.all = 1, .index = true};

static const cli_opt path_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(path_options, json), NULL, "print JSON (schema in docs/cli.md#path)"},
    {"all", 0, CLI_UINT, CLI_FIELD(path_options, all), "N", "print up to N distinct paths, shortest first (default %D)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(path_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd path_cmd = {
    "path", "heapsnap path [--json] [--all N] FILE ADDR",
    "The shortest chains of strong references from a root to the block at ADDR (hex 0x... or decimal).",
    path_opts, sizeof path_opts / sizeof path_opts[0], 2, 2, &path_defaults, sizeof path_defaults,
};

/* Path idx of total: the steps to the holder of its last reference, then that reference. */
static int print_path(const graph *g, const uint32_t *via, const graph_path_end *c, uint32_t target, uint32_t idx,
                      uint32_t total, json_writer *j)
{
    uint32_t *s = NULL, n = 0;
    if (c->last < g->nedges && !(n = graph_path_steps(g, via, graph_edge_from(g, c->last), &s))) return -1;
    uint32_t *steps = realloc(s, ((size_t)n + 1) * 4);
    if (!steps) {
        free(s);
        return -1;
    }
    steps[n++] = c->last; /* a root (length 1) or the last reference */
    if (j) {
        json_object_begin(j, JSON_INLINE);
        json_kv_u64(j, "length", c->len);
        json_key(j, "steps");
        out_path_steps_json(j, g, steps, n);
        json_end(j);
    } else {
        printf("%spath %u of %u (%u steps):\n", idx ? "\n" : "", idx + 1, total, c->len);
        printf("  ");
        out_root(stdout, g, steps[0] - g->nedges);
        fputc('\n', stdout);
        for (uint32_t i = 1; i < n; i++) {
            uint32_t e = steps[i];
            printf("  ");
            out_block(stdout, g, graph_edge_from(g, e));
            fputs("  ", stdout);
            out_label_raw(stdout, g, g->out_kind[e], graph_label(g, e));
            if (!((g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u)) fputs("(no label)", stdout);
            fputc('\n', stdout);
        }
        printf("  ");
        out_block(stdout, g, target);
        fputc('\n', stdout);
    }
    free(steps);
    return 0;
}

int cmd_path(int argc, char **argv)
{
    char *args[2];
    int nargs;
    path_options o;
    int rc = cli_parse(&path_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if ((rc = cli_check_addr(&path_cmd, args[1]))) return rc;
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_PATHS | CLI_NEED_REFERRERS, o.index))) return rc;
    uint32_t v;
    if ((rc = cli_find_block(path, &g, args[1], "path", &v))) {
        graph_release(&g);
        return rc;
    }
    uint32_t *via = NULL, *dist = NULL, nc = 0;
    graph_path_end *c = NULL;
    int ret = HS_EXIT_OK;
    if (graph_bfs(&g, &via, &dist, cli_progress()) || graph_path_ends(&g, via, dist, v, &c, &nc)) goto nomem;
    uint32_t shown = nc < o.all ? nc : (uint32_t)o.all;
    if (o.json) {
        json_writer j;
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", path);
        json_key(&j, "block");
        out_block_json(&j, &g, v);
        json_kv_bool(&j, "reachable", nc != 0);
        json_kv_u64(&j, "paths_total", nc);
        json_kv_array(&j, "paths", JSON_LINES);
        for (uint32_t i = 0; i < shown; i++)
            if (print_path(&g, via, &c[i], v, i, shown, &j)) goto nomem;
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else if (!nc) {
        out_block(stdout, &g, v);
        printf(" is unreachable: no chain of strong references from a root leads to it\n");
    } else {
        for (uint32_t i = 0; i < shown; i++)
            if (print_path(&g, via, &c[i], v, i, shown, NULL)) goto nomem;
        if (shown < nc) printf("\n(%u distinct paths in all; --all N shows more)\n", nc);
    }
    goto out;
nomem:
    ret = cli_error("'%s': out of memory", path);
out:
    free(c);
    free(via);
    free(dist);
    graph_release(&g);
    return ret;
}
