/* SPDX-License-Identifier: MIT */
/*
 * analyze/v8/v8_hsnap.c — v8_encode(), v8_convert_file():
 * turn a read V8 heap snapshot (v8_read.c) into the .hsnap record stream
 * through the codec's encoder (formats/hs_format.h), written through the
 * codec's atomic private output file (hs_outfile: O_EXCL|O_NOFOLLOW temp
 * file beside the target, 0600, fsync, rename, fsync the directory). Mapping: node → block (address = V8 id,
 * size = self_size, type "object Foo" / "closure bar" / "string"), edge →
 * reference (label: property/context name or element index; kind from
 * v8_map_kinds), synthetic root → the one root, allocation trace and
 * locations → frames and sites (v8_map_sites). Only the V8 strings that
 * name something are written (v8_map_strings), never string contents. One
 * pass over the nodes; no recursion.
 * See docs/v8.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "v8/v8_read.h"

#include "graph/graph.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define V8_REF_CHUNK 4096u

static char *join(const v8_names *n)
{
    size_t len = 1;
    for (uint32_t i = 0; i < n->n; i++) len += strlen(n->v[i]) + 1;
    char *s = malloc(len), *p = s;
    if (!s) return NULL;
    *p = 0;
    for (uint32_t i = 0; i < n->n; i++) p += sprintf(p, "%s%s", i ? "," : "", n->v[i]);
    return s;
}

#define ENC(call)                                                                                             \
    do {                                                                                                       \
        hs_status st_ = (call);                                                                                \
        if (st_) {                                                                                             \
            const char *m_ = hs_encoder_error(e)->message;                                                     \
            snprintf(err, V8_ERR_MAX, "writing .hsnap: %s", *m_ ? m_ : hs_strerror(st_));                      \
            goto out;                                                                                          \
        }                                                                                                      \
    } while (0)

/* A V8 string or type name into the .hsnap string table: the analyzer
 * carries a NUL of the JSON (\u0000) as C0 80 (graph_name_put); the file
 * gets the NUL back, counted. */
static hs_status encode_name(hs_encoder *e, const char *s, size_t len, uint32_t *id)
{
    const char *c = memchr(s, GRAPH_NUL_0, len);
    if (!c || (size_t)(c - s) + 1 >= len) return hs_encoder_string(e, s, len, id);
    char *copy = malloc(len ? len : 1);
    if (!copy) return HS_ERR_NOMEM;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] == GRAPH_NUL_0 && i + 1 < len && (unsigned char)s[i + 1] == GRAPH_NUL_1) {
            copy[o++] = 0;
            i++;
        } else {
            copy[o++] = s[i];
        }
    }
    hs_status st = hs_encoder_string(e, copy, o, id);
    free(copy);
    return st;
}

int v8_encode(const v8_snapshot *s, const v8_types *t, const v8_strmap *sm, const v8_sites *sites,
              const uint8_t *kind, const uint32_t *orphans, uint32_t norphans, bool names_only, hs_sink_fn sink,
              void *sink_ud, char err[V8_ERR_MAX])
{
    int rc = -1;
    hs_encoder *e = NULL;
    hs_ref *refs = malloc(V8_REF_CHUNK * sizeof *refs);
    char *nf = join(&s->node_fields), *ef = join(&s->edge_fields);
    char *nt = join(&s->node_types), *et = join(&s->edge_types);
    char nc[32], ec[32];
    snprintf(nc, sizeof nc, "%u", s->node_count);
    snprintf(ec, sizeof ec, "%u", s->edge_count);
    if (!refs || !nf || !ef || !nt || !et) {
        snprintf(err, V8_ERR_MAX, "out of memory");
        goto out;
    }
    hs_encoder_options opt = {1, 0};
    if (hs_encoder_new(&opt, sink, sink_ud, &e) || !e) {
        snprintf(err, V8_ERR_MAX, "out of memory (encoder)");
        goto out;
    }
    hs_tag tags[] = {
        {"source", "v8-heapsnapshot"}, {"v8.node_fields", nf}, {"v8.edge_fields", ef},
        {"v8.node_types", nt},         {"v8.edge_types", et},  {"v8.node_count", nc},
        {"v8.edge_count", ec},
    };
    hs_header h = {0};
    h.producer = "heapsnap-import";
    h.producer_version = HS_LIB_VERSION_STRING;
    h.runtime = "V8";
    h.pointer_size = 0;
    h.tags = tags;
    h.ntags = sizeof tags / sizeof tags[0];
    ENC(hs_encoder_header(e, &h));
    for (uint32_t i = 0; i < s->nstrings; i++) {
        if (sm->remap[i] == UINT32_MAX) continue;
        const char *str = s->sbuf + s->soff[i];
        uint32_t id;
        ENC(encode_name(e, str, strlen(str), &id));
        if (id != sm->remap[i]) {
            snprintf(err, V8_ERR_MAX, "writing .hsnap: string ids out of step");
            goto out;
        }
    }
    uint32_t root_name, weak_only;
    ENC(hs_encoder_string(e, V8_ROOT_NAME, strlen(V8_ROOT_NAME), &root_name));
    ENC(hs_encoder_string(e, V8_WEAK_ONLY_NAME, strlen(V8_WEAK_ONLY_NAME), &weak_only));
    for (uint32_t i = 0; i < t->ntypes; i++) {
        const char *tname = v8_types_name(t, i);
        hs_type ty = {0, HS_NONE, 0};
        uint32_t tid;
        ENC(encode_name(e, tname, strlen(tname), &ty.name));
        ENC(hs_encoder_type(e, &ty, &tid));
        if (tid != i) {
            snprintf(err, V8_ERR_MAX, "writing .hsnap: type ids out of step");
            goto out;
        }
    }
    /* allocation sites: frames (their names among the kept strings), then sites */
    for (uint32_t i = 0; sites && i < sites->nframes; i++) {
        const v8_frame *f = &sites->frames[i];
        hs_frame fr = {f->function == HS_NONE ? HS_NONE : sm->remap[f->function],
                       f->file == HS_NONE ? HS_NONE : sm->remap[f->file], f->line};
        uint32_t fid;
        ENC(hs_encoder_frame(e, &fr, &fid));
    }
    for (uint32_t i = 0; sites && i < sites->nsites; i++) {
        uint32_t sid;
        ENC(hs_encoder_site(e, sites->site_frames + sites->site_off[i], sites->site_off[i + 1] - sites->site_off[i],
                            &sid));
    }
    const uint32_t *node_site = sites ? sites->node_site : NULL;
    for (uint32_t n = 0; n < s->node_count && !names_only; n++) {
        uint32_t e0 = s->first[n];
        uint32_t left = s->first[n + 1] - s->first[n], done = 0;
        bool first = true;
        do {
            uint32_t k = left < V8_REF_CHUNK ? left : V8_REF_CHUNK;
            for (uint32_t j = 0; j < k; j++) {
                uint32_t ed = e0 + done + j;
                hs_ref *rf = &refs[j];
                rf->to = s->nid[s->eto[ed]];
                bool index = v8_edge_is_index(s, ed);
                rf->label = index ? s->ename[ed] : sm->remap[s->ename[ed]];
                rf->label_type = index ? HS_LABEL_INDEX : HS_LABEL_STRING;
                rf->kind = kind[ed];
            }
            if (first)
                ENC(hs_encoder_block(e, s->nid[n], s->nsize[n], t->node_type[n], 0,
                                     node_site ? node_site[n] : HS_NONE, refs, k));
            else ENC(hs_encoder_refs(e, s->nid[n], refs, k));
            first = false;
            done += k;
            left -= k;
        } while (left);
    }
    for (uint32_t i = 0; i < norphans && !names_only; i += V8_REF_CHUNK) {
        uint32_t k = norphans - i < V8_REF_CHUNK ? norphans - i : V8_REF_CHUNK;
        for (uint32_t j = 0; j < k; j++)
            refs[j] = (hs_ref){s->nid[orphans[i + j]], weak_only, HS_REF_STRONG, HS_LABEL_STRING};
        ENC(hs_encoder_refs(e, s->nid[0], refs, k));
    }
    if (!names_only) ENC(hs_encoder_root(e, s->nid[0], HS_ROOT_GLOBAL, root_name, 0));
    ENC(hs_encoder_finish(e, NULL, 0));
    rc = 0;
out:
    hs_encoder_free(e);
    free(refs);
    free(nf);
    free(ef);
    free(nt);
    free(et);
    return rc;
}

/* The whole conversion of a read snapshot: mapping, then every record. */
static int encode_all(v8_snapshot *s, hs_sink_fn sink, void *ud, char err[V8_ERR_MAX])
{
    v8_types t = {0};
    v8_kind_stats st;
    v8_strmap sm = {0};
    v8_sites sites = {0};
    uint32_t *orph = NULL, norph = 0;
    uint8_t *kind = NULL;
    int rc = -1, src;
    /* the sites and types first (the types' class keys use the locations), so the trace and
     * locations are freed before the other mappings allocate */
    if (v8_map_sites(s, &sites, err) || v8_map_types(s, &t, err)) goto out;
    v8_snapshot_drop_sites(s);
    (void)v8_map_shallow(s, err, &src);
    if (src) goto out;
    if (!(kind = malloc((size_t)s->edge_count + 1))) {
        snprintf(err, V8_ERR_MAX, "out of memory");
        goto out;
    }
    if (v8_map_kinds(s, kind, &st, err) || v8_map_orphans(s, kind, &orph, &norph, err) ||
        v8_map_strings(s, &sites, &sm, err))
        goto out;
    rc = v8_encode(s, &t, &sm, &sites, kind, orph, norph, false, sink, ud, err);
out:
    v8_sites_release(&sites);
    v8_strmap_release(&sm);
    free(orph);
    v8_types_release(&t);
    free(kind);
    return rc;
}

int v8_convert_file(const char *in, const char *out, char err[V8_ERR_MAX])
{
    v8_snapshot s;
    if (v8_read_file_ex(in, &s, V8_READ_SITES, err)) return -1;
    hs_outfile *f;
    hs_error e;
    int rc = -2;
    if (hs_outfile_open(out, 0, 0, &f, &e) != HS_OK) {
        snprintf(err, V8_ERR_MAX, "%s", e.message);
    } else if (encode_all(&s, hs_outfile_write, f, err)) {
        const hs_error *we = hs_outfile_error(f); /* the write failed, or the input did not map */
        if (we) snprintf(err, V8_ERR_MAX, "%s", we->message);
        else rc = -1;
        hs_outfile_discard(f);
    } else if (hs_outfile_commit(f, &e) != HS_OK) {
        snprintf(err, V8_ERR_MAX, "%s", e.message);
    } else {
        rc = 0;
    }
    v8_snapshot_release(&s);
    return rc;
}
