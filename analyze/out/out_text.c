/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_text.c — diagnostics and output helpers shared by the
 * subcommands: one-line errors on stderr ("heapsnap: 'file': what at where"),
 * opening a snapshot with limits taken from the environment, humanized
 * sizes and counts, JSON string escaping, and terminal-safe printing of
 * untrusted text from dumps.
 */
#include "out/out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
            else if (c == GRAPH_NUL_0 && i + 1 < len && (unsigned char)s[i + 1] == GRAPH_NUL_1) {
                fputs("\\u0000", f); /* a NUL carried in a C string (graph_name_put) */
                i++;
            } else fputc(c, f);
        }
    }
    fputc('"', f);
}

void out_text_safe(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) fprintf(f, "\\x%02x", c);
        else if (c == GRAPH_NUL_0 && i + 1 < len && (unsigned char)s[i + 1] == GRAPH_NUL_1) {
            fputs("\\x00", f); /* a NUL carried in a C string (graph_name_put) */
            i++;
        } else fputc(c, f);
    }
}

const char *fmt_sbytes(int64_t n, char buf[32])
{
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    buf[0] = n > 0 ? '+' : '-';
    fmt_bytes(m, buf + (n != 0));
    return buf;
}

const char *fmt_dbytes(uint64_t before, uint64_t after, char buf[32])
{
    uint64_t m = after >= before ? after - before : before - after;
    buf[0] = after > before ? '+' : '-';
    fmt_bytes(m, buf + (m != 0));
    return buf;
}

const char *fmt_dcount(uint64_t before, uint64_t after, char buf[32])
{
    uint64_t m = after >= before ? after - before : before - after;
    buf[0] = after > before ? '+' : '-';
    fmt_count(m, buf + (m != 0));
    return buf;
}

void out_json_delta(FILE *f, uint64_t before, uint64_t after)
{
    if (after >= before) fprintf(f, "%llu", (unsigned long long)(after - before));
    else fprintf(f, "-%llu", (unsigned long long)(before - after));
}

const char *fmt_scount(int64_t n, char buf[32])
{
    uint64_t m = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
    buf[0] = n > 0 ? '+' : '-';
    fmt_count(m, buf + (n != 0)); /* at most 26 characters */
    return buf;
}
