/* SPDX-License-Identifier: MIT */
/*
 * tests/security/outfile.c — the atomic output file (hs_outfile_*,
 * formats/hsf_file.c) that the C writer and the heapsnap command share, on
 * a temporary folder: issue 19 #1 (planted symlinks are never followed), #2
 * (outputs are 0600 whatever the umask), #14 (EFBIG under RLIMIT_FSIZE with
 * SIGXFSZ ignored is one error and leaves no temporary file) and the stale
 * temporary-file sweep.
 *
 *   security_outfile   (run by ctest as security/outfile)
 */
#define _POSIX_C_SOURCE 200809L
#include "heapsnap.h"

#include "../unit/hs_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[128];

static void path_in(char *out, size_t cap, const char *name) { snprintf(out, cap, "%s/%s", dir, name); }

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int read_is(const char *path, const char *text)
{
    char buf[256] = {0};
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Entries of the folder whose name contains `part`. */
static int count_entries(const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strstr(e->d_name, part)) n++;
    if (d) closedir(d);
    return n;
}

static void clean_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        path_in(p, sizeof p, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
}

/* #1: a symlink at the target is replaced, not followed; links planted for
 * every name the old scheme used are left alone, the victim untouched. */
static void test_symlink_not_followed(void)
{
    char victim[512], out[512], link[600];
    path_in(victim, sizeof victim, "victim");
    path_in(out, sizeof out, "out.html");
    write_file(victim, "precious");
    CHECK(symlink(victim, out) == 0);
    for (int n = 0; n < 4; n++) { /* <OUT>.tmp-<pid> and .<name>.tmp-<pid>-<n> */
        snprintf(link, sizeof link, "%s/.out.html.tmp-%ld-%d", dir, (long)getpid(), n);
        CHECK(symlink(victim, link) == 0);
    }
    snprintf(link, sizeof link, "%s.tmp-%ld", out, (long)getpid());
    CHECK(symlink(victim, link) == 0);
    hs_outfile *f;
    hs_error err;
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f, &err) == HS_OK);
    const char *tmp = hs_outfile_temp_path(f);
    struct stat sb;
    CHECK(lstat(tmp, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK(strstr(tmp, "/.out.html.tmp-") != NULL);
    FILE *s = hs_outfile_stream(f);
    CHECK(s != NULL);
    if (s) fputs("report", s);
    CHECK(hs_outfile_commit(f, &err) == HS_OK);
    CHECK(read_is(victim, "precious"));
    CHECK(lstat(out, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK(read_is(out, "report"));
    clean_dir();
}

/* #1: two opens of one target never share a temporary name. */
static void test_random_names(void)
{
    char out[512];
    path_in(out, sizeof out, "a.hsnap");
    hs_outfile *f1, *f2;
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f1, NULL) == HS_OK);
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f2, NULL) == HS_OK);
    CHECK(strcmp(hs_outfile_temp_path(f1), hs_outfile_temp_path(f2)) != 0);
    hs_outfile_discard(f1);
    hs_outfile_discard(f2);
    CHECK(count_entries("a.hsnap") == 0);
    clean_dir();
}

/* #2: 0600 even under umask 0; a mode asked for is honoured. */
static void test_private_mode(void)
{
    char out[512];
    path_in(out, sizeof out, "private.dot");
    mode_t old = umask(0);
    hs_outfile *f;
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f, NULL) == HS_OK);
    CHECK(hs_outfile_write(f, "x", 1) == HS_OK);
    CHECK(hs_outfile_commit(f, NULL) == HS_OK);
    struct stat sb;
    CHECK(stat(out, &sb) == 0 && (sb.st_mode & 07777) == 0600);
    CHECK(hs_outfile_open(out, 0644, HS_OUTFILE_NO_FSYNC, &f, NULL) == HS_OK);
    CHECK(hs_outfile_commit(f, NULL) == HS_OK);
    CHECK(stat(out, &sb) == 0 && (sb.st_mode & 07777) == 0644);
    umask(old);
    /* and the C writer's snapshots */
    char snap[512];
    path_in(snap, sizeof snap, "w.hsnap");
    hs_writer *w;
    hs_writer_options o = {.no_fsync = 1};
    old = umask(0);
    CHECK(hs_writer_open(snap, &o, &w, NULL) == HS_OK);
    CHECK(hs_writer_close(w, NULL) == HS_OK);
    umask(old);
    CHECK(stat(snap, &sb) == 0 && (sb.st_mode & 07777) == 0600);
    clean_dir();
}

/* #14: with SIGXFSZ ignored, a write past RLIMIT_FSIZE is one HS_ERR_IO
 * naming EFBIG; commit reports it and leaves neither file behind. */
static void test_efbig(void)
{
    char out[512];
    path_in(out, sizeof out, "big.hsnap");
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    hs_outfile *f;
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f, NULL) == HS_OK);
    static char chunk[8192];
    hs_status st = hs_outfile_write(f, chunk, sizeof chunk);
    CHECK(st == HS_ERR_IO);
    CHECK_STR_CONTAINS(hs_outfile_error(f) ? hs_outfile_error(f)->message : NULL, "File too large");
    hs_error err;
    CHECK(hs_outfile_commit(f, &err) == HS_ERR_IO);
    CHECK_STR_CONTAINS(err.message, "big.hsnap': write failed: File too large");
    CHECK(count_entries("big.hsnap") == 0);
    /* the same through the stdio stream: the error surfaces at commit */
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f, NULL) == HS_OK);
    FILE *s = hs_outfile_stream(f);
    for (int i = 0; s && i < 4; i++) fwrite(chunk, 1, sizeof chunk, s);
    CHECK(hs_outfile_commit(f, &err) == HS_ERR_IO);
    CHECK_STR_CONTAINS(err.message, "File too large");
    CHECK(count_entries("big.hsnap") == 0);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    clean_dir();
}

/* Also noticed: stale temporary files of this target (a day old, ours)
 * are swept at open; fresh ones, other targets' and links are not. */
static void test_stale_sweep(void)
{
    char stale[512], fresh[512], other[512], link[512], victim[512], out[512];
    path_in(out, sizeof out, "s.hsnap");
    path_in(stale, sizeof stale, ".s.hsnap.tmp-1234-0");
    path_in(fresh, sizeof fresh, ".s.hsnap.tmp-00ff00ff00ff00ff");
    path_in(other, sizeof other, ".t.hsnap.tmp-1234-0");
    path_in(link, sizeof link, ".s.hsnap.tmp-link");
    path_in(victim, sizeof victim, "victim");
    write_file(stale, "old");
    write_file(fresh, "new");
    write_file(other, "old");
    write_file(victim, "keep");
    CHECK(symlink(victim, link) == 0);
    struct timespec two_days[2];
    clock_gettime(CLOCK_REALTIME, &two_days[0]);
    two_days[0].tv_sec -= 2 * 86400;
    two_days[1] = two_days[0];
    CHECK(utimensat(AT_FDCWD, stale, two_days, 0) == 0);
    CHECK(utimensat(AT_FDCWD, other, two_days, 0) == 0);
    CHECK(utimensat(AT_FDCWD, link, two_days, AT_SYMLINK_NOFOLLOW) == 0);
    hs_outfile *f;
    CHECK(hs_outfile_open(out, 0, HS_OUTFILE_NO_FSYNC, &f, NULL) == HS_OK);
    hs_outfile_discard(f);
    CHECK(access(stale, F_OK) != 0);
    CHECK(access(fresh, F_OK) == 0);
    CHECK(access(other, F_OK) == 0);
    struct stat sb;
    CHECK(lstat(link, &sb) == 0);
    CHECK(read_is(victim, "keep"));
    clean_dir();
}

/* A folder that cannot be written: one error naming the target. */
static void test_no_folder(void)
{
    hs_outfile *f = (hs_outfile *)1;
    hs_error err;
    char out[512];
    path_in(out, sizeof out, "missing/x.hsnap");
    CHECK(hs_outfile_open(out, 0, 0, &f, &err) == HS_ERR_IO);
    CHECK(f == NULL);
    CHECK_STR_CONTAINS(err.message, "x.hsnap': cannot write: No such file or directory");
    path_in(out, sizeof out, "");
    CHECK(hs_outfile_open(out, 0, 0, &f, &err) == HS_ERR_ARG);
    hs_outfile_discard(NULL);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%.100s/hs-outfile-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    TEST_RUN(test_symlink_not_followed);
    TEST_RUN(test_random_names);
    TEST_RUN(test_private_mode);
    TEST_RUN(test_efbig);
    TEST_RUN(test_stale_sweep);
    TEST_RUN(test_no_folder);
    clean_dir();
    rmdir(dir);
    return test_summary();
}
