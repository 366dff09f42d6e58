/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph.h — the analyzer's compact reference graph and the
 * analyses on it: building (graph_builder_*, graph_csr.c), dominator tree and retained sizes
 * (graph_dominators, graph_dominators.c), strongly connected components
 * (graph_scc, graph_cycles.c) and shortest retainer paths (graph_paths.c).
 * See docs/analyzer.md.
 *
 * Layout. Blocks are renumbered to dense 32-bit indices 0..n-1 (first
 * sighting order). Two virtual nodes follow: GRAPH_SUPER(g) = n, the
 * super-root whose successors are the roots, and GRAPH_UNREACH(g) = n+1, the
 * pseudo-root of the blocks no root reaches. References are a forward CSR
 * (out_off, out_to, out_label, out_kind), and on demand a reverse one
 * (in_off, in_edge: graph_referrers); the dominator pass builds its own
 * reverse CSR of strong references in DFS numbering. References whose
 * target (or holder) was never declared are counted and sampled, not kept.
 *
 * Ownership. A graph owns every array and, when loaded from a file, the
 * reader whose string and type tables name its types and labels;
 * graph_release() frees them all — except the arrays that lie in its
 * backing (an index mapped by load/load_index.c), which it releases once
 * through backing_release. graph_cache holds saved search results the
 * searches hand out as copies. Nothing here prints or exits, and nothing
 * recurses: every traversal keeps an explicit stack.
 */
#ifndef HS_GRAPH_H
#define HS_GRAPH_H

#include "hs_format.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRAPH_NONE UINT32_MAX
#define GRAPH_MAX_NODES (UINT32_MAX - 4u)   /* blocks; leaves room for the two virtual nodes */
#define GRAPH_MAX_EDGES (UINT32_MAX - 1u)   /* references kept in the CSR */
#define GRAPH_SUPER(g) ((g)->n)
#define GRAPH_UNREACH(g) ((g)->n + 1)
#define GRAPH_SIZE_BIG UINT32_MAX           /* size[] escape: look it up in big[] */
#define GRAPH_MISSING_SAMPLES 4096u         /* dangling references kept for display */

/* out_kind byte: bits 0-1 reference kind, bits 2-3 label type, bit 4 index clipped. */
#define GRAPH_KIND_MASK 0x3u      /* HS_REF_STRONG / WEAK / OTHER; 3 = an unknown kind */
#define GRAPH_KIND_UNKNOWN 3u
#define GRAPH_LABEL_SHIFT 2
#define GRAPH_LABEL_CLIPPED 0x10u /* an index label above UINT32_MAX-1 */

typedef enum graph_status {
    GRAPH_OK = 0,
    GRAPH_ERR_NOMEM = 1,
    GRAPH_ERR_DUPLICATE = 2, /* a block address declared twice */
    GRAPH_ERR_LIMIT = 3,     /* more blocks or references than 32-bit indices allow */
    GRAPH_ERR_INPUT = 4      /* the reader failed (see the reader's error) */
} graph_status;

typedef struct graph_root {
    uint32_t node;  /* block index */
    uint8_t kind;   /* hs_root_kind */
    uint32_t name;  /* string id or HS_NONE */
    uint64_t count; /* external surplus refcount */
} graph_root;

typedef struct graph_big_size {
    uint32_t node;
    uint64_t size;
} graph_big_size;

typedef struct graph_big_label { /* a label too wide for out_label16 */
    uint32_t edge, label;
} graph_big_label;
#define GRAPH_LABEL16_BIG UINT16_MAX /* out_label16 escape: look it up in label_big[] */

typedef struct graph_missing_ref { /* a reference whose target is not in the snapshot */
    uint32_t from;   /* block index */
    uint32_t label;
    uint8_t kind;    /* out_kind encoding */
    uint64_t to;     /* the address */
} graph_missing_ref;

/* Progress reporting: called now and then with the phase name, the work
 * done and the total (0 when unknown); phase NULL when a phase ends. */
typedef struct graph_progress {
    void (*fn)(void *ud, const char *phase, uint64_t done, uint64_t total);
    void *ud;
} graph_progress;

static inline void graph_tick(const graph_progress *p, const char *phase, uint64_t done, uint64_t total)
{
    if (p && p->fn) p->fn(p->ud, phase, done, total);
}

/* Accumulation points, as graph_points_find() gives them (below). */
typedef struct graph_held { /* blocks of one type reached one way, under one point */
    uint32_t type, count;
    uint64_t retained;
} graph_held;

typedef struct graph_point {
    uint32_t example;   /* the member retaining the most */
    uint32_t count;     /* members: accumulation points of one type reached the same way */
    uint64_t retained;  /* the members' retained bytes, summed (members never nest) */
    uint64_t shallow;   /* their own bytes */
    uint64_t largest;   /* the example's retained bytes */
    uint32_t folded;    /* dominators right above the example that were folded into it */
    uint64_t external;  /* references to the example that external roots record (C code holds them) */
    graph_held held[2]; /* a single block's dominator children of its two largest types (count 0: none) */
} graph_point;

/* Retained bytes of every block, 4 bytes a block when each fits in 32
 * bits, 5 when in 40, 8 beyond (graph_retained() reads them). */
typedef struct graph_ret {
    uint32_t *lo;      /* [n] the low 32 bits; NULL with wide */
    uint8_t *hi;       /* [n] bits 32-39, or NULL when every block's fits in 32 bits */
    uint64_t *wide;    /* [n] all 64 bits instead, when a block retains 2^40 bytes or more; else NULL */
    uint64_t total[2]; /* GRAPH_SUPER: all reachable bytes; GRAPH_UNREACH: all unreachable bytes */
} graph_ret;

/* Saved results of the whole-graph searches, each NULL when absent
 * (graph_bfs, graph_bfs_named, graph_points_find, graph_type_retained hand
 * out copies; see docs/analyzer.md#index). */
typedef struct graph_cache {
    uint32_t *bfs_via, *bfs_dist;   /* [n] graph_bfs() */
    uint32_t *named_via;            /* [n] graph_bfs_named() */
    graph_point *points;            /* graph_points_find(points_fold, points_k): npoints rows */
    uint32_t npoints, points_k, points_fold;
    uint64_t *type_retained;        /* [ntypes] graph_type_retained() */
    uint32_t *dom_off, *dom_kids;   /* [n+3], [n] graph_dom_children() */
    struct graph_cycle_list *cycles; /* graph_cycles_find()'s list (malloc'd; its comp may lie in the backing) */
    /* graph_dominators()'s results set aside, for a command that does not
     * show them (so its output stays what it is without an index):
     * graph_dominators() puts them back instead of computing them */
    uint32_t *idom;
    graph_ret ret;
    uint8_t *reach;
} graph_cache;

typedef struct graph {
    uint32_t n;              /* blocks */
    uint32_t nedges;         /* references kept (both ends declared) */
    uint64_t *addr;          /* [n] address of each block; NULL when addr32 holds them */
    uint32_t *addr32;        /* [n] address - addr_base (its low 32 bits, with addr_hi), when every
                                address is within 2^48 bytes of the least */
    uint16_t *addr_hi;       /* [n] bits 32-47 of address - addr_base; NULL when all are within 4 GiB */
    uint64_t addr_base;      /* (graph_compact_addrs; read them with graph_addr()) */
    uint32_t *size;          /* [n] shallow size, GRAPH_SIZE_BIG: see big[] */
    uint32_t *type;          /* [n] type id */
    uint8_t *flags;          /* [n] low 8 bits of the block flags */
    uint32_t *out_off;       /* [n+1] forward CSR */
    uint32_t *out_to;        /* [nedges] */
    uint32_t *out_label;     /* [nedges] string id or index, per out_kind; NULL when out_label16 holds them */
    uint16_t *out_label16;   /* [nedges] the same, when nearly all fit (graph_compact_labels) */
    graph_big_label *label_big; /* the labels >= GRAPH_LABEL16_BIG, sorted by edge; read with graph_label() */
    uint32_t nlabel_big;
    uint8_t *out_kind;       /* [nedges] */
    uint32_t *in_off;        /* [n+1] reverse CSR (graph_referrers), NULL until built or brought by an index: */
    uint32_t *in_edge;       /* [nedges] the forward edges into each block, in edge order */
    graph_root *roots;
    uint32_t nroots;
    graph_big_size *big;     /* sorted by node */
    uint32_t nbig;
    graph_missing_ref *missing; /* the first GRAPH_MISSING_SAMPLES dangling references */
    uint32_t nmissing;
    /* counters */
    uint64_t refs_read;      /* every reference in the input */
    uint64_t refs_missing;   /* target address not declared as a block */
    uint64_t refs_orphan;    /* holder address not declared as a block */
    uint64_t missing_addrs;  /* distinct undeclared addresses referred to */
    uint64_t roots_missing;  /* roots naming an undeclared address */
    uint64_t total_shallow;
    uint64_t file_bytes;     /* size of the file it was loaded from */
    uint32_t *site;          /* [n] allocation site id (the reader's) or GRAPH_NONE; NULL unless loaded
                                with GRAPH_LOAD_SITES from a V8 snapshot with sites */
    uint32_t ntypes;         /* type ids are < ntypes */
    hs_reader *reader;       /* names (types, strings); may be NULL */
    /* graph_dominators() results */
    uint32_t *idom;          /* [n+2] immediate dominator (node, SUPER or UNREACH; NONE for the two) */
    graph_ret ret;           /* retained bytes (graph_retained(); SUPER: all reachable, UNREACH: all unreachable) */
    uint8_t *reach;          /* [(n+7)/8] bit set: reachable from a root over strong references */
    uint64_t reach_count, unreach_count;
    uint64_t strong_edges;   /* strong references kept */
    uint32_t *ukids;         /* the unreachable group's children (its search starts) */
    uint32_t nukids;
    /* Results an index brought (load/load_index.c) or a loader kept: the
     * searches below hand out copies of them instead of searching again. */
    graph_cache cache;
    /* Memory the arrays may point into instead of their own malloc'd
     * blocks (an index mapped read-only, copy on write): graph_release()
     * frees only the arrays outside it, then calls backing_release. */
    const void *backing;
    size_t backing_len;
    void (*backing_release)(void *backing, size_t len);
} graph;

/* Whether p lies inside g's backing (then it is not free()d). */
static inline bool graph_backed(const graph *g, const void *p)
{
    return g->backing && p && (const char *)p >= (const char *)g->backing &&
           (const char *)p < (const char *)g->backing + g->backing_len;
}

/* Block v's retained bytes in r (v < n). */
static inline uint64_t graph_ret_at(const graph_ret *r, uint32_t v)
{
    if (r->wide) return r->wide[v];
    return r->hi ? (uint64_t)r->lo[v] | (uint64_t)r->hi[v] << 32 : r->lo[v];
}

/* The retained bytes of v (a block, GRAPH_SUPER or GRAPH_UNREACH), once graph_dominators() ran. */
static inline uint64_t graph_retained(const graph *g, uint32_t v)
{
    return v >= g->n ? g->ret.total[(v - g->n) & 1u] : graph_ret_at(&g->ret, v);
}

static inline bool graph_has_retained(const graph *g) { return g->ret.lo || g->ret.wide; }

static inline uint64_t graph_size(const graph *g, uint32_t v)
{
    uint32_t s = g->size[v];
    if (s != GRAPH_SIZE_BIG) return s;
    uint32_t lo = 0, hi = g->nbig;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->big[mid].node < v) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->nbig && g->big[lo].node == v ? g->big[lo].size : s;
}

/* The address of block v. */
static inline uint64_t graph_addr(const graph *g, uint32_t v)
{
    if (g->addr) return g->addr[v];
    return g->addr_base + g->addr32[v] + (g->addr_hi ? (uint64_t)g->addr_hi[v] << 32 : 0);
}

/* The label of reference e (string id or index, per out_kind). */
static inline uint32_t graph_label(const graph *g, uint32_t e)
{
    if (g->out_label) return g->out_label[e];
    uint16_t l = g->out_label16[e];
    if (l != GRAPH_LABEL16_BIG) return l;
    uint32_t lo = 0, hi = g->nlabel_big;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->label_big[mid].edge < e) lo = mid + 1;
        else hi = mid;
    }
    return lo < g->nlabel_big && g->label_big[lo].edge == e ? g->label_big[lo].label : l;
}

/* Which root a reader would rather see a path start from, when paths are
 * equally short: global 0, stack 1, external 2, runtime 3, other 4. */
static inline unsigned graph_root_rank(uint8_t root_kind)
{
    switch (root_kind) {
    case HS_ROOT_GLOBAL: return 0;
    case HS_ROOT_STACK: return 1;
    case HS_ROOT_EXTERNAL: return 2;
    case HS_ROOT_RUNTIME: return 3;
    default: return 4;
    }
}

/* Whether block v has a finalizer (Python __del__): its own flag, or its type's. */
static inline bool graph_has_finalizer(const graph *g, uint32_t v)
{
    if (g->flags[v] & HS_BLOCK_FINALIZER) return true;
    const hs_type *t = g->reader ? hs_reader_type(g->reader, g->type[v]) : NULL;
    return t && (t->flags & HS_TYPE_FINALIZER);
}

static inline bool graph_is_strong(uint8_t kind) { return (kind & GRAPH_KIND_MASK) == HS_REF_STRONG; }
static inline bool graph_reachable(const graph *g, uint32_t v)
{
    return v < g->n ? (g->reach[v >> 3] >> (v & 7)) & 1 : v == g->n;
}

/* "module.Name" of a type into buf (truncated to cap); "<type N>" when the
 * reader (may be NULL) has no such type (graph_names.c). */
const char *graph_type_name(const hs_reader *r, uint32_t type_id, char *buf, size_t cap);
/* Kinds of types by their names (graph_names.c): a mapping (dict,
 * defaultdict, OrderedDict, Counter, a V8 Map's table...), whose name
 * labels are data keys unless it is an object's __dict__; a container
 * (a mapping, list, tuple, set, deque, array), whose unlabelled entries
 * are its items. */
bool graph_type_is_mapping(const char *type_name);
bool graph_type_is_container(const char *type_name);
/* A type the program defined, not the runtime's: a module-qualified name
 * outside builtins and cpython ("__main__.Job", "app.models.Thing"). */
bool graph_type_is_program(const char *type_name);
/* Names are C strings inside the analyzer, but a dump's names are counted
 * bytes and may hold a NUL. graph_name_put() copies `len` bytes of `s` into
 * buf (at most cap - 1, NUL-terminated, never splitting the pair) with each
 * NUL carried as the two bytes C0 80 — never valid UTF-8, and the reader
 * accepts only valid UTF-8, so it cannot be confused with a real name — and
 * returns the bytes written. out_text_safe() prints the pair as \x00 and
 * out_json_string() as \u0000, the same as a NUL given with its length. */
#define GRAPH_NUL_0 0xC0
#define GRAPH_NUL_1 0x80
size_t graph_name_put(char *buf, size_t cap, const char *s, size_t len);

/* ---- building (graph_csr.c) ---- */
typedef struct graph_builder graph_builder;

graph_builder *graph_builder_new(void);
/* Declare a block. GRAPH_ERR_DUPLICATE if its address was declared before. */
graph_status graph_builder_block(graph_builder *b, uint64_t addr, uint64_t size, uint32_t type, uint32_t flags);
/* References held by `from` (declared before or after). */
graph_status graph_builder_refs(graph_builder *b, uint64_t from, const hs_ref *refs, uint32_t nrefs);
graph_status graph_builder_root(graph_builder *b, uint64_t addr, uint32_t kind, uint32_t name, uint64_t count);
/* Build *g (zeroed first). The builder is left empty; free it afterwards. */
graph_status graph_builder_finish(graph_builder *b, graph *g /* OUT */);
void graph_builder_free(graph_builder *b);
/* Address that caused GRAPH_ERR_DUPLICATE. */
uint64_t graph_builder_dup_addr(const graph_builder *b);

/* Advise transparent huge pages for a big array (advisory; returns p). */
void *graph_huge(void *p, size_t bytes);
/* Store the labels in 16 bits (2 bytes a reference instead of 4), the
 * wider ones in label_big[], when no more than one in eight needs it (V8's
 * property names and element indexes nearly always fit). Advisory: on
 * failure to allocate, the labels stay as they are. Loaders call it. */
void graph_compact_labels(graph *g);
/* Store the addresses as 32-bit offsets from the least (4 bytes a block
 * instead of 8) when they all lie within 4 GiB of it, as V8's object ids
 * do. Advisory, like graph_compact_labels. */
void graph_compact_addrs(graph *g);
/* Hand back to the system the pages [p, p + bytes) of a big malloc'd array
 * that will not be read again (page-aligned; advisory, the array is still
 * freed as usual). */
void graph_release_pages(void *p, size_t bytes);

/* Block index of an address, or GRAPH_NONE: a linear scan, for the one
 * address a command is asked about. */
uint32_t graph_find(graph *g, uint64_t addr);
void graph_release(graph *g);

/* ---- the reverse CSR (graph_rev.c) ---- */
/* Fill g->in_off [n+1] and g->in_edge [nedges]: the references into block
 * v are the forward edges in_edge[in_off[v] .. in_off[v+1]), in edge order
 * (their holder is graph_edge_from(), label and kind the forward arrays').
 * A stable counting sort by target: O(n + m), 4 bytes a block and 4 a
 * reference, owned by g. A no-op when g has them. GRAPH_ERR_NOMEM only. */
graph_status graph_referrers(graph *g);

/* ---- dominators (graph_dominators.c) ---- */
graph_status graph_dominators(graph *g, const graph_progress *p);
/* Dominator-tree children of every node (and of SUPER and UNREACH), CSR. */
graph_status graph_dom_children(const graph *g, uint32_t **off /* OUT [n+3] */, uint32_t **kids /* OUT */);

/* The immediate dominator (a block or GRAPH_SUPER) and the retained bytes
 * of one block v that a root reaches (via[v] != GRAPH_NONE; via from
 * graph_bfs()), the values graph_dominators() gives it, without the tree:
 * O(n + m), no reverse graph (graph_one.c). GRAPH_ERR_NOMEM only. */
graph_status graph_one_dominator(const graph *g, const uint32_t *via, uint32_t v, uint32_t *idom /* OUT */,
                                 uint64_t *retained /* OUT */);

/* Retained bytes of the set of all instances of `type`: what is no longer
 * reachable from its group's root once every instance is removed. O(n + m). */
graph_status graph_set_retained(const graph *g, uint32_t type, uint64_t *out /* OUT */);
/* For every type at once (graph_types.c): the bytes its instances keep alive
 * on their own — the retained sizes of its instances with no instance of the
 * type above them in the dominator tree. A lower bound of
 * graph_set_retained(); one pass. `out` has g->ntypes entries. */
graph_status graph_type_retained(const graph *g, uint64_t *out /* OUT [ntypes] */);

/* ---- the largest retainers (graph_top.c) ---- */
/* The k blocks with the largest retained sizes, largest first (ties: lower
 * index first); *nout of them. malloc'd (free() it); NULL when out of memory. */
uint32_t *graph_top_select(const graph *g, uint32_t k, uint32_t *nout /* OUT */);

/* ---- accumulation points (graph_points.c) ---- */
#define GRAPH_POINT_FOLD 90u /* percent a child must keep for its parent to fold into it */

/* The k largest rows of accumulation points (docs/cli.md#top): blocks
 * whose no dominator child keeps `fold`% of their retained bytes, grouped
 * by type and path shape (shape from graph_bfs_named()); a group that sits
 * under one point is that point's held[] content, not a row. Largest
 * first (then more members, then lower example). Needs graph_dominators().
 * The shape array ([n+1], as graph_bfs_named() gives it) is used as
 * scratch (its contents are lost). *out malloc'd (free() it). Memory
 * besides shape: 4 bytes a block for a while, 2 bytes an accumulation
 * point, and 16 for each whose key is not its own (they are sorted). */
graph_status graph_points_find(const graph *g, uint64_t *shape /* IN [n+1], overwritten */, unsigned fold, uint32_t k,
                               graph_point **out /* OUT */, uint32_t *nout /* OUT */);
/* The rows for any k up to this are the first k of the rows for this k:
 * the groups are chosen among the same 3 × GRAPH_POINTS_PREFIX + 16 best,
 * so an index can keep these rows and serve every smaller k. */
#define GRAPH_POINTS_PREFIX 200u
/* graph_bfs_named() then graph_points_find(): the rows and the via that
 * names them (*via and *out malloc'd), from g->cache when it holds them
 * (fold = points_fold, k <= points_k), else searched. */
graph_status graph_points_top(const graph *g, unsigned fold, uint32_t k, uint32_t **via /* OUT [n] */,
                              graph_point **out /* OUT */, uint32_t *nout /* OUT */, const graph_progress *p);

/* The per-type table (graph_type_rows.c): every type with an instance,
 * sorted by shallow bytes (by_count: by count), then the other figure,
 * then the name. retained is 0, for the caller to fill. *out malloc'd. */
typedef struct graph_type_row {
    uint32_t type;
    uint64_t count, shallow, retained;
    char name[256];
} graph_type_row;
graph_status graph_type_rows(const graph *g, bool by_count, graph_type_row **out /* OUT */, uint32_t *nout /* OUT */);

/* ---- cycles (graph_cycles.c, graph_cycle_kinds.c, graph_cycle_list.c) ---- */
/* comp[v] = component id of block v, ids dense in 0..*ncomp-1, in the
 * order Pearce's algorithm completes them (reverse topological). */
graph_status graph_scc(const graph *g, uint32_t **comp /* OUT [n] */, uint32_t *ncomp /* OUT */,
                       const graph_progress *p);
/* The same over the blocks not in the bit set `cut` (bit v of cut[v >> 3];
 * NULL: none is) and the strong references between them; comp[v] is
 * GRAPH_NONE for a block in cut. */
graph_status graph_scc_cut(const graph *g, const uint8_t *cut, uint32_t **comp /* OUT [n] */,
                           uint32_t *ncomp /* OUT */, const graph_progress *p);

/* What a block is to the cycle listing (graph_cycle_kinds.c; the rule is
 * docs/cli.md#cycles): the interpreter's structure (a class — a block with
 * a strong `__mro__` reference —, a `builtins.module`, the `__dict__` of
 * either, a V8 system node or shape), an interpreter kind (functions,
 * code, cells, descriptors, weak references; V8 closures and code), a
 * neutral kind (tuples, bound methods, V8 internal arrays), or data. */
enum { GRAPH_CK_DATA = 0, GRAPH_CK_NEUTRAL = 1, GRAPH_CK_INTERP = 2, GRAPH_CK_STRUCT = 3 };
/* The kind of a type by its name alone (GRAPH_CK_STRUCT only for modules,
 * type objects and V8 system nodes). */
uint8_t graph_cycle_type_kind(const char *type_name);
/* kind[v] for every block. *kind malloc'd [n]. O(n + m). */
graph_status graph_cycle_kinds(const graph *g, uint8_t **kind /* OUT [n] */);

/* The cycles worth showing (graph_cycle_list.c): the components of
 * graph_scc() with more than one member, or one that holds itself
 * strongly — except that a component holding interpreter structure is
 * split: the cycles that remain once the references into structure blocks
 * are cut are cycles of their own, the rest of the component one more. */
typedef struct graph_cycle {
    uint32_t comp;      /* cycle id (the value of l->comp[] for its members: its index in l->v) */
    uint32_t members;
    uint32_t first;     /* the member with the lowest index (the example) */
    uint64_t bytes;     /* the members' shallow bytes */
    uint64_t kept;      /* retained bytes of the members whose immediate dominator is outside the cycle:
                           what the cycle keeps alive (exact for a garbage or single-entry cycle, else a
                           lower bound) */
    uint64_t data;      /* for an interpreter cycle that may be listed for it (garbage, or without structure):
                           the data bytes it keeps alive outside its members; else 0 */
    uint64_t key;       /* its shape: member type names and internal strong references (order-independent) */
    bool reachable;     /* a root reaches it (else garbage) */
    bool finalizer;     /* a member has a finalizer */
    bool interp;        /* the interpreter's own structure: left out of the default listing */
} graph_cycle;

/* Cycles of one shape and state, shown as one row. */
typedef struct graph_cycle_group {
    uint32_t start, count; /* its cycles: l->v[start .. start + count), most kept first */
    uint64_t members, bytes, kept; /* totals over them */
    bool reachable, finalizer, interp; /* finalizer: any of them */
} graph_cycle_group;

/* An interpreter cycle that is garbage, or holds no structure (a closure
 * calling itself), is listed anyway when the data it keeps alive is at
 * least this and at least its own bytes. */
#define GRAPH_CYCLE_DATA_MIN (64u * 1024u)

typedef struct graph_cycle_list {
    graph_cycle *v;     /* [n] grouped, in the groups' order */
    uint32_t n;
    graph_cycle_group *grp; /* [ngroups] garbage first, then most kept, more members, lower example */
    uint32_t ngroups;
    uint32_t *comp;     /* [g->n] cycle id of each block: its cycle's index in v, or n when in no cycle */
    uint32_t ncomp;     /* cycle ids are < ncomp (n + 1) */
    uint64_t blocks, bytes, garbage, garbage_bytes; /* over all n */
    uint64_t hidden, hidden_blocks, hidden_bytes;   /* the interpreter cycles among them */
} graph_cycle_list;

typedef struct graph_type_count {
    uint32_t type, count;
} graph_type_count;

/* Needs graph_dominators(). A copy of g->cache.cycles when it holds them (an index). */
graph_status graph_cycles_find(const graph *g, graph_cycle_list *l /* OUT */, const graph_progress *p);
/* For each of the cycles l->v[which[i]], i < nwhich: its k most common
 * member types (most members first, then lower type id) into out[i * k ..],
 * their number into nout[i] and the number of distinct types into
 * ndistinct[i]. Exact: every member counts. */
graph_status graph_cycles_types(const graph *g, const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich,
                                uint32_t k, graph_type_count *out /* OUT [nwhich * k] */,
                                uint32_t *nout /* OUT [nwhich] */, uint32_t *ndistinct /* OUT [nwhich] */);
/* For each of the cycles l->v[which[i]]: its k lowest-index members into
 * out[i * k ..], their number into nout[i]. One pass over the blocks. */
graph_status graph_cycles_members(const graph *g, const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich,
                                  uint32_t k, uint32_t *out /* OUT [nwhich * k] */, uint32_t *nout /* OUT [nwhich] */);
void graph_cycle_list_release(graph_cycle_list *l);

/* ---- paths (graph_paths.c) ---- */
/* Breadth-first search from the roots over strong references. via[v]: the
 * edge index (into out_to) by which v was first reached, or nedges + r when
 * reached from root r, or GRAPH_NONE when unreachable. */
graph_status graph_bfs(const graph *g, uint32_t **via /* OUT [n] */, uint32_t **dist /* OUT [n], may be NULL */,
                       const graph_progress *p);
/* A search one root rank at a time (graph_root_rank() order): a block
 * that a global root reaches gets a path from one, however long, before
 * any stack root is tried, then external, runtime and other roots. Within
 * a rank, the path that reads shortest: references weigh 0 (__dict__,
 * __closure__, cell_contents), 1 (a label or a container's item) or 2
 * (unlabelled), searched with Dial's buckets. 13 bytes a block besides the
 * results.
 * The path a program names a block by (out/out_name.c). shape (may be
 * NULL): shape[v] hashes the path's shape — the root, each holder's type
 * and each name label, indexes and unlabelled references wildcarded — so
 * the blocks reached the same way share it. After the roots, when
 * reachability is known (graph_dominators), the garbage is searched too:
 * from its blocks of the program's own types (graph_type_is_program), then
 * from any block left, in file order; such a start's via is
 * GRAPH_VIA_GARBAGE(g). Both [n], malloc'd. */
#define GRAPH_VIA_GARBAGE(g) ((g)->nedges + (g)->nroots)
graph_status graph_bfs_named(const graph *g, uint32_t **via /* OUT [n] */, uint64_t **shape /* OUT [n], may be NULL */,
                             const graph_progress *p);
/* The shape of one step (reference e): its name label, or one wildcard. */
uint64_t graph_step_shape(const graph *g, uint32_t e);
/* The holder of edge e (binary search in out_off). */
uint32_t graph_edge_from(const graph *g, uint32_t e);

/* The shortest path to v as its edges, root first: steps[0] = nedges +
 * root, then edge indices. Returns their count (*steps malloc'd), or 0
 * when v is unreachable or memory ran out. */
uint32_t graph_path_steps(const graph *g, const uint32_t *via, uint32_t v, uint32_t **steps /* OUT */);

/* The distinct shortest paths to block v, by their last step: a root
 * record naming v (length 1), or a strong reference to v from a reached
 * block (length dist + 1). Sorted shortest first, then by the preferred
 * root kind of the path (graph_root_rank), then file order. via and dist
 * come from graph_bfs(). *out is malloc'd (free() it; may be NULL when
 * *nout is 0). */
typedef struct graph_path_end {
    uint32_t len;  /* steps, root included */
    uint32_t last; /* edge index, or nedges + root */
    unsigned rank; /* graph_root_rank() of the root the path starts from */
} graph_path_end;
graph_status graph_path_ends(const graph *g, const uint32_t *via, const uint32_t *dist, uint32_t v,
                             graph_path_end **out /* OUT */, uint32_t *nout /* OUT */);

/* ---- around one block (graph_near.c) ---- */
typedef struct graph_near_set {
    uint32_t *list;     /* [n] the blocks shown: the target, its root chain, then by level */
    uint32_t n, omitted;/* shown; seen but left out for the limit */
    uint32_t *pos;      /* [g->n] index into list, or GRAPH_NONE */
    uint32_t *steps, nsteps; /* graph_path_steps() of the target (0: unreachable) */
    uint32_t path[64], npath; /* the holders on that chain (the first 64) */
} graph_near_set;
/* The blocks within `depth` references of target (its referrers, or its
 * referents), at most maxn, its shortest chain from a root always among
 * them. via from graph_bfs(). graph_near_release() frees the set. */
graph_status graph_near(const graph *g, const uint32_t *via, uint32_t target, bool referrers, uint32_t depth,
                        uint32_t maxn, graph_near_set *out /* OUT */);
void graph_near_release(graph_near_set *s);

/* ---- memcheck's leak kinds (graph_leaks.c) ---- */
enum {
    GRAPH_LEAK_REACHABLE = 0, /* a chain of start pointers from a root */
    GRAPH_LEAK_POSSIBLE = 1,  /* reached from a root, but only through an interior pointer */
    GRAPH_LEAK_INDIRECT = 2,  /* unreachable, held by another unreachable block */
    GRAPH_LEAK_DEFINITE = 3,  /* unreachable, and no other unreachable block holds it */
    GRAPH_LEAK_KINDS = 4,
    GRAPH_LEAK_ROOT = 4,      /* a root block of size 0: a producer's holder of roots, no allocation */
    GRAPH_LEAK_NONE = 0xff
};
typedef struct graph_leaks {
    uint8_t *kind;            /* [n] GRAPH_LEAK_* */
    uint32_t *owner;          /* [n] for an indirectly lost block, the leader that claimed it (or a
                                 former leader: follow with graph_leak_owner) */
    uint64_t blocks[GRAPH_LEAK_KINDS], bytes[GRAPH_LEAK_KINDS];
} graph_leaks;
/* Classify every block; references whose label is the string id
 * `interior` (HS_NONE: none is) are interior pointers. O(n + m + u log u)
 * for u unreachable blocks. */
graph_status graph_leaks_find(const graph *g, uint32_t interior, graph_leaks *l /* OUT */);
/* The definitely lost block whose clique holds v (v itself when definite;
 * GRAPH_NONE when v is not lost). */
uint32_t graph_leak_owner(const graph_leaks *l, uint32_t v);
void graph_leaks_release(graph_leaks *l);
/* The string id of `s` in the reader's table, or HS_NONE (a scan). */
uint32_t graph_string_find(const hs_reader *r, const char *s);

#endif /* HS_GRAPH_H */
