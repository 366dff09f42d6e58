/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff.h — comparing snapshots (heapsnap diff, heapsnap leaks):
 * per-snapshot summaries (diff_snap.c: retainer-path signatures, groups,
 * identity keys, per-type totals), matching two summaries and attributing
 * growth to owners (diff_match.c), allocation-site totals (diff_sites.c).
 * See docs/diff.md.
 *
 * Signatures. Every node v of the dominator tree gets a 64-bit signature
 * sig(v) = mix(sig(idom v), step(v), type name of v): the virtual super-root
 * and unreachable pseudo-root have fixed signatures; step(v) is the root
 * record naming v (kind and name) when idom(v) is the super-root, else the
 * label of a strong reference from idom(v) to v ("direct"), else, when v is
 * held through several holders, the smallest hash of (holder type, label)
 * over its strong referrers ("indirect"). Names and labels are hashed by
 * content, never by id or address, so signatures compare across files.
 * Nodes with one signature form a group; groups with one signature in two
 * snapshots are the same owner.
 *
 * Identity. An object of AFTER is "the same" as one of BEFORE when address,
 * type name and signature are all equal (diff_key): the signature is the
 * heuristic against reused addresses (a new object of the same type at a
 * freed address almost always has another retainer path). When every
 * snapshot compared is V8 (diff_key_mode), the address is V8's node id,
 * which one isolate never reuses: the id alone is the identity, as in
 * Chrome DevTools' Comparison view (an object whose type or retainer path
 * changed is still the same object).
 *
 * Ownership. A diff_snap owns its arrays and, when kept, its graph;
 * diff_snap_release() frees everything. Distinct diff_snaps may be built on
 * different threads. Nothing here prints or exits; no recursion.
 */
#ifndef HS_DIFF_H
#define HS_DIFF_H

#include "load/load.h"

#include <stdbool.h>
#include <stdint.h>

/* Checked arithmetic on the dump's numbers (issue 19): after - before of two
 * unsigned totals, and a sum of such differences, saturated at the int64
 * range, so the sign is always right (a signed cast turned growth past 2^63
 * into shrinking); magnitudes past 2^63 - 1 are capped there. Exact
 * differences are printed from the two totals (out.h: fmt_dbytes). */
static inline int64_t diff_sub(uint64_t after, uint64_t before)
{
    if (after >= before) return after - before > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)(after - before);
    return before - after > (uint64_t)INT64_MAX ? INT64_MIN : -(int64_t)(before - after);
}
static inline int64_t diff_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}
static inline int64_t diff_neg(int64_t a) { return a == INT64_MIN ? INT64_MAX : -a; }
static inline int64_t diff_i64(uint64_t v) { return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v; }

/* What diff_snap_build() keeps. */
#define DIFF_KEEP_GRAPH 0x1u /* the graph, sig[], order[] (for reporting, new-object clusters) */
#define DIFF_KEYS 0x2u       /* keys[]: sorted identity keys of every block */
#define DIFF_GROUPS 0x4u     /* the signature groups */
#define DIFF_SITES 0x8u      /* allocation-site totals (a second pass over the file) */
#define DIFF_ID_KEYS 0x10u   /* identity = the address alone (V8 node ids; see diff_key_mode) */
#define DIFF_INDEX 0x20u     /* load through the index beside the dump, writing one (load_graph_indexed) */

typedef enum diff_group_by { DIFF_BY_LINE = 0, DIFF_BY_FILE = 1, DIFF_BY_TRACEBACK = 2 } diff_group_by;

typedef struct diff_type {
    uint64_t hash;     /* of the display name */
    char *name;        /* "module.Name", owned */
    uint64_t count[2], shallow[2], retained[2]; /* [0] BEFORE, [1] AFTER */
    uint64_t new_count, new_bytes;              /* AFTER objects not in BEFORE */
} diff_type;

typedef struct diff_group {
    uint64_t sig, parent_sig;
    uint64_t type_hash;
    uint32_t parent;    /* group index once merged (GRAPH_NONE for the two tops) */
    uint32_t example;   /* a member: a node of the snapshot that built the table */
    uint64_t count[2];
    uint64_t retained[2];
} diff_group;

/* A hash table of groups by signature (open addressing, 32-bit slots). */
typedef struct diff_gtab {
    diff_group *v;
    uint32_t n, cap;
    uint32_t *slot;
    uint32_t mask;
} diff_gtab;

typedef struct diff_site {
    uint64_t hash;
    char *text;        /* owned */
    uint64_t count[2], bytes[2];
} diff_site;

typedef struct diff_snap {
    const char *path;
    int side;                 /* 0 BEFORE, 1 AFTER: where counts go */
    graph g;                  /* valid when has_graph */
    bool has_graph;
    bool id_keys;             /* DIFF_ID_KEYS: diff_key is the address alone */
    uint64_t *sig;            /* [n+2] when kept */
    uint32_t *order;          /* [n+2] dominator-tree preorder: SUPER's tree, then UNREACH's */
    uint32_t *via;            /* [n] when kept: graph_bfs_named()'s paths, which name owners */
    uint64_t *type_hash;      /* [ntypes] per type id of this file */
    uint64_t *keys;           /* sorted identity keys, DIFF_KEYS */
    uint32_t nkeys;
    diff_type *types;         /* [ntypes] per type id of this file */
    uint32_t ntypes;
    diff_gtab groups;         /* DIFF_GROUPS */
    diff_site *sites;         /* DIFF_SITES */
    uint32_t nsites;
    bool has_sites;           /* some block carries a site */
    uint32_t site_decls;      /* sites declared in the file (none: no second pass) */
    uint64_t blocks, reachable_bytes, unreachable_bytes, total_shallow;
    load_mem mem;             /* the process's memory when it dumped (header tags) */
    /* the first failure */
    graph_status status;      /* GRAPH_OK, or the first failure (message says what and where) */
    char message[400];
} diff_snap;

/* Load `path`, compute dominators and signatures, fill what `what` asks
 * for. side: 0 or 1 (which count[] slot). group_by: for DIFF_SITES. On
 * failure s->status is set and s->message holds one line (without the
 * file name). */
void diff_snap_build(diff_snap *s, const char *path, int side, unsigned what, diff_group_by group_by);
void diff_snap_release(diff_snap *s);

/* DIFF_ID_KEYS when every one of paths[0..n-1] is a V8 snapshot
 * (graph_file_is_v8), else 0: what the comparing commands add to each
 * snapshot's `what`, so all sides key alike. Mixed inputs keep the full key. */
unsigned diff_key_mode(char *const *paths, uint32_t n);
/* Identity key of block v of a kept snapshot: (address, type name,
 * signature), or with id_keys a bijective hash of the address alone. */
uint64_t diff_key(const diff_snap *s, uint32_t v);
bool diff_keys_contain(const uint64_t *keys, uint32_t n, uint64_t key);
/* keys of `a` not in `b` (both sorted): a new sorted array. */
uint64_t *diff_keys_minus(const uint64_t *a, uint32_t na, const uint64_t *b, uint32_t nb, uint32_t *nout);

/* ---- matching (diff_match.c) ---- */
/* Merge BEFORE's groups into AFTER's table (AFTER keeps its examples),
 * then resolve parent indices. Parents come before children. */
int diff_groups_merge(diff_gtab *after, const diff_gtab *before);
diff_group *diff_gtab_find(const diff_gtab *t, uint64_t sig);

/* Types of both snapshots by name: a new array, sorted by growth. */
diff_type *diff_types_merge(const diff_snap *before, const diff_snap *after, uint32_t *n);
/* Sort merged types by their new objects: most new bytes first, then more
 * new blocks, then name (diff's new-objects view). */
void diff_types_sort_new(diff_type *t, uint32_t n);
diff_site *diff_sites_merge(const diff_snap *before, const diff_snap *after, uint32_t *n);

typedef struct diff_owner {
    uint32_t group;     /* index in the merged table */
    int64_t growth;     /* bytes attributed to this owner (its own share) */
    int64_t retained_delta;
    int64_t entries;    /* added child objects of the most-added type */
    uint64_t entries_type; /* that type's name hash (0 if none) */
    int64_t children_added; /* all added child objects */
} diff_owner;

/* Attribute the growth between the two snapshots to owners (docs/diff.md):
 * the owners whose own growth is at least `threshold` bytes, largest first,
 * at most `max` (0: all). */
diff_owner *diff_owners(const diff_gtab *t, uint64_t threshold, uint32_t max, uint32_t *n);

/* New objects of a kept snapshot, clustered by owner: is_new(v) says which
 * blocks are new; a cluster is (signature of the owner, type) of the new
 * blocks whose dominator is not new; nested new blocks count in their top
 * block's cluster. */
typedef struct diff_cluster {
    uint64_t owner_sig, type_hash;
    uint32_t example;   /* a top-level new block */
    uint64_t top;       /* top-level new blocks */
    uint64_t objects;   /* all new blocks in the cluster */
    uint64_t bytes;     /* their shallow bytes */
    uint64_t retained;  /* retained bytes of the top-level blocks */
} diff_cluster;

typedef bool (*diff_pred)(const diff_snap *s, uint32_t v, void *ud);
/* Clusters with at least `min_bytes` bytes, largest first (ties: more objects). */
diff_cluster *diff_clusters(const diff_snap *s, diff_pred is_new, void *ud, uint64_t min_bytes,
                            uint32_t *n /* OUT */, uint64_t *total_objects /* OUT */, uint64_t *total_bytes /* OUT */);

/* ---- new blocks (diff_new.c) ---- */
/* A bit per block of `after`, set when the block
 * is not in `before` (which kept DIFF_KEYS); also fills after's per-type
 * new_count and new_bytes. NULL when out of memory; free() it. */
uint8_t *diff_new_blocks(const diff_snap *before, diff_snap *after);
/* A diff_pred over those bits (ud: the bits). */
bool diff_new_bit(const diff_snap *s, uint32_t v, void *bits);
/* The index of node v's group in after->groups (GRAPH_NONE if none). */
uint32_t diff_group_index(const diff_snap *after, uint32_t v);

/* ---- building two at once, noise (diff_build.c) ---- */
#define DIFF_NOISE_AUTO UINT64_MAX
#define DIFF_NOISE_FLOOR (16u * 1024u)

/* Build a and b at once (b on this thread, a on another when possible).
 * Returns NULL, or the first that failed (in argument order: a, then b). */
const diff_snap *diff_build2(diff_snap *a, const char *pa, int sa, unsigned wa, diff_snap *b, const char *pb,
                             int sb, unsigned wb, diff_group_by by);
/* The noise threshold: `opt` unless DIFF_NOISE_AUTO, else the larger of
 * 16 KiB and 0.1% of the larger reachable total. */
uint64_t diff_noise(uint64_t opt, const diff_snap *a, const diff_snap *b);

/* ---- a series of snapshots (diff_trend.c) ---- */
#define DIFF_TREND_UNKNOWN INT64_MIN

/* One candidate owner: figures per snapshot ([n]) and per step ([n-1]). */
typedef struct diff_trend_owner {
    uint64_t sig;
    uint64_t entries_type; /* type hash of its entries, from the first step that names one */
    uint32_t first;        /* step in which it was first listed */
    uint32_t grew, missed; /* steps listed / not listed so far */
    bool dead;             /* missed too many: figures freed */
    int64_t net;           /* net growth over the series */
    int64_t *retained;     /* [n], DIFF_TREND_UNKNOWN where absent */
    int64_t *entries;      /* [n], DIFF_TREND_UNKNOWN where not known */
    int64_t *growth;       /* [n-1]: diff's own growth, 0 when not listed */
} diff_trend_owner;

typedef struct diff_trend {
    uint32_t n, need, slack;  /* snapshots, steps needed, steps that may be missed */
    diff_trend_owner *o;      /* the candidates */
    uint32_t no, cap;
    diff_gtab idx;            /* candidate index by signature (example = index in o) */
    int64_t *time_us;         /* [n] header times, 0 when absent */
    uint64_t *blocks, *reachable; /* [n] */
    uint64_t *shallow;        /* [n] the dumped objects' bytes */
    load_mem *mem;            /* [n] the process's memory (header tags) */
    uint64_t noise, thr;      /* the largest snapshot's noise; max(noise, min) */
    double seconds;           /* first to last header time, 0 when unknown */
    diff_trend_owner **rank;  /* [nrank] the owners reported, fastest growth first */
    uint32_t nrank;
    diff_snap *last;          /* the last snapshot, with its graph (names, paths) */
    const diff_snap *failed;  /* the snapshot that failed to load, when one did */
} diff_trend;

/* Follow the owners of paths[0..n-1] (n >= 2). noise_opt: DIFF_NOISE_AUTO
 * or bytes; min: --min-bytes; top: owners kept (0: all). Returns 0, or -1:
 * t->failed names a snapshot that failed (its message says why), else
 * memory ran out. diff_trend_release() in every case. */
int diff_trend_build(diff_trend *t /* OUT */, char *const *paths, uint32_t n, uint64_t noise_opt, uint64_t min,
                     uint32_t top, unsigned what /* DIFF_INDEX or 0 */);
void diff_trend_release(diff_trend *t);

/* ---- memory outside the dumped objects ---- */
/* Whether the process grew mostly outside the dumped objects between two
 * snapshots (both with an RSS tag): RSS grew by at least 1 MiB and by more
 * than four times the dumped objects' growth. *rss and *objects get the
 * two growths (saturated). */
bool diff_growth_outside(const load_mem *before, uint64_t shallow_before, const load_mem *after,
                         uint64_t shallow_after, int64_t *rss /* OUT */, int64_t *objects /* OUT */);

/* ---- helpers shared with the commands ---- */
/* The step candidates of diff_snap_build(), for printing the same path:
 * the smallest over a node's candidates is its step. */
uint64_t diff_edge_step(const diff_snap *s, uint32_t holder, uint32_t edge);
uint64_t diff_root_step(const diff_snap *s, uint32_t root);
/* The group table: index of `sig`, created when missing (*created);
 * GRAPH_NONE when out of memory. */
uint32_t diff_gtab_get(diff_gtab *t, uint64_t sig, bool *created);
/* Allocation-site totals of `path` into s->sites (diff_sites.c); 0 or -1
 * with s->status and s->message set. */
int diff_sites_read(diff_snap *s, const char *path, diff_group_by by);
/* The same from a graph whose blocks carry their sites (g->site, names in
 * g->reader), with the graph's shallow sizes. */
int diff_sites_graph(diff_snap *s, const graph *g, diff_group_by by);
#endif /* HS_DIFF_H */
