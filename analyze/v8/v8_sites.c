/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_sites.c — v8_map_sites(): each node's allocation site, from a
 * snapshot read with V8_READ_SITES. A node with a trace_node_id gets its
 * trace node's call path (innermost first, without the "(root)" trace node,
 * cut to the innermost V8_MAX_SITE_FRAMES); any other node with a location
 * gets a one-frame site (its own name, its script's name, the line). Script
 * ids are named from trace_function_infos, else through a located closure's
 * SharedFunctionInfo and script edges.
 * Algorithm: one pass over the locations (script names, each node's first
 * location), then one pass over the nodes in index order that makes each
 * site the first time a node needs it: a trace node's path by walking parent
 * indexes (a parent always precedes its child, so the walk ends), a
 * location's frame through a hash of (function, file, line). Open-addressing
 * hashes for script ids and frames. O(nodes + locations + trace nodes +
 * frames of the sites made); iterative, no recursion. See docs/v8.md.
 */
#include "graph/graph_map.h"
#include "v8/v8_read.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define EMPTY_PATH (UINT32_MAX - 1) /* tsite[]: the trace node's path has no frame */

/* Script id -> script name (string id), in a graph_map; the first name wins. */
static uint32_t script_get(const graph_map *m, uint32_t id)
{
    const uint32_t *v = graph_map_find(m, id);
    return v ? *v : NONE;
}

static int script_put(graph_map *m, uint32_t id, uint32_t name)
{
    bool created;
    return graph_map_put(m, id, name, &created) ? 0 : -1;
}

typedef struct build {
    const v8_snapshot *s;
    v8_sites *x;
    char *err;
    size_t fcap;            /* frames, frame_site */
    uint32_t *fhash;        /* frame id + 1 per slot; 0 = empty */
    size_t fhcap;           /* a power of two */
    uint32_t *frame_site;   /* [nframes] the one-frame site of each frame, or NONE */
    size_t ocap, sfcap;     /* site_off, site_frames */
    uint32_t nsf;           /* site_frames used */
    graph_map scripts;    /* script id -> script name */
    uint32_t *info_frame;   /* [ntrace_infos] frame of each function info, or NONE */
    uint32_t *tsite;        /* [ntrace_nodes] site of each trace node, NONE or EMPTY_PATH */
} build;

static int fail(build *b, const char *msg)
{
    snprintf(b->err, V8_ERR_MAX, "%s", msg);
    return -1;
}

static uint64_t frame_hash(uint32_t fn, uint32_t file, uint32_t line)
{
    return hash_fmix64((uint64_t)fn << 32 ^ file ^ (uint64_t)line * 0x9e3779b97f4a7c15ULL);
}

/* The id of frame (fn, file, line), added when new; NONE when out of memory. */
static uint32_t frame_id(build *b, uint32_t fn, uint32_t file, uint32_t line)
{
    v8_sites *x = b->x;
    if (b->fhcap) {
        for (size_t i = frame_hash(fn, file, line) & (b->fhcap - 1);; i = (i + 1) & (b->fhcap - 1)) {
            uint32_t f = b->fhash[i];
            if (!f) break;
            const v8_frame *fr = &x->frames[f - 1];
            if (fr->function == fn && fr->file == file && fr->line == line) return f - 1;
        }
    }
    if (x->nframes >= NONE - 2) return NONE;
    if (x->nframes == b->fcap) {
        size_t cap = b->fcap ? 2 * b->fcap : 256;
        v8_frame *fr = realloc(x->frames, cap * sizeof *fr);
        if (!fr) return NONE;
        x->frames = fr;
        uint32_t *fs = realloc(b->frame_site, cap * sizeof *fs);
        if (!fs) return NONE;
        b->frame_site = fs;
        b->fcap = cap;
    }
    if (2 * ((size_t)x->nframes + 1) > b->fhcap) { /* rehash at half full */
        size_t cap = b->fhcap ? 2 * b->fhcap : 512;
        uint32_t *h = calloc(cap, sizeof *h);
        if (!h) return NONE;
        for (uint32_t f = 0; f < x->nframes; f++) {
            const v8_frame *fr = &x->frames[f];
            size_t i = frame_hash(fr->function, fr->file, fr->line) & (cap - 1);
            while (h[i]) i = (i + 1) & (cap - 1);
            h[i] = f + 1;
        }
        free(b->fhash);
        b->fhash = h;
        b->fhcap = cap;
    }
    uint32_t f = x->nframes++;
    x->frames[f] = (v8_frame){fn, file, line};
    b->frame_site[f] = NONE;
    size_t i = frame_hash(fn, file, line) & (b->fhcap - 1);
    while (b->fhash[i]) i = (i + 1) & (b->fhcap - 1);
    b->fhash[i] = f + 1;
    return f;
}

/* Room for a new site of up to `frames` frames; -1 with the message. */
static int site_reserve(build *b, uint32_t frames)
{
    v8_sites *x = b->x;
    if (x->nsites >= NONE - 2 || b->nsf > NONE - 1 - frames) return fail(b, "too many allocation sites or site frames");
    if ((size_t)x->nsites + 2 > b->ocap) {
        size_t cap = b->ocap ? 2 * b->ocap : 256;
        uint32_t *o = realloc(x->site_off, cap * sizeof *o);
        if (!o) return fail(b, "out of memory");
        x->site_off = o;
        b->ocap = cap;
    }
    if ((size_t)b->nsf + frames > b->sfcap) {
        size_t cap = b->sfcap ? 2 * b->sfcap : 1024;
        while (cap < (size_t)b->nsf + frames) cap *= 2;
        uint32_t *f = realloc(x->site_frames, cap * sizeof *f);
        if (!f) return fail(b, "out of memory");
        x->site_frames = f;
        b->sfcap = cap;
    }
    return 0;
}

/* The site whose `n` frames were just written at site_frames[nsf]. */
static uint32_t site_close(build *b, uint32_t n)
{
    v8_sites *x = b->x;
    uint32_t id = x->nsites++;
    x->site_off[id] = b->nsf;
    b->nsf += n;
    x->site_off[id + 1] = b->nsf;
    return id;
}

static bool empty(const v8_snapshot *s, uint32_t str) { return !s->sbuf[s->soff[str]]; }
static uint32_t name_or_none(const v8_snapshot *s, uint32_t str) { return empty(s, str) ? HS_NONE : str; }

static int find_type(const v8_snapshot *s, const char *name)
{
    for (uint32_t i = 0; i < s->node_types.n; i++)
        if (!strcmp(s->node_types.v[i], name)) return (int)i;
    return -1;
}

/* The target of node n's first edge named one of a, b (b may be NULL), or NONE. */
static uint32_t edge_to(const v8_snapshot *s, uint32_t n, const char *a, const char *b)
{
    for (uint32_t e = s->first[n]; e < s->first[n + 1]; e++) {
        if (v8_edge_is_index(s, e)) continue;
        const char *nm = s->sbuf + s->soff[s->ename[e]];
        if (!strcmp(nm, a) || (b && !strcmp(nm, b))) return s->eto[e];
    }
    return NONE;
}

int v8_script_names(const v8_snapshot *s, graph_map *m)
{
    for (uint32_t i = 0; i < s->ntrace_infos; i++) {
        const v8_trace_info *ti = &s->trace_infos[i];
        if (!empty(s, ti->script_name) && script_get(m, ti->script_id) == NONE &&
            script_put(m, ti->script_id, ti->script_name))
            return -1;
    }
    int closure = find_type(s, "closure"), code = find_type(s, "code");
    if (closure < 0 || code < 0) return 0;
    for (uint32_t l = 0; l < s->nlocations; l++) {
        const v8_location *loc = &s->locations[l];
        if (s->ntype[loc->node] != closure || script_get(m, loc->script_id) != NONE) continue;
        uint32_t shared = edge_to(s, loc->node, "shared", NULL);
        uint32_t script = shared == NONE ? NONE : edge_to(s, shared, "script_or_debug_info", "script");
        if (script == NONE || s->ntype[script] != code || empty(s, s->nname[script])) continue;
        if (script_put(m, loc->script_id, s->nname[script])) return -1;
    }
    return 0;
}

/* Script names: trace_function_infos' (script_id, script_name) pairs first,
 * then each located closure's shared -> script_or_debug_info -> "code" node. */
static int map_scripts(build *b)
{
    return v8_script_names(b->s, &b->scripts) ? fail(b, "out of memory") : 0;
}

static uint32_t info_frame(build *b, uint32_t info)
{
    const v8_snapshot *s = b->s;
    if (b->info_frame[info] != NONE) return b->info_frame[info];
    const v8_trace_info *ti = &s->trace_infos[info];
    uint32_t file = empty(s, ti->script_name) ? script_get(&b->scripts, ti->script_id) : ti->script_name;
    return b->info_frame[info] = frame_id(b, name_or_none(s, ti->name), file, ti->line);
}

/* The site of trace node t: its path's frames, innermost first, without the
 * top-level node; EMPTY_PATH when that leaves none; NONE on error. */
static uint32_t trace_site(build *b, uint32_t t)
{
    const v8_snapshot *s = b->s;
    if (b->tsite[t] != NONE) return b->tsite[t];
    if (site_reserve(b, V8_MAX_SITE_FRAMES)) return NONE;
    uint32_t *out = b->x->site_frames + b->nsf, n = 0;
    for (uint32_t u = t; s->trace_nodes[u].parent != NONE; u = s->trace_nodes[u].parent) {
        if (s->trace_nodes[u].parent >= u) {
            fail(b, "trace_tree: a trace node's parent does not precede it");
            return NONE;
        }
        if (n == V8_MAX_SITE_FRAMES) { /* keep the innermost */
            b->x->truncated++;
            break;
        }
        uint32_t f = info_frame(b, s->trace_nodes[u].info);
        if (f == NONE) {
            fail(b, "out of memory");
            return NONE;
        }
        out[n++] = f;
    }
    /* Sites are flat lists, so deep paths that many nodes end on would
     * multiply memory: all sites together may hold at most
     * V8_SITE_FRAMES_PER_TRACE_NODE frames per trace node (V8 itself
     * records at most 64 per path), which keeps memory proportional to the
     * file. */
    if ((uint64_t)b->nsf + n > (uint64_t)V8_SITE_FRAMES_PER_TRACE_NODE * s->ntrace_nodes) {
        char msg[160];
        snprintf(msg, sizeof msg, "trace_tree: the allocation sites would hold more than %u frames per trace node "
                 "(deep call paths shared by many nodes)", V8_SITE_FRAMES_PER_TRACE_NODE);
        fail(b, msg);
        return NONE;
    }
    return b->tsite[t] = n ? site_close(b, n) : EMPTY_PATH;
}

/* The one-frame site of node n located by loc; NONE on error. */
static uint32_t location_site(build *b, uint32_t n, const v8_location *loc)
{
    const v8_snapshot *s = b->s;
    uint32_t f = frame_id(b, name_or_none(s, s->nname[n]), script_get(&b->scripts, loc->script_id), loc->line + 1);
    if (f == NONE) {
        fail(b, "out of memory");
        return NONE;
    }
    if (b->frame_site[f] != NONE) return b->frame_site[f];
    if (site_reserve(b, 1)) return NONE;
    b->x->site_frames[b->nsf] = f;
    return b->frame_site[f] = site_close(b, 1);
}

void v8_snapshot_drop_sites(v8_snapshot *s)
{
    free(s->ntrace);
    free(s->trace_infos);
    free(s->trace_nodes);
    free(s->locations);
    s->ntrace = NULL;
    s->trace_infos = NULL;
    s->trace_nodes = NULL;
    s->locations = NULL;
    s->ntrace_infos = s->ntrace_nodes = s->nlocations = 0;
}

void v8_sites_release(v8_sites *x)
{
    free(x->frames);
    free(x->site_off);
    free(x->site_frames);
    free(x->node_site);
    memset(x, 0, sizeof *x);
}

int v8_map_sites(const v8_snapshot *s, v8_sites *out, char err[V8_ERR_MAX])
{
    memset(out, 0, sizeof *out);
    err[0] = 0;
    if (!s->ntrace && !s->nlocations) return 0;
    build b = {.s = s, .x = out, .err = err};
    int rc = -1;
    uint32_t *ns = out->node_site = malloc((size_t)s->node_count * sizeof *ns);
    if (!ns) {
        fail(&b, "out of memory");
        goto done;
    }
    for (uint32_t l = 0; l < s->nlocations; l++)
        if (s->locations[l].node >= s->node_count) {
            fail(&b, "a location's node is out of range (not read with V8_READ_SITES)");
            goto done;
        }
    if (map_scripts(&b)) goto done;
    if (s->ntrace) {
        b.info_frame = malloc(((size_t)s->ntrace_infos + 1) * sizeof *b.info_frame);
        b.tsite = malloc(((size_t)s->ntrace_nodes + 1) * sizeof *b.tsite);
        if (!b.info_frame || !b.tsite) {
            fail(&b, "out of memory");
            goto done;
        }
        memset(b.info_frame, 0xff, (size_t)s->ntrace_infos * sizeof *b.info_frame);
        memset(b.tsite, 0xff, (size_t)s->ntrace_nodes * sizeof *b.tsite);
    }
    /* each node's first location, by index, until its site replaces it */
    memset(ns, 0xff, (size_t)s->node_count * sizeof *ns);
    for (uint32_t l = 0; l < s->nlocations; l++)
        if (ns[s->locations[l].node] == NONE) ns[s->locations[l].node] = l;
    for (uint32_t n = 0; n < s->node_count; n++) {
        uint32_t loc = ns[n], site = NONE;
        if (s->ntrace && s->ntrace[n]) {
            if (s->ntrace[n] > s->ntrace_nodes || s->trace_nodes[s->ntrace[n] - 1].info >= s->ntrace_infos) {
                fail(&b, "a node's trace node is out of range (not read with V8_READ_SITES)");
                goto done;
            }
            if ((site = trace_site(&b, s->ntrace[n] - 1)) == NONE) goto done;
            if (site == EMPTY_PATH) site = NONE;
            else out->traced_nodes++;
        }
        if (site == NONE && loc != NONE) {
            if ((site = location_site(&b, n, &s->locations[loc])) == NONE) goto done;
            out->located_nodes++;
        }
        ns[n] = site;
    }
    if (!out->nsites) {
        free(out->node_site);
        out->node_site = NULL;
    }
    rc = 0;
done:
    free(b.fhash);
    free(b.frame_site);
    graph_map_release(&b.scripts);
    free(b.info_frame);
    free(b.tsite);
    if (rc) v8_sites_release(out);
    return rc;
}
