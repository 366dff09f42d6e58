/* SPDX-License-Identifier: MIT */
/*
 * tests/native/family.c — every interposed call once, each result kept in
 * g_keep with a distinct size so the test can find it in the dump; then
 * heapsnap_native_type() on a block, a non-block and a block then realloc'd;
 * heapsnap_native_dump() to a good and to an impossible path, and an
 * allocation that must fail (the post-mortem dump). Usage: family DIR.
 */
#define _GNU_SOURCE
#include "heapsnap_native.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *g_keep[16];
void *volatile g_sink; /* stores the compiler cannot drop along with the malloc */

int main(int argc, char **argv)
{
    if (argc < 2 || !heapsnap_native_dump) return 2;
    int n = 0;
    g_keep[n++] = malloc(1001);
    g_keep[n++] = calloc(1, 1002);
    g_keep[n++] = realloc(malloc(10), 1003);
    g_keep[n++] = reallocarray(NULL, 1, 1004);
    void *p = NULL;
    if (posix_memalign(&p, 64, 1005) != 0) return 1;
    g_keep[n++] = p;
    g_keep[n++] = aligned_alloc(128, 1024 + 128 * 0); /* size a multiple of the alignment */
    g_keep[n++] = memalign(256, 1007);
    g_keep[n++] = valloc(1008);
    g_keep[n++] = pvalloc(1009);
    g_keep[n++] = strdup("a string from strdup, 40 bytes long....");
    for (int i = 0; i < n; i++)
        if (!g_keep[i] || malloc_usable_size(g_keep[i]) < 40) return 1;
    g_sink = malloc(1010);
    free(g_sink); /* freed: must not appear */
    /* the program names its own types; a name goes with the block until realloc */
    if (!heapsnap_native_type || heapsnap_native_type(g_keep[0], "Session") != 0) return 5;
    if (heapsnap_native_type(&n, "NotABlock") == 0) return 6;
    void *blob = malloc(1011);
    if (heapsnap_native_type(blob, "Blob") != 0) return 7;
    g_keep[n++] = realloc(blob, 1012);
    char path[512];
    snprintf(path, sizeof path, "%s/family.hsnap", argv[1]);
    int rc = heapsnap_native_dump(path);
    if (rc != 0) return 10 + rc;
    rc = heapsnap_native_dump("/nonexistent-dir/x.hsnap");
    if (rc == 0) return 3;
    printf("bad path: %d\n", rc);
    g_sink = malloc((size_t)1 << 46); /* fails: the post-mortem dump */
    if (g_sink) return 4;
    return 0;
}
