/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_leaks.c — `heapsnap leaks S1 S2 S3`: the three-snapshot
 * technique. Objects of S2 that were not in S1 (allocated in between) and
 * are still in S3 (same address, type and retainer-path signature; the node
 * id alone when all three are V8 snapshots), grouped
 * by owner in S3: each cluster with its objects, bytes and one example path.
 * Objects freed by S3 are not reported. Text or --json. See
 * docs/cli.md#leaks and docs/diff.md.
 *
 * `heapsnap leaks FILE`: memcheck's leak kinds of one snapshot
 * (graph_leaks_find, native dumps: docs/native.md#leak-kinds), then loss
 * records grouped by kind and allocation site, largest first, each
 * definitely lost record with the bytes its blocks keep indirectly.
 */
#include "cli/cli.h"
#include "graph/graph_hash.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct leaks_options {
    uint64_t n, min, noise;
    bool json, all;
    bool index; /* --no-index: neither read nor write the index */
} leaks_options;

static const leaks_options leaks_defaults = {.n = 10, .noise = DIFF_NOISE_AUTO, .index = true};

static const cli_opt leaks_opts[] = {
    {"top", 'n', CLI_UINT, CLI_FIELD(leaks_options, n), "N", "clusters to show (default %D; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(leaks_options, min), "B", "hide clusters of fewer than B bytes"},
    {"noise", 0, CLI_UINT, CLI_FIELD(leaks_options, noise), "B",
     "churn threshold (default: 16 KiB or 0.1% of the heap, the larger)"},
    {"all", 0, CLI_BOOL, CLI_FIELD(leaks_options, all), NULL,
     "one snapshot: also list indirectly lost and still reachable records"},
    {"json", 0, CLI_BOOL, CLI_FIELD(leaks_options, json), NULL, "print JSON (schema in docs/cli.md#leaks)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(leaks_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd leaks_cmd = {
    "leaks", "heapsnap leaks [-n N] [--min-bytes B] [--noise B] [--json] S1 S2 S3\n"
             "   or: heapsnap leaks [-n N] [--min-bytes B] [--all] [--json] FILE",
    "Objects allocated between S1 and S2 that are still alive in S3, grouped by who holds them;\n"
    "with one FILE, memcheck's leak kinds (definitely, indirectly, possibly lost, still reachable) by site.",
    leaks_opts, sizeof leaks_opts / sizeof leaks_opts[0], 1, 3, &leaks_defaults, sizeof leaks_defaults,
};

typedef struct keyset {
    const uint64_t *keys;
    uint32_t n;
} keyset;

static bool survives(const diff_snap *s, uint32_t v, void *ud)
{
    const keyset *k = ud;
    return diff_keys_contain(k->keys, k->n, diff_key(s, v));
}

/* ---- one snapshot: leak kinds and loss records ---- */
static const char *const kind_key[GRAPH_LEAK_KINDS] = {"reachable", "possible", "indirect", "definite"};
static const char *const kind_text[GRAPH_LEAK_KINDS] = {"still reachable", "possibly lost", "indirectly lost",
                                                        "definitely lost"};

typedef struct loss_record {
    uint8_t kind;
    uint32_t site;     /* the reader's site id or GRAPH_NONE */
    uint32_t example;  /* the first block of the record */
    uint64_t blocks, bytes, indirect;
} loss_record;

typedef struct record_tab {
    loss_record *v;
    uint32_t n, cap;
    uint32_t *slot; /* index + 1, 0 = empty */
    uint32_t mask;
} record_tab;

static loss_record *record_get(record_tab *t, uint8_t kind, uint32_t site, uint32_t v)
{
    if (!t->slot || (uint64_t)(t->n + 1) * 2 > (uint64_t)t->mask + 1) {
        uint32_t cap = t->slot ? (t->mask + 1) * 2 : 256;
        uint32_t *slot = calloc(cap, sizeof *slot);
        if (!slot) return NULL;
        for (uint32_t i = 0; i < t->n; i++) {
            uint64_t h = hash_fmix64(((uint64_t)t->v[i].kind << 32) | t->v[i].site);
            uint32_t j = (uint32_t)h & (cap - 1);
            while (slot[j]) j = (j + 1) & (cap - 1);
            slot[j] = i + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->mask = cap - 1;
    }
    uint64_t key = ((uint64_t)kind << 32) | site;
    uint32_t j = (uint32_t)hash_fmix64(key) & t->mask;
    for (; t->slot[j]; j = (j + 1) & t->mask) {
        loss_record *r = &t->v[t->slot[j] - 1];
        if (r->kind == kind && r->site == site) return r;
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        loss_record *nv = realloc(t->v, cap * sizeof *nv);
        if (!nv) return NULL;
        t->v = nv;
        t->cap = cap;
    }
    t->v[t->n] = (loss_record){.kind = kind, .site = site, .example = v};
    t->slot[j] = ++t->n;
    return &t->v[t->n - 1];
}

static int by_total(const void *a, const void *b)
{
    const loss_record *x = a, *y = b;
    uint64_t tx = x->bytes + x->indirect, ty = y->bytes + y->indirect;
    if (tx != ty) return tx < ty ? 1 : -1;
    if (x->kind != y->kind) return x->kind < y->kind ? 1 : -1;
    return x->example < y->example ? -1 : x->example > y->example;
}

static const char *frame_str(const hs_reader *r, uint32_t id)
{
    size_t n;
    const char *s = id == HS_NONE ? NULL : hs_reader_string(r, id, &n);
    return s;
}

static void site_text(const graph *g, uint32_t site, json_writer *j)
{
    const hs_reader *r = g->reader;
    uint32_t nf = 0;
    const uint32_t *st = site == GRAPH_NONE ? NULL : hs_reader_site(r, site, &nf);
    if (j) {
        if (!st) {
            json_kv_null(j, "site");
            return;
        }
        json_kv_array(j, "site", JSON_INLINE);
    }
    for (uint32_t i = 0; st && i < nf; i++) {
        const hs_frame *f = hs_reader_frame(r, st[i]);
        const char *fn = f ? frame_str(r, f->function) : NULL, *file = f ? frame_str(r, f->file) : NULL;
        if (j) {
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "function", fn);
            json_kv_str(j, "file", file);
            json_kv_u64(j, "line", f ? f->line : 0);
            json_end(j);
            continue;
        }
        printf("      %s ", i ? "by" : "at");
        out_text_safe(stdout, fn ? fn : "???", strlen(fn ? fn : "???"));
        if (file) {
            fputs(" (", stdout);
            out_text_safe(stdout, file, strlen(file));
            if (f->line) printf(":%u", f->line);
            fputc(')', stdout);
        }
        fputc('\n', stdout);
    }
    if (j) json_end(j);
}

static int leaks_one(const char *path, const leaks_options *o)
{
    graph g;
    int rc = cli_graph_load(path, &g, false, o->index);
    if (rc) return rc;
    graph_leaks l;
    uint32_t *site = NULL;
    record_tab t = {0};
    graph_load_error lerr;
    if (graph_leaks_find(&g, graph_string_find(g.reader, "interior"), &l) != GRAPH_OK) {
        rc = cli_error("'%s': out of memory computing leak kinds", path);
        goto done0;
    }
    if (load_block_sites(cli_open_path(path), &g, &site, &lerr) != GRAPH_OK) { /* "-": already copied */
        rc = cli_error("'%s': %s", path, lerr.message);
        goto done;
    }
    for (uint32_t v = 0; v < g.n; v++) {
        uint8_t k = l.kind[v];
        if (k >= GRAPH_LEAK_KINDS) continue;
        loss_record *r = record_get(&t, k, site[v], v);
        if (!r) goto nomem;
        r->blocks++;
        r->bytes += graph_size(&g, v);
        if (k == GRAPH_LEAK_INDIRECT) { /* counted once more, with the definitely lost block that holds it */
            uint32_t owner = graph_leak_owner(&l, v);
            if (owner == GRAPH_NONE) continue;
            loss_record *d = record_get(&t, GRAPH_LEAK_DEFINITE, site[owner], owner);
            if (!d) goto nomem;
            d->indirect += graph_size(&g, v);
        }
    }
    if (t.n) qsort(t.v, t.n, sizeof *t.v, by_total); /* t.v is NULL when nothing is lost */
    uint32_t shown = 0, eligible = 0;
    for (uint32_t i = 0; i < t.n; i++) {
        const loss_record *r = &t.v[i];
        bool kind_ok = o->all || r->kind == GRAPH_LEAK_DEFINITE || r->kind == GRAPH_LEAK_POSSIBLE;
        if (kind_ok && r->bytes + r->indirect >= o->min && r->blocks) eligible++;
    }
    char b1[32], b2[32], b3[32];
    json_writer jw, *j = o->json ? &jw : NULL;
    if (j) {
        json_document_begin(j, stdout);
        json_kv_str(j, "file", path);
        json_kv_object(j, "kinds", JSON_LINES);
        for (int k = GRAPH_LEAK_DEFINITE; k >= 0; k--) {
            json_kv_object(j, kind_key[k], JSON_INLINE);
            json_kv_u64(j, "blocks", l.blocks[k]);
            json_kv_u64(j, "bytes", l.bytes[k]);
            json_end(j);
        }
        json_end(j);
        json_kv_u64(j, "records_total", eligible);
        json_kv_array(j, "records", JSON_LINES);
    } else {
        fputs("heapsnap leaks: ", stdout);
        out_text_safe(stdout, path, strlen(path));
        fputc('\n', stdout);
        for (int k = GRAPH_LEAK_DEFINITE; k >= 0; k--)
            printf("  %15s: %s bytes in %s blocks\n", kind_text[k], fmt_count(l.bytes[k], b1),
                   fmt_count(l.blocks[k], b2));
        if (!eligible) printf("\n  (no %sloss record)\n", o->all ? "" : "definitely or possibly lost ");
    }
    for (uint32_t i = 0; i < t.n && (!o->n || shown < o->n); i++) {
        const loss_record *r = &t.v[i];
        bool kind_ok = o->all || r->kind == GRAPH_LEAK_DEFINITE || r->kind == GRAPH_LEAK_POSSIBLE;
        if (!kind_ok || r->bytes + r->indirect < o->min || !r->blocks) continue;
        shown++;
        char tbuf[256];
        const char *tn = out_type_name(&g, r->example, tbuf, sizeof tbuf);
        if (j) {
            json_object_begin(j, JSON_INLINE);
            json_kv_str(j, "kind", kind_key[r->kind]);
            json_kv_u64(j, "blocks", r->blocks);
            json_kv_u64(j, "bytes", r->bytes);
            json_kv_u64(j, "indirect_bytes", r->indirect);
            json_kv_str(j, "type", tn);
            json_kv_addr(j, "example", graph_addr(&g, r->example));
            site_text(&g, r->site, j);
            json_end(j);
            continue;
        }
        printf("\n%s bytes", fmt_count(r->bytes + r->indirect, b1));
        if (r->indirect) printf(" (%s direct, %s indirect)", fmt_count(r->bytes, b2), fmt_count(r->indirect, b3));
        printf(" in %s block%s %s %s: ", fmt_count(r->blocks, b1), r->blocks == 1 ? "" : "s",
               r->blocks == 1 ? "is" : "are", kind_text[r->kind]);
        out_text_safe(stdout, tn, strlen(tn));
        printf(", e.g. 0x%llx\n", (unsigned long long)graph_addr(&g, r->example));
        site_text(&g, r->site, NULL);
    }
    if (j) {
        json_end(j);
        json_end(j);
        fputc('\n', stdout);
    } else if (shown < eligible) {
        printf("\n  (%s more record%s: -n 0 shows all)\n", fmt_count(eligible - shown, b1), eligible - shown == 1 ? "" : "s");
    }
    goto done;
nomem:
    rc = cli_error("'%s': out of memory grouping loss records", path);
done:
    free(t.v);
    free(t.slot);
    free(site);
    graph_leaks_release(&l);
done0:
    graph_release(&g);
    return rc;
}

int cmd_leaks(int argc, char **argv)
{
    char *args[3];
    int nargs;
    leaks_options o;
    int rc = cli_parse(&leaks_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (o.n > 1000000) o.n = 1000000;
    if (nargs == 1) return leaks_one(args[0], &o);
    if (nargs != 3) {
        fprintf(stderr, "heapsnap leaks: give one snapshot (leak kinds) or three (S1 S2 S3)\nusage: %s\n",
                leaks_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if ((rc = cli_map_stdin(args, 3))) return rc; /* "-": standard input */
    diff_snap *s = calloc(3, sizeof *s);
    if (!s) return cli_error("out of memory");
    uint64_t *mid = NULL;
    uint32_t nmid = 0;
    diff_cluster *cl = NULL;
    const unsigned idk = diff_key_mode(args, 3); /* all three V8: match by node id */
    const unsigned ix = o.index ? DIFF_INDEX : 0;
    rc = cli_diff_build2(&s[0], args[0], 0, DIFF_KEYS | idk | ix, &s[1], args[1], 1, DIFF_KEYS | idk | ix, DIFF_BY_LINE);
    if (rc) goto done;
    if (!(mid = diff_keys_minus(s[1].keys, s[1].nkeys, s[0].keys, s[0].nkeys, &nmid))) {
        rc = cli_error("'%s': out of memory", cli_shown(args[1]));
        goto done;
    }
    free(s[0].keys);
    free(s[1].keys);
    s[0].keys = s[1].keys = NULL;
    diff_snap_build(&s[2], args[2], 1, DIFF_KEEP_GRAPH | idk | ix, DIFF_BY_LINE);
    if (s[2].status) {
        rc = cli_diff_fail(&s[2]);
        goto done;
    }
    s[2].path = cli_shown(s[2].path); /* "-" in the output */
    uint64_t noise = diff_noise(o.noise, &s[1], &s[2]);
    uint64_t thr = noise > o.min ? noise : o.min;
    keyset ks = {mid, nmid};
    uint32_t ncl;
    uint64_t objs, bytes;
    if (!(cl = diff_clusters(&s[2], survives, &ks, thr, &ncl, &objs, &bytes))) {
        rc = cli_error("'%s': out of memory clustering", cli_shown(args[2]));
        goto done;
    }
    uint32_t m = o.n && ncl > o.n ? (uint32_t)o.n : ncl;
    char b1[32], b2[32], b3[32], b4[32];
    const graph *g = &s[2].g;
    json_writer jw, *j = o.json ? &jw : NULL;
    if (j) {
        json_document_begin(j, stdout);
        json_kv_array(j, "snapshots", JSON_INLINE);
        for (int i = 0; i < 3; i++) out_diff_file_json(j, &s[i]);
        json_end(j);
        json_kv_u64(j, "noise", noise);
        json_same_line(j);
        json_kv_u64(j, "min_bytes", o.min);
        json_kv_object(j, "allocated", JSON_INLINE);
        json_kv_u64(j, "objects", nmid);
        json_end(j);
        json_kv_object(j, "alive", JSON_INLINE);
        json_kv_u64(j, "objects", objs);
        json_kv_u64(j, "bytes", bytes);
        json_end(j);
        json_kv_u64(j, "clusters_total", ncl);
        json_kv_array(j, "clusters", JSON_LINES);
    } else {
        fputs("heapsnap leaks: ", stdout);
        for (int i = 0; i < 3; i++) {
            if (i) fputs(" -> ", stdout);
            const char *shown = cli_shown(args[i]);
            out_text_safe(stdout, shown, strlen(shown));
        }
        printf("\nallocated between S1 and S2: %s blocks; still alive in S3: %s blocks, %s; noise threshold %s\n",
               fmt_count(nmid, b1), fmt_count(objs, b2), fmt_bytes(bytes, b3), fmt_bytes(noise, b4));
        if (!m) printf("  (no cluster of %s or more)\n", fmt_bytes(thr, b1));
    }
    for (uint32_t i = 0; i < m; i++) {
        const diff_cluster *k = &cl[i];
        uint32_t owner = g->idom[k->example];
        char *name = out_diff_name(&s[2], owner);
        char tbuf[256], obuf[256];
        const char *tn = out_type_name(g, k->example, tbuf, sizeof tbuf);
        const char *otn = out_type_name(g, owner, obuf, sizeof obuf);
        if (j) {
            out_diff_cluster_json(j, &s[2], k, name, otn, tn, NULL);
        } else {
            printf("\n%3u. %s objects, %s: %s ", i + 1, fmt_count(k->objects, b1), fmt_bytes(k->bytes, b2),
                   fmt_count(k->top, b3));
            out_text_safe(stdout, tn, strlen(tn));
            fputs(" held by ", stdout);
            if (name) out_text_safe(stdout, name, strlen(name));
            fputs(" (", stdout);
            out_text_safe(stdout, otn, strlen(otn));
            fputs(")\n      e.g. ", stdout);
            out_diff_path_line(stdout, &s[2], k->example);
            fputc('\n', stdout);
        }
        free(name);
    }
    if (j) {
        json_end(j);
        json_end(j);
        fputc('\n', stdout);
    }
done:
    free(cl);
    free(mid);
    for (int i = 0; i < 3; i++) diff_snap_release(&s[i]);
    free(s);
    return rc;
}
