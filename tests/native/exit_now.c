/* SPDX-License-Identifier: MIT */
/*
 * tests/native/exit_now.c — leaves through _exit(3) with live and leaked
 * blocks and a thread still running: the exit dump must still be written.
 */
#define _DEFAULT_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

void *g_kept[10];

static void *spin(void *arg)
{
    (void)arg;
    for (;;) free(malloc(64));
    return NULL;
}

void *volatile g_sink; /* a store the compiler cannot drop: a malloc whose result is unused may vanish */

__attribute__((noinline)) static void leak(void)
{
    g_sink = malloc(333);
    g_sink = NULL;
}

int main(void)
{
    for (int i = 0; i < 10; i++) g_kept[i] = malloc(100);
    leak();
    pthread_t t;
    pthread_create(&t, NULL, spin, NULL);
    usleep(20000);
    _exit(3);
}
