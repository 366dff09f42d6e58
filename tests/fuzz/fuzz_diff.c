/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_diff.c — libFuzzer target for the arithmetic of diff,
 * leaks and trend (issue 19 #5, #7): the input drives a small generator
 * that writes three valid snapshots through the codec's encoder — header
 * times over the whole int64 range, block sizes up to 2^64 - 1 (the total
 * kept within 64 bits, as the format requires), a few types, references
 * and roots, with addresses shared across the three so owners match — and
 * `heapsnap diff` (text, --json, --by new), `leaks` and `trend` (text,
 * --json) run on them, their output thrown away. Valid snapshots must be
 * accepted (exit 0), and under UBSan no subtraction or sum of the files'
 * numbers may overflow. The files live in one temporary folder, rewritten
 * for each input.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct src {
    const uint8_t *p;
    size_t n, pos;
} src;

static uint8_t u8(src *s) { return s->pos < s->n ? s->p[s->pos++] : 0; }
static uint64_t u64(src *s)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | u8(s);
    return v;
}

static hs_status file_sink(void *ud, const void *d, size_t len)
{
    return fwrite(d, 1, len, ud) == len ? HS_OK : HS_ERR_IO;
}

/* One snapshot of up to 16 blocks at 0x1000 + 16 i. */
static void write_snap(const char *path, src *s)
{
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    hs_encoder *e;
    hs_encoder_options eo = {.level = 1};
    if (hs_encoder_new(&eo, file_sink, f, &e) != HS_OK) abort();
    hs_header h = {.producer = "fuzz_diff", .pid = 1, .time_us = (int64_t)u64(s), .pointer_size = 8};
    if (!h.time_us) h.time_us = 1;
    hs_encoder_header(e, &h);
    static const char *names[] = {"T0", "T1", "T2", "T3", "key"};
    uint32_t id;
    for (int i = 0; i < 5; i++) hs_encoder_string(e, names[i], 2 + (i == 4), &id);
    unsigned ntypes = 1 + u8(s) % 4, nblocks = 1 + u8(s) % 16;
    for (unsigned t = 0; t < ntypes; t++) {
        hs_type ty = {t, HS_NONE, 0};
        hs_encoder_type(e, &ty, &id);
    }
    uint64_t left = UINT64_MAX; /* the total shallow size must fit 64 bits */
    for (unsigned b = 0; b < nblocks; b++) {
        uint8_t how = u8(s);
        uint64_t size = how & 1 ? u64(s) : (uint64_t)u8(s) << (how >> 4);
        if (size > left) size = left;
        left -= size;
        hs_ref refs[2];
        unsigned nrefs = (how >> 1) % 3;
        for (unsigned r = 0; r < nrefs; r++) {
            refs[r] = (hs_ref){.to = 0x1000 + 16 * (u8(s) % nblocks), .label = 4, .kind = HS_REF_STRONG,
                               .label_type = r ? HS_LABEL_STRING : HS_LABEL_NONE};
        }
        hs_encoder_block(e, 0x1000 + 16 * b, size, u8(s) % ntypes, 0, HS_NONE, refs, nrefs);
    }
    hs_encoder_root(e, 0x1000, HS_ROOT_GLOBAL, HS_NONE, 0);
    if (nblocks > 1 && (u8(s) & 1)) hs_encoder_root(e, 0x1000 + 16 * (nblocks - 1), HS_ROOT_STACK, 4, 0);
    if (hs_encoder_finish(e, NULL, 0) != HS_OK) abort();
    hs_encoder_free(e);
    if (fclose(f) != 0) abort();
}

static char paths[3][64], dir[] = "/tmp/hs-fuzz-diff-XXXXXX";

static void cleanup(void)
{
    for (int i = 0; i < 3; i++) unlink(paths[i]);
    rmdir(dir);
}

static void run(int (*cmd)(int, char **), const char *a0, const char *opt1, const char *opt2, int nfiles)
{
    char *argv[8];
    int argc = 0;
    argv[argc++] = (char *)a0;
    if (opt1) argv[argc++] = (char *)opt1;
    if (opt2) argv[argc++] = (char *)opt2;
    for (int i = 0; i < nfiles; i++) argv[argc++] = paths[i];
    argv[argc] = NULL;
    int rc = cmd(argc, argv);
    fflush(stdout);
    if (rc != 0) {
        fprintf(stderr, "fuzz_diff: heapsnap %s %s %s on valid snapshots exited %d\n", a0, opt1 ? opt1 : "",
                opt2 ? opt2 : "", rc);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (!mkdtemp(dir)) abort();
        atexit(cleanup);
        for (int i = 0; i < 3; i++) snprintf(paths[i], sizeof paths[i], "%s/s%d.hsnap", dir, i);
        if (!freopen("/dev/null", "w", stdout)) abort();
        ready = 1;
    }
    src s = {data, size, 0};
    for (int i = 0; i < 3; i++) write_snap(paths[i], &s);
    run(cmd_diff, "diff", NULL, NULL, 2);
    run(cmd_diff, "diff", "--json", NULL, 2);
    run(cmd_diff, "diff", "--by", "new", 2);
    run(cmd_leaks, "leaks", NULL, NULL, 3);
    run(cmd_trend, "trend", NULL, NULL, 3);
    run(cmd_trend, "trend", "--json", NULL, 3);
    return 0;
}
