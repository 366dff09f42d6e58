/* SPDX-License-Identifier: MIT */
/*
 * tests/native/fork_child.c — fork under the preload library: the parent
 * holds parent_blocks, one child allocates child_blocks and leaves through
 * exit(), another through _exit(). Untraced children (the default) write
 * nothing; with HEAPSNAP_NATIVE_FOLLOW_FORK=1 each writes its own dump.
 */
#define _DEFAULT_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void *g_parent[64], *g_child[32];

__attribute__((noinline)) static void *parent_block(void) { return calloc(1, 80); }
__attribute__((noinline)) static void *child_block(void) { return calloc(1, 120); }

int main(void)
{
    for (int i = 0; i < 64; i++) g_parent[i] = parent_block();
    for (int how = 0; how < 2; how++) {
        pid_t p = fork();
        if (p < 0) return 1;
        if (p == 0) {
            for (int i = 0; i < 32; i++) g_child[i] = child_block();
            free(g_parent[0]); /* the child frees a block the parent still has */
            g_parent[0] = NULL;
            if (how == 0) exit(0);
            _exit(0);
        }
        int st;
        if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return 1;
    }
    return 0;
}
