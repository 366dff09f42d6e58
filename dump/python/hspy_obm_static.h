/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_obm_static.h — pymalloc's arena table on CPython 3.10
 * and 3.11, where Objects/obmalloc.c keeps it in static variables: found
 * by the shape of those statics and checked against the allocator's own
 * count, for the arena walk of hspy_obmalloc.c. The version layers
 * (hspy_py310.c, hspy_py311.c) call it from hspy_cpy_obm_*. See
 * docs/python.md#orphans.
 *
 * Reads only memory that /proc/self/maps and the interpreter's program
 * headers say is mapped readable, and allocates only C memory (freed
 * before it returns). The caller holds the GIL and must not allocate from
 * pymalloc until the walk is over.
 */
#ifndef HSPY_OBM_STATIC_H
#define HSPY_OBM_STATIC_H

#include "hspy_cpy.h"

/* NULL with *out filled (out->state is the arena table) when the table
 * was found and every check held; otherwise why not, a static string.
 * `runtime` is &_PyRuntime (it names the object whose statics are
 * searched). The caller has checked that the object allocator is pymalloc. */
const char *hspy_obms_open(const void *runtime, hspy_obm *out /* OUT */);
/* Arena i of a table hspy_obms_open() found. */
void hspy_obms_arena(const hspy_obm *m, size_t i, uintptr_t *address /* OUT */, uintptr_t *carved /* OUT */);
/* The header of a pool inside an arena of that table. */
void hspy_obms_pool(uintptr_t pool, hspy_obm_pool *out /* OUT */);

#endif /* HSPY_OBM_STATIC_H */
