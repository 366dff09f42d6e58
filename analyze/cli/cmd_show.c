/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_show.c — `heapsnap show FILE ADDR`: one block: type, shallow
 * and retained bytes, flags, reachability, its immediate dominator, its
 * shortest path from a root, the roots naming it, its referents and its
 * referrers with kinds and labels (the first 100 of each), and its
 * references to addresses not in the snapshot. Text or --json.
 * See docs/cli.md#show.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

#define SHOW_MAX 100u

typedef struct show_options {
    bool json;
    bool index; /* --no-index: neither read nor write the index */
} show_options;

static const show_options show_defaults = {.index = true};

static const cli_opt show_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(show_options, json), NULL, "print JSON (schema in docs/cli.md#show)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(show_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd show_cmd = {
    "show", "heapsnap show [--json] FILE ADDR",
    "One block: type, sizes, flags, referents and referrers with labels, dominator and path from a root.",
    show_opts, sizeof show_opts / sizeof show_opts[0], 2, 2, &show_defaults, sizeof show_defaults,
};

/* The name of flag bit i: "gc-tracked", ..., or "0x10" (buf holds it). */
static const char *flag_name(int i, char buf[16])
{
    static const char *names[] = {"gc-tracked", "finalizer", "uncollectable", "immortal"};
    if (i < 4) return names[i];
    snprintf(buf, 16, "0x%x", 1u << i);
    return buf;
}

/* "gc-tracked, finalizer" */
static void flag_names(uint8_t f, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < 8; i++) {
        if (!(f & (1u << i))) continue;
        char one[16];
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", flag_name(i, one));
        if (len >= cap) break;
    }
}

/* one reference row: kind, label, the other block */
static void ref_row(const graph *g, uint32_t other, uint8_t kind, uint32_t label, json_writer *j)
{
    char b1[32];
    if (j) {
        json_object_begin(j, JSON_INLINE);
        json_kv_str(j, "kind", out_kind_name(kind));
        json_key(j, "label");
        out_label_raw_json(j, g, kind, label);
        json_key(j, "block");
        out_block_json(j, g, other);
        json_end(j);
        return;
    }
    printf("  %-7s %10s  ", out_kind_name(kind), fmt_bytes(graph_size(g, other), b1));
    out_block(stdout, g, other);
    if ((kind >> GRAPH_LABEL_SHIFT) & 3u) {
        fputs("  ", stdout);
        out_label_raw(stdout, g, kind, label);
    }
    fputc('\n', stdout);
}

int cmd_show(int argc, char **argv)
{
    char *args[2];
    int nargs;
    show_options o;
    int rc = cli_parse(&show_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    if ((rc = cli_check_addr(&show_cmd, args[1]))) return rc;
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_PATHS | CLI_NEED_REFERRERS, o.index))) return rc;
    uint32_t v;
    if ((rc = cli_find_block(path, &g, args[1], "show", &v))) {
        graph_release(&g);
        return rc;
    }
    uint32_t *via;
    if (graph_bfs(&g, &via, NULL, cli_progress())) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    /* The text names one block's dominator and retained bytes: for a block
     * a root reaches, one linear pass finds them (graph_one_dominator). JSON
     * gives the retained bytes of every block it lists, and a garbage block's
     * dominator lies in the unreachable group's own tree: both need the
     * whole tree (docs/cli.md#show). */
    bool reached = via[v] != GRAPH_NONE;
    uint32_t dom;
    uint64_t ret;
    if (g.cache.idom && !o.json && reached) { /* brought by the index */
        dom = g.cache.idom[v], ret = graph_ret_at(&g.cache.ret, v);
    } else if (o.json || !reached) {
        if (graph_dominators(&g, cli_progress())) {
            free(via);
            graph_release(&g);
            return cli_error("'%s': out of memory computing dominators", path);
        }
        dom = g.idom[v], ret = graph_retained(&g, v);
    } else if (graph_one_dominator(&g, via, v, &dom, &ret)) {
        free(via);
        graph_release(&g);
        return cli_error("'%s': out of memory computing dominators", path);
    }
    char b1[32], b2[32], fl[256], tb[256];
    uint32_t nout = g.out_off[v + 1] - g.out_off[v], nin = 0;
    /* the referrers: from the reverse CSR when the index brought it, else one scan of every reference
     * (cheaper than building it for one block: docs/cli.md#show) */
    uint32_t *in = NULL;
    if (g.in_off) {
        nin = g.in_off[v + 1] - g.in_off[v];
        in = nin ? g.in_edge + g.in_off[v] : NULL;
    } else {
        for (uint32_t e = 0; e < g.nedges; e++) nin += g.out_to[e] == v;
        uint32_t k = 0, want = nin < SHOW_MAX ? nin : SHOW_MAX;
        in = malloc(((size_t)want + 1) * sizeof *in);
        if (!in) {
            free(via);
            graph_release(&g);
            return cli_error("'%s': out of memory", path);
        }
        for (uint32_t e = 0; e < g.nedges && k < want; e++)
            if (g.out_to[e] == v) in[k++] = e;
    }
    flag_names(g.flags[v], fl, sizeof fl);
    const char *tn = out_type_name(&g, v, tb, sizeof tb);
    if (o.json) {
        json_writer jw, *j = &jw;
        json_document_begin(j, stdout);
        json_kv_str(j, "file", path);
        json_key(j, "block");
        out_block_json(j, &g, v);
        json_kv_u64(j, "type_id", g.type[v]);
        json_kv_array(j, "flags", JSON_INLINE);
        for (int i = 0; i < 8; i++) {
            char one[16];
            if (g.flags[v] & (1u << i)) json_str(j, flag_name(i, one));
        }
        json_end(j);
        json_key(j, "dominator");
        out_block_json(j, &g, dom);
        json_key(j, "path");
        out_path_json(j, &g, via, v);
        json_kv_array(j, "roots", JSON_INLINE);
        for (uint32_t r = 0; r < g.nroots; r++)
            if (g.roots[r].node == v) out_root_json(j, &g, r);
        json_end(j);
        json_kv_u64(j, "referents_total", nout);
        json_kv_array(j, "referents", JSON_LINES);
        uint32_t k = 0;
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1] && k < SHOW_MAX; e++, k++)
            ref_row(&g, g.out_to[e], g.out_kind[e], graph_label(&g, e), j);
        json_end(j);
        json_kv_u64(j, "referrers_total", nin);
        json_kv_array(j, "referrers", JSON_LINES);
        k = 0;
        for (; k < nin && k < SHOW_MAX; k++)
            ref_row(&g, graph_edge_from(&g, in[k]), g.out_kind[in[k]], graph_label(&g, in[k]), j);
        json_end(j);
        json_kv_array(j, "missing_referents", JSON_INLINE);
        for (uint32_t i = 0; i < g.nmissing; i++) {
            const graph_missing_ref *m = &g.missing[i];
            if (m->from != v) continue;
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "kind", out_kind_name(m->kind));
            json_key(j, "label");
            out_label_raw_json(j, &g, m->kind, m->label);
            json_kv_addr(j, "addr", m->to);
            json_end(j);
        }
        json_end(j);
        json_end(j);
        fputc('\n', stdout);
    } else {
        printf("%-10s 0x%llx\n%-10s ", "block", (unsigned long long)graph_addr(&g, v), "type");
        out_text_safe(stdout, tn, strlen(tn));
        printf("\n%-10s %s (%s bytes)\n", "shallow", fmt_bytes(graph_size(&g, v), b1), fmt_count(graph_size(&g, v), b2));
        printf("%-10s %s (%s bytes)\n", "retained", fmt_bytes(ret, b1), fmt_count(ret, b2));
        printf("%-10s %s\n", "flags", fl[0] ? fl : "-");
        printf("%-10s %s\n%-10s ", "reachable", reached ? "yes" : "no (unreachable group)", "dominator");
        out_block(stdout, &g, dom);
        printf("\n%-10s ", "path");
        out_path_line(stdout, &g, via, v);
        fputc('\n', stdout);
        for (uint32_t r = 0; r < g.nroots; r++)
            if (g.roots[r].node == v) {
                printf("%-10s ", "root");
                out_root(stdout, &g, r);
                fputc('\n', stdout);
            }
        printf("\nreferents (%u):\n", nout);
        uint32_t k = 0;
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1] && k < SHOW_MAX; e++, k++)
            ref_row(&g, g.out_to[e], g.out_kind[e], graph_label(&g, e), NULL);
        if (nout > k) printf("  ... %u more\n", nout - k);
        for (uint32_t i = 0; i < g.nmissing; i++) {
            const graph_missing_ref *m = &g.missing[i];
            if (m->from != v) continue;
            printf("  %-7s %10s  0x%llx (not in the snapshot)", out_kind_name(m->kind), "?", (unsigned long long)m->to);
            if ((m->kind >> GRAPH_LABEL_SHIFT) & 3u) {
                fputs("  ", stdout);
                out_label_raw(stdout, &g, m->kind, m->label);
            }
            fputc('\n', stdout);
        }
        printf("\nreferrers (%u):\n", nin);
        k = 0;
        for (; k < nin && k < SHOW_MAX; k++)
            ref_row(&g, graph_edge_from(&g, in[k]), g.out_kind[in[k]], graph_label(&g, in[k]), NULL);
        if (nin > k) printf("  ... %u more\n", nin - k);
    }
    if (!g.in_off) free(in);
    free(via);
    graph_release(&g);
    return HS_EXIT_OK;
}
