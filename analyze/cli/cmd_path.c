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

static bool opt_json;
static uint64_t opt_all;

static const cli_opt path_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#path)"},
    {"all", 0, CLI_UINT, &opt_all, "N", "print up to N distinct paths, shortest first (default 1)"},
};

static const cli_cmd path_cmd = {
    "path", "heapsnap path [--json] [--all N] FILE ADDR",
    "The shortest chains of strong references from a root to the block at ADDR (hex 0x... or decimal).",
    path_opts, sizeof path_opts / sizeof path_opts[0], 2, 2,
};

typedef struct cand {
    uint32_t len;  /* steps, root included */
    uint32_t last; /* edge index, or nedges + root */
    unsigned rank; /* graph_root_rank() of the root the path starts from */
} cand;

/* Shortest first; among equals, the preferred root kind, then file order. */
static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return x->last < y->last ? -1 : x->last > y->last;
}

/* The root that the shortest path to reached block u starts from. */
static unsigned path_root_rank(const graph *g, const uint32_t *via, uint32_t u)
{
    while (via[u] < g->nedges) u = graph_edge_from(g, via[u]);
    return graph_root_rank(g->roots[via[u] - g->nedges].kind);
}

static void print_path(const graph *g, const uint32_t *via, const cand *c, uint32_t target, uint32_t idx,
                       uint32_t total)
{
    uint32_t *s = NULL, n = 0;
    if (c->last < g->nedges) n = out_path_steps(g, via, graph_edge_from(g, c->last), &s);
    if (opt_json) {
        printf("%s\n    {\"length\": %u, \"steps\": [", idx ? "," : "", c->len);
        uint32_t root = c->last < g->nedges ? s[0] - g->nedges : c->last - g->nedges;
        out_root(stdout, g, root, true);
        for (uint32_t i = 1; i <= n; i++) {
            uint32_t e = i < n ? s[i] : c->last;
            printf(", {\"holder\": ");
            out_block_json(stdout, g, graph_edge_from(g, e));
            printf(", \"label\": ");
            out_label_raw_json(stdout, g, g->out_kind[e], graph_label(g, e));
            printf("}");
        }
        printf("]}");
    } else {
        printf("%spath %u of %u (%u steps):\n", idx ? "\n" : "", idx + 1, total, c->len);
        uint32_t root = c->last < g->nedges ? s[0] - g->nedges : c->last - g->nedges;
        printf("  ");
        out_root(stdout, g, root, false);
        fputc('\n', stdout);
        for (uint32_t i = 1; i <= n; i++) {
            uint32_t e = i < n ? s[i] : c->last;
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
    free(s);
}

int cmd_path(int argc, char **argv)
{
    char *args[2];
    int nargs;
    opt_json = false;
    opt_all = 1;
    int rc = cli_parse(&path_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    uint64_t dummy;
    if (cli_addr_arg("path", path_cmd.usage, args[1], &dummy)) return HS_EXIT_USAGE;
    graph g;
    if ((rc = cli_graph_load(path, &g, false))) return rc;
    uint32_t v;
    if ((rc = cli_find_block(path, &g, args[1], "path", &v))) {
        graph_release(&g);
        return rc;
    }
    uint32_t *via, *dist;
    if (graph_bfs(&g, &via, &dist, cli_progress())) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    /* candidates: root records naming v, and strong references to v from reached blocks */
    size_t nc = 0, cap = 64;
    cand *c = malloc(cap * sizeof *c);
    for (uint32_t r = 0; c && r < g.nroots; r++) {
        if (g.roots[r].node != v) continue;
        if (nc == cap) c = realloc(c, (cap *= 2) * sizeof *c);
        if (c) c[nc++] = (cand){1, g.nedges + r, graph_root_rank(g.roots[r].kind)};
    }
    for (uint32_t u = 0; c && u < g.n; u++) {
        if (via[u] == GRAPH_NONE) continue;
        for (uint32_t e = g.out_off[u]; e < g.out_off[u + 1]; e++) {
            if (g.out_to[e] != v || !graph_is_strong(g.out_kind[e])) continue;
            if (nc == cap) {
                cand *nc2 = realloc(c, (cap *= 2) * sizeof *c);
                if (!nc2) free(c);
                c = nc2;
                if (!c) break;
            }
            c[nc++] = (cand){dist[u] + 1, e, path_root_rank(&g, via, u)};
        }
    }
    if (!c) {
        free(via);
        free(dist);
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    qsort(c, nc, sizeof *c, cmp_cand);
    uint32_t shown = nc < opt_all ? (uint32_t)nc : (uint32_t)opt_all;
    if (opt_json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"block\": ");
        out_block_json(stdout, &g, v);
        printf(",\n  \"reachable\": %s,\n  \"paths_total\": %zu,\n  \"paths\": [", nc ? "true" : "false", nc);
        for (uint32_t i = 0; i < shown; i++) print_path(&g, via, &c[i], v, i, shown);
        printf("%s]\n}\n", shown ? "\n  " : "");
    } else if (!nc) {
        out_block(stdout, &g, v);
        printf(" is unreachable: no chain of strong references from a root leads to it\n");
    } else {
        for (uint32_t i = 0; i < shown; i++) print_path(&g, via, &c[i], v, i, shown);
        if (shown < nc) printf("\n(%zu distinct paths in all; --all N shows more)\n", nc);
    }
    free(c);
    free(via);
    free(dist);
    graph_release(&g);
    return HS_EXIT_OK;
}
