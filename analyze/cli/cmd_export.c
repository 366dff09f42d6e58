/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_export.c — `heapsnap export --sqlite OUT.db FILE`: the
 * analysed graph as SQLite tables (blocks with type, size, retained bytes,
 * immediate dominator and reachability; references with labels and
 * kinds; roots; types; the file's header), with indexes, so the questions
 * Eclipse MAT users ask in OQL become SQL. Schema and queries:
 * docs/query.md. The database is written into an hs_outfile (O_EXCL |
 * O_NOFOLLOW, 0600) that SQLite opens through /proc/self/fd, then renamed
 * over OUT: nothing that looks complete appears at OUT on failure.
 *
 * Speed (issue 18; tests/bench/bench_export.sh): the blocks and refs rows
 * come from two eponymous virtual tables over the graph's arrays, each
 * moved by one INSERT ... SELECT (no bind/step/reset per row); the second
 * pass over the file for sites and values runs on a thread meanwhile (its
 * values buffered, inserted after); the pages are 16 KiB and the page
 * cache 4 MiB, so each CREATE INDEX sorts runs that fit in the CPU's
 * cache before merging them (a 64 MiB cache sorted 3M keys in one
 * cache-missing list merge, twice as slow); indexes on mostly-NULL
 * columns are partial. HEAPSNAP_EXPORT_TIMINGS=1 prints each phase's
 * seconds on stderr; HEAPSNAP_THREADS=1 runs the second pass first, on
 * the one thread.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct export_options {
    const char *sqlite;
    bool index; /* --no-index: neither read nor write the index */
} export_options;

static const export_options export_defaults = {.index = true};

static const cli_opt export_opts[] = {
    {"sqlite", 0, CLI_STRING, CLI_FIELD(export_options, sqlite), "OUT.db",
     "write a SQLite database (schema in docs/query.md)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(export_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd export_cmd = {
    "export", "heapsnap export --sqlite OUT.db FILE",
    "The analysed snapshot as SQLite tables: blocks, references, roots, types (docs/query.md).",
    export_opts, sizeof export_opts / sizeof export_opts[0], 1, 1, &export_defaults, sizeof export_defaults,
};

#define EXPORT_SCHEMA_VERSION 1

/* No journal and no syncs while building: the file is a temporary one,
 * renamed over OUT only once complete (hs_outfile_commit syncs it first).
 * secure_delete (Debian's default) would zero the space of cells moved
 * by page splits: in a new file, private until renamed, that is only
 * work. The page size must come before the first table. */
static const char *const schema_sql =
    "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
    "PRAGMA cache_size=-4096; PRAGMA secure_delete=OFF;"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE types(id INTEGER PRIMARY KEY, name TEXT NOT NULL, count INTEGER, shallow INTEGER,"
    " retained INTEGER);"
    "CREATE TABLE blocks(id INTEGER PRIMARY KEY, address INTEGER NOT NULL, type INTEGER NOT NULL REFERENCES types,"
    " size INTEGER NOT NULL, retained INTEGER NOT NULL, dominator INTEGER REFERENCES blocks,"
    " reachable INTEGER NOT NULL, flags INTEGER NOT NULL, site INTEGER REFERENCES sites);"
    "CREATE TABLE frames(id INTEGER PRIMARY KEY, function TEXT, file TEXT, line INTEGER);"
    "CREATE TABLE sites(site INTEGER NOT NULL, depth INTEGER NOT NULL, frame INTEGER NOT NULL REFERENCES frames,"
    " PRIMARY KEY (site, depth)) WITHOUT ROWID;"
    "CREATE TABLE \"values\"(block INTEGER NOT NULL REFERENCES blocks, kind TEXT NOT NULL, text TEXT, bytes BLOB,"
    " int INTEGER, real REAL, full_length INTEGER);"
    "CREATE TABLE refs(holder INTEGER NOT NULL REFERENCES blocks, seq INTEGER NOT NULL,"
    " target INTEGER NOT NULL REFERENCES blocks, label TEXT, idx INTEGER, kind TEXT NOT NULL,"
    " PRIMARY KEY (holder, seq)) WITHOUT ROWID;"
    "CREATE TABLE roots(block INTEGER NOT NULL REFERENCES blocks, kind TEXT NOT NULL, name TEXT, count INTEGER);";

/* Each index with the phase name HEAPSNAP_EXPORT_TIMINGS prints for it. The
 * partial ones still serve `dominator = ?` and `site = ?` (SQLite uses an
 * index WHERE c IS NOT NULL for c = ?); blocks under a root or garbage
 * have no dominator, and most dumps have no sites. */
static const char *const index_sql[][2] = {
    {"index refs_target", "CREATE INDEX refs_target ON refs(target)"},
    {"index blocks_type", "CREATE INDEX blocks_type ON blocks(type)"},
    {"index blocks_dom", "CREATE INDEX blocks_dominator ON blocks(dominator) WHERE dominator IS NOT NULL"},
    {"index blocks_site", "CREATE INDEX blocks_site ON blocks(site) WHERE site IS NOT NULL"},
    {"index roots_block", "CREATE INDEX roots_block ON roots(block)"},
    {"index values_block", "CREATE INDEX values_block ON \"values\"(block)"},
};

typedef struct exporter {
    sqlite3 *db;
    const char *out;
    int rc;
    bool timings;  /* HEAPSNAP_EXPORT_TIMINGS=1: each phase's seconds on stderr */
    double t_wall, t_cpu; /* when the last phase ended */
} exporter;

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One line per phase on stderr: its wall and CPU (the process's, all threads) seconds. */
static void phase(exporter *x, const char *name)
{
    if (!x->timings) return;
    double w = clock_s(CLOCK_MONOTONIC), c = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    if (name) fprintf(stderr, "export: %-18s %7.3f s wall %7.3f s cpu\n", name, w - x->t_wall, c - x->t_cpu);
    x->t_wall = w;
    x->t_cpu = c;
}

static int db_fail(exporter *x, const char *what)
{
    return cli_error("'%s': %s: %s", x->out, what, x->db ? sqlite3_errmsg(x->db) : "cannot open");
}

static int exec(exporter *x, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    int rc = cli_error("'%s': %s: %s", x->out, what, msg ? msg : "failed");
    sqlite3_free(msg);
    return rc;
}

static int prep(exporter *x, const char *sql, sqlite3_stmt **st)
{
    return sqlite3_prepare_v2(x->db, sql, -1, st, NULL) == SQLITE_OK ? 0 : db_fail(x, "preparing a statement");
}

/* Step one insert and reset it; false on failure. */
static bool step(sqlite3_stmt *st)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    return r == SQLITE_DONE;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s, size_t len)
{
    if (s) sqlite3_bind_text(st, i, s, (int)len, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

static int write_meta(exporter *x, const char *path, const graph *g)
{
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO meta VALUES (?, ?)", &st)) return HS_EXIT_BAD_INPUT;
    const hs_header *h = g->reader ? hs_reader_header(g->reader) : NULL;
    char num[32];
    snprintf(num, sizeof num, "%d", EXPORT_SCHEMA_VERSION);
    const char *kv[][2] = {{"schema", num}, {"file", path}, {"producer", h ? h->producer : NULL},
                           {"runtime", h ? h->runtime : NULL}};
    bool ok = true;
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        bind_text(st, 1, kv[i][0], strlen(kv[i][0]));
        bind_text(st, 2, kv[i][1], kv[i][1] ? strlen(kv[i][1]) : 0);
        ok = ok && step(st);
    }
    for (size_t i = 0; h && i < h->ntags; i++) {
        char key[300];
        snprintf(key, sizeof key, "tag.%s", h->tags[i].key);
        bind_text(st, 1, key, strlen(key));
        bind_text(st, 2, h->tags[i].value, strlen(h->tags[i].value));
        ok = ok && step(st);
    }
    sqlite3_finalize(st);
    return ok ? 0 : db_fail(x, "writing the header");
}

static int write_types(exporter *x, const graph *g)
{
    graph_type_row *rows = NULL;
    uint32_t nrows = 0;
    uint64_t *ret = malloc(((size_t)g->ntypes + 1) * 8);
    if (!ret || graph_type_rows(g, false, &rows, &nrows) || graph_type_retained(g, ret)) {
        free(ret);
        free(rows);
        return cli_error("'%s': out of memory", x->out);
    }
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO types VALUES (?, ?, ?, ?, ?)", &st)) {
        free(ret);
        free(rows);
        return HS_EXIT_BAD_INPUT;
    }
    bool ok = true;
    /* every declared type, with or without instances */
    uint8_t *seen = calloc((size_t)g->ntypes + 1, 1);
    for (uint32_t i = 0; i < nrows && ok; i++) {
        const graph_type_row *r = &rows[i];
        if (r->type < g->ntypes && seen) seen[r->type] = 1;
        sqlite3_bind_int64(st, 1, r->type);
        bind_text(st, 2, r->name, strlen(r->name));
        sqlite3_bind_int64(st, 3, (sqlite3_int64)r->count);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)r->shallow);
        sqlite3_bind_int64(st, 5, r->type < g->ntypes ? (sqlite3_int64)ret[r->type] : 0);
        ok = step(st);
    }
    for (uint32_t t = 0; seen && t < g->ntypes && ok; t++) {
        if (seen[t]) continue;
        char name[256];
        const char *tn = graph_type_name(g->reader, t, name, sizeof name);
        sqlite3_bind_int64(st, 1, t);
        bind_text(st, 2, tn, strlen(tn));
        sqlite3_bind_int64(st, 3, 0);
        sqlite3_bind_int64(st, 4, 0);
        sqlite3_bind_int64(st, 5, 0);
        ok = step(st);
    }
    sqlite3_finalize(st);
    free(seen);
    free(ret);
    free(rows);
    return ok ? 0 : db_fail(x, "writing the types");
}

/* ---- rows straight from the graph: an eponymous virtual table per bulk table, so that one
 * INSERT ... SELECT moves every row without a bind/step/reset per row ---- */

typedef struct rows_src {
    const graph *g;
    const uint32_t *site;
    int which; /* 0 blocks, 1 refs */
} rows_src;

typedef struct rows_vtab {
    sqlite3_vtab base;
    const rows_src *src;
} rows_vtab;

typedef struct rows_cur {
    sqlite3_vtab_cursor base;
    uint64_t i; /* the block (blocks) or reference (refs) */
    uint32_t v; /* refs: its holder */
} rows_cur;

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **err)
{
    (void)argc;
    (void)argv;
    (void)err;
    const rows_src *src = aux;
    int r = sqlite3_declare_vtab(db, src->which == 0
                                         ? "CREATE TABLE x(id, address, type, size, retained, dominator, reachable,"
                                           " flags, site)"
                                         : "CREATE TABLE x(holder, seq, target, label, idx, kind)");
    if (r != SQLITE_OK) return r;
    rows_vtab *t = sqlite3_malloc(sizeof *t);
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof *t);
    t->src = src;
    *out = &t->base;
    return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *t)
{
    sqlite3_free(t);
    return SQLITE_OK;
}

static int rows_best_index(sqlite3_vtab *t, sqlite3_index_info *info)
{
    (void)t;
    info->estimatedCost = 1e6;
    return SQLITE_OK;
}

static int rows_open(sqlite3_vtab *t, sqlite3_vtab_cursor **out)
{
    (void)t;
    rows_cur *c = sqlite3_malloc(sizeof *c);
    if (!c) return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *out = &c->base;
    return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *c)
{
    sqlite3_free(c);
    return SQLITE_OK;
}

static void rows_settle(rows_cur *c)
{
    const rows_src *src = ((rows_vtab *)c->base.pVtab)->src;
    const graph *g = src->g;
    if (src->which == 1)
        while (c->v < g->n && g->out_off[c->v + 1] <= c->i) c->v++;
}

static int rows_filter(sqlite3_vtab_cursor *cur, int idx, const char *idxs, int argc, sqlite3_value **argv)
{
    (void)idx;
    (void)idxs;
    (void)argc;
    (void)argv;
    rows_cur *c = (rows_cur *)cur;
    c->i = 0;
    c->v = 0;
    rows_settle(c);
    return SQLITE_OK;
}

static int rows_next(sqlite3_vtab_cursor *cur)
{
    rows_cur *c = (rows_cur *)cur;
    c->i++;
    rows_settle(c);
    return SQLITE_OK;
}

static int rows_eof(sqlite3_vtab_cursor *cur)
{
    rows_cur *c = (rows_cur *)cur;
    const rows_src *src = ((rows_vtab *)cur->pVtab)->src;
    return c->i >= (src->which == 0 ? src->g->n : src->g->out_off[src->g->n]);
}

static int rows_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *id)
{
    *id = (sqlite3_int64)((rows_cur *)cur)->i;
    return SQLITE_OK;
}

static int rows_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    rows_cur *c = (rows_cur *)cur;
    const rows_src *src = ((rows_vtab *)cur->pVtab)->src;
    const graph *g = src->g;
    if (src->which == 0) {
        uint32_t v = (uint32_t)c->i;
        switch (col) {
        case 0: sqlite3_result_int64(ctx, v); break;
        case 1: sqlite3_result_int64(ctx, (sqlite3_int64)graph_addr(g, v)); break; /* two's complement past 2^63 */
        case 2: sqlite3_result_int64(ctx, g->type[v]); break;
        case 3: sqlite3_result_int64(ctx, (sqlite3_int64)graph_size(g, v)); break;
        case 4: sqlite3_result_int64(ctx, (sqlite3_int64)graph_retained(g, v)); break;
        case 5:
            if (g->idom[v] < g->n) sqlite3_result_int64(ctx, g->idom[v]);
            break;
        case 6: sqlite3_result_int(ctx, graph_reachable(g, v)); break;
        case 7: sqlite3_result_int(ctx, g->flags[v]); break;
        case 8:
            if (src->site && src->site[v] != GRAPH_NONE) sqlite3_result_int64(ctx, src->site[v]);
            break;
        }
        return SQLITE_OK;
    }
    uint32_t e = (uint32_t)c->i;
    uint8_t k = g->out_kind[e];
    unsigned lt = (k >> GRAPH_LABEL_SHIFT) & 3u;
    switch (col) {
    case 0: sqlite3_result_int64(ctx, c->v); break;
    case 1: sqlite3_result_int64(ctx, e - g->out_off[c->v]); break;
    case 2: sqlite3_result_int64(ctx, g->out_to[e]); break;
    case 3:
        if (lt == HS_LABEL_STRING && g->reader) {
            size_t len = 0;
            const char *s = hs_reader_string(g->reader, graph_label(g, e), &len);
            if (s) sqlite3_result_text(ctx, s, (int)len, SQLITE_STATIC); /* the reader's: valid until the end */
        }
        break;
    case 4:
        if (lt == HS_LABEL_INDEX)
            sqlite3_result_int64(ctx, (k & GRAPH_LABEL_CLIPPED) ? (sqlite3_int64)UINT32_MAX : graph_label(g, e));
        break;
    case 5: sqlite3_result_text(ctx, out_kind_name(k), -1, SQLITE_STATIC); break;
    }
    return SQLITE_OK;
}

static const sqlite3_module rows_module = {
    .iVersion = 1,
    .xConnect = rows_connect,
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

/* One table's rows from its virtual table ("export_blocks" or "export_refs"); src must outlive the
 * connection's use of the module, which ends with this call (the module is dropped). */
static int write_rows(exporter *x, const rows_src *src, const char *what)
{
    const char *mod = src->which == 0 ? "export_blocks" : "export_refs";
    if (sqlite3_create_module_v2(x->db, mod, &rows_module, (void *)src, NULL) != SQLITE_OK)
        return db_fail(x, "registering a row source");
    int rc = exec(x, src->which == 0 ? "INSERT INTO blocks SELECT * FROM export_blocks"
                                     : "INSERT INTO refs SELECT * FROM export_refs",
                  what);
    if (sqlite3_create_module_v2(x->db, mod, NULL, NULL, NULL) != SQLITE_OK && !rc)
        rc = db_fail(x, "dropping a row source");
    return rc;
}

/* The reader's frames and sites (innermost frame first, depth 0). */
static int write_sites(exporter *x, const graph *g)
{
    const hs_reader *r = g->reader;
    if (!r) return 0;
    sqlite3_stmt *fs, *ss;
    if (prep(x, "INSERT INTO frames VALUES (?, ?, ?, ?)", &fs)) return HS_EXIT_BAD_INPUT;
    if (prep(x, "INSERT INTO sites VALUES (?, ?, ?)", &ss)) {
        sqlite3_finalize(fs);
        return HS_EXIT_BAD_INPUT;
    }
    bool ok = true;
    for (uint32_t i = 0; i < hs_reader_frame_count(r) && ok; i++) {
        const hs_frame *f = hs_reader_frame(r, i);
        size_t fl = 0, il = 0;
        const char *fn = f->function == HS_NONE ? NULL : hs_reader_string(r, f->function, &fl);
        const char *file = f->file == HS_NONE ? NULL : hs_reader_string(r, f->file, &il);
        sqlite3_bind_int64(fs, 1, i);
        bind_text(fs, 2, fn, fl);
        bind_text(fs, 3, file, il);
        sqlite3_bind_int64(fs, 4, f->line);
        ok = step(fs);
    }
    for (uint32_t i = 0; i < hs_reader_site_count(r) && ok; i++) {
        uint32_t nf = 0;
        const uint32_t *fr = hs_reader_site(r, i, &nf);
        for (uint32_t d = 0; d < nf && ok; d++) {
            sqlite3_bind_int64(ss, 1, i);
            sqlite3_bind_int64(ss, 2, d);
            sqlite3_bind_int64(ss, 3, fr[d]);
            ok = step(ss);
        }
    }
    sqlite3_finalize(fs);
    sqlite3_finalize(ss);
    return ok ? 0 : db_fail(x, "writing the allocation sites");
}

/* The values of the second pass, copied as they come (the pass may run on its own thread, which must
 * not touch the connection): rows, and their texts and bytes end to end in one arena. */
typedef struct value_row {
    uint32_t block;
    unsigned type;
    int64_t i;
    double f;
    uint64_t full_len;
    size_t off, len; /* in the arena */
} value_row;

typedef struct value_buf {
    value_row *rows;
    size_t n, cap;
    char *arena;
    size_t used, room;
    bool oom;
} value_buf;

static void buf_value(void *ud, uint32_t v, const hs_record *rec)
{
    value_buf *b = ud;
    if (b->oom) return;
    unsigned t = rec->u.value.type;
    size_t len = t == HS_VALUE_TEXT || t == HS_VALUE_BYTES ? rec->u.value.len : 0;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        value_row *r = realloc(b->rows, cap * sizeof *r);
        if (!r) {
            b->oom = true;
            return;
        }
        b->rows = r;
        b->cap = cap;
    }
    if (len > b->room - b->used) {
        size_t room = b->room ? b->room : 4096;
        while (room - b->used < len) room *= 2;
        char *a = realloc(b->arena, room);
        if (!a) {
            b->oom = true;
            return;
        }
        b->arena = a;
        b->room = room;
    }
    if (len) memcpy(b->arena + b->used, rec->u.value.data, len);
    b->rows[b->n++] = (value_row){v, t, rec->u.value.i, rec->u.value.f, rec->u.value.full_len, b->used, len};
    b->used += len;
}

static void buf_release(value_buf *b)
{
    free(b->rows);
    free(b->arena);
}

static int write_values(exporter *x, const value_buf *b)
{
    if (b->oom) return cli_error("'%s': out of memory reading the values", x->out);
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO \"values\" VALUES (?, ?, ?, ?, ?, ?, ?)", &st)) return HS_EXIT_BAD_INPUT;
    static const char *const kinds[] = {"text", "bytes", "int", "float"};
    bool ok = true;
    for (size_t k = 0; k < b->n && ok; k++) {
        const value_row *r = &b->rows[k];
        const char *data = b->arena ? b->arena + r->off : "";
        unsigned t = r->type;
        sqlite3_bind_int64(st, 1, r->block);
        sqlite3_bind_text(st, 2, t < 4 ? kinds[t] : "other", -1, SQLITE_STATIC);
        for (int i = 3; i <= 7; i++) sqlite3_bind_null(st, i);
        if (t == HS_VALUE_TEXT) sqlite3_bind_text(st, 3, data, (int)r->len, SQLITE_STATIC);
        else if (t == HS_VALUE_BYTES) sqlite3_bind_blob(st, 4, data, (int)r->len, SQLITE_STATIC);
        else if (t == HS_VALUE_INT) sqlite3_bind_int64(st, 5, r->i);
        else if (t == HS_VALUE_FLOAT) sqlite3_bind_double(st, 6, r->f);
        if (t == HS_VALUE_TEXT || t == HS_VALUE_BYTES) sqlite3_bind_int64(st, 7, (sqlite3_int64)r->full_len);
        ok = step(st);
    }
    sqlite3_finalize(st);
    return ok ? 0 : db_fail(x, "writing the values");
}

/* The second pass over an .hsnap: the blocks' sites into *site and the values dumped with them
 * (heapsnap.dump(values=True)) into vals; a V8 snapshot has neither loaded (site stays NULL). */
typedef struct extras_job {
    const char *open_path;
    const graph *g;
    uint32_t *site;
    value_buf vals;
    graph_status status;
    graph_load_error err;
} extras_job;

static void *extras_run(void *arg)
{
    extras_job *j = arg;
    j->status = GRAPH_OK;
    if (!graph_file_is_v8(j->open_path))
        j->status = load_block_extras(j->open_path, j->g, &j->site, buf_value, &j->vals, &j->err);
    return NULL;
}

static int write_roots(exporter *x, const graph *g)
{
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO roots VALUES (?, ?, ?, ?)", &st)) return HS_EXIT_BAD_INPUT;
    bool ok = true;
    for (uint32_t r = 0; r < g->nroots && ok; r++) {
        const graph_root *rt = &g->roots[r];
        size_t len = 0;
        const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
        sqlite3_bind_int64(st, 1, rt->node);
        sqlite3_bind_text(st, 2, out_root_kind_name(rt->kind), -1, SQLITE_STATIC);
        bind_text(st, 3, name, len);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)rt->count);
        ok = step(st);
    }
    sqlite3_finalize(st);
    return ok ? 0 : db_fail(x, "writing the roots");
}

int cmd_export(int argc, char **argv)
{
    char *args[1];
    int nargs;
    export_options o;
    int rc = cli_parse(&export_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (!o.sqlite) {
        fprintf(stderr, "heapsnap export: say where: --sqlite OUT.db\n");
        cli_print_help(&export_cmd, stderr);
        return HS_EXIT_USAGE;
    }
    const char *path = args[0];
    const char *tv = getenv("HEAPSNAP_EXPORT_TIMINGS"), *th = getenv("HEAPSNAP_THREADS");
    exporter x = {NULL, o.sqlite, 0, tv && strcmp(tv, "1") == 0, 0, 0};
    phase(&x, NULL);
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_DOMINATORS | CLI_NEED_TYPES, o.index))) return rc;
    phase(&x, "load");
    extras_job job = {.open_path = cli_open_path(path), .g = &g}; /* "-": the copy cli_graph_load read */
    pthread_t thread;
    bool threaded = false, joined = false;
    hs_outfile *of = NULL;
    hs_error e;
    if (hs_outfile_open(o.sqlite, 0, 0, &of, &e) != HS_OK) {
        graph_release(&g);
        return cli_error("%s", e.message);
    }
    FILE *f = hs_outfile_stream(of);
    char fdpath[64];
    if (!f) {
        rc = cli_error("'%s': %s", o.sqlite, hs_outfile_error(of) ? hs_outfile_error(of)->message : "cannot write");
        goto done;
    }
    /* SQLite writes the temporary file through our descriptor's /proc
     * link: the name is never looked up again, so a file swapped in under
     * it cannot be written */
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fileno(f));
    if (sqlite3_open_v2(fdpath, &x.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = db_fail(&x, "opening the database");
        goto done;
    }
    if ((rc = exec(&x, schema_sql, "creating the tables")) || (rc = exec(&x, "BEGIN", "starting")) ||
        (rc = write_meta(&x, path, &g)) || (rc = write_types(&x, &g)) || (rc = write_sites(&x, &g)))
        goto done;
    phase(&x, "meta types sites");
    /* the second pass reads the file and g (not the connection) while the refs go in */
    if (!(th && strcmp(th, "1") == 0)) threaded = pthread_create(&thread, NULL, extras_run, &job) == 0;
    if (!threaded) {
        extras_run(&job);
        joined = true;
        phase(&x, "second pass");
    }
    rows_src refs = {&g, NULL, 1};
    if ((rc = write_rows(&x, &refs, "writing the references"))) goto done;
    phase(&x, "refs rows");
    if ((rc = exec(&x, index_sql[0][1], "indexing"))) goto done;
    phase(&x, index_sql[0][0]);
    if (threaded) {
        pthread_join(thread, NULL);
        joined = true;
        phase(&x, "second pass wait");
    }
    if (job.status) {
        rc = cli_error("'%s': %s", path, job.err.message);
        goto done;
    }
    rows_src blocks = {&g, job.site, 0};
    if ((rc = write_rows(&x, &blocks, "writing the blocks"))) goto done;
    phase(&x, "blocks rows");
    if ((rc = write_values(&x, &job.vals)) || (rc = write_roots(&x, &g))) goto done;
    phase(&x, "values roots rows");
    for (size_t i = 1; i < sizeof index_sql / sizeof index_sql[0]; i++) {
        if ((rc = exec(&x, index_sql[i][1], "indexing"))) goto done;
        phase(&x, index_sql[i][0]);
    }
    if ((rc = exec(&x, "COMMIT", "committing"))) goto done;
    phase(&x, "commit");
    if (sqlite3_close(x.db) != SQLITE_OK) {
        rc = db_fail(&x, "closing the database");
        goto done;
    }
    x.db = NULL;
    if (hs_outfile_commit(of, &e) != HS_OK) rc = cli_error("%s", e.message);
    of = NULL;
    phase(&x, "close and rename");
done:
    if (threaded && !joined) pthread_join(thread, NULL); /* before g goes: the pass reads it */
    if (x.db) sqlite3_close(x.db);
    hs_outfile_discard(of);
    free(job.site);
    buf_release(&job.vals);
    graph_release(&g);
    return rc;
}
