/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/mkdiff.c — writes a snapshot described by a small text
 * script (stdin) through the C writer API, for the `heapsnap diff` and
 * `heapsnap leaks` CLI cases and the diff benchmark: fixed pid and time, so
 * outputs compare byte for byte. One directive a line; '#' starts a comment.
 *
 *   type NAME [MODULE]                 type ids 0, 1, ... in order
 *   frame FUNCTION FILE LINE           frame ids 0, 1, ...
 *   site FRAME...                      site ids 0, 1, ... (innermost frame first)
 *   block ADDR SIZE TYPE [SITE]        addresses hex (0x...) or decimal
 *   ref FROM TO LABEL [weak]           LABEL: a name, @INDEX, or - for none
 *   root ADDR KIND [NAME]              KIND: global stack external runtime other
 *   many N ADDR STRIDE SIZE TYPE HOLDER LABEL [SITE]
 *                                      N blocks at ADDR, ADDR+STRIDE, ..., each
 *                                      held by HOLDER; LABEL: - (none), @ (index
 *                                      0, 1, ...) or a prefix (prefix0, prefix1, ...)
 *
 *   mkdiff OUT < script
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hs_writer *w;
static int lineno;

static void die(const char *what)
{
    fprintf(stderr, "mkdiff: line %d: %s\n", lineno, what);
    if (w) hs_writer_abort(w);
    exit(1);
}

static void check(hs_status st)
{
    if (st != HS_OK) die(hs_writer_error(w)->message);
}

static uint64_t num(const char *s)
{
    char *end;
    if (!s) die("missing number");
    unsigned long long v = strtoull(s, &end, 0);
    if (*end) die("not a number");
    return v;
}

static void add_ref(uint64_t from, uint64_t to, const char *label, hs_ref_kind kind)
{
    if (!strcmp(label, "-")) check(hs_writer_add_ref(w, from, to, kind, NULL));
    else if (label[0] == '@') check(hs_writer_add_ref_index(w, from, to, kind, num(label + 1)));
    else check(hs_writer_add_ref(w, from, to, kind, label));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkdiff OUT < script\n");
        return 2;
    }
    hs_tag tags[] = {{"purpose", "test"}};
    hs_writer_options o = {.producer = "mkdiff", .producer_version = "1", .runtime = "test", .pid = 4242,
                           .time_us = 1700000000000000ll, .pointer_size = 8, .tags = tags, .ntags = 1, .no_fsync = 1};
    hs_error err;
    if (hs_writer_open(argv[1], &o, &w, &err) != HS_OK) {
        fprintf(stderr, "mkdiff: %s\n", err.message);
        return 1;
    }
    char line[4096];
    uint32_t ids[64];
    while (fgets(line, sizeof line, stdin)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *tok[16];
        int nt = 0;
        for (char *t = strtok(line, " \t\r\n"); t && nt < 16; t = strtok(NULL, " \t\r\n")) tok[nt++] = t;
        if (!nt) continue;
        const char *op = tok[0];
        uint32_t id;
        if (!strcmp(op, "type") && nt >= 2) {
            check(hs_writer_add_type(w, tok[1], nt > 2 ? tok[2] : NULL, HS_TYPE_CONTAINER, &id));
        } else if (!strcmp(op, "frame") && nt == 4) {
            check(hs_writer_add_frame(w, tok[1], tok[2], (uint32_t)num(tok[3]), &id));
        } else if (!strcmp(op, "site") && nt >= 2) {
            for (int i = 1; i < nt; i++) ids[i - 1] = (uint32_t)num(tok[i]);
            check(hs_writer_add_site(w, ids, (uint32_t)(nt - 1), &id));
        } else if (!strcmp(op, "block") && (nt == 4 || nt == 5)) {
            check(hs_writer_add_block(w, num(tok[1]), num(tok[2]), (uint32_t)num(tok[3]), HS_BLOCK_GC_TRACKED,
                                      nt == 5 ? (uint32_t)num(tok[4]) : HS_NONE));
        } else if (!strcmp(op, "ref") && (nt == 4 || nt == 5)) {
            add_ref(num(tok[1]), num(tok[2]), tok[3], nt == 5 && !strcmp(tok[4], "weak") ? HS_REF_WEAK : HS_REF_STRONG);
        } else if (!strcmp(op, "root") && (nt == 3 || nt == 4)) {
            static const char *kinds[] = {"other", "global", "stack", "external", "runtime"};
            int k = -1;
            for (int i = 0; i < 5; i++)
                if (!strcmp(tok[2], kinds[i])) k = i;
            if (k < 0) die("unknown root kind");
            check(hs_writer_add_root(w, num(tok[1]), (hs_root_kind)k, nt == 4 ? tok[3] : NULL, 0));
        } else if (!strcmp(op, "many") && (nt == 8 || nt == 9)) {
            uint64_t n = num(tok[1]), addr = num(tok[2]), stride = num(tok[3]), size = num(tok[4]);
            uint32_t type = (uint32_t)num(tok[5]), site = nt == 9 ? (uint32_t)num(tok[8]) : HS_NONE;
            uint64_t holder = num(tok[6]);
            const char *lab = tok[7];
            for (uint64_t i = 0; i < n; i++) {
                uint64_t a = addr + i * stride;
                check(hs_writer_add_block(w, a, size, type, HS_BLOCK_GC_TRACKED, site));
                char l[256];
                if (!strcmp(lab, "-")) snprintf(l, sizeof l, "-");
                else if (!strcmp(lab, "@")) snprintf(l, sizeof l, "@%llu", (unsigned long long)i);
                else snprintf(l, sizeof l, "%.200s%llu", lab, (unsigned long long)i);
                add_ref(holder, a, l, HS_REF_STRONG);
            }
        } else {
            die("bad directive");
        }
    }
    if (hs_writer_close(w, &err) != HS_OK) {
        fprintf(stderr, "mkdiff: %s\n", err.message);
        return 1;
    }
    return 0;
}
