/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_cext.h — internal declarations of the C memory added
 * for mmap and memoryview objects (hspy_buffers.c) and for extension types
 * that describe themselves through heapsnap_ext.h (hspy_ext.c). Included
 * by hspy.h; see docs/python.md#c-memory.
 */
#ifndef HSPY_CEXT_H
#define HSPY_CEXT_H

#include <stdint.h>

/* What a type's instances get (hspy_type.cext) */
enum { HSPY_CEXT_NONE = 0, HSPY_CEXT_MMAP, HSPY_CEXT_MEMORYVIEW, HSPY_CEXT_MBUF, HSPY_CEXT_EXT };

typedef struct hspy_cext {
    PyTypeObject *mmap_type; /* mmap.mmap, when mmap is imported and its layout is the one known here */
    PyTypeObject *mbuf_type; /* memoryview's managed buffer type (not exported: read off a probe) */
    const char *mmap_note;   /* the end tag `mmap`, when mmap is imported */
    uint32_t t_mapping;      /* writer type of mmap.<mapping> (0: none yet) */
    PyObject *s_attr;        /* "__heapsnap_ext__", interned */
    uint64_t ext_types;      /* types described through heapsnap_ext.h met in this dump */
    char ext_refused[160];   /* the first record refused, and why (end tag ext_refused) */
    /* writer types of extension blocks, by their name's pointer */
    const char *bt_key[64];
    uint32_t bt_id[64];
    size_t nbt;
} hspy_cext;

struct hspy_dump;
struct hspy_type;
struct hspy_named;
/* Before the walk (may make Python objects): find mmap's type and the
 * managed buffer type; 0, or -1 with an exception set. */
int hspy_cext_init(struct hspy_dump *d);
void hspy_cext_release(struct hspy_dump *d);
/* When a type enters the table: its HSPY_CEXT_ kind, and for an extension
 * type its record (*ext). Runs no Python code. */
uint8_t hspy_cext_kind(struct hspy_dump *d, PyTypeObject *tp, const void **ext /* OUT */);
/* After object o's block (at addr) is written: the blocks and references
 * its kind adds. */
void hspy_cext_emit(struct hspy_dump *d, PyObject *o, const struct hspy_type *t, uint64_t addr);
/* Labels for references tp_traverse reports (memoryview, managed buffer). */
size_t hspy_cext_named(const struct hspy_dump *d, PyObject *o, const struct hspy_type *t, struct hspy_named *out, size_t cap);
/* After the walk: the end tags mmap, ext_types, ext_refused. */
void hspy_cext_end_tags(struct hspy_dump *d);

/* hspy_ext.c, for hspy_cext_kind and hspy_cext_emit */
const void *hspy_ext_record(struct hspy_dump *d, PyTypeObject *tp);
void hspy_ext_describe(struct hspy_dump *d, PyObject *o, const void *record, uint64_t addr);

#endif /* HSPY_CEXT_H */
