/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_data.c — the data object of `heapsnap report`, written as
 * one JSON value into the page: header and integrity, the leak suspects
 * (accumulation points), the largest retainers (as `heapsnap top`), the
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
static void json_str_or_null(FILE *f, const char *s)
{
    if (s) out_json_string(f, s, strlen(s));
    else fputs("null", f);
}

static void header_json(FILE *f, const char *path, const graph *g)
{
    const hs_header *h = g->reader ? hs_reader_header(g->reader) : NULL;
    fputs("{\"file\": ", f);
    out_json_string(f, path, strlen(path));
    fprintf(f, ", \"file_bytes\": %llu", (unsigned long long)g->file_bytes);
    if (h) {
        fprintf(f, ", \"format_version\": \"%u.%u\", \"producer\": ", h->version_major, h->version_minor);
        json_str_or_null(f, h->producer);
        fputs(", \"producer_version\": ", f);
        json_str_or_null(f, h->producer_version);
        fputs(", \"runtime\": ", f);
        json_str_or_null(f, h->runtime);
        fprintf(f, ", \"pid\": %llu, \"time_us\": %lld, \"pointer_size\": %u, \"hostname\": ",
                (unsigned long long)h->pid, (long long)h->time_us, h->pointer_size);
        json_str_or_null(f, h->hostname);
        fputs(", \"tags\": {", f);
        for (size_t i = 0; i < h->ntags; i++) {
            if (i) fputs(", ", f);
            out_json_string(f, h->tags[i].key, strlen(h->tags[i].key));
            fputs(": ", f);
            out_json_string(f, h->tags[i].value, strlen(h->tags[i].value));
        }
        fputc('}', f);
    }
    fprintf(f, ", \"heapsnap\": \"%s\"}", HS_LIB_VERSION_STRING);
}

/* ---- leak suspects ---- */
/* From v, follow the largest dominator child while it holds at least 80%
 * of its parent: where no child does, the memory fans out (an
 * accumulation point). */
static uint32_t accumulation_point(const graph *g, const report_tree *t, uint32_t v)
{
    for (uint32_t steps = 0; steps < g->n; steps++) {
        uint32_t c = report_tree_largest_child(g, t, v);
        if (c == GRAPH_NONE || g->retained[c] == 0 || (double)g->retained[c] < 0.8 * (double)g->retained[v]) break;
        v = c;
    }
    return v;
}

static void node_json(FILE *f, const graph *g, const report_tree *t, uint32_t v)
{
    out_block_json(f, g, v);
    fprintf(f, ", \"blocks\": %u, \"children\": %u, \"tree\": %d", t->count[v], t->off[v + 1] - t->off[v],
            t->pos[v] == GRAPH_NONE ? -1 : (int)t->pos[v]);
}

static int suspects_json(FILE *f, const graph *g, const report_tree *t, const uint32_t *via, uint32_t want)
{
    uint32_t ncand = 0, *cand = graph_top_select(g, want * 10 + 10, &ncand);
    uint32_t *acc = malloc(((size_t)want + 1) * 4), nacc = 0;
    if (!cand || !acc) {
        free(cand);
        free(acc);
        return -1;
    }
    for (uint32_t i = 0; i < ncand && nacc < want; i++) {
        uint32_t a = accumulation_point(g, t, cand[i]);
        bool seen = false;
        for (uint32_t j = 0; j < nacc; j++) seen |= acc[j] == a;
        if (!seen && g->retained[a]) acc[nacc++] = a;
    }
    /* largest first (insertion sort: a few dozen) */
    for (uint32_t i = 1; i < nacc; i++) {
        uint32_t x = acc[i], j = i;
        while (j > 0 && g->retained[acc[j - 1]] < g->retained[x]) acc[j] = acc[j - 1], j--;
        acc[j] = x;
    }
    fputc('[', f);
    for (uint32_t i = 0; i < nacc; i++) {
        uint32_t v = acc[i];
        fprintf(f, "%s\n  {\"block\": ", i ? "," : "");
        node_json(f, g, t, v);
        /* the largest children, what the memory is made of */
        fputs(", \"largest\": [", f);
        uint32_t big[3] = {GRAPH_NONE, GRAPH_NONE, GRAPH_NONE};
        for (uint32_t k = t->off[v]; k < t->off[v + 1]; k++) { /* the 3 largest children */
            uint32_t c = t->kids[k];
            for (int j = 0; j < 3; j++) {
                if (big[j] != GRAPH_NONE && g->retained[big[j]] >= g->retained[c]) continue;
                for (int m = 2; m > j; m--) big[m] = big[m - 1];
                big[j] = c;
                break;
            }
        }
        for (int j = 0; j < 3 && big[j] != GRAPH_NONE; j++) {
            if (j) fputs(", ", f);
            out_block_json(f, g, big[j]);
        }
        /* the dominator chain down to it, top first (at most 16) */
        uint32_t chain[16], nch = 0;
        for (uint32_t d = g->idom[v]; d != GRAPH_NONE && d < g->n && nch < 16; d = g->idom[d]) chain[nch++] = d;
        fputs("], \"dominators\": [", f);
        for (uint32_t k = nch; k-- > 0;) {
            out_block_json(f, g, chain[k]);
            fprintf(f, "%s", k ? ", " : "");
        }
        fputs("], \"path\": ", f);
        out_path_json(f, g, via, v);
        fputc('}', f);
    }
    fputs("]", f);
    free(cand);
    free(acc);
    return 0;
}

static int top_json(FILE *f, const graph *g, const report_tree *t, const uint32_t *via, uint32_t want)
{
    uint32_t n = 0, *top = graph_top_select(g, want, &n);
    if (!top) return -1;
    fputc('[', f);
    for (uint32_t i = 0; i < n; i++) {
        fprintf(f, "%s\n  {\"block\": ", i ? "," : "");
        node_json(f, g, t, top[i]);
        fputs(", \"path\": ", f);
        out_path_json(f, g, via, top[i]);
        fputc('}', f);
    }
    fputc(']', f);
    free(top);
    return 0;
}

/* ---- types: as `heapsnap summary` (shallow order), retained for the first ntypes ---- */
typedef struct type_row {
    uint32_t type;
    uint64_t count, shallow;
    char name[256];
} type_row;

static int cmp_rows(const void *a, const void *b)
{
    const type_row *x = a, *y = b;
    if (x->shallow != y->shallow) return x->shallow < y->shallow ? 1 : -1;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

#define REPORT_MAX_TYPE_ROWS 5000u

static int types_json(FILE *f, const graph *g, uint32_t nretained)
{
    uint32_t cap = g->ntypes;
    uint64_t *count = calloc((size_t)cap + 1, 8), *shallow = calloc((size_t)cap + 1, 8);
    type_row *rows = malloc(((size_t)cap + 1) * sizeof *rows);
    uint64_t *by_type = NULL;
    if (!count || !shallow || !rows) goto nomem;
    for (uint32_t v = 0; v < g->n; v++) count[g->type[v]]++, shallow[g->type[v]] += graph_size(g, v);
    uint32_t nrows = 0;
    for (uint32_t ty = 0; ty < cap; ty++) {
        if (!count[ty]) continue;
        type_row *r = &rows[nrows++];
        r->type = ty;
        r->count = count[ty];
        r->shallow = shallow[ty];
        if (g->reader) graph_type_name(g->reader, ty, r->name, sizeof r->name);
        else snprintf(r->name, sizeof r->name, "<type %u>", ty);
    }
    qsort(rows, nrows, sizeof *rows, cmp_rows);
    uint32_t shown = nrows < REPORT_MAX_TYPE_ROWS ? nrows : REPORT_MAX_TYPE_ROWS;
    /* retained as `summary` shows it by default: one pass for every type */
    by_type = malloc(((size_t)cap + 1) * sizeof *by_type);
    if (!by_type || graph_type_retained(g, by_type)) goto nomem;
    fprintf(f, "{\"count\": %u, \"retained_rows\": %u, \"rows\": [", nrows, nretained < shown ? nretained : shown);
    for (uint32_t i = 0; i < shown; i++) {
        fprintf(f, "%s\n  [", i ? "," : "");
        out_json_string(f, rows[i].name, strlen(rows[i].name));
        fprintf(f, ", %u, %llu, %llu, ", rows[i].type, (unsigned long long)rows[i].count,
                (unsigned long long)rows[i].shallow);
        if (i < nretained) {
            uint64_t ret = by_type[rows[i].type];
            fprintf(f, "%llu]", (unsigned long long)ret);
        } else {
            fputs("null]", f);
        }
    }
    uint64_t oc = 0, os = 0;
    for (uint32_t i = shown; i < nrows; i++) oc += rows[i].count, os += rows[i].shallow;
    fprintf(f, "], \"other\": {\"types\": %u, \"count\": %llu, \"shallow\": %llu}}", nrows - shown,
            (unsigned long long)oc, (unsigned long long)os);
    free(count);
    free(shallow);
    free(rows);
    free(by_type);
    return 0;
nomem:
    free(count);
    free(shallow);
    free(rows);
    free(by_type);
    return -1;
}

/* ---- cycles: as `heapsnap cycles` ---- */
typedef struct cyc {
    uint32_t id, members, first;
    uint64_t bytes;
} cyc;

static int cmp_cyc(const void *a, const void *b)
{
    const cyc *x = a, *y = b;
    if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
    if (x->members != y->members) return x->members < y->members ? 1 : -1;
    return x->first < y->first ? -1 : x->first > y->first;
}

static int cycles_json(FILE *f, const graph *g, uint32_t want, const graph_progress *progress)
{
    uint32_t *comp = NULL, ncomp = 0, *members = NULL, *slot = NULL;
    uint64_t *bytes = NULL;
    uint8_t *fin = NULL;
    cyc *list = NULL;
    int ret = -1;
    if (graph_scc(g, &comp, &ncomp, progress)) goto out;
    members = calloc((size_t)ncomp + 1, 4);
    bytes = calloc((size_t)ncomp + 1, 8);
    fin = calloc((size_t)ncomp + 1, 1);
    slot = malloc(((size_t)ncomp + 1) * 4);
    if (!members || !bytes || !fin || !slot) goto out;
    for (uint32_t v = 0; v < g->n; v++) members[comp[v]]++, bytes[comp[v]] += graph_size(g, v);
    for (uint32_t v = 0; v < g->n; v++) { /* a block holding itself strongly is a cycle of one */
        if (members[comp[v]] != 1) continue;
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
            if (g->out_to[e] == v && graph_is_strong(g->out_kind[e])) {
                members[comp[v]] = UINT32_MAX;
                break;
            }
    }
    for (uint32_t c = 0; c < ncomp; c++) slot[c] = GRAPH_NONE;
    uint32_t ncyc = 0;
    uint64_t cblocks = 0, cbytes = 0, garbage = 0, garbage_bytes = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t c = comp[v];
        if (members[c] <= 1) continue;
        if (graph_has_finalizer(g, v)) fin[c] = 1;
        if (slot[c] == GRAPH_NONE) slot[c] = v, ncyc++;
    }
    list = malloc(((size_t)ncyc + 1) * sizeof *list);
    if (!list) goto out;
    ncyc = 0;
    for (uint32_t c = 0; c < ncomp; c++) {
        if (members[c] <= 1) continue;
        uint32_t m = members[c] == UINT32_MAX ? 1 : members[c];
        list[ncyc++] = (cyc){c, m, slot[c], bytes[c]};
        cblocks += m;
        cbytes += bytes[c];
        if (!graph_reachable(g, slot[c])) garbage++, garbage_bytes += bytes[c];
    }
    qsort(list, ncyc, sizeof *list, cmp_cyc);
    uint32_t shown = ncyc < want ? ncyc : want;
    fprintf(f, "{\"count\": %u, \"blocks\": %llu, \"bytes\": %llu, \"garbage\": %llu, \"garbage_bytes\": %llu, \"list\": [",
            ncyc, (unsigned long long)cblocks, (unsigned long long)cbytes, (unsigned long long)garbage,
            (unsigned long long)garbage_bytes);
    /* the most common types of each shown cycle: one pass over the blocks, up to 64 types each */
    for (uint32_t c = 0; c < ncomp; c++) slot[c] = GRAPH_NONE;
    for (uint32_t i = 0; i < shown; i++) slot[list[i].id] = i;
    uint32_t (*tc)[64][2] = calloc((size_t)shown + 1, sizeof *tc);
    uint8_t *ntc = calloc((size_t)shown + 1, 1);
    if (!tc || !ntc) {
        free(tc);
        free(ntc);
        goto out;
    }
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t s = slot[comp[v]];
        if (s == GRAPH_NONE) continue;
        uint32_t j = 0;
        while (j < ntc[s] && tc[s][j][0] != g->type[v]) j++;
        if (j == ntc[s]) {
            if (j == 64) continue;
            tc[s][j][0] = g->type[v];
            tc[s][j][1] = 0;
            ntc[s]++;
        }
        tc[s][j][1]++;
    }
    char tbuf[256];
    for (uint32_t i = 0; i < shown; i++) {
        uint32_t v = list[i].first;
        fprintf(f, "%s\n  {\"members\": %u, \"bytes\": %llu, \"reachable\": %s, \"finalizer\": %s, \"example\": \"0x%llx\", \"types\": [",
                i ? "," : "", list[i].members, (unsigned long long)list[i].bytes,
                graph_reachable(g, v) ? "true" : "false", fin[list[i].id] ? "true" : "false",
                (unsigned long long)graph_addr(g, v));
        for (uint32_t k = 0; k < 5 && k < ntc[i]; k++) { /* selection of the 5 most common */
            uint32_t best = k;
            for (uint32_t j = k + 1; j < ntc[i]; j++)
                if (tc[i][j][1] > tc[i][best][1] || (tc[i][j][1] == tc[i][best][1] && tc[i][j][0] < tc[i][best][0]))
                    best = j;
            uint32_t t0 = tc[i][k][0], t1 = tc[i][k][1];
            tc[i][k][0] = tc[i][best][0], tc[i][k][1] = tc[i][best][1];
            tc[i][best][0] = t0, tc[i][best][1] = t1;
            const char *tn = g->reader ? graph_type_name(g->reader, tc[i][k][0], tbuf, sizeof tbuf) : "?";
            fprintf(f, "%s{\"type\": ", k ? ", " : "");
            out_json_string(f, tn, strlen(tn));
            fprintf(f, ", \"count\": %u}", tc[i][k][1]);
        }
        fputs("]}", f);
    }
    fputs("]}", f);
    free(tc);
    free(ntc);
    ret = 0;
out:
    free(comp);
    free(members);
    free(bytes);
    free(fin);
    free(slot);
    free(list);
    return ret;
}

/* ---- the whole object ---- */
int report_data_json(FILE *f, const char *path, const graph *g, const report_tree *t, const report_opts *o,
                     report_base *base)
{
    report_strs strs = {0};
    uint32_t *via = NULL;
    int ret = -1;
    if (graph_bfs(g, &via, NULL, o->progress)) goto out;
    fputs("{\"schema\": 1,\n\"header\": ", f);
    header_json(f, path, g);
    /* the graph loaded only if every record decoded and every check passed */
    fputs(",\n\"integrity\": {\"ok\": true, \"checked\": \"every record decoded and validated; trailer counts, "
          "total and checksums verified\"},\n\"graph\": ",
          f);
    out_overview(f, g, true);
    fprintf(f, ",\n\"budget\": {\"nodes\": %u, \"embedded\": %u, \"tree_nodes\": %u}", o->budget, t->n, g->n + 2);
    fputs(",\n\"growth\": ", f);
    if (!base) fputs("null", f);
    else if (report_growth_json(f, base, t)) goto out;
    fputs(",\n\"suspects\": ", f);
    if (suspects_json(f, g, t, via, o->nsuspects)) goto out;
    fputs(",\n\"top\": ", f);
    if (top_json(f, g, t, via, o->ntop)) goto out;
    fputs(",\n\"types\": ", f);
    if (types_json(f, g, o->ntypes)) goto out;
    fputs(",\n\"cycles\": ", f);
    if (cycles_json(f, g, o->ncycles, o->progress)) goto out;
    fputs(",\n\"tree\": ", f);
    if (report_tree_json(f, g, t, &strs)) goto out;
    fputs(",\n\"strs\": ", f);
    report_strs_json(f, &strs);
    fputs("}\n", f);
    ret = 0;
out:
    free(via);
    report_strs_release(&strs);
    return ret;
}
