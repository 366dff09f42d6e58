/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_cycle_list.c — the reference cycles a user is shown,
 * computed once for `heapsnap cycles` and the report (graph_cycles_find):
 *
 * 1. The non-trivial strongly connected components of graph_scc() (more
 *    than one member, or a block holding itself strongly).
 * 2. A component holding interpreter structure (graph_cycle_kinds(): a
 *    class, a module, their namespaces, V8 system nodes) is split by a
 *    second graph_scc_cut() that ignores the references into structure
 *    blocks: each non-trivial component of that pass is a cycle of its own
 *    (a stored exception's traceback and frames, tied to everything else
 *    only through function -> module globals), the rest of the component
 *    one cycle more. The cycles partition their members.
 * 3. Per cycle: members, shallow bytes, what it keeps alive (the retained
 *    bytes of the members whose immediate dominator is outside it), whether
 *    a root reaches it, whether a member has a finalizer, whether it is the
 *    interpreter's own (hidden by default), and its shape: an
 *    order-independent hash of its member type names and internal strong
 *    references as (holder type, label type, target type, kind) — never
 *    label values or addresses.
 * 4. Cycles of one shape and state form a group (one row); groups are
 *    ranked garbage first, then by the bytes they keep alive. A cycle's id
 *    is then its place in that order (the blocks in none get the count),
 *    so the list is a pure function of the graph that an index can keep
 *    (load/load_index.c) and check with one pass.
 *
 * O(n + m) (a second SCC pass only when there is structure) plus sorting
 * the cycles; iterative, no recursion. Needs graph_dominators().
 * graph_cycles_types() and graph_cycles_members() describe chosen cycles.
 * See docs/cli.md#cycles.
 */
#include "graph/graph.h"
#include "graph/graph_hash.h"

#include <stdlib.h>
#include <string.h>

#define BIT(a, v) (((a)[(v) >> 3] >> ((v) & 7)) & 1)
#define SETBIT(a, v) ((a)[(v) >> 3] |= (uint8_t)(1u << ((v) & 7)))

/* Whether block v holds itself strongly (a cycle of one). */
static bool self_loop(const graph *g, uint32_t v)
{
    for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++)
        if (g->out_to[e] == v && graph_is_strong(g->out_kind[e])) return true;
    return false;
}

/* Members per component; UINT32_MAX for a one-member component holding
 * itself strongly. Counts only the blocks not in `skip` (NULL: all). */
static uint32_t *count_members(const graph *g, const uint32_t *comp, uint32_t nc, const uint8_t *skip)
{
    uint32_t *cnt = calloc((size_t)nc + 1, 4);
    if (!cnt) return NULL;
    for (uint32_t v = 0; v < g->n; v++)
        if (!skip || !BIT(skip, v)) cnt[comp[v]]++;
    for (uint32_t v = 0; v < g->n; v++)
        if ((!skip || !BIT(skip, v)) && cnt[comp[v]] == 1 && self_loop(g, v)) cnt[comp[v]] = UINT32_MAX;
    return cnt;
}

/* Step 2: split the components that hold structure. comp (the first
 * pass's, ids < nc) is rewritten in place: a block in the k-th cycle of the
 * second pass gets id nc + k (so ids stay below n: each such cycle has two
 * members or more inside a component of the first pass). cidx[id] = cycle
 * number or GRAPH_NONE, for every id < *ntotal; *ncyc cycles. */
static graph_status split(const graph *g, uint32_t *comp, uint32_t nc, const uint8_t *kind, const graph_progress *p,
                          uint32_t **cidxp, uint32_t *ntotal, uint32_t *ncyc)
{
    const uint32_t n = g->n;
    graph_status st = GRAPH_ERR_NOMEM;
    uint32_t *cnt = count_members(g, comp, nc, NULL), *cnt2 = NULL, *comp2 = NULL, *cidx = NULL, nc2 = 0, nk = 0;
    uint8_t *has = calloc(((size_t)nc + 8) / 8, 1), *cut = NULL;
    if (!cnt || !has) goto out;
    bool any = false;
    for (uint32_t v = 0; v < n; v++)
        if (kind[v] == GRAPH_CK_STRUCT && cnt[comp[v]] > 1) SETBIT(has, comp[v]), any = true;
    if (any) {
        /* cut the structure blocks and everything outside the components that hold them */
        cut = calloc(((size_t)n + 8) / 8, 1);
        if (!cut) goto out;
        for (uint32_t v = 0; v < n; v++)
            if (kind[v] == GRAPH_CK_STRUCT || cnt[comp[v]] <= 1 || !BIT(has, comp[v])) SETBIT(cut, v);
        if ((st = graph_scc_cut(g, cut, &comp2, &nc2, p))) goto out;
        st = GRAPH_ERR_NOMEM;
        if (!(cnt2 = count_members(g, comp2, nc2, cut))) goto out;
        for (uint32_t c = 0; c < nc2; c++) cnt2[c] = cnt2[c] > 1 ? nk++ : GRAPH_NONE; /* now the new number */
        for (uint32_t v = 0; v < n; v++)
            if (!BIT(cut, v) && cnt2[comp2[v]] != GRAPH_NONE) comp[v] = nc + cnt2[comp2[v]];
    }
    *ntotal = nc + nk;
    cidx = malloc(((size_t)nc + nk + 1) * 4);
    if (!cidx) goto out;
    uint32_t k = 0;
    for (uint32_t c = 0; c < nc; c++) cidx[c] = cnt[c] > 1 ? k++ : GRAPH_NONE;
    for (uint32_t c = 0; c < nk; c++) cidx[nc + c] = k++;
    *ncyc = k;
    *cidxp = cidx;
    st = GRAPH_OK;
out:
    free(cnt);
    free(cnt2);
    free(comp2);
    free(has);
    free(cut);
    return st;
}

/* For the cycles that may be the interpreter's: the data bytes outside
 * their members that they keep alive, each block charged to the cycle of
 * its nearest dominator in a cycle (climbing the dominator tree once per
 * block, the answers remembered). Only unreachable blocks unless `all`. */
static graph_status cycle_data(const graph *g, const uint32_t *comp, const uint32_t *cidx, const uint8_t *kind,
                               graph_cycle *cy, bool all)
{
    const uint32_t n = g->n, UNKNOWN = GRAPH_NONE - 1;
    uint32_t *own = malloc(((size_t)n + 1) * 4), *path = malloc(((size_t)n + 1) * 4);
    if (!own || !path) {
        free(own);
        free(path);
        return GRAPH_ERR_NOMEM;
    }
    for (uint32_t v = 0; v < n; v++) own[v] = UNKNOWN;
    for (uint32_t v = 0; v < n; v++) {
        if ((!all && graph_reachable(g, v)) || own[v] != UNKNOWN) continue;
        uint32_t np = 0, u = v, o = GRAPH_NONE;
        for (;;) { /* up to a block whose owner is known, a cycle member, or a virtual root */
            if (u >= n) break;
            if (own[u] != UNKNOWN) { o = own[u]; break; }
            uint32_t ci = cidx[comp[u]];
            if (ci != GRAPH_NONE) { own[u] = o = ci; break; }
            path[np++] = u;
            u = g->idom[u];
        }
        while (np) own[path[--np]] = o;
    }
    for (uint32_t v = 0; v < n; v++)
        if (own[v] < UNKNOWN && kind[v] == GRAPH_CK_DATA && cidx[comp[v]] == GRAPH_NONE) cy[own[v]].data += graph_size(g, v);
    free(own);
    free(path);
    return GRAPH_OK;
}

static int cmp_shape(const void *a, const void *b)
{
    const graph_cycle *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    if (x->reachable != y->reachable) return x->reachable ? 1 : -1;
    if (x->interp != y->interp) return x->interp ? 1 : -1;
    if (x->kept != y->kept) return x->kept < y->kept ? 1 : -1;
    return x->first < y->first ? -1 : x->first > y->first;
}

typedef struct grp_sort {
    graph_cycle_group g;
    uint32_t first; /* the example's first member */
} grp_sort;

static int cmp_group(const void *a, const void *b)
{
    const grp_sort *x = a, *y = b;
    if (x->g.reachable != y->g.reachable) return x->g.reachable ? 1 : -1;
    if (x->g.kept != y->g.kept) return x->g.kept < y->g.kept ? 1 : -1;
    if (x->g.members != y->g.members) return x->g.members < y->g.members ? 1 : -1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* Step 4: group l->v (ncyc cycles) by shape and state and order it by group. */
static graph_status group(graph_cycle_list *l)
{
    graph_cycle *v = l->v;
    qsort(v, l->n, sizeof *v, cmp_shape);
    uint32_t ng = 0;
    for (uint32_t i = 0; i < l->n; i++)
        if (!i || v[i - 1].key != v[i].key || v[i - 1].reachable != v[i].reachable || v[i - 1].interp != v[i].interp)
            ng++;
    grp_sort *gs = malloc(((size_t)ng + 1) * sizeof *gs);
    graph_cycle *nv = malloc(((size_t)l->n + 1) * sizeof *nv);
    l->grp = malloc(((size_t)ng + 1) * sizeof *l->grp);
    if (!gs || !nv || !l->grp) {
        free(gs);
        free(nv);
        return GRAPH_ERR_NOMEM;
    }
    ng = 0;
    for (uint32_t i = 0; i < l->n; i++) {
        const graph_cycle *c = &v[i];
        if (!i || v[i - 1].key != c->key || v[i - 1].reachable != c->reachable || v[i - 1].interp != c->interp)
            gs[ng++] = (grp_sort){{i, 0, 0, 0, 0, c->reachable, false, c->interp}, c->first};
        graph_cycle_group *gr = &gs[ng - 1].g;
        gr->count++;
        gr->members += c->members;
        gr->bytes += c->bytes;
        gr->kept += c->kept;
        gr->finalizer |= c->finalizer;
    }
    qsort(gs, ng, sizeof *gs, cmp_group);
    uint32_t k = 0;
    for (uint32_t i = 0; i < ng; i++) {
        graph_cycle_group gr = gs[i].g;
        memcpy(nv + k, v + gr.start, (size_t)gr.count * sizeof *nv);
        gr.start = k;
        k += gr.count;
        l->grp[i] = gr;
        if (gr.interp) l->hidden += gr.count, l->hidden_blocks += gr.members, l->hidden_bytes += gr.bytes;
    }
    free(gs);
    free(l->v);
    l->v = nv;
    l->ngroups = ng;
    return GRAPH_OK;
}

/* A copy of the list saved in g->cache (an index brought it). */
static graph_status copy_saved(const graph *g, graph_cycle_list *l)
{
    const graph_cycle_list *c = g->cache.cycles;
    *l = *c;
    l->v = malloc(((size_t)c->n + 1) * sizeof *l->v);
    l->grp = malloc(((size_t)c->ngroups + 1) * sizeof *l->grp);
    l->comp = graph_huge(malloc(((size_t)g->n + 1) * 4), ((size_t)g->n + 1) * 4);
    if (!l->v || !l->grp || !l->comp) {
        graph_cycle_list_release(l);
        return GRAPH_ERR_NOMEM;
    }
    if (c->n) memcpy(l->v, c->v, (size_t)c->n * sizeof *l->v);
    if (c->ngroups) memcpy(l->grp, c->grp, (size_t)c->ngroups * sizeof *l->grp);
    if (g->n) memcpy(l->comp, c->comp, (size_t)g->n * 4); /* (an index's is NULL for no blocks) */
    return GRAPH_OK;
}

/* The ids in their final form: a cycle's index in l->v (its group order), l->n for the blocks in
 * no cycle. cidx[id] = the cycle's number before grouping (or GRAPH_NONE), for the first pass's ids;
 * rewritten here. */
static graph_status renumber(const graph *g, graph_cycle_list *l, uint32_t *cidx)
{
    uint32_t *pos = malloc(((size_t)l->n + 1) * 4);
    if (!pos) return GRAPH_ERR_NOMEM;
    for (uint32_t k = 0; k < l->n; k++) pos[cidx[l->v[k].comp]] = k;
    for (uint32_t id = 0; id < l->ncomp; id++) cidx[id] = cidx[id] == GRAPH_NONE ? l->n : pos[cidx[id]];
    for (uint32_t v = 0; v < g->n; v++) l->comp[v] = cidx[l->comp[v]];
    for (uint32_t k = 0; k < l->n; k++) l->v[k].comp = k;
    l->ncomp = l->n + 1;
    free(pos);
    return GRAPH_OK;
}

graph_status graph_cycles_find(const graph *g, graph_cycle_list *l, const graph_progress *p)
{
    memset(l, 0, sizeof *l);
    if (g->cache.cycles) return copy_saved(g, l);
    const uint32_t n = g->n;
    uint8_t *kind = NULL;
    uint32_t *cidx = NULL, ncyc = 0, nc = 0;
    uint64_t *th = NULL, *kedge = NULL;
    graph_status st = graph_scc(g, &l->comp, &nc, p);
    if (st) return st;
    if ((st = graph_cycle_kinds(g, &kind)) || (st = split(g, l->comp, nc, kind, p, &cidx, &l->ncomp, &ncyc))) goto out;
    st = GRAPH_ERR_NOMEM;
    const uint32_t *comp = l->comp;
    l->v = calloc((size_t)ncyc + 1, sizeof *l->v);
    kedge = calloc((size_t)ncyc + 1, 8);
    th = malloc(((size_t)g->ntypes + 1) * 8);
    uint8_t *kinds = calloc((size_t)ncyc + 1, 1); /* bit set of the members' kinds */
    if (!l->v || !kedge || !th || !kinds) {
        free(kinds);
        goto out;
    }
    char buf[256];
    for (uint32_t t = 0; t < g->ntypes; t++) {
        const char *s = graph_type_name(g->reader, t, buf, sizeof buf);
        th[t] = hash_bytes(s, strlen(s));
    }
    for (uint32_t i = 0; i < ncyc; i++) l->v[i].first = GRAPH_NONE;
    /* step 3: members, bytes, kept alive, finalizer, shape */
    for (uint32_t v = 0; v < n; v++) {
        uint32_t ci = cidx[comp[v]];
        if (ci == GRAPH_NONE) continue;
        graph_cycle *c = &l->v[ci];
        if (c->first == GRAPH_NONE) c->first = v, c->comp = comp[v];
        c->members++;
        c->bytes += graph_size(g, v);
        if (graph_has_finalizer(g, v)) c->finalizer = true;
        kinds[ci] |= (uint8_t)(1u << kind[v]);
        uint32_t d = g->idom[v];
        if (d >= n || cidx[comp[d]] != ci) c->kept += graph_retained(g, v);
        /* the type names' hashes are mixed already: a member adds its own, an internal
         * reference one finalizer over (holder, label type, target, kind) */
        uint64_t tv = g->type[v] < g->ntypes ? th[g->type[v]] : 0;
        c->key += tv;
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint8_t kd = g->out_kind[e];
            uint32_t w = g->out_to[e];
            if (!graph_is_strong(kd) || comp[w] != comp[v]) continue;
            uint64_t tw = g->type[w] < g->ntypes ? th[g->type[w]] : 0;
            kedge[ci] += hash_fmix64(tv * UINT64_C(0x9E3779B97F4A7C15) + (tw ^ UINT64_C(0xC2B2AE3D27D4EB4F)) +
                                     ((kd >> GRAPH_LABEL_SHIFT) & 3u) * 4 + (kd & GRAPH_KIND_MASK));
        }
    }
    /* the interpreter's: structure, or interpreter kinds and no data; such a cycle is
     * listed anyway when it keeps much data alive — garbage ones always, reachable ones
     * unless they hold structure (the module and class graph reaches all data) */
    bool want_data = false, want_all = false;
    for (uint32_t i = 0; i < ncyc; i++) {
        graph_cycle *c = &l->v[i];
        c->key = hash_mix(hash_mix(c->key, kedge[i]), c->members);
        c->reachable = graph_reachable(g, c->first);
        unsigned k = kinds[i];
        bool structure = k >> GRAPH_CK_STRUCT & 1;
        c->interp = structure || ((k >> GRAPH_CK_INTERP & 1) && !(k >> GRAPH_CK_DATA & 1));
        kinds[i] = c->interp && (!c->reachable || !structure); /* may be listed for its data */
        if (kinds[i]) want_data = true, want_all |= c->reachable;
    }
    if (want_data && (st = cycle_data(g, comp, cidx, kind, l->v, want_all))) {
        free(kinds);
        goto out;
    }
    st = GRAPH_ERR_NOMEM;
    l->n = ncyc;
    for (uint32_t i = 0; i < ncyc; i++) {
        graph_cycle *c = &l->v[i];
        if (!kinds[i]) c->data = 0; /* measured for the candidates only (cycle_data charges every cycle) */
        else if (c->data >= GRAPH_CYCLE_DATA_MIN && c->data >= c->bytes) c->interp = false;
        l->blocks += c->members;
        l->bytes += c->bytes;
        if (!c->reachable) l->garbage++, l->garbage_bytes += c->bytes;
    }
    free(kinds);
    if (!(st = group(l))) st = renumber(g, l, cidx);
out:
    free(kind);
    free(cidx);
    free(th);
    free(kedge);
    if (st) graph_cycle_list_release(l);
    return st;
}

static int cmp_tcount(const void *a, const void *b)
{
    const graph_type_count *x = a, *y = b;
    if (x->count != y->count) return x->count < y->count ? 1 : -1;
    return x->type < y->type ? -1 : x->type > y->type;
}

/* slot[id] = i for the cycles l->v[which[i]], GRAPH_NONE for every other id. */
static uint32_t *slots(const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich)
{
    uint32_t *slot = malloc(((size_t)l->ncomp + 1) * 4);
    if (!slot) return NULL;
    for (uint32_t c = 0; c < l->ncomp; c++) slot[c] = GRAPH_NONE;
    for (uint32_t i = 0; i < nwhich; i++) slot[l->v[which[i]].comp] = i;
    return slot;
}

graph_status graph_cycles_types(const graph *g, const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich,
                                uint32_t k, graph_type_count *out, uint32_t *nout, uint32_t *ndistinct)
{
    /* the members' types of the chosen cycles, grouped by cycle (CSR) */
    uint32_t *slot = slots(l, which, nwhich), *off = calloc((size_t)nwhich + 2, 4), *mem = NULL;
    uint32_t *count = calloc((size_t)g->ntypes + 1, 4); /* per type, zero between cycles */
    graph_type_count *tc = NULL;
    graph_status st = GRAPH_ERR_NOMEM;
    if (!slot || !off || !count) goto out;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nwhich; i++) total += l->v[which[i]].members;
    mem = malloc((size_t)(total ? total : 1) * 4);
    tc = malloc((size_t)(total ? total : 1) * sizeof *tc);
    if (!mem || !tc) goto out;
    for (uint32_t i = 0; i < nwhich; i++) off[i + 1] = off[i] + l->v[which[i]].members;
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t s = slot[l->comp[v]];
        if (s != GRAPH_NONE) mem[off[s]++] = g->type[v];
    }
    for (uint32_t i = nwhich; i > 0; i--) off[i] = off[i - 1];
    off[0] = 0;
    /* per cycle: count its types in O(members), then sort the distinct ones */
    for (uint32_t i = 0; i < nwhich; i++) {
        const uint32_t *m = mem + off[i], nm = off[i + 1] - off[i];
        uint32_t nt = 0;
        for (uint32_t a = 0; a < nm; a++)
            if (!count[m[a]]++) tc[nt++].type = m[a];
        for (uint32_t t = 0; t < nt; t++) {
            tc[t].count = count[tc[t].type];
            count[tc[t].type] = 0;
        }
        qsort(tc, nt, sizeof *tc, cmp_tcount);
        nout[i] = nt < k ? nt : k;
        ndistinct[i] = nt;
        memcpy(out + (size_t)i * k, tc, (size_t)nout[i] * sizeof *tc);
    }
    st = GRAPH_OK;
out:
    free(slot);
    free(off);
    free(mem);
    free(count);
    free(tc);
    return st;
}

graph_status graph_cycles_members(const graph *g, const graph_cycle_list *l, const uint32_t *which, uint32_t nwhich,
                                  uint32_t k, uint32_t *out, uint32_t *nout)
{
    uint32_t *slot = slots(l, which, nwhich);
    if (!slot) return GRAPH_ERR_NOMEM;
    for (uint32_t i = 0; i < nwhich; i++) nout[i] = 0;
    for (uint32_t v = 0; v < g->n; v++) {
        uint32_t s = slot[l->comp[v]];
        if (s != GRAPH_NONE && nout[s] < k) out[(size_t)s * k + nout[s]++] = v;
    }
    free(slot);
    return GRAPH_OK;
}

void graph_cycle_list_release(graph_cycle_list *l)
{
    free(l->v);
    free(l->grp);
    free(l->comp);
    memset(l, 0, sizeof *l);
}
