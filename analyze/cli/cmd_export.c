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
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static const char *const schema_sql =
    "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
    "PRAGMA cache_size=-65536;"
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

static const char *const index_sql =
    "CREATE INDEX blocks_type ON blocks(type); CREATE INDEX blocks_dominator ON blocks(dominator);"
    "CREATE INDEX refs_target ON refs(target); CREATE INDEX roots_block ON roots(block);"
    "CREATE INDEX values_block ON \"values\"(block); CREATE INDEX blocks_site ON blocks(site);";

typedef struct exporter {
    sqlite3 *db;
    const char *out;
    int rc;
} exporter;

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

static int write_blocks(exporter *x, const graph *g, const uint32_t *site)
{
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", &st)) return HS_EXIT_BAD_INPUT;
    bool ok = true;
    for (uint32_t v = 0; v < g->n && ok; v++) {
        sqlite3_bind_int64(st, 1, v);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)graph_addr(g, v)); /* two's complement past 2^63 */
        sqlite3_bind_int64(st, 3, g->type[v]);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)graph_size(g, v));
        sqlite3_bind_int64(st, 5, (sqlite3_int64)g->retained[v]);
        if (g->idom[v] < g->n) sqlite3_bind_int64(st, 6, g->idom[v]);
        else sqlite3_bind_null(st, 6);
        sqlite3_bind_int(st, 7, graph_reachable(g, v));
        sqlite3_bind_int(st, 8, g->flags[v]);
        if (site && site[v] != GRAPH_NONE) sqlite3_bind_int64(st, 9, site[v]);
        else sqlite3_bind_null(st, 9);
        ok = step(st);
    }
    sqlite3_finalize(st);
    return ok ? 0 : db_fail(x, "writing the blocks");
}

static int write_refs(exporter *x, const graph *g)
{
    sqlite3_stmt *st;
    if (prep(x, "INSERT INTO refs VALUES (?, ?, ?, ?, ?, ?)", &st)) return HS_EXIT_BAD_INPUT;
    bool ok = true;
    for (uint32_t v = 0; v < g->n && ok; v++) {
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1] && ok; e++) {
            uint8_t k = g->out_kind[e];
            unsigned lt = (k >> GRAPH_LABEL_SHIFT) & 3u;
            sqlite3_bind_int64(st, 1, v);
            sqlite3_bind_int64(st, 2, e - g->out_off[v]);
            sqlite3_bind_int64(st, 3, g->out_to[e]);
            sqlite3_bind_null(st, 4);
            sqlite3_bind_null(st, 5);
            if (lt == HS_LABEL_STRING) {
                size_t len = 0;
                const char *s = g->reader ? hs_reader_string(g->reader, graph_label(g, e), &len) : NULL;
                if (s) sqlite3_bind_text(st, 4, s, (int)len, SQLITE_STATIC); /* the reader's: valid until the end */
            } else if (lt == HS_LABEL_INDEX) {
                sqlite3_bind_int64(st, 5, (k & GRAPH_LABEL_CLIPPED) ? (sqlite3_int64)UINT32_MAX : graph_label(g, e));
            }
            const char *kn = out_kind_name(k);
            sqlite3_bind_text(st, 6, kn, -1, SQLITE_STATIC);
            ok = step(st);
        }
    }
    sqlite3_finalize(st);
    return ok ? 0 : db_fail(x, "writing the references");
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

typedef struct value_sink {
    sqlite3_stmt *st;
    bool ok;
} value_sink;

static void put_value(void *ud, uint32_t v, const hs_record *rec)
{
    value_sink *vs = ud;
    if (!vs->ok) return;
    static const char *const kinds[] = {"text", "bytes", "int", "float"};
    sqlite3_stmt *st = vs->st;
    unsigned t = rec->u.value.type;
    sqlite3_bind_int64(st, 1, v);
    sqlite3_bind_text(st, 2, t < 4 ? kinds[t] : "other", -1, SQLITE_STATIC);
    for (int i = 3; i <= 7; i++) sqlite3_bind_null(st, i);
    if (t == HS_VALUE_TEXT) sqlite3_bind_text(st, 3, rec->u.value.data, (int)rec->u.value.len, SQLITE_TRANSIENT);
    else if (t == HS_VALUE_BYTES) sqlite3_bind_blob(st, 4, rec->u.value.data, (int)rec->u.value.len, SQLITE_TRANSIENT);
    else if (t == HS_VALUE_INT) sqlite3_bind_int64(st, 5, rec->u.value.i);
    else if (t == HS_VALUE_FLOAT) sqlite3_bind_double(st, 6, rec->u.value.f);
    if (t == HS_VALUE_TEXT || t == HS_VALUE_BYTES) sqlite3_bind_int64(st, 7, (sqlite3_int64)rec->u.value.full_len);
    vs->ok = step(st);
}

/* The blocks' sites into *site and the values dumped with them (heapsnap.dump(values=True)) into
 * their table: one more pass over an .hsnap (a V8 snapshot has neither loaded: *site stays NULL). */
static int write_values(exporter *x, const char *path, const char *open_path, const graph *g, uint32_t **site)
{
    if (graph_file_is_v8(open_path)) return 0;
    value_sink vs = {NULL, true};
    if (prep(x, "INSERT INTO \"values\" VALUES (?, ?, ?, ?, ?, ?, ?)", &vs.st)) return HS_EXIT_BAD_INPUT;
    graph_load_error err;
    graph_status st = load_block_extras(open_path, g, site, put_value, &vs, &err);
    sqlite3_finalize(vs.st);
    if (st) return cli_error("'%s': %s", path, err.message);
    return vs.ok ? 0 : db_fail(x, "writing the values");
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
    graph g;
    if ((rc = cli_graph_load(path, &g, true, o.index))) return rc;
    const char *open_path = cli_open_path(path); /* "-": the copy cli_graph_load read */
    uint32_t *site = NULL;
    hs_outfile *of = NULL;
    hs_error e;
    if (hs_outfile_open(o.sqlite, 0, 0, &of, &e) != HS_OK) {
        graph_release(&g);
        return cli_error("%s", e.message);
    }
    FILE *f = hs_outfile_stream(of);
    exporter x = {NULL, o.sqlite, 0};
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
        (rc = write_meta(&x, path, &g)) || (rc = write_types(&x, &g)) || (rc = write_sites(&x, &g)) ||
        (rc = write_values(&x, path, open_path, &g, &site)) || (rc = write_blocks(&x, &g, site)) ||
        (rc = write_refs(&x, &g)) || (rc = write_roots(&x, &g)) || (rc = exec(&x, index_sql, "indexing")) ||
        (rc = exec(&x, "COMMIT", "committing")))
        goto done;
    if (sqlite3_close(x.db) != SQLITE_OK) {
        rc = db_fail(&x, "closing the database");
        goto done;
    }
    x.db = NULL;
    if (hs_outfile_commit(of, &e) != HS_OK) rc = cli_error("%s", e.message);
    of = NULL;
done:
    if (x.db) sqlite3_close(x.db);
    hs_outfile_discard(of);
    free(site);
    graph_release(&g);
    return rc;
}
