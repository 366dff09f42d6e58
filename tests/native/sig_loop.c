/* SPDX-License-Identifier: MIT */
/*
 * tests/native/sig_loop.c — three threads allocate, grow and free without
 * pause for SECONDS, while the test sends the dump signal from outside; it
 * lands mid-allocation. Prints "ready" once the threads run. Usage:
 * sig_loop SECONDS.
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 1024
void *g_slots[3][SLOTS];
static volatile int g_stop;

static void *churn(void *arg)
{
    long id = (long)arg;
    unsigned seed = (unsigned)id + 17;
    while (!g_stop) {
        int k = (int)(rand_r(&seed) % SLOTS);
        void *q = realloc(g_slots[id][k], 1 + (size_t)(rand_r(&seed) % 512));
        if (q) memset(q, 0, 1);
        g_slots[id][k] = q;
        free(malloc(1 + (size_t)(rand_r(&seed) % 64)));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    pthread_t t[2];
    for (long i = 1; i < 3; i++) pthread_create(&t[i - 1], NULL, churn, (void *)i);
    printf("ready\n");
    fflush(stdout);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    unsigned seed = 5;
    do {
        int k = (int)(rand_r(&seed) % SLOTS);
        free(g_slots[0][k]);
        g_slots[0][k] = malloc(1 + (size_t)(rand_r(&seed) % 256));
        clock_gettime(CLOCK_MONOTONIC, &b);
    } while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < secs);
    g_stop = 1;
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    return 0;
}
