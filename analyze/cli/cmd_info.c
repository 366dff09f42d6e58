/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_info.c — `heapsnap info FILE`: header fields, record counts,
 * total shallow bytes and integrity (every record decoded and validated,
 * trailer counts and both checksums verified); text or --json. A damaged
 * file still shows what was read before the damage, then exits 1 with the
 * error on stderr. A V8 heap snapshot (.heapsnapshot) is shown by
 * info_v8() below; an imported one carries the V8 meta in its header tags.
 * See docs/cli.md#info.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"
#include "v8/v8_read.h"

#include <string.h>
#include <time.h>
#include <stdlib.h>

typedef struct info_options {
    bool json;
} info_options;

static const info_options info_defaults = {0};

static const cli_opt info_opts[] = {
    {"json", 0, CLI_BOOL, CLI_FIELD(info_options, json), NULL, "print JSON (schema in docs/cli.md#info)"},
};

static const cli_cmd info_cmd = {
    "info", "heapsnap info [--json] FILE",
    "Show a snapshot's header, record counts, total shallow bytes and integrity.",
    info_opts, sizeof info_opts / sizeof info_opts[0], 1, 1, &info_defaults, sizeof info_defaults,
};

static void fmt_time(int64_t us, char *buf, size_t cap)
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    if (us <= 0 || !gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm)) snprintf(buf, cap, "-");
}

static void text_field(const char *label, const char *v)
{
    printf("%-14s ", label);
    if (v) out_text_safe(stdout, v, strlen(v));
    else fputs("-", stdout);
    fputc('\n', stdout);
}


static void text_tags(const char *label, const hs_tag *tags, size_t n)
{
    if (!n) return;
    printf("%-14s ", label);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", stdout);
        out_text_safe(stdout, tags[i].key, strlen(tags[i].key));
        fputc('=', stdout);
        out_text_safe(stdout, tags[i].value, strlen(tags[i].value));
    }
    fputc('\n', stdout);
}

/* ---- a V8 .heapsnapshot, read directly (no conversion): its meta, counts,
 * sites, the retaining rules' decisions (docs/v8.md#retaining-rules) ---- */
static void text_names(const char *label, const v8_names *n)
{
    printf("%-14s ", label);
    for (uint32_t i = 0; i < n->n; i++) {
        if (i) fputs(", ", stdout);
        out_text_safe(stdout, n->v[i], strlen(n->v[i]));
    }
    fputc('\n', stdout);
}

static void json_names(json_writer *j, const char *key, const v8_names *n)
{
    json_kv_array(j, key, JSON_INLINE);
    for (uint32_t i = 0; i < n->n; i++) json_str(j, n->v[i]);
    json_end(j);
}

/* path names the file, open_path is where to read it (cli_open_path) */
static int info_v8(const char *path, const char *open_path, bool json)
{
    v8_snapshot s;
    char err[V8_ERR_MAX];
    if (v8_read_file_ex(open_path, &s, V8_READ_SITES, err)) return cli_error("'%s': %s", path, err);
    uint8_t *kind = malloc((size_t)s.edge_count + 1);
    uint32_t *orph = NULL, norph = 0;
    v8_kind_stats ks;
    int src;
    uint64_t moved = v8_map_shallow(&s, err, &src);
    if (!kind || src || v8_map_kinds(&s, kind, &ks, err) || v8_map_orphans(&s, kind, &orph, &norph, err)) {
        free(kind);
        v8_snapshot_release(&s);
        return cli_error("'%s': %s", path, kind ? err : "out of memory");
    }
    v8_sites x;
    v8_strmap sm = {0};
    if (v8_map_sites(&s, &x, err) || v8_map_strings(&s, &x, &sm, err)) {
        free(orph);
        free(kind);
        v8_snapshot_release(&s);
        return cli_error("'%s': %s", path, err);
    }
    uint64_t total = 0, weak = 0;
    for (uint32_t v = 0; v < s.node_count; v++) total += s.nsize[v];
    for (uint32_t e = 0; e < s.edge_count; e++) weak += kind[e] == HS_REF_WEAK;
    char b1[32], b2[32], b3[32], b4[32];
    if (json) {
        json_writer jw, *j = &jw;
        json_document_begin(j, stdout);
        json_kv_str(j, "file", path);
        json_kv_str(j, "source", "v8-heapsnapshot");
        json_kv_u64(j, "file_bytes", s.file_bytes);
        json_kv_object(j, "v8_meta", JSON_LINES);
        json_names(j, "node_fields", &s.node_fields);
        json_names(j, "node_types", &s.node_types);
        json_names(j, "edge_fields", &s.edge_fields);
        json_names(j, "edge_types", &s.edge_types);
        json_end(j);
        json_kv_object(j, "counts", JSON_INLINE);
        json_kv_u64(j, "nodes", s.node_count);
        json_kv_u64(j, "edges", s.edge_count);
        json_kv_u64(j, "strings", s.nstrings);
        json_kv_u64(j, "strings_kept", sm.nkept);
        json_end(j);
        json_kv_object(j, "sites", JSON_INLINE);
        json_kv_u64(j, "sites", x.nsites);
        json_kv_u64(j, "frames", x.nframes);
        json_kv_u64(j, "traced_nodes", x.traced_nodes);
        json_kv_u64(j, "located_nodes", x.located_nodes);
        json_kv_u64(j, "truncated", x.truncated);
        json_kv_u64(j, "trace_nodes", s.ntrace_nodes);
        json_kv_u64(j, "locations", s.nlocations);
        json_end(j);
        json_kv_u64(j, "total_shallow", total);
        json_kv_u64(j, "shallow_moved_to_owner", moved);
        json_kv_object(j, "retaining", JSON_INLINE);
        json_kv_u64(j, "weak", weak);
        json_kv_u64(j, "self", ks.self);
        json_kv_u64(j, "shortcut_not_from_root", ks.shortcut);
        json_kv_u64(j, "weakmap_table", ks.weakmap);
        json_kv_u64(j, "into_page_from_outside", ks.outside_page);
        json_kv_u64(j, "page_entries", ks.page_entries);
        json_kv_u64(j, "page_objects", ks.page_nodes);
        json_kv_u64(j, "held_only_weakly", norph);
        json_end(j);
        json_kv_str(j, "integrity", "ok");
        json_end(j);
        fputc('\n', stdout);
    } else {
        printf("%-14s ", "file");
        out_text_safe(stdout, path, strlen(path));
        printf("\n%-14s V8 heap snapshot (JSON), read directly\n", "source");
        printf("%-14s %s (%s)\n", "file size", fmt_count(s.file_bytes, b1), fmt_bytes(s.file_bytes, b2));
        text_names("node fields", &s.node_fields);
        text_names("node types", &s.node_types);
        text_names("edge fields", &s.edge_fields);
        text_names("edge types", &s.edge_types);
        printf("%-14s %s\n", "nodes", fmt_count(s.node_count, b1));
        printf("%-14s %s\n", "edges", fmt_count(s.edge_count, b1));
        printf("%-14s %s (%s kept: names and labels; the rest are string contents)\n", "strings",
               fmt_count(s.nstrings, b1), fmt_count(sm.nkept, b2));
        if (x.nsites)
            printf("%-14s %s sites, %s frames: %s nodes from the allocation trace, %s from locations%s\n", "sites",
                   fmt_count(x.nsites, b1), fmt_count(x.nframes, b2), fmt_count(x.traced_nodes, b3),
                   fmt_count(x.located_nodes, b4), x.truncated ? " (some cut to their innermost 4096 frames)" : "");
        else
            printf("%-14s none (no trace_tree or locations)\n", "sites");
        printf("%-14s %s (%s bytes; %s moved to owners, as DevTools does)\n", "shallow total", fmt_bytes(total, b1),
               fmt_count(total, b2), fmt_count(moved, b3));
        printf("%-14s %llu weak, %llu to itself, %llu shortcut not from the root, %llu WeakMap table halves, %llu "
               "into the page from outside (page: %llu objects from %llu entries); %u held only weakly\n",
               "not retaining", (unsigned long long)weak, (unsigned long long)ks.self, (unsigned long long)ks.shortcut,
               (unsigned long long)ks.weakmap, (unsigned long long)ks.outside_page,
               (unsigned long long)ks.page_nodes, (unsigned long long)ks.page_entries, norph);
        printf("%-14s ok (JSON syntax, declared counts, edge_count sum, to_node and string indexes verified)\n",
               "integrity");
    }
    v8_sites_release(&x);
    v8_strmap_release(&sm);
    free(orph);
    free(kind);
    v8_snapshot_release(&s);
    return HS_EXIT_OK;
}

int cmd_info(int argc, char **argv)
{
    char *args[1];
    int nargs;
    info_options o;
    int rc = cli_parse(&info_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];

    const char *open_path = cli_open_path(path);
    if (!open_path) return HS_EXIT_BAD_INPUT;
    if (v8_file_detect(open_path)) return info_v8(path, open_path, o.json);
    hs_reader *r = NULL;
    hs_status st = load_open_reader(open_path, &r);
    hs_record rec;
    const hs_tag *end_tags = NULL;
    size_t nend = 0;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind == HS_REC_TRAILER) {
            end_tags = rec.u.trailer.tags;
            nend = rec.u.trailer.ntags;
        }
    }
    bool ok = st == HS_END;
    if (!r) return cli_error("'%s': out of memory", path);
    const hs_header *h = hs_reader_header(r);
    const hs_counts *c = hs_reader_counts(r);
    uint64_t fsize = hs_reader_file_size(r), ssize = hs_reader_stream_size(r);
    char b1[32], b2[32], tbuf[64];

    if (h || st != HS_ERR_MAGIC) {
        if (o.json) {
            json_writer jw, *j = &jw;
            json_document_begin(j, stdout);
            out_header_json(j, path, fsize, h);
            json_kv_object(j, "counts", JSON_INLINE);
            json_kv_u64(j, "strings", c->strings);
            json_kv_u64(j, "types", c->types);
            json_kv_u64(j, "frames", c->frames);
            json_kv_u64(j, "sites", c->sites);
            json_kv_u64(j, "blocks", c->blocks);
            json_kv_u64(j, "references", c->refs);
            json_kv_u64(j, "roots", c->roots);
            json_kv_u64(j, "values", c->values);
            json_end(j);
            json_kv_u64(j, "total_shallow", hs_reader_total_shallow(r));
            json_kv_u64(j, "stream_bytes", ssize);
            load_mem m;
            json_key(j, "process_memory");
            if (load_process_memory(h, &m)) {
                json_object_begin(j, JSON_INLINE);
                if (m.has_rss) json_kv_u64(j, "rss", m.rss);
                else json_kv_null(j, "rss");
                if (m.has_malloc) {
                    json_kv_u64(j, "malloc_in_use", m.malloc_in_use);
                    json_kv_u64(j, "malloc_arena", m.malloc_arena);
                    json_kv_u64(j, "malloc_mmap", m.malloc_mmap);
                }
                if (m.has_pymalloc) {
                    json_kv_u64(j, "pymalloc_arenas", m.pymalloc_arenas);
                    json_kv_u64(j, "pymalloc_arena_bytes", m.pymalloc_arena_bytes);
                }
                json_end(j);
            } else {
                json_null(j);
            }
            json_key(j, "end_tags");
            out_tags_json(j, end_tags, nend);
            if (ok) {
                json_kv_str(j, "integrity", "ok");
            } else {
                json_kv_object(j, "integrity", JSON_INLINE);
                json_kv_str(j, "error", hs_reader_error(r)->message);
                json_kv_i64(j, "code", (int)st);
                json_end(j);
            }
            json_end(j);
            fputc('\n', stdout);
        } else {
            text_field("file", path);
            printf("%-14s %s (%s)\n", "file size", fmt_count(fsize, b1), fmt_bytes(fsize, b2));
            if (h) {
                printf("%-14s %u.%u\n", "format", h->version_major, h->version_minor);
                printf("%-14s ", "producer");
                out_text_safe(stdout, h->producer, strlen(h->producer));
                if (h->producer_version) {
                    fputc(' ', stdout);
                    out_text_safe(stdout, h->producer_version, strlen(h->producer_version));
                }
                fputc('\n', stdout);
                text_field("runtime", h->runtime);
                printf("%-14s %llu\n", "pid", (unsigned long long)h->pid);
                fmt_time(h->time_us, tbuf, sizeof tbuf);
                printf("%-14s %s\n", "time", tbuf);
                printf("%-14s %u\n", "pointer size", h->pointer_size);
                text_field("host", h->hostname);
                text_tags("tags", h->tags, h->ntags);
            }
            printf("%-14s %s\n", "blocks", fmt_count(c->blocks, b1));
            printf("%-14s %s\n", "references", fmt_count(c->refs, b1));
            printf("%-14s %s\n", "roots", fmt_count(c->roots, b1));
            printf("%-14s %llu types, %llu strings, %llu frames, %llu sites, %llu values\n", "tables",
                   (unsigned long long)c->types, (unsigned long long)c->strings, (unsigned long long)c->frames,
                   (unsigned long long)c->sites, (unsigned long long)c->values);
            uint64_t sh = hs_reader_total_shallow(r);
            printf("%-14s %s (%s bytes)\n", "shallow total", fmt_bytes(sh, b1), fmt_count(sh, b2));
            if (c->blocks)
                printf("%-14s %.2f bytes per block on disk, %.2f decompressed\n", "density",
                       (double)fsize / (double)c->blocks, (double)ssize / (double)c->blocks);
            load_mem m;
            if (load_process_memory(h, &m)) {
                printf("%-14s ", "process");
                if (m.has_rss) printf("RSS %s", fmt_bytes(m.rss, b1));
                if (m.has_malloc)
                    printf("%sC allocator %s in use (%s arena, %s mmapped)", m.has_rss ? "; " : "",
                           fmt_bytes(m.malloc_in_use, b1), fmt_bytes(m.malloc_arena, b2), fmt_bytes(m.malloc_mmap, tbuf));
                if (m.has_pymalloc)
                    printf("%spymalloc %llu arenas (%s)", m.has_rss || m.has_malloc ? "; " : "",
                           (unsigned long long)m.pymalloc_arenas, fmt_bytes(m.pymalloc_arena_bytes, b2));
                if (m.has_rss && m.rss)
                    printf("; the dumped objects are %.0f%% of RSS", 100.0 * (double)sh / (double)m.rss);
                fputc('\n', stdout);
            }
            text_tags("end tags", end_tags, nend);
            printf("%-14s %s\n", "integrity", ok ? "ok (counts, trailer checksum and zstd checksum verified)" : "DAMAGED (see the error below)");
        }
    }
    int ret = HS_EXIT_OK;
    if (!ok) ret = cli_reader_error(path, r, st);
    hs_reader_close(r);
    return ret;
}
