/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_membuf.h — a growable byte buffer as an hs_sink_fn, for
 * the .hsnap images of names only that load_v8.c and load_index.c encode in
 * memory. The caller owns p (free() it).
 */
#ifndef HS_LOAD_MEMBUF_H
#define HS_LOAD_MEMBUF_H

#include "hs_format.h"

#include <stdlib.h>
#include <string.h>

typedef struct load_membuf {
    unsigned char *p;
    size_t n, cap;
} load_membuf;

/* hs_sink_fn: append len bytes to the load_membuf ud. */
static inline hs_status load_membuf_sink(void *ud, const void *data, size_t len)
{
    load_membuf *m = ud;
    if (m->n + len > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + len) cap *= 2;
        unsigned char *p = realloc(m->p, cap);
        if (!p) return HS_ERR_NOMEM;
        m->p = p;
        m->cap = cap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
    return HS_OK;
}

#endif /* HS_LOAD_MEMBUF_H */
