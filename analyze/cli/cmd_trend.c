/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_trend.c — `heapsnap trend S1 S2 ... Sn`: across a series of
 * snapshots, the owners whose retained size grows in every step or nearly
 * every step (memlab's "unbound object" analysis), ranked by growth rate,
 * each with its path, per-snapshot figures and a sparkline; text or --json.
 * See docs/cli.md#trend and docs/diff.md#trend.
 * The analysis is diff_trend_build() (diff/diff_trend.c); this file
 * parses, calls and prints.
 */
#include "cli/cli.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct trend_options {
    uint64_t n, min, noise;
    bool ascii, json;
    bool index; /* --no-index: neither read nor write the indexes */
} trend_options;

static const trend_options trend_defaults = {.n = 10, .noise = DIFF_NOISE_AUTO, .index = true};

static const cli_opt trend_opts[] = {
    {"top", 'n', CLI_UINT, CLI_FIELD(trend_options, n), "N", "owners to show (default %D; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(trend_options, min), "B", "hide owners whose net growth is less than B bytes"},
    {"noise", 0, CLI_UINT, CLI_FIELD(trend_options, noise), "B",
     "churn threshold (default: 16 KiB or 0.1% of the largest heap)"},
    {"ascii", 0, CLI_BOOL, CLI_FIELD(trend_options, ascii), NULL, "draw sparklines with ASCII characters"},
    {"json", 0, CLI_BOOL, CLI_FIELD(trend_options, json), NULL, "print JSON (schema in docs/cli.md#trend)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(trend_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd trend_cmd = {
    "trend", "heapsnap trend [-n N] [--min-bytes B] [--noise B] [--ascii] [--json] S1 S2 S3 [S4 ...]",
    "Owners that grow in every or nearly every step of a series of snapshots.",
    trend_opts, sizeof trend_opts / sizeof trend_opts[0], 3, 1 << 20, &trend_defaults, sizeof trend_defaults,
};

/* ---- output ---- */
static bool use_utf8(bool ascii)
{
    if (ascii) return false;
    const char *v = getenv("LC_ALL");
    if (!v || !*v) v = getenv("LC_CTYPE");
    if (!v || !*v) v = getenv("LANG");
    return v && (strstr(v, "UTF-8") || strstr(v, "utf-8") || strstr(v, "UTF8") || strstr(v, "utf8"));
}

/* A rate as int64, saturated (a cast of an out-of-range double is undefined). */
static int64_t d2i(double x)
{
    if (x >= 9223372036854775807.0) return INT64_MAX;
    if (x <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)x;
}

static void sparkline(FILE *f, const int64_t *v, uint32_t n, bool utf8)
{
    static const char *blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
    static const char ascii[] = "_.,-=+*#";
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (uint32_t i = 0; i < n; i++)
        if (v[i] != DIFF_TREND_UNKNOWN) {
            if (v[i] < lo) lo = v[i];
            if (v[i] > hi) hi = v[i];
        }
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] == DIFF_TREND_UNKNOWN) {
            fputc(utf8 ? ' ' : '?', f);
            continue;
        }
        int level = hi > lo ? (int)((double)(v[i] - lo) * 7.0 / (double)(hi - lo) + 0.5) : 3;
        if (utf8) fputs(blocks[level], f);
        else fputc(ascii[level], f);
    }
}

static void print_text(FILE *f, const char *s)
{
    if (s) out_text_safe(f, s, strlen(s));
    else fputs("?", f);
}

static void json_figures(json_writer *j, const char *key, const int64_t *v, uint32_t n)
{
    json_kv_array(j, key, JSON_INLINE);
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] == DIFF_TREND_UNKNOWN) json_null(j);
        else json_i64(j, v[i]);
    }
    json_end(j);
}

static void print_report(const trend_options *opt, const diff_trend *t, char *const *paths)
{
    const diff_snap *last = t->last;
    const uint64_t noise = t->noise, thr = t->thr;
    const double seconds = t->seconds;
    const uint32_t nr = t->nrank;
    char b1[32], b2[32], b3[32];
    bool utf8 = use_utf8(opt->ascii);
    json_writer jw, *j = opt->json ? &jw : NULL;
    if (j) {
        json_document_begin(j, stdout);
        json_kv_array(j, "snapshots", JSON_LINES);
        for (uint32_t i = 0; i < t->n; i++) {
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "file", paths[i]);
            json_kv_u64(j, "blocks", t->blocks[i]);
            json_kv_u64(j, "reachable", t->reachable[i]);
            if (t->time_us[i]) json_kv_i64(j, "time_us", t->time_us[i]);
            else json_kv_null(j, "time_us");
            json_end(j);
        }
        json_end(j);
        json_kv_u64(j, "steps", t->n - 1);
        json_same_line(j);
        json_kv_u64(j, "need", t->need);
        json_same_line(j);
        json_kv_u64(j, "noise", noise);
        json_same_line(j);
        json_kv_u64(j, "min_bytes", opt->min);
        json_same_line(j);
        json_kv_u64(j, "threshold", thr);
        json_same_line(j);
        json_key(j, "seconds");
        if (seconds > 0) json_double(j, "%.6f", seconds);
        else json_null(j);
        out_process_growth_json(j, &t->mem[0], t->shallow[0], &t->mem[t->n - 1], t->shallow[t->n - 1]);
        json_kv_array(j, "owners", JSON_LINES);
    } else {
        printf("heapsnap trend: %u snapshots, %u steps", t->n, t->n - 1);
        if (seconds > 0) printf(" over %.1f s", seconds);
        printf("; reachable %s -> %s\nowners that grew in at least %u of %u steps and by %s or more in all, fastest "
               "first\n",
               fmt_bytes(t->reachable[0], b1), fmt_bytes(t->reachable[t->n - 1], b2), t->need, t->n - 1,
               fmt_bytes(thr, b3));
        out_process_growth(stdout, &t->mem[0], t->shallow[0], &t->mem[t->n - 1], t->shallow[t->n - 1]);
    }
    for (uint32_t r = 0; r < nr; r++) {
        const diff_trend_owner *o = t->rank[r];
        const diff_group *g = diff_gtab_find(&last->groups, o->sig);
        uint32_t v = g && g->count[1] && g->example < last->g.n ? g->example : GRAPH_NONE;
        char *name = v != GRAPH_NONE ? out_diff_name(last, v) : NULL;
        char tbuf[256];
        const char *tn = v != GRAPH_NONE ? out_type_name(&last->g, v, tbuf, sizeof tbuf) : NULL;
        if (!tn) tn = out_diff_type_of_hash(last, g ? g->type_hash : 0);
        const char *et = o->entries_type ? out_diff_type_of_hash(last, o->entries_type) : NULL;
        double per_step = (double)o->net / (double)(t->n - 1);
        if (j) {
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "owner", name);
            json_kv_str(j, "name", name ? name : "(not in the last snapshot)");
            json_kv_str(j, "type", tn);
            json_kv_u64(j, "grew", o->grew);
            json_kv_i64(j, "growth", o->net);
            json_key(j, "bytes_per_step");
            json_double(j, "%.1f", per_step);
            json_key(j, "bytes_per_second");
            if (seconds > 0) json_double(j, "%.1f", (double)o->net / seconds);
            else json_null(j);
            json_kv_str(j, "entries_type", et);
            json_figures(j, "retained", o->retained, t->n);
            json_figures(j, "entries", o->entries, t->n);
            json_figures(j, "step_growth", o->growth, t->n - 1);
            json_key(j, "block");
            if (v != GRAPH_NONE) out_block_json(j, &last->g, v);
            else json_null(j);
            json_key(j, "path");
            if (v != GRAPH_NONE) out_diff_path_json(j, last, v);
            else json_null(j);
            json_end(j);
        } else {
            printf("\n%u. ", r + 1);
            print_text(stdout, name ? name : "(not in the last snapshot)");
            fputs(" (", stdout);
            print_text(stdout, tn);
            printf("): %s/step", fmt_sbytes(d2i(per_step), b1));
            if (seconds > 0) printf(", %s/s", fmt_sbytes(d2i((double)o->net / seconds), b2));
            printf(", %s in %u of %u steps  ", fmt_sbytes(o->net, b3), o->grew, t->n - 1);
            sparkline(stdout, o->retained, t->n, utf8);
            fputc('\n', stdout);
            if (v != GRAPH_NONE) {
                fputs("   ", stdout);
                out_diff_path_line(stdout, last, v);
                fputc('\n', stdout);
            }
            printf("   %12s %12s %10s  %s\n", "retained", "step", et ? "entries" : "", "snapshot");
            for (uint32_t i = 0; i < t->n; i++) {
                char c1[32], c2[32], c3[32];
                const char *rs = o->retained[i] == DIFF_TREND_UNKNOWN ? "-" : fmt_bytes((uint64_t)o->retained[i], c1);
                const char *gs = i == 0 ? "" : fmt_sbytes(o->growth[i - 1], c2);
                const char *es = !et ? "" : o->entries[i] == DIFF_TREND_UNKNOWN ? "-" : fmt_count((uint64_t)o->entries[i], c3);
                printf("   %12s %12s %10s  ", rs, gs, es);
                print_text(stdout, paths[i]);
                fputc('\n', stdout);
            }
            if (et) {
                fputs("   entries: ", stdout);
                print_text(stdout, et);
                fputc('\n', stdout);
            }
        }
        free(name);
    }
    if (j) {
        json_end(j);
        json_end(j);
        fputc('\n', stdout);
    } else if (!nr) {
        printf("  (none)\n");
    }
}

int cmd_trend(int argc, char **argv)
{
    trend_options o;
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) return cli_error("out of memory");
    int nargs;
    int rc = cli_parse(&trend_cmd, argc, argv, &o, args, &nargs);
    if (rc) {
        free(args);
        return rc < 0 ? HS_EXIT_OK : rc;
    }
    if (o.n > 1000000) o.n = 1000000;
    char **open = calloc((size_t)nargs + 1, sizeof *open); /* "-": standard input's copy */
    if (!open) {
        free(args);
        return cli_error("out of memory");
    }
    memcpy(open, args, (size_t)nargs * sizeof *open);
    if ((rc = cli_map_stdin(open, nargs))) {
        free(open);
        free(args);
        return rc;
    }
    diff_trend t;
    if (diff_trend_build(&t, open, (uint32_t)nargs, o.noise, o.min, (uint32_t)o.n, o.index ? DIFF_INDEX : 0)) {
        if (t.failed) rc = cli_diff_fail(t.failed);
        else if (!t.time_us || !t.last) rc = cli_error("out of memory");
        else rc = cli_error("'%s': out of memory following the series", t.last->path ? cli_shown(t.last->path) : "?");
    } else {
        print_report(&o, &t, args);
    }
    diff_trend_release(&t);
    free(open);
    free(args);
    return rc;
}
