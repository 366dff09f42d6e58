/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/hs_test.h — a minimal test harness for the unit test
 * executables: CHECK/CHECK_EQ record failures with file:line and go on,
 * TEST_RUN runs one test function, test_summary() prints the closing
 * "N passed, N failed" line and returns the exit status.
 */
#ifndef HS_TEST_H
#define HS_TEST_H

#include <stdio.h>
#include <string.h>

static int hs_test_failed_checks;
static int hs_test_passed, hs_test_failed;

#define CHECK(cond)                                                             \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            hs_test_failed_checks++;                                            \
        }                                                                       \
    } while (0)

#define CHECK_EQ_U64(a, b)                                                                     \
    do {                                                                                       \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);         \
        if (a_ != b_) {                                                                        \
            fprintf(stderr, "%s:%d: %s == %s failed: %llu != %llu\n", __FILE__, __LINE__, #a, #b, a_, b_); \
            hs_test_failed_checks++;                                                           \
        }                                                                                      \
    } while (0)

#define CHECK_STR_CONTAINS(hay, needle)                                                             \
    do {                                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                                     \
        if (!h_ || !strstr(h_, n_)) {                                                               \
            fprintf(stderr, "%s:%d: '%s' does not contain '%s'\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); \
            hs_test_failed_checks++;                                                                \
        }                                                                                           \
    } while (0)

#define TEST_RUN(fn)                                                 \
    do {                                                             \
        int before_ = hs_test_failed_checks;                         \
        fn();                                                        \
        if (hs_test_failed_checks == before_) {                      \
            hs_test_passed++;                                        \
            printf("ok   %s\n", #fn);                                \
        } else {                                                     \
            hs_test_failed++;                                        \
            printf("FAIL %s\n", #fn);                                \
        }                                                            \
        fflush(stdout);                                              \
    } while (0)

static inline int test_summary(void)
{
    printf("%d passed, %d failed\n", hs_test_passed, hs_test_failed);
    return hs_test_failed ? 1 : 0;
}

#endif /* HS_TEST_H */
