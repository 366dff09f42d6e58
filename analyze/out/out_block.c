/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_block.c — what the graph commands (top, dominators, cycles,
 * path, show, summary) share: loading a snapshot into the graph with a
 * progress line and one-line errors, parsing ADDR, and printing blocks,
 * reference labels, roots, retainer paths and the graph overview as text
 * (terminal-safe) or JSON. See docs/cli.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "out/out.h"
#include "out/out_json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- names ---- */
const char *out_type_name(const graph *g, uint32_t v, char *buf, size_t cap)
{
    if (v == GRAPH_SUPER(g)) return "<roots>";
    if (v == GRAPH_UNREACH(g)) return "<unreachable>";
    if (!g->reader) {
        snprintf(buf, cap, "<type %u>", g->type[v]);
        return buf;
    }
    return graph_type_name(g->reader, g->type[v], buf, cap);
}

static const char *string_of(const graph *g, uint32_t id, size_t *len)
{
    const char *s = g->reader ? hs_reader_string(g->reader, id, len) : NULL;
    if (!s) *len = 0;
    return s;
}

void out_block(FILE *f, const graph *g, uint32_t v)
{
    char buf[256];
    const char *name = out_type_name(g, v, buf, sizeof buf);
    out_text_safe(f, name, strlen(name));
    if (v < g->n) fprintf(f, " 0x%llx", (unsigned long long)graph_addr(g, v));
}

void out_block_json(json_writer *j, const graph *g, uint32_t v)
{
    char buf[256];
    const char *name = out_type_name(g, v, buf, sizeof buf);
    json_object_begin(j, JSON_INLINE);
    if (v < g->n) json_kv_addr(j, "addr", graph_addr(g, v));
    else json_kv_null(j, "addr");
    json_kv_str(j, "type", name);
    json_kv_u64(j, "shallow", v < g->n ? graph_size(g, v) : 0);
    if (graph_has_retained(g)) {
        json_kv_u64(j, "retained", graph_retained(g, v));
        json_kv_bool(j, "reachable", graph_reachable(g, v));
    }
    json_end(j);
}

static const char *kind_names[] = {"strong", "weak", "other", "unknown"};
const char *out_kind_name(uint8_t kind) { return kind_names[kind & GRAPH_KIND_MASK]; }

/* the label of a reference encoded as (kind byte, label) */
void out_label_raw(FILE *f, const graph *g, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_INDEX) {
        if (kind & GRAPH_LABEL_CLIPPED) fprintf(f, "[>%u]", UINT32_MAX - 1);
        else fprintf(f, "[%u]", label);
    } else if (lt == HS_LABEL_STRING) {
        size_t len;
        const char *s = string_of(g, label, &len);
        fputc('.', f);
        if (s) out_text_safe(f, s, len);
        else fprintf(f, "<string %u>", label);
    }
}

void out_label_raw_json(json_writer *j, const graph *g, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_INDEX) {
        json_u64(j, kind & GRAPH_LABEL_CLIPPED ? UINT32_MAX : label);
    } else if (lt == HS_LABEL_STRING) {
        size_t len;
        const char *s = string_of(g, label, &len);
        if (s) json_strn(j, s, len);
        else json_null(j);
    } else {
        json_null(j);
    }
}

static const char *root_kind_names[] = {"other", "global", "stack", "external", "runtime"};

const char *out_root_kind_name(uint8_t kind) { return kind < 5 ? root_kind_names[kind] : "other"; }

void out_root_json(json_writer *j, const graph *g, uint32_t r)
{
    if (r >= g->nroots) { /* GRAPH_VIA_GARBAGE: a search of the garbage started here */
        json_object_begin(j, JSON_INLINE);
        json_kv_str(j, "root", "garbage");
        json_kv_null(j, "name");
        json_kv_u64(j, "count", 0);
        json_end(j);
        return;
    }
    const graph_root *rt = &g->roots[r];
    size_t len = 0;
    const char *name = rt->name == HS_NONE ? NULL : string_of(g, rt->name, &len);
    json_object_begin(j, JSON_INLINE);
    json_kv_str(j, "root", out_root_kind_name(rt->kind));
    if (name) json_kv_strn(j, "name", name, len);
    else json_kv_null(j, "name");
    json_kv_u64(j, "count", rt->count);
    json_end(j);
}

void out_root(FILE *f, const graph *g, uint32_t r)
{
    if (r >= g->nroots) { /* GRAPH_VIA_GARBAGE */
        fputs("garbage (no root reaches it)", f);
        return;
    }
    const graph_root *rt = &g->roots[r];
    const char *kn = out_root_kind_name(rt->kind);
    size_t len = 0;
    const char *name = rt->name == HS_NONE ? NULL : string_of(g, rt->name, &len);
    fprintf(f, "%s root", kn);
    if (name) {
        fputs(" '", f);
        out_text_safe(f, name, len);
        fputc('\'', f);
    }
}

/* ---- paths ---- */

/* One line: "global root 'app' -> builtins.module 0x1000 .cache -> builtins.dict 0x2000 .k1 -> (target)";
 * paths longer than 8 steps keep the first 3 and the last 4. */
void out_path_line(FILE *f, const graph *g, const uint32_t *via, uint32_t v)
{
    uint32_t *s;
    uint32_t n = graph_path_steps(g, via, v, &s);
    if (!n) {
        fputs(graph_reachable(g, v) ? "(no path)" : "(unreachable)", f);
        return;
    }
    out_root(f, g, s[0] - g->nedges);
    for (uint32_t i = 1; i < n; i++) {
        if (n > 8 && i == 3) {
            fprintf(f, " -> ... %u more steps ...", n - 7);
            i = n - 4;
        }
        fputs(" -> ", f);
        out_block(f, g, graph_edge_from(g, s[i]));
        uint32_t e = s[i];
        if ((g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u) {
            fputc(' ', f);
            out_label_raw(f, g, g->out_kind[e], graph_label(g, e));
        }
    }
    free(s);
}

/* JSON: [{"root": ...}, {"holder": block, "label": ...}, ...] or null */
void out_path_json(json_writer *j, const graph *g, const uint32_t *via, uint32_t v)
{
    uint32_t *s;
    uint32_t n = graph_path_steps(g, via, v, &s);
    if (!n) {
        json_null(j);
        return;
    }
    out_path_steps_json(j, g, s, n);
    free(s);
}

void out_path_steps_json(json_writer *j, const graph *g, const uint32_t *s, uint32_t n)
{
    json_array_begin(j, JSON_INLINE);
    out_root_json(j, g, s[0] - g->nedges);
    for (uint32_t i = 1; i < n; i++) {
        json_object_begin(j, JSON_INLINE);
        json_key(j, "holder");
        out_block_json(j, g, graph_edge_from(g, s[i]));
        json_key(j, "label");
        out_label_raw_json(j, g, g->out_kind[s[i]], graph_label(g, s[i]));
        json_end(j);
    }
    json_end(j);
}

/* ---- overview ---- */
void out_overview_json(json_writer *j, const graph *g)
{
    uint64_t ub = graph_has_retained(g) ? graph_retained(g, GRAPH_UNREACH(g)) : 0, rb = graph_has_retained(g) ? graph_retained(g, GRAPH_SUPER(g)) : 0;
    json_object_begin(j, JSON_INLINE);
    json_kv_u64(j, "blocks", g->n);
    json_kv_u64(j, "references", g->nedges);
    json_kv_u64(j, "strong_references", g->strong_edges);
    json_kv_u64(j, "roots", g->nroots);
    json_kv_u64(j, "total_shallow", g->total_shallow);
    json_kv_object(j, "reachable", JSON_INLINE);
    json_kv_u64(j, "blocks", g->reach_count);
    json_kv_u64(j, "bytes", rb);
    json_end(j);
    json_kv_object(j, "unreachable", JSON_INLINE);
    json_kv_u64(j, "blocks", g->unreach_count);
    json_kv_u64(j, "bytes", ub);
    json_end(j);
    json_kv_object(j, "missing", JSON_INLINE);
    json_kv_u64(j, "references", g->refs_missing);
    json_kv_u64(j, "addresses", g->missing_addrs);
    json_kv_u64(j, "orphan_references", g->refs_orphan);
    json_kv_u64(j, "roots", g->roots_missing);
    json_end(j);
    json_end(j);
}

void out_overview(FILE *f, const graph *g)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    uint64_t ub = graph_has_retained(g) ? graph_retained(g, GRAPH_UNREACH(g)) : 0, rb = graph_has_retained(g) ? graph_retained(g, GRAPH_SUPER(g)) : 0;
    fprintf(f, "%s blocks, %s references, %u roots; reachable: %s blocks, %s; unreachable: %s blocks, %s\n",
            fmt_count(g->n, b1), fmt_count(g->nedges, b2), g->nroots, fmt_count(g->reach_count, b3), fmt_bytes(rb, b4),
            fmt_count(g->unreach_count, b5), fmt_bytes(ub, b6));
    if (g->refs_missing || g->refs_orphan || g->roots_missing)
        fprintf(f, "not in the snapshot: %s references to undeclared blocks, %s references from undeclared holders, "
                   "%s roots; %s undeclared addresses\n",
                fmt_count(g->refs_missing, b1), fmt_count(g->refs_orphan, b3), fmt_count(g->roots_missing, b4),
                fmt_count(g->missing_addrs, b2));
}

/* ---- the file's header ---- */
void out_tags_json(json_writer *j, const hs_tag *tags, size_t n)
{
    json_object_begin(j, JSON_INLINE);
    for (size_t i = 0; i < n; i++) json_kv_str(j, tags[i].key, tags[i].value);
    json_end(j);
}

void out_header_json(json_writer *j, const char *path, uint64_t file_bytes, const hs_header *h)
{
    json_kv_str(j, "file", path);
    json_kv_u64(j, "file_bytes", file_bytes);
    if (!h) return;
    char v[32];
    snprintf(v, sizeof v, "%u.%u", h->version_major, h->version_minor);
    json_kv_str(j, "format_version", v);
    json_kv_str(j, "producer", h->producer);
    json_kv_str(j, "producer_version", h->producer_version);
    json_kv_str(j, "runtime", h->runtime);
    json_kv_u64(j, "pid", h->pid);
    json_kv_i64(j, "time_us", h->time_us);
    json_kv_u64(j, "pointer_size", h->pointer_size);
    json_kv_str(j, "hostname", h->hostname);
    json_key(j, "tags");
    out_tags_json(j, h->tags, h->ntags);
}
