/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/hsgen.c — writes synthetic, heap-shaped snapshots through
 * the C writer API (dump/heapsnap.h), for the analyzer's benchmark and CLI
 * tests. Deterministic for a given seed (fixed pid and time).
 *
 *   hsgen heap N OUT [SEED]  N blocks, about 3 references each: a long
 *                            linked list (10%), a tree (35%), a hub with
 *                            min(1M, N/10) children, rings of 2..50 blocks
 *                            (10%), random cross links (2.5 a block, 10% weak), and
 *                            unreachable islands (5%, half of them cycles)
 *   hsgen chain N OUT        a root and a linked list of N blocks
 *   hsgen dup OUT            a block address declared twice
 *   hsgen dangling OUT       references and a root to undeclared addresses
 *   hsgen garbage OUT        live data plus unreachable cycles, one with a finalizer
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hs_writer *w;

static void check(hs_status st, const char *what)
{
    if (st != HS_OK) {
        fprintf(stderr, "hsgen: %s: %s\n", what, hs_writer_error(w)->message);
        hs_writer_abort(w);
        exit(1);
    }
}
#define C(call) check((call), #call)

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void open_out(const char *path)
{
    hs_writer_options o = {.producer = "hsgen", .producer_version = "1", .runtime = "synthetic",
                           .pid = 4242, .time_us = 1700000000000000ll, .pointer_size = 8, .no_fsync = 1, .level = 1};
    hs_error err;
    if (hs_writer_open(path, &o, &w, &err) != HS_OK) {
        fprintf(stderr, "hsgen: %s\n", err.message);
        exit(1);
    }
}

static void finish(void)
{
    hs_error err;
    if (hs_writer_close(w, &err) != HS_OK) {
        fprintf(stderr, "hsgen: %s\n", err.message);
        exit(1);
    }
}

/* Block i's address: an odd-multiplier bijection, so addresses look scattered. */
static uint64_t A(uint64_t i) { return 0x100000000ull + (((i + 1) * 0x9E3779B1ull) & 0xFFFFFFFFFFull) * 16; }

static void shape_heap(uint64_t n, uint64_t seed)
{
    rng_state = seed;
    static const char *tn[] = {"dict", "list", "str", "tuple", "Node", "Tree", "Hub", "Ring", "bytes", "function",
                               "frame", "cell", "set", "int", "float", "Island", "module", "Cache", "Entry", "Leaf"};
    uint32_t types[20];
    for (int i = 0; i < 20; i++)
        C(hs_writer_add_type(w, tn[i], i < 4 || i > 11 ? "builtins" : "app", HS_TYPE_CONTAINER, &types[i]));
    uint32_t lab[8];
    static const char *ln[] = {"next", "left", "right", "items", "value", "parent", "cache", "__dict__"};
    for (int i = 0; i < 8; i++) C(hs_writer_intern(w, ln[i], strlen(ln[i]), &lab[i]));
    /* regions: [0,chain) [chain,tree) [tree,hub] (hub block first) [hub,rings) [rings,reach) [reach,n) */
    uint64_t chain = n / 10, tree = chain + n * 35 / 100;
    uint64_t hubn = n / 10 > 1000000 ? 1000000 : n / 10;
    uint64_t hub = tree, hub_end = hub + 1 + hubn;
    uint64_t rings = hub_end + n / 10, reach = n - n / 20;
    if (rings > reach) rings = reach;
    if (hub_end > rings) hub_end = rings, hubn = hub_end > hub ? hub_end - hub - 1 : 0;
    uint64_t ring_start = hub_end, ring_len = 2 + rnd() % 49;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t size = 16 + (rnd() % 32) * 16;
        if (rnd() % 100 == 0) size = 4096 + rnd() % 65536;
        uint32_t t = types[rnd() % 20];
        uint32_t flags = HS_BLOCK_GC_TRACKED | (rnd() % 200 == 0 ? HS_BLOCK_FINALIZER : 0);
        if (i == hub) t = types[6], size = 8 * hubn + 64;
        C(hs_writer_add_block(w, A(i), size, t, flags, HS_NONE));
        /* structural references */
        if (i + 1 < chain) C(hs_writer_add_ref_sid(w, A(i), A(i + 1), HS_REF_STRONG, lab[0]));
        if (i >= chain && i < tree) {
            uint64_t j = i - chain, c1 = chain + 2 * j + 1, c2 = c1 + 1;
            if (c1 < tree) C(hs_writer_add_ref_sid(w, A(i), A(c1), HS_REF_STRONG, lab[1]));
            if (c2 < tree) C(hs_writer_add_ref_sid(w, A(i), A(c2), HS_REF_STRONG, lab[2]));
        }
        if (i == hub)
            for (uint64_t k = 0; k < hubn; k++) C(hs_writer_add_ref_index(w, A(i), A(hub + 1 + k), HS_REF_STRONG, k));
        if (i >= hub_end && i < rings) {
            if (i + 1 - ring_start == ring_len || i + 1 == rings) {
                C(hs_writer_add_ref_sid(w, A(i), A(ring_start), HS_REF_STRONG, lab[0]));
                ring_start = i + 1;
                ring_len = 2 + rnd() % 49;
            } else {
                C(hs_writer_add_ref_sid(w, A(i), A(i + 1), HS_REF_STRONG, lab[0]));
            }
        }
        if (i >= reach) { /* islands of 10: a chain, half of them closed into a cycle */
            uint64_t j = i - reach;
            if (j % 10 != 9 && i + 1 < n) C(hs_writer_add_ref_sid(w, A(i), A(i + 1), HS_REF_STRONG, lab[0]));
            else if ((j / 10) % 2) C(hs_writer_add_ref_sid(w, A(i), A(i - 9), HS_REF_STRONG, lab[5]));
            continue;
        }
        /* cross links: about 2.5 per block, 10% weak, into the reachable regions */
        unsigned k = (unsigned)(rnd() % 6);
        for (unsigned c = 0; c < k && reach; c++) {
            uint64_t to = rnd() % reach;
            hs_ref_kind kind = rnd() % 10 == 0 ? HS_REF_WEAK : HS_REF_STRONG;
            if (rnd() % 2) C(hs_writer_add_ref_sid(w, A(i), A(to), kind, lab[3 + rnd() % 5]));
            else C(hs_writer_add_ref_index(w, A(i), A(to), kind, c));
        }
    }
    /* roots: the list head, the tree, the hub, a registry of rings, some globals */
    if (chain) C(hs_writer_add_root(w, A(0), HS_ROOT_GLOBAL, "chain", 0));
    if (tree > chain) C(hs_writer_add_root(w, A(chain), HS_ROOT_GLOBAL, "tree", 0));
    if (hub < n) C(hs_writer_add_root(w, A(hub), HS_ROOT_STACK, "hub", 0));
    for (uint64_t i = hub_end; i < rings; i += 50) C(hs_writer_add_root(w, A(i), HS_ROOT_RUNTIME, "rings", 0));
    for (int r = 0; r < 100 && reach; r++) C(hs_writer_add_root(w, A(rnd() % reach), HS_ROOT_GLOBAL, "g", 0));
}

static void shape_chain(uint64_t n)
{
    uint32_t t;
    C(hs_writer_add_type(w, "Node", "app", HS_TYPE_CONTAINER, &t));
    for (uint64_t i = 0; i < n; i++) {
        C(hs_writer_add_block(w, 0x1000 + 16 * i, 32, t, 0, HS_NONE));
        if (i + 1 < n) C(hs_writer_add_ref(w, 0x1000 + 16 * i, 0x1000 + 16 * (i + 1), HS_REF_STRONG, "next"));
    }
    if (n) C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "head", 0));
}

static void shape_dup(void)
{
    uint32_t t;
    C(hs_writer_add_type(w, "Node", "app", 0, &t));
    C(hs_writer_add_block(w, 0x1000, 32, t, 0, HS_NONE));
    C(hs_writer_add_block(w, 0x2000, 32, t, 0, HS_NONE));
    C(hs_writer_add_block(w, 0x1000, 48, t, 0, HS_NONE));
    C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "a", 0));
}

static void shape_dangling(void)
{
    uint32_t t;
    C(hs_writer_add_type(w, "Node", "app", 0, &t));
    C(hs_writer_add_block(w, 0x1000, 32, t, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x1000, 0x2000, HS_REF_STRONG, "ok"));
    C(hs_writer_add_ref(w, 0x1000, 0xdead0, HS_REF_STRONG, "gone"));
    C(hs_writer_add_ref_index(w, 0x1000, 0xdead0, HS_REF_WEAK, 3));
    C(hs_writer_add_block(w, 0x2000, 64, t, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0xbeef0, 0x2000, HS_REF_STRONG, "from nowhere"));
    C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "a", 0));
    C(hs_writer_add_root(w, 0xfee0, HS_ROOT_STACK, "lost", 0));
}

static void shape_garbage(void)
{
    uint32_t tm, tn, tf;
    C(hs_writer_add_type(w, "module", "builtins", HS_TYPE_CONTAINER, &tm));
    C(hs_writer_add_type(w, "Node", "app", HS_TYPE_CONTAINER, &tn));
    C(hs_writer_add_type(w, "Resource", "app", HS_TYPE_CONTAINER | HS_TYPE_FINALIZER, &tf));
    C(hs_writer_add_block(w, 0x100, 100, tm, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x100, 0x200, HS_REF_STRONG, "a"));
    C(hs_writer_add_block(w, 0x200, 40, tn, 0, HS_NONE)); /* live cycle 0x200 <-> 0x300 */
    C(hs_writer_add_ref(w, 0x200, 0x300, HS_REF_STRONG, "next"));
    C(hs_writer_add_block(w, 0x300, 40, tn, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x300, 0x200, HS_REF_STRONG, "prev"));
    C(hs_writer_add_block(w, 0x400, 500, tf, HS_BLOCK_FINALIZER, HS_NONE)); /* garbage cycle with a finalizer */
    C(hs_writer_add_ref(w, 0x400, 0x500, HS_REF_STRONG, "peer"));
    C(hs_writer_add_block(w, 0x500, 700, tn, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x500, 0x400, HS_REF_STRONG, "owner"));
    C(hs_writer_add_ref(w, 0x500, 0x200, HS_REF_STRONG, "shared"));
    C(hs_writer_add_block(w, 0x600, 24, tn, 0, HS_NONE)); /* garbage self-loop */
    C(hs_writer_add_ref(w, 0x600, 0x600, HS_REF_STRONG, "self"));
    C(hs_writer_add_block(w, 0x700, 8, tn, 0, HS_NONE)); /* weak self-reference: no cycle */
    C(hs_writer_add_ref(w, 0x700, 0x700, HS_REF_WEAK, "me"));
    C(hs_writer_add_ref(w, 0x100, 0x700, HS_REF_STRONG, "b"));
    C(hs_writer_add_root(w, 0x100, HS_ROOT_GLOBAL, "app", 0));
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "heap")) {
        open_out(argv[3]);
        shape_heap(strtoull(argv[2], NULL, 10), argc > 4 ? strtoull(argv[4], NULL, 10) : 1);
    } else if (argc == 4 && !strcmp(argv[1], "chain")) {
        open_out(argv[3]);
        shape_chain(strtoull(argv[2], NULL, 10));
    } else if (argc == 3 && !strcmp(argv[1], "dup")) {
        open_out(argv[2]);
        shape_dup();
    } else if (argc == 3 && !strcmp(argv[1], "dangling")) {
        open_out(argv[2]);
        shape_dangling();
    } else if (argc == 3 && !strcmp(argv[1], "garbage")) {
        open_out(argv[2]);
        shape_garbage();
    } else {
        fprintf(stderr, "usage: hsgen heap N OUT [SEED] | chain N OUT | dup OUT | dangling OUT | garbage OUT\n");
        return 2;
    }
    finish();
    return 0;
}
