/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_suspects.c — `heapsnap suspects FILE [--base OLD]`: the
 * report's leak suspects as paragraphs for a terminal, after Eclipse MAT's
 * "Leak Suspects": each accumulation point (graph_points_find) that keeps
 * at least --min percent of the heap, in words — "5,000 × __main__.Widget
 * in builtins.list `__main__.Widget._instances` retain 5.46 MiB (49% of the
 * heap)" — with the path it is named by, the example block, C-held
 * references and, with a base snapshot, how it grew. Text or --json. See
 * docs/cli.md#suspects.
 */
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

typedef struct suspects_options {
    bool json;
    uint64_t n, min;
    const char *base;
    bool index; /* --no-index: neither read nor write the index */
} suspects_options;

static const suspects_options suspects_defaults = {.n = 5, .min = 1, .index = true};

static const cli_opt suspects_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(suspects_options, json), NULL, "print JSON (schema in docs/cli.md#suspects)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(suspects_options, n), "N", "at most N suspects (default %D)"},
    {"min", 0, CLI_UINT, CLI_FIELD(suspects_options, min), "PCT",
     "only suspects keeping at least PCT% of the heap (default %D; the largest is always shown)"},
    {"base", 0, CLI_STRING, CLI_FIELD(suspects_options, base), "OLD",
     "an earlier snapshot of the same program: say how each suspect grew"},
    {"index", 0, CLI_BOOL, CLI_FIELD(suspects_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd suspects_cmd = {
    "suspects", "heapsnap suspects [--json] [-n N] [--min PCT] [--base OLD] FILE",
    "The leak suspects in words: who holds the memory, how much of the heap, by which path.",
    suspects_opts, sizeof suspects_opts / sizeof suspects_opts[0], 1, 1, &suspects_defaults, sizeof suspects_defaults,
};

#define BASE_ROWS 2000u /* rows of the base snapshot searched for a suspect's name */

typedef struct named_rows {
    graph g;
    uint32_t *via;
    graph_point *rows;
    uint32_t n;
} named_rows;

static void row_name(const named_rows *s, const graph_point *r, char *buf, size_t cap)
{
    out_name(&s->g, s->via, r->example, r->count > 1 ? OUT_NAME_WILD : 0, buf, cap);
}

static int load_rows(const char *path, uint32_t k, bool index, named_rows *s)
{
    memset(s, 0, sizeof *s);
    int rc = cli_graph_load(path, &s->g, CLI_NEED_DOMINATORS | CLI_NEED_NAMES, index);
    if (rc) return rc;
    if (graph_points_top(&s->g, GRAPH_POINT_FOLD, k, &s->via, &s->rows, &s->n, cli_progress()))
        return cli_error("'%s': out of memory", path);
    return 0;
}

static void rows_release(named_rows *s)
{
    free(s->via);
    free(s->rows);
    graph_release(&s->g);
}

/* The base's row with the same name and grouping, or NULL. Only rows of
 * the same type are named (a name walks the whole path). */
static const graph_point *base_match(const named_rows *base, const char *name, bool group, const char *type)
{
    char bn[1024], bt[256];
    for (uint32_t i = 0; i < base->n; i++) {
        if ((base->rows[i].count > 1) != group) continue;
        if (strcmp(out_type_name(&base->g, base->rows[i].example, bt, sizeof bt), type)) continue;
        row_name(base, &base->rows[i], bn, sizeof bn);
        if (!strcmp(bn, name)) return &base->rows[i];
    }
    return NULL;
}

static unsigned share(uint64_t part, uint64_t whole)
{
    return whole ? (unsigned)((unsigned __int128)part * 100u / whole) : 0;
}

static void put_text(FILE *f, const char *s) { out_text_safe(f, s, strlen(s)); }

/* "5,000 × __main__.Widget in builtins.list `name` retain 5.46 MiB (49% of the heap)" */
static void headline(FILE *f, const graph *g, const graph_point *r, const char *name, uint64_t total)
{
    char t[256], ht[256], b1[32], b2[32];
    const char *tn = out_type_name(g, r->example, t, sizeof t);
    bool many = r->count > 1 || r->held[0].count > 1;
    /* a name that starts with the block's own type ("builtins.dict in …") needs it once */
    size_t tl = strlen(tn);
    bool typed = !strncmp(name, tn, tl) && !strncmp(name + tl, " in ", 4);
    if (r->count > 1) {
        fprintf(f, "%s \xc3\x97 ", fmt_count(r->count, b1));
        put_text(f, tn);
        fputs(typed ? ": `" : " at `", f);
    } else if (r->held[0].count > 1) {
        fprintf(f, "%s \xc3\x97 ", fmt_count(r->held[0].count, b1));
        put_text(f, graph_type_name(g->reader, r->held[0].type, ht, sizeof ht));
        fputs(" in ", f);
        if (!typed) {
            put_text(f, tn);
            fputc(' ', f);
        }
        fputc('`', f);
    } else {
        if (!typed) {
            put_text(f, tn);
            fputc(' ', f);
        }
        fputc('`', f);
    }
    put_text(f, name);
    fprintf(f, "` retain%s %s (%u%% of the heap)\n", many ? "" : "s", fmt_bytes(r->retained, b2),
            share(r->retained, total));
}

int cmd_suspects(int argc, char **argv)
{
    char *args[1];
    int nargs;
    suspects_options o;
    int rc = cli_parse(&suspects_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (o.n > 10000) o.n = 10000;
    if (o.min > 100) {
        cli_error("--min: %llu is not a percentage (0 to 100)", (unsigned long long)o.min);
        return HS_EXIT_USAGE;
    }
    named_rows cur, base;
    bool has_base = o.base != NULL;
    if ((rc = load_rows(args[0], (uint32_t)o.n, o.index, &cur))) {
        rows_release(&cur);
        return rc;
    }
    if (has_base && (rc = load_rows(o.base, BASE_ROWS, o.index, &base))) {
        rows_release(&base);
        rows_release(&cur);
        return rc;
    }
    const graph *g = &cur.g;
    uint64_t total = graph_retained(g, GRAPH_SUPER(g)) + graph_retained(g, GRAPH_UNREACH(g));
    uint32_t shown = 0;
    for (uint32_t i = 0; i < cur.n; i++)
        if (i == 0 || share(cur.rows[i].retained, total) >= o.min) shown = i + 1;
        else break;
    char name[1024], b1[32], b2[32];
    json_writer j;
    if (o.json) {
        json_document_begin(&j, stdout);
        json_kv_str(&j, "file", args[0]);
        if (has_base) json_kv_str(&j, "base", o.base);
        else json_kv_null(&j, "base");
        json_kv_u64(&j, "total", total);
        json_kv_array(&j, "suspects", JSON_LINES);
    } else {
        printf("heapsnap suspects: %s", args[0]);
        if (has_base) printf(" (since %s)", o.base);
        printf("; %s in all, %s unreachable\n", fmt_bytes(total, b1), fmt_bytes(graph_retained(g, GRAPH_UNREACH(g)), b2));
        if (!shown) puts("\nno block retains anything");
    }
    for (uint32_t i = 0; i < shown; i++) {
        const graph_point *r = &cur.rows[i];
        row_name(&cur, r, name, sizeof name);
        char ty[256];
        const graph_point *b =
            has_base ? base_match(&base, name, r->count > 1, out_type_name(g, r->example, ty, sizeof ty)) : NULL;
        if (o.json) {
            json_object_begin(&j, JSON_INLINE);
            json_kv_u64(&j, "share_pct", share(r->retained, total));
            json_key(&j, "row");
            out_point_json(&j, g, cur.via, r);
            if (!has_base) json_kv_null(&j, "base_retained");
            else if (b) json_kv_u64(&j, "base_retained", b->retained);
            else json_kv_null(&j, "base_retained");
            json_end(&j);
            continue;
        }
        printf("\n%3u. ", i + 1);
        headline(stdout, g, r, name, total);
        fputs("     kept alive by: ", stdout);
        out_path_line(stdout, g, cur.via, r->example);
        fputc('\n', stdout);
        fputs("     ", stdout);
        if (r->count > 1) fputs("e.g. ", stdout);
        out_block(stdout, g, r->example);
        fprintf(stdout, ", %s own%s", fmt_bytes(r->count > 1 ? r->shallow : graph_size(g, r->example), b1),
                r->count > 1 ? " in all" : "");
        if (r->folded) printf("; %u block%s above it only pass the memory on", r->folded, r->folded == 1 ? "" : "s");
        uint64_t ext = r->external;
        if (ext) printf("; also held by C code: %s reference%s no object in the dump accounts for", fmt_count(ext, b1),
                        ext == 1 ? "" : "s");
        fputc('\n', stdout);
        if (has_base) {
            if (b) printf("     since the base: %s (was %s)\n", fmt_dbytes(b->retained, r->retained, b1),
                          fmt_bytes(b->retained, b2));
            else printf("     not among the base's %s largest rows: new, or grown from little\n",
                        fmt_count(BASE_ROWS, b1));
        }
    }
    if (o.json) {
        json_end(&j);
        json_end(&j);
        fputc('\n', stdout);
    }
    if (has_base) rows_release(&base);
    rows_release(&cur);
    return HS_EXIT_OK;
}
