/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_tree.c — the top of the dominator tree that
 * `heapsnap report` embeds: report_tree_build() picks the `budget` nodes
 * with the largest retained sizes, report_tree_json() writes them as
 * columns with the aggregated rest. See docs/report.md#budget.
 *
 * Algorithm. Best-first expansion from the tree tops (<roots>, and
 * <unreachable> when there is garbage) with a binary max-heap keyed by
 * retained bytes. A popped node's children are sorted once, largest first,
 * and only its largest not-yet-embedded child sits in the heap; popping a
 * child pushes its next sibling and its own largest child. The heap never
 * holds more than budget + 1 entries, and each parent's embedded children
 * are a prefix of its sorted list, so the rest is summed from the suffix.
 * Because a child never retains more than its dominator, the result is the
 * budget largest nodes of the whole tree. Subtree block counts come from
 * one preorder (explicit stack) summed in reverse. Iterative, no recursion.
 * O(n + c log c) for c = children of the embedded nodes.
 */
#include "report/report.h"
#include "out/out.h"

#include <stdlib.h>
#include <string.h>

typedef struct heap_item {
    uint32_t k;    /* index into kids[] */
    uint32_t pidx; /* the parent's index into node[] */
} heap_item;

typedef struct heap {
    heap_item *a;
    uint32_t n, cap;
    const graph *g;
    const uint32_t *kids;
} heap;

/* a before b: more retained, then lower block index */
static int heap_before(const heap *h, heap_item a, heap_item b)
{
    uint32_t x = h->kids[a.k], y = h->kids[b.k];
    uint64_t rx = graph_retained(h->g, x), ry = graph_retained(h->g, y);
    if (rx != ry) return rx > ry;
    return x < y;
}

static graph_status heap_push(heap *h, heap_item it)
{
    if (h->n == h->cap) {
        uint32_t nc = h->cap ? h->cap * 2 : 64;
        heap_item *na = realloc(h->a, (size_t)nc * sizeof *na);
        if (!na) return GRAPH_ERR_NOMEM;
        h->a = na;
        h->cap = nc;
    }
    uint32_t i = h->n++;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!heap_before(h, it, h->a[p])) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i] = it;
    return GRAPH_OK;
}

static heap_item heap_pop(heap *h)
{
    heap_item top = h->a[0], last = h->a[--h->n];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && heap_before(h, h->a[c + 1], h->a[c])) c++;
        if (!heap_before(h, h->a[c], last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

static const graph *sort_g;
static int cmp_retained_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint64_t rx = graph_retained(sort_g, x), ry = graph_retained(sort_g, y);
    if (rx != ry) return rx < ry ? 1 : -1;
    return x < y ? -1 : x > y;
}

/* Blocks in each dominator subtree: preorder from the tops, then sum in reverse. */
static graph_status subtree_counts(const graph *g, const uint32_t *off, const uint32_t *kids, uint32_t *count)
{
    const uint32_t N = g->n + 2;
    uint32_t *order = malloc((size_t)N * 4), *stack = malloc((size_t)N * 4);
    if (!order || !stack) {
        free(order);
        free(stack);
        return GRAPH_ERR_NOMEM;
    }
    uint32_t no = 0, sp = 0;
    stack[sp++] = GRAPH_UNREACH(g);
    stack[sp++] = GRAPH_SUPER(g);
    while (sp) {
        uint32_t v = stack[--sp];
        order[no++] = v;
        for (uint32_t i = off[v]; i < off[v + 1]; i++) stack[sp++] = kids[i];
    }
    for (uint32_t v = 0; v < N; v++) count[v] = v < g->n ? 1 : 0;
    for (uint32_t i = no; i-- > 0;) {
        uint32_t v = order[i];
        if (v < g->n && g->idom[v] != GRAPH_NONE) count[g->idom[v]] += count[v];
    }
    free(order);
    free(stack);
    return GRAPH_OK;
}

/* Add v under the embedded node `parent`; its index in node[]. */
static uint32_t embed(report_tree *t, uint32_t v, uint32_t parent)
{
    uint32_t i = t->n++;
    t->node[i] = v;
    t->parent[i] = parent;
    t->nemb[i] = 0;
    t->pos[v] = i;
    if (parent != GRAPH_NONE) t->nemb[parent]++;
    return i;
}

graph_status report_tree_build(const graph *g, uint32_t budget, report_tree *t)
{
    memset(t, 0, sizeof *t);
    const uint32_t N = g->n + 2;
    if (budget < 2) budget = 2;
    if (budget > N) budget = N;
    heap h = {0};
    if (graph_dom_children(g, &t->off, &t->kids)) return GRAPH_ERR_NOMEM;
    t->node = malloc((size_t)budget * 4);
    t->parent = malloc((size_t)budget * 4);
    t->nemb = malloc((size_t)budget * 4);
    t->pos = malloc((size_t)N * 4);
    t->count = malloc((size_t)N * 4);
    if (!t->node || !t->parent || !t->nemb || !t->pos || !t->count) goto nomem;
    if (subtree_counts(g, t->off, t->kids, t->count)) goto nomem;
    for (uint32_t v = 0; v < N; v++) t->pos[v] = GRAPH_NONE;
    h.g = g;
    h.kids = t->kids;
    sort_g = g;
    uint32_t tops[2] = {GRAPH_SUPER(g), GRAPH_UNREACH(g)};
    for (int i = 0; i < 2; i++) {
        uint32_t v = tops[i];
        if (v == GRAPH_UNREACH(g) && !g->unreach_count) continue;
        uint32_t idx = embed(t, v, GRAPH_NONE);
        uint32_t b = t->off[v], e = t->off[v + 1];
        qsort(t->kids + b, e - b, 4, cmp_retained_desc);
        if (b < e && heap_push(&h, (heap_item){b, idx})) goto nomem;
    }
    while (h.n && t->n < budget) {
        heap_item it = heap_pop(&h);
        uint32_t c = t->kids[it.k];
        uint32_t idx = embed(t, c, it.pidx);
        uint32_t pv = t->node[it.pidx];
        if (it.k + 1 < t->off[pv + 1] && heap_push(&h, (heap_item){it.k + 1, it.pidx})) goto nomem;
        uint32_t b = t->off[c], e = t->off[c + 1];
        if (b < e) {
            qsort(t->kids + b, e - b, 4, cmp_retained_desc);
            if (heap_push(&h, (heap_item){b, idx})) goto nomem;
        }
    }
    free(h.a);
    return GRAPH_OK;
nomem:
    free(h.a);
    report_tree_release(t);
    return GRAPH_ERR_NOMEM;
}

uint32_t report_tree_largest_child(const graph *g, const report_tree *t, uint32_t v)
{
    uint32_t best = GRAPH_NONE;
    for (uint32_t i = t->off[v]; i < t->off[v + 1]; i++) {
        uint32_t c = t->kids[i];
        if (best == GRAPH_NONE || graph_retained(g, c) > graph_retained(g, best) ||
            (graph_retained(g, c) == graph_retained(g, best) && c < best))
            best = c;
    }
    return best;
}

/* The label under which the dominator holds an embedded node directly:
 * ".name" / "[i]" for a reference from its dominator, the root's
 * description for a child of <roots>. */
static graph_status tree_labels(const graph *g, const report_tree *t, report_strs *strs, uint32_t *label)
{
    char buf[512];
    for (uint32_t i = 0; i < t->n; i++) label[i] = GRAPH_NONE;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t v = t->node[i];
        if (v >= g->n || !t->nemb[i]) continue;
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint32_t w = t->pos[g->out_to[e]];
            if (w == GRAPH_NONE || t->parent[w] != i || label[w] != GRAPH_NONE) continue;
            if (!graph_is_strong(g->out_kind[e])) continue;
            uint8_t kind = g->out_kind[e];
            unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
            int n = 0;
            if (lt == HS_LABEL_INDEX) {
                n = kind & GRAPH_LABEL_CLIPPED ? snprintf(buf, sizeof buf, "[>%u]", UINT32_MAX - 1)
                                               : snprintf(buf, sizeof buf, "[%u]", graph_label(g, e));
            } else if (lt == HS_LABEL_STRING) {
                size_t len = 0;
                const char *s = g->reader ? hs_reader_string(g->reader, graph_label(g, e), &len) : NULL;
                if (s) {
                    buf[0] = '.';
                    n = 1 + (int)graph_name_put(buf + 1, sizeof buf - 1, s, len > 400 ? 400 : len);
                } else {
                    n = snprintf(buf, sizeof buf, ".<string %u>", graph_label(g, e));
                }
            } else {
                continue;
            }
            if ((label[w] = report_strs_add(strs, buf, (size_t)n)) == GRAPH_NONE) return GRAPH_ERR_NOMEM;
        }
    }
    uint32_t sup = t->pos[GRAPH_SUPER(g)];
    for (uint32_t r = 0; r < g->nroots; r++) {
        const graph_root *rt = &g->roots[r];
        uint32_t w = t->pos[rt->node];
        if (w == GRAPH_NONE || t->parent[w] != sup || label[w] != GRAPH_NONE) continue;
        size_t len = 0;
        const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
        const char *kn = out_root_kind_name(rt->kind);
        int n = snprintf(buf, sizeof buf, name ? "%s root '" : "%s root", kn);
        if (name) {
            n += (int)graph_name_put(buf + n, sizeof buf - (size_t)n - 1, name, len > 400 ? 400 : len);
            buf[n++] = '\'';
            buf[n] = 0;
        }
        if ((label[w] = report_strs_add(strs, buf, (size_t)n)) == GRAPH_NONE) return GRAPH_ERR_NOMEM;
    }
    return GRAPH_OK;
}

graph_status report_tree_json(json_writer *j, const graph *g, const report_tree *t, report_strs *strs)
{
    uint32_t *label = malloc(((size_t)t->n + 1) * 4), *tname = malloc(((size_t)t->n + 1) * 4);
    if (!label || !tname || tree_labels(g, t, strs, label)) goto nomem;
    char buf[256];
    for (uint32_t i = 0; i < t->n; i++) {
        const char *nm = out_type_name(g, t->node[i], buf, sizeof buf);
        if ((tname[i] = report_strs_add(strs, nm, strlen(nm))) == GRAPH_NONE) goto nomem;
    }
    /* columns: p parent, t type name, a address, s shallow, r retained,
       c blocks, l label, f flags (1 unreachable, 2 finalizer, 4 virtual) */
    json_object_begin(j, JSON_TIGHT);
    json_same_line(j);
    json_kv_u64(j, "n", t->n);
    json_kv_array(j, "p", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_i64(j, t->parent[i] == GRAPH_NONE ? -1 : (int64_t)t->parent[i]);
    json_end(j);
    json_kv_array(j, "t", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_u64(j, tname[i]);
    json_end(j);
    json_kv_array(j, "a", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t v = t->node[i];
        char a[24];
        snprintf(a, sizeof a, "%llx", (unsigned long long)(v < g->n ? graph_addr(g, v) : 0));
        json_str(j, v < g->n ? a : "");
    }
    json_end(j);
    json_kv_array(j, "s", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_u64(j, t->node[i] < g->n ? graph_size(g, t->node[i]) : 0);
    json_end(j);
    json_kv_array(j, "r", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_u64(j, graph_retained(g, t->node[i]));
    json_end(j);
    json_kv_array(j, "c", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_u64(j, t->count[t->node[i]]);
    json_end(j);
    json_kv_array(j, "l", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) json_i64(j, label[i] == GRAPH_NONE ? -1 : (int64_t)label[i]);
    json_end(j);
    json_kv_array(j, "f", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t v = t->node[i];
        unsigned fl = 0;
        if (v < g->n) {
            if (!graph_reachable(g, v)) fl |= 1;
            if (graph_has_finalizer(g, v)) fl |= 2;
        } else {
            fl = v == GRAPH_UNREACH(g) ? 5 : 4;
        }
        json_u64(j, fl);
    }
    json_end(j);
    /* the children left out: [node index, children, bytes, blocks] */
    json_kv_array(j, "more", JSON_COMPACT);
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t v = t->node[i];
        uint32_t b = t->off[v] + t->nemb[i], e = t->off[v + 1];
        if (b >= e) continue;
        uint64_t bytes = 0, blocks = 0;
        for (uint32_t k = b; k < e; k++) bytes += graph_retained(g, t->kids[k]), blocks += t->count[t->kids[k]];
        json_array_begin(j, JSON_COMPACT);
        json_u64(j, i);
        json_u64(j, e - b);
        json_u64(j, bytes);
        json_u64(j, blocks);
        json_end(j);
    }
    json_end(j);
    json_end(j);
    free(label);
    free(tname);
    return GRAPH_OK;
nomem:
    free(label);
    free(tname);
    return GRAPH_ERR_NOMEM;
}

void report_tree_release(report_tree *t)
{
    free(t->node);
    free(t->parent);
    free(t->pos);
    free(t->count);
    free(t->off);
    free(t->kids);
    free(t->nemb);
    memset(t, 0, sizeof *t);
}
