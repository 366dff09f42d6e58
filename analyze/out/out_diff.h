/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_diff.h — how comparisons print (out_diff.c): owner names
 * and dominator paths in text and JSON, clusters of new objects, the
 * files compared.
 * See docs/cli.md#diff and docs/diff.md.
 */
#ifndef HS_DIFF_OUT_H
#define HS_DIFF_OUT_H

#include "diff/diff.h"
#include "out/out.h"

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
