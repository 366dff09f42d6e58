/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_dominators.c — `heapsnap dominators FILE`: the dominator tree
 * as an indented tree of retained and shallow bytes, children largest
 * first; children below --min-bytes are collapsed into one "... N more
 * (X)" line, and --depth limits the levels. From the super-root (all
 * roots), then the unreachable group's own tree (marked), or from --root
 * ADDR. Text or --json (nested). Iterative: an explicit stack of levels.
 * See docs/cli.md#dominators.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json;
static uint64_t opt_depth, opt_min;
static bool min_given;
static const char *opt_root;

static const cli_opt dom_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#dominators)"},
    {"depth", 0, CLI_UINT, &opt_depth, "D", "show D levels below the top (default 4)"},
    {"min-bytes", 0, CLI_UINT, &opt_min, "B", "collapse children retaining less than B bytes (default 1% of the top)"},
    {"root", 0, CLI_STRING, &opt_root, "ADDR", "start from the block at ADDR instead of the roots"},
};

static const cli_cmd dom_cmd = {
    "dominators", "heapsnap dominators [--json] [--depth D] [--min-bytes B] [--root ADDR] FILE",
    "The dominator tree: each block under the block that keeps it alive, with retained and shallow bytes.",
    dom_opts, sizeof dom_opts / sizeof dom_opts[0], 1, 1,
};

static const graph *cmp_g;
static int cmp_ret(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t rx = cmp_g->retained[x], ry = cmp_g->retained[y];
    if (rx != ry) return rx < ry ? 1 : -1;
    return x < y ? -1 : x > y;
}

typedef struct level {
    uint32_t *kids; /* the shown children, sorted */
    uint32_t nk, pos;
    uint32_t more;  /* collapsed children */
    uint64_t more_bytes;
} level;

static const uint32_t *d_off, *d_kids;

/* Fill a level with v's children: those >= min sorted, the rest counted. */
static bool open_level(const graph *g, level *L, uint32_t v, uint64_t min, bool expand)
{
    memset(L, 0, sizeof *L);
    if (!expand) return true;
    uint32_t n = d_off[v + 1] - d_off[v];
    L->kids = malloc(((size_t)n + 1) * 4);
    if (!L->kids) return false;
    for (uint32_t i = d_off[v]; i < d_off[v + 1]; i++) {
        uint32_t w = d_kids[i];
        if (g->retained[w] >= min) L->kids[L->nk++] = w;
        else L->more++, L->more_bytes += g->retained[w];
    }
    cmp_g = g;
    qsort(L->kids, L->nk, 4, cmp_ret);
    return true;
}

static void print_node(const graph *g, uint32_t v, uint32_t depth, bool unreach, bool first)
{
    char b1[32], b2[32];
    if (opt_json) {
        if (!first) fputc(',', stdout);
        printf("\n%*s{\"node\": ", 2 * (int)depth + 4, "");
        out_block_json(stdout, g, v);
        return;
    }
    uint64_t sh = v < g->n ? graph_size(g, v) : 0;
    printf("%12s %12s  %*s", fmt_bytes(g->retained[v], b1), fmt_bytes(sh, b2), 2 * (int)depth, "");
    out_block(stdout, g, v);
    if (v >= g->n) {
        uint64_t cnt = v == GRAPH_SUPER(g) ? g->reach_count : g->unreach_count;
        printf(" (%s blocks%s)", fmt_count(cnt, b1), v == GRAPH_UNREACH(g) ? ": garbage awaiting collection, or leaked" : "");
    } else if (unreach) {
        fputs("  [unreachable]", stdout);
    }
    fputc('\n', stdout);
}

static void print_more(const level *L, uint32_t depth)
{
    char b1[32], b2[32];
    if (!L->more) return;
    if (opt_json) return; /* reported in the node's "more" member */
    printf("%12s %12s  %*s... %s more (%s)\n", "", "", 2 * (int)depth, "", fmt_count(L->more, b1),
           fmt_bytes(L->more_bytes, b2));
}

static int print_tree(const graph *g, uint32_t top, uint64_t min, bool first_tree)
{
    bool unreach = top < g->n ? !graph_reachable(g, top) : top == GRAPH_UNREACH(g);
    uint32_t maxd = opt_depth > 100000 ? 100000 : (uint32_t)opt_depth;
    level *lv = calloc((size_t)maxd + 2, sizeof *lv);
    if (!lv) return -1;
    print_node(g, top, 0, unreach, first_tree);
    uint32_t sp = 0;
    if (!open_level(g, &lv[0], top, min, maxd > 0)) return -1;
    for (;;) {
        level *L = &lv[sp];
        if (L->pos < L->nk) {
            uint32_t w = L->kids[L->pos++];
            if (opt_json && L->pos == 1) printf(", \"children\": [");
            print_node(g, w, sp + 1, unreach, L->pos == 1);
            if (!open_level(g, &lv[sp + 1], w, min, sp + 1 < maxd)) return -1;
            sp++;
            continue;
        }
        /* close this level: its node's children are done */
        print_more(L, sp + 1);
        if (opt_json) {
            if (L->nk) printf("]");
            if (L->more) printf(", \"more\": {\"count\": %u, \"bytes\": %llu}", L->more, (unsigned long long)L->more_bytes);
            printf("}");
        }
        free(L->kids);
        if (sp == 0) break;
        sp--;
    }
    free(lv);
    return 0;
}

int cmd_dominators(int argc, char **argv)
{
    char *args[1];
    int nargs;
    opt_json = false;
    opt_depth = 4;
    opt_min = UINT64_MAX;
    opt_root = NULL;
    int rc = cli_parse(&dom_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    min_given = opt_min != UINT64_MAX;
    const char *path = args[0];
    uint64_t dummy;
    if (opt_root && cli_addr_arg("dominators", dom_cmd.usage, opt_root, &dummy)) return HS_EXIT_USAGE;
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
    uint32_t tops[2], ntops = 0;
    if (opt_root) {
        uint32_t v;
        if ((rc = cli_find_block(path, &g, opt_root, "dominators", &v))) {
            graph_release(&g);
            return rc;
        }
        tops[ntops++] = v;
    } else {
        tops[ntops++] = GRAPH_SUPER(&g);
        if (g.unreach_count) tops[ntops++] = GRAPH_UNREACH(&g);
    }
    uint32_t *off, *kids;
    if (graph_dom_children(&g, &off, &kids)) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    d_off = off;
    d_kids = kids;
    if (opt_json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"graph\": ");
        out_overview(stdout, &g, true);
        printf(",\n  \"trees\": [");
    } else {
        out_overview(stdout, &g, false);
        printf("\n%12s %12s  %s\n", "retained", "shallow", "block");
    }
    int ret = HS_EXIT_OK;
    for (uint32_t t = 0; t < ntops; t++) {
        uint64_t min = min_given ? opt_min : g.retained[tops[t]] / 100;
        if (!opt_json && t) fputc('\n', stdout);
        if (print_tree(&g, tops[t], min, t == 0)) {
            ret = cli_error("'%s': out of memory", path);
            break;
        }
    }
    if (opt_json && !ret) printf("\n  ]\n}\n");
    free(off);
    free(kids);
    graph_release(&g);
    return ret;
}
