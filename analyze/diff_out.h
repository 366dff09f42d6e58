/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff_out.h — what `heapsnap diff` and `heapsnap leaks` share
 * (diff_out.c): building summaries on two threads, owner names and
 * dominator paths in text and JSON, signed sizes, the noise threshold.
 * See docs/cli.md#diff and docs/diff.md.
 */
#ifndef HS_DIFF_OUT_H
#define HS_DIFF_OUT_H

#include "cli.h"
#include "diff.h"

#define DIFF_NOISE_AUTO UINT64_MAX
#define DIFF_NOISE_FLOOR (16u * 1024u)

/* Build a and b at once (b on this thread, a on another when possible).
 * Returns 0, or HS_EXIT_BAD_INPUT after printing the first failure (in
 * argument order: a, then b). */
int diff_out_build2(diff_snap *a, const char *pa, int sa, unsigned wa, diff_snap *b, const char *pb, int sb,
                    unsigned wb, diff_group_by by);
/* One line "heapsnap: 'file': message" for a failed build; HS_EXIT_BAD_INPUT. */
int diff_out_fail(const diff_snap *s);

/* The noise threshold: `opt` unless DIFF_NOISE_AUTO, else the larger of
 * 16 KiB and 0.1% of the larger reachable total. */
uint64_t diff_noise(uint64_t opt, const diff_snap *a, const diff_snap *b);

/* "+1.50 MiB" / "-24 B" / "0 B"; "+1,234". */
const char *fmt_sbytes(int64_t n, char buf[32]);
const char *fmt_scount(int64_t n, char buf[32]);

/* The owner name of node v of a kept snapshot: root name, then the labels
 * of the dominator path ("app.cache._store"); malloc'd, NULL when out of
 * memory. Untrusted: print with out_text_safe / out_json_string. */
char *diff_out_name(const diff_snap *s, uint32_t v);
/* The dominator path of v: one line of text, or a JSON list. */
void diff_out_path_line(FILE *f, const diff_snap *s, uint32_t v);
void diff_out_path_json(FILE *f, const diff_snap *s, uint32_t v);
/* One cluster of new objects (diff's new-by-owner view, leaks) as a JSON
 * object: owner, owner_type, type, top, objects, bytes, retained, example, path. */
void diff_out_cluster_json(FILE *f, const diff_snap *s, const diff_cluster *k, const char *owner_name,
                           const char *owner_type, const char *type);
/* The display name of a type hash among the snapshot's types, or NULL. */
const char *diff_out_type_of_hash(const diff_snap *s, uint64_t hash);
void diff_out_file_json(FILE *f, const diff_snap *s);

#endif /* HS_DIFF_OUT_H */
