/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_data.c — the data object of `heapsnap report`, written as
 * one JSON value into the page: header and integrity, the leak suspects
 * (accumulation points, grouped and named as `heapsnap suspects`), the largest retainers (as `heapsnap top`), the
 * budgeted dominator tree (report_tree.c), the per-type table (as
 * `heapsnap summary`), the cycles (as `heapsnap cycles`) and, with a base
 * snapshot, the growth views (report_growth.c). Strings from
 * the dump go through out_json_string, which escapes '<', '>' and '&', so
 * the JSON can sit inside a <script> element. Schema: docs/report.md#data. Iterative, no recursion.
 */
#include "report/report.h"
#include "out/out.h"

#include <stdlib.h>
#include <string.h>

/* ---- header ---- */
static void header_json(json_writer *j, const char *path, const graph *g)
{
    json_object_begin(j, JSON_INLINE);
    out_header_json(j, path, g->file_bytes, g->reader ? hs_reader_header(g->reader) : NULL);
    json_kv_str(j, "heapsnap", HS_LIB_VERSION_STRING);
    json_end(j);
}

/* ---- leak suspects: the rows of `heapsnap suspects` (graph_points_find) ---- */
/* A node's block, its subtree's size, its children and where it sits in the embedded tree. */
static void node_json(json_writer *j, const graph *g, const report_tree *t, uint32_t v)
{
    out_block_json(j, g, v);
    json_kv_u64(j, "blocks", t->count[v]);
    json_kv_u64(j, "children", t->off[v + 1] - t->off[v]);
    json_kv_i64(j, "tree", t->pos[v] == GRAPH_NONE ? -1 : (int64_t)t->pos[v]);
}

static graph_status suspects_json(json_writer *j, const graph *g, const report_tree *t, uint32_t want,
                                  const graph_progress *p)
{
    uint32_t *via = NULL, nrows = 0;
    graph_point *rows = NULL;
    if (graph_points_top(g, GRAPH_POINT_FOLD, want, &via, &rows, &nrows, p)) return GRAPH_ERR_NOMEM;
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t i = 0; i < nrows; i++) {
        const graph_point *r = &rows[i];
        uint32_t v = r->example;
        char name[1024];
        json_object_begin(j, JSON_INLINE);
        json_kv_str(j, "name", out_name(g, via, v, r->count > 1 ? OUT_NAME_WILD : 0, name, sizeof name));
        json_kv_u64(j, "count", r->count);
        json_kv_u64(j, "retained", r->retained);
        json_key(j, "block");
        node_json(j, g, t, v);
        /* the largest children, what the memory is made of */
        uint32_t big[3] = {GRAPH_NONE, GRAPH_NONE, GRAPH_NONE};
        for (uint32_t k = t->off[v]; k < t->off[v + 1]; k++) { /* the 3 largest children */
            uint32_t c = t->kids[k];
            for (int b = 0; b < 3; b++) {
                if (big[b] != GRAPH_NONE && graph_retained(g, big[b]) >= graph_retained(g, c)) continue;
                for (int m = 2; m > b; m--) big[m] = big[m - 1];
                big[b] = c;
                break;
            }
        }
        json_kv_array(j, "largest", JSON_INLINE);
        for (int b = 0; b < 3 && big[b] != GRAPH_NONE; b++) out_block_json(j, g, big[b]);
        json_end(j);
        /* the dominator chain down to it, top first (at most 16) */
        uint32_t chain[16], nch = 0;
        for (uint32_t d = g->idom[v]; d != GRAPH_NONE && d < g->n && nch < 16; d = g->idom[d]) chain[nch++] = d;
        json_kv_array(j, "dominators", JSON_INLINE);
        for (uint32_t k = nch; k-- > 0;) out_block_json(j, g, chain[k]);
        json_end(j);
        json_key(j, "path");
        out_path_json(j, g, via, v);
        json_end(j);
    }
    json_end(j);
    free(rows);
    free(via);
    return GRAPH_OK;
}

static graph_status top_json(json_writer *j, const graph *g, const report_tree *t, const uint32_t *via, uint32_t want)
{
    uint32_t n = 0, *top = graph_top_select(g, want, &n);
    if (!top) return GRAPH_ERR_NOMEM;
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t i = 0; i < n; i++) {
        json_object_begin(j, JSON_INLINE);
        json_key(j, "block");
        node_json(j, g, t, top[i]);
        json_key(j, "path");
        out_path_json(j, g, via, top[i]);
        json_end(j);
    }
    json_end(j);
    free(top);
    return GRAPH_OK;
}

/* ---- types: as `heapsnap summary` (shallow order), retained for the first ntypes ---- */
#define REPORT_MAX_TYPE_ROWS 5000u

static graph_status types_json(json_writer *j, const graph *g, uint32_t nretained)
{
    graph_type_row *rows = NULL;
    uint32_t nrows = 0;
    uint64_t *by_type = NULL;
    graph_status ret = GRAPH_ERR_NOMEM;
    if (graph_type_rows(g, false, &rows, &nrows)) goto out;
    uint32_t shown = nrows < REPORT_MAX_TYPE_ROWS ? nrows : REPORT_MAX_TYPE_ROWS;
    /* retained as `summary` shows it by default: one pass for every type */
    by_type = malloc(((size_t)g->ntypes + 1) * sizeof *by_type);
    if (!by_type || graph_type_retained(g, by_type)) goto out;
    json_object_begin(j, JSON_INLINE);
    json_kv_u64(j, "count", nrows);
    json_kv_u64(j, "retained_rows", nretained < shown ? nretained : shown);
    json_kv_array(j, "rows", JSON_TIGHT);
    for (uint32_t i = 0; i < shown; i++) {
        json_array_begin(j, JSON_INLINE);
        json_str(j, rows[i].name);
        json_u64(j, rows[i].type);
        json_u64(j, rows[i].count);
        json_u64(j, rows[i].shallow);
        if (i < nretained) json_u64(j, by_type[rows[i].type]);
        else json_null(j);
        json_end(j);
    }
    json_end(j);
    uint64_t oc = 0, os = 0;
    for (uint32_t i = shown; i < nrows; i++) oc += rows[i].count, os += rows[i].shallow;
    json_kv_object(j, "other", JSON_INLINE);
    json_kv_u64(j, "types", nrows - shown);
    json_kv_u64(j, "count", oc);
    json_kv_u64(j, "shallow", os);
    json_end(j);
    json_end(j);
    ret = GRAPH_OK;
out:
    free(rows);
    free(by_type);
    return ret;
}

/* ---- cycles: the rows of `heapsnap cycles` (graph_cycles_find), interpreter cycles counted ---- */
#define REPORT_CYCLE_TYPES 5u

static graph_status cycles_json(json_writer *j, const graph *g, uint32_t want, const graph_progress *progress)
{
    graph_cycle_list l;
    if (graph_cycles_find(g, &l, progress)) return GRAPH_ERR_NOMEM;
    uint32_t *which = malloc(((size_t)l.ngroups + 1) * 4), *row = malloc(((size_t)l.ngroups + 1) * 4),
             *ntypes = malloc(((size_t)l.ngroups + 1) * 4), *ndistinct = malloc(((size_t)l.ngroups + 1) * 4);
    graph_type_count *types = NULL;
    graph_status ret = GRAPH_ERR_NOMEM;
    uint32_t shown = 0, rows = 0;
    if (!which || !ntypes || !ndistinct || !row) goto out;
    for (uint32_t i = 0; i < l.ngroups; i++) {
        if (l.grp[i].interp) continue;
        if (shown < want) row[shown] = i, which[shown++] = l.grp[i].start;
        rows++;
    }
    types = malloc(((size_t)shown * REPORT_CYCLE_TYPES + 1) * sizeof *types);
    if (!types || graph_cycles_types(g, &l, which, shown, REPORT_CYCLE_TYPES, types, ntypes, ndistinct)) goto out;
    json_object_begin(j, JSON_INLINE);
    json_kv_u64(j, "count", l.n);
    json_kv_u64(j, "blocks", l.blocks);
    json_kv_u64(j, "bytes", l.bytes);
    json_kv_u64(j, "garbage", l.garbage);
    json_kv_u64(j, "garbage_bytes", l.garbage_bytes);
    json_kv_u64(j, "rows", rows);
    json_kv_u64(j, "hidden", l.hidden);
    json_kv_u64(j, "hidden_blocks", l.hidden_blocks);
    json_kv_u64(j, "hidden_bytes", l.hidden_bytes);
    json_kv_array(j, "list", JSON_TIGHT);
    char tbuf[256];
    for (uint32_t i = 0; i < shown; i++) {
        const graph_cycle_group *gr = &l.grp[row[i]];
        json_object_begin(j, JSON_INLINE);
        json_kv_u64(j, "count", gr->count);
        json_kv_u64(j, "members", gr->members);
        json_kv_u64(j, "kept", gr->kept);
        json_kv_u64(j, "bytes", gr->bytes);
        json_kv_bool(j, "garbage", !gr->reachable);
        json_kv_bool(j, "reachable", gr->reachable);
        json_kv_bool(j, "finalizer", gr->finalizer);
        json_kv_addr(j, "example", graph_addr(g, l.v[which[i]].first));
        json_kv_array(j, "types", JSON_INLINE);
        for (uint32_t k = 0; k < ntypes[i]; k++) {
            const graph_type_count *tc = &types[(size_t)i * REPORT_CYCLE_TYPES + k];
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "type", g->reader ? graph_type_name(g->reader, tc->type, tbuf, sizeof tbuf) : "?");
            json_kv_u64(j, "count", tc->count);
            json_end(j);
        }
        json_end(j);
        json_end(j);
    }
    json_end(j);
    json_end(j);
    ret = GRAPH_OK;
out:
    free(which);
    free(row);
    free(ntypes);
    free(ndistinct);
    free(types);
    graph_cycle_list_release(&l);
    return ret;
}

/* ---- the whole object ---- */
graph_status report_data_json(FILE *f, const char *path, const graph *g, const report_tree *t, const report_opts *o,
                     report_base *base)
{
    report_strs strs = {0};
    uint32_t *via = NULL;
    graph_status ret = GRAPH_ERR_NOMEM;
    json_writer jw, *j = &jw;
    json_init(j, f);
    if (graph_bfs(g, &via, NULL, o->progress)) goto out;
    json_object_begin(j, JSON_FLAT);
    json_same_line(j);
    json_kv_u64(j, "schema", 1);
    json_key(j, "header");
    header_json(j, path, g);
    /* the graph loaded only if every record decoded and every check passed */
    json_kv_object(j, "integrity", JSON_INLINE);
    json_kv_bool(j, "ok", true);
    json_kv_str(j, "checked", "every record decoded and validated; trailer counts, total and checksums verified");
    json_end(j);
    json_key(j, "graph");
    out_overview_json(j, g);
    json_kv_object(j, "budget", JSON_INLINE);
    json_kv_u64(j, "nodes", o->budget);
    json_kv_u64(j, "embedded", t->n);
    json_kv_u64(j, "tree_nodes", (uint64_t)g->n + 2);
    json_end(j);
    json_key(j, "growth");
    if (!base) json_null(j);
    else if (report_growth_json(j, base, t)) goto out;
    json_key(j, "suspects");
    if (suspects_json(j, g, t, o->nsuspects, o->progress)) goto out;
    json_key(j, "top");
    if (top_json(j, g, t, via, o->ntop)) goto out;
    json_key(j, "types");
    if (types_json(j, g, o->ntypes)) goto out;
    json_key(j, "cycles");
    if (cycles_json(j, g, o->ncycles, o->progress)) goto out;
    json_key(j, "tree");
    if (report_tree_json(j, g, t, &strs)) goto out;
    json_key(j, "strs");
    report_strs_json(j, &strs);
    json_end(j);
    fputc('\n', f);
    ret = GRAPH_OK;
out:
    free(via);
    report_strs_release(&strs);
    return ret;
}
