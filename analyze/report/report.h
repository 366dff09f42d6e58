/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report.h — what `heapsnap report` is built from: an interned
 * string table (report_strs.c), the budgeted top of the dominator tree
 * (report_tree.c), the report's data as one JSON object (report_data.c),
 * the growth since a base snapshot (report_growth.c)
 * and the HTML page around it (report_page.c). See docs/report.md.
 *
 * Ownership. Each struct owns its arrays; *_release() frees them and leaves
 * the struct zeroed. The graph is only read. Nothing here prints to stderr
 * or exits; functions return GRAPH_OK, or GRAPH_ERR_NOMEM when memory ran
 * out (the only way they fail: the caller names the file in its message).
 */
#ifndef HS_REPORT_H
#define HS_REPORT_H

#include "diff/diff.h"
#include "graph/graph.h"
#include "out/out_json.h"

#include <stdint.h>
#include <stdio.h>

#define REPORT_DEFAULT_BUDGET 50000u /* dominator-tree nodes embedded (docs/report.md#budget) */
#define REPORT_MAX_BUDGET 1000000u

typedef struct report_opts {
    uint32_t budget;        /* tree nodes embedded, at least 2 */
    uint32_t nsuspects;     /* leak suspects (accumulation points) */
    uint32_t ntop;          /* largest retainers, as `heapsnap top -n` */
    uint32_t ntypes;        /* type rows given a retained size, as `summary -n` */
    uint32_t ncycles;       /* cycle rows listed (groups of identical cycles, interpreter cycles left out) */
    const graph_progress *progress; /* long phases report here; may be NULL */
} report_opts;

/* ---- interned strings (report_strs.c) ---- */
typedef struct report_strs {
    char *buf;          /* the texts, NUL separated */
    size_t len, cap;
    uint32_t *start;    /* [n] offset of each text in buf */
    uint32_t n, ncap;
    uint32_t *slots;    /* open addressing: index + 1, 0 = empty */
    uint32_t nslots;
} report_strs;

/* The index of `text` (added when new), or GRAPH_NONE when out of memory. */
uint32_t report_strs_add(report_strs *s, const char *text, size_t len);
void report_strs_json(json_writer *j, const report_strs *s); /* a JSON array of strings */
void report_strs_release(report_strs *s);

/* ---- the budgeted dominator tree (report_tree.c) ---- */
typedef struct report_tree {
    uint32_t n;            /* embedded nodes, parents before children */
    uint32_t *node;        /* [n] graph node: block index, GRAPH_SUPER or GRAPH_UNREACH */
    uint32_t *parent;      /* [n] index into node[], GRAPH_NONE for a tree top */
    uint32_t *pos;         /* [g->n + 2] index into node[] of a graph node, or GRAPH_NONE */
    uint32_t *count;       /* [g->n + 2] blocks in each node's dominator subtree (itself included) */
    uint32_t *off, *kids;  /* dominator children (graph_dom_children); an embedded node's
                              children are sorted, largest retained first */
    uint32_t *nemb;        /* [n] children embedded (a prefix of the sorted children) */
} report_tree;

/* Embed the `budget` nodes with the largest retained sizes (ties: lower
 * index), which always form the top of the tree: a child never retains
 * more than its dominator. Iterative; O(n) plus sorting the children of the
 * embedded nodes. */
graph_status report_tree_build(const graph *g, uint32_t budget, report_tree *t /* OUT */);
/* The largest dominator child of v (GRAPH_NONE if none). */
uint32_t report_tree_largest_child(const graph *g, const report_tree *t, uint32_t v);
/* The tree as JSON columns (docs/report.md#data); names go to strs. */
graph_status report_tree_json(json_writer *j, const graph *g, const report_tree *t, report_strs *strs);
void report_tree_release(report_tree *t);

/* ---- growth since a base snapshot (report_growth.c) ---- */
#define REPORT_GROWTH_ROWS 20u /* rows per growth view (docs/report.md#growth) */

/* The two summaries of `report --base`, built by diff_build2():
 * before with DIFF_KEYS | DIFF_GROUPS, after with DIFF_KEEP_GRAPH |
 * DIFF_GROUPS (its graph is the report's graph). The growth views merge
 * before's groups into after's and count new blocks into after's types. */
typedef struct report_base {
    diff_snap *before, *after;
    uint64_t noise;         /* rows below this many bytes are not shown */
    uint32_t rows;          /* rows per view */
} report_base;

/* The "growth" member: owners (diff_owners), types (diff_types_merge), new
 * objects by type and by owner (diff_clusters), and the embedded tree
 * nodes that belong to a listed owner. docs/report.md#growth. */
graph_status report_growth_json(json_writer *j, report_base *base, const report_tree *t);

/* ---- the whole data object (report_data.c) ---- */
/* base: NULL, or the comparison for the "growth" member (else null). */
graph_status report_data_json(FILE *f, const char *path, const graph *g, const report_tree *t, const report_opts *o,
                     report_base *base);

/* ---- the page (report_page.c) ---- */
/* Writes the template with the CSS, the JS, a fresh CSP nonce and, where
 * the data goes, whatever data_fn writes (which must be JSON whose strings
 * escape '<', '>' and '&'). Returns data_fn's failure, or GRAPH_OK; write
 * errors show in ferror(f). */
graph_status report_page_write(FILE *f, graph_status (*data_fn)(FILE *f, void *ud), void *ud);

#endif /* HS_REPORT_H */
