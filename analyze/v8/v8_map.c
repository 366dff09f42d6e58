/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_map.c — how a read V8 heap snapshot maps onto heapsnap's model,
 * shared by the .hsnap conversion (v8_hsnap.c) and the direct graph load
 * (load/load_v8.c): edge → reference kind (v8_map_kinds: Chrome DevTools'
 * retaining rules, computed once for the whole snapshot so every consumer
 * applies the same predicate), the DevTools shallow sizes (v8_map_shallow)
 * and which V8 strings heapsnap keeps (v8_map_strings: names, never string
 * contents). Iterative; no recursion. See docs/v8.md.
 */
#include "graph/graph_map.h"
#include "v8/v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- retaining rules ---- */

/* The table id of a WeakMap ephemeron edge name, V8's
 * "<n> / part of key (<k> @<id>) -> value (<v> @<id>) pair in WeakMap (table @<id>)",
 * or UINT64_MAX when the name is not one. */
static uint64_t weakmap_table(const char *str)
{
    const char *p = str;
    if (*p < '0' || *p > '9') return UINT64_MAX;
    while (*p >= '0' && *p <= '9') p++;
    static const char mid[] = " / part of key (";
    if (strncmp(p, mid, sizeof mid - 1)) return UINT64_MAX;
    static const char tail[] = ") pair in WeakMap (table @";
    const char *t = strstr(p, tail);
    if (!t) return UINT64_MAX;
    const char *last;
    while ((last = strstr(t + 1, tail))) t = last; /* the last occurrence: names may contain the text */
    t += sizeof tail - 1;
    if (*t < '0' || *t > '9') return UINT64_MAX;
    uint64_t id = 0;
    while (*t >= '0' && *t <= '9') {
        if (id > UINT64_MAX / 10 - 1) return UINT64_MAX;
        id = id * 10 + (uint64_t)(*t++ - '0');
    }
    return t[0] == ')' && t[1] == 0 ? id : UINT64_MAX;
}

int v8_map_kinds(const v8_snapshot *s, uint8_t *kind, v8_kind_stats *st, char err[V8_ERR_MAX])
{
    memset(st, 0, sizeof *st);
    uint32_t n = s->node_count;
    uint8_t *page = calloc(((size_t)n + 8) / 8, 1);
    const uint32_t *first = s->first;
    uint32_t *stack = malloc(((size_t)n + 1) * 4);
    uint8_t *wm = calloc((size_t)s->nstrings + 1, 1); /* per string: 0 unknown, 1 no, 2 a WeakMap edge name */
    if (!page || !stack || !wm) {
        free(page);
        free(stack);
        free(wm);
        snprintf(err, V8_ERR_MAX, "out of memory computing the retaining rules");
        return -1;
    }
#define PAGE(v) ((page[(v) >> 3] >> ((v) & 7)) & 1)
#define SET_PAGE(v) (page[(v) >> 3] |= (uint8_t)(1u << ((v) & 7)))
    /* 1. the page's own objects (DevTools' "page object" flag): everything
     *    reached over non-weak edges from the user's global objects (the
     *    root's shortcut edges) and from "(Document DOM trees)". */
    uint32_t top = 0;
    for (uint32_t e = first[0]; e < first[1]; e++) {
        uint8_t c = s->edge_class[s->etype[e]];
        uint32_t to = s->eto[e];
        if (c == V8_EDGE_ELEMENT) {
            const char *tn = s->node_types.v[s->ntype[to]];
            if (strcmp(tn, "synthetic") || strcmp(s->sbuf + s->soff[s->nname[to]], "(Document DOM trees)")) continue;
        } else if (c != V8_EDGE_SHORTCUT) {
            continue;
        }
        if (!PAGE(to)) SET_PAGE(to), stack[top++] = to, st->page_entries++;
    }
    while (top) {
        uint32_t v = stack[--top];
        st->page_nodes++;
        for (uint32_t e = first[v]; e < first[v + 1]; e++) {
            uint32_t to = s->eto[e];
            if (PAGE(to) || s->edge_class[s->etype[e]] == V8_EDGE_WEAK) continue;
            SET_PAGE(to);
            stack[top++] = to;
        }
    }
    /* 2. every edge */
    for (uint32_t v = 0; v < n; v++) {
        bool vpage = PAGE(v);
        for (uint32_t e = first[v]; e < first[v + 1]; e++) {
            uint8_t c = s->edge_class[s->etype[e]];
            uint8_t k = HS_REF_STRONG;
            if (c == V8_EDGE_WEAK) {
                k = HS_REF_WEAK;
            } else if (s->eto[e] == v) {
                k = HS_REF_OTHER; /* a node does not retain itself */
                st->self++;
            } else if (c == V8_EDGE_SHORTCUT && v != 0) {
                k = HS_REF_OTHER;
                st->shortcut++;
            } else if (c == V8_EDGE_INTERNAL) {
                uint32_t nm = s->ename[e];
                if (!wm[nm]) wm[nm] = weakmap_table(s->sbuf + s->soff[nm]) == UINT64_MAX ? 1 : 2;
                if (wm[nm] == 2 && weakmap_table(s->sbuf + s->soff[nm]) == s->nid[v]) {
                    k = HS_REF_OTHER; /* the table's half of an ephemeron: the key's edge holds the value */
                    st->weakmap++;
                }
            }
            if (k == HS_REF_STRONG && v != 0 && !vpage && PAGE(s->eto[e])) {
                k = HS_REF_OTHER; /* into the page's objects from outside them */
                st->outside_page++;
            }
            kind[e] = k;
        }
    }
#undef PAGE
#undef SET_PAGE
    free(page);
    free(stack);
    free(wm);
    return 0;
}

int v8_map_orphans(const v8_snapshot *s, const uint8_t *kind, uint32_t **out, uint32_t *nout, char err[V8_ERR_MAX])
{
    *out = NULL;
    *nout = 0;
    uint32_t n = s->node_count;
    uint8_t *seen = calloc((size_t)n + 1, 1); /* bit 0: reached, bit 1: a retainer that is neither weak nor shortcut */
    const uint32_t *first = s->first;
    uint32_t *stack = malloc(((size_t)n + 1) * 4);
    uint32_t *list = NULL, nlist = 0, cap = 0;
    if (!seen || !stack) goto nomem;
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (kind[e] == HS_REF_STRONG) seen[s->eto[e]] |= 2;
    /* pass 0: from the root; pass 1: from each unreached node that no
     * retaining edge points to; pass 2: whatever is still unreached */
    for (int pass = 0; pass < 3; pass++) {
        for (uint32_t u = 0; u < (pass ? n : 1); u++) {
            if (seen[u] & 1) continue;
            if (pass == 1 && (seen[u] & 2)) continue;
            if (pass) {
                if (nlist == cap) {
                    uint32_t nc = cap ? cap * 2 : 64;
                    uint32_t *q = realloc(list, nc * sizeof *q);
                    if (!q) goto nomem;
                    list = q;
                    cap = nc;
                }
                list[nlist++] = u;
            }
            uint32_t top = 0;
            seen[u] |= 1;
            stack[top++] = u;
            while (top) {
                uint32_t v = stack[--top];
                for (uint32_t e = first[v]; e < first[v + 1]; e++) {
                    uint32_t to = s->eto[e];
                    if (kind[e] != HS_REF_STRONG || (seen[to] & 1)) continue;
                    seen[to] |= 1;
                    stack[top++] = to;
                }
            }
        }
    }
    free(seen);
    free(stack);
    *out = list;
    *nout = nlist;
    return 0;
nomem:
    free(seen);
    free(stack);
    free(list);
    snprintf(err, V8_ERR_MAX, "out of memory finding the weakly held nodes");
    return -1;
}

uint64_t v8_map_shallow(v8_snapshot *s, char err[V8_ERR_MAX], int *rc)
{
    *rc = 0;
    uint32_t n = s->node_count;
    /* only when the root has a child that is not synthetic (a user root) */
    bool user = false;
    int synthetic = -1, hidden = -1, array = -1, native = -1;
    for (uint32_t i = 0; i < s->node_types.n; i++) {
        const char *t = s->node_types.v[i];
        if (!strcmp(t, "synthetic")) synthetic = (int)i;
        else if (!strcmp(t, "hidden")) hidden = (int)i;
        else if (!strcmp(t, "array")) array = (int)i;
        else if (!strcmp(t, "native")) native = (int)i;
    }
    for (uint32_t e = 0; e < s->first[1]; e++)
        if (s->ntype[s->eto[e]] != synthetic) user = true;
    if (!user) return 0;
    enum { UNVISITED = UINT32_MAX, MULTIPLE = UINT32_MAX - 1 };
    const uint32_t *first = s->first;
    uint32_t *owner = malloc(((size_t)n + 1) * 4);
    size_t cap = 4096, top = 0;
    uint32_t *work = malloc(cap * 4); /* the nodes an owner (or MULTIPLE) reached, still to scan */
    if (!owner || !work) goto nomem;
    for (uint32_t v = 0; v < n; v++) {
        int t = s->ntype[v];
        bool movable = t == hidden || t == array ||
                       (t == native && !strcmp(s->sbuf + s->soff[s->nname[v]], "system / ExternalStringData"));
        owner[v] = movable ? UNVISITED : v;
    }
    /* Each owner is scanned once, then what it spread to; the outcome does
     * not depend on the order (a movable node ends with its one owner, or
     * MULTIPLE), so the owners need not all wait on the stack. */
    for (uint32_t u = n; u-- > 0;) {
        if (owner[u] != u) continue;
        work[top++] = u;
        while (top) {
            uint32_t v = work[--top], o = owner[v];
            for (uint32_t e = first[v]; e < first[v + 1]; e++) {
                if (s->edge_class[s->etype[e]] == V8_EDGE_WEAK) continue;
                uint32_t to = s->eto[e], cur = owner[to];
                bool push = false;
                if (cur == UNVISITED) {
                    owner[to] = o;
                    push = true;
                } else if (cur != to && cur != o && cur != MULTIPLE) {
                    owner[to] = MULTIPLE;
                    push = true;
                }
                if (!push) continue;
                if (top == cap) {
                    uint32_t *nw = realloc(work, cap * 2 * 4);
                    if (!nw) goto nomem;
                    work = nw;
                    cap *= 2;
                }
                work[top++] = to;
            }
        }
    }
    uint64_t moved = 0;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t o = owner[v];
        if (o == UNVISITED || o == MULTIPLE || o == v || o == 0 || s->ntype[o] == synthetic) continue;
        moved += s->nsize[v];
        s->nsize[o] += s->nsize[v];
        s->nsize[v] = 0;
    }
    free(owner);
    free(work);
    return moved;
nomem:
    free(owner);
    free(work);
    snprintf(err, V8_ERR_MAX, "out of memory moving shallow sizes");
    *rc = -1;
    return 0;
}

int v8_map_strings(const v8_snapshot *s, const v8_sites *sites, v8_strmap *m, char err[V8_ERR_MAX])
{
    const uint32_t ns = s->nstrings, NONE = UINT32_MAX;
    m->nkept = 0;
    m->remap = malloc(((size_t)ns + 1) * 4);
    if (!m->remap) {
        snprintf(err, V8_ERR_MAX, "out of memory numbering the strings");
        return -1;
    }
    for (uint32_t i = 0; i < ns; i++) m->remap[i] = NONE;
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (!v8_edge_is_index(s, e)) m->remap[s->ename[e]] = 0; /* the reader checked it is < nstrings */
    for (uint32_t i = 0; sites && i < sites->nframes; i++) {
        const v8_frame *f = &sites->frames[i];
        if (f->function < ns) m->remap[f->function] = 0;
        if (f->file < ns) m->remap[f->file] = 0;
    }
    for (uint32_t i = 0; i < ns; i++)
        if (m->remap[i] != NONE) m->remap[i] = m->nkept++;
    return 0;
}

void v8_strmap_release(v8_strmap *m)
{
    free(m->remap);
    memset(m, 0, sizeof *m);
}
