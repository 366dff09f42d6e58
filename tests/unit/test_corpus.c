/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_corpus.c — replays the checked-in snapshots: every file
 * in tests/data/bad/ must fail with the status code and message (which
 * names the offset or record) listed in EXPECTED.tsv, and every file in
 * tests/data/good/ must read to the end, including the forward-compatibility
 * file written as a later 1.x writer would. Old files stay here forever.
 *
 *   test_corpus DATA_DIR
 */
#define _POSIX_C_SOURCE 200809L
#include "hs_format.h"
#include "hs_test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *data_dir;

static hs_status read_all(const char *path, hs_reader **r)
{
    hs_status st = hs_reader_open(path, NULL, r);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(*r, &rec);
    return st;
}

static void test_bad_corpus(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/bad/EXPECTED.tsv", data_dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\n")] = 0;
        char *name = strtok(line, "\t"), *code = strtok(NULL, "\t"), *msg = strtok(NULL, "");
        CHECK(name && code && msg);
        if (!name || !code || !msg) continue;
        char fpath[1200];
        snprintf(fpath, sizeof fpath, "%s/bad/%s", data_dir, name);
        hs_reader *r = NULL;
        hs_status st = read_all(fpath, &r);
        const hs_error *e = r ? hs_reader_error(r) : NULL;
        if ((int)st != atoi(code) || !e || !strstr(e->message, msg)) {
            fprintf(stderr, "%s: got status %d '%s', want %s '%s'\n", name, (int)st, e ? e->message : "",
                    code, msg);
            hs_test_failed_checks++;
        }
        /* the message is one line, and offsets stay inside what was read */
        if (e) {
            CHECK(strchr(e->message, '\n') == NULL);
            CHECK(e->byte_offset <= hs_reader_file_size(r));
        }
        /* errors are sticky */
        hs_record rec;
        if (r) CHECK(hs_reader_next(r, &rec) == st);
        hs_reader_close(r);
        n++;
    }
    fclose(f);
    printf("  %d malformed files checked\n", n);
    CHECK(n >= 30);
}

static void test_good_corpus(void)
{
    char dpath[1024];
    snprintf(dpath, sizeof dpath, "%s/good", data_dir);
    DIR *d = opendir(dpath);
    CHECK(d != NULL);
    if (!d) return;
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 6, ".hsnap") != 0) continue;
        char path[1300];
        snprintf(path, sizeof path, "%s/%s", dpath, de->d_name);
        hs_reader *r = NULL;
        hs_status st = read_all(path, &r);
        if (st != HS_END) fprintf(stderr, "%s: %s\n", de->d_name, r ? hs_reader_error(r)->message : "?");
        CHECK(st == HS_END);
        if (strcmp(de->d_name, "v1_future.hsnap") == 0 && st == HS_END) {
            const hs_header *h = hs_reader_header(r);
            CHECK(h && strcmp(h->producer, "future-writer") == 0 && h->version_minor == 7);
            CHECK(h && h->pid == 7 && h->time_us == -1000);
            CHECK_EQ_U64(hs_reader_counts(r)->blocks, 1);
            CHECK_EQ_U64(hs_reader_counts(r)->refs, 2);
            CHECK_EQ_U64(hs_reader_counts(r)->roots, 1);
            CHECK_EQ_U64(hs_reader_total_shallow(r), 40);
        }
        hs_reader_close(r);
        n++;
    }
    closedir(d);
    CHECK(n >= 2);
}

/* The future file's records, as a 1.0 reader sees them. */
static void test_future_records(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/good/v1_future.hsnap", data_dir);
    hs_reader *r;
    CHECK(hs_reader_open(path, NULL, &r) == HS_OK);
    hs_record rec;
    hs_status st;
    int blocks = 0;
    while ((st = hs_reader_next(r, &rec)) == HS_OK) {
        if (rec.kind == HS_REC_BLOCK) {
            blocks++;
            CHECK_EQ_U64(rec.u.block.addr, 0x1000);
            CHECK_EQ_U64(rec.u.block.nrefs, 2);
            CHECK_EQ_U64(rec.u.block.refs[0].to, 0x1010);
            CHECK_EQ_U64(rec.u.block.refs[1].to, 0xff0);
            CHECK_EQ_U64(rec.u.block.refs[1].kind, 9);
            CHECK_EQ_U64(rec.u.block.refs[1].label_type, HS_LABEL_NONE);
        }
        if (rec.kind == HS_REC_TRAILER) CHECK(rec.u.trailer.ntags == 1 && strcmp(rec.u.trailer.tags[0].key, "k") == 0);
    }
    CHECK(st == HS_END);
    CHECK_EQ_U64(blocks, 1);
    hs_reader_close(r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_corpus DATA_DIR\n");
        return 2;
    }
    data_dir = argv[1];
    TEST_RUN(test_bad_corpus);
    TEST_RUN(test_good_corpus);
    TEST_RUN(test_future_records);
    return test_summary();
}
