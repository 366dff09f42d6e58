/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_diff.c — `heapsnap diff BEFORE AFTER`: what grew between two
 * snapshots and who holds it. Views (--by): owner (growth attributed to
 * dominator-tree nodes matched by retainer-path signature), type (count,
 * shallow, retained before/after/delta), site (allocation sites, by line,
 * file or traceback), new (objects of AFTER not in BEFORE, by type and by
 * owner); default: a short report of all four. Text or --json. See
 * docs/cli.md#diff and docs/diff.md.
 */
#include "cli/cli.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

static bool opt_json;
static uint64_t opt_n, opt_min, opt_noise;
static const char *opt_by, *opt_group;

static const cli_opt diff_opts[] = {
    {"by", 0, CLI_STRING, &opt_by, "VIEW", "owner, type, site or new (default: a short report of all four)"},
    {"group-by", 0, CLI_STRING, &opt_group, "G", "sites by line, file or traceback (default line)"},
    {"top", 'n', CLI_UINT, &opt_n, "N", "rows per view (default 10; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, &opt_min, "B", "hide rows that changed by less than B bytes"},
    {"noise", 0, CLI_UINT, &opt_noise, "B", "churn threshold (default: 16 KiB or 0.1% of the heap, the larger)"},
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#diff)"},
};

static const cli_cmd diff_cmd = {
    "diff", "heapsnap diff [--by owner|type|site|new] [--group-by line|file|traceback] [-n N] [--min-bytes B] "
            "[--noise B] [--json] BEFORE AFTER",
    "What grew between two snapshots, and who holds it.",
    diff_opts, sizeof diff_opts / sizeof diff_opts[0], 2, 2,
};

enum { V_OWNER = 1, V_TYPE = 2, V_SITE = 4, V_NEW = 8 };

typedef struct ctx {
    diff_snap *b, *a;
    uint64_t thr;  /* max(noise, min-bytes) */
    uint32_t n;    /* rows, 0 = all */
} ctx;

/* new[v]: block v of AFTER is not in BEFORE (computed once, a bit each) */
static bool is_new(const diff_snap *s, uint32_t v, void *ud)
{
    const uint8_t *bits = ud;
    (void)s;
    return (bits[v >> 3] >> (v & 7)) & 1;
}

static const char *type_of_hash(const ctx *c, uint64_t h)
{
    const char *t = diff_out_type_of_hash(c->a, h);
    if (!t) t = diff_out_type_of_hash(c->b, h);
    return t ? t : "?";
}

static void json_ba(const char *name, uint64_t before, uint64_t after)
{
    printf("\"%s\": {\"before\": %llu, \"after\": %llu, \"delta\": ", name, (unsigned long long)before,
           (unsigned long long)after);
    out_json_delta(stdout, before, after);
    fputc('}', stdout);
}

static void print_text(const char *s)
{
    if (s) out_text_safe(stdout, s, strlen(s));
    else fputs("?", stdout);
}

/* ---- owners ---- */
static int view_owner(const ctx *c, diff_gtab *t, bool json, bool first)
{
    uint32_t n;
    diff_owner *o = diff_owners(t, c->thr, c->n, &n);
    if (!o) return cli_error("'%s': out of memory attributing growth", c->a->path);
    char b1[32], b2[32];
    if (json) printf("%s\n  \"owners\": [", first ? "" : ",");
    else printf("\nby owner: growth attributed to the dominator-tree nodes that hold it\n");
    for (uint32_t i = 0; i < n; i++) {
        const diff_group *g = &t->v[o[i].group];
        uint32_t v = g->example;
        char *name = diff_out_name(c->a, v);
        char tbuf[256];
        const char *tn = out_type_name(&c->a->g, v, tbuf, sizeof tbuf);
        const char *et = o[i].entries_type ? type_of_hash(c, o[i].entries_type) : NULL;
        if (json) {
            printf("%s\n    {\"owner\": ", i ? "," : "");
            out_json_string(stdout, name ? name : "?", name ? strlen(name) : 1);
            fputs(", \"type\": ", stdout);
            out_json_string(stdout, tn, strlen(tn));
            printf(", \"entries\": %lld, \"entries_type\": ", (long long)o[i].entries);
            if (et) out_json_string(stdout, et, strlen(et));
            else fputs("null", stdout);
            printf(", \"children_added\": %lld, \"growth\": %lld, ", (long long)o[i].children_added,
                   (long long)o[i].growth);
            json_ba("count", g->count[0], g->count[1]);
            fputs(", ", stdout);
            json_ba("retained", g->retained[0], g->retained[1]);
            fputs(", \"block\": ", stdout);
            out_block_json(stdout, &c->a->g, v);
            fputs(", \"path\": ", stdout);
            diff_out_path_json(stdout, c->a, v);
            fputc('}', stdout);
        } else {
            fputs("  ", stdout);
            print_text(name);
            fputs(" (", stdout);
            print_text(tn);
            printf("): %s entries", fmt_scount(o[i].entries, b1));
            if (et) {
                fputs(" (", stdout);
                print_text(et);
                fputc(')', stdout);
            }
            printf(", %s retained", fmt_sbytes(o[i].growth, b2));
            if (g->count[1] > 1) printf(" [%llu alike]", (unsigned long long)g->count[1]);
            fputs("\n      ", stdout);
            diff_out_path_line(stdout, c->a, v);
            fputc('\n', stdout);
        }
        free(name);
    }
    if (json) printf("%s]", n ? "\n  " : "");
    else if (!n) printf("  (no owner grew by %s or more)\n", fmt_bytes(c->thr, b1));
    free(o);
    return 0;
}

/* ---- types ---- */
static int view_type(const ctx *c, const diff_type *ty, uint32_t nt, bool json, bool first)
{
    char b[6][32];
    if (json) printf("%s\n  \"types\": [", first ? "" : ",");
    else printf("\nby type: largest growth of shallow bytes first\n%10s %10s %11s %11s %11s %11s  %s\n", "+count", "count",
                "+shallow", "shallow", "+retained", "retained", "type");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < nt && (!c->n || shown < c->n); i++) {
        const diff_type *t = &ty[i];
        if (t->shallow[1] <= t->shallow[0] || t->shallow[1] - t->shallow[0] < c->thr) continue;
        if (json) {
            printf("%s\n    {\"type\": ", shown ? "," : "");
            out_json_string(stdout, t->name, strlen(t->name));
            fputs(", ", stdout);
            json_ba("count", t->count[0], t->count[1]);
            fputs(", ", stdout);
            json_ba("shallow", t->shallow[0], t->shallow[1]);
            fputs(", ", stdout);
            json_ba("retained", t->retained[0], t->retained[1]);
            fputc('}', stdout);
        } else {
            printf("%10s %10s %11s %11s %11s %11s  ", fmt_dcount(t->count[0], t->count[1], b[0]),
                   fmt_count(t->count[1], b[1]), fmt_dbytes(t->shallow[0], t->shallow[1], b[2]),
                   fmt_bytes(t->shallow[1], b[3]), fmt_dbytes(t->retained[0], t->retained[1], b[4]),
                   fmt_bytes(t->retained[1], b[5]));
            print_text(t->name);
            fputc('\n', stdout);
        }
        shown++;
    }
    if (json) printf("%s]", shown ? "\n  " : "");
    else if (!shown) printf("  (no type grew by %s or more)\n", fmt_bytes(c->thr, b[0]));
    return 0;
}

/* ---- sites ---- */
static const char *group_names[] = {"line", "file", "traceback"};

static int view_site(const ctx *c, diff_group_by by, bool json, bool first)
{
    char b[4][32];
    bool both = c->b->has_sites && c->a->has_sites;
    if (json) printf("%s\n  \"sites\": ", first ? "" : ",");
    else printf("\nby allocation site (%s)\n", group_names[by]);
    if (!both) {
        const char *which = !c->b->has_sites && !c->a->has_sites ? "either snapshot"
                            : !c->b->has_sites                   ? "BEFORE"
                                                                 : "AFTER";
        if (json) printf("null");
        else printf("  (no allocation sites in %s: dump with tracemalloc tracing)\n", which);
        return 0;
    }
    uint32_t ns;
    diff_site *st = diff_sites_merge(c->b, c->a, &ns);
    if (!st) return cli_error("'%s': out of memory comparing sites", c->a->path);
    if (json) printf("{\"group_by\": \"%s\", \"rows\": [", group_names[by]);
    else printf("%10s %11s %10s %11s  %s\n", "+count", "+bytes", "count", "bytes", "site");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < ns && (!c->n || shown < c->n); i++) {
        if (st[i].bytes[1] <= st[i].bytes[0] || st[i].bytes[1] - st[i].bytes[0] < c->thr) continue;
        if (json) {
            printf("%s\n    {\"site\": ", shown ? "," : "");
            out_json_string(stdout, st[i].text, strlen(st[i].text));
            fputs(", ", stdout);
            json_ba("count", st[i].count[0], st[i].count[1]);
            fputs(", ", stdout);
            json_ba("bytes", st[i].bytes[0], st[i].bytes[1]);
            fputc('}', stdout);
        } else {
            printf("%10s %11s %10s %11s  ", fmt_dcount(st[i].count[0], st[i].count[1], b[0]),
                   fmt_dbytes(st[i].bytes[0], st[i].bytes[1], b[1]), fmt_count(st[i].count[1], b[2]),
                   fmt_bytes(st[i].bytes[1], b[3]));
            print_text(st[i].text);
            fputc('\n', stdout);
        }
        shown++;
    }
    if (json) printf("%s]}", shown ? "\n  " : "");
    else if (!shown) printf("  (no site grew by %s or more)\n", fmt_bytes(c->thr, b[0]));
    for (uint32_t i = 0; i < ns; i++) free(st[i].text);
    free(st);
    return 0;
}

/* ---- new objects ---- */
static int cmp_new_types(const void *pa, const void *pb)
{
    const diff_type *a = pa, *b = pb;
    if (a->new_bytes != b->new_bytes) return a->new_bytes > b->new_bytes ? -1 : 1;
    if (a->new_count != b->new_count) return a->new_count > b->new_count ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int view_new(const ctx *c, diff_type *ty, uint32_t nt, uint8_t *newbits, bool json, bool first)
{
    char b[4][32];
    uint32_t ncl;
    uint64_t objs, bytes;
    diff_cluster *cl = diff_clusters(c->a, is_new, newbits, c->thr, &ncl, &objs, &bytes);
    if (!cl) return cli_error("'%s': out of memory clustering new objects", c->a->path);
    qsort(ty, nt, sizeof *ty, cmp_new_types);
    if (json)
        printf("%s\n  \"new\": {\"objects\": %llu, \"bytes\": %llu, \"by_type\": [", first ? "" : ",",
               (unsigned long long)objs, (unsigned long long)bytes);
    else
        printf("\nnew objects: %s blocks, %s in AFTER that were not in BEFORE\n%10s %11s  %s\n", fmt_count(objs, b[0]),
               fmt_bytes(bytes, b[1]), "count", "bytes", "type");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < nt && (!c->n || shown < c->n); i++) {
        if (!ty[i].new_bytes || ty[i].new_bytes < c->thr) continue;
        if (json) {
            printf("%s\n    {\"type\": ", shown ? "," : "");
            out_json_string(stdout, ty[i].name, strlen(ty[i].name));
            printf(", \"count\": %llu, \"bytes\": %llu}", (unsigned long long)ty[i].new_count,
                   (unsigned long long)ty[i].new_bytes);
        } else {
            printf("%10s %11s  ", fmt_count(ty[i].new_count, b[0]), fmt_bytes(ty[i].new_bytes, b[1]));
            print_text(ty[i].name);
            fputc('\n', stdout);
        }
        shown++;
    }
    if (json) printf("%s], \"by_owner\": [", shown ? "\n  " : "");
    else if (!shown) printf("  (no type has %s or more of new objects)\n", fmt_bytes(c->thr, b[0]));
    if (!json) printf("by owner:\n");
    uint32_t m = c->n && ncl > c->n ? c->n : ncl;
    for (uint32_t i = 0; i < m; i++) {
        const diff_cluster *k = &cl[i];
        uint32_t owner = c->a->g.idom[k->example];
        char *name = diff_out_name(c->a, owner);
        const char *tn = type_of_hash(c, k->type_hash);
        char obuf[256];
        const char *otn = out_type_name(&c->a->g, owner, obuf, sizeof obuf);
        if (json) {
            printf("%s\n    ", i ? "," : "");
            diff_out_cluster_json(stdout, c->a, k, name, otn, tn);
        } else {
            printf("  %s objects, %s: %s ", fmt_scount((int64_t)k->objects, b[0]), fmt_bytes(k->bytes, b[1]),
                   fmt_count(k->top, b[2]));
            print_text(tn);
            fputs(" held by ", stdout);
            print_text(name);
            fputs(" (", stdout);
            print_text(otn);
            fputs(")\n      e.g. ", stdout);
            diff_out_path_line(stdout, c->a, k->example);
            fputc('\n', stdout);
        }
        free(name);
    }
    if (json) printf("%s]}", m ? "\n  " : "");
    else if (!m) printf("  (no owner holds %s or more of new objects)\n", fmt_bytes(c->thr, b[0]));
    free(cl);
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    char *args[2];
    int nargs;
    opt_json = false;
    opt_n = 10;
    opt_min = 0;
    opt_noise = DIFF_NOISE_AUTO;
    opt_by = opt_group = NULL;
    int rc = cli_parse(&diff_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    unsigned views = V_OWNER | V_TYPE | V_SITE | V_NEW;
    if (opt_by) {
        views = !strcmp(opt_by, "owner") ? V_OWNER
                : !strcmp(opt_by, "type") ? V_TYPE
                : !strcmp(opt_by, "site") ? V_SITE
                : !strcmp(opt_by, "new")  ? V_NEW
                                          : 0;
        if (!views) {
            fprintf(stderr, "heapsnap diff: --by takes owner, type, site or new, not '");
            out_text_safe(stderr, opt_by, strlen(opt_by));
            fprintf(stderr, "'\nusage: %s\n", diff_cmd.usage);
            return HS_EXIT_USAGE;
        }
    }
    diff_group_by by = DIFF_BY_LINE;
    if (opt_group) {
        if (!strcmp(opt_group, "line")) by = DIFF_BY_LINE;
        else if (!strcmp(opt_group, "file")) by = DIFF_BY_FILE;
        else if (!strcmp(opt_group, "traceback")) by = DIFF_BY_TRACEBACK;
        else {
            fprintf(stderr, "heapsnap diff: --group-by takes line, file or traceback, not '");
            out_text_safe(stderr, opt_group, strlen(opt_group));
            fprintf(stderr, "'\nusage: %s\n", diff_cmd.usage);
            return HS_EXIT_USAGE;
        }
    }
    if (opt_n > 1000000) opt_n = 1000000;
    unsigned wb = 0, wa = DIFF_KEEP_GRAPH;
    if (views & V_OWNER) wb |= DIFF_GROUPS, wa |= DIFF_GROUPS;
    if (views & V_NEW) wb |= DIFF_KEYS;
    if (views & V_SITE) wb |= DIFF_SITES, wa |= DIFF_SITES;
    diff_snap *b = calloc(1, sizeof *b), *a = calloc(1, sizeof *a);
    if (!a || !b) {
        free(a);
        free(b);
        return cli_error("out of memory");
    }
    rc = cli_diff_build2(b, args[0], 0, wb, a, args[1], 1, wa, by);
    ctx c = {b, a, 0, (uint32_t)opt_n};
    uint64_t noise = diff_noise(opt_noise, b, a);
    c.thr = noise > opt_min ? noise : opt_min;
    diff_type *ty = NULL;
    uint32_t nt = 0;
    uint8_t *newbits = NULL;
    if (rc) goto done;
    if ((views & V_NEW) && !(newbits = calloc(((size_t)a->g.n + 7) / 8 + 1, 1))) {
        rc = cli_error("'%s': out of memory", a->path);
        goto done;
    }
    if (views & V_NEW)
        for (uint32_t v = 0; v < a->g.n; v++)
            if (!diff_keys_contain(b->keys, b->nkeys, diff_key(a, v))) {
                newbits[v >> 3] |= (uint8_t)(1u << (v & 7));
                a->types[a->g.type[v]].new_count++;
                a->types[a->g.type[v]].new_bytes += graph_size(&a->g, v);
            }
    if (views & (V_TYPE | V_NEW)) {
        if (!(ty = diff_types_merge(b, a, &nt))) {
            rc = cli_error("'%s': out of memory comparing types", a->path);
            goto done;
        }
    }
    if ((views & V_OWNER) && diff_groups_merge(&a->groups, &b->groups)) {
        rc = cli_error("'%s': out of memory matching owners", a->path);
        goto done;
    }
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32], b7[32];
    if (opt_json) {
        printf("{\n  \"before\": ");
        diff_out_file_json(stdout, b);
        printf(",\n  \"after\": ");
        diff_out_file_json(stdout, a);
        printf(",\n  \"noise\": %llu, \"min_bytes\": %llu", (unsigned long long)noise, (unsigned long long)opt_min);
    } else {
        fputs("heapsnap diff: ", stdout);
        print_text(b->path);
        fputs(" -> ", stdout);
        print_text(a->path);
        printf("\nblocks %s -> %s (%s); reachable %s -> %s (%s); noise threshold %s\n", fmt_count(b->blocks, b1),
               fmt_count(a->blocks, b2), fmt_dcount(b->blocks, a->blocks, b3),
               fmt_bytes(b->reachable_bytes, b4), fmt_bytes(a->reachable_bytes, b5),
               fmt_dbytes(b->reachable_bytes, a->reachable_bytes, b6), fmt_bytes(noise, b7));
    }
    if (!rc && (views & V_OWNER)) rc = view_owner(&c, &a->groups, opt_json, false);
    if (!rc && (views & V_TYPE)) rc = view_type(&c, ty, nt, opt_json, false);
    if (!rc && (views & V_SITE)) rc = view_site(&c, by, opt_json, false);
    if (!rc && (views & V_NEW)) rc = view_new(&c, ty, nt, newbits, opt_json, false);
    if (opt_json) printf("\n}\n");
done:
    free(newbits);
    if (ty)
        for (uint32_t i = 0; i < nt; i++) free(ty[i].name);
    free(ty);
    diff_snap_release(a);
    diff_snap_release(b);
    free(a);
    free(b);
    return rc;
}
