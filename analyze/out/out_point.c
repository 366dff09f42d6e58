/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_point.c — one row of accumulation points
 * (graph_points_find) as text or JSON: its readable name (out_name), the
 * count and total of a group, the example block, what it holds and the
 * references only C code accounts for. Used by top, suspects and the
 * report. See docs/cli.md#top.
 */
#include "out/out.h"

#include <stdlib.h>
#include <string.h>

static void row_name(const graph *g, const uint32_t *via, const graph_point *r, char *buf, size_t cap)
{
    out_name(g, via, r->example, r->count > 1 ? OUT_NAME_WILD : 0, buf, cap);
}

void out_point_json(json_writer *j, const graph *g, const uint32_t *via, const graph_point *r)
{
    char name[1024], t[256];
    row_name(g, via, r, name, sizeof name);
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "name", name);
    json_kv_str(j, "type", out_type_name(g, r->example, t, sizeof t));
    json_kv_u64(j, "count", r->count);
    json_kv_u64(j, "retained", r->retained);
    json_kv_u64(j, "shallow", r->shallow);
    json_kv_u64(j, "folded", r->folded);
    json_kv_u64(j, "external_refs", r->external);
    json_kv_array(j, "holds", JSON_INLINE);
    for (int h = 0; h < 2 && r->held[h].count; h++) {
        json_object_begin(j, JSON_INLINE);
        json_kv_str(j, "type", graph_type_name(g->reader, r->held[h].type, t, sizeof t));
        json_kv_u64(j, "count", r->held[h].count);
        json_kv_u64(j, "retained", r->held[h].retained);
        json_end(j);
    }
    json_end(j);
    json_key(j, "block");
    out_block_json(j, g, r->example);
    json_key(j, "path");
    out_path_json(j, g, via, r->example);
    json_end(j);
}

/* "  3.   15.4 MiB  40 × __main__.TypeCheckError (unreachable)" and a line of facts */
void out_point_text(FILE *f, const graph *g, const uint32_t *via, const graph_point *r, uint32_t i)
{
    char name[1024], b1[32], b2[32], t[256];
    row_name(g, via, r, name, sizeof name);
    fprintf(f, "%3u. %10s  ", i + 1, fmt_bytes(r->retained, b1));
    if (r->count > 1) fprintf(f, "%s \xc3\x97 ", fmt_count(r->count, b2));
    out_text_safe(f, name, strlen(name));
    fprintf(f, "\n%17s", "");
    if (r->count > 1) {
        fputs("e.g. ", f);
        out_block(f, g, r->example);
        fprintf(f, " (%s); %s own in all", fmt_bytes(r->largest, b1), fmt_bytes(r->shallow, b2));
    } else {
        out_block(f, g, r->example);
        fprintf(f, ", %s own", fmt_bytes(r->shallow, b1));
    }
    for (int h = 0; h < 2 && r->held[h].count; h++) {
        const char *tn = graph_type_name(g->reader, r->held[h].type, t, sizeof t);
        fprintf(f, "%s %s \xc3\x97 ", h ? "," : "; holds", fmt_count(r->held[h].count, b1));
        out_text_safe(f, tn, strlen(tn));
        fprintf(f, " (%s)", fmt_bytes(r->held[h].retained, b2));
    }
    uint64_t ext = r->external;
    if (ext) fprintf(f, "; also held by C code: %s reference%s no object in the dump accounts for", fmt_count(ext, b1),
                     ext == 1 ? "" : "s");
    fputc('\n', f);
}

