/* SPDX-License-Identifier: MIT */
/*
 * analyze/report/report_strs.c — the report's interned string table: each
 * distinct text once, by index, so the page's data names a type or label
 * once however many nodes carry it (docs/report.md#data). Open addressing
 * on hash_bytes, at most half full.
 */
#include "graph/graph_hash.h"
#include "out/out.h"
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

static graph_status strs_grow_slots(report_strs *s)
{
    uint32_t ns = s->nslots ? s->nslots * 2 : 1024;
    uint32_t *slots = calloc(ns, 4);
    if (!slots) return GRAPH_ERR_NOMEM;
    for (uint32_t i = 0; i < s->n; i++) {
        const char *t = s->buf + s->start[i];
        uint32_t j = (uint32_t)hash_bytes(t, strlen(t)) & (ns - 1);
        while (slots[j]) j = (j + 1) & (ns - 1);
        slots[j] = i + 1;
    }
    free(s->slots);
    s->slots = slots;
    s->nslots = ns;
    return GRAPH_OK;
}

uint32_t report_strs_add(report_strs *s, const char *text, size_t len)
{
    if (memchr(text, 0, len)) len = strlen(text); /* a NUL ends the text */
    if ((s->n + 1) * 2 > s->nslots && strs_grow_slots(s)) return GRAPH_NONE;
    uint32_t j = (uint32_t)hash_bytes(text, len) & (s->nslots - 1);
    while (s->slots[j]) {
        const char *t = s->buf + s->start[s->slots[j] - 1];
        if (strncmp(t, text, len) == 0 && t[len] == 0) return s->slots[j] - 1;
        j = (j + 1) & (s->nslots - 1);
    }
    if (s->len + len + 1 > s->cap) {
        size_t nc = s->cap ? s->cap : 4096;
        while (s->len + len + 1 > nc) nc *= 2;
        char *nb = realloc(s->buf, nc);
        if (!nb) return GRAPH_NONE;
        s->buf = nb;
        s->cap = nc;
    }
    if (s->n == s->ncap) {
        uint32_t nc = s->ncap ? s->ncap * 2 : 256;
        uint32_t *st = realloc(s->start, (size_t)nc * 4);
        if (!st) return GRAPH_NONE;
        s->start = st;
        s->ncap = nc;
    }
    if (s->len > UINT32_MAX - len - 1) return GRAPH_NONE;
    s->start[s->n] = (uint32_t)s->len;
    memcpy(s->buf + s->len, text, len);
    s->buf[s->len + len] = 0;
    s->len += len + 1;
    s->slots[j] = ++s->n;
    return s->n - 1;
}

void report_strs_json(json_writer *j, const report_strs *s)
{
    json_array_begin(j, JSON_COMPACT);
    for (uint32_t i = 0; i < s->n; i++) json_str(j, s->buf + s->start[i]);
    json_end(j);
}

void report_strs_release(report_strs *s)
{
    free(s->buf);
    free(s->start);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
