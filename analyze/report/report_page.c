/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_page.c — the page of `heapsnap report`: expands the template
 * (analyze/report/template.html, embedded at build time by
 * report/embed.cmake together with report.css and report.js) into one
 * self-contained HTML file. Markers: @@CSS@@, @@JS@@, @@DATA@@ (the JSON,
 * written by a callback) and @@NONCE@@ (a fresh random value that the
 * Content-Security-Policy requires of the page's one script and one style,
 * so that markup injected through a dump's strings could not run even if
 * an escape were missed). Entry point: report_page_write(). See docs/report.md.
 */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

extern const unsigned char report_asset_template[], report_asset_css[], report_asset_js[];
extern const size_t report_asset_template_len, report_asset_css_len, report_asset_js_len;

static void make_nonce(char out[33])
{
    unsigned char b[16];
    size_t got = 0;
    FILE *r = fopen("/dev/urandom", "rb");
    if (r) {
        got = fread(b, 1, sizeof b, r);
        fclose(r);
    }
    if (got != sizeof b) { /* no /dev/urandom: the clock and an address, mixed (splitmix64) */
        uint64_t z = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&got ^ ((uint64_t)clock() << 32);
        for (size_t i = 0; i < sizeof b; i++) {
            z += 0x9E3779B97F4A7C15ull;
            uint64_t x = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
            b[i] = (unsigned char)(x ^ (x >> 31));
        }
    }
    for (size_t i = 0; i < sizeof b; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

graph_status report_page_write(FILE *f, graph_status (*data_fn)(FILE *f, void *ud), void *ud)
{
    char nonce[33];
    make_nonce(nonce);
    const char *t = (const char *)report_asset_template, *end = t + report_asset_template_len;
    graph_status ret = GRAPH_OK;
    while (t < end) {
        const char *m = strstr(t, "@@");
        if (!m || m >= end) {
            fwrite(t, 1, (size_t)(end - t), f);
            break;
        }
        fwrite(t, 1, (size_t)(m - t), f);
        if (strncmp(m, "@@CSS@@", 7) == 0) {
            fwrite(report_asset_css, 1, report_asset_css_len, f);
            t = m + 7;
        } else if (strncmp(m, "@@JS@@", 6) == 0) {
            fwrite(report_asset_js, 1, report_asset_js_len, f);
            t = m + 6;
        } else if (strncmp(m, "@@NONCE@@", 9) == 0) {
            fputs(nonce, f);
            t = m + 9;
        } else if (strncmp(m, "@@DATA@@", 8) == 0) {
            graph_status st = data_fn(f, ud);
            if (st) ret = st;
            t = m + 8;
        } else {
            fputs("@@", f);
            t = m + 2;
        }
    }
    return ret;
}
