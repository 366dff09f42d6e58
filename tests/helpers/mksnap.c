/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/mksnap.c — writes deterministic snapshots through the C
 * writer API for the CLI tests (git's test-tool): fixed pid and time, so
 * outputs can be compared byte for byte.
 *
 *   mksnap small OUT            a small hand-built heap, every record kind
 *   mksnap empty OUT            header and trailer only
 *   mksnap random SEED N OUT    N blocks, about 3 references each
 *   mksnap hostile OUT          names with control characters and markup
 *   mksnap types N OUT          N types with one block each
 *   mksnap tie OUT              a dict as near a stack root as a global one
 *   mksnap shared OUT           a payload only two holders keep alive together
 *   mksnap pycycles OUT         a miniature Python heap for `cycles`: module globals, a class,
 *                               functions, a __del__ garbage cycle with a payload, three
 *                               ctypes.cast() cycles, a stored exception, a closure
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static hs_writer *w;

static void check(hs_status st, const char *what)
{
    if (st != HS_OK) {
        fprintf(stderr, "mksnap: %s: %s\n", what, hs_writer_error(w)->message);
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

static void open_out(const char *path, const char *runtime)
{
    hs_tag tags[] = {{"purpose", "test"}};
    hs_writer_options o = {.producer = "mksnap",
                           .producer_version = "1",
                           .runtime = runtime,
                           .pid = 4242,
                           .time_us = 1700000000000000ll,
                           .pointer_size = 8,
                           .tags = tags,
                           .ntags = 1,
                           .no_fsync = 1};
    hs_error err;
    if (hs_writer_open(path, &o, &w, &err) != HS_OK) {
        fprintf(stderr, "mksnap: %s\n", err.message);
        exit(1);
    }
}

static void finish(void)
{
    hs_error err;
    if (hs_writer_close(w, &err) != HS_OK) {
        fprintf(stderr, "mksnap: %s\n", err.message);
        exit(1);
    }
}

static void shape_small(void)
{
    uint32_t t_mod, t_dict, t_list, t_obj, t_str, t_weak, f0, f1, site;
    C(hs_writer_add_type(w, "module", "builtins", HS_TYPE_CONTAINER, &t_mod));
    C(hs_writer_add_type(w, "dict", "builtins", HS_TYPE_CONTAINER, &t_dict));
    C(hs_writer_add_type(w, "list", "builtins", HS_TYPE_CONTAINER, &t_list));
    C(hs_writer_add_type(w, "Thing", "app.models", HS_TYPE_CONTAINER | HS_TYPE_FINALIZER, &t_obj));
    C(hs_writer_add_type(w, "str", "builtins", 0, &t_str));
    C(hs_writer_add_type(w, "weakref", NULL, 0, &t_weak));
    C(hs_writer_add_frame(w, "load", "app/models.py", 42, &f0));
    C(hs_writer_add_frame(w, "<module>", "main.py", 7, &f1));
    uint32_t frames[] = {f0, f1};
    C(hs_writer_add_site(w, frames, 2, &site));
    C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "app", 0));
    C(hs_writer_add_block(w, 0x1000, 72, t_mod, HS_BLOCK_GC_TRACKED, HS_NONE));
    C(hs_writer_add_ref(w, 0x1000, 0x2000, HS_REF_STRONG, "cache"));
    C(hs_writer_add_ref(w, 0x1000, 0x3000, HS_REF_STRONG, "items"));
    C(hs_writer_add_block(w, 0x2000, 1200, t_dict, HS_BLOCK_GC_TRACKED, HS_NONE));
    for (int i = 0; i < 4; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        C(hs_writer_add_ref(w, 0x2000, 0x4000 + 0x100 * (uint64_t)i, HS_REF_STRONG, key));
    }
    C(hs_writer_add_block(w, 0x3000, 120, t_list, HS_BLOCK_GC_TRACKED, HS_NONE));
    C(hs_writer_add_ref_index(w, 0x3000, 0x4000, HS_REF_STRONG, 0));
    C(hs_writer_add_ref_index(w, 0x3000, 0x5000, HS_REF_STRONG, 1));
    for (int i = 0; i < 4; i++)
        C(hs_writer_add_block(w, 0x4000 + 0x100 * (uint64_t)i, 400, t_obj, HS_BLOCK_GC_TRACKED | HS_BLOCK_FINALIZER, site));
    C(hs_writer_add_block(w, 0x5000, 57, t_str, 0, HS_NONE));
    C(hs_writer_add_value_text(w, 0x5000, "hello", 5, 8));
    C(hs_writer_add_block(w, 0x6000, 80, t_weak, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x6000, 0x4300, HS_REF_WEAK, NULL));
    /* declared after their holders: standalone refs records */
    C(hs_writer_add_ref(w, 0x1000, 0x6000, HS_REF_STRONG, "watcher"));
    C(hs_writer_add_root(w, 0x5000, HS_ROOT_EXTERNAL, NULL, 2));
    C(hs_writer_add_root(w, 0x3000, HS_ROOT_STACK, "thread main: run", 0));
    C(hs_writer_set_end_tag(w, "complete", "yes"));
}

static void shape_random(uint64_t seed, uint64_t n)
{
    rng_state = seed;
    uint32_t types[16];
    for (int i = 0; i < 16; i++) {
        char name[16];
        snprintf(name, sizeof name, "T%d", i);
        C(hs_writer_add_type(w, name, "gen", 0, &types[i]));
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t addr = 0x10000 + i * 32;
        C(hs_writer_add_block(w, addr, 16 + rnd() % 200, types[rnd() % 16], 0, HS_NONE));
        unsigned nref = (unsigned)(rnd() % 7);
        for (unsigned k = 0; k < nref; k++) {
            uint64_t to = 0x10000 + (rnd() % n) * 32;
            C(hs_writer_add_ref_index(w, addr, to, rnd() % 8 ? HS_REF_STRONG : HS_REF_WEAK, k));
        }
    }
    for (int i = 0; i < 4 && n; i++) C(hs_writer_add_root(w, 0x10000 + (rnd() % n) * 32, HS_ROOT_GLOBAL, "g", 0));
}

static void shape_hostile(void)
{
    uint32_t t1, t2;
    C(hs_writer_add_type(w, "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", 0, &t1));
    C(hs_writer_add_type(w, "bell\a\x1b[31mred\nline", NULL, 0, &t2));
    C(hs_writer_add_block(w, 0x10, 10, t1, 0, HS_NONE));
    C(hs_writer_add_block(w, 0x20, 20, t2, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x10, 0x20, HS_REF_STRONG, "</script><script>x()</script>"));
    C(hs_writer_add_root(w, 0x10, HS_ROOT_GLOBAL, "\x1b]0;title\a", 0));
}

/* A module's globals dict held by the module (global root) and by the
 * running frame's locals (stack root), both two references from a root;
 * the stack root comes first in record order. */
static void shape_tie(void)
{
    uint32_t tf, tm, td;
    C(hs_writer_add_type(w, "_PyInterpreterFrame", "cpython", 0, &tf));
    C(hs_writer_add_type(w, "module", "builtins", 0, &tm));
    C(hs_writer_add_type(w, "dict", "builtins", 0, &td));
    C(hs_writer_add_root(w, 0x100, HS_ROOT_STACK, "thread 1: <module> (main.py:3)", 0));
    C(hs_writer_add_root(w, 0x200, HS_ROOT_GLOBAL, "__main__", 0));
    C(hs_writer_add_block(w, 0x100, 80, tf, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x100, 0x300, HS_REF_STRONG, "f_locals"));
    C(hs_writer_add_block(w, 0x200, 72, tm, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x200, 0x300, HS_REF_STRONG, "__dict__"));
    C(hs_writer_add_block(w, 0x300, 640, td, 0, HS_NONE));
}

/* Blocks of 2^bits bytes (a buffer held by a list item, and one garbage
 * buffer), so retained sizes need more than 32 bits (bits 32-39) or more
 * than 40 (bits 40 and up: each block's 8 bytes wide). */
static void shape_huge(unsigned bits)
{
    uint32_t td, tl, ti, tb;
    C(hs_writer_add_type(w, "dict", "builtins", 0, &td));
    C(hs_writer_add_type(w, "list", "builtins", 0, &tl));
    C(hs_writer_add_type(w, "Item", "app", 0, &ti));
    C(hs_writer_add_type(w, "bytearray", "builtins", 0, &tb));
    C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "app", 0));
    C(hs_writer_add_block(w, 0x1000, 640, td, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x1000, 0x2000, HS_REF_STRONG, "items"));
    C(hs_writer_add_block(w, 0x2000, 456, tl, 0, HS_NONE));
    for (uint64_t i = 0; i < 50; i++) {
        C(hs_writer_add_ref_index(w, 0x2000, 0x3000 + 0x40 * i, HS_REF_STRONG, i));
        C(hs_writer_add_block(w, 0x3000 + 0x40 * i, 48 + i, ti, 0, HS_NONE));
        C(hs_writer_add_ref(w, 0x3000 + 0x40 * i, 0x9000 + 0x40 * i, HS_REF_STRONG, "buf"));
        C(hs_writer_add_block(w, 0x9000 + 0x40 * i, i == 7 ? (UINT64_C(1) << bits) + 7 : 100 + i, tb, 0, HS_NONE));
    }
    C(hs_writer_add_block(w, 0x20000, (UINT64_C(1) << bits) + 3, tb, 0, HS_NONE));
}

/* Two Holders, each rooted, both pointing at one Payload: neither holder
 * dominates it, so it counts in the Holders' exact retained size only. */
static void shape_shared(void)
{
    uint32_t th, tp;
    C(hs_writer_add_type(w, "Holder", "app", 0, &th));
    C(hs_writer_add_type(w, "Payload", "app", 0, &tp));
    C(hs_writer_add_root(w, 0x100, HS_ROOT_GLOBAL, "a", 0));
    C(hs_writer_add_root(w, 0x200, HS_ROOT_GLOBAL, "b", 0));
    C(hs_writer_add_block(w, 0x100, 50, th, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x100, 0x300, HS_REF_STRONG, "payload"));
    C(hs_writer_add_block(w, 0x200, 50, th, 0, HS_NONE));
    C(hs_writer_add_ref(w, 0x200, 0x300, HS_REF_STRONG, "payload"));
    C(hs_writer_add_block(w, 0x300, 4000, tp, 0, HS_NONE));
}

/* docs/cli.md#cycles, on a heap small enough to read: everything below
 * __main__'s globals is one strongly connected component (functions hold
 * their globals, instances their class); the stored exception, the ctypes
 * cycles and the garbage Nodes are what `cycles` lists. */
static void shape_pycycles(void)
{
    enum { MOD, DICT, TYPE, TUPLE, FUNC, LIST, CELL, NODE, BARR, CARR, LP, EXC, TB, FRAME, NT };
    static const char *const names[NT][2] = {
        {"module", "builtins"}, {"dict", "builtins"}, {"type", "builtins"}, {"tuple", "builtins"},
        {"function", "builtins"}, {"list", "builtins"}, {"cell", "builtins"}, {"Node", "__main__"},
        {"bytearray", "builtins"}, {"c_char_Array_65536", "ctypes"}, {"LP_c_char", "ctypes"},
        {"ValueError", "builtins"}, {"traceback", "builtins"}, {"frame", "builtins"}};
    uint32_t t[NT];
    for (int i = 0; i < NT; i++)
        C(hs_writer_add_type(w, names[i][0], names[i][1], i == NODE ? HS_TYPE_FINALIZER : 0, &t[i]));
#define B(a, size, ty) C(hs_writer_add_block(w, a, size, t[ty], HS_BLOCK_GC_TRACKED, HS_NONE))
#define R(from, to, label) C(hs_writer_add_ref(w, from, to, HS_REF_STRONG, label))
#define RI(from, to, i) C(hs_writer_add_ref_index(w, from, to, HS_REF_STRONG, i))
    C(hs_writer_add_root(w, 0x1000, HS_ROOT_GLOBAL, "__main__", 0));
    B(0x1000, 72, MOD), B(0x1100, 2200, DICT);
    R(0x1000, 0x1100, "__dict__");
    /* class Node: __mro__ (Node, object), __dict__ with __del__, whose globals are __main__'s */
    B(0x2000, 1064, TYPE), B(0x2100, 56, TUPLE), B(0x2200, 1200, DICT), B(0x2300, 160, FUNC);
    R(0x1100, 0x2000, "Node"), R(0x2000, 0x2100, "__mro__"), RI(0x2100, 0x2000, 0), R(0x2000, 0x2200, "__dict__");
    R(0x2200, 0x2300, "__del__"), R(0x2300, 0x1100, "__globals__");
    /* three garbage Nodes in a ring, the first holding a 500000-byte payload */
    for (uint64_t i = 0; i < 3; i++) {
        B(0x3000 + i * 0x100, 304, NODE);
        R(0x3000 + i * 0x100, 0x3000 + (i + 1) % 3 * 0x100, "next");
        R(0x3000 + i * 0x100, 0x2000, "__class__");
    }
    B(0x3400, 500057, BARR);
    R(0x3000, 0x3400, "payload");
    /* ptrs = [cast(create_string_buffer(65536), POINTER(c_char)) for _ in range(3)] */
    B(0x4000, 88, LIST);
    R(0x1100, 0x4000, "ptrs");
    for (uint64_t i = 0; i < 3; i++) {
        uint64_t p = 0x4100 + i * 0x100;
        B(p, 136, LP), B(p + 0x10, 136, CARR), B(p + 0x20, 224, DICT);
        RI(0x4000, p, i), R(p, p + 0x20, "_objects"), R(p + 0x10, p + 0x20, "_objects");
        char key[32];
        snprintf(key, sizeof key, "%llu", (unsigned long long)(p + 0x10));
        R(p + 0x20, p + 0x10, key);
    }
    /* errors = [exc]: exc -> traceback -> frame, whose local `exc` is exc again and which holds `big` */
    B(0x5000, 88, LIST), B(0x5100, 88, EXC), B(0x5200, 56, TB), B(0x5300, 440, FRAME), B(0x5400, 160, FUNC);
    B(0x5500, 100056, LIST);
    R(0x1100, 0x5000, "errors"), RI(0x5000, 0x5100, 0), R(0x5100, 0x5200, "__traceback__");
    R(0x5200, 0x5300, "tb_frame"), R(0x5300, 0x5100, "exc"), R(0x5300, 0x5500, "big");
    R(0x5300, 0x5400, "f_func"), R(0x1100, 0x5400, "store_error"), R(0x5400, 0x1100, "__globals__");
    /* def walk(): walk() — a closure calling itself */
    B(0x6000, 160, FUNC), B(0x6100, 48, TUPLE), B(0x6200, 40, CELL);
    R(0x1100, 0x6000, "walk"), R(0x6000, 0x6100, "__closure__"), RI(0x6100, 0x6200, 0);
    R(0x6200, 0x6000, "cell_contents"), R(0x6000, 0x1100, "__globals__");
#undef B
#undef R
#undef RI
}

static void shape_types(uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        char name[32];
        uint32_t t;
        snprintf(name, sizeof name, "Type%03llu", (unsigned long long)i);
        C(hs_writer_add_type(w, name, "many", 0, &t));
        C(hs_writer_add_block(w, 0x100 + i * 16, (i + 1) * 8, t, 0, HS_NONE));
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mksnap small|empty|hostile|shared|tie|pycycles OUT | random SEED N OUT | types N OUT | huge BITS OUT\n");
        return 2;
    }
    const char *shape = argv[1];
    if (!strcmp(shape, "random") && argc == 5) {
        open_out(argv[4], "mksnap-random");
        shape_random(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
    } else if (!strcmp(shape, "huge") && argc == 4 && strtoul(argv[2], NULL, 10) < 63) {
        open_out(argv[3], NULL);
        shape_huge((unsigned)strtoul(argv[2], NULL, 10));
    } else if (!strcmp(shape, "types") && argc == 4) {
        open_out(argv[3], NULL);
        shape_types(strtoull(argv[2], NULL, 10));
    } else if (argc == 3 && !strcmp(shape, "small")) {
        open_out(argv[2], "mksnap-vm 1.0");
        shape_small();
    } else if (argc == 3 && !strcmp(shape, "empty")) {
        open_out(argv[2], NULL);
    } else if (argc == 3 && !strcmp(shape, "shared")) {
        open_out(argv[2], NULL);
        shape_shared();
    } else if (argc == 3 && !strcmp(shape, "pycycles")) {
        open_out(argv[2], NULL);
        shape_pycycles();
    } else if (argc == 3 && !strcmp(shape, "tie")) {
        open_out(argv[2], NULL);
        shape_tie();
    } else if (argc == 3 && !strcmp(shape, "hostile")) {
        open_out(argv[2], "hostile\x1b[2J");
        shape_hostile();
    } else {
        fprintf(stderr, "mksnap: unknown shape or wrong arguments\n");
        return 2;
    }
    finish();
    return 0;
}
