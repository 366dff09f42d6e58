/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out.h — how the analyzer prints: humanized sizes and counts,
 * terminal-safe text and JSON strings for untrusted names (out_text.c), and
 * blocks, reference labels, roots, retainer paths and the graph overview as
 * text or JSON (out_block.c). The JSON writer is out/out_json.h; owner names
 * and dominator paths of a comparison are out/out_diff.h. Used by cli/ and
 * report/. See docs/analyzer.md#layout.
 *
 * Every function writes to the FILE it is given and returns nothing to
 * check: a write error shows in ferror(f), which the caller checks once.
 * Names read from a dump are untrusted: they go through out_text_safe or
 * out_json_string, never straight to the terminal.
 */
#ifndef HS_OUT_H
#define HS_OUT_H

#include "graph/graph.h"
#include "hs_format.h"
#include "out/out_json.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- text (out_text.c) ---- */
const char *fmt_bytes(uint64_t n, char buf[32]);  /* "1.5 MiB" */
const char *fmt_count(uint64_t n, char buf[32]);  /* "1,234,567" */
const char *fmt_sbytes(int64_t n, char buf[32]);  /* "+1.50 MiB" / "-24 B" / "0 B" */
const char *fmt_scount(int64_t n, char buf[32]);  /* "+1,234" */
/* after - before of two unsigned totals, exactly (a sign and a magnitude,
 * never a signed cast that turns 0 -> 2^64-1 into "-1 B"). */
const char *fmt_dbytes(uint64_t before, uint64_t after, char buf[32]); /* "+16.0 EiB" */
const char *fmt_dcount(uint64_t before, uint64_t after, char buf[32]); /* "-3" */
void out_json_delta(FILE *f, uint64_t before, uint64_t after);         /* a JSON integer, -2^64+1 .. 2^64-1 */
/* A JSON string literal: quotes, escapes, and '<', '>', '&' as \u escapes
 * (safe inside the report's <script>). */
void out_json_string(FILE *f, const char *s, size_t len);
void out_text_safe(FILE *f, const char *s, size_t len); /* control characters escaped */

/* ---- blocks, labels, roots, paths (out_block.c) ---- */
const char *out_type_name(const graph *g, uint32_t v, char *buf, size_t cap);
const char *out_kind_name(uint8_t kind);
void out_block(FILE *f, const graph *g, uint32_t v);      /* "module.Type 0xaddr" */
void out_block_json(json_writer *j, const graph *g, uint32_t v); /* {"addr","type","shallow","retained","reachable"} */
void out_label_raw(FILE *f, const graph *g, uint8_t kind, uint32_t label);      /* ".name", "[3]" or nothing */
void out_label_raw_json(json_writer *j, const graph *g, uint8_t kind, uint32_t label); /* string, int or null */
const char *out_root_kind_name(uint8_t root_kind);          /* "global", "stack", ... */
void out_root(FILE *f, const graph *g, uint32_t r);            /* "global root 'app'" */
void out_root_json(json_writer *j, const graph *g, uint32_t r); /* {"root","name","count"} */
void out_path_line(FILE *f, const graph *g, const uint32_t *via, uint32_t v);
void out_path_json(json_writer *j, const graph *g, const uint32_t *via, uint32_t v);
/* The steps of graph_path_steps() as JSON: [{"root": ...}, {"holder": block, "label": ...}, ...]. */
void out_path_steps_json(json_writer *j, const graph *g, const uint32_t *steps, uint32_t n);
void out_overview(FILE *f, const graph *g);            /* one or two lines of counts */
void out_overview_json(json_writer *j, const graph *g); /* {"blocks", ..., "missing": {...}} */


/* ---- names (out_name.c; docs/cli.md#names) ---- */
#define OUT_NAME_WILD 0x1u /* indexes as […]: the name of a group's shape */
/* Block v's holder as its program writes it — "__main__.Widget._instances"
 * — from its path in `via` (graph_bfs_named(); NULL: no path). Into buf
 * (cut with "…" at cap), returned. Untrusted bytes: print through
 * out_text_safe or the JSON writer. */
const char *out_name(const graph *g, const uint32_t *via, uint32_t v, unsigned flags, char *buf, size_t cap);

/* ---- rows of accumulation points (out_point.c) ---- */
/* "  3.   15.4 MiB  40 × name" and a line of facts (example, own bytes,
 * what it holds, C-held references); i is the row's index. */
void out_point_text(FILE *f, const graph *g, const uint32_t *via, const graph_point *r, uint32_t i);
/* {"name","type","count","retained","shallow","folded","external_refs","holds","block","path"} */
void out_point_json(json_writer *j, const graph *g, const uint32_t *via, const graph_point *r);

/* ---- the file's header (out_block.c) ---- */
void out_tags_json(json_writer *j, const hs_tag *tags, size_t n); /* {"key": "value", ...} */
/* The members "file", "file_bytes" and, with a header, "format_version",
 * "producer", "producer_version", "runtime", "pid", "time_us",
 * "pointer_size", "hostname", "tags" — into the object being written. */
void out_header_json(json_writer *j, const char *path, uint64_t file_bytes, const hs_header *h);

#endif /* HS_OUT_H */
