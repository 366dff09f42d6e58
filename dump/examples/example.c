/* SPDX-License-Identifier: MIT */
/*
 * dump/examples/example.c — the embedded example of the README's Quick
 * start: a small "native program" that knows its own object graph and
 * dumps it through the C writer API (dump/heapsnap.h). The heap has the
 * shapes users chase: a module-level cache that never evicts, a growing
 * event list, a reference cycle with a finalizer that nothing reaches any
 * more, and a weak reference.
 *
 *   hs_example OUT.hsnap [SESSIONS]
 */
#include "heapsnap.h"

#include <stdio.h>
#include <stdlib.h>

#define CHECK(call)                                                                     \
    do {                                                                                \
        hs_status st_ = (call);                                                         \
        if (st_ != HS_OK) {                                                             \
            fprintf(stderr, "hs_example: %s: %s\n", #call, hs_writer_error(w)->message); \
            hs_writer_abort(w);                                                         \
            return 1;                                                                   \
        }                                                                               \
    } while (0)

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hs_example OUT.hsnap [SESSIONS]\n");
        return 2;
    }
    unsigned sessions = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 500;
    hs_tag tags[] = {{"example", "quickstart"}};
    hs_writer_options opt = {.runtime = "example-vm 1.0", .tags = tags, .ntags = 1};
    hs_writer *w;
    hs_error err;
    if (hs_writer_open(argv[1], &opt, &w, &err) != HS_OK) {
        fprintf(stderr, "hs_example: %s\n", err.message);
        return 1;
    }
    uint32_t t_module, t_dict, t_list, t_str, t_session, t_buffer, t_node, t_weak;
    CHECK(hs_writer_add_type(w, "module", "builtins", HS_TYPE_CONTAINER, &t_module));
    CHECK(hs_writer_add_type(w, "dict", "builtins", HS_TYPE_CONTAINER, &t_dict));
    CHECK(hs_writer_add_type(w, "list", "builtins", HS_TYPE_CONTAINER, &t_list));
    CHECK(hs_writer_add_type(w, "str", "builtins", 0, &t_str));
    CHECK(hs_writer_add_type(w, "Session", "app.sessions", HS_TYPE_CONTAINER, &t_session));
    CHECK(hs_writer_add_type(w, "Buffer", "app.io", 0, &t_buffer));
    CHECK(hs_writer_add_type(w, "Node", "app.graph", HS_TYPE_CONTAINER | HS_TYPE_FINALIZER, &t_node));
    CHECK(hs_writer_add_type(w, "weakref", "builtins", 0, &t_weak));

    uint64_t addr = 0x7f0000001000;
    uint64_t mod = addr += 0x100, cache = addr += 0x100, events = addr += 0x100;
    CHECK(hs_writer_add_root(w, mod, HS_ROOT_GLOBAL, "app", 0));
    CHECK(hs_writer_add_block(w, mod, 72, t_module, HS_BLOCK_GC_TRACKED, HS_NONE));
    CHECK(hs_writer_add_ref(w, mod, cache, HS_REF_STRONG, "_cache"));
    CHECK(hs_writer_add_ref(w, mod, events, HS_REF_STRONG, "events"));
    CHECK(hs_writer_add_block(w, cache, 36960, t_dict, HS_BLOCK_GC_TRACKED, HS_NONE));
    CHECK(hs_writer_add_block(w, events, 56 + 8 * 64, t_list, HS_BLOCK_GC_TRACKED, HS_NONE));

    /* the cache: key string -> Session -> Buffer (4 KiB each) */
    uint64_t last_buffer = 0;
    for (unsigned i = 0; i < sessions; i++) {
        char key[32];
        snprintf(key, sizeof key, "session:%u", i);
        uint64_t k = addr += 0x40, s = addr += 0x40, b = addr += 0x1000;
        CHECK(hs_writer_add_ref(w, cache, k, HS_REF_STRONG, NULL));
        CHECK(hs_writer_add_ref(w, cache, s, HS_REF_STRONG, key));
        CHECK(hs_writer_add_block(w, k, 58, t_str, 0, HS_NONE));
        CHECK(hs_writer_add_block(w, s, 48, t_session, HS_BLOCK_GC_TRACKED, HS_NONE));
        CHECK(hs_writer_add_ref(w, s, b, HS_REF_STRONG, "buffer"));
        CHECK(hs_writer_add_block(w, b, 4096, t_buffer, 0, HS_NONE));
        last_buffer = b;
    }
    /* the event list holds 64 small strings, by index */
    for (unsigned i = 0; i < 64; i++) {
        uint64_t e = addr += 0x40;
        CHECK(hs_writer_add_ref_index(w, events, e, HS_REF_STRONG, i));
        CHECK(hs_writer_add_block(w, e, 53, t_str, 0, HS_NONE));
    }
    /* a weak reference to the last buffer: it must not retain it */
    uint64_t wr = addr += 0x40;
    CHECK(hs_writer_add_ref(w, mod, wr, HS_REF_STRONG, "last_seen"));
    CHECK(hs_writer_add_block(w, wr, 80, t_weak, 0, HS_NONE));
    CHECK(hs_writer_add_ref(w, wr, last_buffer, HS_REF_WEAK, "__callback__"));
    /* a garbage cycle with finalizers: nothing reaches it */
    uint64_t n1 = addr += 0x40, n2 = addr += 0x40;
    CHECK(hs_writer_add_block(w, n1, 56, t_node, HS_BLOCK_GC_TRACKED | HS_BLOCK_FINALIZER, HS_NONE));
    CHECK(hs_writer_add_ref(w, n1, n2, HS_REF_STRONG, "next"));
    CHECK(hs_writer_add_block(w, n2, 56, t_node, HS_BLOCK_GC_TRACKED | HS_BLOCK_FINALIZER, HS_NONE));
    CHECK(hs_writer_add_ref(w, n2, n1, HS_REF_STRONG, "next"));

    if (hs_writer_close(w, &err) != HS_OK) {
        fprintf(stderr, "hs_example: %s\n", err.message);
        return 1;
    }
    printf("hs_example: wrote %s\n", argv[1]);
    return 0;
}
