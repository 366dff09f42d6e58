/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_growth.c — the "growth" member of the data of
 * `heapsnap report --base BEFORE`: what grew since BEFORE and who holds it,
 * with the diff library's own matching (diff.h): the owners first
 * (diff_groups_merge, diff_owners), then the types (diff_types_merge), then
 * the new objects by type and by owner (diff_new_blocks, diff_clusters),
 * with the same field names as `heapsnap diff --json`, plus the embedded
 * dominator-tree nodes that belong to a listed owner, for the highlights
 * in the tree and the picture. Written through the JSON writer.
 * See docs/report.md#growth and docs/diff.md. No recursion.
 */
#include "out/out_diff.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

static const char *type_name_of(const report_base *b, uint64_t hash)
{
    return out_diff_type_of_hash2(b->after, b->before, hash);
}

static int64_t tree_index(const report_tree *t, uint32_t v) { return t->pos[v] == GRAPH_NONE ? -1 : (int64_t)t->pos[v]; }

static graph_status owners_json(json_writer *j, const report_base *b, const diff_owner *o, uint32_t n, const report_tree *t)
{
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t i = 0; i < n; i++) {
        int64_t tree = tree_index(t, b->after->groups.v[o[i].group].example);
        out_diff_owner_json(j, b->before, b->after, &o[i], &tree);
    }
    json_end(j);
    return GRAPH_OK;
}

/* types that grew by at least the threshold (diff_types_merge's order) */
static void types_json(json_writer *j, const report_base *b, const diff_type *ty, uint32_t nt)
{
    uint32_t shown = 0;
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t i = 0; i < nt && shown < b->rows; i++) {
        if (ty[i].shallow[1] <= ty[i].shallow[0] || ty[i].shallow[1] - ty[i].shallow[0] < b->noise) continue;
        shown++;
        out_diff_type_json(j, &ty[i]);
    }
    json_end(j);
}

/* new objects by type: the `rows` types with the most new bytes, at least the threshold */
static graph_status new_types_json(json_writer *j, const report_base *b, const diff_type *ty, uint32_t nt)
{
    uint32_t *pick = malloc(((size_t)b->rows + 1) * 4), np = 0;
    if (!pick) return GRAPH_ERR_NOMEM;
    for (uint32_t i = 0; i < nt; i++) { /* insertion into the best `rows`, largest first */
        if (!ty[i].new_bytes || ty[i].new_bytes < b->noise) continue;
        uint32_t k = np < b->rows ? np++ : b->rows;
        while (k > 0 && (ty[pick[k - 1]].new_bytes < ty[i].new_bytes ||
                         (ty[pick[k - 1]].new_bytes == ty[i].new_bytes && ty[pick[k - 1]].new_count < ty[i].new_count))) {
            if (k < b->rows) pick[k] = pick[k - 1];
            k--;
        }
        if (k < b->rows) pick[k] = i;
    }
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t k = 0; k < np; k++) out_diff_new_type_json(j, &ty[pick[k]]);
    json_end(j);
    free(pick);
    return GRAPH_OK;
}

static graph_status clusters_json(json_writer *j, const report_base *b, const diff_cluster *cl, uint32_t n, const report_tree *t)
{
    const diff_snap *a = b->after;
    json_array_begin(j, JSON_TIGHT);
    for (uint32_t i = 0; i < n && i < b->rows; i++) {
        uint32_t owner = a->g.idom[cl[i].example];
        char *name = out_diff_name(a, owner);
        if (!name) return GRAPH_ERR_NOMEM;
        char obuf[256];
        const char *tn = type_name_of(b, cl[i].type_hash);
        int64_t tree = tree_index(t, owner);
        out_diff_cluster_json(j, a, &cl[i], name, out_type_name(&a->g, owner, obuf, sizeof obuf), tn ? tn : "?", &tree);
        free(name);
    }
    json_end(j);
    return GRAPH_OK;
}

/* [[tree index, owner index], ...]: embedded nodes in a listed owner's group */
static graph_status marks_json(json_writer *j, const report_base *b, const diff_owner *o, uint32_t n, const report_tree *t)
{
    const diff_snap *a = b->after;
    uint32_t *rank = malloc(((size_t)a->groups.n + 1) * 4);
    if (!rank) return GRAPH_ERR_NOMEM;
    memset(rank, 0xFF, ((size_t)a->groups.n + 1) * 4);
    for (uint32_t k = 0; k < n; k++) rank[o[k].group] = k;
    json_array_begin(j, JSON_INLINE);
    for (uint32_t i = 0; i < t->n && n; i++) {
        uint32_t v = t->node[i];
        if (v >= a->g.n) continue; /* the virtual nodes own nothing */
        uint32_t gi = diff_group_index(a, v);
        if (gi == GRAPH_NONE || rank[gi] == GRAPH_NONE) continue;
        json_array_begin(j, JSON_INLINE);
        json_u64(j, i);
        json_u64(j, rank[gi]);
        json_end(j);
    }
    json_end(j);
    free(rank);
    return GRAPH_OK;
}

graph_status report_growth_json(json_writer *j, report_base *b, const report_tree *t)
{
    diff_snap *a = b->after;
    uint8_t *isnew = NULL;
    diff_type *ty = NULL;
    diff_owner *own = NULL;
    diff_cluster *cl = NULL;
    uint32_t nt = 0, no = 0, ncl = 0;
    uint64_t nobj = 0, nbytes = 0;
    graph_status ret = GRAPH_ERR_NOMEM;
    if (!(isnew = diff_new_blocks(b->before, a))) goto out;
    if (!(ty = diff_types_merge(b->before, a, &nt))) goto out;
    if (diff_groups_merge(&a->groups, &b->before->groups)) goto out;
    if (!(own = diff_owners(&a->groups, b->noise, b->rows, &no))) goto out;
    if (!(cl = diff_clusters(a, diff_new_bit, isnew, b->noise, &ncl, &nobj, &nbytes))) goto out;
    json_object_begin(j, JSON_FLAT);
    json_same_line(j);
    json_key(j, "before");
    out_diff_file_json(j, b->before);
    json_same_line(j);
    json_key(j, "after");
    out_diff_file_json(j, a);
    json_same_line(j);
    json_kv_u64(j, "noise", b->noise);
    json_same_line(j);
    json_kv_u64(j, "rows", b->rows);
    json_key(j, "owners");
    if (owners_json(j, b, own, no, t)) goto out;
    json_key(j, "types");
    types_json(j, b, ty, nt);
    json_kv_object(j, "new", JSON_INLINE);
    json_kv_u64(j, "objects", nobj);
    json_kv_u64(j, "bytes", nbytes);
    json_key(j, "by_type");
    if (new_types_json(j, b, ty, nt)) goto out;
    json_key(j, "by_owner");
    if (clusters_json(j, b, cl, ncl, t)) goto out;
    json_end(j);
    json_key(j, "marks");
    if (marks_json(j, b, own, no, t)) goto out;
    json_end(j);
    ret = GRAPH_OK;
out:
    free(isnew);
    if (ty)
        for (uint32_t i = 0; i < nt; i++) free(ty[i].name);
    free(ty);
    free(own);
    free(cl);
    return ret;
}
