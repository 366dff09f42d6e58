/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_cycles.c — `heapsnap cycles FILE`: the non-trivial strongly
 * connected components over strong references (more than one member, or a
 * block referring to itself), largest first by bytes: members, bytes, the
 * types involved, whether a member has a finalizer, and whether the cycle
 * is reachable from a root or garbage. -n and --min-bytes limit the list;
 * --garbage keeps the unreachable cycles only (in a Python heap, classes
 * and modules make one large reachable component that would otherwise head
 * the list). Text or --json. See docs/cli.md#cycles.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json, opt_garbage;
static uint64_t opt_n, opt_min;

static const cli_opt cycles_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#cycles)"},
    {"top", 'n', CLI_UINT, &opt_n, "N", "show the N largest cycles (default 20, 0 = all)"},
    {"min-bytes", 0, CLI_UINT, &opt_min, "B", "only cycles of at least B bytes"},
    {"garbage", 0, CLI_BOOL, &opt_garbage, NULL, "only cycles no root reaches (garbage awaiting collection, or leaked)"},
};

static const cli_cmd cycles_cmd = {
    "cycles", "heapsnap cycles [--json] [-n N] [--min-bytes B] [--garbage] FILE",
    "Reference cycles (strongly connected components over strong references), largest first.",
    cycles_opts, sizeof cycles_opts / sizeof cycles_opts[0], 1, 1,
};

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

typedef struct tcount {
    uint32_t type, count;
} tcount;

static int cmp_tcount(const void *a, const void *b)
{
    const tcount *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return x->type < y->type ? -1 : x->type > y->type;
}

int cmd_cycles(int argc, char **argv)
{
    char *args[1];
    int nargs;
    opt_json = false;
    opt_n = 20;
    opt_min = 0;
    opt_garbage = false;
    int rc = cli_parse(&cycles_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    graph g;
    if ((rc = cli_graph_load(path, &g, true))) return rc;
    uint32_t *comp = NULL, ncomp = 0;
    uint32_t *members = NULL, *slot = NULL;
    uint64_t *bytes = NULL;
    cyc *list = NULL;
    tcount *tc = NULL;
    uint32_t *moff = NULL, *mem = NULL;
    int ret = HS_EXIT_OK;
    if (graph_scc(&g, &comp, &ncomp, cli_progress())) goto nomem;
    members = calloc((size_t)ncomp + 1, 4);
    bytes = calloc((size_t)ncomp + 1, 8);
    if (!members || !bytes) goto nomem;
    for (uint32_t v = 0; v < g.n; v++) members[comp[v]]++, bytes[comp[v]] += graph_size(&g, v);
    /* a singleton is a cycle when it holds itself strongly: mark with members = UINT32_MAX */
    for (uint32_t v = 0; v < g.n; v++) {
        if (members[comp[v]] != 1) continue;
        for (uint32_t e = g.out_off[v]; e < g.out_off[v + 1]; e++)
            if (g.out_to[e] == v && graph_is_strong(g.out_kind[e])) {
                members[comp[v]] = UINT32_MAX;
                break;
            }
    }
    uint32_t ncyc = 0;
    uint64_t cyc_blocks = 0, cyc_bytes = 0, garbage = 0;
    for (uint32_t c = 0; c < ncomp; c++)
        if (members[c] > 1) ncyc++;
    list = malloc(((size_t)ncyc + 1) * sizeof *list);
    slot = malloc(((size_t)ncomp + 1) * 4);
    if (!list || !slot) goto nomem;
    ncyc = 0;
    for (uint32_t c = 0; c < ncomp; c++) {
        slot[c] = GRAPH_NONE;
        if (members[c] <= 1) continue;
        uint32_t m = members[c] == UINT32_MAX ? 1 : members[c];
        list[ncyc++] = (cyc){c, m, GRAPH_NONE, bytes[c]};
        cyc_blocks += m;
        cyc_bytes += bytes[c];
    }
    for (uint32_t v = 0; v < g.n; v++) { /* first member (lowest index) of each cycle */
        uint32_t c = comp[v];
        if (members[c] > 1 && slot[c] == GRAPH_NONE) slot[c] = v;
    }
    uint32_t listed = 0; /* the cycles that pass --garbage; the totals count them all */
    for (uint32_t i = 0; i < ncyc; i++) {
        list[i].first = slot[list[i].id];
        bool reach = graph_reachable(&g, list[i].first);
        if (!reach) garbage++;
        if (!opt_garbage || !reach) list[listed++] = list[i];
    }
    qsort(list, listed, sizeof *list, cmp_cyc);
    uint32_t shown = 0;
    while (shown < listed && (opt_n == 0 || shown < opt_n) && list[shown].bytes >= opt_min) shown++;
    /* the members of the shown cycles, grouped: slot[comp] = position in list */
    for (uint32_t c = 0; c < ncomp; c++) slot[c] = GRAPH_NONE;
    for (uint32_t i = 0; i < shown; i++) slot[list[i].id] = i;
    uint64_t msum = 0;
    for (uint32_t i = 0; i < shown; i++) msum += list[i].members;
    moff = calloc((size_t)shown + 1, 4);
    mem = malloc((size_t)(msum ? msum : 1) * 4);
    if (!moff || !mem) goto nomem;
    for (uint32_t i = 0; i < shown; i++) moff[i + 1] = moff[i] + list[i].members;
    uint32_t *fill = calloc((size_t)shown + 1, 4);
    if (!fill) goto nomem;
    for (uint32_t v = 0; v < g.n; v++) {
        uint32_t s = slot[comp[v]];
        if (s != GRAPH_NONE) mem[moff[s] + fill[s]++] = v;
    }
    free(fill);
    char b1[32], b2[32], b3[32], tbuf[256];
    if (opt_json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"graph\": ");
        out_overview(stdout, &g, true);
        printf(",\n  \"cycles_total\": {\"count\": %u, \"blocks\": %llu, \"bytes\": %llu, \"garbage\": %llu},\n  \"cycles\": [",
               ncyc, (unsigned long long)cyc_blocks, (unsigned long long)cyc_bytes, (unsigned long long)garbage);
    } else {
        out_overview(stdout, &g, false);
        printf("%s cycles: %s blocks, %s; %s of them garbage (unreachable)\n", fmt_count(ncyc, b1),
               fmt_count(cyc_blocks, b2), fmt_bytes(cyc_bytes, b3), fmt_count(garbage, tbuf));
        if (shown) printf("\n%10s %12s  %-9s %-9s  %-12s %s\n", "members", "bytes", "state", "finalizer", "example", "types");
    }
    for (uint32_t i = 0; i < shown; i++) {
        uint32_t *m = mem + moff[i], nm = list[i].members;
        bool fin = false, reach = graph_reachable(&g, list[i].first);
        size_t ntc = 0;
        tcount *t2 = realloc(tc, (size_t)nm * sizeof *tc);
        if (!t2) goto nomem;
        tc = t2;
        for (uint32_t k = 0; k < nm; k++) {
            fin |= graph_has_finalizer(&g, m[k]);
            size_t j = 0;
            while (j < ntc && tc[j].type != g.type[m[k]]) j++;
            if (j == ntc) tc[ntc++] = (tcount){g.type[m[k]], 0};
            tc[j].count++;
            if (ntc > 64) break; /* enough types to describe it */
        }
        qsort(tc, ntc, sizeof *tc, cmp_tcount);
        size_t tshow = ntc < 5 ? ntc : 5;
        if (opt_json) {
            printf("%s\n    {\"members\": %u, \"bytes\": %llu, \"reachable\": %s, \"finalizer\": %s, \"example\": \"0x%llx\", \"types\": [",
                   i ? "," : "", nm, (unsigned long long)list[i].bytes, reach ? "true" : "false", fin ? "true" : "false",
                   (unsigned long long)graph_addr(&g, list[i].first));
            for (size_t j = 0; j < tshow; j++) {
                const char *tn = g.reader ? graph_type_name(g.reader, tc[j].type, tbuf, sizeof tbuf) : "?";
                printf("%s{\"type\": ", j ? ", " : "");
                out_json_string(stdout, tn, strlen(tn));
                printf(", \"count\": %u}", tc[j].count);
            }
            printf("]}");
        } else {
            char ex[32];
            snprintf(ex, sizeof ex, "0x%llx", (unsigned long long)graph_addr(&g, list[i].first));
            printf("%10s %12s  %-9s %-9s  %-12s ", fmt_count(nm, b1), fmt_bytes(list[i].bytes, b2),
                   reach ? "reachable" : "garbage", fin ? "yes" : "no", ex);
            for (size_t j = 0; j < tshow; j++) {
                const char *tn = g.reader ? graph_type_name(g.reader, tc[j].type, tbuf, sizeof tbuf) : "?";
                if (j) fputs(", ", stdout);
                out_text_safe(stdout, tn, strlen(tn));
                printf(" x%u", tc[j].count);
            }
            if (ntc > tshow) fputs(", ...", stdout);
            fputc('\n', stdout);
        }
    }
    if (opt_json) printf("%s]\n}\n", shown ? "\n  " : "");
    else if (shown < listed) printf("... %u more %scycles (see -n, --min-bytes)\n", listed - shown, opt_garbage ? "garbage " : "");
    goto out;
nomem:
    ret = cli_error("'%s': out of memory", path);
out:
    free(moff);
    free(mem);
    free(tc);
    free(comp);
    free(members);
    free(bytes);
    free(list);
    free(slot);
    graph_release(&g);
    return ret;
}
