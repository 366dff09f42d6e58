/* SPDX-License-Identifier: MIT */
/*
 * dump/hs_sink_file.c — atomic file output for the writer: write to
 * "<dir>/.<name>.tmp-<pid>-<n>", then fsync, rename over the target and
 * fsync the directory; unlink the temporary file on any failure, so a crash
 * or a full disk never leaves a complete-looking file at the target.
 */
#define _POSIX_C_SOURCE 200809L
#include "hs_sink_file.h"

#include "../formats/hsf_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hs_file_sink {
    char *path;
    char *tmp;
    char *dir;
    int fd;
    bool do_fsync;
    hs_error err;
    bool failed;
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

static void sink_free(hs_file_sink *s)
{
    if (!s) return;
    free(s->path);
    free(s->tmp);
    free(s->dir);
    free(s);
}

hs_status hs_file_sink_open(const char *path, bool fsync_on_commit, hs_file_sink **out, hs_error *err)
{
    *out = NULL;
    if (!path || !*path) return hsf_set_error(err, HS_ERR_ARG, "no output path given");
    hs_file_sink *s = calloc(1, sizeof *s);
    if (!s) return hsf_set_error(err, HS_ERR_NOMEM, "out of memory");
    s->fd = -1;
    s->do_fsync = fsync_on_commit;
    s->path = strdup(path);
    s->dir = dir_of(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t cap = strlen(path) + 64;
    s->tmp = malloc(cap);
    if (!s->path || !s->dir || !s->tmp) {
        sink_free(s);
        return hsf_set_error(err, HS_ERR_NOMEM, "out of memory");
    }
    if (!*base) {
        sink_free(s);
        return hsf_set_error(err, HS_ERR_ARG, "'%s': output path names a directory", path);
    }
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        snprintf(s->tmp, cap, "%s/.%s.tmp-%ld-%u", s->dir, base, (long)getpid(), attempt);
        s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (s->fd >= 0 || errno != EEXIST) break;
    }
    if (s->fd < 0) {
        hs_status st = hsf_set_error(err, HS_ERR_IO, "'%s': cannot create temporary file: %s", path, strerror(errno));
        sink_free(s);
        return st;
    }
    *out = s;
    return HS_OK;
}

hs_status hs_file_sink_write(void *ud, const void *data, size_t len)
{
    hs_file_sink *s = ud;
    const char *p = data;
    if (s->failed) return s->err.code;
    while (len) {
        ssize_t n = write(s->fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            s->failed = true;
            return hsf_set_error(&s->err, HS_ERR_IO, "'%s': write failed: %s", s->path, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return HS_OK;
}

const hs_error *hs_file_sink_error(const hs_file_sink *s) { return s && s->failed ? &s->err : NULL; }

void hs_file_sink_discard(hs_file_sink *s)
{
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    unlink(s->tmp);
    sink_free(s);
}

hs_status hs_file_sink_commit(hs_file_sink *s, hs_error *err)
{
    hs_status st = HS_OK;
    if (s->failed) {
        if (err) *err = s->err;
        st = s->err.code;
    } else if (s->do_fsync && fsync(s->fd) != 0) {
        st = hsf_set_error(err, HS_ERR_IO, "'%s': fsync failed: %s", s->path, strerror(errno));
    } else if (close(s->fd) != 0) {
        s->fd = -1;
        st = hsf_set_error(err, HS_ERR_IO, "'%s': close failed: %s", s->path, strerror(errno));
    } else {
        s->fd = -1;
        if (rename(s->tmp, s->path) != 0) {
            st = hsf_set_error(err, HS_ERR_IO, "'%s': cannot rename the temporary file into place: %s",
                               s->path, strerror(errno));
        } else if (s->do_fsync) {
            int dfd = open(s->dir, O_RDONLY | O_CLOEXEC);
            if (dfd >= 0) {
                (void)fsync(dfd); /* best effort: some filesystems refuse directory fsync */
                close(dfd);
            }
        }
    }
    if (st != HS_OK) {
        hs_file_sink_discard(s);
        return st;
    }
    sink_free(s);
    return HS_OK;
}
