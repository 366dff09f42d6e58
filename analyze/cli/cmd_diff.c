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

typedef struct diff_options {
    const char *by, *group; /* NULL: all four views; line */
    uint64_t n, min, noise;
    bool json;
    bool index; /* --no-index: neither read nor write the indexes */
} diff_options;

static const diff_options diff_defaults = {.n = 10, .noise = DIFF_NOISE_AUTO, .index = true};

static const cli_opt diff_opts[] = {
    {"by", 0, CLI_STRING, CLI_FIELD(diff_options, by), "VIEW", "owner, type, site or new (default: a short report of all four)"},
    {"group-by", 0, CLI_STRING, CLI_FIELD(diff_options, group), "G", "sites by line, file or traceback (default line)"},
    {"top", 'n', CLI_UINT, CLI_FIELD(diff_options, n), "N", "rows per view (default %D; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(diff_options, min), "B", "hide rows that changed by less than B bytes"},
    {"noise", 0, CLI_UINT, CLI_FIELD(diff_options, noise), "B",
     "churn threshold (default: 16 KiB or 0.1% of the heap, the larger)"},
    {"json", 0, CLI_BOOL, CLI_FIELD(diff_options, json), NULL, "print JSON (schema in docs/cli.md#diff)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(diff_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd diff_cmd = {
    "diff", "heapsnap diff [--by owner|type|site|new] [--group-by line|file|traceback] [-n N] [--min-bytes B] "
            "[--noise B] [--json] BEFORE AFTER",
    "What grew between two snapshots, and who holds it.",
    diff_opts, sizeof diff_opts / sizeof diff_opts[0], 2, 2, &diff_defaults, sizeof diff_defaults,
};

enum { V_OWNER = 1, V_TYPE = 2, V_SITE = 4, V_NEW = 8 };

typedef struct ctx {
    diff_snap *b, *a;
    uint64_t thr;  /* max(noise, min-bytes) */
    uint32_t n;    /* rows, 0 = all */
    json_writer *j; /* NULL: text */
} ctx;

static const char *type_of_hash(const ctx *c, uint64_t h)
{
    const char *t = out_diff_type_of_hash2(c->a, c->b, h);
    return t ? t : "?";
}

static void print_text(const char *s)
{
    if (s) out_text_safe(stdout, s, strlen(s));
    else fputs("?", stdout);
}

/* ---- owners ---- */
static int view_owner(const ctx *c, diff_gtab *t)
{
    json_writer *j = c->j;
    uint32_t n;
    diff_owner *o = diff_owners(t, c->thr, c->n, &n);
    if (!o) return cli_error("'%s': out of memory attributing growth", c->a->path);
    char b1[32], b2[32];
    if (j) json_kv_array(j, "owners", JSON_LINES);
    else printf("\nby owner: growth attributed to the dominator-tree nodes that hold it\n");
    for (uint32_t i = 0; i < n; i++) {
        const diff_group *g = &t->v[o[i].group];
        uint32_t v = g->example;
        if (j) {
            out_diff_owner_json(j, c->b, c->a, &o[i], NULL);
            continue;
        }
        char *name = out_diff_name(c->a, v);
        char tbuf[256];
        const char *tn = out_type_name(&c->a->g, v, tbuf, sizeof tbuf);
        const char *et = o[i].entries_type ? type_of_hash(c, o[i].entries_type) : NULL;
        printf("%3u. ", i + 1);
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
        out_diff_path_line(stdout, c->a, v);
        fputc('\n', stdout);
        free(name);
    }
    if (j) json_end(j);
    else if (!n) printf("  (no owner grew by %s or more)\n", fmt_bytes(c->thr, b1));
    free(o);
    return 0;
}

/* ---- types ---- */
static int view_type(const ctx *c, const diff_type *ty, uint32_t nt)
{
    char b[6][32];
    json_writer *j = c->j;
    if (j) json_kv_array(j, "types", JSON_LINES);
    else printf("\nby type: largest growth of shallow bytes first\n%10s %10s %11s %11s %11s %11s  %s\n", "+count", "count",
                "+shallow", "shallow", "+retained", "retained", "type");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < nt && (!c->n || shown < c->n); i++) {
        const diff_type *t = &ty[i];
        if (t->shallow[1] <= t->shallow[0] || t->shallow[1] - t->shallow[0] < c->thr) continue;
        if (j) {
            out_diff_type_json(j, t);
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
    if (j) json_end(j);
    else if (!shown) printf("  (no type grew by %s or more)\n", fmt_bytes(c->thr, b[0]));
    return 0;
}

/* ---- sites ---- */
static const char *group_names[] = {"line", "file", "traceback"};

static int view_site(const ctx *c, diff_group_by by)
{
    char b[4][32];
    json_writer *j = c->j;
    bool both = c->b->has_sites && c->a->has_sites;
    if (j) json_key(j, "sites");
    else printf("\nby allocation site (%s)\n", group_names[by]);
    if (!both) {
        const char *which = !c->b->has_sites && !c->a->has_sites ? "either snapshot"
                            : !c->b->has_sites                   ? "BEFORE"
                                                                 : "AFTER";
        if (j) json_null(j);
        else printf("  (no allocation sites in %s: dump with tracemalloc tracing)\n", which);
        return 0;
    }
    uint32_t ns;
    diff_site *st = diff_sites_merge(c->b, c->a, &ns);
    if (!st) return cli_error("'%s': out of memory comparing sites", c->a->path);
    if (j) {
        json_object_begin(j, JSON_INLINE);
        json_kv_str(j, "group_by", group_names[by]);
        json_kv_array(j, "rows", JSON_LINES);
    }
    else printf("%10s %11s %10s %11s  %s\n", "+count", "+bytes", "count", "bytes", "site");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < ns && (!c->n || shown < c->n); i++) {
        if (st[i].bytes[1] <= st[i].bytes[0] || st[i].bytes[1] - st[i].bytes[0] < c->thr) continue;
        if (j) {
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "site", st[i].text);
            out_diff_ba_json(j, "count", st[i].count[0], st[i].count[1]);
            out_diff_ba_json(j, "bytes", st[i].bytes[0], st[i].bytes[1]);
            json_end(j);
        } else {
            printf("%10s %11s %10s %11s  ", fmt_dcount(st[i].count[0], st[i].count[1], b[0]),
                   fmt_dbytes(st[i].bytes[0], st[i].bytes[1], b[1]), fmt_count(st[i].count[1], b[2]),
                   fmt_bytes(st[i].bytes[1], b[3]));
            print_text(st[i].text);
            fputc('\n', stdout);
        }
        shown++;
    }
    if (j) {
        json_end(j);
        json_end(j);
    } else if (!shown) printf("  (no site grew by %s or more)\n", fmt_bytes(c->thr, b[0]));
    for (uint32_t i = 0; i < ns; i++) free(st[i].text);
    free(st);
    return 0;
}

/* ---- new objects ---- */
static int view_new(const ctx *c, diff_type *ty, uint32_t nt, uint8_t *newbits)
{
    json_writer *j = c->j;
    char b[4][32];
    uint32_t ncl;
    uint64_t objs, bytes;
    diff_cluster *cl = diff_clusters(c->a, diff_new_bit, newbits, c->thr, &ncl, &objs, &bytes);
    if (!cl) return cli_error("'%s': out of memory clustering new objects", c->a->path);
    diff_types_sort_new(ty, nt);
    if (j) {
        json_kv_object(j, "new", JSON_INLINE);
        json_kv_u64(j, "objects", objs);
        json_kv_u64(j, "bytes", bytes);
        json_kv_array(j, "by_type", JSON_LINES);
    } else
        printf("\nnew objects: %s blocks, %s in AFTER that were not in BEFORE\n%10s %11s  %s\n", fmt_count(objs, b[0]),
               fmt_bytes(bytes, b[1]), "count", "bytes", "type");
    uint32_t shown = 0;
    for (uint32_t i = 0; i < nt && (!c->n || shown < c->n); i++) {
        if (!ty[i].new_bytes || ty[i].new_bytes < c->thr) continue;
        if (j) {
            out_diff_new_type_json(j, &ty[i]);
        } else {
            printf("%10s %11s  ", fmt_count(ty[i].new_count, b[0]), fmt_bytes(ty[i].new_bytes, b[1]));
            print_text(ty[i].name);
            fputc('\n', stdout);
        }
        shown++;
    }
    if (j) {
        json_end(j);
        json_kv_array(j, "by_owner", JSON_LINES);
    } else {
        if (!shown) printf("  (no type has %s or more of new objects)\n", fmt_bytes(c->thr, b[0]));
        printf("by owner:\n");
    }
    uint32_t m = c->n && ncl > c->n ? c->n : ncl;
    for (uint32_t i = 0; i < m; i++) {
        const diff_cluster *k = &cl[i];
        uint32_t owner = c->a->g.idom[k->example];
        char *name = out_diff_name(c->a, owner);
        const char *tn = type_of_hash(c, k->type_hash);
        char obuf[256];
        const char *otn = out_type_name(&c->a->g, owner, obuf, sizeof obuf);
        if (j) {
            out_diff_cluster_json(j, c->a, k, name, otn, tn, NULL);
        } else {
            printf("%3u. %s objects, %s: %s ", i + 1, fmt_scount((int64_t)k->objects, b[0]), fmt_bytes(k->bytes, b[1]),
                   fmt_count(k->top, b[2]));
            print_text(tn);
            fputs(" held by ", stdout);
            print_text(name);
            fputs(" (", stdout);
            print_text(otn);
            fputs(")\n      e.g. ", stdout);
            out_diff_path_line(stdout, c->a, k->example);
            fputc('\n', stdout);
        }
        free(name);
    }
    if (j) {
        json_end(j);
        json_end(j);
    } else if (!m) printf("  (no owner holds %s or more of new objects)\n", fmt_bytes(c->thr, b[0]));
    free(cl);
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    char *args[2];
    int nargs;
    diff_options o;
    int rc = cli_parse(&diff_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    unsigned views = V_OWNER | V_TYPE | V_SITE | V_NEW;
    if (o.by) {
        views = !strcmp(o.by, "owner") ? V_OWNER
                : !strcmp(o.by, "type") ? V_TYPE
                : !strcmp(o.by, "site") ? V_SITE
                : !strcmp(o.by, "new")  ? V_NEW
                                          : 0;
        if (!views) {
            fprintf(stderr, "heapsnap diff: --by takes owner, type, site or new, not '");
            out_text_safe(stderr, o.by, strlen(o.by));
            fprintf(stderr, "'\nusage: %s\n", diff_cmd.usage);
            return HS_EXIT_USAGE;
        }
    }
    diff_group_by by = DIFF_BY_LINE;
    if (o.group) {
        if (!strcmp(o.group, "line")) by = DIFF_BY_LINE;
        else if (!strcmp(o.group, "file")) by = DIFF_BY_FILE;
        else if (!strcmp(o.group, "traceback")) by = DIFF_BY_TRACEBACK;
        else {
            fprintf(stderr, "heapsnap diff: --group-by takes line, file or traceback, not '");
            out_text_safe(stderr, o.group, strlen(o.group));
            fprintf(stderr, "'\nusage: %s\n", diff_cmd.usage);
            return HS_EXIT_USAGE;
        }
    }
    if (o.n > 1000000) o.n = 1000000;
    if ((rc = cli_map_stdin(args, 2))) return rc; /* "-": standard input */
    const unsigned idk = (views & V_NEW) ? diff_key_mode(args, 2) : 0; /* both V8: new objects by node id */
    unsigned wb = idk | (o.index ? DIFF_INDEX : 0), wa = DIFF_KEEP_GRAPH | idk | (o.index ? DIFF_INDEX : 0);
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
    json_writer jw;
    ctx c = {b, a, 0, (uint32_t)o.n, o.json ? &jw : NULL};
    uint64_t noise = diff_noise(o.noise, b, a);
    c.thr = noise > o.min ? noise : o.min;
    diff_type *ty = NULL;
    uint32_t nt = 0;
    uint8_t *newbits = NULL;
    if (rc) goto done;
    if ((views & V_NEW) && !(newbits = diff_new_blocks(b, a))) {
        rc = cli_error("'%s': out of memory", a->path);
        goto done;
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
    if (c.j) {
        json_document_begin(c.j, stdout);
        json_key(c.j, "before");
        out_diff_file_json(c.j, b);
        json_key(c.j, "after");
        out_diff_file_json(c.j, a);
        json_kv_u64(c.j, "noise", noise);
        json_same_line(c.j);
        json_kv_u64(c.j, "min_bytes", o.min);
        out_process_growth_json(c.j, &b->mem, b->total_shallow, &a->mem, a->total_shallow);
    } else {
        fputs("heapsnap diff: ", stdout);
        print_text(b->path);
        fputs(" -> ", stdout);
        print_text(a->path);
        printf("\nblocks %s -> %s (%s); reachable %s -> %s (%s); noise threshold %s\n", fmt_count(b->blocks, b1),
               fmt_count(a->blocks, b2), fmt_dcount(b->blocks, a->blocks, b3),
               fmt_bytes(b->reachable_bytes, b4), fmt_bytes(a->reachable_bytes, b5),
               fmt_dbytes(b->reachable_bytes, a->reachable_bytes, b6), fmt_bytes(noise, b7));
        out_process_growth(stdout, &b->mem, b->total_shallow, &a->mem, a->total_shallow);
    }
    if (!rc && (views & V_OWNER)) rc = view_owner(&c, &a->groups);
    if (!rc && (views & V_TYPE)) rc = view_type(&c, ty, nt);
    if (!rc && (views & V_SITE)) rc = view_site(&c, by);
    if (!rc && (views & V_NEW)) rc = view_new(&c, ty, nt, newbits);
    if (c.j) {
        json_end(c.j);
        fputc('\n', stdout);
    }
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
