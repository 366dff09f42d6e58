/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_cycles.c — `heapsnap cycles FILE`: the non-trivial strongly
 * connected components over strong references (more than one member, or a
 * block referring to itself), largest first by bytes: members, bytes, the
 * types involved, whether a member has a finalizer, and whether the cycle
 * is reachable from a root or garbage (the list: graph_cycles_find()). -n and --min-bytes limit the list;
 * --garbage keeps the unreachable cycles only (in a Python heap, classes
 * and modules make one large reachable component that would otherwise head
 * the list). Text or --json. See docs/cli.md#cycles.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct cycles_options {
    bool json, garbage;
    uint64_t n, min;
} cycles_options;

static const cycles_options cycles_defaults = {.n = 20};

static const cli_opt cycles_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(cycles_options, json), NULL, "print JSON (schema in docs/cli.md#cycles)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(cycles_options, n), "N", "show the N largest cycles (default %D, 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(cycles_options, min), "B", "only cycles of at least B bytes"},
    {"garbage", 0, CLI_BOOL, CLI_FIELD(cycles_options, garbage), NULL,
     "only cycles no root reaches (garbage awaiting collection, or leaked)"},
};

static const cli_cmd cycles_cmd = {
    "cycles", "heapsnap cycles [--json] [-n N] [--min-bytes B] [--garbage] FILE",
    "Reference cycles (strongly connected components over strong references), largest first.",
    cycles_opts, sizeof cycles_opts / sizeof cycles_opts[0], 1, 1, &cycles_defaults, sizeof cycles_defaults,
};

#define CYCLE_TYPES 5u /* member types shown per cycle */

int cmd_cycles(int argc, char **argv)
{
    char *args[1];
    int nargs;
    cycles_options o;
    int rc = cli_parse(&cycles_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
    graph_cycle_list l;
    uint32_t *shown = NULL, nshown = 0, listed = 0, *ntypes = NULL, *ndistinct = NULL;
    graph_type_count *types = NULL;
    int ret = HS_EXIT_OK;
    if (graph_cycles_find(&g, &l, cli_progress())) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    /* the cycles that pass --garbage (the totals count them all), then -n and --min-bytes */
    shown = malloc(((size_t)l.n + 1) * 4);
    if (!shown) goto nomem;
    for (uint32_t i = 0; i < l.n; i++) {
        if (o.garbage && l.v[i].reachable) continue;
        if (nshown == listed && (o.n == 0 || nshown < o.n) && l.v[i].bytes >= o.min) shown[nshown++] = i;
        listed++;
    }
    types = malloc(((size_t)nshown * CYCLE_TYPES + 1) * sizeof *types);
    ntypes = malloc(((size_t)nshown + 1) * 4);
    ndistinct = malloc(((size_t)nshown + 1) * 4);
    if (!types || !ntypes || !ndistinct ||
        graph_cycles_types(&g, &l, shown, nshown, CYCLE_TYPES, types, ntypes, ndistinct))
        goto nomem;
    char b1[32], b2[32], b3[32], tbuf[256];
    json_writer j;
    if (o.json) {
        json_init(&j, stdout);
        json_object_begin(&j, JSON_LINES);
        json_kv_str(&j, "file", path);
        json_key(&j, "graph");
        out_overview_json(&j, &g);
        json_kv_object(&j, "cycles_total", JSON_INLINE);
        json_kv_u64(&j, "count", l.n);
        json_kv_u64(&j, "blocks", l.blocks);
        json_kv_u64(&j, "bytes", l.bytes);
        json_kv_u64(&j, "garbage", l.garbage);
        json_end(&j);
        json_kv_array(&j, "cycles", JSON_LINES);
    } else {
        out_overview(stdout, &g);
        printf("%s cycles: %s blocks, %s; %s of them garbage (unreachable)\n", fmt_count(l.n, b1),
               fmt_count(l.blocks, b2), fmt_bytes(l.bytes, b3), fmt_count(l.garbage, tbuf));
        if (nshown) printf("\n%10s %12s  %-9s %-9s  %-12s %s\n", "members", "bytes", "state", "finalizer", "example", "types");
    }
    for (uint32_t i = 0; i < nshown; i++) {
        const graph_cycle *c = &l.v[shown[i]];
        const graph_type_count *tc = types + (size_t)i * CYCLE_TYPES;
        if (o.json) {
            json_object_begin(&j, JSON_INLINE);
            json_kv_u64(&j, "members", c->members);
            json_kv_u64(&j, "bytes", c->bytes);
            json_kv_bool(&j, "reachable", c->reachable);
            json_kv_bool(&j, "finalizer", c->finalizer);
            json_kv_addr(&j, "example", graph_addr(&g, c->first));
            json_kv_array(&j, "types", JSON_INLINE);
            for (uint32_t k = 0; k < ntypes[i]; k++) {
                json_object_begin(&j, JSON_INLINE);
                json_kv_str(&j, "type", g.reader ? graph_type_name(g.reader, tc[k].type, tbuf, sizeof tbuf) : "?");
                json_kv_u64(&j, "count", tc[k].count);
                json_end(&j);
            }
            json_end(&j);
            json_end(&j);
        } else {
            char ex[32];
            snprintf(ex, sizeof ex, "0x%llx", (unsigned long long)graph_addr(&g, c->first));
            printf("%10s %12s  %-9s %-9s  %-12s ", fmt_count(c->members, b1), fmt_bytes(c->bytes, b2),
                   c->reachable ? "reachable" : "garbage", c->finalizer ? "yes" : "no", ex);
            for (uint32_t k = 0; k < ntypes[i]; k++) {
                const char *tn = g.reader ? graph_type_name(g.reader, tc[k].type, tbuf, sizeof tbuf) : "?";
                if (k) fputs(", ", stdout);
                out_text_safe(stdout, tn, strlen(tn));
                printf(" x%u", tc[k].count);
            }
            if (ndistinct[i] > ntypes[i]) fputs(", ...", stdout);
            fputc('\n', stdout);
        }
    }
    if (o.json) {
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else if (nshown < listed) {
        printf("... %u more %scycles (see -n, --min-bytes)\n", listed - nshown, o.garbage ? "garbage " : "");
    }
    goto out;
nomem:
    ret = cli_error("'%s': out of memory", path);
out:
    free(shown);
    free(types);
    free(ntypes);
    free(ndistinct);
    graph_cycle_list_release(&l);
    graph_release(&g);
    return ret;
}
