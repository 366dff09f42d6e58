/* SPDX-License-Identifier: MIT */
/*
 * tests/native/mt_alloc.c — four threads allocate and free at once while
 * the main thread takes snapshots with heapsnap_native_dump(): the others
 * must be stopped, nothing may deadlock, every file must be valid. At the
 * end each worker keeps exactly KEEP blocks of its own site (worker_block),
 * all held by g_keep. Usage: mt_alloc DIR ROUNDS (each worker runs at least
 * ROUNDS rounds, and on until the main thread's three dumps are written).
 */
#define _DEFAULT_SOURCE
#include "heapsnap_native.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 4
#define KEEP 256

void *g_keep[NTHREADS][KEEP];
static int g_rounds;
static atomic_int g_done_rounds, g_stop;

__attribute__((noinline)) static void *worker_block(size_t n)
{
    void *p = malloc(n);
    if (!p) abort();
    memset(p, 0, n);
    return p;
}

static void *worker(void *arg)
{
    long id = (long)arg;
    unsigned seed = (unsigned)id * 7919u + 1;
    for (int i = 0; i < KEEP; i++) g_keep[id][i] = worker_block(16 + (size_t)(rand_r(&seed) % 200));
    for (int r = 0; r < g_rounds || !atomic_load(&g_stop); r++) {
        atomic_fetch_add(&g_done_rounds, 1);
        int k = (int)(rand_r(&seed) % KEEP);
        switch (rand_r(&seed) % 4) {
        case 0: { /* realloc in place or moved */
            void *q = realloc(g_keep[id][k], 16 + (size_t)(rand_r(&seed) % 400));
            if (!q) abort();
            g_keep[id][k] = q;
            break;
        }
        case 1: free(g_keep[id][k]); g_keep[id][k] = worker_block(8 + (size_t)(rand_r(&seed) % 100)); break;
        case 2: free(calloc(1, 32)); break;
        default: { /* short-lived chains */
            void *a = malloc(24), *b = malloc(48);
            free(a);
            free(b);
        }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    g_rounds = atoi(argv[2]);
    pthread_t t[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0) return 1;
    int fails = 0;
    for (int d = 0; d < 3; d++) {
        while (atomic_load(&g_done_rounds) < (d + 1) * 4000) sched_yield(); /* the workers are mid-run */
        char path[512];
        snprintf(path, sizeof path, "%s/mt-%d.hsnap", argv[1], d);
        if (!heapsnap_native_dump || heapsnap_native_dump(path) != 0) fails++;
    }
    atomic_store(&g_stop, 1);
    for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
    return fails ? 1 : 0;
}
