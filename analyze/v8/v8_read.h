/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_read.h — reading V8 heap snapshots (.heapsnapshot, the JSON
 * written by Chrome DevTools and node's v8.writeHeapSnapshot()) into compact
 * per-node and per-edge arrays (v8_read.c), the mapping onto heapsnap's
 * model with the one set of retaining rules (v8_map.c), allocation sites
 * from the allocation trace and locations (v8_sites.c), and converting a read snapshot into the .hsnap record
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
    /* allocation-site sections, kept only with V8_READ_SITES (else NULL / 0) */
    uint32_t *ntrace;    /* [node_count] 1 + the trace_nodes index of the node's trace_node_id,
                            0 = none; NULL when no node has one or there is no trace_tree */
    struct v8_trace_info *trace_infos; /* [ntrace_infos] trace_function_infos */
    uint32_t ntrace_infos;
    struct v8_trace_node *trace_nodes; /* [ntrace_nodes] trace_tree, flattened in pre-order */
    uint32_t ntrace_nodes;
    struct v8_location *locations;     /* [nlocations] in file order (V8_READ_SITES or V8_READ_LOCATIONS) */
    uint8_t *ndetach;    /* [node_count] the detachedness field's DOM link state (0 unknown,
                            1 attached, 2 detached); NULL when no node has a non-zero one */
    uint32_t nlocations;
} v8_snapshot;

/* One of trace_function_infos: a JS function seen by the allocation tracker. */
typedef struct v8_trace_info {
    uint32_t name, script_name; /* string ids ("" when unknown) */
    uint32_t script_id;
    uint32_t line;              /* of the function's definition, 1-based, 0 unknown */
} v8_trace_info;

/* One trace_tree node: a call path, the function at its end. A parent always
 * comes before its children; top-level nodes (V8 writes one, "(root)") have
 * parent UINT32_MAX and are not frames. */
typedef struct v8_trace_node {
    uint32_t id;     /* V8's trace node id (what a node's trace_node_id names) */
    uint32_t info;   /* index into trace_infos */
    uint32_t parent; /* index into trace_nodes, or UINT32_MAX */
} v8_trace_node;

/* One of `locations`: where a closure is defined, or an object's constructor. */
typedef struct v8_location {
    uint32_t node;      /* node index (object_index / node field count) */
    uint32_t script_id;
    uint32_t line;      /* 0-based, as in the file */
    uint32_t column;    /* 0-based; 0 when the file has no column field */
} v8_location;

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

/* Flags of the _ex readers. */
#define V8_READ_SITES 1u /* also keep trace_function_infos, trace_tree, locations and each node's
                            trace_node_id (v8_snapshot's allocation-site fields), validated */
#define V8_READ_LOCATIONS 2u /* keep `locations` (checked like the site sections), without the trace:
                               what DevTools' class keys need (v8_map_types) */
#define V8_MAX_TRACE_DEPTH 65536u /* trace_tree nesting limit (V8 itself records at most 64 frames) */

/* v8_read_file / v8_read_stream with flags (0: exactly those, which skip
 * the allocation-site sections). With V8_READ_SITES those sections are kept
 * when the file has them (a section, or its fields in snapshot.meta, absent:
 * nothing kept, not an error) and checked like the rest: field layout from
 * meta, every index in range, every referenced trace node id in trace_tree,
 * nesting at most V8_MAX_TRACE_DEPTH. Extra memory: 4 bytes per node, only
 * once some node has a non-zero trace_node_id; 16 per function info, 12 per
 * trace node, 16 per location. */
int v8_read_file_ex(const char *path, v8_snapshot *s /* OUT */, unsigned flags, char err[V8_ERR_MAX]);
int v8_read_stream_ex(FILE *f, v8_snapshot *s /* OUT */, unsigned flags, char err[V8_ERR_MAX]);

/* Element and hidden edges carry an index, the others a string index. */
bool v8_edge_is_index(const v8_snapshot *s, uint32_t e);
/* V8 node types whose name is a value (string contents, a number, a regexp
 * source), not a class: the type is the V8 type alone, and the reader does
 * not keep those names when the strings come after the nodes. */
bool v8_type_is_value(const char *type_name);
/* Longest V8 string the reader keeps; longer names are cut (at a character
 * boundary), so memory follows the graph, not the longest string. */
#define V8_STRING_MAX (1u << 20)

/* ---- the mapping (v8_map.c) ---- */

/* Node → type (v8_class.c): each node's type is its class in Chrome
 * DevTools' Summary and Comparison views (chrome-devtools-frontend
 * 1.0.1705227: calculateObjectNames, inferInterfaceDefinitions,
 * applyInterfaceDefinitions, classKeyInternal, propagateDOMState), so every
 * command groups and names V8 objects as DevTools does:
 *   - an object or native node: its name ("Foo", "Map"); an HTML element
 *     "<div id=..>" is "<div>", and a native node DevTools finds detached
 *     (the detachedness field, propagated through native nodes) is
 *     "Detached <div>";
 *   - a plain object (an object named "Object"): the most specific property
 *     shape DevTools defines ("{id, name, tags}", inferred from the
 *     snapshot's plain objects: a shape needs 2 objects and one in 1000 of
 *     them), else "Object";
 *   - closures "Function", hidden nodes "(system)", code "(compiled code)",
 *     regexps "RegExp", every other V8 type "(<type>)": "(string)",
 *     "(array)", "(number)", "(synthetic)", ...;
 *   - objects with a location (their constructor's) are keyed by name and
 *     location, as DevTools keys them: same-named classes from different
 *     scripts are different types; only when a name has several types does
 *     each located one say where: "Foo (app.js:3:14)" (1-based; the script
 *     by name when known, else "script <id>").
 * Needs the snapshot read with V8_READ_LOCATIONS (or V8_READ_SITES) for
 * the locations. Type ids in first-sighting order by node. */
typedef struct v8_types {
    uint32_t *node_type; /* [node_count] */
    char *names;         /* the type names, NUL-terminated, back to back */
    size_t *name_off;    /* [ntypes] offset of each name in names */
    uint32_t ntypes;
    uint32_t shapes;     /* property shapes DevTools defines (interface definitions) */
    uint64_t shaped;     /* plain objects named by a shape */
    uint64_t detached;   /* native nodes found detached */
} v8_types;
int v8_map_types(const v8_snapshot *s, v8_types *t /* OUT */, char err[V8_ERR_MAX]);
void v8_types_release(v8_types *t);
/* The name of type `type` of t. */
static inline const char *v8_types_name(const v8_types *t, uint32_t type) { return t->names + t->name_off[type]; }

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

/* ---- allocation sites (v8_sites.c) ---- */

#define V8_SITE_FRAMES_PER_TRACE_NODE 64u /* all trace sites' frames together, per trace node: a bound
                                               on memory (V8 records at most 64 frames per path) */
#define V8_MAX_SITE_FRAMES 4096u /* the .hsnap limit (hs_format.h max_site_frames): the innermost are kept */

typedef struct v8_frame {
    uint32_t function, file, line; /* V8 string ids (HS_NONE: none); line 1-based, 0 unknown */
} v8_frame;

typedef struct v8_sites { /* all NULL / 0 when no node has a site */
    v8_frame *frames;       /* [nframes] distinct (function, file, line) */
    uint32_t nframes;
    uint32_t *site_off;     /* [nsites + 1] CSR into site_frames */
    uint32_t *site_frames;  /* frame ids, innermost first, at most V8_MAX_SITE_FRAMES per site */
    uint32_t nsites;
    uint32_t *node_site;    /* [node_count] site id or UINT32_MAX; NULL when no node has a site */
    uint64_t traced_nodes, located_nodes; /* nodes whose site came from the allocation trace / from a location */
    uint64_t truncated;     /* sites cut to their innermost V8_MAX_SITE_FRAMES frames */
} v8_sites;

/* Each node's allocation site, from a snapshot read with V8_READ_SITES.
 * A node with a trace_node_id gets its trace node's call path: that trace
 * node's function, then its parent's, ... up to and excluding the top-level
 * "(root)"; one site per referenced trace node (none when the path is empty).
 * Any other node with a location gets a one-frame site: its own name
 * (closure or class name), the script's name, the location's line + 1; one
 * site per distinct frame. Script names come from trace_function_infos, else
 * from a located closure's shared -> script_or_debug_info (older V8:
 * script) edge to a "code" node. Empty names become HS_NONE. Frames are
 * distinct (function, file, line) triples. Site and frame ids are in
 * first-sighting order by node index. *out owns its arrays. Memory kept: 4
 * bytes per node (node_site, only when some node has a site), 12 per frame,
 * 4 per site and 4 per frame of each site (a site is a flat list: deep
 * paths cost up to V8_MAX_SITE_FRAMES each); while mapping, 4 more per trace
 * node and per function info and about 16 more per frame. Returns 0, or -1
 * with a one-line message (*out released). */
int v8_map_sites(const v8_snapshot *s, v8_sites *out /* OUT */, char err[V8_ERR_MAX]);
void v8_sites_release(v8_sites *x); /* accepts a zeroed struct */
/* Script id -> script name (a V8 string id) into *m (graph/graph_map.h):
 * trace_function_infos' names first, then each located closure's
 * shared -> script_or_debug_info (or script) -> "code" node's name; the
 * first name wins. 0, or -1 when out of memory. */
struct graph_map;
int v8_script_names(const v8_snapshot *s, struct graph_map *m);
/* Free the snapshot's site sections (trace, locations) once v8_map_sites
 * has used them: the caller's peak memory drops by their size. */
void v8_snapshot_drop_sites(v8_snapshot *s);

/* Which V8 strings heapsnap keeps: those that label an edge (property,
 * context, internal names) and those that name the frames of `sites`
 * (function and file). The others are the contents of string
 * nodes and are never shown (a string's type is just "string"), so they
 * are left out of the graph's tables and of an imported .hsnap: less
 * memory, and no string values in a converted dump. Kept strings are
 * renumbered 0..nkept-1 in V8's order; remap[i] is UINT32_MAX for a string
 * left out. */
typedef struct v8_strmap {
    uint32_t *remap; /* [nstrings] */
    uint32_t nkept;
} v8_strmap;
int v8_map_strings(const v8_snapshot *s, const v8_sites *sites /* or NULL */, v8_strmap *m /* OUT */,
                   char err[V8_ERR_MAX]);
void v8_strmap_release(v8_strmap *m);

/* Strings after the kept ones (v8_map_strings): the synthetic root's name
 * (id nkept), the label of its edges to weakly held nodes (id nkept + 1). */
#define V8_ROOT_NAME "(V8 synthetic root)"
#define V8_WEAK_ONLY_NAME "(held only weakly)"

/* Write a read snapshot as .hsnap records through `sink`: the header (with
 * the V8 meta as tags), the kept V8 strings (ids from sm), the root's name,
 * the types of `t` (ids unchanged), the frames and sites of `sites` (ids
 * unchanged), then — unless names_only — a block per node (address = V8
 * id, site = sites->node_site) with its edges as references of kind[e], the
 * root's edges to the orphans (v8_map_orphans), and the root. Returns 0, or -1 with a one-line message. */
int v8_encode(const v8_snapshot *s, const v8_types *t, const v8_strmap *sm, const v8_sites *sites /* or NULL */,
              const uint8_t *kind, const uint32_t *orphans, uint32_t norphans, bool names_only, hs_sink_fn sink,
              void *sink_ud, char err[V8_ERR_MAX]);

/* Read `in` (a .heapsnapshot) and write `out` (.hsnap) through hs_outfile
 * (atomic, 0600, links never followed). Returns 0; -1 when `in` is bad, or
 * -2 when `out` cannot be written (the message then names `out`, and
 * nothing is left at `out` or beside it), each with a one-line message. */
int v8_convert_file(const char *in, const char *out, char err[V8_ERR_MAX]);

#endif /* HS_V8_READ_H */
