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

void out_block_json(FILE *f, const graph *g, uint32_t v)
{
    char buf[256];
    const char *name = out_type_name(g, v, buf, sizeof buf);
    fputs("{\"addr\": ", f);
    if (v < g->n) fprintf(f, "\"0x%llx\"", (unsigned long long)graph_addr(g, v));
    else fputs("null", f);
    fputs(", \"type\": ", f);
    out_json_string(f, name, strlen(name));
    uint64_t sh = v < g->n ? graph_size(g, v) : 0;
    fprintf(f, ", \"shallow\": %llu", (unsigned long long)sh);
    if (g->retained) fprintf(f, ", \"retained\": %llu, \"reachable\": %s", (unsigned long long)g->retained[v],
                             graph_reachable(g, v) ? "true" : "false");
    fputc('}', f);
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

void out_label_raw_json(FILE *f, const graph *g, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_INDEX) {
        fprintf(f, "%llu", kind & GRAPH_LABEL_CLIPPED ? (unsigned long long)UINT32_MAX : (unsigned long long)label);
    } else if (lt == HS_LABEL_STRING) {
        size_t len;
        const char *s = string_of(g, label, &len);
        if (s) out_json_string(f, s, len);
        else fputs("null", f);
    } else {
        fputs("null", f);
    }
}

static const char *root_kind_names[] = {"other", "global", "stack", "external", "runtime"};

void out_root(FILE *f, const graph *g, uint32_t r, bool json)
{
    const graph_root *rt = &g->roots[r];
    const char *kn = rt->kind < 5 ? root_kind_names[rt->kind] : "other";
    size_t len = 0;
    const char *name = rt->name == HS_NONE ? NULL : string_of(g, rt->name, &len);
    if (json) {
        fprintf(f, "{\"root\": \"%s\", \"name\": ", kn);
        if (name) out_json_string(f, name, len);
        else fputs("null", f);
        fprintf(f, ", \"count\": %llu}", (unsigned long long)rt->count);
        return;
    }
    fprintf(f, "%s root", kn);
    if (name) {
        fputs(" '", f);
        out_text_safe(f, name, len);
        fputc('\'', f);
    }
}

/* ---- paths ---- */
/* The edges of the path to v, root first: steps[0] = nedges + root, then
 * edge indices. Returns the count, or 0 when v is unreachable. */
uint32_t out_path_steps(const graph *g, const uint32_t *via, uint32_t v, uint32_t **steps)
{
    uint32_t cap = 16, n = 0;
    uint32_t *s = malloc(cap * 4);
    if (!s) return 0;
    while (via[v] != GRAPH_NONE) {
        if (n == cap) {
            uint32_t *ns = realloc(s, (size_t)cap * 2 * 4);
            if (!ns) {
                free(s);
                return 0;
            }
            s = ns;
            cap *= 2;
        }
        s[n++] = via[v];
        if (via[v] >= g->nedges) break;
        v = graph_edge_from(g, via[v]);
    }
    if (!n || via[v] == GRAPH_NONE) {
        free(s);
        return 0;
    }
    for (uint32_t i = 0; i < n / 2; i++) {
        uint32_t t = s[i];
        s[i] = s[n - 1 - i];
        s[n - 1 - i] = t;
    }
    *steps = s;
    return n;
}

/* One line: "global root 'app' -> builtins.module 0x1000 .cache -> builtins.dict 0x2000 .k1 -> (target)";
 * paths longer than 8 steps keep the first 3 and the last 4. */
void out_path_line(FILE *f, const graph *g, const uint32_t *via, uint32_t v)
{
    uint32_t *s;
    uint32_t n = out_path_steps(g, via, v, &s);
    if (!n) {
        fputs(graph_reachable(g, v) ? "(no path)" : "(unreachable)", f);
        return;
    }
    out_root(f, g, s[0] - g->nedges, false);
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
void out_path_json(FILE *f, const graph *g, const uint32_t *via, uint32_t v)
{
    uint32_t *s;
    uint32_t n = out_path_steps(g, via, v, &s);
    if (!n) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    out_root(f, g, s[0] - g->nedges, true);
    for (uint32_t i = 1; i < n; i++) {
        fputs(", {\"holder\": ", f);
        out_block_json(f, g, graph_edge_from(g, s[i]));
        fputs(", \"label\": ", f);
        out_label_raw_json(f, g, g->out_kind[s[i]], graph_label(g, s[i]));
        fputc('}', f);
    }
    fputc(']', f);
    free(s);
}

/* ---- overview ---- */
void out_overview(FILE *f, const graph *g, bool json)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    uint64_t ub = g->retained ? g->retained[GRAPH_UNREACH(g)] : 0, rb = g->retained ? g->retained[GRAPH_SUPER(g)] : 0;
    if (json) {
        fprintf(f, "{\"blocks\": %u, \"references\": %u, \"strong_references\": %llu, \"roots\": %u, "
                   "\"total_shallow\": %llu, \"reachable\": {\"blocks\": %llu, \"bytes\": %llu}, "
                   "\"unreachable\": {\"blocks\": %llu, \"bytes\": %llu}, "
                   "\"missing\": {\"references\": %llu, \"addresses\": %llu, \"orphan_references\": %llu, \"roots\": %llu}}",
                g->n, g->nedges, (unsigned long long)g->strong_edges, g->nroots, (unsigned long long)g->total_shallow,
                (unsigned long long)g->reach_count, (unsigned long long)rb, (unsigned long long)g->unreach_count,
                (unsigned long long)ub, (unsigned long long)g->refs_missing, (unsigned long long)g->missing_addrs,
                (unsigned long long)g->refs_orphan, (unsigned long long)g->roots_missing);
        return;
    }
    fprintf(f, "%s blocks, %s references, %u roots; reachable: %s blocks, %s; unreachable: %s blocks, %s\n",
            fmt_count(g->n, b1), fmt_count(g->nedges, b2), g->nroots, fmt_count(g->reach_count, b3), fmt_bytes(rb, b4),
            fmt_count(g->unreach_count, b5), fmt_bytes(ub, b6));
    if (g->refs_missing || g->refs_orphan || g->roots_missing)
        fprintf(f, "not in the snapshot: %s references to undeclared blocks, %s references from undeclared holders, "
                   "%s roots; %s undeclared addresses\n",
                fmt_count(g->refs_missing, b1), fmt_count(g->refs_orphan, b3), fmt_count(g->roots_missing, b4),
                fmt_count(g->missing_addrs, b2));
}
