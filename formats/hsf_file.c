/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_file.c — atomic, private output files (hs_outfile_*): the one
 * implementation behind hs_writer_open() and every file the heapsnap
 * command writes. See docs/api.md#files.
 *
 * Design (Redis's rdbSave, hardened for shared folders). Bytes go to a
 * temporary file beside the target, ".<name>.tmp-<16 random hex digits>",
 * created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (or the mode asked
 * for): a link planted in the folder is never followed, a name cannot be
 * guessed in advance, and what the file holds is private while it is being
 * written. Commit flushes, fsyncs, renames over the target (rename replaces
 * a symlink at the target itself, never its referent) and fsyncs the
 * folder. Any failure, and discard, unlinks the temporary file, so a full
 * disk, EFBIG under `ulimit -f` (when SIGXFSZ is ignored) or an abort never
 * leaves a complete-looking file at the target. Opening also sweeps the
 * target's own stale temporary files — same prefix, regular, owned by us,
 * untouched for a day — left by a process that was killed mid-write.
 */
#define _POSIX_C_SOURCE 200809L
#include "hsf_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_TAG ".tmp-"
#define STALE_SECONDS (24 * 60 * 60)

struct hs_outfile {
    char *path, *tmp, *dir;
    int fd;
    FILE *stream; /* hs_outfile_stream(): owns fd once created */
    bool do_fsync;
    bool failed;
    hs_error err;
};

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash) return strdup(".");
    if (slash == path) return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = 0;
    }
    return d;
}

/* 64 unpredictable bits for the temporary name. */
static uint64_t random_bits(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, &v, sizeof v);
        close(fd);
        if (n == (ssize_t)sizeof v) return v;
    }
    /* no /dev/urandom (a chroot): time and pid; O_EXCL still makes it safe */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    v ^= (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32);
    v ^= (uint64_t)(uintptr_t)&v;
    return v;
}

/* Remove ".<base>.tmp-*" files in `dir` that are regular, ours and a day
 * old: leftovers of a writer killed before commit or discard. */
static void sweep_stale(const char *dir, const char *base)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    size_t blen = strlen(base);
    time_t now = time(NULL);
    uid_t me = geteuid();
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *n = e->d_name;
        if (n[0] != '.' || strncmp(n + 1, base, blen) != 0 || strncmp(n + 1 + blen, TMP_TAG, strlen(TMP_TAG)) != 0)
            continue;
        struct stat sb;
        if (fstatat(dfd, n, &sb, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (!S_ISREG(sb.st_mode) || sb.st_uid != me || now - sb.st_mtime < STALE_SECONDS) continue;
        (void)unlinkat(dfd, n, 0);
    }
    closedir(d);
}

static void outfile_free(hs_outfile *f)
{
    if (!f) return;
    free(f->path);
    free(f->tmp);
    free(f->dir);
    free(f);
}

hs_status hs_outfile_open(const char *path, unsigned mode, unsigned flags, hs_outfile **out, hs_error *err)
{
    if (!out) return hsf_set_error(err, HS_ERR_ARG, "no output handle given");
    *out = NULL;
    if (!path || !*path) return hsf_set_error(err, HS_ERR_ARG, "no output path given");
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return hsf_set_error(err, HS_ERR_ARG, "'%s': output path names a directory", path);
    hs_outfile *f = calloc(1, sizeof *f);
    if (!f) return hsf_set_error(err, HS_ERR_NOMEM, "out of memory");
    f->fd = -1;
    f->do_fsync = !(flags & HS_OUTFILE_NO_FSYNC);
    f->path = strdup(path);
    f->dir = dir_of(path);
    size_t cap = strlen(path) + 2 + sizeof TMP_TAG + 16 + 8; /* "./." + base + tag + 16 hex + NUL, with room */
    f->tmp = malloc(cap);
    if (!f->path || !f->dir || !f->tmp) {
        outfile_free(f);
        return hsf_set_error(err, HS_ERR_NOMEM, "out of memory");
    }
    if (!(flags & HS_OUTFILE_NO_SWEEP)) sweep_stale(f->dir, base);
    int e = 0;
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        snprintf(f->tmp, cap, "%s/.%s" TMP_TAG "%016llx", f->dir, base, (unsigned long long)random_bits());
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode ? (mode_t)mode : 0600);
        e = errno;
        if (f->fd >= 0 || e != EEXIST) break;
    }
    if (f->fd < 0) {
        hs_status st = hsf_set_error(err, HS_ERR_IO, "'%s': cannot write: %s", path,
                                     strerror(e));
        outfile_free(f);
        return st;
    }
    *out = f;
    return HS_OK;
}

static hs_status io_fail(hs_outfile *f, const char *what, int e)
{
    f->failed = true;
    return hsf_set_error(&f->err, HS_ERR_IO, "'%s': %s failed: %s", f->path, what, strerror(e));
}

hs_status hs_outfile_write(void *ud, const void *data, size_t len)
{
    hs_outfile *f = ud;
    const char *p = data;
    if (f->failed) return f->err.code;
    if (f->stream) {
        if (len && fwrite(p, 1, len, f->stream) != len) return io_fail(f, "write", errno);
        return HS_OK;
    }
    while (len) {
        ssize_t n = write(f->fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_fail(f, "write", errno);
        }
        p += n;
        len -= (size_t)n;
    }
    return HS_OK;
}

FILE *hs_outfile_stream(hs_outfile *f)
{
    if (!f || f->failed) return NULL;
    if (!f->stream) {
        f->stream = fdopen(f->fd, "wb");
        if (!f->stream) {
            io_fail(f, "fdopen", errno);
            return NULL;
        }
    }
    return f->stream;
}

const char *hs_outfile_temp_path(const hs_outfile *f) { return f ? f->tmp : NULL; }

const hs_error *hs_outfile_error(const hs_outfile *f) { return f && f->failed ? &f->err : NULL; }

/* Close the descriptor (through the stream if there is one); 0 or errno. */
static int close_fd(hs_outfile *f)
{
    int e = 0;
    if (f->stream) {
        if (fclose(f->stream) != 0) e = errno ? errno : EIO;
        f->stream = NULL;
    } else if (f->fd >= 0 && close(f->fd) != 0) {
        e = errno;
    }
    f->fd = -1;
    return e;
}

void hs_outfile_discard(hs_outfile *f)
{
    if (!f) return;
    close_fd(f);
    unlink(f->tmp);
    outfile_free(f);
}

hs_status hs_outfile_commit(hs_outfile *f, hs_error *err)
{
    if (!f) return hsf_set_error(err, HS_ERR_ARG, "no output file given");
    hs_status st = HS_OK;
    int e;
    if (!f->failed && f->stream && (fflush(f->stream) != 0 || ferror(f->stream)))
        io_fail(f, "write", errno ? errno : EIO);
    if (f->failed) {
        st = f->err.code;
        if (err) *err = f->err;
    } else if (f->do_fsync && fsync(f->fd) != 0) {
        st = hsf_set_error(err, HS_ERR_IO, "'%s': fsync failed: %s", f->path, strerror(errno));
    } else if ((e = close_fd(f)) != 0) {
        st = hsf_set_error(err, HS_ERR_IO, "'%s': close failed: %s", f->path, strerror(e));
    } else if (rename(f->tmp, f->path) != 0) {
        st = hsf_set_error(err, HS_ERR_IO, "'%s': cannot rename the temporary file into place: %s", f->path,
                           strerror(errno));
    } else if (f->do_fsync) {
        int dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            (void)fsync(dfd); /* best effort: some filesystems refuse directory fsync */
            close(dfd);
        }
    }
    if (st != HS_OK) {
        hs_outfile_discard(f);
        return st;
    }
    outfile_free(f);
    return HS_OK;
}
