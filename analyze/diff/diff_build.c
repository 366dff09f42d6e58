/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_build.c — building two snapshot summaries at once (a
 * second thread: the two loads are independent, so a comparison costs
 * about one load of wall time on two cores; HEAPSNAP_THREADS=1 keeps one
 * thread), the noise threshold of the comparison commands, and whether the
 * process grew outside the dumped objects (diff_growth_outside).
 * See docs/diff.md.
 */
#define _POSIX_C_SOURCE 200809L
#include "diff/diff.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct build_job {
    diff_snap *s;
    const char *path;
    int side;
    unsigned what;
    diff_group_by by;
} build_job;

static void *build_thread(void *p)
{
    build_job *j = p;
    diff_snap_build(j->s, j->path, j->side, j->what, j->by);
    return NULL;
}


const diff_snap *diff_build2(diff_snap *a, const char *pa, int sa, unsigned wa, diff_snap *b, const char *pb, int sb,
                    unsigned wb, diff_group_by by)
{
    build_job ja = {a, pa, sa, wa, by};
    pthread_t th;
    bool threaded = getenv("HEAPSNAP_THREADS") == NULL || strcmp(getenv("HEAPSNAP_THREADS"), "1") != 0;
    if (threaded && pthread_create(&th, NULL, build_thread, &ja) != 0) threaded = false;
    if (!threaded) build_thread(&ja);
    diff_snap_build(b, pb, sb, wb, by);
    if (threaded) pthread_join(th, NULL);
    return a->status ? a : b->status ? b : NULL;
}

uint64_t diff_noise(uint64_t opt, const diff_snap *a, const diff_snap *b)
{
    if (opt != DIFF_NOISE_AUTO) return opt;
    uint64_t big = a->reachable_bytes > b->reachable_bytes ? a->reachable_bytes : b->reachable_bytes;
    return big / 1000 > DIFF_NOISE_FLOOR ? big / 1000 : DIFF_NOISE_FLOOR;
}


/* ---- memory outside the dumped objects ---- */
bool diff_growth_outside(const load_mem *before, uint64_t shallow_before, const load_mem *after,
                         uint64_t shallow_after, int64_t *rss, int64_t *objects)
{
    *rss = 0;
    *objects = diff_sub(shallow_after, shallow_before);
    if (!before->has_rss || !after->has_rss) return false;
    *rss = diff_sub(after->rss, before->rss);
    int64_t obj = *objects > 0 ? *objects : 0;
    return *rss >= (int64_t)(1u << 20) && *rss / 4 > obj;
}
