/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load.h — the one place that knows snapshot files: opens an
 * .hsnap with the reader limits the environment sets (HEAPSNAP_MAX_RATIO,
 * load_open.c), and turns an .hsnap (load_file.c) or a V8 .heapsnapshot
 * (load_v8.c) into a graph (graph/graph.h). See docs/analyzer.md#load.
 *
 * Errors. Every call returns a graph_status and, on failure, fills the
 * caller's graph_load_error with one line naming what is wrong and where.
 * Ownership: a loaded graph owns its reader; graph_release() frees it.
 */
#ifndef HS_LOAD_H
#define HS_LOAD_H

#include "graph/graph.h"

/* Open `path` with hs_reader_open() and the default limits, except for
 * HEAPSNAP_MAX_RATIO (a decimal number; 0 disables the decompression-ratio
 * check), read here and nowhere else. */
hs_status load_open_reader(const char *path, hs_reader **r /* OUT */);
/* The limits load_open_reader() uses. */
void load_reader_limits(hs_reader_limits *lim /* OUT */);

/* The process's memory when it dumped, from the header's tags (load_mem.c). */
typedef struct load_mem {
    bool has_rss, has_malloc, has_pymalloc;
    uint64_t rss;           /* resident set size */
    uint64_t malloc_in_use; /* the C allocator's bytes in use (mallinfo2 uordblks + hblkhd) */
    uint64_t malloc_arena;  /* its arena (sbrk) bytes */
    uint64_t malloc_mmap;   /* its mmapped bytes */
    uint64_t pymalloc_arenas, pymalloc_arena_bytes; /* CPython's small-object allocator (3.12+) */
} load_mem;
/* Fill *m from h (may be NULL); false when the dump recorded none of it. */
bool load_process_memory(const hs_header *h, load_mem *m /* OUT */);

typedef struct graph_load_error {
    hs_status reader_status; /* when GRAPH_ERR_INPUT */
    char message[400];       /* one line: what, and where */
} graph_load_error;
graph_status graph_load_file(const char *path, graph *g /* OUT */, const graph_progress *p,
                             graph_load_error *err /* OUT */);
#define GRAPH_LOAD_SITES 1u /* keep each block's allocation site in graph.site (V8 snapshots; an
                               .hsnap's sites are read by a second pass, diff_sites_read) */
graph_status graph_load_file_ex(const char *path, graph *g /* OUT */, const graph_progress *p, unsigned flags,
                                graph_load_error *err /* OUT */);
/* A V8 heap snapshot straight into a graph (load_v8.c); graph_load_file()
 * calls it for a file that starts with '{'. */
graph_status graph_load_v8(const char *path, graph *g /* OUT */, const graph_progress *p, unsigned flags,
                           graph_load_error *err /* OUT */);

/* True when `path` is a V8 heap snapshot: a .heapsnapshot (JSON), or an
 * .hsnap whose header says it was imported from one (tag
 * source=v8-heapsnapshot, as v8_encode writes it). Reads only the first
 * bytes or the header record; false for anything unreadable (loading it
 * reports why). */
bool graph_file_is_v8(const char *path);

/* The allocation site id of every block of g (loaded from `path`), or
 * GRAPH_NONE, in *site (malloc'd, [g->n]): a second pass over the file
 * (load_sites.c). */
graph_status load_block_sites(const char *path, const graph *g, uint32_t **site /* OUT */,
                              graph_load_error *err /* OUT */);
/* load_block_sites(), and in the same pass every value record of `path` whose block is in g,
 * with the block's index, handed to fn (the record is valid during the call). */
graph_status load_block_extras(const char *path, const graph *g, uint32_t **site /* OUT */,
                               void (*fn)(void *ud, uint32_t v, const hs_record *rec), void *ud,
                               graph_load_error *err /* OUT */);

/* ---- the index beside a dump (load_index.c, docs/analyzer.md#index) ----
 * load_graph_indexed() loads `path` like graph_load_file(), from its index
 * when a valid one exists (LOAD_INDEX_READ): FILE.hsidx, else the one under
 * $XDG_CACHE_HOME/heapsnap/ (~/.cache/heapsnap/). With LOAD_INDEX_WRITE,
 * when none was valid and the dump has at least HEAPSNAP_INDEX_MIN_BLOCKS
 * blocks (default 100,000; LOAD_INDEX_ALWAYS: any), it computes what the
 * index holds (the dominators, and what the flags below ask for) into g
 * and writes the index, beside the dump or, when that
 * fails, in the cache folder; a failure to write is not an error (info->why
 * says it). HEAPSNAP_INDEX=0 in the environment turns both off. A graph
 * from an index maps the file: graph_release() unmaps it. */
#define LOAD_INDEX_READ 1u
#define LOAD_INDEX_WRITE 2u
#define LOAD_INDEX_ALWAYS 4u  /* write whatever the dump's size */
#define LOAD_INDEX_REBUILD 8u /* do not read an existing one */
#define LOAD_INDEX_ONLY 16u   /* no index valid: fail (GRAPH_ERR_INPUT, err says why) instead of reading the dump */
#define LOAD_INDEX_NAMED 32u  /* the caller needs the named search (top, suspects, report): an index written
                                 holds it and top's rows, and one read without them gets them added */
#define LOAD_INDEX_CYCLES 64u /* the caller lists cycles (cycles, report): an index written holds the cycle
                                 list (graph_cycles_find) and the named search, and one read without them
                                 gets them added */
#define LOAD_INDEX_PATHS 128u /* the caller needs the root search (graph_bfs: show, path, graph, top --raw,
                                 report): an index written holds it, one read without it gets it added */
#define LOAD_INDEX_TREE 256u  /* the dominator tree's children lists (graph_dom_children: dominators, diff,
                                 report): likewise */
#define LOAD_INDEX_TYPES 512u /* per-type retained bytes (graph_type_retained: summary, export, report) and
                                 the children lists: likewise. An index read that lacks what the caller
                                 asks for gets that and every part of these three it lacks (computed
                                 once), and is written again whole */
#define LOAD_INDEX_REFERRERS 1024u /* the referrers (graph_referrers: show, path, graph's referrers):
                                      likewise; and one of the cheap parts above */
typedef struct load_index_info {
    bool used, written; /* an index was read; one was written */
    char path[4096];    /* which */
    uint64_t bytes;     /* the size of the one written */
    char why[512];      /* why none was used or written (when neither) */
} load_index_info;
graph_status load_graph_indexed(const char *path, graph *g /* OUT */, unsigned flags, const graph_progress *p,
                                load_index_info *info /* OUT */, graph_load_error *err /* OUT */);
/* Write again the index g was read from (ipath: info->path of a load_graph_indexed() that used one),
 * whole, with what g holds now (a part computed since: the Python API's referrers), when it still is
 * the index of `path` as the dump is now (its key) and lacks the referrers g has. 0 when written,
 * 1 when there was nothing to add, -1 with why (a failure changes nothing). */
int load_index_add(const char *path, const char *ipath, const graph *g, char *why, size_t wcap);

#endif /* HS_LOAD_H */
