/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_summary.c — `heapsnap summary FILE`: per declared type, the
 * number of blocks, their shallow bytes and their retained bytes, largest
 * first (ties: more blocks, then name); -n limits the rows, the rest are
 * folded into one line; text or --json. Retained: by default what the
 * instances keep alive on their own (graph_type_retained, one pass over the
 * dominator tree); with --exact what goes once they all go
 * (graph_set_retained, one search per shown type).
 * See docs/cli.md#summary.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct summary_options {
    bool json, exact;
    uint64_t n;
    const char *sort;
    bool index; /* --no-index: neither read nor write the index */
} summary_options;

static const summary_options summary_defaults = {.n = 25, .sort = "shallow", .index = true};

static const cli_opt summary_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(summary_options, json), NULL, "print JSON (schema in docs/cli.md#summary)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(summary_options, n), "N", "show the N largest types (default %D, 0 = all)"},
    {"sort", 0, CLI_STRING, CLI_FIELD(summary_options, sort), "KEY", "order rows by 'shallow' (default) or 'count'"},
    {"exact", 0, CLI_BOOL, CLI_FIELD(summary_options, exact), NULL,
     "retained: what goes if every instance goes (one search per row)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(summary_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd summary_cmd = {
    "summary", "heapsnap summary [--json] [-n N] [--sort shallow|count] FILE",
    "Per type: number of blocks, shallow bytes and retained bytes of all its instances, largest first.",
    summary_opts, sizeof summary_opts / sizeof summary_opts[0], 1, 1, &summary_defaults, sizeof summary_defaults,
};

int cmd_summary(int argc, char **argv)
{
    char *args[1];
    int nargs;
    summary_options o;
    int rc = cli_parse(&summary_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (strcmp(o.sort, "shallow") != 0 && strcmp(o.sort, "count") != 0) {
        fprintf(stderr, "heapsnap summary: --sort takes 'shallow' or 'count', not '%s'\nusage: %s\n", o.sort,
                summary_cmd.usage);
        return HS_EXIT_USAGE;
    }
    const char *path = args[0];

    graph g;
    int lrc = cli_graph_load(path, &g, CLI_NEED_DOMINATORS | CLI_NEED_TYPES, o.index);
    if (lrc) return lrc;
    graph_type_row *rows = NULL;
    uint32_t nrows = 0;
    if (graph_type_rows(&g, strcmp(o.sort, "count") == 0, &rows, &nrows)) {
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    uint64_t total_count = 0, total_shallow = 0;
    for (uint32_t i = 0; i < nrows; i++) total_count += rows[i].count, total_shallow += rows[i].shallow;
    uint32_t shown = o.n == 0 || o.n > nrows ? nrows : (uint32_t)o.n;
    uint64_t *by_type = o.exact ? NULL : malloc(((size_t)g.ntypes + 1) * sizeof *by_type);
    bool failed = !o.exact && (!by_type || graph_type_retained(&g, by_type));
    for (uint32_t i = 0; i < shown && !failed; i++) {
        if (o.exact) failed = graph_set_retained(&g, rows[i].type, &rows[i].retained) != GRAPH_OK;
        else rows[i].retained = by_type[rows[i].type];
    }
    free(by_type);
    if (failed) {
        free(rows);
        graph_release(&g);
        return cli_error("'%s': out of memory", path);
    }
    char b1[32], b2[32], b3[32];
    if (o.json) {
        json_writer j;
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", path);
        json_kv_u64(&j, "blocks", total_count);
        json_kv_u64(&j, "total_shallow", total_shallow);
        json_kv_str(&j, "retained_measure", o.exact ? "exact" : "own");
        json_kv_u64(&j, "type_count", nrows);
        json_kv_array(&j, "types", JSON_LINES);
        for (uint32_t i = 0; i < shown; i++) {
            json_object_begin(&j, JSON_INLINE);
            json_kv_str(&j, "type", rows[i].name);
            json_kv_u64(&j, "type_id", rows[i].type);
            json_kv_u64(&j, "count", rows[i].count);
            json_kv_u64(&j, "shallow", rows[i].shallow);
            json_kv_u64(&j, "retained", rows[i].retained);
            json_end(&j);
        }
        json_end(&j);
        uint64_t oc = 0, os = 0;
        for (uint32_t i = shown; i < nrows; i++) oc += rows[i].count, os += rows[i].shallow;
        json_kv_object(&j, "other", JSON_INLINE);
        json_kv_u64(&j, "types", nrows - shown);
        json_kv_u64(&j, "count", oc);
        json_kv_u64(&j, "shallow", os);
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    } else {
        printf("%14s %12s %12s %6s  %s\n", "count", "shallow", "retained", "%", "type");
        for (uint32_t i = 0; i < shown; i++) {
            double pct = total_shallow ? 100.0 * (double)rows[i].shallow / (double)total_shallow : 0;
            printf("%14s %12s %12s %5.1f%%  ", fmt_count(rows[i].count, b1), fmt_bytes(rows[i].shallow, b2),
                   fmt_bytes(rows[i].retained, b3), pct);
            out_text_safe(stdout, rows[i].name, strlen(rows[i].name));
            fputc('\n', stdout);
        }
        if (shown < nrows) {
            uint64_t oc = 0, os = 0;
            for (uint32_t i = shown; i < nrows; i++) oc += rows[i].count, os += rows[i].shallow;
            printf("%14s %12s %12s %5.1f%%  ... %u more types\n", fmt_count(oc, b1), fmt_bytes(os, b2), "",
                   total_shallow ? 100.0 * (double)os / (double)total_shallow : 0, nrows - shown);
        }
        printf("%14s %12s %12s %5.1f%%  total (%u types)\n", fmt_count(total_count, b1), fmt_bytes(total_shallow, b2), "",
               total_shallow ? 100.0 : 0, nrows);
    }
    free(rows);
    graph_release(&g);
    return HS_EXIT_OK;
}
