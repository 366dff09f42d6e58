/* SPDX-License-Identifier: MIT */
/*
 * dump/hs_writer.c — the C writer API (hs_writer_*, dump/heapsnap.h) on top
 * of the record encoder: header defaults, string interning (open-addressing
 * hash table), buffering of the current block's references so they are
 * written inline, standalone refs records for references declared out of
 * order, chunking so no buffer grows past HSD_REFS_CHUNK references, and the
 * atomic output file of formats/ (hs_outfile_*). See docs/api.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"

#include "../formats/hsf_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#define HSD_REFS_CHUNK 65536u

typedef struct ref_buf {
    hs_ref *v;
    uint32_t n, cap;
} ref_buf;

struct hs_writer {
    hs_encoder *enc;
    hs_outfile *file; /* NULL for hs_writer_open_sink */
    hs_writer_options opt;
    hs_tag *hdr_tags; /* copies */
    size_t nhdr_tags;
    hs_tag *end_tags;
    size_t nend_tags;
    bool header_done;
    hs_status sticky; /* I/O, compression or memory failure: the snapshot is lost */
    hs_error err;
    /* interning: arena of NUL-terminated strings, table of id+1 (0 = empty) */
    char *arena;
    size_t arena_len, arena_cap;
    size_t *str_off;
    uint32_t nstr, str_cap;
    uint32_t *table;
    uint32_t table_cap; /* power of two */
    /* current block, its references, and references of another holder */
    bool have_block;
    uint64_t b_addr, b_size;
    uint32_t b_type, b_flags, b_site;
    ref_buf b_refs;
    bool have_other;
    uint64_t o_from;
    ref_buf o_refs;
    uint32_t ntypes, nsites, nframes;
    uint64_t total_shallow; /* every block accepted, written or buffered */
    uint64_t budget;        /* string, tag and table bytes, as a reader counts them */
};

static hs_status werr(hs_writer *w, hs_status code, const char *fmt, ...) HSF_PRINTF(3, 4);
static hs_status werr(hs_writer *w, hs_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hsf_set_verror(&w->err, code, fmt, ap);
    va_end(ap);
    /* an argument or a size refused rejects that one call; anything else
     * (out of memory, say) means the snapshot would miss data */
    if (code != HS_ERR_ARG && code != HS_ERR_LIMIT) w->sticky = code;
    return code;
}

/* Refuse, at the call, a string no default reader accepts. */
static hs_status check_len(hs_error *err, const char *what, size_t len)
{
    if (len > HS_MAX_STRING)
        return hsf_set_error(err, HS_ERR_LIMIT, "%s of %zu bytes exceeds the format's %llu-byte limit", what, len,
                             (unsigned long long)HS_MAX_STRING);
    return HS_OK;
}

/* Take `cost` bytes of the string and table budget, or refuse the call. */
static hs_status take_budget(hs_writer *w, uint64_t cost, const char *what)
{
    if (cost > HS_MAX_TABLES_TOTAL - w->budget)
        return werr(w, HS_ERR_LIMIT, "%s would take strings, tags and tables past the format's %llu-byte limit",
                    what, (unsigned long long)HS_MAX_TABLES_TOTAL);
    w->budget += cost;
    return HS_OK;
}

/* Copy an encoder failure into the writer's error. */
static hs_status from_enc(hs_writer *w, hs_status st)
{
    if (st != HS_OK) {
        const hs_error *fe = w->file ? hs_outfile_error(w->file) : NULL;
        w->err = fe ? *fe : *hs_encoder_error(w->enc);
        w->err.code = st;
        if (st != HS_ERR_ARG) w->sticky = st;
    }
    return st;
}

static hs_status ensure_header(hs_writer *w);

/* Entry check of every call: a lost snapshot stays lost, and the header
 * record goes out before anything else, whichever call comes first. */
#define ENTER(w)                                        \
    do {                                                \
        if (!(w)) return HS_ERR_ARG;                    \
        if ((w)->sticky) return (w)->sticky;            \
        HSF_FORWARD_IF_ERROR(ensure_header(w));         \
    } while (0)

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static hs_status copy_tags(const hs_tag *src, size_t n, hs_tag **dst)
{
    *dst = NULL;
    if (!n) return HS_OK;
    if (!src) return HS_ERR_ARG;
    hs_tag *t = calloc(n, sizeof *t);
    if (!t) return HS_ERR_NOMEM;
    *dst = t;
    for (size_t i = 0; i < n; i++) {
        if (!src[i].key || !src[i].value) return HS_ERR_ARG;
        t[i].key = strdup(src[i].key);
        t[i].value = strdup(src[i].value);
        if (!t[i].key || !t[i].value) return HS_ERR_NOMEM;
    }
    return HS_OK;
}

static void free_tags(hs_tag *t, size_t n)
{
    if (!t) return;
    for (size_t i = 0; i < n; i++) {
        free((char *)t[i].key);
        free((char *)t[i].value);
    }
    free(t);
}

static void writer_free(hs_writer *w)
{
    hs_encoder_free(w->enc);
    free((char *)w->opt.producer);
    free((char *)w->opt.producer_version);
    free((char *)w->opt.runtime);
    free((char *)w->opt.hostname);
    free_tags(w->hdr_tags, w->nhdr_tags);
    free_tags(w->end_tags, w->nend_tags);
    free(w->arena);
    free(w->str_off);
    free(w->table);
    free(w->b_refs.v);
    free(w->o_refs.v);
    free(w);
}

static hs_status writer_new(const hs_writer_options *opt, hs_sink_fn sink, void *ud, hs_writer **out)
{
    hs_writer *w = calloc(1, sizeof *w);
    if (!w) return HS_ERR_NOMEM;
    hs_writer_options o = {0};
    if (opt) o = *opt;
    w->opt = o;
    w->opt.producer = strdup(o.producer ? o.producer : "heapsnap-c");
    w->opt.producer_version = strdup(o.producer_version ? o.producer_version : HS_LIB_VERSION_STRING);
    w->opt.runtime = dup_or_null(o.runtime);
    w->opt.hostname = dup_or_null(o.hostname);
    if (!w->opt.pid) w->opt.pid = (uint64_t)getpid();
    if (!w->opt.time_us) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        w->opt.time_us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
    }
    if (!w->opt.pointer_size) w->opt.pointer_size = (uint32_t)sizeof(void *);
    hs_status st = copy_tags(o.tags, o.ntags, &w->hdr_tags);
    w->nhdr_tags = o.ntags;
    w->opt.tags = NULL;
    w->opt.ntags = 0;
    if (st == HS_OK && (!w->opt.producer || !w->opt.producer_version || (o.runtime && !w->opt.runtime) ||
                        (o.hostname && !w->opt.hostname)))
        st = HS_ERR_NOMEM;
    if (st == HS_OK) {
        hs_encoder_options eo = {.level = o.level, .threads = o.threads};
        st = hs_encoder_new(&eo, sink, ud, &w->enc);
    }
    if (st != HS_OK) {
        if (!w->hdr_tags) w->nhdr_tags = 0;
        writer_free(w);
        return st;
    }
    *out = w;
    return HS_OK;
}

/* The header's strings and tags, checked before anything is created. */
static hs_status check_options(const hs_writer_options *o, hs_error *err)
{
    if (!o) return HS_OK;
    const char *fields[] = {o->producer, o->producer_version, o->runtime, o->hostname};
    static const char *names[] = {"producer", "producer version", "runtime", "hostname"};
    for (int i = 0; i < 4; i++)
        if (fields[i]) HSF_FORWARD_IF_ERROR(check_len(err, names[i], strlen(fields[i])));
    if (o->ntags > HSF_MAX_TAGS)
        return hsf_set_error(err, HS_ERR_LIMIT, "%zu header tags exceed the format's %u", o->ntags, HSF_MAX_TAGS);
    uint64_t total = 0;
    for (size_t i = 0; o->tags && i < o->ntags; i++) {
        if (!o->tags[i].key || !o->tags[i].value) return hsf_set_error(err, HS_ERR_ARG, "header tag %zu is NULL", i);
        size_t kl = strlen(o->tags[i].key), vl = strlen(o->tags[i].value);
        HSF_FORWARD_IF_ERROR(check_len(err, "header tag key", kl));
        if (vl > HS_MAX_STRING)
            return hsf_set_error(err, HS_ERR_LIMIT, "header tag '%.40s': value of %zu bytes exceeds the format's %llu-byte limit",
                                 o->tags[i].key, vl, (unsigned long long)HS_MAX_STRING);
        total += kl + vl + HSF_TAG_OVERHEAD;
    }
    if (total > HS_MAX_TABLES_TOTAL)
        return hsf_set_error(err, HS_ERR_LIMIT, "header tags of %llu bytes exceed the format's %llu-byte limit",
                             (unsigned long long)total, (unsigned long long)HS_MAX_TABLES_TOTAL);
    return HS_OK;
}

static uint64_t tags_cost(const hs_tag *t, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) c += strlen(t[i].key) + strlen(t[i].value) + HSF_TAG_OVERHEAD;
    return c;
}

hs_status hs_writer_open(const char *path, const hs_writer_options *opt, hs_writer **out, hs_error *err)
{
    if (!out) return hsf_set_error(err, HS_ERR_ARG, "no output handle given");
    *out = NULL;
    HSF_FORWARD_IF_ERROR(check_options(opt, err));
    hs_outfile *fs;
    hs_status st = hs_outfile_open(path, 0600, opt && opt->no_fsync ? HS_OUTFILE_NO_FSYNC : 0, &fs, err);
    if (st != HS_OK) return st;
    st = writer_new(opt, hs_outfile_write, fs, out);
    if (st != HS_OK) {
        hs_outfile_discard(fs);
        return hsf_set_error(err, st, "'%s': cannot start the writer: %s", path, hs_strerror(st));
    }
    (*out)->file = fs;
    (*out)->budget = tags_cost((*out)->hdr_tags, (*out)->nhdr_tags);
    return HS_OK;
}

hs_status hs_writer_open_sink(hs_sink_fn sink, void *ud, const hs_writer_options *opt, hs_writer **out)
{
    if (!out) return HS_ERR_ARG;
    *out = NULL;
    if (!sink) return HS_ERR_ARG;
    HSF_FORWARD_IF_ERROR(check_options(opt, NULL));
    HSF_FORWARD_IF_ERROR(writer_new(opt, sink, ud, out));
    (*out)->budget = tags_cost((*out)->hdr_tags, (*out)->nhdr_tags);
    return HS_OK;
}

const hs_error *hs_writer_error(const hs_writer *w) { return &w->err; }
const hs_counts *hs_writer_counts(const hs_writer *w) { return hs_encoder_counts(w->enc); }

static hs_status ensure_header(hs_writer *w)
{
    if (w->header_done) return HS_OK;
    hs_header h = {
        .producer = w->opt.producer,
        .producer_version = w->opt.producer_version,
        .runtime = w->opt.runtime,
        .pid = w->opt.pid,
        .time_us = w->opt.time_us,
        .pointer_size = w->opt.pointer_size,
        .hostname = w->opt.hostname,
        .tags = w->hdr_tags,
        .ntags = w->nhdr_tags,
    };
    HSF_FORWARD_IF_ERROR(from_enc(w, hs_encoder_header(w->enc, &h)));
    w->header_done = true;
    return HS_OK;
}

/* ---- interning ---- */

static uint64_t str_hash(const char *s, size_t len) { return hsf_xxh64_oneshot(s, len, 0x68736e6170ull); }

static const char *str_at(const hs_writer *w, uint32_t id, size_t *len)
{
    *len = w->str_off[id + 1] - w->str_off[id] - 1;
    return w->arena + w->str_off[id];
}

static hs_status table_grow(hs_writer *w)
{
    if (w->table_cap >= (1u << 31)) return werr(w, HS_ERR_LIMIT, "too many distinct strings");
    uint32_t cap = w->table_cap ? w->table_cap * 2 : 1024;
    uint32_t *t = calloc(cap, sizeof *t);
    if (!t) return werr(w, HS_ERR_NOMEM, "out of memory interning strings");
    for (uint32_t id = 0; id < w->nstr; id++) {
        size_t len;
        const char *s = str_at(w, id, &len);
        uint32_t i = (uint32_t)str_hash(s, len) & (cap - 1);
        while (t[i]) i = (i + 1) & (cap - 1);
        t[i] = id + 1;
    }
    free(w->table);
    w->table = t;
    w->table_cap = cap;
    return HS_OK;
}

hs_status hs_writer_intern(hs_writer *w, const char *s, size_t len, uint32_t *id)
{
    ENTER(w);
    if (!s && len) return werr(w, HS_ERR_ARG, "string is NULL");
    if (!s) s = "";
    if (len > HS_MAX_STRING) {
        check_len(&w->err, "string", len);
        return HS_ERR_LIMIT;
    }
    HSF_FORWARD_IF_ERROR(ensure_header(w));
    if ((uint64_t)w->nstr * 2 >= w->table_cap) HSF_FORWARD_IF_ERROR(table_grow(w));
    uint64_t h = str_hash(s, len);
    uint32_t i = (uint32_t)h & (w->table_cap - 1);
    while (w->table[i]) {
        size_t l;
        const char *t = str_at(w, w->table[i] - 1, &l);
        if (l == len && memcmp(t, s, len) == 0) {
            if (id) *id = w->table[i] - 1;
            return HS_OK;
        }
        i = (i + 1) & (w->table_cap - 1);
    }
    HSF_FORWARD_IF_ERROR(take_budget(w, (uint64_t)len + 1, "a string"));
    uint32_t nid;
    HSF_FORWARD_IF_ERROR(from_enc(w, hs_encoder_string(w->enc, s, len, &nid)));
    if (w->arena_len + len + 1 > w->arena_cap) {
        size_t cap = w->arena_cap ? w->arena_cap : 4096;
        while (cap < w->arena_len + len + 1) cap *= 2;
        char *a = realloc(w->arena, cap);
        if (!a) return werr(w, HS_ERR_NOMEM, "out of memory interning strings");
        w->arena = a;
        w->arena_cap = cap;
    }
    if (w->nstr + 2 > w->str_cap) {
        if (w->str_cap >= (1u << 31)) return werr(w, HS_ERR_LIMIT, "too many distinct strings");
        uint32_t cap = w->str_cap ? w->str_cap * 2 : 1024;
        size_t *o = realloc(w->str_off, cap * sizeof *o);
        if (!o) return werr(w, HS_ERR_NOMEM, "out of memory interning strings");
        w->str_off = o;
        w->str_cap = cap;
    }
    w->str_off[w->nstr] = w->arena_len;
    memcpy(w->arena + w->arena_len, s, len);
    w->arena[w->arena_len + len] = 0;
    w->arena_len += len + 1;
    w->str_off[w->nstr + 1] = w->arena_len;
    w->nstr++;
    w->table[i] = nid + 1;
    if (id) *id = nid;
    return HS_OK;
}

static hs_status intern_opt(hs_writer *w, const char *s, uint32_t *id)
{
    if (!s) {
        *id = HS_NONE;
        return HS_OK;
    }
    return hs_writer_intern(w, s, strlen(s), id);
}

/* ---- declarations ---- */

hs_status hs_writer_add_type(hs_writer *w, const char *name, const char *module, uint32_t flags, uint32_t *type_id)
{
    ENTER(w);
    if (!name) return werr(w, HS_ERR_ARG, "type name is NULL");
    hs_type t = {.flags = flags};
    HSF_FORWARD_IF_ERROR(hs_writer_intern(w, name, strlen(name), &t.name));
    HSF_FORWARD_IF_ERROR(intern_opt(w, module, &t.module));
    HSF_FORWARD_IF_ERROR(take_budget(w, HSF_TYPE_COST, "a type"));
    HSF_FORWARD_IF_ERROR(from_enc(w, hs_encoder_type(w->enc, &t, type_id)));
    w->ntypes++;
    return HS_OK;
}

hs_status hs_writer_add_frame(hs_writer *w, const char *function, const char *file, uint32_t line, uint32_t *frame_id)
{
    ENTER(w);
    hs_frame f = {.line = line};
    HSF_FORWARD_IF_ERROR(intern_opt(w, function, &f.function));
    HSF_FORWARD_IF_ERROR(intern_opt(w, file, &f.file));
    HSF_FORWARD_IF_ERROR(take_budget(w, HSF_FRAME_COST, "a frame"));
    HSF_FORWARD_IF_ERROR(from_enc(w, hs_encoder_frame(w->enc, &f, frame_id)));
    w->nframes++;
    return HS_OK;
}

hs_status hs_writer_add_site(hs_writer *w, const uint32_t *frames, uint32_t nframes, uint32_t *site_id)
{
    ENTER(w);
    HSF_FORWARD_IF_ERROR(ensure_header(w));
    HSF_FORWARD_IF_ERROR(take_budget(w, HSF_SITE_COST + (uint64_t)HSF_SITE_FRAME_COST * nframes, "a site"));
    HSF_FORWARD_IF_ERROR(from_enc(w, hs_encoder_site(w->enc, frames, nframes, site_id)));
    w->nsites++;
    return HS_OK;
}

static hs_status flush_block(hs_writer *w)
{
    if (!w->have_block) return HS_OK;
    w->have_block = false;
    hs_status st = hs_encoder_block(w->enc, w->b_addr, w->b_size, w->b_type, w->b_flags, w->b_site,
                                    w->b_refs.v, w->b_refs.n);
    w->b_refs.n = 0;
    from_enc(w, st);
    if (st != HS_OK) w->sticky = st; /* an accepted block was lost: the snapshot is */
    return st;
}

static hs_status flush_other(hs_writer *w)
{
    if (!w->have_other) return HS_OK;
    w->have_other = false;
    hs_status st = hs_encoder_refs(w->enc, w->o_from, w->o_refs.v, w->o_refs.n);
    w->o_refs.n = 0;
    from_enc(w, st);
    if (st != HS_OK) w->sticky = st;
    return st;
}

hs_status hs_writer_add_block(hs_writer *w, uint64_t addr, uint64_t size, uint32_t type_id, uint32_t flags,
                              uint32_t site_id)
{
    ENTER(w);
    HSF_FORWARD_IF_ERROR(ensure_header(w));
    if (type_id >= w->ntypes) return werr(w, HS_ERR_ARG, "block 0x%llx: undeclared type id %u", (unsigned long long)addr, type_id);
    if (site_id != HS_NONE && site_id >= w->nsites)
        return werr(w, HS_ERR_ARG, "block 0x%llx: undeclared site id %u", (unsigned long long)addr, site_id);
    if (w->total_shallow + size < size)
        return werr(w, HS_ERR_ARG, "block 0x%llx: total shallow size would overflow 64 bits", (unsigned long long)addr);
    HSF_FORWARD_IF_ERROR(flush_block(w));
    w->total_shallow += size;
    w->have_block = true;
    w->b_addr = addr;
    w->b_size = size;
    w->b_type = type_id;
    w->b_flags = flags;
    w->b_site = site_id;
    return HS_OK;
}

static hs_status push_ref(hs_writer *w, ref_buf *b, const hs_ref *r)
{
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 64;
        hs_ref *v = realloc(b->v, cap * sizeof *v);
        if (!v) return werr(w, HS_ERR_NOMEM, "out of memory buffering references");
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = *r;
    return HS_OK;
}

static hs_status add_ref(hs_writer *w, uint64_t from, const hs_ref *r)
{
    HSF_FORWARD_IF_ERROR(ensure_header(w));
    if (w->have_block && from == w->b_addr) {
        /* a block with very many references goes out in chunks */
        if (w->b_refs.n == HSD_REFS_CHUNK) {
            uint64_t addr = w->b_addr;
            HSF_FORWARD_IF_ERROR(flush_block(w));
            HSF_FORWARD_IF_ERROR(flush_other(w));
            w->have_other = true;
            w->o_from = addr;
            return push_ref(w, &w->o_refs, r);
        }
        return push_ref(w, &w->b_refs, r);
    }
    if (w->have_other && (w->o_from != from || w->o_refs.n == HSD_REFS_CHUNK)) HSF_FORWARD_IF_ERROR(flush_other(w));
    w->have_other = true;
    w->o_from = from;
    return push_ref(w, &w->o_refs, r);
}

hs_status hs_writer_add_ref_sid(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind, uint32_t label_id)
{
    ENTER(w);
    if ((unsigned)kind > HS_REF_OTHER) return werr(w, HS_ERR_ARG, "unknown reference kind %u", (unsigned)kind);
    if (label_id != HS_NONE && label_id >= w->nstr) return werr(w, HS_ERR_ARG, "undeclared label string id %u", label_id);
    hs_ref r = {.to = to,
                .kind = (uint8_t)kind,
                .label_type = label_id == HS_NONE ? HS_LABEL_NONE : HS_LABEL_STRING,
                .label = label_id == HS_NONE ? 0 : label_id};
    return add_ref(w, from, &r);
}

hs_status hs_writer_add_ref(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind, const char *label)
{
    ENTER(w);
    uint32_t sid;
    HSF_FORWARD_IF_ERROR(intern_opt(w, label, &sid));
    return hs_writer_add_ref_sid(w, from, to, kind, sid);
}

hs_status hs_writer_add_ref_index(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind, uint64_t index)
{
    ENTER(w);
    if ((unsigned)kind > HS_REF_OTHER) return werr(w, HS_ERR_ARG, "unknown reference kind %u", (unsigned)kind);
    hs_ref r = {.to = to, .kind = (uint8_t)kind, .label_type = HS_LABEL_INDEX, .label = index};
    return add_ref(w, from, &r);
}

hs_status hs_writer_add_root(hs_writer *w, uint64_t addr, hs_root_kind kind, const char *name, uint64_t count)
{
    ENTER(w);
    if ((unsigned)kind > HS_ROOT_RUNTIME) return werr(w, HS_ERR_ARG, "unknown root kind %u", (unsigned)kind);
    uint32_t sid;
    HSF_FORWARD_IF_ERROR(intern_opt(w, name, &sid));
    return from_enc(w, hs_encoder_root(w->enc, addr, kind, sid, count));
}

static hs_status add_value(hs_writer *w, uint64_t addr, hs_value_type t, const void *p, size_t len, uint64_t full,
                           int64_t i, double f)
{
    ENTER(w);
    if ((t == HS_VALUE_TEXT || t == HS_VALUE_BYTES) && full < len)
        return werr(w, HS_ERR_ARG, "value preview of %zu bytes is longer than its full length %llu", len,
                    (unsigned long long)full);
    if (len > HS_MAX_STRING) {
        check_len(&w->err, "value preview", len);
        return HS_ERR_LIMIT;
    }
    HSF_FORWARD_IF_ERROR(ensure_header(w));
    return from_enc(w, hs_encoder_value(w->enc, addr, t, p, len, full, i, f));
}

hs_status hs_writer_add_value_text(hs_writer *w, uint64_t addr, const char *s, size_t len, uint64_t full_len)
{
    return add_value(w, addr, HS_VALUE_TEXT, s, len, full_len, 0, 0);
}

hs_status hs_writer_add_value_bytes(hs_writer *w, uint64_t addr, const void *p, size_t len, uint64_t full_len)
{
    return add_value(w, addr, HS_VALUE_BYTES, p, len, full_len, 0, 0);
}

hs_status hs_writer_add_value_int(hs_writer *w, uint64_t addr, int64_t v)
{
    return add_value(w, addr, HS_VALUE_INT, NULL, 0, 0, v, 0);
}

hs_status hs_writer_add_value_float(hs_writer *w, uint64_t addr, double v)
{
    return add_value(w, addr, HS_VALUE_FLOAT, NULL, 0, 0, 0, v);
}

hs_status hs_writer_set_end_tag(hs_writer *w, const char *key, const char *value)
{
    ENTER(w);
    if (!key || !value) return werr(w, HS_ERR_ARG, "end tag needs a key and a value");
    size_t kl = strlen(key), vl = strlen(value);
    if (kl > HS_MAX_STRING || vl > HS_MAX_STRING) {
        check_len(&w->err, kl > HS_MAX_STRING ? "end tag key" : "end tag value", kl > HS_MAX_STRING ? kl : vl);
        return HS_ERR_LIMIT;
    }
    for (size_t i = 0; i < w->nend_tags; i++) {
        if (strcmp(w->end_tags[i].key, key) == 0) {
            size_t old = strlen(w->end_tags[i].value);
            w->budget -= old;
            hs_status st = take_budget(w, vl, "an end tag");
            if (st != HS_OK) {
                w->budget += old;
                return st;
            }
            char *v = strdup(value);
            if (!v) return werr(w, HS_ERR_NOMEM, "out of memory");
            free((char *)w->end_tags[i].value);
            w->end_tags[i].value = v;
            return HS_OK;
        }
    }
    if (w->nhdr_tags + w->nend_tags >= HSF_MAX_TAGS)
        return werr(w, HS_ERR_LIMIT, "more than %u header and end tags", HSF_MAX_TAGS);
    HSF_FORWARD_IF_ERROR(take_budget(w, kl + vl + HSF_TAG_OVERHEAD, "an end tag"));
    hs_tag *t = realloc(w->end_tags, (w->nend_tags + 1) * sizeof *t);
    if (!t) return werr(w, HS_ERR_NOMEM, "out of memory");
    w->end_tags = t;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return werr(w, HS_ERR_NOMEM, "out of memory");
    }
    t[w->nend_tags].key = k;
    t[w->nend_tags].value = v;
    w->nend_tags++;
    return HS_OK;
}

hs_status hs_writer_close(hs_writer *w, hs_error *err)
{
    if (!w) return HS_OK;
    hs_status st = w->sticky ? w->sticky : ensure_header(w);
    if (st == HS_OK) st = flush_block(w);
    if (st == HS_OK) st = flush_other(w);
    if (st == HS_OK) st = from_enc(w, hs_encoder_finish(w->enc, w->end_tags, w->nend_tags));
    if (st != HS_OK) {
        if (err) *err = w->err;
        hs_outfile_discard(w->file);
        writer_free(w);
        return st;
    }
    if (w->file) {
        st = hs_outfile_commit(w->file, err);
        w->file = NULL;
    }
    writer_free(w);
    return st;
}

void hs_writer_abort(hs_writer *w)
{
    if (!w) return;
    hs_outfile_discard(w->file);
    writer_free(w);
}
