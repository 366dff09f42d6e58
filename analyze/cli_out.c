/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli_out.c — diagnostics and output helpers shared by the
 * subcommands: one-line errors on stderr ("heapsnap: 'file': what at where"),
 * opening a snapshot with limits taken from the environment, humanized
 * sizes and counts, JSON string escaping, and terminal-safe printing of
 * untrusted text from dumps.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("heapsnap: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return HS_EXIT_BAD_INPUT;
}

int cli_reader_error(const char *path, const hs_reader *r, hs_status st)
{
    const char *msg = r ? hs_reader_error(r)->message : "";
    fprintf(stderr, "heapsnap: '");
    out_text_safe(stderr, path, strlen(path));
    fprintf(stderr, "': %s\n", *msg ? msg : hs_strerror(st));
    return HS_EXIT_BAD_INPUT;
}

hs_status cli_open(const char *path, hs_reader **r)
{
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    const char *ratio = getenv("HEAPSNAP_MAX_RATIO");
    if (ratio && *ratio) {
        char *end;
        unsigned long v = strtoul(ratio, &end, 10);
        if (!*end && v <= UINT32_MAX) lim.max_ratio = (uint32_t)v; /* 0 disables the check */
    }
    return hs_reader_open(path, &lim, r);
}

const char *fmt_bytes(uint64_t n, char buf[32])
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) {
        snprintf(buf, 32, "%llu B", (unsigned long long)n);
        return buf;
    }
    double v = (double)n;
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    snprintf(buf, 32, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

const char *fmt_count(uint64_t n, char buf[32])
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
    int out = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0) buf[out++] = ',';
        buf[out++] = tmp[i];
    }
    buf[out] = 0;
    return buf;
}

void out_json_string(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            /* control characters, and '<' '>' '&' so the JSON is safe to embed in HTML */
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') fprintf(f, "\\u%04x", c);
            else fputc(c, f);
        }
    }
    fputc('"', f);
}

void out_text_safe(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
        else fputc(c, f);
    }
}

const char *type_display_name(const hs_reader *r, uint32_t type_id, char *buf, size_t cap)
{
    const hs_type *t = hs_reader_type(r, type_id);
    if (!t) {
        snprintf(buf, cap, "<type %u>", type_id);
        return buf;
    }
    size_t nlen = 0, mlen = 0;
    const char *name = hs_reader_string(r, t->name, &nlen);
    const char *mod = t->module == HS_NONE ? NULL : hs_reader_string(r, t->module, &mlen);
    if (mod && mlen) snprintf(buf, cap, "%.*s.%.*s", (int)mlen, mod, (int)nlen, name);
    else snprintf(buf, cap, "%.*s", (int)nlen, name);
    return buf;
}
