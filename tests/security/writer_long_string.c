/* SPDX-License-Identifier: MIT */
/*
 * tests/security/writer_long_string.c — issue 19 #15: the C writer refuses,
 * at the call, any string a default reader would reject (over 16 MiB: a
 * name, a label, a value preview, a header field or tag, an end tag) with
 * HS_ERR_LIMIT and a message naming it; the refused call changes nothing,
 * so what the writer commits reads back; a refused header leaves no file
 * and no temporary file at all.
 *
 *   security_writer_long_string   (ctest: security/writer_long_string)
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"

#include "../unit/hs_test.h"

#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[256], out[512];

static int entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))) n++;
    if (d) closedir(d);
    return n;
}

/* Read `path` to the end with default limits; HS_END when it is whole. */
static hs_status read_all(const char *path, hs_counts *c)
{
    hs_reader *r;
    hs_status st = hs_reader_open(path, NULL, &r);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(r, &rec);
    if (st != HS_END) fprintf(stderr, "read: %s\n", hs_reader_error(r)->message);
    if (c) *c = *hs_reader_counts(r);
    hs_reader_close(r);
    return st;
}

static char *big(size_t n)
{
    char *s = malloc(n + 1);
    if (!s) abort();
    memset(s, 'x', n);
    s[n] = 0;
    return s;
}

static void test_calls_refused(void)
{
    const size_t over = HS_MAX_STRING + 1;
    char *s = big(over);
    hs_writer *w;
    hs_writer_options o = {.no_fsync = 1};
    CHECK(hs_writer_open(out, &o, &w, NULL) == HS_OK);
    uint32_t id = 7, t;
    CHECK(hs_writer_intern(w, s, over, &id) == HS_ERR_LIMIT);
    CHECK(id == 7);
    CHECK_STR_CONTAINS(hs_writer_error(w)->message, "string of 16777217 bytes exceeds the format's 16777216-byte limit");
    CHECK(hs_writer_add_type(w, s, NULL, 0, &t) == HS_ERR_LIMIT);
    CHECK(hs_writer_add_type(w, "T", NULL, 0, &t) == HS_OK); /* the writer is still usable */
    CHECK(hs_writer_add_block(w, 0x1000, 16, t, 0, HS_NONE) == HS_OK);
    CHECK(hs_writer_add_ref(w, 0x1000, 0x1000, HS_REF_STRONG, s) == HS_ERR_LIMIT);
    CHECK(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, s, 0) == HS_ERR_LIMIT);
    CHECK(hs_writer_add_value_text(w, 0x1000, s, over, over) == HS_ERR_LIMIT);
    CHECK_STR_CONTAINS(hs_writer_error(w)->message, "value preview of 16777217 bytes");
    CHECK(hs_writer_add_value_bytes(w, 0x1000, s, over, over) == HS_ERR_LIMIT);
    CHECK(hs_writer_add_value_text(w, 0x1000, s, 100, over) == HS_OK); /* a cut preview of a long value is fine */
    CHECK(hs_writer_set_end_tag(w, "note", s) == HS_ERR_LIMIT);
    CHECK_STR_CONTAINS(hs_writer_error(w)->message, "end tag value of 16777217 bytes");
    CHECK(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "main", 0) == HS_OK);
    /* exactly the limit is accepted, and reads back with default limits */
    CHECK(hs_writer_intern(w, s, HS_MAX_STRING, &id) == HS_OK);
    hs_error err;
    CHECK(hs_writer_close(w, &err) == HS_OK);
    hs_counts c;
    CHECK(read_all(out, &c) == HS_END);
    CHECK_EQ_U64(c.blocks, 1);
    CHECK_EQ_U64(c.values, 1);
    free(s);
    unlink(out);
}

static void test_header_refused(void)
{
    const size_t over = HS_MAX_STRING + 1;
    char *s = big(over);
    hs_tag tags[1] = {{"note", s}};
    hs_writer_options o = {.no_fsync = 1, .tags = tags, .ntags = 1};
    hs_writer *w = (hs_writer *)1;
    hs_error err;
    CHECK(hs_writer_open(out, &o, &w, &err) == HS_ERR_LIMIT);
    CHECK(w == NULL);
    CHECK_STR_CONTAINS(err.message, "header tag 'note': value of 16777217 bytes exceeds the format's 16777216-byte limit");
    CHECK(entries() == 0); /* neither the file nor a temporary one */
    hs_writer_options o2 = {.no_fsync = 1, .runtime = s};
    CHECK(hs_writer_open(out, &o2, &w, &err) == HS_ERR_LIMIT);
    CHECK_STR_CONTAINS(err.message, "runtime of 16777217 bytes");
    CHECK(entries() == 0);
    CHECK(hs_writer_open_sink(hs_outfile_write, NULL, &o2, &w) == HS_ERR_LIMIT);
    free(s);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/hs-longstr-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(out, sizeof out, "%s/long.hsnap", dir);
    TEST_RUN(test_calls_refused);
    TEST_RUN(test_header_refused);
    unlink(out);
    rmdir(dir);
    return test_summary();
}
