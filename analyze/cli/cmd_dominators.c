/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_dominators.c — `heapsnap dominators FILE`: the dominator tree
 * as an indented tree of retained and shallow bytes, children largest
 * first; children below --min-bytes are collapsed into one "... N more
 * (X)" line, and --depth limits the levels. From the super-root (all
 * roots), then the unreachable group's own tree (marked), or from --root
 * ADDR. Text or --json (nested). Iterative: an explicit stack of levels.
 * Output is bounded by the rows shown, whatever --depth: indentation stops
 * growing at INDENT_MAX levels (deeper rows say their depth), a chain of
 * more than CHAIN_CUT levels with one shown child each is cut to one line
 * saying how many levels were cut, and JSON nests at most JSON_SHOWN_MAX
 * levels (the writer's limit; deeper children are counted in "more"). A
 * 3,000-block list at --depth 3000 printed 9 MB, quadratic in the depth.
 * See docs/cli.md#dominators.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct dom_options {
    bool json;
    uint64_t depth, min; /* min UINT64_MAX: 1% of the top */
    const char *root;
    bool index; /* --no-index: neither read nor write the index */
} dom_options;

static const dom_options dom_defaults = {.depth = 4, .min = UINT64_MAX, .index = true};

static const cli_opt dom_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(dom_options, json), NULL, "print JSON (schema in docs/cli.md#dominators)"},
    {"depth", 0, CLI_UINT, CLI_FIELD(dom_options, depth), "D", "show D levels below the top (default %D)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(dom_options, min), "B",
     "collapse children retaining less than B bytes (default 1% of the top)"},
    {"root", 0, CLI_STRING, CLI_FIELD(dom_options, root), "ADDR", "start from the block at ADDR instead of the roots"},
    {"index", 0, CLI_BOOL, CLI_FIELD(dom_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd dom_cmd = {
    "dominators", "heapsnap dominators [--json] [--depth D] [--min-bytes B] [--root ADDR] FILE",
    "The dominator tree: each block under the block that keeps it alive, with retained and shallow bytes.",
    dom_opts, sizeof dom_opts / sizeof dom_opts[0], 1, 1, &dom_defaults, sizeof dom_defaults,
};

/* What printing a tree needs. */
typedef struct dom_ctx {
    const graph *g;
    const uint32_t *off, *kids; /* graph_dom_children */
    const dom_options *o;
    json_writer j;              /* with --json */
} dom_ctx;

static const graph *cmp_g;
static int cmp_ret(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t rx = graph_retained(cmp_g, x), ry = graph_retained(cmp_g, y);
    if (rx != ry) return rx < ry ? 1 : -1;
    return x < y ? -1 : x > y;
}

#define INDENT_MAX 40u
#define CHAIN_CUT 8u
#define JSON_SHOWN_MAX ((JSON_MAX_DEPTH - 4) / 2) /* a node nests an object and its children's array */

typedef struct level {
    uint32_t *kids; /* the shown children, sorted */
    uint32_t nk, pos;
    uint32_t more;  /* collapsed children */
    uint64_t more_bytes;
    uint32_t depth; /* the real depth of the node whose children these are */
} level;

/* Fill a level with v's children: those >= min sorted, the rest counted. */
static bool open_level(const dom_ctx *c, level *L, uint32_t v, uint64_t min, bool expand)
{
    const graph *g = c->g;
    memset(L, 0, sizeof *L);
    if (!expand) return true;
    uint32_t n = c->off[v + 1] - c->off[v];
    L->kids = malloc(((size_t)n + 1) * 4);
    if (!L->kids) return false;
    for (uint32_t i = c->off[v]; i < c->off[v + 1]; i++) {
        uint32_t w = c->kids[i];
        if (graph_retained(g, w) >= min) L->kids[L->nk++] = w;
        else L->more++, L->more_bytes += graph_retained(g, w);
    }
    cmp_g = g;
    qsort(L->kids, L->nk, 4, cmp_ret);
    return true;
}

/* A node: a line of text, or in JSON the opening of {"node": block, "children": [...], "more": ...};
 * `shown` levels of indentation (capped), `depth` levels below the top. */
static void print_node(dom_ctx *c, uint32_t v, uint32_t shown, uint32_t depth, bool unreach)
{
    const graph *g = c->g;
    char b1[32], b2[32];
    if (c->o->json) {
        json_object_begin(&c->j, JSON_INLINE);
        json_key(&c->j, "node");
        out_block_json(&c->j, g, v);
        return;
    }
    uint64_t sh = v < g->n ? graph_size(g, v) : 0;
    printf("%12s %12s  %*s", fmt_bytes(graph_retained(g, v), b1), fmt_bytes(sh, b2),
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

static void print_more(const dom_ctx *c, const level *L, uint32_t depth)
{
    char b1[32], b2[32];
    if (!L->more) return;
    if (c->o->json) return; /* reported in the node's "more" member */
    printf("%12s %12s  %*s... %s more (%s)\n", "", "", 2 * (int)(depth < INDENT_MAX ? depth : INDENT_MAX), "",
           fmt_count(L->more, b1), fmt_bytes(L->more_bytes, b2));
}

/* v's only child of at least `min` bytes (others below it may exist), or
 * GRAPH_NONE when it has none or several. */
static uint32_t only_child(const dom_ctx *c, uint32_t v, uint64_t min)
{
    uint32_t one = GRAPH_NONE;
    for (uint32_t i = c->off[v]; i < c->off[v + 1]; i++) {
        if (graph_retained(c->g, c->kids[i]) < min) continue;
        if (one != GRAPH_NONE) return GRAPH_NONE;
        one = c->kids[i];
    }
    return one;
}

/* After v (real depth `depth`, `shown` levels indented) is printed and L
 * opened with its children: if below it runs a chain of more than
 * CHAIN_CUT levels of one shown child each (within --depth), say how many
 * levels are cut and make the chain's last block v's only shown child. */
static bool cut_chain(dom_ctx *c, level *L, uint32_t v, uint32_t depth, uint32_t maxd, uint64_t min,
                      uint32_t shown)
{
    const graph *g = c->g;
    uint32_t run = 0, u = v, first = GRAPH_NONE;
    for (uint32_t w; depth + run < maxd && (w = only_child(c, u, min)) != GRAPH_NONE; u = w) {
        if (first == GRAPH_NONE) first = w;
        run++;
    }
    if (run <= CHAIN_CUT) return true;
    /* run levels below v end at u: show u, cut the run - 1 above it */
    char b1[32];
    uint64_t addr = first < g->n ? graph_addr(g, first) : 0;
    if (c->o->json) {
        json_kv_object(&c->j, "cut", JSON_INLINE);
        json_kv_u64(&c->j, "levels", run - 1);
        json_kv_addr(&c->j, "from", addr);
        json_end(&c->j);
    } else {
        printf("%12s %12s  %*s... %s levels cut: a chain of one block each (--root 0x%llx shows them)\n", "", "",
               2 * (int)(shown < INDENT_MAX ? shown : INDENT_MAX), "", fmt_count(run - 1, b1),
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

static int print_tree(dom_ctx *c, uint32_t top, uint64_t min)
{
    const graph *g = c->g;
    const bool json = c->o->json;
    bool unreach = top < g->n ? !graph_reachable(g, top) : top == GRAPH_UNREACH(g);
    uint32_t maxd = c->o->depth > UINT32_MAX - 2 ? UINT32_MAX - 2 : (uint32_t)c->o->depth;
    /* the stack grows with the rows shown, not with --depth */
    uint32_t cap = 64;
    level *lv = calloc(cap, sizeof *lv);
    if (!lv) return -1;
    print_node(c, top, 0, 0, unreach);
    uint32_t sp = 0;
    if (!open_level(c, &lv[0], top, min, maxd > 0) || !cut_chain(c, &lv[0], top, 0, maxd, min, 1)) goto oom;
    for (;;) {
        level *L = &lv[sp];
        if (L->pos < L->nk) {
            uint32_t w = L->kids[L->pos++], d = L->depth + 1;
            if (json && L->pos == 1) json_kv_array(&c->j, "children", JSON_TIGHT);
            print_node(c, w, sp + 1, d, unreach);
            if (sp + 2 >= cap) {
                level *nl = realloc(lv, (size_t)cap * 2 * sizeof *lv);
                if (!nl) goto oom;
                lv = nl;
                L = &lv[sp];
                cap *= 2;
            }
            bool deeper = d < maxd;
            if (!open_level(c, &lv[sp + 1], w, min, deeper)) goto oom;
            level *K = &lv[sp + 1];
            K->depth = d;
            if (deeper && json && sp + 1 >= JSON_SHOWN_MAX) {
                /* JSON nests at most JSON_SHOWN_MAX levels: deeper children are counted in "more" */
                for (uint32_t k = 0; k < K->nk; k++) K->more++, K->more_bytes += graph_retained(g, K->kids[k]);
                K->nk = 0;
            } else if (deeper && !cut_chain(c, K, w, d, maxd, min, sp + 2)) {
                goto oom;
            }
            sp++;
            continue;
        }
        /* close this level: its node's children are done */
        print_more(c, L, sp + 1);
        if (json) {
            if (L->nk) json_end(&c->j);
            if (L->more) {
                json_kv_object(&c->j, "more", JSON_INLINE);
                json_kv_u64(&c->j, "count", L->more);
                json_kv_u64(&c->j, "bytes", L->more_bytes);
                json_end(&c->j);
            }
            json_end(&c->j);
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
    dom_options o;
    int rc = cli_parse(&dom_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    bool min_given = o.min != UINT64_MAX;
    const char *path = args[0];
    if (o.root && (rc = cli_check_addr(&dom_cmd, o.root))) return rc;
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_DOMINATORS | CLI_NEED_TREE, o.index))) return rc;
    uint32_t tops[2], ntops = 0;
    if (o.root) {
        uint32_t v;
        if ((rc = cli_find_block(path, &g, o.root, "dominators", &v))) {
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
    dom_ctx c = {.g = &g, .off = off, .kids = kids, .o = &o};
    if (o.json) {
        json_document_begin(&c.j, stdout);
        json_kv_str(&c.j, "file", path);
        json_key(&c.j, "graph");
        out_overview_json(&c.j, &g);
        json_kv_array(&c.j, "trees", JSON_LINES);
    } else {
        out_overview(stdout, &g);
        printf("\n%12s %12s  %s\n", "retained", "shallow", "block");
    }
    int ret = HS_EXIT_OK;
    for (uint32_t t = 0; t < ntops; t++) {
        uint64_t min = min_given ? o.min : graph_retained(&g, tops[t]) / 100;
        if (!o.json && t) fputc('\n', stdout);
        if (print_tree(&c, tops[t], min)) {
            ret = cli_error("'%s': out of memory", path);
            break;
        }
    }
    if (o.json && !ret) {
        json_end(&c.j);
        json_end(&c.j);
        fputc('\n', stdout);
    }
    free(off);
    free(kids);
    graph_release(&g);
    return ret;
}
