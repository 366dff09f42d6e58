/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_alloc.c — allocation failures (SQLite's test_malloc,
 * libcbor's WITH_FAILING_MALLOC): the library's malloc/calloc/realloc/
 * strdup calls are wrapped at link time (-Wl,--wrap=...) and the Nth one
 * fails, for every N until a run needs no more. Each writer and reader call
 * must then return HS_ERR_NOMEM (sticky) or succeed — never crash, never
 * report a damaged snapshot as complete; ASan's leak checker runs at exit.
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"
#include "hs_test.h"

#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long calls, fail_at;
static int injected;

static int should_fail(void)
{
    if (fail_at && ++calls == fail_at) {
        injected = 1;
        return 1;
    }
    return 0;
}
void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = __wrap_malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

typedef struct membuf {
    unsigned char *p;
    size_t len, cap;
} membuf;

static hs_status sink(void *ud, const void *d, size_t n)
{
    membuf *b = ud;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2;
        unsigned char *p = __real_realloc(b->p, cap); /* the test's own buffer never fails */
        if (!p) return HS_ERR_NOMEM;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return HS_OK;
}

/* A writer session; returns the first failing status (or HS_OK). */
static hs_status write_session(membuf *out)
{
    hs_tag tags[] = {{"k", "v"}};
    hs_writer_options o = {.runtime = "rt", .tags = tags, .ntags = 1};
    hs_writer *w;
    hs_status st = hs_writer_open_sink(sink, out, &o, &w);
    if (st != HS_OK) return st;
    uint32_t t, f, s;
    hs_status first = HS_OK;
#define DO(call)                                                                       \
    do {                                                                               \
        hs_status s_ = (call);                                                         \
        if (s_ != HS_OK && first == HS_OK) first = s_;                                 \
        if (s_ != HS_OK && s_ != HS_ERR_NOMEM) {                                       \
            fprintf(stderr, "unexpected status %d from %s\n", s_, #call);             \
            hs_test_failed_checks++;                                                   \
        }                                                                              \
    } while (0)
    t = 0;
    DO(hs_writer_add_type(w, "Thing", "mod", 0, &t));
    DO(hs_writer_add_frame(w, "fn", "file.c", 3, &f));
    DO(hs_writer_add_site(w, &f, 1, &s));
    for (int i = 0; i < 300 && first == HS_OK; i++) {
        char label[16];
        snprintf(label, sizeof label, "attr%d", i);
        DO(hs_writer_add_block(w, 0x1000 + (uint64_t)i * 16, 32, t, 0, HS_NONE));
        for (int k = 0; k < 40; k++) DO(hs_writer_add_ref(w, 0x1000 + (uint64_t)i * 16, (uint64_t)k * 16, HS_REF_STRONG, label));
        DO(hs_writer_add_ref(w, 0x99, (uint64_t)i, HS_REF_WEAK, NULL)); /* another holder */
    }
    DO(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "main", 0));
    DO(hs_writer_set_end_tag(w, "partial", "no"));
    /* after a failure the writer is sticky: later calls report it too */
    if (first != HS_OK) CHECK(hs_writer_add_root(w, 1, HS_ROOT_OTHER, NULL, 0) == first);
    hs_error err;
    hs_status cst = hs_writer_close(w, &err);
    if (first != HS_OK) CHECK(cst == first);
    return first != HS_OK ? first : cst;
}

static hs_status read_session(const membuf *in)
{
    hs_reader *r;
    hs_status st = hs_reader_open_mem(in->p, in->len, "mem", NULL, &r);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(r, &rec);
    hs_reader_close(r);
    return st;
}

static void test_writer_alloc_failures(void)
{
    long n;
    for (n = 1; n < 100000; n++) {
        membuf out = {0};
        calls = 0, fail_at = n, injected = 0;
        hs_status st = write_session(&out);
        fail_at = 0;
        if (!injected) {
            CHECK(st == HS_OK);
            CHECK(read_session(&out) == HS_END); /* and the result is complete */
            free(out.p);
            break;
        }
        if (st != HS_ERR_NOMEM) {
            fprintf(stderr, "allocation %ld failed but the writer said %d\n", n, st);
            hs_test_failed_checks++;
        }
        free(out.p);
    }
    printf("  writer: %ld allocation points tested\n", n - 1);
    CHECK(n > 10);
}

static void test_reader_alloc_failures(void)
{
    membuf good = {0};
    CHECK(write_session(&good) == HS_OK);
    long n;
    for (n = 1; n < 100000; n++) {
        calls = 0, fail_at = n, injected = 0;
        hs_status st = read_session(&good);
        fail_at = 0;
        if (!injected) {
            CHECK(st == HS_END);
            break;
        }
        if (st != HS_ERR_NOMEM) {
            fprintf(stderr, "allocation %ld failed but the reader said %d\n", n, st);
            hs_test_failed_checks++;
        }
    }
    printf("  reader: %ld allocation points tested\n", n - 1);
    CHECK(n > 10);
    free(good.p);
}

int main(void)
{
    TEST_RUN(test_writer_alloc_failures);
    TEST_RUN(test_reader_alloc_failures);
    return test_summary();
}
