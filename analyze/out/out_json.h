/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_json.h — the one JSON writer of the analyzer, in the
 * manner of git's json-writer.h: every `--json` output and the report's
 * data object are written through it, so commas, nesting and string
 * escaping are decided here and nowhere else. See docs/cli.md#json.
 *
 * Layout. Each container is opened with a style:
 *   JSON_INLINE  {"a": 1, "b": 2}        items on one line
 *   JSON_LINES   one item a line, indented two spaces per enclosing
 *                JSON_LINES/JSON_TIGHT container, the close on its own line
 *                (an empty container stays "[]")
 *   JSON_TIGHT   items on their own lines like JSON_LINES, the close right
 *                after the last item ("...}]}"), for deep trees
 *   JSON_FLAT    items on their own lines without indentation (and adding
 *                none), the close right after the last item: the report's
 *                data, which nobody reads indented
 *   JSON_COMPACT [1,2,3]: the report's long columns of numbers
 * json_same_line() puts the next item of a JSON_LINES, _TIGHT or _FLAT
 * container on the current line (", "), for short related members.
 *
 * Use: json_init(), then one value (usually json_object_begin()). Inside
 * an object every value is preceded by json_key() — or use the json_kv_*
 * shorthands; inside an array values come bare. json_end() closes the
 * innermost container. Strings are escaped by out_json_string() ('<', '>'
 * and '&' as \u escapes, so the output may sit inside a <script>).
 * Nesting is limited to JSON_MAX_DEPTH; deeper opens are a programming
 * error (asserted in debug builds, clamped otherwise).
 *
 * Ownership: the writer holds no memory; it writes to the FILE it was
 * given, whose errors the caller checks with ferror().
 */
#ifndef HS_OUT_JSON_H
#define HS_OUT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 64

typedef enum json_style { JSON_INLINE = 0, JSON_LINES = 1, JSON_TIGHT = 2, JSON_FLAT = 3, JSON_COMPACT = 4 } json_style;

typedef struct json_level {
    uint8_t style;   /* json_style */
    bool object;     /* else an array */
    uint32_t items;  /* written so far */
} json_level;

typedef struct json_writer {
    FILE *f;
    uint32_t depth;
    bool keyed;      /* a key was written: the next value goes right after it */
    bool same_line;  /* the next item of a JSON_LINES container stays on this line */
    json_level level[JSON_MAX_DEPTH];
} json_writer;

void json_init(json_writer *j, FILE *f);

/* The version of the JSON the commands print (docs/cli.md#json-schema):
 * raised when a key is removed or renamed or a value changes meaning, not
 * when keys are added. */
#define JSON_SCHEMA 1
/* json_init(), then the top-level object (JSON_LINES) opened with its
 * first member, "schema": JSON_SCHEMA. What every --json output starts with. */
void json_document_begin(json_writer *j, FILE *f);

/* Containers. */
void json_object_begin(json_writer *j, json_style style);
void json_array_begin(json_writer *j, json_style style);
void json_end(json_writer *j);
/* The next item of the current JSON_LINES container goes on this line. */
void json_same_line(json_writer *j);

/* A member's key (inside an object); the value follows. */
void json_key(json_writer *j, const char *key);

/* Values (after json_key in an object, bare in an array). */
void json_str(json_writer *j, const char *s);              /* NULL writes null */
void json_strn(json_writer *j, const char *s, size_t len); /* counted bytes */
void json_u64(json_writer *j, uint64_t v);
void json_i64(json_writer *j, int64_t v);
void json_bool(json_writer *j, bool v);
void json_null(json_writer *j);
void json_addr(json_writer *j, uint64_t a);                /* "0x1f00" */
/* A number printed with a printf format ("%.1f", "%.3g"; finite values only). */
void json_double(json_writer *j, const char *fmt, double v);
/* Text the caller has already made valid JSON (a literal, a number). */
void json_raw(json_writer *j, const char *text);
/* Hand the FILE to a writer of one value that prints by itself (the value's
 * separator is written first); json_raw_end() when it is done. */
FILE *json_raw_begin(json_writer *j);
void json_raw_end(json_writer *j);

/* Shorthands: json_key() then the value. */
void json_kv_str(json_writer *j, const char *key, const char *s);
void json_kv_strn(json_writer *j, const char *key, const char *s, size_t len);
void json_kv_u64(json_writer *j, const char *key, uint64_t v);
void json_kv_i64(json_writer *j, const char *key, int64_t v);
void json_kv_bool(json_writer *j, const char *key, bool v);
void json_kv_null(json_writer *j, const char *key);
void json_kv_addr(json_writer *j, const char *key, uint64_t a);
void json_kv_object(json_writer *j, const char *key, json_style style); /* key, then an object begins */
void json_kv_array(json_writer *j, const char *key, json_style style);  /* key, then an array begins */

#endif /* HS_OUT_JSON_H */
