/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_cycles.c — `heapsnap cycles FILE`: the reference cycles
 * that matter first (the list: graph_cycles_find()). One numbered row per
 * group of structurally identical cycles — garbage first, then by the bytes
 * they keep alive — with the group's count, members, kept-alive and own
 * bytes, finalizer flag, member types and an example cycle; the
 * interpreter's own cycles (classes, modules, functions and their
 * namespaces) are counted in one line, and --all lists them too. -n and
 * --min-bytes limit the rows, --garbage keeps the unreachable cycles.
 * Text or --json. See docs/cli.md#cycles.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct cycles_options {
    bool json, garbage, all;
    uint64_t n, min;
    bool index; /* --no-index: neither read nor write the index */
} cycles_options;

static const cycles_options cycles_defaults = {.n = 20, .index = true};

static const cli_opt cycles_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(cycles_options, json), NULL, "print JSON (schema in docs/cli.md#cycles)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(cycles_options, n), "N", "show the first N rows (default %D, 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(cycles_options, min), "B", "only rows keeping at least B bytes alive"},
    {"garbage", 0, CLI_BOOL, CLI_FIELD(cycles_options, garbage), NULL,
     "only cycles no root reaches (garbage awaiting collection, or leaked)"},
    {"all", 0, CLI_BOOL, CLI_FIELD(cycles_options, all), NULL,
     "also list the interpreter's own cycles (classes, modules, functions and their namespaces)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(cycles_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd cycles_cmd = {
    "cycles", "heapsnap cycles [--json] [-n N] [--min-bytes B] [--garbage] [--all] FILE",
    "Reference cycles, grouped by shape: garbage first, then by the bytes they keep alive.",
    cycles_opts, sizeof cycles_opts / sizeof cycles_opts[0], 1, 1, &cycles_defaults, sizeof cycles_defaults,
};

#define CYCLE_TYPES 5u   /* member types shown per row */
#define CYCLE_MEMBERS 6u /* example members shown per row */

static void put_name(const graph *g, uint32_t type, bool json, json_writer *j, const char *key)
{
    char tbuf[256];
    const char *tn = g->reader ? graph_type_name(g->reader, type, tbuf, sizeof tbuf) : "?";
    if (json) json_kv_str(j, key, tn);
    else out_text_safe(stdout, tn, strlen(tn));
}

/* A row's name: "{T1 ×3, T2}" of its most common member types, then
 * "held by NAME" (out_name) for a live cycle, "(garbage)" for garbage. */
static void row_name(const graph *g, const uint32_t *via, const graph_cycle_group *gr, const graph_cycle *c,
                     const graph_type_count *tc, uint32_t nt, bool more, char *buf, size_t cap)
{
    size_t len = 0;
    char t[256], held[768];
#define ADD(...) (len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, __VA_ARGS__), len = len < cap ? len : cap)
    ADD("{");
    for (uint32_t k = 0; k < nt; k++) {
        ADD("%s%s", k ? ", " : "", g->reader ? graph_type_name(g->reader, tc[k].type, t, sizeof t) : "?");
        if (tc[k].count > 1) ADD(" \xc3\x97%u", tc[k].count);
    }
    ADD("%s}", more ? ", \xe2\x80\xa6" : "");
    if (!gr->reachable) ADD(" (garbage)");
    else if (via) ADD(" held by %s", out_name(g, via, c->first, gr->count > 1 ? OUT_NAME_WILD : 0, held, sizeof held));
#undef ADD
}

int cmd_cycles(int argc, char **argv)
{
    char *args[1];
    int nargs;
    cycles_options o;
    int rc = cli_parse(&cycles_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_DOMINATORS | CLI_NEED_CYCLES, o.index))) return rc;
    graph_cycle_list l;
    uint32_t *shown = NULL, *ex = NULL, nshown = 0, listed = 0, *ntypes = NULL, *ndistinct = NULL, *mem = NULL,
             *nmem = NULL;
    uint64_t hidden = 0, hidden_blocks = 0, hidden_bytes = 0;
    uint32_t *via = NULL; /* the paths that name a live cycle's holder */
    graph_type_count *types = NULL;
    int ret = HS_EXIT_OK;
    if (graph_cycles_find(&g, &l, cli_progress())) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    /* the rows that pass --garbage and --all (the totals count every cycle), then -n and --min-bytes */
    shown = malloc(((size_t)l.ngroups + 1) * 4);
    ex = malloc(((size_t)l.ngroups + 1) * 4);
    if (!shown || !ex) goto nomem;
    for (uint32_t i = 0; i < l.ngroups; i++) {
        const graph_cycle_group *gr = &l.grp[i];
        if (o.garbage && gr->reachable) continue;
        if (gr->interp && !o.all) {
            hidden += gr->count, hidden_blocks += gr->members, hidden_bytes += gr->bytes;
            continue;
        }
        if (gr->kept < o.min) continue;
        if (nshown == listed && (o.n == 0 || nshown < o.n)) ex[nshown] = gr->start, shown[nshown++] = i;
        listed++;
    }
    types = malloc(((size_t)nshown * CYCLE_TYPES + 1) * sizeof *types);
    ntypes = malloc(((size_t)nshown + 1) * 4);
    ndistinct = malloc(((size_t)nshown + 1) * 4);
    mem = malloc(((size_t)nshown * CYCLE_MEMBERS + 1) * 4);
    nmem = malloc(((size_t)nshown + 1) * 4);
    if (!types || !ntypes || !ndistinct || !mem || !nmem ||
        graph_cycles_types(&g, &l, ex, nshown, CYCLE_TYPES, types, ntypes, ndistinct) ||
        graph_cycles_members(&g, &l, ex, nshown, CYCLE_MEMBERS, mem, nmem))
        goto nomem;
    char b1[32], b2[32], b3[32], b4[32], b5[32], name[1200];
    if (nshown && graph_bfs_named(&g, &via, NULL, cli_progress())) goto nomem;
    json_writer j;
    if (o.json) {
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", path);
        json_key(&j, "graph");
        out_overview_json(&j, &g);
        json_kv_object(&j, "cycles_total", JSON_INLINE);
        json_kv_u64(&j, "count", l.n);
        json_kv_u64(&j, "blocks", l.blocks);
        json_kv_u64(&j, "bytes", l.bytes);
        json_kv_u64(&j, "garbage", l.garbage);
        json_kv_u64(&j, "groups", l.ngroups);
        json_end(&j);
        json_kv_u64(&j, "hidden", hidden);
        json_kv_u64(&j, "hidden_blocks", hidden_blocks);
        json_kv_u64(&j, "hidden_bytes", hidden_bytes);
        json_kv_u64(&j, "rows", listed);
        json_kv_array(&j, "cycles", JSON_LINES);
    } else {
        out_overview(stdout, &g);
        printf("%s cycles: %s blocks, %s; %s of them garbage (unreachable); %s shapes\n", fmt_count(l.n, b1),
               fmt_count(l.blocks, b2), fmt_bytes(l.bytes, b3), fmt_count(l.garbage, b4),
               fmt_count(l.ngroups, b5));
        if (nshown) fputc('\n', stdout);
    }
    for (uint32_t i = 0; i < nshown; i++) {
        const graph_cycle_group *gr = &l.grp[shown[i]];
        const graph_cycle *c = &l.v[ex[i]];
        const graph_type_count *tc = types + (size_t)i * CYCLE_TYPES;
        const uint32_t *m = mem + (size_t)i * CYCLE_MEMBERS;
        row_name(&g, via, gr, c, tc, ntypes[i], ndistinct[i] > ntypes[i], name, sizeof name);
        if (o.json) {
            json_object_begin(&j, JSON_INLINE);
            json_kv_str(&j, "name", name);
            json_kv_u64(&j, "count", gr->count);
            json_kv_u64(&j, "members", gr->members);
            json_kv_u64(&j, "kept", gr->kept);
            json_kv_u64(&j, "bytes", gr->bytes);
            json_kv_bool(&j, "garbage", !gr->reachable);
            json_kv_bool(&j, "reachable", gr->reachable);
            json_kv_bool(&j, "finalizer", gr->finalizer);
            json_kv_bool(&j, "interpreter", gr->interp);
            json_kv_addr(&j, "example", graph_addr(&g, c->first));
            json_kv_array(&j, "types", JSON_INLINE);
            for (uint32_t k = 0; k < ntypes[i]; k++) {
                json_object_begin(&j, JSON_INLINE);
                put_name(&g, tc[k].type, true, &j, "type");
                json_kv_u64(&j, "count", tc[k].count);
                json_end(&j);
            }
            json_end(&j);
            json_kv_object(&j, "example_cycle", JSON_INLINE);
            json_kv_u64(&j, "members", c->members);
            json_kv_u64(&j, "kept", c->kept);
            json_kv_u64(&j, "bytes", c->bytes);
            json_kv_array(&j, "blocks", JSON_INLINE);
            for (uint32_t k = 0; k < nmem[i]; k++) {
                json_object_begin(&j, JSON_INLINE);
                json_kv_addr(&j, "addr", graph_addr(&g, m[k]));
                put_name(&g, g.type[m[k]], true, &j, "type");
                json_end(&j);
            }
            json_end(&j);
            json_end(&j);
            json_end(&j);
            continue;
        }
        printf("%3u. ", i + 1);
        const char *flag[3];
        int nf = 0;
        if (!gr->reachable) flag[nf++] = "garbage";
        if (gr->finalizer) flag[nf++] = "finalizer";
        if (gr->interp) flag[nf++] = "interpreter";
        for (int f = 0; f < nf; f++) printf("%s%s", f ? ", " : "", flag[f]);
        if (nf) fputs(": ", stdout);
        printf("%s \xc3\x97 {", fmt_count(gr->count, b1));
        for (uint32_t k = 0; k < ntypes[i]; k++) {
            if (k) fputs(", ", stdout);
            put_name(&g, tc[k].type, false, NULL, NULL);
            if (tc[k].count > 1) printf(" \xc3\x97%u", tc[k].count);
        }
        if (ndistinct[i] > ntypes[i]) fputs(", \xe2\x80\xa6", stdout);
        printf("} %s %s alive (%s own), e.g. 0x%llx\n", gr->count > 1 ? "keep" : "keeps", fmt_bytes(gr->kept, b2),
               fmt_bytes(gr->bytes, b3), (unsigned long long)graph_addr(&g, c->first));
        if (gr->reachable && via) {
            const char *h = strstr(name, "} held by ");
            if (h) {
                fputs("       held by ", stdout);
                out_text_safe(stdout, h + 10, strlen(h + 10));
                fputc('\n', stdout);
            }
        }
        fputs("       ", stdout);
        for (uint32_t k = 0; k < nmem[i]; k++) {
            if (k) fputs(", ", stdout);
            put_name(&g, g.type[m[k]], false, NULL, NULL);
            printf(" 0x%llx", (unsigned long long)graph_addr(&g, m[k]));
        }
        if (c->members > nmem[i]) printf(", \xe2\x80\xa6 (%s members)", fmt_count(c->members, b4));
        fputc('\n', stdout);
    }
    if (o.json) {
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else {
        if (nshown < listed)
            printf("... %u more %srows (see -n, --min-bytes)\n", listed - nshown, o.garbage ? "garbage " : "");
        if (hidden)
            printf("%s %sinterpreter cycles (type \xe2\x86\x94 __dict__/__mro__, functions \xe2\x86\x94 module globals; "
                   "%s blocks, %s) not shown; --all shows them\n",
                   fmt_count(hidden, b1), o.garbage ? "garbage " : "", fmt_count(hidden_blocks, b2),
                   fmt_bytes(hidden_bytes, b3));
    }
    goto out;
nomem:
    ret = cli_error("'%s': out of memory", path);
out:
    free(via);
    free(shown);
    free(ex);
    free(types);
    free(ntypes);
    free(ndistinct);
    free(mem);
    free(nmem);
    graph_cycle_list_release(&l);
    graph_release(&g);
    return ret;
}
