/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_growth.c — the "growth" member of the data of
 * `heapsnap report --base BEFORE`: what grew since BEFORE and who holds it,
 * with the diff library's own matching (diff.h): the owners first
 * (diff_groups_merge, diff_owners), then the types (diff_types_merge), then
 * the new objects by type and by owner (diff_new_blocks, diff_clusters),
 * with the same field names as `heapsnap diff --json`, plus the embedded
 * dominator-tree nodes that belong to a listed owner, for the highlights
 * in the tree and the picture. Strings go through out_json_string.
 * See docs/report.md#growth and docs/diff.md. No recursion.
 */
#include "out/out_diff.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

static void ba_json(FILE *f, const char *key, uint64_t before, uint64_t after)
{
    fprintf(f, "\"%s\": {\"before\": %llu, \"after\": %llu, \"delta\": ", key, (unsigned long long)before,
            (unsigned long long)after);
    out_json_delta(f, before, after);
    fputc('}', f);
}

static void str_json(FILE *f, const char *s)
{
    if (s) out_json_string(f, s, strlen(s));
    else fputs("null", f);
}

static const char *type_name_of(const report_base *b, uint64_t hash)
{
    const char *n = diff_out_type_of_hash(b->after, hash);
    return n ? n : diff_out_type_of_hash(b->before, hash);
}

static int tree_index(const report_tree *t, uint32_t v) { return t->pos[v] == GRAPH_NONE ? -1 : (int)t->pos[v]; }

static int owners_json(FILE *f, const report_base *b, const diff_owner *o, uint32_t n, const report_tree *t)
{
    const diff_snap *a = b->after;
    fputc('[', f);
    for (uint32_t i = 0; i < n; i++) {
        const diff_group *gr = &a->groups.v[o[i].group];
        uint32_t v = gr->example;
        char *name = diff_out_name(a, v);
        if (!name) return -1;
        char tbuf[256];
        fprintf(f, "%s\n  {\"owner\": ", i ? "," : "");
        str_json(f, name);
        free(name);
        fputs(", \"type\": ", f);
        str_json(f, out_type_name(&a->g, v, tbuf, sizeof tbuf));
        fprintf(f, ", \"entries\": %lld, \"entries_type\": ", (long long)o[i].entries);
        str_json(f, o[i].entries_type ? type_name_of(b, o[i].entries_type) : NULL);
        fprintf(f, ", \"children_added\": %lld, \"growth\": %lld, \"alike\": %llu, \"tree\": %d, ",
                (long long)o[i].children_added, (long long)o[i].growth, (unsigned long long)gr->count[1],
                tree_index(t, v));
        ba_json(f, "count", gr->count[0], gr->count[1]);
        fputs(", ", f);
        ba_json(f, "retained", gr->retained[0], gr->retained[1]);
        fputs(", \"block\": ", f);
        out_block_json(f, &a->g, v);
        fputs(", \"path\": ", f);
        diff_out_path_json(f, a, v);
        fputc('}', f);
    }
    fputs("]", f);
    return 0;
}

/* types that grew by at least the threshold (diff_types_merge's order) */
static void types_json(FILE *f, const report_base *b, const diff_type *ty, uint32_t nt)
{
    uint32_t shown = 0;
    fputc('[', f);
    for (uint32_t i = 0; i < nt && shown < b->rows; i++) {
        if (ty[i].shallow[1] <= ty[i].shallow[0] || ty[i].shallow[1] - ty[i].shallow[0] < b->noise) continue;
        fprintf(f, "%s\n  {\"type\": ", shown++ ? "," : "");
        str_json(f, ty[i].name);
        fputs(", ", f);
        ba_json(f, "count", ty[i].count[0], ty[i].count[1]);
        fputs(", ", f);
        ba_json(f, "shallow", ty[i].shallow[0], ty[i].shallow[1]);
        fputs(", ", f);
        ba_json(f, "retained", ty[i].retained[0], ty[i].retained[1]);
        fputc('}', f);
    }
    fputc(']', f);
}

/* new objects by type: the `rows` types with the most new bytes, at least the threshold */
static int new_types_json(FILE *f, const report_base *b, const diff_type *ty, uint32_t nt)
{
    uint32_t *pick = malloc(((size_t)b->rows + 1) * 4), np = 0;
    if (!pick) return -1;
    for (uint32_t i = 0; i < nt; i++) { /* insertion into the best `rows`, largest first */
        if (!ty[i].new_bytes || ty[i].new_bytes < b->noise) continue;
        uint32_t j = np < b->rows ? np++ : b->rows;
        while (j > 0 && (ty[pick[j - 1]].new_bytes < ty[i].new_bytes ||
                         (ty[pick[j - 1]].new_bytes == ty[i].new_bytes && ty[pick[j - 1]].new_count < ty[i].new_count))) {
            if (j < b->rows) pick[j] = pick[j - 1];
            j--;
        }
        if (j < b->rows) pick[j] = i;
    }
    fputc('[', f);
    for (uint32_t k = 0; k < np; k++) {
        const diff_type *t = &ty[pick[k]];
        fprintf(f, "%s\n  {\"type\": ", k ? "," : "");
        str_json(f, t->name);
        fprintf(f, ", \"count\": %llu, \"bytes\": %llu}", (unsigned long long)t->new_count,
                (unsigned long long)t->new_bytes);
    }
    fputc(']', f);
    free(pick);
    return 0;
}

static int clusters_json(FILE *f, const report_base *b, const diff_cluster *cl, uint32_t n, const report_tree *t)
{
    const diff_snap *a = b->after;
    fputc('[', f);
    for (uint32_t i = 0; i < n && i < b->rows; i++) {
        uint32_t owner = a->g.idom[cl[i].example];
        char *name = diff_out_name(a, owner);
        if (!name) return -1;
        char obuf[256];
        fprintf(f, "%s\n  {\"owner\": ", i ? "," : "");
        str_json(f, name);
        free(name);
        fputs(", \"owner_type\": ", f);
        str_json(f, out_type_name(&a->g, owner, obuf, sizeof obuf));
        fputs(", \"type\": ", f);
        const char *tn = type_name_of(b, cl[i].type_hash);
        str_json(f, tn ? tn : "?");
        fprintf(f, ", \"top\": %llu, \"objects\": %llu, \"bytes\": %llu, \"retained\": %llu, \"tree\": %d, \"example\": ",
                (unsigned long long)cl[i].top, (unsigned long long)cl[i].objects, (unsigned long long)cl[i].bytes,
                (unsigned long long)cl[i].retained, tree_index(t, owner));
        out_block_json(f, &a->g, cl[i].example);
        fputs(", \"path\": ", f);
        diff_out_path_json(f, a, cl[i].example);
        fputc('}', f);
    }
    fputc(']', f);
    return 0;
}

/* [[tree index, owner index], ...]: embedded nodes in a listed owner's group */
static int marks_json(FILE *f, const report_base *b, const diff_owner *o, uint32_t n, const report_tree *t)
{
    const diff_snap *a = b->after;
    uint32_t *rank = malloc(((size_t)a->groups.n + 1) * 4);
    if (!rank) return -1;
    memset(rank, 0xFF, ((size_t)a->groups.n + 1) * 4);
    for (uint32_t k = 0; k < n; k++) rank[o[k].group] = k;
    fputc('[', f);
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->n && n; i++) {
        uint32_t v = t->node[i];
        if (v >= a->g.n) continue; /* the virtual nodes own nothing */
        uint32_t gi = diff_group_index(a, v);
        if (gi == GRAPH_NONE || rank[gi] == GRAPH_NONE) continue;
        fprintf(f, "%s[%u, %u]", m++ ? ", " : "", i, rank[gi]);
    }
    fputc(']', f);
    free(rank);
    return 0;
}

int report_growth_json(FILE *f, report_base *b, const report_tree *t)
{
    diff_snap *a = b->after;
    uint8_t *isnew = NULL;
    diff_type *ty = NULL;
    diff_owner *own = NULL;
    diff_cluster *cl = NULL;
    uint32_t nt = 0, no = 0, ncl = 0;
    uint64_t nobj = 0, nbytes = 0;
    int ret = -1;
    if (!(isnew = diff_new_blocks(b->before, a))) goto out;
    if (!(ty = diff_types_merge(b->before, a, &nt))) goto out;
    if (diff_groups_merge(&a->groups, &b->before->groups)) goto out;
    if (!(own = diff_owners(&a->groups, b->noise, b->rows, &no))) goto out;
    if (!(cl = diff_clusters(a, diff_new_bit, isnew, b->noise, &ncl, &nobj, &nbytes))) goto out;
    fputs("{\"before\": ", f);
    diff_out_file_json(f, b->before);
    fputs(", \"after\": ", f);
    diff_out_file_json(f, a);
    fprintf(f, ", \"noise\": %llu, \"rows\": %u,\n\"owners\": ", (unsigned long long)b->noise, b->rows);
    if (owners_json(f, b, own, no, t)) goto out;
    fputs(",\n\"types\": ", f);
    types_json(f, b, ty, nt);
    fprintf(f, ",\n\"new\": {\"objects\": %llu, \"bytes\": %llu, \"by_type\": ", (unsigned long long)nobj,
            (unsigned long long)nbytes);
    if (new_types_json(f, b, ty, nt)) goto out;
    fputs(", \"by_owner\": ", f);
    if (clusters_json(f, b, cl, ncl, t)) goto out;
    fputs("},\n\"marks\": ", f);
    if (marks_json(f, b, own, no, t)) goto out;
    fputc('}', f);
    ret = 0;
out:
    free(isnew);
    if (ty)
        for (uint32_t i = 0; i < nt; i++) free(ty[i].name);
    free(ty);
    free(own);
    free(cl);
    return ret;
}
