/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_leaks.c — `heapsnap leaks S1 S2 S3`: the three-snapshot
 * technique. Objects of S2 that were not in S1 (allocated in between) and
 * are still in S3 (same address, type and retainer-path signature), grouped
 * by owner in S3: each cluster with its objects, bytes and one example path.
 * Objects freed by S3 are not reported. Text or --json. See
 * docs/cli.md#leaks and docs/diff.md.
 */
#include "cli/cli.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

typedef struct leaks_options {
    uint64_t n, min, noise;
    bool json;
} leaks_options;

static const leaks_options leaks_defaults = {.n = 10, .noise = DIFF_NOISE_AUTO};

static const cli_opt leaks_opts[] = {
    {"top", 'n', CLI_UINT, CLI_FIELD(leaks_options, n), "N", "clusters to show (default %D; 0 = all)"},
    {"min-bytes", 0, CLI_UINT, CLI_FIELD(leaks_options, min), "B", "hide clusters of fewer than B bytes"},
    {"noise", 0, CLI_UINT, CLI_FIELD(leaks_options, noise), "B",
     "churn threshold (default: 16 KiB or 0.1% of the heap, the larger)"},
    {"json", 0, CLI_BOOL, CLI_FIELD(leaks_options, json), NULL, "print JSON (schema in docs/cli.md#leaks)"},
};

static const cli_cmd leaks_cmd = {
    "leaks", "heapsnap leaks [-n N] [--min-bytes B] [--noise B] [--json] S1 S2 S3",
    "Objects allocated between S1 and S2 that are still alive in S3, grouped by who holds them.",
    leaks_opts, sizeof leaks_opts / sizeof leaks_opts[0], 3, 3, &leaks_defaults, sizeof leaks_defaults,
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

int cmd_leaks(int argc, char **argv)
{
    char *args[3];
    int nargs;
    leaks_options o;
    int rc = cli_parse(&leaks_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (o.n > 1000000) o.n = 1000000;
    diff_snap *s = calloc(3, sizeof *s);
    if (!s) return cli_error("out of memory");
    uint64_t *mid = NULL;
    uint32_t nmid = 0;
    diff_cluster *cl = NULL;
    rc = cli_diff_build2(&s[0], args[0], 0, DIFF_KEYS, &s[1], args[1], 1, DIFF_KEYS, DIFF_BY_LINE);
    if (rc) goto done;
    if (!(mid = diff_keys_minus(s[1].keys, s[1].nkeys, s[0].keys, s[0].nkeys, &nmid))) {
        rc = cli_error("'%s': out of memory", args[1]);
        goto done;
    }
    free(s[0].keys);
    free(s[1].keys);
    s[0].keys = s[1].keys = NULL;
    diff_snap_build(&s[2], args[2], 1, DIFF_KEEP_GRAPH, DIFF_BY_LINE);
    if (s[2].status) {
        rc = cli_diff_fail(&s[2]);
        goto done;
    }
    uint64_t noise = diff_noise(o.noise, &s[1], &s[2]);
    uint64_t thr = noise > o.min ? noise : o.min;
    keyset ks = {mid, nmid};
    uint32_t ncl;
    uint64_t objs, bytes;
    if (!(cl = diff_clusters(&s[2], survives, &ks, thr, &ncl, &objs, &bytes))) {
        rc = cli_error("'%s': out of memory clustering", args[2]);
        goto done;
    }
    uint32_t m = o.n && ncl > o.n ? (uint32_t)o.n : ncl;
    char b1[32], b2[32], b3[32], b4[32];
    const graph *g = &s[2].g;
    json_writer jw, *j = o.json ? &jw : NULL;
    if (j) {
        json_init(j, stdout);
        json_object_begin(j, JSON_LINES);
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
            out_text_safe(stdout, args[i], strlen(args[i]));
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
            printf("\n  %s objects, %s: %s ", fmt_count(k->objects, b1), fmt_bytes(k->bytes, b2), fmt_count(k->top, b3));
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
