/* SPDX-License-Identifier: MIT */
/*
 * analyze/cmd_info.c — `heapsnap info FILE`: header fields, record counts,
 * total shallow bytes and integrity (every record decoded and validated,
 * trailer counts and both checksums verified); text or --json. A damaged
 * file still shows what was read before the damage, then exits 1 with the
 * error on stderr. A V8 heap snapshot (.heapsnapshot) is shown by
 * cmd_info_v8.c; an imported one carries the V8 meta in its header tags.
 * See docs/cli.md#info.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "v8_read.h"

#include <string.h>
#include <time.h>
#include <stdlib.h>

static bool opt_json;

static const cli_opt info_opts[] = {
    {"json", 0, CLI_BOOL, &opt_json, NULL, "print JSON (schema in docs/cli.md#info)"},
};

static const cli_cmd info_cmd = {
    "info", "heapsnap info [--json] FILE",
    "Show a snapshot's header, record counts, total shallow bytes and integrity.",
    info_opts, sizeof info_opts / sizeof info_opts[0], 1, 1,
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

static void json_field(const char *key, const char *v, bool comma)
{
    printf("  \"%s\": ", key);
    if (v) out_json_string(stdout, v, strlen(v));
    else fputs("null", stdout);
    if (comma) fputc(',', stdout);
    fputc('\n', stdout);
}

static void json_tags(const hs_tag *tags, size_t n)
{
    fputc('{', stdout);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", stdout);
        out_json_string(stdout, tags[i].key, strlen(tags[i].key));
        fputs(": ", stdout);
        out_json_string(stdout, tags[i].value, strlen(tags[i].value));
    }
    fputc('}', stdout);
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

int cmd_info(int argc, char **argv)
{
    char *args[1];
    int nargs;
    opt_json = false;
    int rc = cli_parse(&info_cmd, argc, argv, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    const char *path = args[0];

    if (v8_file_detect(path)) return cmd_info_v8(path, opt_json);
    hs_reader *r = NULL;
    hs_status st = cli_open(path, &r);
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
        if (opt_json) {
            printf("{\n");
            json_field("file", path, true);
            printf("  \"file_bytes\": %llu,\n", (unsigned long long)fsize);
            if (h) {
                printf("  \"format_version\": \"%u.%u\",\n", h->version_major, h->version_minor);
                json_field("producer", h->producer, true);
                json_field("producer_version", h->producer_version, true);
                json_field("runtime", h->runtime, true);
                printf("  \"pid\": %llu,\n", (unsigned long long)h->pid);
                printf("  \"time_us\": %lld,\n", (long long)h->time_us);
                printf("  \"pointer_size\": %u,\n", h->pointer_size);
                json_field("hostname", h->hostname, true);
                printf("  \"tags\": ");
                json_tags(h->tags, h->ntags);
                printf(",\n");
            }
            printf("  \"counts\": {\"strings\": %llu, \"types\": %llu, \"frames\": %llu, \"sites\": %llu, "
                   "\"blocks\": %llu, \"references\": %llu, \"roots\": %llu, \"values\": %llu},\n",
                   (unsigned long long)c->strings, (unsigned long long)c->types, (unsigned long long)c->frames,
                   (unsigned long long)c->sites, (unsigned long long)c->blocks, (unsigned long long)c->refs,
                   (unsigned long long)c->roots, (unsigned long long)c->values);
            printf("  \"total_shallow\": %llu,\n", (unsigned long long)hs_reader_total_shallow(r));
            printf("  \"stream_bytes\": %llu,\n", (unsigned long long)ssize);
            printf("  \"end_tags\": ");
            json_tags(end_tags, nend);
            printf(",\n  \"integrity\": ");
            if (ok) printf("\"ok\"\n");
            else {
                printf("{\"error\": ");
                const char *m = hs_reader_error(r)->message;
                out_json_string(stdout, m, strlen(m));
                printf(", \"code\": %d}\n", (int)st);
            }
            printf("}\n");
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
            text_tags("end tags", end_tags, nend);
            printf("%-14s %s\n", "integrity", ok ? "ok (counts, trailer checksum and zstd checksum verified)" : "DAMAGED (see the error below)");
        }
    }
    int ret = HS_EXIT_OK;
    if (!ok) ret = cli_reader_error(path, r, st);
    hs_reader_close(r);
    return ret;
}
