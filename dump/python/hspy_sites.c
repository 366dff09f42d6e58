/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_sites.c — allocation sites from tracemalloc: when it is
 * tracing, each object's allocation traceback becomes a writer site (frames
 * innermost first), deduplicated through C maps so each distinct traceback
 * is written once. The only Python objects the dumper creates during a walk
 * are the temporary tuples hspy_cpy_traceback() returns; they are
 * freed at once and never reach the dump (hspy_walk.c stops at the list
 * ends it recorded). Entry point: hspy_site_of(). See docs/python.md#sites.
 */
#include "hspy.h"

#include <string.h>

#define MAX_FRAMES 128

static uint32_t frame_id(hspy_dump *d, PyObject *file, int line)
{
    uint64_t fidx;
    if (!hspy_map_get(&d->frame_ids, (uintptr_t)file, &fidx)) {
        fidx = d->frame_ids.n + 1; /* file objects and frames share the map: files get small keys below */
        if (hspy_map_put(&d->frame_ids, (uintptr_t)file, fidx) < 0) return HS_NONE;
    }
    /* frames: key = (file index << 32 | line) with bit 63 set, distinct from any address */
    uintptr_t key = ((uintptr_t)1 << 63) | ((uintptr_t)fidx << 32) | (uint32_t)line;
    uint64_t id;
    if (hspy_map_get(&d->frame_ids, key, &id)) return (uint32_t)id;
    char buf[4 * 200 + 8];
    int trunc;
    if (PyUnicode_Check(file)) hspy_utf8(file, 200, buf, sizeof buf, &trunc);
    else strcpy(buf, "?");
    uint32_t fid = HS_NONE;
    HSPY_W(d, hs_writer_add_frame(d->w, NULL, buf, (uint32_t)(line < 0 ? 0 : line), &fid));
    if (d->st != HS_OK || hspy_map_put(&d->frame_ids, key, fid) < 0) return HS_NONE;
    return fid;
}

uint32_t hspy_site_of(hspy_dump *d, PyObject *o)
{
    uintptr_t ptr = (uintptr_t)o - hspy_cpy_preheader(Py_TYPE(o));
    PyObject *tb = hspy_cpy_traceback(ptr);
    if (!tb) {
        PyErr_Clear();
        return HS_NONE;
    }
    uint32_t frames[MAX_FRAMES], n = 0, site = HS_NONE;
    if (PyTuple_Check(tb)) {
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(tb) && n < MAX_FRAMES; i++) {
            PyObject *fr = PyTuple_GET_ITEM(tb, i);
            if (!PyTuple_Check(fr) || PyTuple_GET_SIZE(fr) != 2) continue;
            int line = (int)PyLong_AsLong(PyTuple_GET_ITEM(fr, 1));
            if (line == -1 && PyErr_Occurred()) PyErr_Clear();
            uint32_t id = frame_id(d, PyTuple_GET_ITEM(fr, 0), line);
            if (id != HS_NONE) frames[n++] = id;
        }
    }
    Py_DECREF(tb);
    if (!n) return HS_NONE;
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the frame ids */
    for (uint32_t i = 0; i < n; i++) h = (h ^ frames[i]) * 1099511628211ull;
    h |= 1; /* never the empty key */
    uint64_t id;
    if (hspy_map_get(&d->site_ids, (uintptr_t)h, &id)) return (uint32_t)id;
    HSPY_W(d, hs_writer_add_site(d->w, frames, n, &site));
    if (d->st != HS_OK || hspy_map_put(&d->site_ids, (uintptr_t)h, site) < 0) return HS_NONE;
    return site;
}
