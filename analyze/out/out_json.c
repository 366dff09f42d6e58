/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_json.c — the JSON writer (out_json.h): a stack of open
 * containers, each with its style and item count, decides every separator,
 * newline and indentation; strings go through out_json_string().
 */
#include "out/out_json.h"
#include "out/out.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

void json_init(json_writer *j, FILE *f)
{
    memset(j, 0, sizeof *j);
    j->f = f;
}

void json_document_begin(json_writer *j, FILE *f)
{
    json_init(j, f);
    json_object_begin(j, JSON_LINES);
    json_kv_u64(j, "schema", JSON_SCHEMA);
}

static void indent(json_writer *j, uint32_t levels)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < levels; i++)
        if (j->level[i].style == JSON_LINES || j->level[i].style == JSON_TIGHT) n++;
    fputc('\n', j->f);
    for (uint32_t i = 0; i < n; i++) fputs("  ", j->f);
}

/* Before a key, or a value not preceded by a key: the separator. */
static void item(json_writer *j)
{
    if (j->keyed) {
        j->keyed = false;
        return;
    }
    if (!j->depth) return;
    json_level *l = &j->level[j->depth - 1];
    if (l->items) fputc(',', j->f);
    if (l->style == JSON_COMPACT) {
        /* nothing between items */
    } else if (l->style == JSON_INLINE || j->same_line) {
        if (l->items) fputc(' ', j->f);
    } else {
        indent(j, j->depth);
    }
    j->same_line = false;
    l->items++;
}

static void begin(json_writer *j, json_style style, bool object)
{
    item(j);
    fputc(object ? '{' : '[', j->f);
    assert(j->depth < JSON_MAX_DEPTH);
    if (j->depth == JSON_MAX_DEPTH) return;
    j->level[j->depth++] = (json_level){(uint8_t)style, object, 0};
}

void json_object_begin(json_writer *j, json_style style) { begin(j, style, true); }
void json_array_begin(json_writer *j, json_style style) { begin(j, style, false); }

void json_end(json_writer *j)
{
    assert(j->depth > 0);
    if (!j->depth) return;
    json_level l = j->level[--j->depth];
    if (l.style == JSON_LINES && l.items) indent(j, j->depth);
    fputc(l.object ? '}' : ']', j->f);
    j->same_line = false;
}

void json_same_line(json_writer *j) { j->same_line = true; }

void json_key(json_writer *j, const char *key)
{
    item(j);
    out_json_string(j->f, key, strlen(key));
    fputs(": ", j->f);
    j->keyed = true;
}

void json_strn(json_writer *j, const char *s, size_t len)
{
    item(j);
    out_json_string(j->f, s, len);
}

void json_str(json_writer *j, const char *s)
{
    if (!s) json_null(j);
    else json_strn(j, s, strlen(s));
}

void json_u64(json_writer *j, uint64_t v)
{
    item(j);
    fprintf(j->f, "%" PRIu64, v);
}

void json_i64(json_writer *j, int64_t v)
{
    item(j);
    fprintf(j->f, "%" PRId64, v);
}

void json_bool(json_writer *j, bool v) { json_raw(j, v ? "true" : "false"); }
void json_null(json_writer *j) { json_raw(j, "null"); }

void json_addr(json_writer *j, uint64_t a)
{
    item(j);
    fprintf(j->f, "\"0x%" PRIx64 "\"", a);
}

void json_double(json_writer *j, const char *fmt, double v)
{
    item(j);
    fprintf(j->f, fmt, v);
}

void json_raw(json_writer *j, const char *text)
{
    item(j);
    fputs(text, j->f);
}

FILE *json_raw_begin(json_writer *j)
{
    item(j);
    return j->f;
}

void json_raw_end(json_writer *j) { (void)j; }

void json_kv_str(json_writer *j, const char *key, const char *s)
{
    json_key(j, key);
    json_str(j, s);
}

void json_kv_strn(json_writer *j, const char *key, const char *s, size_t len)
{
    json_key(j, key);
    json_strn(j, s, len);
}

void json_kv_u64(json_writer *j, const char *key, uint64_t v)
{
    json_key(j, key);
    json_u64(j, v);
}

void json_kv_i64(json_writer *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_i64(j, v);
}

void json_kv_bool(json_writer *j, const char *key, bool v)
{
    json_key(j, key);
    json_bool(j, v);
}

void json_kv_null(json_writer *j, const char *key)
{
    json_key(j, key);
    json_null(j);
}

void json_kv_addr(json_writer *j, const char *key, uint64_t a)
{
    json_key(j, key);
    json_addr(j, a);
}

void json_kv_object(json_writer *j, const char *key, json_style style)
{
    json_key(j, key);
    json_object_begin(j, style);
}

void json_kv_array(json_writer *j, const char *key, json_style style)
{
    json_key(j, key);
    json_array_begin(j, style);
}
