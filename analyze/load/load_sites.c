/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_sites.c — what the graph does not keep, by a second
 * pass over an .hsnap: load_block_sites(), the allocation site of every
 * block, and load_block_values(), the values dumped with them
 * (docs/analyzer.md#graph). Addresses are matched to
 * block indices through a sorted (address, index) array: 12 bytes a block
 * while it runs, O(n log n). V8 graphs loaded with GRAPH_LOAD_SITES have
 * g->site already; it is copied.
 */
#include "load/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct addr_ix { uint64_t addr; uint32_t ix; } addr_ix;

static int by_addr(const void *a, const void *b)
{
    uint64_t x = ((const addr_ix *)a)->addr, y = ((const addr_ix *)b)->addr;
    return x < y ? -1 : x > y;
}

/* The sorted (address, index) pairs of g's blocks; NULL when out of memory. */
static addr_ix *addr_index(const graph *g)
{
    addr_ix *a = malloc((g->n ? g->n : 1) * sizeof *a);
    if (!a) return NULL;
    for (uint32_t v = 0; v < g->n; v++) a[v] = (addr_ix){graph_addr(g, v), v};
    qsort(a, g->n, sizeof *a, by_addr);
    return a;
}

static uint32_t addr_find(const addr_ix *a, uint32_t n, uint64_t addr)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a[mid].addr < addr) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && a[lo].addr == addr ? a[lo].ix : GRAPH_NONE;
}

static void put_site(void *ud, uint32_t v, const hs_record *rec) { ((uint32_t *)ud)[v] = rec->u.block.site; }

/* One pass over path's records: each block record's block index to bfn, each value record's to vfn
 * (either may be NULL). */
static graph_status second_pass(const char *path, const graph *g,
                                void (*bfn)(void *ud, uint32_t v, const hs_record *rec),
                                void (*vfn)(void *ud, uint32_t v, const hs_record *rec), void *bud, void *vud,
                                graph_load_error *err)
{
    addr_ix *a = addr_index(g);
    if (!a) {
        snprintf(err->message, sizeof err->message, "out of memory reading the snapshot again");
        return GRAPH_ERR_NOMEM;
    }
    hs_reader *r = NULL;
    hs_status st = load_open_reader(path, &r);
    hs_record rec;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind == HS_REC_BLOCK && bfn) {
            uint32_t v = addr_find(a, g->n, rec.u.block.addr);
            if (v != GRAPH_NONE) bfn(bud, v, &rec);
        } else if (rec.kind == HS_REC_VALUE && vfn) {
            uint32_t v = addr_find(a, g->n, rec.u.value.addr);
            if (v != GRAPH_NONE) vfn(vud, v, &rec);
        }
    }
    free(a);
    if (st != HS_END) {
        const char *m = r ? hs_reader_error(r)->message : "";
        snprintf(err->message, sizeof err->message, "%s", *m ? m : hs_strerror(st));
        err->reader_status = st;
        hs_reader_close(r);
        return GRAPH_ERR_INPUT;
    }
    hs_reader_close(r);
    return GRAPH_OK;
}


static graph_status sites_and_values(const char *path, const graph *g, uint32_t **out,
                                     void (*vfn)(void *ud, uint32_t v, const hs_record *rec), void *vud,
                                     graph_load_error *err)
{
    err->message[0] = 0;
    err->reader_status = HS_OK;
    *out = malloc((g->n ? g->n : 1) * sizeof **out);
    if (!*out) {
        snprintf(err->message, sizeof err->message, "out of memory reading allocation sites");
        return GRAPH_ERR_NOMEM;
    }
    if (g->site && !vfn) {
        memcpy(*out, g->site, (size_t)g->n * sizeof **out);
        return GRAPH_OK;
    }
    for (uint32_t v = 0; v < g->n; v++) (*out)[v] = g->site ? g->site[v] : GRAPH_NONE;
    graph_status st = second_pass(path, g, g->site ? NULL : put_site, vfn, *out, vud, err);
    if (st) {
        free(*out);
        *out = NULL;
    }
    return st;
}

graph_status load_block_sites(const char *path, const graph *g, uint32_t **out, graph_load_error *err)
{
    return sites_and_values(path, g, out, NULL, NULL, err);
}

graph_status load_block_extras(const char *path, const graph *g, uint32_t **site,
                               void (*fn)(void *ud, uint32_t v, const hs_record *rec), void *ud,
                               graph_load_error *err)
{
    return sites_and_values(path, g, site, fn, ud, err);
}
