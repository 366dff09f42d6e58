/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_class.c — v8_map_types(): node → type, where a type is the
 * node's class in Chrome DevTools' Summary and Comparison views, so that
 * summary, diff, leaks and top group and name V8 objects as DevTools does
 * (the rules are listed at v8_map_types in v8_read.h; learnt from
 * chrome-devtools-frontend 1.0.1705227, HeapSnapshot.ts: calculateObjectNames,
 * inferInterfaceDefinitions, applyInterfaceDefinitions, classKeyInternal,
 * propagateDOMState; no DevTools code here). Steps:
 *   1. detached DOM state: the nodes the file marks attached or detached,
 *      then attachment spread over non-hidden, non-weak edges through native
 *      nodes, then detachment the same way (two explicit stacks);
 *   2. property shapes: each plain object's first properties (in edge
 *      order, up to a 120-character name) are a candidate; the candidates
 *      held by at least max(2, plain objects / 1000) objects, most held
 *      first, are the shapes; each plain object takes the shape with the
 *      most properties all of which it has (ties: the more held one),
 *      looked up once per distinct property set;
 *   3. the class name of each node, interned by content, and its key:
 *      (class, location) for an object with a location, else the class.
 * Hash tables are graph/graph_map.h; while mapping, 4 bytes per node (the
 * nodes' locations) and 4 per V8 string (the name classes). O(nodes + edges
 * + locations) plus, per distinct property set, a look at the shapes that
 * start with one of its properties. Iterative, no recursion.
 * See docs/v8.md#types.
 */
#include "graph/graph_map.h"
#include "v8/v8_json.h"
#include "v8/v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define SHAPE_NAME_MAX 120 /* DevTools' MAX_INTERFACE_NAME_LENGTH (UTF-16 units) */
#define SHAPE_MIN_COUNT 2  /* MIN_OBJECT_COUNT_PER_INTERFACE */
#define SHAPE_PROPORTION 1000 /* MIN_OBJECT_PROPORTION_PER_INTERFACE */


/* Strings interned by content: id -> offset in arena; a graph_map from the
 * content hash (probing on to the next key on a collision) to the id. */
typedef struct strtab {
    sbuf arena;
    size_t *off;
    uint32_t n, cap;
    graph_map map;
} strtab;

static void strtab_release(strtab *t)
{
    free(t->arena.p);
    free(t->off);
    graph_map_release(&t->map);
    memset(t, 0, sizeof *t);
}

static const char *strtab_get(const strtab *t, uint32_t id) { return t->arena.p + t->off[id]; }

/* The id of string s[0..len), added when new; NONE when out of memory. */
static uint32_t strtab_intern(strtab *t, const char *s, size_t len)
{
    uint64_t k = hash_bytes(s, len);
    for (;; k++) {
        if (k == GRAPH_MAP_EMPTY) k = 0;
        const uint32_t *v = graph_map_find(&t->map, k);
        if (!v) break;
        const char *have = strtab_get(t, *v);
        if (strlen(have) == len && !memcmp(have, s, len)) return *v;
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        size_t *o = realloc(t->off, cap * sizeof *o);
        if (!o) return NONE;
        t->off = o;
        t->cap = cap;
    }
    bool created;
    if (!graph_map_put(&t->map, k, t->n, &created)) return NONE;
    t->off[t->n] = t->arena.n;
    if (sb_put(&t->arena, s, len) || sb_put(&t->arena, "", 1)) return NONE;
    return t->n++;
}

/* Length in UTF-16 code units (what DevTools' name limits count). */
static size_t utf16_len(const char *s, size_t n)
{
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80) u += c >= 0xF0 ? 2 : 1;
    }
    return u;
}

/* A property name as DevTools writes it in a shape: as is, or as a JSON
 * string when it holds a comma, a quote or a brace. */
static int format_prop(sbuf *out, const char *name)
{
    out->n = 0;
    if (!strpbrk(name, ",'\"{}")) return sb_put(out, name, strlen(name));
    if (sb_put(out, "\"", 1)) return -1;
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];
        const char *e = NULL;
        if (c == '"') e = "\\\"";
        else if (c == '\\') e = "\\\\";
        else if (c == '\b') e = "\\b";
        else if (c == '\f') e = "\\f";
        else if (c == '\n') e = "\\n";
        else if (c == '\r') e = "\\r";
        else if (c == '\t') e = "\\t";
        else if (c < 0x20) snprintf(esc, sizeof esc, "\\u%04x", c), e = esc;
        if (e ? sb_put(out, e, strlen(e)) : sb_put(out, p, 1)) return -1;
    }
    return sb_put(out, "\"", 1);
}

typedef struct candidate {
    uint32_t name;    /* in the class table */
    uint32_t props;   /* offset in cprops */
    uint32_t nprops;
    uint32_t count;   /* plain objects with these first properties */
    uint32_t order;   /* first sighting */
} candidate;

static int by_count(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

typedef struct ctx {
    const v8_snapshot *s;
    int t_object, t_native, t_hidden, t_code, t_closure, t_regexp;
    int e_property;
    strtab cls;            /* class names */
    /* shapes */
    uint32_t obj_name;     /* the string content "Object": a plain object's name (V8 string ids) */
    uint32_t *def_name;    /* [ndefs] class id of each shape */
    uint32_t *def_off;     /* [ndefs + 1] into def_rank */
    uint32_t *def_rank;    /* each shape's properties as ranks, sorted, unique */
    uint32_t ndefs;
    graph_map rank_of;     /* V8 string id -> property rank, NONE when in no shape */
    strtab props;          /* the shapes' property names (rank = id after sorting) */
    uint32_t *rank;        /* props id -> rank */
    uint32_t *stamp;       /* [nranks] */
    uint32_t *by_first;    /* shapes by their smallest rank: [nranks + 1] offsets into first_defs */
    uint32_t *first_defs;  /* [ndefs] shape indexes, ascending within a rank */
    uint32_t nstamp;
    graph_map shape_cls;   /* hash of a sorted rank set -> class id */
} ctx;

static const char *vstr(const v8_snapshot *s, uint32_t i) { return s->sbuf + s->soff[i]; }

static int find_node_type(const v8_snapshot *s, const char *name)
{
    for (uint32_t i = 0; i < s->node_types.n; i++)
        if (!strcmp(s->node_types.v[i], name)) return (int)i;
    return -1;
}

static bool is_plain(const ctx *c, uint32_t v)
{
    return c->s->ntype[v] == c->t_object && !strcmp(vstr(c->s, c->s->nname[v]), "Object");
}

/* 1. DevTools' propagateDOMState: *out[v] = 1 for each native node found
 * detached; NULL when the file has no DOM state. */
static int detached_nodes(const v8_snapshot *s, int t_native, uint8_t **out)
{
    *out = NULL;
    if (!s->ndetach || t_native < 0) return 0;
    const uint32_t n = s->node_count;
    bool skip[256] = {0};
    for (uint32_t i = 0; i < s->edge_types.n && i < 256; i++) {
        const char *t = s->edge_types.v[i];
        skip[i] = !strcmp(t, "hidden") || !strcmp(t, "invisible") || !strcmp(t, "weak");
    }
    uint8_t *state = malloc((size_t)n + 1), *seen = calloc((size_t)n + 1, 1), *det = calloc((size_t)n + 1, 1);
    uint32_t *att = malloc(((size_t)n + 1) * 4), *dst = malloc(((size_t)n + 1) * 4), na = 0, nd = 0;
    int rc = -1;
    if (!state || !seen || !det || !att || !dst) goto out;
    memcpy(state, s->ndetach, n);
#define PROCESS(v, st)                                                                                        \
    do {                                                                                                       \
        uint32_t v_ = (v);                                                                                     \
        if (seen[v_]) break;                                                                                   \
        seen[v_] = 1;                                                                                          \
        if (s->ntype[v_] != t_native) break;                                                                   \
        state[v_] = (st);                                                                                      \
        if ((st) == 1) att[na++] = v_;                                                                         \
        else if ((st) == 2) det[v_] = 1, dst[nd++] = v_;                                                       \
    } while (0)
    for (uint32_t v = 0; v < n; v++)
        if (s->ndetach[v]) PROCESS(v, s->ndetach[v]);
    while (na) {
        uint32_t v = att[--na];
        for (uint32_t e = s->first[v]; e < s->first[v + 1]; e++)
            if (!skip[s->etype[e]]) PROCESS(s->eto[e], 1);
    }
    while (nd) {
        uint32_t v = dst[--nd];
        if (state[v] == 1) continue;
        for (uint32_t e = s->first[v]; e < s->first[v + 1]; e++)
            if (!skip[s->etype[e]]) PROCESS(s->eto[e], 2);
    }
#undef PROCESS
    *out = det;
    det = NULL;
    rc = 0;
out:
    free(state);
    free(seen);
    free(det);
    free(att);
    free(dst);
    return rc;
}

typedef struct named {
    const char *s;
    uint32_t id;
} named;

static int by_content(const void *a, const void *b)
{
    return strcmp(((const named *)a)->s, ((const named *)b)->s);
}

/* The props table's ids sorted by content (byte order: code point order,
 * where DevTools sorts UTF-16 units; they differ only between characters
 * past U+FFFF and U+E000..U+FFFF): rank[id]. */
static int rank_props(ctx *c)
{
    uint32_t n = c->props.n;
    named *ord = malloc(((size_t)n + 1) * sizeof *ord);
    c->rank = malloc(((size_t)n + 1) * 4);
    c->stamp = calloc((size_t)n + 1, 4);
    if (!ord || !c->rank || !c->stamp) {
        free(ord);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) ord[i] = (named){strtab_get(&c->props, i), i};
    qsort(ord, n, sizeof *ord, by_content); /* contents are distinct: no ties */
    for (uint32_t i = 0; i < n; i++) c->rank[ord[i].id] = i;
    free(ord);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* 2a. The shapes DevTools infers (inferInterfaceDefinitions). */
static int infer_shapes(ctx *c)
{
    const v8_snapshot *s = c->s;
    candidate *cand = NULL;
    uint32_t ncand = 0, ccap = 0, *cprops = NULL, npr = 0, pcap = 0;
    uint32_t *props = NULL, pn = 0, pc = 0;
    graph_map by_name = {0}; /* class id of a candidate's name -> candidate */
    sbuf name = {0}, f = {0};
    uint64_t total = 0;
    int rc = -1;
    for (uint32_t v = 0; v < s->node_count; v++) {
        if (!is_plain(c, v)) continue;
        total++;
        name.n = 0;
        pn = 0;
        if (sb_put(&name, "{", 1)) goto out;
        size_t ulen = 1;
        for (uint32_t e = s->first[v]; e < s->first[v + 1]; e++) {
            if ((int)s->etype[e] != c->e_property) continue;
            const char *pname = vstr(s, s->ename[e]);
            if (!strcmp(pname, "__proto__")) continue;
            if (format_prop(&f, pname)) goto out;
            size_t fl = utf16_len(f.p, f.n);
            if (ulen > 1 && ulen + fl > SHAPE_NAME_MAX) break;
            if (ulen != 1) {
                if (sb_put(&name, ", ", 2)) goto out;
                ulen += 2;
            }
            if (sb_put(&name, f.p, f.n)) goto out;
            ulen += fl;
            if (pn == pc) {
                uint32_t cap = pc ? pc * 2 : 16;
                uint32_t *q = realloc(props, cap * 4);
                if (!q) goto out;
                props = q;
                pc = cap;
            }
            props[pn++] = s->ename[e];
        }
        if (!pn) continue;
        if (sb_put(&name, "}", 1)) goto out;
        uint32_t id = strtab_intern(&c->cls, name.p, name.n);
        if (id == NONE) goto out;
        bool created;
        uint32_t *slot = graph_map_put(&by_name, id, ncand, &created);
        if (!slot) goto out;
        if (!created) {
            cand[*slot].count++;
            continue;
        }
        if (ncand == ccap) {
            uint32_t cap = ccap ? ccap * 2 : 64;
            candidate *q = realloc(cand, cap * sizeof *q);
            if (!q) goto out;
            cand = q;
            ccap = cap;
        }
        while (npr + pn > pcap) {
            uint32_t cap = pcap ? pcap * 2 : 256;
            uint32_t *q = realloc(cprops, cap * 4);
            if (!q) goto out;
            cprops = q;
            pcap = cap;
        }
        if (pn) memcpy(cprops + npr, props, pn * 4); /* a shape without properties: nothing to copy (props may be NULL) */
        cand[ncand] = (candidate){id, npr, pn, 1, ncand};
        npr += pn;
        ncand++;
    }
    if (ncand) qsort(cand, ncand, sizeof *cand, by_count); /* cand is NULL when there is none */
    double min = (double)total / SHAPE_PROPORTION;
    if (min < SHAPE_MIN_COUNT) min = SHAPE_MIN_COUNT;
    uint32_t nd = 0;
    while (nd < ncand && (double)cand[nd].count >= min) nd++;
    /* the shapes' properties as ranks (by content), each shape's set sorted */
    uint32_t total_props = 0;
    for (uint32_t i = 0; i < nd; i++) total_props += cand[i].nprops;
    c->def_name = malloc(((size_t)nd + 1) * 4);
    c->def_off = malloc(((size_t)nd + 2) * 4);
    c->def_rank = malloc(((size_t)total_props + 1) * 4);
    if (!c->def_name || !c->def_off || !c->def_rank) goto out;
    for (uint32_t i = 0; i < nd; i++)
        for (uint32_t k = 0; k < cand[i].nprops; k++) {
            const char *p = vstr(s, cprops[cand[i].props + k]);
            if (strtab_intern(&c->props, p, strlen(p)) == NONE) goto out;
        }
    if (rank_props(c)) goto out;
    graph_map seen_set = {0}; /* a shape whose set an earlier shape has never matches (DevTools' tree keeps the first) */
    uint32_t at = 0;
    for (uint32_t i = 0; i < nd; i++) {
        uint32_t *r = c->def_rank + at;
        for (uint32_t k = 0; k < cand[i].nprops; k++) {
            const char *p = vstr(s, cprops[cand[i].props + k]);
            r[k] = c->rank[strtab_intern(&c->props, p, strlen(p))];
        }
        qsort(r, cand[i].nprops, 4, cmp_u32);
        uint32_t m = 0;
        for (uint32_t k = 0; k < cand[i].nprops; k++)
            if (!m || r[m - 1] != r[k]) r[m++] = r[k];
        uint64_t h = 0x5a4e;
        for (uint32_t k = 0; k < m; k++) h = hash_mix(h, r[k]);
        if (h == GRAPH_MAP_EMPTY) h = 0;
        bool created;
        if (!graph_map_put(&seen_set, h, i, &created)) {
            graph_map_release(&seen_set);
            goto out;
        }
        if (!created) continue;
        c->def_name[c->ndefs] = cand[i].name;
        c->def_off[c->ndefs] = at;
        c->ndefs++;
        at += m;
    }
    c->def_off[c->ndefs] = at;
    graph_map_release(&seen_set);
    /* a set can only hold a shape whose smallest property it has: index them so */
    c->by_first = calloc((size_t)c->props.n + 2, 4);
    c->first_defs = malloc(((size_t)c->ndefs + 1) * 4);
    if (!c->by_first || !c->first_defs) goto out;
    for (uint32_t d = 0; d < c->ndefs; d++) c->by_first[c->def_rank[c->def_off[d]] + 1]++;
    for (uint32_t r = 0; r < c->props.n; r++) c->by_first[r + 1] += c->by_first[r];
    for (uint32_t d = 0; d < c->ndefs; d++) c->first_defs[c->by_first[c->def_rank[c->def_off[d]]]++] = d;
    for (uint32_t r = c->props.n; r > 0; r--) c->by_first[r] = c->by_first[r - 1];
    c->by_first[0] = 0;
    rc = 0;
out:
    free(cand);
    free(cprops);
    free(props);
    free(name.p);
    free(f.p);
    graph_map_release(&by_name);
    return rc;
}

/* 2b. The class of plain object v (applyInterfaceDefinitions): the shape
 * with the most properties all of which v has, the earlier on a tie; else
 * "Object". `tmp` holds v's ranks. NONE when out of memory. */
static uint32_t shape_class(ctx *c, uint32_t v, uint32_t object_cls, uint32_t **tmp, uint32_t *tcap)
{
    const v8_snapshot *s = c->s;
    if (!c->ndefs) return object_cls;
    uint32_t n = 0;
    for (uint32_t e = s->first[v]; e < s->first[v + 1]; e++) {
        if ((int)s->etype[e] != c->e_property) continue;
        uint32_t sid = s->ename[e];
        const uint32_t *r = graph_map_find(&c->rank_of, sid);
        uint32_t rank;
        if (r) {
            rank = *r;
        } else {
            const char *p = vstr(s, sid);
            size_t len = strlen(p);
            uint64_t k = hash_bytes(p, len);
            rank = NONE;
            for (;; k++) { /* strtab lookup without inserting */
                if (k == GRAPH_MAP_EMPTY) k = 0;
                const uint32_t *id = graph_map_find(&c->props.map, k);
                if (!id) break;
                if (!strcmp(strtab_get(&c->props, *id), p)) {
                    rank = c->rank[*id];
                    break;
                }
            }
            bool created;
            if (!graph_map_put(&c->rank_of, sid, rank, &created)) return NONE;
        }
        if (rank == NONE) continue;
        if (n == *tcap) {
            uint32_t cap = *tcap ? *tcap * 2 : 64;
            uint32_t *q = realloc(*tmp, cap * 4);
            if (!q) return NONE;
            *tmp = q;
            *tcap = cap;
        }
        (*tmp)[n++] = rank;
    }
    if (!n) return object_cls;
    uint32_t *r = *tmp;
    qsort(r, n, 4, cmp_u32);
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++)
        if (!m || r[m - 1] != r[k]) r[m++] = r[k];
    uint64_t h = 0x5a4e;
    for (uint32_t k = 0; k < m; k++) h = hash_mix(h, r[k]);
    if (h == GRAPH_MAP_EMPTY) h = 0;
    const uint32_t *hit = graph_map_find(&c->shape_cls, h);
    if (hit) return *hit;
    if (++c->nstamp == 0) { /* wrapped: clear */
        memset(c->stamp, 0, (size_t)c->props.n * 4);
        c->nstamp = 1;
    }
    for (uint32_t k = 0; k < m; k++) c->stamp[r[k]] = c->nstamp;
    uint32_t best = NONE, best_n = 0;
    for (uint32_t k0 = 0; k0 < m; k0++) /* the shapes whose smallest property v has */
        for (uint32_t j = c->by_first[r[k0]]; j < c->by_first[r[k0] + 1]; j++) {
            uint32_t d = c->first_defs[j], a = c->def_off[d], b = c->def_off[d + 1];
            if (best != NONE && (b - a < best_n || (b - a == best_n && d > best))) continue; /* more, or earlier */
            bool all = true;
            for (uint32_t k = a; k < b && all; k++) all = c->stamp[c->def_rank[k]] == c->nstamp;
            if (all) best = d, best_n = b - a;
        }
    uint32_t cls = best == NONE ? object_cls : c->def_name[best];
    bool created;
    if (!graph_map_put(&c->shape_cls, h, cls, &created)) return NONE;
    return cls;
}

/* The class name of an object or native node named `name` (calculateObjectNames):
 * "<div id=x>" -> "<div>", likewise after "Detached ". */
static uint32_t element_class(ctx *c, const char *name, bool detached, sbuf *tmp)
{
    tmp->n = 0;
    if ((detached && sb_put(tmp, "Detached ", 9)) || sb_put(tmp, name, strlen(name))) return NONE;
    size_t from = 0;
    if (tmp->p[0] == '<') from = 1;
    else if (!strncmp(tmp->p, "Detached <", 10)) from = 10;
    if (from) {
        char *sp = strchr(tmp->p + from, ' ');
        if (sp) {
            tmp->n = (size_t)(sp - tmp->p);
            if (sb_put(tmp, ">", 1)) return NONE;
        }
    }
    return strtab_intern(&c->cls, tmp->p, tmp->n);
}

void v8_types_release(v8_types *t)
{
    free(t->node_type);
    free(t->names);
    free(t->name_off);
    memset(t, 0, sizeof *t);
}

int v8_map_types(const v8_snapshot *s, v8_types *t, char err[V8_ERR_MAX])
{
    memset(t, 0, sizeof *t);
    const uint32_t n = s->node_count;
    ctx c = {0};
    c.s = s;
    c.t_object = find_node_type(s, "object");
    c.t_native = find_node_type(s, "native");
    c.t_hidden = find_node_type(s, "hidden");
    c.t_code = find_node_type(s, "code");
    c.t_closure = find_node_type(s, "closure");
    c.t_regexp = find_node_type(s, "regexp");
    c.e_property = -1;
    for (uint32_t i = 0; i < s->edge_types.n; i++)
        if (!strcmp(s->edge_types.v[i], "property")) c.e_property = (int)i;
    uint8_t *det = NULL;
    uint32_t fixed[256], *tmp = NULL, tcap = 0, *type_cls = NULL, *type_loc = NULL, tycap = 0, nty = 0;
    graph_map name_cls = {0}, loc_a = {0}, loc_b = {0}, key_type = {0}, scripts = {0};
    uint32_t *locs = NULL, nlocs = 0, lcap = 0; /* distinct locations: indexes into s->locations */
    uint32_t *node_loc = NULL; /* [n] each object node's distinct location (the last given), or NONE */
    uint32_t *per_cls = NULL, *str_cls = NULL, *cls_type = NULL, ctcap = 0;
    sbuf b = {0}, names = {0};
    strtab seen_names = {0}; /* the located names given so far */
    int rc = -1;
    if (detached_nodes(s, c.t_native, &det)) goto nomem;
    /* the fixed class of each V8 node type (NONE: by the node's name) */
    for (uint32_t i = 0; i < s->node_types.n && i < 256; i++) {
        const char *nm = NULL;
        char paren[300];
        if ((int)i == c.t_object || (int)i == c.t_native) {
            fixed[i] = NONE;
            continue;
        }
        if ((int)i == c.t_hidden) nm = "(system)";
        else if ((int)i == c.t_code) nm = "(compiled code)";
        else if ((int)i == c.t_closure) nm = "Function";
        else if ((int)i == c.t_regexp) nm = "RegExp";
        else snprintf(paren, sizeof paren, "(%s)", s->node_types.v[i]), nm = paren;
        if ((fixed[i] = strtab_intern(&c.cls, nm, strlen(nm))) == NONE) goto nomem;
    }
    uint32_t object_cls = strtab_intern(&c.cls, "Object", 6);
    if (object_cls == NONE) goto nomem;
    if (c.t_object >= 0 && c.e_property >= 0 && infer_shapes(&c)) goto nomem;
    t->shapes = c.ndefs;
    /* each object node's location: the last given (DevTools' location map) */
    for (uint32_t l = 0; l < s->nlocations; l++) {
        const v8_location *loc = &s->locations[l];
        if ((int)s->ntype[loc->node] != c.t_object) continue;
        uint64_t k = (uint64_t)loc->script_id << 32 | loc->line;
        bool created;
        uint32_t *a = graph_map_put(&loc_a, k, (uint32_t)loc_a.n, &created);
        if (!a) goto nomem;
        uint32_t *id = graph_map_put(&loc_b, (uint64_t)*a << 32 | loc->column, nlocs, &created);
        if (!id) goto nomem;
        if (created) {
            if (nlocs == lcap) {
                uint32_t cap = lcap ? lcap * 2 : 256;
                uint32_t *q = realloc(locs, cap * 4);
                if (!q) goto nomem;
                locs = q;
                lcap = cap;
            }
            locs[nlocs++] = l;
        }
        if (!node_loc) {
            if (!(node_loc = malloc(((size_t)n + 1) * 4))) goto nomem;
            for (uint32_t v = 0; v < n; v++) node_loc[v] = NONE;
        }
        node_loc[loc->node] = *id;
    }
    if (!(t->node_type = malloc(((size_t)n + 1) * sizeof *t->node_type)) ||
        !(str_cls = malloc(((size_t)s->nstrings + 1) * 4)))
        goto nomem;
    for (uint32_t i = 0; i < s->nstrings; i++) str_cls[i] = NONE;
    for (uint32_t v = 0; v < n; v++) {
        uint8_t nt = s->ntype[v];
        uint32_t cls = fixed[nt];
        if (cls == NONE) {
            bool d = det && det[v];
            if (!d && is_plain(&c, v)) {
                cls = shape_class(&c, v, object_cls, &tmp, &tcap);
                if (cls != object_cls) t->shaped++;
            } else if (!d) { /* by the name's string id: an array, nodes are many */
                uint32_t *slot = &str_cls[s->nname[v]];
                if (*slot == NONE) *slot = element_class(&c, vstr(s, s->nname[v]), false, &b);
                cls = *slot;
            } else {
                bool created;
                uint32_t *slot = graph_map_put(&name_cls, s->nname[v], NONE, &created);
                if (!slot) goto nomem;
                if (created) *slot = element_class(&c, vstr(s, s->nname[v]), true, &b);
                cls = *slot;
            }
            if (d) t->detached++;
            if (cls == NONE) goto nomem;
        }
        uint32_t loc = NONE;
        if (node_loc) loc = node_loc[v]; /* only object nodes have one */
        bool created;
        uint32_t *ty;
        if (loc == NONE) { /* most nodes: by class, an array */
            if (cls >= ctcap) {
                uint32_t cap = c.cls.n * 2 + 64;
                uint32_t *q = realloc(cls_type, (size_t)cap * 4);
                if (!q) goto nomem;
                for (uint32_t k = ctcap; k < cap; k++) q[k] = NONE;
                cls_type = q;
                ctcap = cap;
            }
            ty = &cls_type[cls];
            created = *ty == NONE;
            if (created) *ty = nty;
        } else {
            ty = graph_map_put(&key_type, (uint64_t)cls << 32 | loc, nty, &created);
            if (!ty) goto nomem;
        }
        if (created) {
            if (nty == tycap) {
                uint32_t cap = tycap ? tycap * 2 : 256;
                uint32_t *q1 = realloc(type_cls, cap * 4);
                if (q1) type_cls = q1;
                uint32_t *q2 = q1 ? realloc(type_loc, cap * 4) : NULL;
                if (q2) type_loc = q2;
                if (!q1 || !q2) goto nomem;
                tycap = cap;
            }
            type_cls[nty] = cls;
            type_loc[nty] = loc;
            nty++;
        }
        t->node_type[v] = *ty;
    }
    /* names: the class, and where when a class name has several types */
    if (!(per_cls = calloc((size_t)c.cls.n + 1, 4)) || !(t->name_off = malloc(((size_t)nty + 1) * sizeof *t->name_off)))
        goto nomem;
    bool ambiguous = false;
    for (uint32_t i = 0; i < nty; i++) ambiguous |= ++per_cls[type_cls[i]] > 1;
    if (ambiguous && v8_script_names(s, &scripts)) goto nomem;
    for (uint32_t i = 0; i < nty; i++) {
        const char *nm = strtab_get(&c.cls, type_cls[i]);
        t->name_off[i] = names.n;
        if (sb_put(&names, nm, strlen(nm))) goto nomem;
        if (per_cls[type_cls[i]] > 1 && type_loc[i] != NONE) {
            const v8_location *loc = &s->locations[locs[type_loc[i]]];
            const uint32_t *sn = graph_map_find(&scripts, loc->script_id);
            char where[64];
            if (sb_put(&names, " (", 2)) goto nomem;
            if (sn) {
                const char *script = vstr(s, *sn);
                if (sb_put(&names, script, strlen(script))) goto nomem;
            } else {
                snprintf(where, sizeof where, "script %u", loc->script_id);
                if (sb_put(&names, where, strlen(where))) goto nomem;
            }
            snprintf(where, sizeof where, ":%u:%u)", loc->line + 1, loc->column + 1);
            if (sb_put(&names, where, strlen(where))) goto nomem;
            /* two scripts of one name (a file loaded twice): the script id tells them apart */
            const char *full = names.p + t->name_off[i];
            size_t before = seen_names.n;
            uint32_t id = strtab_intern(&seen_names, full, strlen(full));
            if (id == NONE) goto nomem;
            if (seen_names.n == before) {
                snprintf(where, sizeof where, " [script %u]", loc->script_id);
                if (sb_put(&names, where, strlen(where))) goto nomem;
            }
        }
        if (sb_put(&names, "", 1)) goto nomem;
    }
    if (!names.p && sb_put(&names, "", 0)) goto nomem;
    t->names = names.p;
    names.p = NULL;
    t->ntypes = nty;
    rc = 0;
    goto out;
nomem:
    snprintf(err, V8_ERR_MAX, "out of memory mapping node types");
    v8_types_release(t);
out:
    free(det);
    free(tmp);
    free(type_cls);
    free(type_loc);
    free(locs);
    free(per_cls);
    free(str_cls);
    free(cls_type);
    free(b.p);
    free(names.p);
    graph_map_release(&name_cls);
    free(node_loc);
    graph_map_release(&loc_a);
    graph_map_release(&loc_b);
    graph_map_release(&key_type);
    graph_map_release(&scripts);
    strtab_release(&c.cls);
    strtab_release(&seen_names);
    strtab_release(&c.props);
    free(c.def_name);
    free(c.def_off);
    free(c.def_rank);
    free(c.rank);
    free(c.stamp);
    free(c.by_first);
    free(c.first_defs);
    graph_map_release(&c.rank_of);
    graph_map_release(&c.shape_cls);
    return rc;
}
