/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8_read.h — reading V8 heap snapshots (.heapsnapshot, the JSON
 * written by Chrome DevTools and node's v8.writeHeapSnapshot()) into compact
 * per-node and per-edge arrays (v8_read.c), the one retaining predicate
 * (v8_edge_retains), and converting a read snapshot into the .hsnap record
 * stream through the codec's encoder (v8_hsnap.c). See docs/v8.md.
 *
 * Ownership. A v8_snapshot owns every array it holds; v8_snapshot_release()
 * frees them and accepts a zeroed snapshot. Nothing here prints or exits;
 * errors come back as one line (what, and the byte offset) in the caller's
 * buffer. No global state; one thread per snapshot.
 */
#ifndef HS_V8_READ_H
#define HS_V8_READ_H

#include "hs_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define V8_ERR_MAX 400

typedef struct v8_names { /* a list of strings from snapshot.meta */
    char **v;
    uint32_t n;
} v8_names;

typedef struct v8_snapshot {
    /* meta, as the file declares it */
    v8_names node_fields, edge_fields, node_types, edge_types; /* *_types: the "type" field's enum */
    uint64_t meta_node_count, meta_edge_count;
    /* nodes: [node_count] */
    uint32_t node_count;
    uint8_t *ntype;      /* index into node_types */
    uint32_t *nname;     /* index into strings */
    uint64_t *nid;       /* V8's stable object id */
    uint64_t *nsize;     /* self_size */
    uint32_t *nedges;    /* edge_count */
    /* edges: [edge_count], in node order */
    uint32_t edge_count;
    uint8_t *etype;      /* index into edge_types */
    uint32_t *ename;     /* string index, or element index (see v8_edge_is_index) */
    uint32_t *eto;       /* target node index (to_node / node field count) */
    /* strings */
    char *sbuf;          /* every string, NUL-terminated, back to back */
    uint64_t *soff;      /* [nstrings] offset of each in sbuf */
    uint32_t nstrings;
    uint64_t file_bytes;
} v8_snapshot;

/* True when `path` starts with '{' after optional whitespace (a JSON
 * document, so a V8 heap snapshot rather than an .hsnap file). */
bool v8_file_detect(const char *path);

/* Read a whole .heapsnapshot. Returns 0, or -1 with a one-line message in
 * err (what went wrong and the byte offset); *s is then released. Memory:
 * about 25 bytes per node, 9 per edge, plus the strings. */
int v8_read_file(const char *path, v8_snapshot *s /* OUT */, char err[V8_ERR_MAX]);
void v8_snapshot_release(v8_snapshot *s);

/* Element and hidden edges carry an index, the others a string index. */
bool v8_edge_is_index(const v8_snapshot *s, uint32_t e);

/* THE retaining rule (Chrome DevTools' "essential edge"), used for every
 * edge we convert, so the analyzer's forward traversal and its predecessor
 * scan agree: a weak edge never retains; a shortcut edge retains only when
 * it leaves the synthetic root (node 0), where it marks the user's global
 * objects; every other edge retains. */
bool v8_edge_retains(const v8_snapshot *s, uint32_t from_node, uint32_t e);

/* Convert a read snapshot into .hsnap records written through `sink`.
 * Returns 0, or -1 with a one-line message. */
int v8_encode(const v8_snapshot *s, hs_sink_fn sink, void *sink_ud, char err[V8_ERR_MAX]);

/* Read `in` (a .heapsnapshot) and write `out` (.hsnap) atomically: a temp
 * file beside it, fsync, rename. Returns 0, or -1 with a one-line message. */
int v8_convert_file(const char *in, const char *out, char err[V8_ERR_MAX]);

/* Convert `in` into a new temporary .hsnap under $TMPDIR (or /tmp) and
 * return its malloc'd path in *tmp_path; the caller unlinks and frees it. */
int v8_convert_temp(const char *in, char **tmp_path /* OUT */, char err[V8_ERR_MAX]);

#endif /* HS_V8_READ_H */
