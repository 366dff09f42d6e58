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

/* The owner name of node v of a kept snapshot: as the program names it
 * (out_name on the snapshot's graph_bfs_named() paths: "app.cache._store");
 * the virtual nodes and a snapshot without those paths fall back to the
 * dominator path's labels. malloc'd, NULL when out of memory. Untrusted:
 * print with out_text_safe / out_json_string. */
char *out_diff_name(const diff_snap *s, uint32_t v);
/* The dominator path of v: one line of text, or a JSON list. */
void out_diff_path_line(FILE *f, const diff_snap *s, uint32_t v);
void out_diff_path_json(json_writer *j, const diff_snap *s, uint32_t v);
/* One cluster of new objects (diff's new-by-owner view, leaks) as a JSON
 * object: owner, owner_type, type, top, objects, bytes, retained, example, path. */
void out_diff_cluster_json(json_writer *j, const diff_snap *s, const diff_cluster *k, const char *owner_name,
                           const char *owner_type, const char *type, const int64_t *tree /* NULL: no "tree" */);
/* {"before": b, "after": a, "delta": a - b} under `key`. */
void out_diff_ba_json(json_writer *j, const char *key, uint64_t before, uint64_t after);
/* One owner of diff_owners() (in after's merged group table) as a JSON
 * object: owner, type, entries, entries_type, children_added, growth,
 * [alike, tree,] count, retained, block, path. tree NULL: no alike/tree,
 * and an unnamed entries type shows as "?". */
void out_diff_owner_json(json_writer *j, const diff_snap *before, const diff_snap *after, const diff_owner *o,
                         const int64_t *tree);
/* A type row of diff_types_merge(): type, count, shallow, retained (before/after/delta). */
void out_diff_type_json(json_writer *j, const diff_type *t);
/* A type's new objects: type, count, bytes. */
void out_diff_new_type_json(json_writer *j, const diff_type *t);
/* The name of a type hash in after's types, else before's; NULL if neither has it. */
const char *out_diff_type_of_hash2(const diff_snap *after, const diff_snap *before, uint64_t hash);
/* The display name of a type hash among the snapshot's types, or NULL. */
const char *out_diff_type_of_hash(const diff_snap *s, uint64_t hash);
void out_diff_file_json(json_writer *j, const diff_snap *s); /* {"file","blocks","total_shallow","reachable","unreachable"} */

/* The process's memory between two snapshots, when both recorded RSS
 * (diff_growth_outside): one text line — "process: RSS 40.0 MiB -> 89.0
 * MiB (+49.0 MiB), the dumped objects +96.0 KiB: the growth is outside
 * them, in native allocations ..." — or nothing; as JSON, a "process"
 * member {"rss": {before, after, delta}, "malloc_in_use": ..., "objects":
 * delta, "outside": bool} or null. */
void out_process_growth(FILE *f, const load_mem *before, uint64_t shallow_before, const load_mem *after,
                        uint64_t shallow_after);
void out_process_growth_json(json_writer *j, const load_mem *before, uint64_t shallow_before, const load_mem *after,
                             uint64_t shallow_after);

#endif /* HS_DIFF_OUT_H */
