/* SPDX-License-Identifier: MIT */
/*
 * tests/native/gt_leaks.c — a deterministic C program with known leak kinds,
 * the ground truth for libheapsnap-preload.so: run it under the preload
 * library and under `valgrind --leak-check=full`, and both must report the
 * same definitely / indirectly / possibly lost and still reachable bytes and
 * blocks, which also equal what `gt_leaks --expect` prints (computed here
 * from the same constants). See tests/native/test_native.py.
 *
 * Still reachable: a list, a tree with payloads, a hash table whose bucket
 * array grows by realloc, a ring held by a global, and a cache that grows
 * without bound (reachable, so only a growth view sees it). Definitely lost:
 * dropped blocks, one block of an unreachable ring, the root of an
 * unreachable subtree. Indirectly lost: the rest of that ring and subtree.
 * Possibly lost: blocks reachable only through interior pointers, and what
 * they point to.
 *
 * Every block is zeroed or written in full (the scan is conservative and
 * would see stale pointers in uninitialised memory, memcheck would not), the
 * program writes nothing through stdio (its buffers are heap blocks valgrind
 * frees at exit), and the stack is scrubbed before main returns so no dead
 * pointer survives in a frame. Build with frame pointers.
 */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIST_N 100
#define LIST_SZ 32
#define TREE_DEPTH 5 /* 31 nodes */
#define TREE_SZ 48
#define PAYLOAD_SZ 100
#define HT_ENTRIES 200
#define HT_ENTRY_SZ 40
#define HT_KEY_SZ 16
#define RING_N 10
#define RING_SZ 24
#define CACHE_N 500
#define CACHE_SZ 64
#define DROP_N 20
#define DROP_SZ 56
#define LRING_N 7
#define LRING_SZ 40
#define LTREE_DEPTH 3 /* 7 nodes */
#define LTREE_SZ 48
#define LPAYLOAD_SZ 72
#define INTERIOR_N 5
#define INTERIOR_SZ 128
#define INTERIOR_OFF 16
#define INTERIOR_CHILD_SZ 24

struct node { struct node *next; char data[LIST_SZ - sizeof(void *)]; };
struct tnode { struct tnode *left, *right; char *payload; char pad[TREE_SZ - 3 * sizeof(void *)]; };
struct entry { struct entry *next; char *key; uint64_t hash; char pad[HT_ENTRY_SZ - 3 * sizeof(void *)]; };
struct ring { struct ring *next; char pad[RING_SZ - sizeof(void *)]; };
struct lring { struct lring *next; char pad[LRING_SZ - sizeof(void *)]; };
struct cache { struct cache *next; char pad[CACHE_SZ - sizeof(void *)]; };
struct holder { char head[INTERIOR_OFF]; void *child; char pad[INTERIOR_SZ - INTERIOR_OFF - sizeof(void *)]; };

struct node *g_list; /* not static: the compiler may not drop stores it never reads back */
struct tnode *g_tree;
struct { struct entry **buckets; size_t nbuckets, n; } g_table;
struct ring *g_ring;
struct cache *g_cache;
char *g_interior[INTERIOR_N]; /* each points INTERIOR_OFF bytes into its block */

static void *zalloc(size_t n)
{
    void *p = calloc(1, n);
    if (!p) abort();
    return p;
}

__attribute__((noinline)) static void make_list(void)
{
    for (int i = 0; i < LIST_N; i++) {
        struct node *n = zalloc(sizeof *n);
        memset(n->data, 'l', sizeof n->data);
        n->next = g_list;
        g_list = n;
    }
}

__attribute__((noinline)) static struct tnode *make_tree(int depth, size_t payload)
{
    if (!depth) return NULL;
    struct tnode *t = zalloc(sizeof *t);
    t->payload = zalloc(payload);
    memset(t->payload, 'p', payload);
    t->left = make_tree(depth - 1, payload);
    t->right = make_tree(depth - 1, payload);
    return t;
}

__attribute__((noinline)) static void ht_put(uint64_t key)
{
    if (g_table.n * 2 >= g_table.nbuckets * 3 || !g_table.buckets) { /* grow by realloc, then rehash in place */
        size_t old = g_table.nbuckets, nb = old ? old * 2 : 8;
        struct entry **b = realloc(g_table.buckets, nb * sizeof *b);
        if (!b) abort();
        memset(b + old, 0, (nb - old) * sizeof *b);
        struct entry *all = NULL;
        for (size_t i = 0; i < old; i++)
            while (b[i]) {
                struct entry *e = b[i];
                b[i] = e->next;
                e->next = all;
                all = e;
            }
        g_table.buckets = b;
        g_table.nbuckets = nb;
        while (all) {
            struct entry *e = all;
            all = e->next;
            e->next = b[e->hash % nb];
            b[e->hash % nb] = e;
        }
    }
    struct entry *e = zalloc(sizeof *e);
    e->key = zalloc(HT_KEY_SZ);
    snprintf(e->key, HT_KEY_SZ, "k%llu", (unsigned long long)key);
    e->hash = key * 2654435761u;
    e->next = g_table.buckets[e->hash % g_table.nbuckets];
    g_table.buckets[e->hash % g_table.nbuckets] = e;
    g_table.n++;
}

/* A ring of n blocks; returns one of them. */
__attribute__((noinline)) static void *make_ring(int n, size_t size)
{
    struct ring *first = zalloc(size), *prev = first;
    for (int i = 1; i < n; i++) {
        struct ring *r = zalloc(size);
        prev->next = r;
        prev = r;
    }
    prev->next = first;
    return first;
}

__attribute__((noinline)) static void cache_add(void)
{
    struct cache *c = zalloc(sizeof *c);
    memset(c->pad, 'c', sizeof c->pad);
    c->next = g_cache;
    g_cache = c;
}

__attribute__((noinline)) static void drop_blocks(void)
{
    for (int i = 0; i < DROP_N; i++) {
        volatile char *p = zalloc(DROP_SZ);
        p[0] = 'd';
    }
}

__attribute__((noinline)) static void lose_ring(void) { (void)make_ring(LRING_N, LRING_SZ); }

__attribute__((noinline)) static void lose_subtree(void) { (void)make_tree(LTREE_DEPTH, LPAYLOAD_SZ); }

__attribute__((noinline)) static void make_interior(void)
{
    for (int i = 0; i < INTERIOR_N; i++) {
        struct holder *h = zalloc(sizeof *h);
        h->child = zalloc(INTERIOR_CHILD_SZ);
        g_interior[i] = (char *)h + INTERIOR_OFF;
    }
}

/* Overwrite the dead part of the stack, where the frames above left pointers. */
__attribute__((noinline)) static void scrub_stack(void)
{
    volatile char buf[256 * 1024];
    memset((char *)buf, 0, sizeof buf);
    __asm__ volatile("" : : "r"(buf) : "memory");
}

static void expect(void)
{
    long tree_n = (1 << TREE_DEPTH) - 1, ltree_n = (1 << LTREE_DEPTH) - 1;
    long buckets = 0; /* the growth rule of ht_put */
    for (long n = 0; n < HT_ENTRIES; n++)
        if (n * 2 >= buckets * 3 || !buckets) buckets = buckets ? buckets * 2 : 8;
    long reach_b = LIST_N + 2 * tree_n + 2 * HT_ENTRIES + 1 + RING_N + CACHE_N;
    long reach = LIST_N * LIST_SZ + tree_n * (TREE_SZ + PAYLOAD_SZ) + HT_ENTRIES * (HT_ENTRY_SZ + HT_KEY_SZ) +
                 buckets * 8 + RING_N * RING_SZ + CACHE_N * CACHE_SZ;
    printf("{\"definite\": [%ld, %ld], \"indirect\": [%ld, %ld], \"possible\": [%ld, %ld], \"reachable\": [%ld, %ld]}\n",
           (long)(DROP_N * DROP_SZ + LRING_SZ + LTREE_SZ), (long)(DROP_N + 2),
           (long)((LRING_N - 1) * LRING_SZ + (ltree_n - 1) * LTREE_SZ + ltree_n * LPAYLOAD_SZ),
           (long)(LRING_N - 1 + ltree_n - 1 + ltree_n), (long)(INTERIOR_N * (INTERIOR_SZ + INTERIOR_CHILD_SZ)),
           (long)(2 * INTERIOR_N), reach, reach_b);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--expect") == 0) {
        expect();
        return 0;
    }
    make_list();
    g_tree = make_tree(TREE_DEPTH, PAYLOAD_SZ);
    for (int i = 0; i < HT_ENTRIES; i++) ht_put((uint64_t)i);
    g_ring = make_ring(RING_N, RING_SZ);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < CACHE_N / 5; i++) cache_add();
        if (argc > 1 && strcmp(argv[1], "--pause") == 0) usleep(300000); /* for growth dumps */
    }
    drop_blocks();
    lose_ring();
    lose_subtree();
    make_interior();
    scrub_stack();
    return 0;
}
