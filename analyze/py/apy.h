/* SPDX-License-Identifier: MIT */
/*
 * analyze/py/apy.h — what the files of the CPython extension
 * heapsnap._analyze share (docs/python.md#analysing-a-dump-from-python):
 * the Snapshot object (a loaded graph and the analyses computed on it so
 * far, apy_snapshot.c), the Block object (a snapshot and a block index,
 * apy_block.c), the result records (PyStructSequence types, apy_module.c)
 * and the comparison (apy_diff.c).
 *
 * Ownership. A Snapshot owns its graph and every array computed from it;
 * close() (or the end of a with block, or deallocation) frees them all at
 * once. A Block holds a strong reference to its Snapshot and reads the
 * graph through it, so it never outlives the memory it names; after
 * close() every access raises ValueError. Threads: the long analyses
 * (load, dominators, searches, diff) run with the GIL released; a Snapshot
 * is busy meanwhile, and any other call on it raises RuntimeError rather
 * than read arrays being written. Nothing here prints or exits.
 */
#ifndef HS_APY_H
#define HS_APY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "diff/diff.h"
#include "graph/graph.h"
#include "load/load.h"
#include "out/out.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct apy_snapshot {
    PyObject_HEAD
    graph g;
    bool open;           /* g is loaded and not yet released */
    bool dom;            /* graph_dominators() done */
    int busy;            /* an analysis runs with the GIL released */
    PyObject *path;      /* str, as given (for messages and diff) */
    uint32_t *via;       /* graph_bfs(): shortest paths (path(), Block.path) */
    uint32_t *dist;
    uint32_t *via_named; /* graph_bfs_named(): the paths names are made of (top()) */
    uint32_t *by_addr;   /* [n] block indices sorted by address (block()) */
    char *dump_path;     /* the dump and the index g was read from (malloc'd; NULL: none was), */
    char *index_path;    /* to add the referrers to it once built (load_index_add) */
} apy_snapshot;

typedef struct apy_block {
    PyObject_HEAD
    apy_snapshot *s; /* strong */
    uint32_t v;      /* block index */
} apy_block;

extern PyTypeObject apy_snapshot_type;
extern PyTypeObject apy_block_type;
extern PyTypeObject apy_iter_type;

/* Result records (apy_module.c). */
extern PyTypeObject apy_ref_type;      /* Ref(kind, label, block) */
extern PyTypeObject apy_root_type;     /* Root(kind, name, count) */
extern PyTypeObject apy_step_type;     /* Step(holder, label) */
extern PyTypeObject apy_path_type;     /* Path(length, root, steps) */
extern PyTypeObject apy_row_type;      /* Row(name, type, count, retained, shallow, folded, external_refs, holds, block) */
extern PyTypeObject apy_held_type;     /* Held(type, count, retained) */
extern PyTypeObject apy_typerow_type;  /* TypeRow(type, count, shallow, retained) */
extern PyTypeObject apy_diff_type;     /* Diff(before, after, noise, owners, types, new_objects, new_bytes, new_by_type, new_by_owner, sites, group_by) */
extern PyTypeObject apy_owner_type;    /* Owner(name, type, entries, entries_type, children_added, growth, count, retained, addr) */
extern PyTypeObject apy_typedelta_type;/* TypeDelta(type, count, shallow, retained) */
extern PyTypeObject apy_newtype_type;  /* NewType(type, count, bytes) */
extern PyTypeObject apy_cluster_type;  /* Cluster(owner, owner_type, type, top, objects, bytes, retained, addr) */
extern PyTypeObject apy_sitedelta_type;/* SiteDelta(site, count, bytes) */
int apy_records_init(PyObject *module);

/* ---- helpers (apy_module.c) ---- */
/* A name the analyzer made (graph_name_put: a NUL carried as C0 80) as a
 * str, the NUL given back; invalid bytes replaced. */
PyObject *apy_name(const char *s);
/* A reference label as the CLI's JSON gives it: str, int or None. */
PyObject *apy_label(const graph *g, uint8_t kind, uint32_t label);
/* A structseq of `type` from a tuple of new references (stolen; any NULL
 * among them: NULL, the rest released). */
PyObject *apy_record(PyTypeObject *type, int n, ...);
/* The one-line error of the CLI, "heapsnap: 'PATH': MESSAGE", raised as `exc`. */
PyObject *apy_error(PyObject *exc, PyObject *path, const char *message);

/* ---- snapshots (apy_snapshot.c) ---- */
/* 0, or -1 with ValueError (closed) / RuntimeError (busy) set. */
int apy_usable(apy_snapshot *s);
/* The dominator tree and retained sizes, computed once (-1: MemoryError). */
int apy_need_dominators(apy_snapshot *s);
/* graph_bfs()'s via and dist, computed once. */
int apy_need_bfs(apy_snapshot *s);
/* A new Block of s (v < n). */
PyObject *apy_block_new(apy_snapshot *s, uint32_t v);
/* A Block, or None for the two virtual nodes. */
PyObject *apy_block_or_none(apy_snapshot *s, uint32_t v);
/* Block index of an int address or a Block of s; GRAPH_NONE with KeyError
 * (no such block) or TypeError/ValueError set. */
uint32_t apy_block_arg(apy_snapshot *s, PyObject *arg);
/* The referrers, built once: edges into v are g.in_edge[g.in_off[v] .. g.in_off[v+1]) (graph_referrers). */
int apy_need_referrers(apy_snapshot *s);
/* Paths to v (graph_path_ends), at most `limit`, as a list of Path. */
PyObject *apy_paths(apy_snapshot *s, uint32_t v, uint32_t limit);

/* ---- comparing (apy_diff.c) ---- */
PyObject *apy_diff(apy_snapshot *s, PyObject *args, PyObject *kw);

#endif /* HS_APY_H */
