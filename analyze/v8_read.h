/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8_read.h — reading V8 heap snapshots (.heapsnapshot, the JSON
 * written by Chrome DevTools and node's v8.writeHeapSnapshot()) into compact
 * per-node and per-edge arrays (v8_read.c), the mapping onto heapsnap's
 * model with the one set of retaining rules (v8_map.c), and converting a read snapshot into the .hsnap record
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
#include <stdio.h>

#define V8_ERR_MAX 400

typedef struct v8_names { /* a list of strings from snapshot.meta */
    char **v;
    uint32_t n;
} v8_names;

/* What an edge type means to us (v8_snapshot.edge_class, by edge type). */
enum { V8_EDGE_OTHER, V8_EDGE_ELEMENT, V8_EDGE_HIDDEN, V8_EDGE_WEAK, V8_EDGE_SHORTCUT, V8_EDGE_INTERNAL,
       V8_EDGE_PROPERTY, V8_EDGE_CONTEXT };

typedef struct v8_snapshot {
    /* meta, as the file declares it */
    v8_names node_fields, edge_fields, node_types, edge_types; /* *_types: the "type" field's enum */
    uint8_t edge_class[256];  /* V8_EDGE_* of each edge type */
    uint64_t meta_node_count, meta_edge_count;
    /* nodes: [node_count] */
    uint32_t node_count;
    uint8_t *ntype;      /* index into node_types */
    uint32_t *nname;     /* index into strings */
    uint64_t *nid;       /* V8's stable object id */
    uint64_t *nsize;     /* self_size */
    uint32_t *first;     /* [node_count + 1] offset of each node's first edge (the prefix
                            sum of edge_count); first[node_count] = edge_count */
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
/* The same from an open stream (read to its end; not closed). */
int v8_read_stream(FILE *f, v8_snapshot *s /* OUT */, char err[V8_ERR_MAX]);
void v8_snapshot_release(v8_snapshot *s);

/* Element and hidden edges carry an index, the others a string index. */
bool v8_edge_is_index(const v8_snapshot *s, uint32_t e);

/* ---- the mapping (v8_map.c) ---- */

/* Node → type: one type per (V8 node type, name), the name dropped where it
 * is a value (strings, numbers, regexps). Type ids in first-sighting order. */
typedef struct v8_types {
    uint32_t *node_type; /* [node_count] */
    uint32_t *first;     /* [ntypes] the first node of each type (names it) */
    uint32_t ntypes;
} v8_types;
int v8_map_types(const v8_snapshot *s, v8_types *t /* OUT */, char err[V8_ERR_MAX]);
void v8_types_release(v8_types *t);
/* "object Foo", "closure bar", "string": the type name of a node's type. */
size_t v8_type_name(const v8_snapshot *s, uint32_t node, char *buf, size_t cap);

typedef struct v8_kind_stats {
    uint64_t page_entries, page_nodes; /* the page's entry points and objects */
    uint64_t shortcut;                 /* shortcut edges away from the root */
    uint64_t weakmap;                  /* WeakMap tables' halves of ephemeron pairs */
    uint64_t outside_page;             /* edges into the page's objects from outside them */
    uint64_t self;                     /* edges from a node to itself */
} v8_kind_stats;

/* THE retaining rules (Chrome DevTools' "essential edges"), decided once per
 * edge for the whole snapshot so the analyzer's forward traversal and its
 * predecessor scan agree: kind[e] = HS_REF_WEAK for a weak edge,
 * HS_REF_OTHER (does not retain) for an edge from a node to itself, for a
 * shortcut edge not leaving the
 * synthetic root (node 0), for the edge from a WeakMap's table to a value
 * (the one from the key retains it), and for an edge from outside the
 * page's objects into them (the page's objects: what the user's global
 * objects reach over non-weak edges; the root's own edges are exempt);
 * HS_REF_STRONG otherwise. kind has edge_count entries. See docs/v8.md. */
int v8_map_kinds(const v8_snapshot *s, uint8_t *kind /* OUT [edge_count] */, v8_kind_stats *st /* OUT */,
                 char err[V8_ERR_MAX]);

/* The nodes DevTools hangs under the synthetic root although no retaining
 * edge from it reaches them: first each node the root does not reach that
 * no retaining edge points to (with what it reaches), then any node still
 * unreached (a cycle held only weakly). heapsnap gives the
 * root a retaining edge to each, labelled V8_WEAK_ONLY_NAME, so the root
 * retains every byte, as in DevTools. *out is malloc'd (NULL when none). */
int v8_map_orphans(const v8_snapshot *s, const uint8_t *kind, uint32_t **out /* OUT */, uint32_t *nout /* OUT */,
                   char err[V8_ERR_MAX]);

/* Chrome DevTools' shallow sizes (its calculateShallowSizes): when the
 * root has a child that is not synthetic, the self size of each array,
 * hidden and "system / ExternalStringData" node that exactly one other node
 * owns (reaches over non-weak edges through such nodes only) moves to that
 * owner, unless the owner is the root or synthetic. Rewrites s->nsize in
 * place (the total is unchanged) and returns the bytes moved; *rc = -1
 * (with err) when out of memory. */
uint64_t v8_map_shallow(v8_snapshot *s, char err[V8_ERR_MAX], int *rc /* OUT */);

/* Which V8 strings heapsnap keeps: those that label an edge (property,
 * context, internal names) and the `extra` ids (frames' names and files;
 * ids >= nstrings are ignored). The others are the contents of string
 * nodes and are never shown (a string's type is just "string"), so they
 * are left out of the graph's tables and of an imported .hsnap: less
 * memory, and no string values in a converted dump. Kept strings are
 * renumbered 0..nkept-1 in V8's order; remap[i] is UINT32_MAX for a string
 * left out. */
typedef struct v8_strmap {
    uint32_t *remap; /* [nstrings] */
    uint32_t nkept;
} v8_strmap;
int v8_map_strings(const v8_snapshot *s, const uint32_t *extra, size_t nextra, v8_strmap *m /* OUT */,
                   char err[V8_ERR_MAX]);
void v8_strmap_release(v8_strmap *m);

/* Strings after the kept ones (v8_map_strings): the synthetic root's name
 * (id nkept), the label of its edges to weakly held nodes (id nkept + 1). */
#define V8_ROOT_NAME "(V8 synthetic root)"
#define V8_WEAK_ONLY_NAME "(held only weakly)"

/* Write a read snapshot as .hsnap records through `sink`: the header (with
 * the V8 meta as tags), the kept V8 strings (ids from sm), the root's name,
 * the types of `t` (ids unchanged), then — unless names_only — a block per
 * node (address = V8 id) with its edges as references of kind[e], the
 * root's edges to the orphans (v8_map_orphans), and the root. Returns 0, or -1 with a one-line message. */
int v8_encode(const v8_snapshot *s, const v8_types *t, const v8_strmap *sm, const uint8_t *kind, const uint32_t *orphans,
              uint32_t norphans, bool names_only, hs_sink_fn sink, void *sink_ud, char err[V8_ERR_MAX]);

/* Read `in` (a .heapsnapshot) and write `out` (.hsnap) atomically: a temp
 * file beside it, fsync, rename. Returns 0, or -1 with a one-line message. */
int v8_convert_file(const char *in, const char *out, char err[V8_ERR_MAX]);

/* Convert `in` into a new temporary .hsnap under $TMPDIR (or /tmp) and
 * return its malloc'd path in *tmp_path; the caller unlinks and frees it. */
int v8_convert_temp(const char *in, char **tmp_path /* OUT */, char err[V8_ERR_MAX]);

#endif /* HS_V8_READ_H */
