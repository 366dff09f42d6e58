/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_sites.c — load_block_sites(): the allocation site of
 * every block of an .hsnap graph, by a second pass over the file (the graph
 * does not keep them; docs/analyzer.md#graph). Addresses are matched to
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

graph_status load_block_sites(const char *path, const graph *g, uint32_t **out, graph_load_error *err)
{
    err->message[0] = 0;
    err->reader_status = HS_OK;
    *out = malloc((g->n ? g->n : 1) * sizeof **out);
    if (!*out) goto nomem;
    if (g->site) {
        memcpy(*out, g->site, (size_t)g->n * sizeof **out);
        return GRAPH_OK;
    }
    for (uint32_t v = 0; v < g->n; v++) (*out)[v] = GRAPH_NONE;
    addr_ix *a = malloc((g->n ? g->n : 1) * sizeof *a);
    if (!a) goto nomem;
    for (uint32_t v = 0; v < g->n; v++) a[v] = (addr_ix){graph_addr(g, v), v};
    qsort(a, g->n, sizeof *a, by_addr);
    hs_reader *r = NULL;
    hs_status st = load_open_reader(path, &r);
    hs_record rec;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind != HS_REC_BLOCK || rec.u.block.site == HS_NONE) continue;
        uint32_t lo = 0, hi = g->n;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (a[mid].addr < rec.u.block.addr) lo = mid + 1;
            else hi = mid;
        }
        if (lo < g->n && a[lo].addr == rec.u.block.addr) (*out)[a[lo].ix] = rec.u.block.site;
    }
    free(a);
    if (st != HS_END) {
        const char *m = r ? hs_reader_error(r)->message : "";
        snprintf(err->message, sizeof err->message, "%s", *m ? m : hs_strerror(st));
        err->reader_status = st;
        hs_reader_close(r);
        free(*out);
        *out = NULL;
        return GRAPH_ERR_INPUT;
    }
    hs_reader_close(r);
    return GRAPH_OK;
nomem:
    free(*out);
    *out = NULL;
    snprintf(err->message, sizeof err->message, "out of memory reading allocation sites");
    return GRAPH_ERR_NOMEM;
}
