/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_emit.c — the edge emitters the walk (hspy_walk.c) and
 * the roots (hspy_roots.c) share: counting a reference towards its target's
 * in-degree and queueing untracked targets (hspy_seen), writing an edge
 * with its label (hspy_write_ref, hspy_ref_obj…), and the string ids of
 * labels (hspy_intern, hspy_label_sid with its direct-mapped cache). A file
 * of its own so that the walk and the roots depend on it, not on each
 * other. See docs/python.md#walk.
 */
#include "hspy.h"

#include <stdlib.h>
#include <string.h>

#define LC_SIZE 16384u /* distinct label strings of a real heap: tens of thousands */

void hspy_nomem(hspy_dump *d) { d->nomem = 1; }

int hspy_emit_init(hspy_dump *d)
{
    d->lc_key = calloc(LC_SIZE, sizeof *d->lc_key);
    d->lc_sid = calloc(LC_SIZE, sizeof *d->lc_sid);
    return d->lc_key && d->lc_sid ? 0 : -1;
}

static void push(hspy_dump *d, PyObject *o)
{
    if (d->nstack == d->stack_cap) {
        size_t cap = d->stack_cap ? d->stack_cap * 2 : 4096;
        PyObject **v = realloc(d->stack, cap * sizeof *v);
        if (!v) return hspy_nomem(d);
        d->stack = v;
        d->stack_cap = cap;
    }
    d->stack[d->nstack++] = o;
}

void hspy_seen_untracked(hspy_dump *d, PyObject *o, int strong)
{
    if (d->nomem) return; /* the walk is ending; do not retry a failed growth per reference */
    int r = hspy_set_add(&d->set, o, strong);
    if (r < 0) hspy_nomem(d);
    else if (r == 1) push(d, o);
}

uint32_t hspy_intern(hspy_dump *d, const char *s)
{
    size_t i = (size_t)(((uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - HSPY_NC_BITS));
    if (d->nc_key[i] == s) return d->nc_sid[i];
    uint32_t sid = HS_NONE;
    HSPY_W(d, hs_writer_intern(d->w, s, strlen(s), &sid));
    if (d->st != HS_OK) return HS_NONE;
    d->nc_key[i] = s;
    d->nc_sid[i] = sid;
    return sid;
}

/* The label a str may carry (docs/python.md#privacy): by default only an
 * interned identifier (names from code: attributes, globals, keywords);
 * with values=True any str, cut to HSPY_LABEL_MAX characters. */
uint32_t hspy_label_sid(hspy_dump *d, PyObject *s)
{
    if (!s || !PyUnicode_CheckExact(s)) return HS_NONE;
    size_t i = (size_t)(((uintptr_t)s * UINT64_C(0x9E3779B97F4A7C15)) >> 50) & (LC_SIZE - 1);
    if (d->lc_key[i] == (uintptr_t)s) return d->lc_sid[i];
    uint32_t sid = HS_NONE;
    /* a name, never data: an interned identifier, or one of CPython's own
     * static strings (3.11 does not intern its _Py_ID strings, such as the
     * `__warningregistry__` key of a module's globals) */
    const char *rt;
    if (d->values || ((PyUnicode_CHECK_INTERNED(s) || ((rt = hspy_cpy_runtime_why(s)) && !strcmp(rt, "static"))) &&
                      hspy_is_identifier(s))) {
        char buf[4 * HSPY_LABEL_MAX + 8];
        int trunc;
        size_t n = hspy_utf8(s, HSPY_LABEL_MAX, buf, sizeof buf - 4, &trunc);
        if (trunc) {
            memcpy(buf + n, "\xE2\x80\xA6", 3); /* … */
            n += 3;
        }
        HSPY_W(d, hs_writer_intern(d->w, buf, n, &sid));
        if (d->st != HS_OK) sid = HS_NONE;
    }
    d->lc_key[i] = (uintptr_t)s;
    d->lc_sid[i] = sid;
    return sid;
}

void hspy_write_ref(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint64_t label)
{
    uint64_t tag = label >> 62, v = label & ((UINT64_C(1) << 62) - 1);
    if (tag == 2) HSPY_W(d, hs_writer_add_ref_index(d->w, from, (uint64_t)(uintptr_t)to, kind, v));
    else HSPY_W(d, hs_writer_add_ref_sid(d->w, from, (uint64_t)(uintptr_t)to, kind, tag == 1 ? (uint32_t)v : HS_NONE));
    d->nrefs++;
}

void hspy_ref_obj(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint32_t label_sid)
{
    if (!to) return;
    hspy_seen(d, to, kind == HS_REF_STRONG);
    hspy_write_ref(d, from, to, kind, label_sid == HS_NONE ? HSPY_LBL_NONE : HSPY_LBL_STR(label_sid));
}

void hspy_ref_obj_index(hspy_dump *d, uint64_t from, PyObject *to, uint64_t index)
{
    if (!to) return;
    hspy_seen(d, to, 1);
    hspy_write_ref(d, from, to, HS_REF_STRONG, HSPY_LBL_IDX(index));
}

void hspy_ref_named(hspy_dump *d, uint64_t from, const hspy_named *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (f[i].obj) hspy_ref_obj(d, from, f[i].obj, HS_REF_STRONG, hspy_intern(d, f[i].name));
}
