/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_read.c — v8_read_file(): a streaming reader of V8 heap
 * snapshots over the JSON tokenizer of v8_json.c (no DOM): snapshot.meta gives the field layout (node_fields, node_types,
 * edge_fields, edge_types; no position is hard-coded), the flat `nodes` and
 * `edges` integer arrays go straight into compact per-field arrays, and
 * `strings` into one arena. Everything else (locations, trace_*, samples)
 * is skipped, unless v8_read_file_ex() is asked for V8_READ_SITES: then
 * trace_function_infos and locations go through the same integer-array
 * loop, trace_tree (nested arrays) is flattened in pre-order on an explicit
 * stack, and each node's trace_node_id is kept (its array allocated only
 * once a non-zero value appears). Memory is proportional to the graph, not
 * to the text.
 * Validation: JSON syntax, required meta fields, declared counts against
 * what the arrays hold, sum of edge_count against the edges, every to_node a
 * multiple of the node field count and in range, every type and string
 * index in range; with sites, also every trace node's function info, every
 * location's object_index, every referenced trace node id. Errors are one
 * line naming the problem and byte offset.
 * Nesting (in skipped values) uses an explicit stack; no recursion.
 * See docs/v8.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "v8/v8_json.h"
#include "v8/v8_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define V8_MAX_COUNT (UINT32_MAX - 8u)
#define V8_MAX_FIELDS 64u /* fields per node or edge record */

static void names_free(v8_names *n)
{
    for (uint32_t i = 0; i < n->n; i++) free(n->v[i]);
    free(n->v);
    n->v = NULL;
    n->n = 0;
}

static int names_add(jr *r, v8_names *n, const char *s)
{
    char **v = realloc(n->v, (n->n + 1) * sizeof *v);
    if (!v) return jr_fail(r, "out of memory");
    n->v = v;
    if (!(v[n->n] = strdup(s))) return jr_fail(r, "out of memory");
    n->n++;
    return 0;
}

static int names_find(const v8_names *n, const char *s)
{
    for (uint32_t i = 0; i < n->n; i++)
        if (!strcmp(n->v[i], s)) return (int)i;
    return -1;
}

static int jr_names(jr *r, v8_names *out, sbuf *tmp)
{
    names_free(out);
    int k = jr_open(r, '[', "'['");
    while (k > 0) {
        if (jr_string(r, tmp) || names_add(r, out, tmp->p)) return -1;
        k = jr_more(r, ']');
    }
    return k;
}

/* node_types / edge_types: per field, an enum (array of names) or a word.
 * Kept: every enum, by field position (n = 0 where the field has none). */
typedef struct typelists {
    v8_names *l;
    uint32_t n;
} typelists;

static void typelists_free(typelists *t)
{
    for (uint32_t i = 0; i < t->n; i++) names_free(&t->l[i]);
    free(t->l);
    t->l = NULL;
    t->n = 0;
}

static int jr_typelists(jr *r, typelists *t, sbuf *tmp)
{
    typelists_free(t);
    int k = jr_open(r, '[', "'['");
    while (k > 0) {
        v8_names *l = realloc(t->l, (t->n + 1) * sizeof *l);
        if (!l) return jr_fail(r, "out of memory");
        t->l = l;
        memset(&l[t->n], 0, sizeof *l);
        t->n++;
        if (jr_ws(r) == '[') {
            if (jr_names(r, &l[t->n - 1], tmp) < 0) return -1;
        } else if (jr_skip(r)) {
            return -1;
        }
        k = jr_more(r, ']');
    }
    return k;
}

/* What parse_int_array stores: the kind of record. */
enum { REC_NODE, REC_EDGE, REC_TINFO, REC_LOC };

typedef struct v8_parse {
    jr r;
    v8_snapshot *s;
    sbuf tmp;
    unsigned flags;             /* V8_READ_* */
    bool have_meta, have_nodes, have_edges, have_strings;
    bool have_tinfos, have_ttree; /* kept (V8_READ_SITES, section and its meta fields present) */
    uint64_t have_node_count, have_edge_count; /* 1 + value, 0 when absent */
    typelists ntl, etl;
    uint32_t nf, ef;            /* field counts */
    int f_type, f_name, f_id, f_size, f_edges; /* node field positions */
    int e_type, e_name, e_to;   /* edge field positions */
    uint64_t nodes_at, edges_at;
    uint64_t file_size;         /* bytes, from fstat (0 when unknown) */
    size_t ncap, ecap, scap, socap;
    /* allocation sites (V8_READ_SITES only) */
    v8_names tif, tnf, lf;      /* meta: trace_function_info_fields, trace_node_fields, location_fields */
    int f_trace;                /* node field trace_node_id, -1: not kept */
    int ti_name, ti_script_name, ti_script_id, ti_line; /* trace function info field positions */
    int l_node, l_script, l_line, l_col; /* location field positions (l_col -1: none) */
    int f_detach;               /* node field detachedness, -1: none */
    uint64_t tinfos_at, ttree_at, locs_at;
    size_t ticap, tncap, lcap;
    /* duplicate node ids: none while ids only increase (the usual V8 order);
     * after the first that does not, a set of node indexes keyed by id */
    bool ids_unsorted;
    uint64_t last_id;
    uint32_t *idset; /* node + 1, 0 = empty */
    uint32_t idset_cap, idset_n;
} v8_parse;

static int parse_meta(v8_parse *p)
{
    jr *r = &p->r;
    int k = jr_open(r, '{', "'{' (snapshot.meta)");
    while (k > 0) {
        if (jr_string(r, &p->tmp) || jr_expect(r, ':', "':'")) return -1;
        int rc;
        if (!strcmp(p->tmp.p, "node_fields")) rc = jr_names(r, &p->s->node_fields, &p->tmp);
        else if (!strcmp(p->tmp.p, "edge_fields")) rc = jr_names(r, &p->s->edge_fields, &p->tmp);
        else if (!strcmp(p->tmp.p, "node_types")) rc = jr_typelists(r, &p->ntl, &p->tmp);
        else if (!strcmp(p->tmp.p, "edge_types")) rc = jr_typelists(r, &p->etl, &p->tmp);
        else if ((p->flags & (V8_READ_SITES | V8_READ_LOCATIONS)) && !strcmp(p->tmp.p, "location_fields"))
            rc = jr_names(r, &p->lf, &p->tmp);
        else if (!(p->flags & V8_READ_SITES)) rc = jr_skip(r);
        else if (!strcmp(p->tmp.p, "trace_function_info_fields")) rc = jr_names(r, &p->tif, &p->tmp);
        else if (!strcmp(p->tmp.p, "trace_node_fields")) rc = jr_names(r, &p->tnf, &p->tmp);
        else rc = jr_skip(r);
        if (rc < 0) return -1;
        k = jr_more(r, '}');
    }
    if (k < 0) return -1;
    v8_snapshot *s = p->s;
    p->f_trace = p->flags & V8_READ_SITES ? names_find(&s->node_fields, "trace_node_id") : -1;
    p->f_detach = names_find(&s->node_fields, "detachedness");
    static const char *const nreq[] = {"type", "name", "id", "self_size", "edge_count"};
    static const char *const ereq[] = {"type", "name_or_index", "to_node"};
    int *npos[] = {&p->f_type, &p->f_name, &p->f_id, &p->f_size, &p->f_edges};
    int *epos[] = {&p->e_type, &p->e_name, &p->e_to};
    for (int i = 0; i < 5; i++)
        if ((*npos[i] = names_find(&s->node_fields, nreq[i])) < 0)
            return jr_fail(r, "snapshot.meta.node_fields lacks '%s'", nreq[i]);
    for (int i = 0; i < 3; i++)
        if ((*epos[i] = names_find(&s->edge_fields, ereq[i])) < 0)
            return jr_fail(r, "snapshot.meta.edge_fields lacks '%s'", ereq[i]);
    if ((uint32_t)p->f_type >= p->ntl.n || !p->ntl.l[p->f_type].n)
        return jr_fail(r, "snapshot.meta.node_types lacks the enum of node types");
    if ((uint32_t)p->e_type >= p->etl.n || !p->etl.l[p->e_type].n)
        return jr_fail(r, "snapshot.meta.edge_types lacks the enum of edge types");
    if (p->ntl.l[p->f_type].n > 255 || p->etl.l[p->e_type].n > 255)
        return jr_fail(r, "snapshot.meta declares more than 255 node or edge types");
    s->node_types = p->ntl.l[p->f_type];
    p->ntl.l[p->f_type] = (v8_names){0};
    s->edge_types = p->etl.l[p->e_type];
    p->etl.l[p->e_type] = (v8_names){0};
    static const char *const cls[] = {"", "element", "hidden", "weak", "shortcut", "internal", "property", "context"};
    for (uint32_t i = 0; i < s->edge_types.n; i++)
        for (uint8_t c = 1; c < sizeof cls / sizeof cls[0]; c++)
            if (!strcmp(s->edge_types.v[i], cls[c])) s->edge_class[i] = c;
    p->nf = s->node_fields.n;
    p->ef = s->edge_fields.n;
    if (p->nf > V8_MAX_FIELDS || p->ef > V8_MAX_FIELDS)
        return jr_fail(r, "snapshot.meta declares more than %u node or edge fields", V8_MAX_FIELDS);
    p->have_meta = true;
    return 0;
}

static int parse_snapshot(v8_parse *p)
{
    jr *r = &p->r;
    int k = jr_open(r, '{', "'{' (snapshot)");
    while (k > 0) {
        if (jr_string(r, &p->tmp) || jr_expect(r, ':', "':'")) return -1;
        int rc;
        uint64_t v;
        if (!strcmp(p->tmp.p, "meta")) rc = p->have_meta ? jr_fail(r, "snapshot.meta appears twice") : parse_meta(p);
        else if (!strcmp(p->tmp.p, "node_count")) rc = jr_uint(r, &v), p->have_node_count = v + 1, p->s->meta_node_count = v;
        else if (!strcmp(p->tmp.p, "edge_count")) rc = jr_uint(r, &v), p->have_edge_count = v + 1, p->s->meta_edge_count = v;
        else rc = jr_skip(r);
        if (rc < 0) return -1;
        k = jr_more(r, '}');
    }
    return k < 0 ? -1 : 0;
}

#define GROW(arr, cap, type_)                                                                                 \
    do {                                                                                                       \
        void *q_ = realloc((arr), (cap) * sizeof(type_));                                                      \
        if (!q_) return jr_fail(r, "out of memory");                                                           \
        (arr) = q_;                                                                                            \
    } while (0)

static int grow_nodes(v8_parse *p, size_t need)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (need <= p->ncap) return 0;
    size_t cap = p->ncap ? p->ncap * 2 : 1024;
    if (cap < need) cap = need;
    GROW(s->ntype, cap, uint8_t);
    GROW(s->nname, cap, uint32_t);
    GROW(s->nid, cap, uint64_t);
    GROW(s->nsize, cap, uint64_t);
    GROW(s->first, cap + 1, uint32_t);
    if (s->ntrace) {
        GROW(s->ntrace, cap, uint32_t);
        memset(s->ntrace + p->ncap, 0, (cap - p->ncap) * sizeof *s->ntrace);
    }
    if (s->ndetach) {
        GROW(s->ndetach, cap, uint8_t);
        memset(s->ndetach + p->ncap, 0, cap - p->ncap);
    }
    p->ncap = cap;
    return 0;
}

/* A node's non-zero trace_node_id (V8_READ_SITES): the array is allocated
 * at the first one, so a snapshot without allocation tracking costs nothing.
 * Ids become trace_nodes indexes once the tree is read (resolve_trace_ids). */
static int put_trace_id(v8_parse *p, uint32_t node, uint64_t id, uint64_t at)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (id > UINT32_MAX) return jr_fail_at(r, at, "node %u: trace_node_id too large", node);
    if (!s->ntrace && !(s->ntrace = calloc(p->ncap, sizeof *s->ntrace))) return jr_fail(r, "out of memory");
    s->ntrace[node] = (uint32_t)id;
    return 0;
}

static int grow_edges(v8_parse *p, size_t need)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (need <= p->ecap) return 0;
    size_t cap = p->ecap ? p->ecap * 2 : 4096;
    if (cap < need) cap = need;
    GROW(s->etype, cap, uint8_t);
    GROW(s->ename, cap, uint32_t);
    GROW(s->eto, cap, uint32_t);
    p->ecap = cap;
    return 0;
}

/* The declared count, when the file is big enough to hold it (each value
 * takes at least two bytes of text): the arrays are sized once. A count no
 * file of this size can hold is not trusted (the mismatch is reported when
 * the array ends). */
static size_t planned(const v8_parse *p, uint64_t have_count, uint32_t fields)
{
    if (!have_count) return 0;
    uint64_t want = have_count - 1;
    if (want > V8_MAX_COUNT || want * fields * 2 > p->file_size) return 0;
    return (size_t)want;
}

static uint32_t id_slot(uint64_t id, uint32_t cap) { return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1); }

/* Add `node` (whose id is already stored) to the id set; the node already
 * holding its id, or UINT32_MAX. Grows the set (capacity a power of two,
 * at most half full); -1 in *nomem when that fails. */
static uint32_t idset_add(v8_parse *p, uint32_t node, int *nomem)
{
    const uint64_t *nid = p->s->nid;
    if ((uint64_t)(p->idset_n + 1) * 2 > p->idset_cap) {
        uint32_t cap = p->idset_cap ? p->idset_cap * 2 : 1024;
        uint32_t *t = cap ? calloc(cap, sizeof *t) : NULL;
        if (!t) {
            *nomem = -1;
            return UINT32_MAX;
        }
        for (uint32_t i = 0; i < p->idset_cap; i++) {
            if (!p->idset[i]) continue;
            uint32_t k = id_slot(nid[p->idset[i] - 1], cap);
            while (t[k]) k = (k + 1) & (cap - 1);
            t[k] = p->idset[i];
        }
        free(p->idset);
        p->idset = t;
        p->idset_cap = cap;
    }
    uint32_t k = id_slot(nid[node], p->idset_cap);
    while (p->idset[k]) {
        if (nid[p->idset[k] - 1] == nid[node]) return p->idset[k] - 1;
        k = (k + 1) & (p->idset_cap - 1);
    }
    p->idset[k] = node + 1;
    p->idset_n++;
    return UINT32_MAX;
}

/* Node ids must be unique (they become block addresses): checked as the
 * nodes arrive, so the error names the byte of the second id. */
static int check_node_id(v8_parse *p, uint32_t node, uint64_t at)
{
    uint64_t id = p->s->nid[node];
    if (!p->ids_unsorted) {
        if (node == 0 || id > p->last_id) {
            p->last_id = id;
            return 0;
        }
        p->ids_unsorted = true; /* index the strictly increasing prefix: no duplicates in it */
        int nomem = 0;
        for (uint32_t i = 0; i < node && !nomem; i++) (void)idset_add(p, i, &nomem);
        if (nomem) return jr_fail(&p->r, "out of memory");
    }
    int nomem = 0;
    uint32_t other = idset_add(p, node, &nomem);
    if (nomem) return jr_fail(&p->r, "out of memory");
    if (other != UINT32_MAX)
        return jr_fail_at(&p->r, at, "duplicate node id %llu (nodes %u and %u)", (unsigned long long)id, other, node);
    return 0;
}

/* Store one complete node record (vals[0..nf-1]); at[] are the values' offsets. */
static inline int put_node(v8_parse *p, uint32_t node, const uint64_t *vals, const uint64_t *at)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    uint64_t t = vals[p->f_type], nm = vals[p->f_name], ec = vals[p->f_edges];
    if (t >= s->node_types.n)
        return jr_fail_at(r, at[p->f_type], "node %u: type %llu is not in meta.node_types", node, (unsigned long long)t);
    if (nm > UINT32_MAX) return jr_fail_at(r, at[p->f_name], "node %u: name index too large", node);
    if (ec > UINT32_MAX) return jr_fail_at(r, at[p->f_edges], "node %u: edge_count too large", node);
    if (node >= p->ncap && grow_nodes(p, (size_t)node + 1)) return -1;
    s->ntype[node] = (uint8_t)t;
    s->nname[node] = (uint32_t)nm;
    s->nid[node] = vals[p->f_id];
    if (check_node_id(p, node, at[p->f_id])) return -1;
    s->nsize[node] = vals[p->f_size];
    s->first[node] = (uint32_t)ec; /* made a prefix sum once the edges are read */
    if (p->f_trace >= 0 && vals[p->f_trace] && put_trace_id(p, node, vals[p->f_trace], at[p->f_trace])) return -1;
    if (p->f_detach >= 0 && (vals[p->f_detach] & 3)) { /* DevTools' DOM link state: the low two bits */
        if (!s->ndetach && !(s->ndetach = calloc(p->ncap, 1))) return jr_fail(r, "out of memory");
        s->ndetach[node] = (uint8_t)(vals[p->f_detach] & 3);
    }
    return 0;
}

static inline int put_edge(v8_parse *p, uint32_t edge, const uint64_t *vals, const uint64_t *at)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    uint64_t t = vals[p->e_type], nm = vals[p->e_name], to = vals[p->e_to];
    if (t >= s->edge_types.n)
        return jr_fail_at(r, at[p->e_type], "edge %u: type %llu is not in meta.edge_types", edge, (unsigned long long)t);
    if (nm > UINT32_MAX) return jr_fail_at(r, at[p->e_name], "edge %u: name_or_index too large", edge);
    if (to % p->nf)
        return jr_fail_at(r, at[p->e_to], "edge %u: to_node %llu is not a multiple of the node field count %u", edge,
                          (unsigned long long)to, p->nf);
    if (to / p->nf >= s->node_count)
        return jr_fail_at(r, at[p->e_to], "edge %u: to_node %llu is out of range (%u nodes)", edge,
                          (unsigned long long)to, s->node_count);
    if (edge >= p->ecap && grow_edges(p, (size_t)edge + 1)) return -1;
    s->etype[edge] = (uint8_t)t;
    s->ename[edge] = (uint32_t)nm;
    s->eto[edge] = (uint32_t)(to / p->nf);
    return 0;
}

/* A record of trace_function_infos or locations (V8_READ_SITES). */
static int put_site_rec(v8_parse *p, int kind, uint32_t i, const uint64_t *vals, const uint64_t *at)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (kind == REC_TINFO) {
        const int pos[] = {p->ti_name, p->ti_script_name, p->ti_script_id, p->ti_line};
        static const char *const what[] = {"name", "script_name", "script_id", "line"};
        for (int k = 0; k < 4; k++)
            if (vals[pos[k]] > UINT32_MAX)
                return jr_fail_at(r, at[pos[k]], "trace function info %u: %s too large", i, what[k]);
        if (i >= p->ticap) {
            size_t cap = p->ticap ? p->ticap * 2 : 256;
            GROW(s->trace_infos, cap, v8_trace_info);
            p->ticap = cap;
        }
        s->trace_infos[i] = (v8_trace_info){(uint32_t)vals[p->ti_name], (uint32_t)vals[p->ti_script_name],
                                            (uint32_t)vals[p->ti_script_id], (uint32_t)vals[p->ti_line]};
        return 0;
    }
    uint64_t obj = vals[p->l_node], sid = vals[p->l_script], line = vals[p->l_line];
    uint64_t col = p->l_col >= 0 ? vals[p->l_col] : 0;
    if (obj % p->nf)
        return jr_fail_at(r, at[p->l_node], "location %u: object_index %llu is not a multiple of the node field count %u",
                          i, (unsigned long long)obj, p->nf);
    if (obj / p->nf >= s->node_count)
        return jr_fail_at(r, at[p->l_node], "location %u: object_index %llu is out of range (%u nodes)", i,
                          (unsigned long long)obj, s->node_count);
    if (sid > UINT32_MAX) return jr_fail_at(r, at[p->l_script], "location %u: script_id too large", i);
    if (line >= UINT32_MAX) return jr_fail_at(r, at[p->l_line], "location %u: line too large", i);
    if (col >= UINT32_MAX) return jr_fail_at(r, at[p->l_col], "location %u: column too large", i);
    if (i >= p->lcap) {
        size_t cap = p->lcap ? p->lcap * 2 : 1024;
        GROW(s->locations, cap, v8_location);
        p->lcap = cap;
    }
    s->locations[i] = (v8_location){(uint32_t)(obj / p->nf), (uint32_t)sid, (uint32_t)line, (uint32_t)col};
    return 0;
}

/* The body of a flat array of non-negative integers ('[' already eaten),
 * records of `nf` values stored by put_node/put_edge as each completes. One
 * pass over the read buffer with the number's state carried across refills;
 * strict JSON (no leading zeros, no fractions, one ',' between values).
 * *nvals gets the number of values, *nrec the complete records. */
static inline __attribute__((always_inline)) int parse_int_array(v8_parse *p, int kind, uint32_t nf, uint64_t *nvals, uint32_t *nrec)
{
    jr *r = &p->r;
    uint64_t vals[V8_MAX_FIELDS], at[V8_MAX_FIELDS];
    uint64_t v = 0, count = 0;
    uint32_t nd = 0, field = 0, rec = 0;
    bool gap = false;      /* whitespace after the digits of a number */
    bool want = false;     /* after a ',': a number must follow */
    for (;;) {
        if (r->pos >= r->len && jr_peek(r) < 0) {
            *nvals = count;
            return jr_fail(r, "truncated JSON: end of file inside an array");
        }
        const unsigned char *b = r->buf;
        size_t i = r->pos, len = r->len;
        for (; i < len; i++) {
            unsigned c = b[i];
            unsigned d = c - '0';
            if (d < 10) {
                if (gap) {r->pos = i; goto bad_sep;}
                if (!nd) { /* a whole number at once; buf[len] is a NUL sentinel */
                    at[field] = r->base + i;
                    size_t j = i + 1;
                    v = d;
                    while ((d = (unsigned)b[j] - '0') < 10) v = v * 10 + d, j++;
                    nd = (uint32_t)(j - i);
                    if (nd > 1 && b[i] == '0') {r->pos = i; goto bad_zero;}
                    if (nd > 19) {r->pos = i; goto too_large;}
                    i = j - 1;
                    continue;
                }
                if (v == 0) {r->pos = i; goto bad_zero;} /* a number split by a refill */
                if (++nd > 19) {r->pos = i; goto too_large;}
                v = v * 10 + d;
                continue;
            }
            if (c == ',' || c == ']') {
                if (!nd) {
                    if (c == ']' && !want && !count) { /* [] */
                        r->pos = i + 1;
                        *nvals = 0;
                        *nrec = 0;
                        return 0;
                    }
                    r->pos = i;
                    return jr_fail(r, c == ',' || want ? "bad JSON: expected a value" : "bad JSON: expected a non-negative integer");
                }
                vals[field] = v;
                count++;
                if (++field == nf) {
                    r->pos = i;
                    if (kind == REC_NODE   ? put_node(p, rec, vals, at)
                        : kind == REC_EDGE ? put_edge(p, rec, vals, at)
                                           : put_site_rec(p, kind, rec, vals, at))
                        return -1;
                    if (++rec >= V8_MAX_COUNT) {
                        static const char *const what[] = {"nodes", "edges", "trace function infos", "locations"};
                        return jr_fail(r, "too many %s", what[kind]);
                    }
                    field = 0;
                }
                v = 0;
                nd = 0;
                gap = false;
                want = c == ',';
                if (c == ']') {
                    r->pos = i + 1;
                    *nvals = count;
                    *nrec = rec;
                    return 0;
                }
                continue;
            }
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                if (nd) gap = true;
                continue;
            }
            r->pos = i;
            if (nd && (c == '.' || c == 'e' || c == 'E')) return jr_fail(r, "expected an integer, found a fraction or exponent");
            if (nd) {r->pos = i; goto bad_sep;}
            return jr_fail(r, "bad JSON: expected a non-negative integer");
        }
        r->pos = i;
    }
bad_sep:
    return jr_fail(r, "bad JSON: expected ',' or ']'");
bad_zero:
    return jr_fail(r, "bad JSON: a number with a leading zero");
too_large:
    return jr_fail(r, "number too large");
}

static int parse_nodes(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (!p->have_meta) return jr_fail(r, "'nodes' before snapshot.meta (missing meta)");
    p->nodes_at = jr_off(r);
    if (jr_expect(r, '[', "'[' (nodes)")) return -1;
    size_t plan = planned(p, p->have_node_count, p->nf);
    if (plan && grow_nodes(p, plan)) return -1;
    uint64_t nv = 0;
    uint32_t node = 0;
    /* records are stored as they complete: node_count is the bound check for to_node, set after */
    if (parse_int_array(p, REC_NODE, p->nf, &nv, &node)) return -1;
    if (nv % p->nf)
        return jr_fail(r, "nodes array length %llu is not a multiple of the node field count %u", (unsigned long long)nv, p->nf);
    s->node_count = node;
    if (p->have_node_count && s->meta_node_count != node)
        return jr_fail(r, "snapshot.node_count is %llu but the nodes array holds %u nodes", (unsigned long long)s->meta_node_count, node);
    if (!node) return jr_fail(r, "the nodes array is empty (no synthetic root)");
    p->have_nodes = true;
    free(p->idset); /* the id check is done: before the edges allocate */
    p->idset = NULL;
    p->idset_cap = p->idset_n = 0;
    return 0;
}

static int parse_edges(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (!p->have_nodes) return jr_fail(r, "'edges' before 'nodes'");
    p->edges_at = jr_off(r);
    if (jr_expect(r, '[', "'[' (edges)")) return -1;
    size_t plan = planned(p, p->have_edge_count, p->ef);
    if (plan && grow_edges(p, plan)) return -1;
    uint64_t nv = 0;
    uint32_t edge = 0;
    if (parse_int_array(p, REC_EDGE, p->ef, &nv, &edge)) return -1;
    if (nv % p->ef)
        return jr_fail(r, "edges array length %llu is not a multiple of the edge field count %u", (unsigned long long)nv, p->ef);
    s->edge_count = edge;
    if (p->have_edge_count && s->meta_edge_count != edge)
        return jr_fail(r, "snapshot.edge_count is %llu but the edges array holds %u edges", (unsigned long long)s->meta_edge_count, edge);
    uint64_t sum = 0;
    for (uint32_t n = 0; n < s->node_count; n++) sum += s->first[n];
    if (sum != edge)
        return jr_fail(r, "the nodes' edge_count fields add up to %llu but the edges array holds %u edges", (unsigned long long)sum, edge);
    uint32_t at = 0;
    for (uint32_t n = 0; n < s->node_count; n++) {
        uint32_t c = s->first[n];
        s->first[n] = at;
        at += c;
    }
    s->first[s->node_count] = at;
    p->have_edges = true;
    return 0;
}

/* Which strings the snapshot uses, when the strings come after everything
 * that refers to them (V8 writes them last): names of nodes whose name is
 * not a value, edge names, trace function names and script names. NULL
 * (keep all) when not known yet, or on out of memory. Indexes past what
 * the file could hold are left to check_indexes. */
static uint8_t *used_strings(v8_parse *p, uint64_t *nbits)
{
    const v8_snapshot *s = p->s;
    if (!p->have_nodes || !p->have_edges || !p->file_size) return NULL;
    if ((p->flags & V8_READ_SITES) && p->tif.n && !p->have_tinfos) return NULL;
    uint64_t n = p->file_size / 3 + 1; /* "", is three bytes */
    uint8_t *u = calloc((size_t)(n / 8 + 1), 1);
    if (!u) return NULL;
    bool value[256] = {0};
    for (uint32_t i = 0; i < s->node_types.n && i < 256; i++) value[i] = v8_type_is_value(s->node_types.v[i]);
#define USE(i) do { uint64_t i_ = (i); if (i_ < n) u[i_ >> 3] |= (uint8_t)(1u << (i_ & 7)); } while (0)
    for (uint32_t v = 0; v < s->node_count; v++)
        if (!value[s->ntype[v]]) USE(s->nname[v]);
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (!v8_edge_is_index(s, e)) USE(s->ename[e]);
    for (uint32_t i = 0; i < s->ntrace_infos; i++) {
        USE(s->trace_infos[i].name);
        USE(s->trace_infos[i].script_name);
    }
#undef USE
    *nbits = n;
    return u;
}

static int parse_strings(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    sbuf arena = {0};
    uint64_t nbits = 0;
    uint8_t *used = used_strings(p, &nbits);
    int k = jr_open(r, '[', "'[' (strings)");
    if (k > 0 && sb_put(&arena, "", 1)) k = jr_fail(r, "out of memory"); /* offset 0: every string not kept */
    while (k > 0) {
        uint64_t i = s->nstrings;
        if (used && (i >= nbits || !(used[i >> 3] & (1u << (i & 7))))) {
            if (jr_string(r, NULL)) break; /* nothing refers to it: read, not kept */
            if (s->nstrings >= V8_MAX_COUNT) {
                jr_fail(r, "too many strings");
                break;
            }
            if (s->nstrings + 1 > p->socap) {
                size_t cap = p->socap ? p->socap * 2 : 1024;
                uint64_t *q = realloc(s->soff, cap * sizeof *q);
                if (!q) {
                    jr_fail(r, "out of memory");
                    break;
                }
                s->soff = q;
                p->socap = cap;
            }
            s->soff[s->nstrings++] = 0;
            k = jr_more(r, ']');
            continue;
        }
        if (jr_string_max(r, &p->tmp, V8_STRING_MAX)) break;
        if (s->nstrings >= V8_MAX_COUNT) {
            jr_fail(r, "too many strings");
            break;
        }
        if (s->nstrings + 1 > p->socap) {
            size_t cap = p->socap ? p->socap * 2 : 1024;
            uint64_t *q = realloc(s->soff, cap * sizeof *q);
            if (!q) {
                jr_fail(r, "out of memory");
                break;
            }
            s->soff = q;
            p->socap = cap;
        }
        s->soff[s->nstrings++] = arena.n;
        if (sb_put(&arena, p->tmp.p, p->tmp.n + 1)) {
            jr_fail(r, "out of memory");
            break;
        }
        k = jr_more(r, ']');
    }
    free(used);
    s->sbuf = arena.p;
    if (r->failed || k < 0) return -1;
    p->have_strings = true;
    return 0;
}

/* ---- allocation-site sections (V8_READ_SITES) ---- */

/* The positions of a site section's fields, by name, from its snapshot.meta
 * list: 1, 0 when meta does not declare them (the section is skipped), -1
 * when it lacks one of `want`. */
static int site_fields(v8_parse *p, const v8_names *f, const char *list, const char *const *want, int *const *pos,
                       int n)
{
    if (!f->n) return 0;
    if (f->n > V8_MAX_FIELDS) return jr_fail(&p->r, "snapshot.meta.%s declares more than %u fields", list, V8_MAX_FIELDS);
    for (int i = 0; i < n; i++)
        if ((*pos[i] = names_find(f, want[i])) < 0) return jr_fail(&p->r, "snapshot.meta.%s lacks '%s'", list, want[i]);
    return 1;
}

/* trace_function_infos or locations: a flat integer array, like nodes. */
static int parse_site_array(v8_parse *p, int kind)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    static const char *const ti_want[] = {"name", "script_name", "script_id", "line"};
    static const char *const l_want[] = {"object_index", "script_id", "line"};
    int *const ti_pos[] = {&p->ti_name, &p->ti_script_name, &p->ti_script_id, &p->ti_line};
    int *const l_pos[] = {&p->l_node, &p->l_script, &p->l_line};
    const char *key = kind == REC_TINFO ? "trace_function_infos" : "locations";
    if (!p->have_meta) return jr_fail(r, "'%s' before snapshot.meta (missing meta)", key);
    if (kind == REC_LOC && !p->have_nodes) return jr_fail(r, "'locations' before 'nodes'");
    const v8_names *f = kind == REC_TINFO ? &p->tif : &p->lf;
    int k = kind == REC_TINFO ? site_fields(p, f, "trace_function_info_fields", ti_want, ti_pos, 4)
                              : site_fields(p, f, "location_fields", l_want, l_pos, 3);
    if (k <= 0) return k < 0 ? -1 : jr_skip(r);
    if (kind == REC_LOC) p->l_col = names_find(f, "column");
    *(kind == REC_TINFO ? &p->tinfos_at : &p->locs_at) = jr_off(r);
    uint64_t nv = 0;
    uint32_t n = 0;
    if (jr_expect(r, '[', kind == REC_TINFO ? "'[' (trace_function_infos)" : "'[' (locations)") ||
        parse_int_array(p, kind, f->n, &nv, &n))
        return -1;
    if (nv % f->n)
        return jr_fail(r, "%s array length %llu is not a multiple of its field count %u", key, (unsigned long long)nv, f->n);
    if (kind == REC_TINFO) s->ntrace_infos = n, p->have_tinfos = true;
    else s->nlocations = n;
    return 0;
}

/* One open array of trace_tree: the trace node owning it (UINT32_MAX at the
 * top), its current record and the field the next value fills. */
typedef struct tt_level {
    uint32_t parent, rec, field;
} tt_level;

/* trace_tree: records of trace_node_fields whose `children` field is an
 * array of the same form, nested as deep as the call paths. Flattened in
 * pre-order (a parent before its children) with the open arrays on an
 * explicit stack of at most V8_MAX_TRACE_DEPTH levels; no recursion. */
static int parse_trace_tree(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    if (!p->have_meta) return jr_fail(r, "'trace_tree' before snapshot.meta (missing meta)");
    static const char *const want[] = {"id", "function_info_index", "children"};
    int f_id, f_info, f_kids;
    int *const pos[] = {&f_id, &f_info, &f_kids};
    int k = site_fields(p, &p->tnf, "trace_node_fields", want, pos, 3);
    if (k <= 0) return k < 0 ? -1 : jr_skip(r);
    uint32_t nf = p->tnf.n;
    p->ttree_at = jr_off(r);
    tt_level *st = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    if (jr_expect(r, '[', "'[' (trace_tree)")) goto done;
    if (!(st = malloc(64 * sizeof *st))) {
        jr_fail(r, "out of memory");
        goto done;
    }
    cap = 64;
    st[n++] = (tt_level){UINT32_MAX, UINT32_MAX, 0};
    if (jr_ws(r) == ']') { /* [] */
        r->pos++;
        rc = 0;
        goto done;
    }
    for (;;) {
        tt_level *L = &st[n - 1];
        if (L->field == 0) { /* a new trace node */
            if (s->ntrace_nodes >= V8_MAX_COUNT) {
                jr_fail(r, "too many trace nodes");
                goto done;
            }
            if (s->ntrace_nodes >= p->tncap) {
                size_t c2 = p->tncap ? p->tncap * 2 : 1024;
                v8_trace_node *q = realloc(s->trace_nodes, c2 * sizeof *q);
                if (!q) {
                    jr_fail(r, "out of memory");
                    goto done;
                }
                s->trace_nodes = q;
                p->tncap = c2;
            }
            L->rec = s->ntrace_nodes++;
            s->trace_nodes[L->rec] = (v8_trace_node){0, 0, L->parent};
        }
        int c = jr_ws(r);
        if (L->field == (uint32_t)f_kids) {
            if (c != '[') {
                if (c < 0) jr_fail(r, "truncated JSON: end of file, expected '[' (trace_tree children)");
                else jr_fail(r, "trace_tree: trace node %u: 'children' is not an array", L->rec);
                goto done;
            }
            if (n >= V8_MAX_TRACE_DEPTH) {
                jr_fail(r, "trace_tree nested deeper than %u levels", V8_MAX_TRACE_DEPTH);
                goto done;
            }
            r->pos++;
            if (n == cap) {
                tt_level *q = realloc(st, 2 * cap * sizeof *q);
                if (!q) {
                    jr_fail(r, "out of memory");
                    goto done;
                }
                st = q;
                cap *= 2;
            }
            uint32_t owner = st[n - 1].rec;
            st[n++] = (tt_level){owner, UINT32_MAX, 0};
            if (jr_ws(r) != ']') continue; /* read the children */
            r->pos++;                      /* [] */
            n--;
        } else {
            uint64_t v, at = jr_off(r);
            if (jr_uint(r, &v)) goto done;
            if ((L->field == (uint32_t)f_id || L->field == (uint32_t)f_info) && v > UINT32_MAX) {
                jr_fail_at(r, at, "trace_tree: trace node %u: %s too large", L->rec, L->field == (uint32_t)f_id ? "id" : "function_info_index");
                goto done;
            }
            if (L->field == (uint32_t)f_id) s->trace_nodes[L->rec].id = (uint32_t)v;
            else if (L->field == (uint32_t)f_info) s->trace_nodes[L->rec].info = (uint32_t)v;
        }
        /* a value is complete: the next field, or close arrays (a closed
         * children array completes a value of the level below) */
        for (;;) {
            L = &st[n - 1];
            if (++L->field == nf) L->field = 0;
            int m = jr_more(r, ']');
            if (m < 0) goto done;
            if (m > 0) break;
            if (L->field) {
                jr_fail_at(r, jr_off(r) - 1, "trace_tree: trace node %u has %u of the %u trace_node_fields", L->rec,
                           L->field, nf);
                goto done;
            }
            if (--n == 0) {
                rc = 0;
                goto done;
            }
        }
    }
done:
    free(st);
    if (!rc) p->have_ttree = true;
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Each node's trace_node_id becomes 1 + its trace node's index. V8 numbers
 * the trace nodes 1, 2, ... in pre-order, which is already that; other ids
 * are looked up in a sorted copy (which also finds an id given twice). */
static int resolve_trace_ids(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    const v8_trace_node *tn = s->trace_nodes;
    uint32_t nt = s->ntrace_nodes;
    bool seq = true;
    for (uint32_t i = 0; i < nt && seq; i++) seq = tn[i].id == i + 1;
    uint64_t *idx = NULL;
    if (!seq) {
        if (!(idx = malloc((size_t)nt * sizeof *idx))) return jr_fail(r, "out of memory");
        for (uint32_t i = 0; i < nt; i++) idx[i] = (uint64_t)tn[i].id << 32 | i;
        qsort(idx, nt, sizeof *idx, cmp_u64);
        for (uint32_t i = 1; i < nt; i++)
            if (idx[i] >> 32 == idx[i - 1] >> 32) {
                unsigned id = (unsigned)(idx[i] >> 32);
                free(idx);
                return jr_fail(r, "trace_tree: trace node id %u appears twice (trace_tree starts at byte %llu)", id,
                               (unsigned long long)p->ttree_at);
            }
    }
    for (uint32_t n = 0; n < s->node_count; n++) {
        uint32_t id = s->ntrace[n];
        if (!id) continue;
        uint32_t found = UINT32_MAX;
        if (seq) {
            if (id <= nt) found = id - 1;
        } else {
            uint32_t lo = 0, hi = nt;
            while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (idx[mid] >> 32 < id) lo = mid + 1;
                else hi = mid;
            }
            if (lo < nt && idx[lo] >> 32 == id) found = (uint32_t)idx[lo];
        }
        if (found == UINT32_MAX) {
            free(idx);
            return jr_fail(r, "node %u: trace_node_id %u is not in trace_tree (nodes start at byte %llu)", n, id,
                           (unsigned long long)p->nodes_at);
        }
        s->ntrace[n] = found + 1;
    }
    free(idx);
    return 0;
}

/* After the whole file: the site sections' indexes (strings come last) and
 * the nodes' trace ids. A tree without function infos is not kept. */
static int check_sites(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    for (uint32_t i = 0; i < s->ntrace_infos; i++) {
        const v8_trace_info *ti = &s->trace_infos[i];
        if (ti->name >= s->nstrings || ti->script_name >= s->nstrings)
            return jr_fail(r, "trace function info %u: %s index %u is out of range (%u strings; trace_function_infos start at byte %llu)",
                           i, ti->name >= s->nstrings ? "name" : "script_name",
                           ti->name >= s->nstrings ? ti->name : ti->script_name, s->nstrings,
                           (unsigned long long)p->tinfos_at);
    }
    if (p->have_ttree && !p->have_tinfos) {
        free(s->trace_nodes);
        s->trace_nodes = NULL;
        s->ntrace_nodes = 0;
        p->have_ttree = false;
    }
    for (uint32_t i = 0; i < s->ntrace_nodes; i++)
        if (s->trace_nodes[i].info >= s->ntrace_infos)
            return jr_fail(r, "trace node %u (id %u): function_info_index %u is out of range (%u function infos; trace_tree starts at byte %llu)",
                           i, s->trace_nodes[i].id, s->trace_nodes[i].info, s->ntrace_infos,
                           (unsigned long long)p->ttree_at);
    if (!p->have_ttree) { /* no call paths to name: the ids mean nothing */
        free(s->ntrace);
        s->ntrace = NULL;
    } else if (s->ntrace && resolve_trace_ids(p)) {
        return -1;
    }
    return 0;
}

bool v8_file_detect(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    int c;
    while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t') {
    }
    fclose(f);
    return c == '{';
}

void v8_snapshot_release(v8_snapshot *s)
{
    names_free(&s->node_fields);
    names_free(&s->edge_fields);
    names_free(&s->node_types);
    names_free(&s->edge_types);
    free(s->ntype);
    free(s->nname);
    free(s->nid);
    free(s->nsize);
    free(s->first);
    free(s->etype);
    free(s->ename);
    free(s->eto);
    free(s->sbuf);
    free(s->soff);
    free(s->ntrace);
    free(s->ndetach);
    free(s->trace_infos);
    free(s->trace_nodes);
    free(s->locations);
    memset(s, 0, sizeof *s);
}

bool v8_type_is_value(const char *t)
{
    static const char *const value[] = {"string", "concatenated string", "sliced string", "number",
                                        "heap number", "symbol", "bigint", "regexp"};
    for (size_t i = 0; i < sizeof value / sizeof value[0]; i++)
        if (!strcmp(t, value[i])) return true;
    return false;
}

bool v8_edge_is_index(const v8_snapshot *s, uint32_t e)
{
    uint8_t c = s->edge_class[s->etype[e]];
    return c == V8_EDGE_ELEMENT || c == V8_EDGE_HIDDEN;
}

static int check_indexes(v8_parse *p)
{
    jr *r = &p->r;
    v8_snapshot *s = p->s;
    for (uint32_t n = 0; n < s->node_count; n++)
        if (s->nname[n] >= s->nstrings)
            return jr_fail(r, "node %u: name index %u is out of range (%u strings; nodes start at byte %llu)", n,
                           s->nname[n], s->nstrings, (unsigned long long)p->nodes_at);
    for (uint32_t e = 0; e < s->edge_count; e++)
        if (!v8_edge_is_index(s, e) && s->ename[e] >= s->nstrings)
            return jr_fail(r, "edge %u: name index %u is out of range (%u strings; edges start at byte %llu)", e,
                           s->ename[e], s->nstrings, (unsigned long long)p->edges_at);
    return 0;
}

int v8_read_file(const char *path, v8_snapshot *s, char err[V8_ERR_MAX])
{
    return v8_read_file_ex(path, s, 0, err);
}

int v8_read_stream(FILE *f, v8_snapshot *s, char err[V8_ERR_MAX])
{
    return v8_read_stream_ex(f, s, 0, err);
}

int v8_read_file_ex(const char *path, v8_snapshot *s, unsigned flags, char err[V8_ERR_MAX])
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, V8_ERR_MAX, "cannot open: %s", strerror(errno));
        return -1;
    }
    int rc = v8_read_stream_ex(f, s, flags, err);
    fclose(f);
    return rc;
}

int v8_read_stream_ex(FILE *f, v8_snapshot *s, unsigned flags, char err[V8_ERR_MAX])
{
    memset(s, 0, sizeof *s);
    err[0] = 0;
    v8_parse p;
    memset(&p, 0, sizeof p);
    p.s = s;
    p.flags = flags;
    p.f_trace = -1;
    p.f_detach = -1;
    p.l_col = -1;
    p.r.err = err;
    p.r.f = f;
    struct stat stt;
    if (!fstat(fileno(p.r.f), &stt) && S_ISREG(stt.st_mode)) p.file_size = (uint64_t)stt.st_size;
    p.r.buf = malloc(JR_BUF + 1);
    jr *r = &p.r;
    int rc = -1;
    if (!r->buf) {
        snprintf(err, V8_ERR_MAX, "out of memory");
        goto out;
    }
    int k = jr_open(r, '{', "'{'");
    unsigned seen = 0;
    while (k > 0) {
        if (jr_string(r, &p.tmp) || jr_expect(r, ':', "':'")) goto out;
        int frc;
        /* the allocation-site sections are keys only when kept; else skipped */
        static const char *const keys[] = {"snapshot", "nodes", "edges", "strings",
                                           "trace_function_infos", "trace_tree", "locations"};
        int key = -1, nkeys = flags & V8_READ_SITES ? 7 : 4;
        for (int i = 0; i < nkeys; i++)
            if (!strcmp(p.tmp.p, keys[i])) key = i;
        if (key < 0 && (flags & V8_READ_LOCATIONS) && !strcmp(p.tmp.p, "locations")) key = 6;
        if (key >= 0 && (seen & 1u << key)) {
            jr_fail(r, "'%s' appears twice", keys[key]);
            goto out;
        }
        if (key >= 0) seen |= 1u << key;
        if (key == 0) frc = parse_snapshot(&p);
        else if (key == 1) frc = parse_nodes(&p);
        else if (key == 2) frc = parse_edges(&p);
        else if (key == 3) frc = parse_strings(&p);
        else if (key == 4) frc = parse_site_array(&p, REC_TINFO);
        else if (key == 5) frc = parse_trace_tree(&p);
        else if (key == 6) frc = parse_site_array(&p, REC_LOC);
        else frc = jr_skip(r);
        if (frc < 0) goto out;
        k = jr_more(r, '}');
    }
    if (k < 0) goto out;
    if (jr_ws(r) >= 0) {
        jr_fail(r, "trailing data after the JSON document");
        goto out;
    }
    if (ferror(r->f)) {
        jr_fail(r, "read error");
        goto out;
    }
    if (!p.have_meta) jr_fail(r, "missing snapshot.meta");
    else if (!p.have_nodes) jr_fail(r, "missing 'nodes' array");
    else if (!p.have_edges) jr_fail(r, "missing 'edges' array");
    else if (!p.have_strings) jr_fail(r, "missing 'strings' array");
    else if (!check_indexes(&p) && (!(flags & V8_READ_SITES) || !check_sites(&p))) rc = 0;
    s->file_bytes = jr_off(r);
out:
    free(p.r.buf);
    free(p.tmp.p);
    free(p.idset);
    typelists_free(&p.ntl);
    typelists_free(&p.etl);
    names_free(&p.tif);
    names_free(&p.tnf);
    names_free(&p.lf);
    if (rc) v8_snapshot_release(s);
    return rc;
}
