/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_trend.c — `heapsnap trend S1 S2 ... Sn`: across a series of
 * snapshots, the owners whose retained size grows in every step or nearly
 * every step (memlab's "unbound object" analysis), ranked by growth rate,
 * each with its path, per-snapshot figures and a sparkline; text or --json.
 * See docs/cli.md#trend and docs/diff.md#trend.
 *
 * Steps reuse the diff library unchanged: each consecutive pair is matched
 * by signature (diff_groups_merge) and its growth attributed to owners
 * (diff_owners, threshold 0); an owner "grows in a step" when diff lists
 * it for that pair. It is reported when it grows in at least
 * need = ceil(0.75 * (n-1)) steps and its net growth over the series is
 * at least max(noise, --min-bytes), noise as in diff.
 *
 * Memory. Snapshots are loaded one at a time; between loads only summaries
 * stay: the previous snapshot's group table (to match the next one), the
 * tables of the first n-1-need snapshots (an owner first seen in a later
 * step cannot qualify, so these suffice to fill in the early figures of a
 * late starter), and per candidate owner its per-snapshot figures.
 * Candidates that missed more than n-1-need steps are dropped. The last
 * snapshot keeps its graph, to name owners and print their paths.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json, opt_ascii;
static uint64_t opt_n, opt_min, opt_noise;

static const cli_opt trend_opts[] = {
    {"top", 'n', CLI_UINT, &opt_n, "N", "owners to show (default 10; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, &opt_min, "B", "hide owners whose net growth is less than B bytes"},
    {"noise", 0, CLI_UINT, &opt_noise, "B", "churn threshold (default: 16 KiB or 0.1% of the largest heap)"},
    {"ascii", 0, CLI_BOOL, &opt_ascii, NULL, "draw sparklines with ASCII characters"},
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#trend)"},
};

static const cli_cmd trend_cmd = {
    "trend", "heapsnap trend [-n N] [--min-bytes B] [--noise B] [--ascii] [--json] S1 S2 S3 [S4 ...]",
    "Owners that grow in every or nearly every step of a series of snapshots.",
    trend_opts, sizeof trend_opts / sizeof trend_opts[0], 3, 1 << 20,
};

#define UNKNOWN INT64_MIN

/* One candidate owner: figures per snapshot ([n]) and per step ([n-1]). */
typedef struct trend_owner {
    uint64_t sig;
    uint64_t entries_type; /* type hash of its entries, from the first step that names one */
    uint32_t first;        /* step in which it was first listed */
    uint32_t grew, missed; /* steps listed / not listed so far */
    bool dead;             /* missed too many: figures freed */
    int64_t net;           /* filled at the end */
    int64_t *retained;     /* [n], UNKNOWN where absent */
    int64_t *entries;      /* [n], UNKNOWN where not known */
    int64_t *growth;       /* [n-1]: diff's own growth, 0 when not listed */
} trend_owner;

typedef struct trend {
    uint32_t n, need, slack;  /* snapshots, steps needed, steps that may be missed */
    trend_owner *o;
    uint32_t no, cap;
    diff_gtab idx;            /* candidate index by signature (example = index in o) */
} trend;

static trend_owner *trend_find(const trend *t, uint64_t sig)
{
    const diff_group *g = diff_gtab_find(&t->idx, sig);
    return g ? &t->o[g->example] : NULL;
}

static trend_owner *trend_add(trend *t, uint64_t sig, uint32_t step)
{
    if (t->no == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 64;
        trend_owner *no = realloc(t->o, (size_t)ncap * sizeof *no);
        if (!no) return NULL;
        t->o = no;
        t->cap = ncap;
    }
    bool created;
    uint32_t gi = diff_gtab_get(&t->idx, sig, &created);
    if (gi == GRAPH_NONE) return NULL;
    trend_owner *o = &t->o[t->no];
    memset(o, 0, sizeof *o);
    o->sig = sig;
    o->first = step;
    o->missed = step;
    o->retained = malloc((size_t)t->n * 8);
    o->entries = malloc((size_t)t->n * 8);
    o->growth = calloc(t->n, 8);
    if (!o->retained || !o->entries || !o->growth) {
        free(o->retained);
        free(o->entries);
        free(o->growth);
        return NULL;
    }
    for (uint32_t i = 0; i < t->n; i++) o->retained[i] = o->entries[i] = UNKNOWN;
    t->idx.v[gi].example = t->no++;
    return o;
}

static void owner_free(trend_owner *o)
{
    free(o->retained);
    free(o->entries);
    free(o->growth);
    o->retained = o->entries = o->growth = NULL;
}

static void trend_release(trend *t)
{
    for (uint32_t i = 0; i < t->no; i++) owner_free(&t->o[i]);
    free(t->o);
    free(t->idx.v);
    free(t->idx.slot);
    memset(t, 0, sizeof *t);
}

static void gtab_release(diff_gtab *g)
{
    free(g->v);
    free(g->slot);
    memset(g, 0, sizeof *g);
}

/* A snapshot's own groups (counted on side 1) as a BEFORE table for the
 * next comparison: the same groups with their figures on side 0. */
static int gtab_as_before(diff_gtab *dst, const diff_gtab *src)
{
    memset(dst, 0, sizeof *dst);
    for (uint32_t i = 0; i < src->n; i++) {
        const diff_group *s = &src->v[i];
        bool created;
        uint32_t k = diff_gtab_get(dst, s->sig, &created);
        if (k == GRAPH_NONE) return -1;
        diff_group *d = &dst->v[k];
        d->parent_sig = s->parent_sig;
        d->type_hash = s->type_hash;
        d->count[0] = s->count[1];
        d->retained[0] = s->retained[1];
    }
    return 0;
}

/* Entries of snapshot `snap` from its own table: members of the child
 * groups of each candidate whose type is the candidate's entries type.
 * only_first: just the candidates first listed in that step (UINT32_MAX:
 * all). Each (snapshot, candidate) pair is scanned once: a candidate exists
 * from its first step on, and late starters are filled only for earlier
 * snapshots. */
static void fill_entries(trend *t, const diff_gtab *own, uint32_t snap, uint32_t only_first)
{
    for (uint32_t i = 0; i < t->no; i++) {
        trend_owner *o = &t->o[i];
        if (!o->dead && o->entries_type && (only_first == UINT32_MAX || o->first == only_first) &&
            o->entries[snap] == UNKNOWN)
            o->entries[snap] = 0;
    }
    for (uint32_t i = 0; i < own->n; i++) {
        const diff_group *g = &own->v[i];
        if (!g->parent_sig) continue;
        trend_owner *o = trend_find(t, g->parent_sig);
        if (!o || o->dead || !o->entries_type || o->entries_type != g->type_hash) continue;
        if (only_first != UINT32_MAX && o->first != only_first) continue;
        o->entries[snap] = diff_add(o->entries[snap], diff_i64(g->count[0]));
    }
}

/* One step: prev (S_k as BEFORE) against cur (S_k+1, merged in place). */
static int trend_step(trend *t, uint32_t k, diff_gtab *cur, const diff_gtab *prev, const diff_gtab *early)
{
    if (diff_groups_merge(cur, prev)) return -1;
    uint32_t no;
    diff_owner *ow = diff_owners(cur, 0, 0, &no);
    if (!ow) return -1;
    uint32_t before = t->no;
    bool *listed = calloc((size_t)t->no + no + 1, 1);
    if (!listed) {
        free(ow);
        return -1;
    }
    for (uint32_t i = 0; i < no; i++) {
        const diff_group *g = &cur->v[ow[i].group];
        trend_owner *o = trend_find(t, g->sig);
        if (!o && k <= t->slack && !(o = trend_add(t, g->sig, k))) {
            free(listed);
            free(ow);
            return -1;
        }
        if (!o || o->dead) continue;
        listed[o - t->o] = true;
        o->grew++;
        o->growth[k] = ow[i].growth;
        if (!o->entries_type && ow[i].entries_type) o->entries_type = ow[i].entries_type;
    }
    free(ow);
    for (uint32_t i = 0; i < t->no; i++) {
        trend_owner *o = &t->o[i];
        if (o->dead) continue;
        if (!listed[i] && ++o->missed > t->slack) {
            o->dead = true;
            owner_free(o);
            continue;
        }
        const diff_group *g = diff_gtab_find(cur, o->sig);
        if (g && g->count[0]) o->retained[k] = diff_i64(g->retained[0]);
        if (g && g->count[1]) o->retained[k + 1] = diff_i64(g->retained[1]);
    }
    free(listed);
    /* late starters: their figures before step k from the early tables */
    if (t->no > before) {
        for (uint32_t j = 0; j < k; j++) {
            for (uint32_t i = before; i < t->no; i++) {
                const diff_group *g = diff_gtab_find(&early[j], t->o[i].sig);
                if (!t->o[i].dead && g && g->count[0]) t->o[i].retained[j] = diff_i64(g->retained[0]);
            }
            fill_entries(t, &early[j], j, k);
        }
        fill_entries(t, prev, k, k);
    }
    return 0;
}

/* ---- output ---- */
static bool use_utf8(void)
{
    if (opt_ascii) return false;
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
        if (v[i] != UNKNOWN) {
            if (v[i] < lo) lo = v[i];
            if (v[i] > hi) hi = v[i];
        }
    for (uint32_t i = 0; i < n; i++) {
        if (v[i] == UNKNOWN) {
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

static void json_figures(const int64_t *v, uint32_t n)
{
    fputc('[', stdout);
    for (uint32_t i = 0; i < n; i++) {
        if (i) fputs(", ", stdout);
        if (v[i] == UNKNOWN) fputs("null", stdout);
        else printf("%lld", (long long)v[i]);
    }
    fputc(']', stdout);
}

static int cmp_ranked(const void *pa, const void *pb)
{
    const trend_owner *a = *(trend_owner *const *)pa, *b = *(trend_owner *const *)pb;
    if (a->net != b->net) return a->net > b->net ? -1 : 1;
    if (a->grew != b->grew) return a->grew > b->grew ? -1 : 1;
    return a->sig < b->sig ? -1 : a->sig > b->sig;
}

typedef struct series {
    char **paths;
    uint32_t n;
    int64_t *time_us;  /* [n] from the headers, 0 when absent */
    uint64_t *blocks, *reachable;
} series;

static int64_t header_time(const char *path)
{
    hs_reader *r = NULL;
    hs_record rec;
    int64_t t = 0;
    if (load_open_reader(path, &r) == HS_OK && hs_reader_next(r, &rec) == HS_OK) {
        const hs_header *h = hs_reader_header(r);
        if (h) t = h->time_us;
    }
    hs_reader_close(r);
    return t;
}

static void print_report(const series *se, const trend *t, trend_owner **rank, uint32_t nr, const diff_snap *last,
                         uint64_t noise, uint64_t thr, double seconds)
{
    char b1[32], b2[32], b3[32];
    bool utf8 = use_utf8();
    if (opt_json) {
        printf("{\n  \"snapshots\": [");
        for (uint32_t i = 0; i < se->n; i++) {
            printf("%s\n    {\"file\": ", i ? "," : "");
            out_json_string(stdout, se->paths[i], strlen(se->paths[i]));
            printf(", \"blocks\": %llu, \"reachable\": %llu, \"time_us\": ", (unsigned long long)se->blocks[i],
                   (unsigned long long)se->reachable[i]);
            if (se->time_us[i]) printf("%lld}", (long long)se->time_us[i]);
            else fputs("null}", stdout);
        }
        printf("\n  ],\n  \"steps\": %u, \"need\": %u, \"noise\": %llu, \"min_bytes\": %llu, \"threshold\": %llu, "
               "\"seconds\": ",
               t->n - 1, t->need, (unsigned long long)noise, (unsigned long long)opt_min, (unsigned long long)thr);
        if (seconds > 0) printf("%.6f", seconds);
        else fputs("null", stdout);
        printf(",\n  \"owners\": [");
    } else {
        printf("heapsnap trend: %u snapshots, %u steps", t->n, t->n - 1);
        if (seconds > 0) printf(" over %.1f s", seconds);
        printf("; reachable %s -> %s\nowners that grew in at least %u of %u steps and by %s or more in all, fastest "
               "first\n",
               fmt_bytes(se->reachable[0], b1), fmt_bytes(se->reachable[se->n - 1], b2), t->need, t->n - 1,
               fmt_bytes(thr, b3));
    }
    for (uint32_t r = 0; r < nr; r++) {
        const trend_owner *o = rank[r];
        const diff_group *g = diff_gtab_find(&last->groups, o->sig);
        uint32_t v = g && g->count[1] && g->example < last->g.n ? g->example : GRAPH_NONE;
        char *name = v != GRAPH_NONE ? diff_out_name(last, v) : NULL;
        char tbuf[256];
        const char *tn = v != GRAPH_NONE ? out_type_name(&last->g, v, tbuf, sizeof tbuf) : NULL;
        if (!tn) tn = diff_out_type_of_hash(last, g ? g->type_hash : 0);
        const char *et = o->entries_type ? diff_out_type_of_hash(last, o->entries_type) : NULL;
        double per_step = (double)o->net / (double)(t->n - 1);
        if (opt_json) {
            printf("%s\n    {\"owner\": ", r ? "," : "");
            if (name) out_json_string(stdout, name, strlen(name));
            else fputs("null", stdout);
            fputs(", \"type\": ", stdout);
            if (tn) out_json_string(stdout, tn, strlen(tn));
            else fputs("null", stdout);
            printf(", \"grew\": %u, \"growth\": %lld, \"bytes_per_step\": %.1f, \"bytes_per_second\": ", o->grew,
                   (long long)o->net, per_step);
            if (seconds > 0) printf("%.1f", (double)o->net / seconds);
            else fputs("null", stdout);
            fputs(", \"entries_type\": ", stdout);
            if (et) out_json_string(stdout, et, strlen(et));
            else fputs("null", stdout);
            fputs(", \"retained\": ", stdout);
            json_figures(o->retained, t->n);
            fputs(", \"entries\": ", stdout);
            json_figures(o->entries, t->n);
            fputs(", \"step_growth\": ", stdout);
            json_figures(o->growth, t->n - 1);
            fputs(", \"block\": ", stdout);
            if (v != GRAPH_NONE) out_block_json(stdout, &last->g, v);
            else fputs("null", stdout);
            fputs(", \"path\": ", stdout);
            if (v != GRAPH_NONE) diff_out_path_json(stdout, last, v);
            else fputs("null", stdout);
            fputc('}', stdout);
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
                diff_out_path_line(stdout, last, v);
                fputc('\n', stdout);
            }
            printf("   %12s %12s %10s  %s\n", "retained", "step", et ? "entries" : "", "snapshot");
            for (uint32_t i = 0; i < t->n; i++) {
                char c1[32], c2[32], c3[32];
                const char *rs = o->retained[i] == UNKNOWN ? "-" : fmt_bytes((uint64_t)o->retained[i], c1);
                const char *gs = i == 0 ? "" : fmt_sbytes(o->growth[i - 1], c2);
                const char *es = !et ? "" : o->entries[i] == UNKNOWN ? "-" : fmt_count((uint64_t)o->entries[i], c3);
                printf("   %12s %12s %10s  ", rs, gs, es);
                print_text(stdout, se->paths[i]);
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
    if (opt_json) printf("%s]\n}\n", nr ? "\n  " : "");
    else if (!nr) printf("  (none)\n");
}

int cmd_trend(int argc, char **argv)
{
    opt_json = opt_ascii = false;
    opt_n = 10;
    opt_min = 0;
    opt_noise = DIFF_NOISE_AUTO;
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) return cli_error("out of memory");
    int nargs;
    int rc = cli_parse(&trend_cmd, argc, argv, args, &nargs);
    if (rc) {
        free(args);
        return rc < 0 ? HS_EXIT_OK : rc;
    }
    if (opt_n > 1000000) opt_n = 1000000;
    trend t = {0};
    t.n = (uint32_t)nargs;
    t.need = (3 * (t.n - 1) + 3) / 4; /* ceil(0.75 * steps) */
    t.slack = t.n - 1 - t.need;
    series se = {args, t.n, calloc(t.n, 8), calloc(t.n, 8), calloc(t.n, 8)};
    diff_gtab *early = calloc((size_t)t.slack + 1, sizeof *early);
    diff_gtab prev = {0}, next = {0};
    diff_snap *s = calloc(1, sizeof *s);
    trend_owner **rank = NULL;
    uint64_t noise = 0;
    if (!se.time_us || !se.blocks || !se.reachable || !early || !s) {
        rc = cli_error("out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < t.n; i++) {
        bool last = i + 1 == t.n;
        if (i) diff_snap_release(s);
        diff_snap_build(s, args[i], 1, DIFF_GROUPS | (last ? DIFF_KEEP_GRAPH : 0), DIFF_BY_LINE);
        if (s->failed) {
            rc = cli_diff_fail(s);
            goto done;
        }
        se.blocks[i] = s->blocks;
        se.reachable[i] = s->reachable_bytes;
        se.time_us[i] = header_time(args[i]);
        uint64_t nz = diff_noise(opt_noise, s, s);
        if (nz > noise) noise = nz;
        if (gtab_as_before(&next, &s->groups)) goto nomem;
        if (i && trend_step(&t, i - 1, &s->groups, &prev, early)) goto nomem;
        fill_entries(&t, &next, i, UINT32_MAX);
        if (i && i - 1 < t.slack) early[i - 1] = prev;
        else gtab_release(&prev);
        prev = next;
        memset(&next, 0, sizeof next);
    }
    /* net growth: what diff attributed in the steps listed, plus the shrinking of the others */
    uint64_t thr = noise > opt_min ? noise : opt_min;
    uint32_t nr = 0;
    if (!(rank = calloc((size_t)t.no + 1, sizeof *rank))) goto nomem;
    for (uint32_t i = 0; i < t.no; i++) {
        trend_owner *o = &t.o[i];
        if (o->dead || o->grew < t.need) continue;
        o->net = 0;
        for (uint32_t k = 0; k + 1 < t.n; k++) {
            /* checked: retained figures are >= 0 (saturated), sums saturate */
            if (o->growth[k]) o->net = diff_add(o->net, o->growth[k]);
            else if (o->retained[k] != UNKNOWN && o->retained[k + 1] != UNKNOWN && o->retained[k + 1] < o->retained[k])
                o->net = diff_add(o->net, o->retained[k + 1] - o->retained[k]);
        }
        if (o->net > 0 && (uint64_t)o->net >= thr) rank[nr++] = o;
    }
    qsort(rank, nr, sizeof *rank, cmp_ranked);
    if (opt_n && nr > opt_n) nr = (uint32_t)opt_n;
    double seconds = 0;
    bool timed = true;
    for (uint32_t i = 0; i < t.n; i++)
        if (!se.time_us[i]) timed = false;
    /* the span of two int64 times fits in uint64 (the subtraction is exact mod 2^64, and the later is larger) */
    if (timed && se.time_us[t.n - 1] > se.time_us[0])
        seconds = (double)((uint64_t)se.time_us[t.n - 1] - (uint64_t)se.time_us[0]) / 1e6;
    print_report(&se, &t, rank, nr, s, noise, thr, seconds);
    goto done;
nomem:
    rc = cli_error("'%s': out of memory following the series", s ? s->path : "?");
done:
    if (s) diff_snap_release(s);
    free(s);
    free(rank);
    gtab_release(&prev);
    gtab_release(&next);
    if (early)
        for (uint32_t j = 0; j < t.slack; j++) gtab_release(&early[j]);
    free(early);
    trend_release(&t);
    free(se.time_us);
    free(se.blocks);
    free(se.reachable);
    free(args);
    return rc;
}
