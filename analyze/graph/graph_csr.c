/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_csr.c — building the compact graph: addresses to dense
 * 32-bit indices, references to a forward CSR. Entry points:
 * graph_builder_new/_block/_refs/_root/_finish/_free, graph_find,
 * graph_release. Implements docs/analyzer.md#graph.
 *
 * Algorithm. Every address gets a "seen" index the first time it appears
 * (as a block, a holder, a target or a root), through an open-addressing
 * hash table of 64-bit slots (linear probing, multiplicative hash, load at
 * most 3/4; a slot holds the index and the top 32 bits of the address's
 * hash, so a probe that meets another address rarely reads addr[], and
 * growing the table never does). Lookups are queued in batches of BATCH
 * operations and resolved in order with a software pipeline: the slot of
 * operation k+2D is prefetched, then the address (and, for a declaration,
 * the type) behind the first slot of k+D with the same hash, then
 * operation k is resolved — so the random accesses of a batch overlap
 * instead of waiting one after another. The table asks for transparent
 * huge pages (graph_huge()); the growing per-block and per-reference arrays
 * and the CSR do not: measured, zeroing huge pages on their first touch
 * cost the load more than the TLB misses it saved. References are kept
 * as three parallel arrays (target, label, kind: 9 bytes each) and runs of
 * consecutive references with one holder (the holder, 4 bytes a run, and
 * a bit a reference marking where a run starts): a dump lists a block's
 * references together, so a run is usually a block, and the holder costs
 * about 4 bytes a block instead of 4 a reference. finish() drops the seen
 * addresses that were never declared (counting and sampling the references
 * to them), gives the blocks their dense indices and frees the map, then
 * sorts references by holder with a stable counting sort that scatters one
 * array at a time (kinds, labels — 16-bit when nearly all fit — then
 * targets), freeing each source as it goes; the table's memory becomes the
 * seen-to-dense map. Peak at 10M blocks / 30.7M references: 63.4 bytes a
 * block (81.7 with a holder per reference and all sources live while the
 * targets were scattered).
 * Complexity O(blocks + references) expected; iterative, no recursion.
 */
#define _DEFAULT_SOURCE /* madvise(MADV_HUGEPAGE) */
#include "graph/graph.h"
#include "graph/graph_hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* Ask for transparent huge pages on an array of `bytes` bytes (Linux, when
 * THP is in "madvise" mode): the analyses read their big arrays at random,
 * and with 4 KiB pages nearly every such read also misses the TLB. Only
 * the page-aligned interior of arrays of 4 MiB or more; advisory, so a
 * failure changes nothing. Returns p. */
void graph_release_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_DONTNEED)
    (void)madvise(p, bytes, MADV_DONTNEED);
#else
    (void)p;
    (void)bytes;
#endif
}

void *graph_huge(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (p && bytes >= ((size_t)4 << 20)) {
        uintptr_t a = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, e = ((uintptr_t)p + bytes) & ~(uintptr_t)4095;
        if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
    }
#else
    (void)bytes;
#endif
    return p;
}

#define BATCH 8192u
#define PF_DIST 12u
#define UNDECLARED UINT32_MAX

enum { OP_LOOKUP = 0, OP_DECLARE = 1, OP_RESOLVED = 2 };

typedef struct bld_root {
    uint32_t seen; /* op index until the batch is resolved */
    uint8_t kind;
    uint32_t name;
    uint64_t count;
} bld_root;

struct graph_builder {
    /* seen addresses */
    uint64_t *addr;
    uint32_t *size, *type;
    uint8_t *flags;
    uint32_t nseen, seen_cap;
    uint64_t *slots; /* hash << 32 | (seen index + 1); 0 = empty */
    uint32_t bits;   /* 2^bits slots, at most 32 */
    /* references: holder and target are op indices until their batch is resolved */
    uint32_t *eto, *elabel;
    uint8_t *ekind;
    uint64_t *erun;             /* [ecap / 64] bit e: reference e starts a run */
    uint64_t ne, ecap, e_batch; /* e_batch: first reference of the current batch */
    uint32_t *run_holder;       /* [runs_cap] each run's holder */
    uint64_t nruns, runs_cap, run_batch; /* run_batch: first run of the current batch */
    uint32_t run_op;                     /* the holder op of the last run in this batch, or UNDECLARED */
    bld_root *roots;
    uint32_t nroots, roots_cap, r_batch;
    graph_big_size *big; /* node = seen index */
    uint32_t nbig, big_cap;
    /* the current batch of operations */
    uint32_t nops;
    uint8_t op_kind[BATCH];
    uint64_t op_addr[BATCH];
    uint32_t op_result[BATCH];
    uint64_t op_size[BATCH];
    uint32_t op_type[BATCH], op_flags[BATCH];
    uint64_t op_hash[BATCH];
    /* the current holder (the last block declared, or the last refs holder) */
    bool holder_valid, holder_in_batch;
    uint64_t holder_addr;
    uint32_t holder_ref; /* op index when in batch, else seen index */
    uint64_t refs_read, total_shallow, dup_addr;
    uint32_t ntypes;
};

graph_builder *graph_builder_new(void)
{
    graph_builder *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->bits = 12;
    b->run_op = UNDECLARED;
    b->slots = calloc((size_t)1 << b->bits, sizeof *b->slots);
    if (!b->slots) {
        free(b);
        return NULL;
    }
    return b;
}

void graph_builder_free(graph_builder *b)
{
    if (!b) return;
    free(b->addr);
    free(b->size);
    free(b->type);
    free(b->flags);
    free(b->slots);
    free(b->eto);
    free(b->elabel);
    free(b->ekind);
    free(b->erun);
    free(b->run_holder);
    free(b->roots);
    free(b->big);
    free(b);
}

uint64_t graph_builder_dup_addr(const graph_builder *b) { return b->dup_addr; }

static bool grow(void **p, uint64_t n, size_t elem)
{
    void *q = realloc(*p, (size_t)n * elem);
    if (!q) return false;
    *p = q;
    return true;
}

/* Make room for `extra` more seen addresses: arrays and a table at most 3/4 full. */
static graph_status reserve_seen(graph_builder *b, uint32_t extra)
{
    if ((uint64_t)b->nseen + extra > GRAPH_MAX_NODES) return GRAPH_ERR_LIMIT;
    uint64_t want = (uint64_t)b->nseen + extra;
    if (want > b->seen_cap) {
        uint64_t cap = b->seen_cap ? (uint64_t)b->seen_cap * 2 : 4096;
        while (cap < want) cap *= 2;
        if (cap > GRAPH_MAX_NODES) cap = GRAPH_MAX_NODES;
        if (!grow((void **)&b->addr, cap, 8) || !grow((void **)&b->size, cap, 4) ||
            !grow((void **)&b->type, cap, 4) || !grow((void **)&b->flags, cap, 1))
            return GRAPH_ERR_NOMEM;
        b->seen_cap = (uint32_t)cap;
    }
    uint32_t bits = b->bits;
    while (want * 4 > ((uint64_t)3 << bits) && bits < 32) bits++;
    if (bits != b->bits) {
        uint64_t *ns = graph_huge(calloc((size_t)1 << bits, sizeof *ns), ((size_t)1 << bits) * sizeof *ns);
        if (!ns) return GRAPH_ERR_NOMEM;
        uint64_t mask = ((uint64_t)1 << bits) - 1;
        /* in slot order: the new homes are nearly in order too */
        for (uint64_t j = 0, old = (uint64_t)1 << b->bits; j < old; j++) {
            uint64_t x = b->slots[j];
            if (!x) continue;
            uint64_t h = (x >> 32) >> (32 - bits);
            while (ns[h]) h = (h + 1) & mask;
            ns[h] = x;
        }
        free(b->slots);
        b->slots = ns;
        b->bits = bits;
    }
    return GRAPH_OK;
}

/* Resolve the queued operations in order, then patch the references and
 * roots of this batch from op indices to seen indices. */
static graph_status flush_batch(graph_builder *b)
{
    uint32_t n = b->nops;
    if (!n) return GRAPH_OK;
    graph_status st = reserve_seen(b, n);
    if (st) return st;
    uint32_t bits = b->bits;
    uint64_t mask = ((uint64_t)1 << bits) - 1;
    uint64_t *slots = b->slots;
    for (uint32_t k = 0; k < n + 2 * PF_DIST; k++) {
        if (k < n && b->op_kind[k] != OP_RESOLVED) {
            b->op_hash[k] = hash_addr32(b->op_addr[k]);
            __builtin_prefetch(&slots[b->op_hash[k] >> (32 - bits)]);
        }
        if (k >= PF_DIST && k - PF_DIST < n) {
            uint32_t j = k - PF_DIST;
            if (b->op_kind[j] != OP_RESOLVED) {
                /* the first slot with the same hash: its address (and type, for a declaration) */
                uint64_t hv = b->op_hash[j], h = hv >> (32 - bits), x;
                while ((x = slots[h]) && (x >> 32) != hv) h = (h + 1) & mask;
                if (x) {
                    __builtin_prefetch(&b->addr[(uint32_t)x - 1]);
                    if (b->op_kind[j] == OP_DECLARE) __builtin_prefetch(&b->type[(uint32_t)x - 1]);
                }
            }
        }
        if (k < 2 * PF_DIST) continue;
        uint32_t i = k - 2 * PF_DIST;
        if (b->op_kind[i] == OP_RESOLVED) continue;
        uint64_t a = b->op_addr[i];
        uint64_t hv = b->op_hash[i], h = hv >> (32 - bits);
        uint32_t idx = UNDECLARED;
        for (;;) {
            uint64_t x = slots[h];
            if (!x) break;
            if ((x >> 32) == hv && b->addr[(uint32_t)x - 1] == a) {
                idx = (uint32_t)x - 1;
                break;
            }
            h = (h + 1) & mask;
        }
        if (idx == UNDECLARED) {
            idx = b->nseen++;
            slots[h] = hv << 32 | (idx + 1);
            b->addr[idx] = a;
            b->type[idx] = UNDECLARED;
            b->size[idx] = 0;
            b->flags[idx] = 0;
        }
        if (b->op_kind[i] == OP_DECLARE) {
            if (b->type[idx] != UNDECLARED) {
                b->dup_addr = a;
                return GRAPH_ERR_DUPLICATE;
            }
            uint64_t sz = b->op_size[i];
            b->type[idx] = b->op_type[i];
            b->flags[idx] = (uint8_t)b->op_flags[i];
            if (sz >= GRAPH_SIZE_BIG) {
                if (b->nbig == b->big_cap) {
                    uint32_t cap = b->big_cap ? b->big_cap * 2 : 16;
                    if (!grow((void **)&b->big, cap, sizeof *b->big)) return GRAPH_ERR_NOMEM;
                    b->big_cap = cap;
                }
                b->big[b->nbig++] = (graph_big_size){idx, sz};
                b->size[idx] = GRAPH_SIZE_BIG;
            } else {
                b->size[idx] = (uint32_t)sz;
            }
        }
        b->op_result[i] = idx;
    }
    for (uint64_t e = b->e_batch; e < b->ne; e++) b->eto[e] = b->op_result[b->eto[e]];
    for (uint64_t r = b->run_batch; r < b->nruns; r++) b->run_holder[r] = b->op_result[b->run_holder[r]];
    for (uint32_t r = b->r_batch; r < b->nroots; r++) b->roots[r].seen = b->op_result[b->roots[r].seen];
    if (b->holder_valid && b->holder_in_batch) {
        b->holder_ref = b->op_result[b->holder_ref];
        b->holder_in_batch = false;
    }
    b->e_batch = b->ne;
    b->run_batch = b->nruns;
    b->run_op = UNDECLARED;
    b->r_batch = b->nroots;
    b->nops = 0;
    return GRAPH_OK;
}

static graph_status add_op(graph_builder *b, uint8_t kind, uint64_t addr, uint32_t *op)
{
    if (b->nops == BATCH) {
        graph_status st = flush_batch(b);
        if (st) return st;
    }
    uint32_t k = b->nops++;
    b->op_kind[k] = kind;
    b->op_addr[k] = addr;
    b->op_result[k] = 0;
    *op = k;
    return GRAPH_OK;
}

/* Op index of the holder `addr` in the current batch. */
static graph_status holder_op(graph_builder *b, uint64_t addr, uint32_t *op)
{
    graph_status st;
    if (b->holder_valid && b->holder_addr == addr) {
        if (b->holder_in_batch) {
            *op = b->holder_ref;
            return GRAPH_OK;
        }
        uint32_t seen = b->holder_ref;
        if ((st = add_op(b, OP_RESOLVED, addr, op))) return st;
        b->op_result[*op] = seen;
    } else {
        if ((st = add_op(b, OP_LOOKUP, addr, op))) return st;
    }
    b->holder_valid = true;
    b->holder_in_batch = true;
    b->holder_addr = addr;
    b->holder_ref = *op;
    return GRAPH_OK;
}

graph_status graph_builder_block(graph_builder *b, uint64_t addr, uint64_t size, uint32_t type, uint32_t flags)
{
    uint32_t op;
    if (type == UNDECLARED) type = UNDECLARED - 1; /* never the "undeclared" marker */
    graph_status st = add_op(b, OP_DECLARE, addr, &op);
    if (st) return st;
    b->op_size[op] = size;
    b->op_type[op] = type;
    b->op_flags[op] = flags;
    b->holder_valid = true;
    b->holder_in_batch = true;
    b->holder_addr = addr;
    b->holder_ref = op;
    b->total_shallow += size;
    if (type + 1 > b->ntypes) b->ntypes = type + 1;
    return GRAPH_OK;
}

graph_status graph_builder_refs(graph_builder *b, uint64_t from, const hs_ref *refs, uint32_t nrefs)
{
    graph_status st;
    if (!nrefs) return GRAPH_OK; /* the holder is not even looked up */
    /* the holder's op, once: it stays the same until a flush moves the
     * holder to the next batch */
    uint32_t hop, top;
    if ((st = holder_op(b, from, &hop))) return st;
    for (uint32_t i = 0; i < nrefs; i++) {
        if (b->nops == BATCH) {
            if ((st = flush_batch(b))) return st;
            if ((st = holder_op(b, from, &hop))) return st;
        }
        if ((st = add_op(b, OP_LOOKUP, refs[i].to, &top))) return st;
        if (b->ne == b->ecap) {
            uint64_t cap = b->ecap ? (b->ecap + b->ecap / 2 + 63) & ~(uint64_t)63 : 65536;
            if (!grow((void **)&b->eto, cap, 4) || !grow((void **)&b->elabel, cap, 4) ||
                !grow((void **)&b->ekind, cap, 1) || !grow((void **)&b->erun, cap / 64, 8))
                return GRAPH_ERR_NOMEM;
            memset(b->erun + b->ecap / 64, 0, (size_t)(cap - b->ecap) / 8);
            b->ecap = cap;
        }
        uint64_t e = b->ne++;
        /* a new run when the holder's op changes, or at a batch's first reference */
        if (hop != b->run_op) {
            if (b->nruns == b->runs_cap) {
                uint64_t cap = b->runs_cap ? b->runs_cap * 2 : 16384;
                if (!grow((void **)&b->run_holder, cap, 4)) return GRAPH_ERR_NOMEM;
                b->runs_cap = cap;
            }
            b->run_holder[b->nruns++] = hop;
            b->run_op = hop;
            b->erun[e / 64] |= (uint64_t)1 << (e % 64);
        }
        const hs_ref *r = &refs[i];
        uint8_t kind = r->kind > HS_REF_OTHER ? GRAPH_KIND_UNKNOWN : r->kind;
        uint32_t label = 0;
        if (r->label_type == HS_LABEL_STRING || r->label_type == HS_LABEL_INDEX) {
            kind |= (uint8_t)(r->label_type << GRAPH_LABEL_SHIFT);
            if (r->label > UINT32_MAX - 1) {
                label = UINT32_MAX;
                kind |= GRAPH_LABEL_CLIPPED;
            } else {
                label = (uint32_t)r->label;
            }
        }
        b->eto[e] = top;
        b->elabel[e] = label;
        b->ekind[e] = kind;
        b->refs_read++;
    }
    return GRAPH_OK;
}

graph_status graph_builder_root(graph_builder *b, uint64_t addr, uint32_t kind, uint32_t name, uint64_t count)
{
    uint32_t op;
    graph_status st = add_op(b, OP_LOOKUP, addr, &op);
    if (st) return st;
    if (b->nroots == b->roots_cap) {
        uint32_t cap = b->roots_cap ? b->roots_cap * 2 : 64;
        if (!grow((void **)&b->roots, cap, sizeof *b->roots)) return GRAPH_ERR_NOMEM;
        b->roots_cap = cap;
    }
    b->roots[b->nroots++] = (bld_root){op, (uint8_t)kind, name, count};
    return GRAPH_OK;
}

static int cmp_big(const void *x, const void *y)
{
    const graph_big_size *a = x, *c = y;
    return a->node < c->node ? -1 : a->node > c->node;
}

static int cmp_big_label(const void *x, const void *y)
{
    const graph_big_label *a = x, *c = y;
    return a->edge < c->edge ? -1 : a->edge > c->edge;
}

/* After a scatter pass off[v] is where v's references end; make it where they start again. */
static void off_rewind(uint32_t *off, uint32_t n)
{
    for (uint32_t v = n; v > 0; v--) off[v] = off[v - 1];
    off[0] = 0;
}

/* Where the run that starts at reference e ends: the next reference that
 * starts one, or ne (the bits past ne are 0). */
static inline uint64_t run_end(const graph_builder *b, uint64_t e)
{
    uint64_t i = e + 1;
    if (i >= b->ne) return b->ne;
    uint64_t w = b->erun[i / 64] >> (i % 64);
    if (w) return i + (uint64_t)__builtin_ctzll(w);
    for (uint64_t j = i / 64 + 1; j * 64 < b->ne; j++)
        if (b->erun[j]) return j * 64 + (uint64_t)__builtin_ctzll(b->erun[j]);
    return b->ne;
}

/* Scatter src (elem bytes a reference) into dst in holder order: each run's
 * kept references go to their holder's next slots. off[] must hold where
 * each holder's references start; it is rewound after. */
#define SCATTER(dst, src)                                                                  \
    do {                                                                                   \
        for (uint64_t r_ = 0, e_ = 0; r_ < b->nruns; r_++) {                               \
            uint64_t end_ = run_end(b, e_);                                                \
            uint32_t f_ = b->run_holder[r_];                                               \
            if (f_ != GRAPH_NONE) {                                                        \
                uint32_t at_ = off[f_];                                                    \
                for (; e_ < end_; e_++)                                                    \
                    if (b->eto[e_] != GRAPH_NONE) (dst)[at_++] = (src)[e_];                \
                off[f_] = at_;                                                             \
            }                                                                              \
            e_ = end_;                                                                     \
        }                                                                                  \
        off_rewind(off, n);                                                                \
    } while (0)

/* Scatter the labels of the kept references into CSR order: 16-bit, with
 * the wide ones aside, when no more than one in eight needs it (the rule of
 * graph_compact_labels), else 32-bit. false when out of memory. */
static bool scatter_labels(graph_builder *b, graph *g, uint32_t *off, uint64_t nbig)
{
    const uint32_t m = g->nedges, n = g->n;
    if (nbig > m / 8) {
        g->out_label = malloc((size_t)(m ? m : 1) * 4);
        if (!g->out_label) return false;
        SCATTER(g->out_label, b->elabel);
        return true;
    }
    g->out_label16 = malloc((size_t)(m ? m : 1) * 2);
    g->label_big = malloc((size_t)(nbig ? nbig : 1) * sizeof *g->label_big);
    if (!g->out_label16 || !g->label_big) return false;
    uint32_t k = 0;
    for (uint64_t r = 0, e = 0; r < b->nruns; r++) {
        uint64_t end = run_end(b, e);
        uint32_t f = b->run_holder[r];
        if (f != GRAPH_NONE) {
            for (; e < end; e++) {
                if (b->eto[e] == GRAPH_NONE) continue;
                uint32_t at = off[f]++, l = b->elabel[e];
                if (l >= GRAPH_LABEL16_BIG) {
                    g->label_big[k++] = (graph_big_label){at, l};
                    l = GRAPH_LABEL16_BIG;
                }
                g->out_label16[at] = (uint16_t)l;
            }
        }
        e = end;
    }
    g->nlabel_big = k;
    if (k > 1) qsort(g->label_big, k, sizeof *g->label_big, cmp_big_label);
    off_rewind(off, n);
    return true;
}

graph_status graph_builder_finish(graph_builder *b, graph *g)
{
    memset(g, 0, sizeof *g);
    graph_status st = flush_batch(b);
    if (st) {
        return st;
    }
    /* 1. dense indices for declared addresses; the hash table becomes the map */
    /* the table's memory becomes the map from seen index to dense index (8 bytes a slot, 4 an entry) */
    uint32_t *map = (uint32_t *)b->slots;
    b->slots = NULL;
    if (b->nseen) {
        void *p = realloc(map, (size_t)b->nseen * 4);
        if (p) map = p;
    }
    uint32_t n = 0;
    uint64_t undeclared = 0;
    for (uint32_t s = 0; s < b->nseen; s++) {
        if (b->type[s] == UNDECLARED) {
            map[s] = GRAPH_NONE;
            undeclared++;
        } else {
            map[s] = n++;
        }
    }
    g->n = n;
    g->missing_addrs = undeclared;
    g->refs_read = b->refs_read;
    g->total_shallow = b->total_shallow;
    g->ntypes = b->ntypes;
    /* 2. keep references between declared blocks (a dropped one's target
     * becomes GRAPH_NONE); count holders' degrees */
    uint32_t *off = calloc((size_t)n + 1, sizeof *off);
    g->missing = calloc(GRAPH_MISSING_SAMPLES, sizeof *g->missing);
    if (!off || !g->missing) goto nomem;
    for (uint64_t r = 0; r < b->nruns; r++) b->run_holder[r] = map[b->run_holder[r]];
    uint64_t kept = 0, nbig = 0;
    for (uint64_t r = 0, e = 0; r < b->nruns; r++) {
        uint64_t end = run_end(b, e);
        uint32_t f = b->run_holder[r];
        if (f == GRAPH_NONE) {
            g->refs_orphan += end - e;
            for (; e < end; e++) b->eto[e] = GRAPH_NONE;
            continue;
        }
        uint32_t d = 0;
        for (; e < end; e++) {
            uint32_t t = map[b->eto[e]];
            if (t == GRAPH_NONE) {
                if (g->nmissing < GRAPH_MISSING_SAMPLES)
                    g->missing[g->nmissing++] = (graph_missing_ref){f, b->elabel[e], b->ekind[e], b->addr[b->eto[e]]};
                g->refs_missing++;
            } else {
                d++;
                nbig += b->elabel[e] >= GRAPH_LABEL16_BIG;
            }
            b->eto[e] = t;
        }
        off[f] += d;
        kept += d;
    }
    if (kept > GRAPH_MAX_EDGES) {
        free(off);
        free(map);
        graph_release(g);
        return GRAPH_ERR_LIMIT;
    }
    g->nedges = (uint32_t)kept;
    /* 3. roots and big sizes to dense indices; the per-block arrays compacted
     * in place (dense index <= seen index); then the map is no longer needed */
    g->roots = malloc((size_t)(b->nroots ? b->nroots : 1) * sizeof *g->roots);
    if (!g->roots) goto nomem;
    for (uint32_t r = 0; r < b->nroots; r++) {
        uint32_t v = map[b->roots[r].seen];
        if (v == GRAPH_NONE) {
            g->roots_missing++;
            continue;
        }
        g->roots[g->nroots++] = (graph_root){v, b->roots[r].kind, b->roots[r].name, b->roots[r].count};
    }
    for (uint32_t i = 0; i < b->nbig; i++) b->big[i].node = map[b->big[i].node];
    if (b->nbig) qsort(b->big, b->nbig, sizeof *b->big, cmp_big);
    g->big = b->big;
    g->nbig = b->nbig;
    b->big = NULL;
    for (uint32_t s = 0; s < b->nseen; s++) {
        uint32_t v = map[s];
        if (v == GRAPH_NONE) continue;
        b->addr[v] = b->addr[s];
        b->size[v] = b->size[s];
        b->type[v] = b->type[s];
        b->flags[v] = b->flags[s];
    }
    free(map);
    map = NULL;
    g->addr = b->addr;
    g->size = b->size;
    g->type = b->type;
    g->flags = b->flags;
    b->addr = NULL;
    b->size = b->type = NULL;
    b->flags = NULL;
    if (n) {
        void *p;
        if ((p = realloc(g->addr, (size_t)n * 8))) g->addr = p;
        if ((p = realloc(g->size, (size_t)n * 4))) g->size = p;
        if ((p = realloc(g->type, (size_t)n * 4))) g->type = p;
        if ((p = realloc(g->flags, (size_t)n))) g->flags = p;
    }
    /* 4. stable counting sort by holder, one array at a time, smallest first,
     * each source freed once scattered */
    uint32_t sum = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t d = off[v];
        off[v] = sum;
        sum += d;
    }
    off[n] = sum;
    g->out_off = off;
    g->out_kind = malloc((size_t)(kept ? kept : 1));
    if (!g->out_kind) goto nomem_map;
    SCATTER(g->out_kind, b->ekind);
    free(b->ekind);
    b->ekind = NULL;
    if (!scatter_labels(b, g, off, nbig)) goto nomem_map;
    free(b->elabel);
    b->elabel = NULL;
    g->out_to = malloc((size_t)(kept ? kept : 1) * 4);
    if (!g->out_to) goto nomem_map;
    SCATTER(g->out_to, b->eto);
    free(b->eto);
    b->eto = NULL;
    free(b->erun);
    b->erun = NULL;
    free(b->run_holder);
    b->run_holder = NULL;
    graph_compact_addrs(g);
    return GRAPH_OK;
nomem:
    free(off);
    off = NULL;
nomem_map:
    if (off != g->out_off) free(off);
    free(map);
    graph_release(g);
    return GRAPH_ERR_NOMEM;
}

void graph_compact_labels(graph *g)
{
    const uint32_t m = g->nedges;
    if (!g->out_label || !m) return;
    uint32_t nbig = 0;
    for (uint32_t e = 0; e < m; e++) nbig += g->out_label[e] >= GRAPH_LABEL16_BIG;
    if (nbig > m / 8) return;
    uint16_t *l16 = malloc((size_t)m * 2);
    graph_big_label *big = malloc((size_t)(nbig ? nbig : 1) * sizeof *big);
    if (!l16 || !big) {
        free(l16);
        free(big);
        return;
    }
    uint32_t k = 0;
    for (uint32_t e = 0; e < m; e++) {
        uint32_t l = g->out_label[e];
        if (l >= GRAPH_LABEL16_BIG) {
            big[k++] = (graph_big_label){e, l};
            l = GRAPH_LABEL16_BIG;
        }
        l16[e] = (uint16_t)l;
    }
    free(g->out_label);
    g->out_label = NULL;
    g->out_label16 = l16;
    g->label_big = big;
    g->nlabel_big = nbig;
}

void graph_compact_addrs(graph *g)
{
    const uint32_t n = g->n;
    if (!g->addr || !n) return;
    uint64_t lo = g->addr[0], hi = g->addr[0];
    for (uint32_t v = 1; v < n; v++) {
        if (g->addr[v] < lo) lo = g->addr[v];
        if (g->addr[v] > hi) hi = g->addr[v];
    }
    if ((hi - lo) >> 48) return; /* 8 bytes a block */
    uint32_t *a32 = malloc((size_t)n * 4);
    uint16_t *ahi = hi - lo > UINT32_MAX ? malloc((size_t)n * 2) : NULL; /* 6 bytes a block, else 4 */
    if (!a32 || (hi - lo > UINT32_MAX && !ahi)) {
        free(a32);
        return;
    }
    for (uint32_t v = 0; v < n; v++) a32[v] = (uint32_t)(g->addr[v] - lo);
    if (ahi)
        for (uint32_t v = 0; v < n; v++) ahi[v] = (uint16_t)((g->addr[v] - lo) >> 32);
    free(g->addr);
    g->addr = NULL;
    g->addr32 = a32;
    g->addr_hi = ahi;
    g->addr_base = lo;
}

uint32_t graph_find(graph *g, uint64_t addr)
{
    for (uint32_t v = 0; v < g->n; v++)
        if (graph_addr(g, v) == addr) return v;
    return GRAPH_NONE;
}

void graph_release(graph *g)
{
    if (!g) return;
    void *const own[] = {g->addr, g->addr32, g->addr_hi, g->site, g->size, g->type, g->flags, g->out_off, g->out_to,
                         g->out_label, g->out_label16, g->label_big, g->out_kind, g->roots, g->big, g->missing,
                         g->idom, g->ret.lo, g->ret.hi, g->ret.wide, g->reach, g->ukids, g->cache.bfs_via, g->cache.bfs_dist,
                         g->cache.named_via, g->cache.points, g->cache.type_retained,
                         g->cache.idom, g->cache.ret.lo, g->cache.ret.hi, g->cache.ret.wide, g->cache.reach,
                          g->cache.dom_off, g->cache.dom_kids, g->in_off, g->in_edge};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (!graph_backed(g, own[i])) free(own[i]);
    if (g->cache.cycles) {
        if (graph_backed(g, g->cache.cycles->comp)) g->cache.cycles->comp = NULL;
        graph_cycle_list_release(g->cache.cycles);
        free(g->cache.cycles);
    }
    hs_reader_close(g->reader);
    if (g->backing && g->backing_release) g->backing_release((void *)g->backing, g->backing_len);
    memset(g, 0, sizeof *g);
}
