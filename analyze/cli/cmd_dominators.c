/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_dominators.c — `heapsnap dominators FILE`: the dominator tree
 * as an indented tree of retained and shallow bytes, children largest
 * first; children below --min-bytes are collapsed into one "... N more
 * (X)" line, and --depth limits the levels. From the super-root (all
 * roots), then the unreachable group's own tree (marked), or from --root
 * ADDR. Text or --json (nested). Iterative: an explicit stack of levels.
 * Output is bounded by the rows shown, whatever --depth: indentation stops
 * growing at INDENT_MAX levels (deeper rows say their depth), and a chain
 * of more than CHAIN_CUT levels with one shown child each is cut to its
 * first and last block and one line saying how many levels were cut (a
 * 3,000-block list at --depth 3000 printed 9 MB, quadratic in the depth).
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

#define INDENT_MAX 40u
#define CHAIN_CUT 8u

typedef struct level {
    uint32_t *kids; /* the shown children, sorted */
    uint32_t nk, pos;
    uint32_t more;  /* collapsed children */
    uint64_t more_bytes;
    uint32_t depth; /* the real depth of the node whose children these are */
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

/* A row at `shown` levels of indentation (capped), `depth` levels below the top. */
static void print_node(const graph *g, uint32_t v, uint32_t shown, uint32_t depth, bool unreach, bool first)
{
    char b1[32], b2[32];
    if (shown > INDENT_MAX) shown = INDENT_MAX + 1;
    if (opt_json) {
        if (!first) fputc(',', stdout);
        printf("\n%*s{\"node\": ", 2 * (int)shown + 4, "");
        out_block_json(stdout, g, v);
        return;
    }
    uint64_t sh = v < g->n ? graph_size(g, v) : 0;
    printf("%12s %12s  %*s", fmt_bytes(g->retained[v], b1), fmt_bytes(sh, b2),
           2 * (int)(shown < INDENT_MAX ? shown : INDENT_MAX), "");
    if (shown > INDENT_MAX || depth != shown) printf("[depth %u] ", depth);
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
    printf("%12s %12s  %*s... %s more (%s)\n", "", "", 2 * (int)(depth < INDENT_MAX ? depth : INDENT_MAX), "",
           fmt_count(L->more, b1), fmt_bytes(L->more_bytes, b2));
}

/* v's only child of at least `min` bytes (others below it may exist), or
 * GRAPH_NONE when it has none or several. */
static uint32_t only_child(const graph *g, uint32_t v, uint64_t min)
{
    uint32_t one = GRAPH_NONE;
    for (uint32_t i = d_off[v]; i < d_off[v + 1]; i++) {
        if (g->retained[d_kids[i]] < min) continue;
        if (one != GRAPH_NONE) return GRAPH_NONE;
        one = d_kids[i];
    }
    return one;
}

/* After v (real depth `depth`) is shown: if below it runs a chain of more
 * than CHAIN_CUT levels of one shown child each (within --depth), say how
 * many levels are cut and make its last block v's only shown child, in L. */
static bool cut_chain(const graph *g, level *L, uint32_t v, uint32_t depth, uint32_t maxd, uint64_t min,
                      uint32_t shown_depth)
{
    uint32_t run = 0, u = v, first = GRAPH_NONE;
    for (uint32_t w; depth + run < maxd && (w = only_child(g, u, min)) != GRAPH_NONE; u = w) {
        if (first == GRAPH_NONE) first = w;
        run++;
    }
    if (run <= CHAIN_CUT) return true;
    /* run levels below v end at u: show u, cut the run - 1 above it */
    char b1[32];
    uint64_t addr = first < g->n ? graph_addr(g, first) : 0;
    if (opt_json) {
        printf(", \"cut\": {\"levels\": %u, \"from\": \"0x%llx\"}", run - 1, (unsigned long long)addr);
    } else {
        printf("%12s %12s  %*s... %s levels cut: a chain of one block each (--root 0x%llx shows them)\n", "", "",
               2 * (int)(shown_depth < INDENT_MAX ? shown_depth : INDENT_MAX), "", fmt_count(run - 1, b1),
               (unsigned long long)addr);
    }
    free(L->kids);
    memset(L, 0, sizeof *L);
    if (!(L->kids = malloc(4))) return false;
    L->kids[0] = u;
    L->nk = 1;
    L->depth = depth + run - 1; /* u's parent's depth */
    return true;
}

static int print_tree(const graph *g, uint32_t top, uint64_t min, bool first_tree)
{
    bool unreach = top < g->n ? !graph_reachable(g, top) : top == GRAPH_UNREACH(g);
    uint32_t maxd = opt_depth > UINT32_MAX - 2 ? UINT32_MAX - 2 : (uint32_t)opt_depth;
    /* one level per shown row at most: the stack grows only as rows print */
    uint32_t cap = 64;
    level *lv = calloc(cap, sizeof *lv);
    if (!lv) return -1;
    print_node(g, top, 0, 0, unreach, first_tree);
    uint32_t sp = 0;
    if (!open_level(g, &lv[0], top, min, maxd > 0) || !cut_chain(g, &lv[0], top, 0, maxd, min, 1)) goto oom;
    for (;;) {
        level *L = &lv[sp];
        if (L->pos < L->nk) {
            uint32_t w = L->kids[L->pos++], d = L->depth + 1;
            if (opt_json && L->pos == 1) printf(", \"children\": [");
            print_node(g, w, sp + 1, d, unreach, L->pos == 1);
            if (sp + 2 >= cap) {
                level *nl = realloc(lv, (size_t)cap * 2 * sizeof *lv);
                if (!nl) goto oom;
                lv = nl;
                L = &lv[sp];
                cap *= 2;
            }
            if (!open_level(g, &lv[sp + 1], w, min, d < maxd)) goto oom;
            lv[sp + 1].depth = d;
            if (!cut_chain(g, &lv[sp + 1], w, d, maxd, min, sp + 2)) goto oom;
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
        L->kids = NULL;
        if (sp == 0) break;
        sp--;
    }
    free(lv);
    return 0;
oom:
    for (uint32_t i = 0; i <= sp + 1 && i < cap; i++) free(lv[i].kids);
    free(lv);
    return -1;
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
