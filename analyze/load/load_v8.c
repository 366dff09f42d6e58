/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_v8.c — graph_load_v8(): a V8 heap snapshot straight into the
 * analyzer's graph, with no .hsnap in between. V8's layout already is a
 * CSR (nodes in order, each node's edges after the previous node's), so the
 * reader's arrays become the graph's: ids → addresses, to_node → out_to,
 * name_or_index → out_label, and the reader's edge offsets (the prefix sum
 * of edge_count) → out_off. Types and reference kinds come from v8_map.c (the same mapping and
 * retaining rules `heapsnap import` writes). The names (V8 strings, type
 * names, the V8 meta as header tags) go through the codec once, as an
 * in-memory .hsnap of names only, so the graph's reader serves them exactly
 * as it does for a real .hsnap. With GRAPH_LOAD_SITES the allocation sites
 * (v8_map_sites) join them, and each node's site goes into graph.site.
 * See docs/v8.md.
 */
#include "load/load.h"
#include "load/load_membuf.h"
#include "v8/v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names-only .hsnap, read through to its end: a reader holding the tables. */
static hs_reader *names_reader(const v8_snapshot *s, const v8_types *t, const v8_strmap *sm, const v8_sites *sites,
                               const char *path, char msg[V8_ERR_MAX])
{
    load_membuf m = {0};
    if (v8_encode(s, t, sm, sites, NULL, NULL, 0, true, load_membuf_sink, &m, msg)) {
        free(m.p);
        return NULL;
    }
    hs_reader *r = NULL;
    hs_status st = hs_reader_open_mem(m.p, m.n, path, NULL, &r);
    free(m.p);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(r, &rec);
    if (st != HS_END) {
        snprintf(msg, V8_ERR_MAX, "building the name tables: %s", r ? hs_reader_error(r)->message : hs_strerror(st));
        hs_reader_close(r);
        return NULL;
    }
    return r;
}

/* The root's edges to the weakly held nodes (v8_map_orphans), after its own. */
static int insert_root_edges(v8_snapshot *s, uint32_t *off, const uint32_t *orph, uint32_t norph, uint32_t label)
{
    size_t m = s->edge_count, m2 = m + norph, e0 = off[1];
    uint32_t *to = realloc(s->eto, m2 * 4);
    if (to) s->eto = to;
    uint32_t *lab = realloc(s->ename, m2 * 4);
    if (lab) s->ename = lab;
    uint8_t *k = realloc(s->etype, m2);
    if (k) s->etype = k;
    if (!to || !lab || !k) return -1;
    memmove(to + e0 + norph, to + e0, (m - e0) * 4);
    memmove(lab + e0 + norph, lab + e0, (m - e0) * 4);
    memmove(k + e0 + norph, k + e0, m - e0);
    for (uint32_t i = 0; i < norph; i++) {
        to[e0 + i] = orph[i];
        lab[e0 + i] = label;
        k[e0 + i] = (uint8_t)(HS_REF_STRONG | HS_LABEL_STRING << GRAPH_LABEL_SHIFT);
    }
    for (uint32_t v = 1; v <= s->node_count; v++) off[v] += norph;
    s->edge_count = (uint32_t)m2;
    return 0;
}

bool graph_file_is_v8(const char *path)
{
    if (v8_file_detect(path)) return true;
    hs_reader *r = NULL;
    if (load_open_reader(path, &r) != HS_OK) {
        hs_reader_close(r);
        return false;
    }
    hs_record rec;
    const hs_header *h = NULL;
    while (!(h = hs_reader_header(r)) && hs_reader_next(r, &rec) == HS_OK) {
    }
    bool v8 = false;
    for (size_t i = 0; h && i < h->ntags; i++)
        if (h->tags[i].key && h->tags[i].value && !strcmp(h->tags[i].key, "source") &&
            !strcmp(h->tags[i].value, "v8-heapsnapshot"))
            v8 = true;
    hs_reader_close(r);
    return v8;
}

static graph_status fail(graph_load_error *err, graph_status st, const char *msg)
{
    snprintf(err->message, sizeof err->message, "%s", msg);
    err->reader_status = st == GRAPH_ERR_INPUT ? HS_ERR_RECORD : HS_OK;
    return st;
}

/* The sizes as the graph keeps them: 32 bits, the rare larger one in big[]
 * (sorted by node). */
static int split_sizes(const uint64_t *nsize, uint32_t n, graph *g)
{
    g->size = malloc(((size_t)n + 1) * 4);
    if (!g->size) return -1;
    uint32_t bigcap = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint64_t sz = nsize[v];
        g->total_shallow += sz;
        if (sz < GRAPH_SIZE_BIG) {
            g->size[v] = (uint32_t)sz;
            continue;
        }
        if (g->nbig == bigcap) {
            uint32_t cap = bigcap ? bigcap * 2 : 16;
            graph_big_size *q = realloc(g->big, cap * sizeof *q);
            if (!q) return -1;
            g->big = q;
            bigcap = cap;
        }
        g->big[g->nbig++] = (graph_big_size){v, sz};
        g->size[v] = GRAPH_SIZE_BIG;
    }
    return 0;
}

graph_status graph_load_v8(const char *path, graph *g, const graph_progress *p, unsigned flags,
                           graph_load_error *err)
{
    memset(g, 0, sizeof *g);
    err->message[0] = 0;
    err->reader_status = HS_OK;
    char msg[V8_ERR_MAX];
    v8_snapshot s;
    graph_tick(p, "reading V8 snapshot", 0, 0);
    const bool want_sites = flags & GRAPH_LOAD_SITES;
    if (v8_read_file_ex(path, &s, (want_sites ? V8_READ_SITES : 0) | V8_READ_LOCATIONS, msg))
        return fail(err, GRAPH_ERR_INPUT, msg);
    graph_tick(p, "mapping", 0, 0);
    /* The order keeps the peak low: each per-node or per-edge array of the
     * reader is freed (or moved into the graph) as soon as the mapping is
     * done with it. */
    v8_types t = {0};
    v8_kind_stats ks;
    v8_strmap sm = {0};
    v8_sites sites = {0};
    uint32_t *orph = NULL, norph = 0;
    uint8_t *kind = NULL;
    graph_status gst = GRAPH_ERR_NOMEM;
    int src;
    uint32_t n = s.node_count, m = s.edge_count;
    if (n > GRAPH_MAX_NODES || m > GRAPH_MAX_EDGES) {
        gst = GRAPH_ERR_LIMIT;
        snprintf(msg, sizeof msg, "too many nodes or edges for 32-bit indices");
        goto fail;
    }
    (void)v8_map_shallow(&s, msg, &src);
    if (src) goto fail;
    if (split_sizes(s.nsize, n, g)) goto nomem;
    free(s.nsize);
    s.nsize = NULL;
    if (v8_map_types(&s, &t, msg)) goto fail;
    if (!want_sites) v8_snapshot_drop_sites(&s); /* the locations were for the class keys */
    /* the kinds go straight into the edge-type array, which becomes out_kind */
    if (!(kind = malloc((size_t)m + 1))) goto nomem;
    if (v8_map_kinds(&s, kind, &ks, msg) || v8_map_orphans(&s, kind, &orph, &norph, msg)) goto fail;
    if ((uint64_t)m + norph > GRAPH_MAX_EDGES) {
        gst = GRAPH_ERR_LIMIT;
        snprintf(msg, sizeof msg, "too many nodes or edges for 32-bit indices");
        goto fail;
    }
    /* the sites name their frames' scripts through edge names: before the labels are renumbered */
    if (want_sites && v8_map_sites(&s, &sites, msg)) goto fail;
    v8_snapshot_drop_sites(&s);
    if (v8_map_strings(&s, &sites, &sm, msg)) goto fail;
    for (uint32_t e = 0; e < m; e++) {
        uint8_t lt = v8_edge_is_index(&s, e) ? HS_LABEL_INDEX : HS_LABEL_STRING;
        uint8_t k = (uint8_t)(kind[e] | lt << GRAPH_LABEL_SHIFT);
        if (lt == HS_LABEL_INDEX && s.ename[e] == UINT32_MAX) k |= GRAPH_LABEL_CLIPPED;
        if (lt == HS_LABEL_STRING) s.ename[e] = sm.remap[s.ename[e]];
        s.etype[e] = k;
    }
    free(kind);
    kind = NULL;
    if (!(g->reader = names_reader(&s, &t, &sm, &sites, path, msg))) goto fail;
    if (!(g->flags = calloc((size_t)n + 1, 1)) || !(g->roots = malloc(sizeof *g->roots))) goto nomem;
    if (norph && insert_root_edges(&s, s.first, orph, norph, sm.nkept + 1)) goto nomem;
    free(orph);
    orph = NULL;
    m += norph;
    g->roots[0] = (graph_root){0, HS_ROOT_GLOBAL, sm.nkept, 0};
    g->n = n;
    g->nedges = m;
    g->addr = s.nid;
    g->type = t.node_type;
    g->out_off = s.first; /* already the forward CSR's offsets */
    g->out_to = s.eto;
    g->out_label = s.ename;
    g->out_kind = s.etype;
    g->nroots = 1;
    g->refs_read = m;
    g->ntypes = t.ntypes;
    g->file_bytes = s.file_bytes;
    g->site = sites.node_site; /* NULL when no node has a site */
    sites.node_site = NULL;
    s.nid = NULL;
    s.eto = s.ename = s.first = NULL;
    s.etype = NULL;
    t.node_type = NULL;
    v8_sites_release(&sites);
    v8_strmap_release(&sm);
    v8_types_release(&t);
    v8_snapshot_release(&s);
    graph_compact_labels(g);
    graph_compact_addrs(g);
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
nomem:
    snprintf(msg, sizeof msg, "out of memory building the graph");
fail:
    free(kind);
    free(orph);
    v8_sites_release(&sites);
    v8_strmap_release(&sm);
    v8_types_release(&t);
    v8_snapshot_release(&s);
    graph_release(g);
    memset(g, 0, sizeof *g);
    return fail(err, gst, msg);
}
