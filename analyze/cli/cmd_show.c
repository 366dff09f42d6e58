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

static bool opt_json;

static const cli_opt show_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#show)"},
};

static const cli_cmd show_cmd = {
    "show", "heapsnap show [--json] FILE ADDR",
    "One block: type, sizes, flags, referents and referrers with labels, dominator and path from a root.",
    show_opts, sizeof show_opts / sizeof show_opts[0], 2, 2,
};

static void flag_names(uint8_t f, char *buf, size_t cap)
{
    static const char *names[] = {"gc-tracked", "finalizer", "uncollectable", "immortal"};
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < 8; i++) {
        if (!(f & (1u << i))) continue;
        char one[32];
        if (i < 4) snprintf(one, sizeof one, "%s", names[i]);
        else snprintf(one, sizeof one, "0x%x", 1u << i);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? (opt_json ? "\", \"" : ", ") : "", one);
        if (len >= cap) break;
    }
}

/* one reference row: kind, label, the other block */
static void ref_row(const graph *g, uint32_t other, uint8_t kind, uint32_t label, bool first)
{
    char b1[32];
    if (opt_json) {
        printf("%s\n    {\"kind\": \"%s\", \"label\": ", first ? "" : ",", out_kind_name(kind));
        out_label_raw_json(stdout, g, kind, label);
        printf(", \"block\": ");
        out_block_json(stdout, g, other);
        printf("}");
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
    opt_json = false;
    int rc = cli_parse(&show_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    uint64_t dummy;
    if (cli_addr_arg("show", show_cmd.usage, args[1], &dummy)) return HS_EXIT_USAGE;
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
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
    char b1[32], b2[32], fl[256], tb[256];
    uint32_t nout = g.out_off[v + 1] - g.out_off[v], nin = 0;
    for (uint32_t e = 0; e < g.nedges; e++) nin += g.out_to[e] == v;
    uint32_t nmiss = 0;
    for (uint32_t i = 0; i < g.nmissing; i++) nmiss += g.missing[i].from == v;
    uint32_t dom = g.idom[v];
    flag_names(g.flags[v], fl, sizeof fl);
    const char *tn = out_type_name(&g, v, tb, sizeof tb);
    if (opt_json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"block\": ");
        out_block_json(stdout, &g, v);
        printf(",\n  \"type_id\": %u,\n  \"flags\": %s%s%s,\n  \"dominator\": ", g.type[v], fl[0] ? "[\"" : "[", fl,
               fl[0] ? "\"]" : "]");
        out_block_json(stdout, &g, dom);
        printf(",\n  \"path\": ");
        out_path_json(stdout, &g, via, v);
        printf(",\n  \"roots\": [");
        uint32_t k = 0;
        for (uint32_t r = 0; r < g.nroots; r++)
            if (g.roots[r].node == v) {
                printf("%s", k++ ? ", " : "");
                out_root(stdout, &g, r, true);
            }
        printf("],\n  \"referents_total\": %u,\n  \"referents\": [", nout);
        k = 0;
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1] && k < SHOW_MAX; e++, k++)
            ref_row(&g, g.out_to[e], g.out_kind[e], graph_label(&g, e), k == 0);
        printf("%s],\n  \"referrers_total\": %u,\n  \"referrers\": [", k ? "\n  " : "", nin);
        k = 0;
        for (uint32_t e = 0; e < g.nedges && k < SHOW_MAX; e++)
            if (g.out_to[e] == v) ref_row(&g, graph_edge_from(&g, e), g.out_kind[e], graph_label(&g, e), k++ == 0);
        printf("%s],\n  \"missing_referents\": [", k ? "\n  " : "");
        k = 0;
        for (uint32_t i = 0; i < g.nmissing; i++) {
            const graph_missing_ref *m = &g.missing[i];
            if (m->from != v) continue;
            printf("%s{\"kind\": \"%s\", \"label\": ", k++ ? ", " : "", out_kind_name(m->kind));
            out_label_raw_json(stdout, &g, m->kind, m->label);
            printf(", \"addr\": \"0x%llx\"}", (unsigned long long)m->to);
        }
        printf("]\n}\n");
    } else {
        printf("%-10s 0x%llx\n%-10s ", "block", (unsigned long long)graph_addr(&g, v), "type");
        out_text_safe(stdout, tn, strlen(tn));
        printf("\n%-10s %s (%s bytes)\n", "shallow", fmt_bytes(graph_size(&g, v), b1), fmt_count(graph_size(&g, v), b2));
        printf("%-10s %s (%s bytes)\n", "retained", fmt_bytes(g.retained[v], b1), fmt_count(g.retained[v], b2));
        printf("%-10s %s\n", "flags", fl[0] ? fl : "-");
        printf("%-10s %s\n%-10s ", "reachable", graph_reachable(&g, v) ? "yes" : "no (unreachable group)", "dominator");
        out_block(stdout, &g, dom);
        printf("\n%-10s ", "path");
        out_path_line(stdout, &g, via, v);
        fputc('\n', stdout);
        for (uint32_t r = 0; r < g.nroots; r++)
            if (g.roots[r].node == v) {
                printf("%-10s ", "root");
                out_root(stdout, &g, r, false);
                fputc('\n', stdout);
            }
        printf("\nreferents (%u):\n", nout);
        uint32_t k = 0;
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1] && k < SHOW_MAX; e++, k++)
            ref_row(&g, g.out_to[e], g.out_kind[e], graph_label(&g, e), false);
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
        for (uint32_t e = 0; e < g.nedges && k < SHOW_MAX; e++)
            if (g.out_to[e] == v) ref_row(&g, graph_edge_from(&g, e), g.out_kind[e], graph_label(&g, e), false), k++;
        if (nin > k) printf("  ... %u more\n", nin - k);
    }
    (void)nmiss;
    free(via);
    graph_release(&g);
    return HS_EXIT_OK;
}
