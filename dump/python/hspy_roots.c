/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_roots.c — what holds the heap: a block for the
 * interpreter state (sys.modules, the sys and builtins dicts, codec and
 * warning registries, atexit callbacks), one per thread state, one per
 * thread-owned interpreter frame with its locals by name (on 3.11 most
 * frames have no frame object), the named module roots, the runtime roots
 * for static, interned and immortal objects, and external roots for
 * reference counts the dump cannot account for. Entry points:
 * hspy_roots_synthetic, hspy_roots_modules, hspy_is_runtime_object,
 * hspy_root_external. See docs/python.md#roots.
 */
#include "hspy.h"

#include <stdio.h>
#include <string.h>

#define IMMORTAL_REFCNT (999999999 / 2)

static void named(hspy_dump *d, uint64_t from, PyObject *to, const char *label)
{
    if (to) hspy_ref_obj(d, from, to, HS_REF_STRONG, hspy_intern(d, label));
}

static void block(hspy_dump *d, uint64_t addr, uint64_t size, uint32_t type, hs_root_kind kind, const char *name)
{
    HSPY_W(d, hs_writer_add_block(d->w, addr, size, type, 0, HS_NONE));
    HSPY_W(d, hs_writer_add_root(d->w, addr, kind, name, 0));
    d->nroots++;
}

static void interp_block(hspy_dump *d)
{
    PyInterpreterState *in = d->interp;
    uint64_t a = (uint64_t)(uintptr_t)in;
    block(d, a, sizeof *in, d->t_interp, HS_ROOT_RUNTIME, "interpreter");
    named(d, a, in->modules, "modules");
    named(d, a, in->modules_by_index, "modules_by_index");
    named(d, a, in->sysdict, "sysdict");
    named(d, a, in->builtins, "builtins");
    named(d, a, in->importlib, "importlib");
    named(d, a, in->codec_search_path, "codec_search_path");
    named(d, a, in->codec_search_cache, "codec_search_cache");
    named(d, a, in->codec_error_registry, "codec_error_registry");
    named(d, a, in->dict, "dict");
    named(d, a, in->builtins_copy, "builtins_copy");
    named(d, a, in->import_func, "import_func");
#ifdef HAVE_FORK
    named(d, a, in->before_forkers, "before_forkers");
    named(d, a, in->after_forkers_parent, "after_forkers_parent");
    named(d, a, in->after_forkers_child, "after_forkers_child");
#endif
    named(d, a, in->audit_hooks, "audit_hooks");
    named(d, a, in->warnings.filters, "warnings.filters");
    named(d, a, in->warnings.once_registry, "warnings.once_registry");
    named(d, a, in->warnings.default_action, "warnings.default_action");
    named(d, a, in->gc.garbage, "gc.garbage");
    named(d, a, in->gc.callbacks, "gc.callbacks");
    for (int i = 0; i < in->atexit.ncallbacks; i++) {
        atexit_callback *cb = in->atexit.callbacks[i];
        if (!cb) continue;
        named(d, a, cb->func, "atexit.func");
        named(d, a, cb->args, "atexit.args");
        named(d, a, cb->kwargs, "atexit.kwargs");
    }
}

static void frame_name(hspy_dump *d, _PyInterpreterFrame *f, const char *thread, char *buf, size_t cap)
{
    PyCodeObject *co = f->f_code;
    char fn[256], file[256];
    int trunc;
    hspy_utf8(co->co_qualname, 80, fn, sizeof fn, &trunc);
    hspy_utf8(co->co_filename, 60, file, sizeof file, &trunc);
    const char *base = strrchr(file, '/');
    int lasti = _PyInterpreterFrame_LASTI(f);
    int line = lasti >= 0 ? PyCode_Addr2Line(co, lasti * (int)sizeof(_Py_CODEUNIT)) : co->co_firstlineno;
    snprintf(buf, cap, "%.60s: %.200s (%.200s:%d)", thread, fn, base ? base + 1 : file, line);
    (void)d;
}

static void frame_block(hspy_dump *d, _PyInterpreterFrame *f, _PyInterpreterFrame *inner, const char *thread)
{
    char name[640];
    frame_name(d, f, thread, name, sizeof name);
    if (f->owner == FRAME_OWNED_BY_GENERATOR) {
        /* the generator owns this frame and reports its locals itself */
        PyObject *gen = (PyObject *)((char *)f - offsetof(PyGenObject, gi_iframe));
        HSPY_W(d, hs_writer_add_root(d->w, (uint64_t)(uintptr_t)gen, HS_ROOT_STACK, name, 0));
        d->nroots++;
        return;
    }
    if (f->owner != FRAME_OWNED_BY_THREAD) return;
    PyCodeObject *co = f->f_code;
    uint64_t a = (uint64_t)(uintptr_t)f;
    block(d, a, (uint64_t)(FRAME_SPECIALS_SIZE + co->co_nlocalsplus + co->co_stacksize) * sizeof(PyObject *), d->t_frame, HS_ROOT_STACK, name);
    named(d, a, (PyObject *)f->f_func, "f_func");
    named(d, a, (PyObject *)co, "f_code");
    named(d, a, f->f_locals, "f_locals");
    named(d, a, (PyObject *)f->frame_obj, "frame_obj");
    hspy_ref_obj(d, a, f->f_globals, HS_REF_OTHER, hspy_intern(d, "f_globals")); /* borrowed */
    hspy_ref_obj(d, a, f->f_builtins, HS_REF_OTHER, hspy_intern(d, "f_builtins"));
    int nl = co->co_nlocalsplus;
    PyObject *names = co->co_localsplusnames;
    for (int i = 0; i < nl; i++) {
        PyObject *v = f->localsplus[i];
        if (!v) continue;
        uint32_t sid = i < PyTuple_GET_SIZE(names) ? hspy_label_sid(d, PyTuple_GET_ITEM(names, i)) : HS_NONE;
        hspy_ref_obj(d, a, v, HS_REF_STRONG, sid);
    }
    /* The value stack is exact only where this frame called another Python
     * frame inline (stacktop saved); where it called C, or is the innermost
     * frame, stacktop is stale and the slots above are not read. */
    if (inner && !inner->is_entry && f->stacktop >= nl && f->stacktop <= nl + co->co_stacksize) {
        for (int i = nl; i < f->stacktop; i++)
            if (f->localsplus[i]) hspy_ref_obj_index(d, a, f->localsplus[i], (uint64_t)(i - nl));
    }
}

static void thread_blocks(hspy_dump *d, PyThreadState *ts)
{
    char thread[64];
    snprintf(thread, sizeof thread, "thread %lu%s", ts->native_thread_id, ts == d->tstate ? " (dumping)" : "");
    uint64_t a = (uint64_t)(uintptr_t)ts;
    block(d, a, sizeof *ts, d->t_thread, HS_ROOT_STACK, thread);
    named(d, a, ts->dict, "dict");
    named(d, a, ts->curexc_type, "curexc_type");
    named(d, a, ts->curexc_value, "curexc_value");
    named(d, a, ts->curexc_traceback, "curexc_traceback");
    named(d, a, ts->exc_state.exc_value, "exc_value");
    named(d, a, ts->async_exc, "async_exc");
    named(d, a, ts->c_profileobj, "c_profileobj");
    named(d, a, ts->c_traceobj, "c_traceobj");
    named(d, a, ts->context, "context");
    named(d, a, ts->async_gen_firstiter, "async_gen_firstiter");
    named(d, a, ts->async_gen_finalizer, "async_gen_finalizer");
    _PyInterpreterFrame *inner = NULL;
    for (_PyInterpreterFrame *f = ts->cframe ? ts->cframe->current_frame : NULL; f; f = f->previous) {
        frame_block(d, f, inner, thread);
        inner = f;
    }
}

void hspy_roots_synthetic(hspy_dump *d)
{
    HSPY_W(d, hs_writer_add_type(d->w, "PyInterpreterState", "cpython", 0, &d->t_interp));
    HSPY_W(d, hs_writer_add_type(d->w, "PyThreadState", "cpython", 0, &d->t_thread));
    HSPY_W(d, hs_writer_add_type(d->w, "_PyInterpreterFrame", "cpython", 0, &d->t_frame));
    if (d->st != HS_OK) return;
    interp_block(d);
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(d->interp); ts; ts = PyThreadState_Next(ts))
        thread_blocks(d, ts);
}

void hspy_roots_modules(hspy_dump *d)
{
    PyObject *mods = d->interp->modules;
    if (!mods || !PyDict_Check(mods)) return;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(mods, &pos, &k, &v)) {
        char name[4 * 200 + 8];
        int trunc;
        if (PyUnicode_Check(k)) hspy_utf8(k, 200, name, sizeof name, &trunc);
        else snprintf(name, sizeof name, "?");
        HSPY_W(d, hs_writer_add_root(d->w, (uint64_t)(uintptr_t)v, HS_ROOT_GLOBAL, name, 0));
        d->nroots++;
    }
}

int hspy_is_runtime_object(hspy_dump *d, PyObject *o, const char **why)
{
    (void)d;
    *why = NULL;
    if ((char *)o >= (char *)&_PyRuntime && (char *)o < (char *)(&_PyRuntime + 1)) *why = "static";
    else if (o == Py_None || o == Py_True || o == Py_False || o == Py_Ellipsis || o == Py_NotImplemented)
        *why = "singleton";
    else if (PyType_Check(o) && !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) *why = "static type";
    else if (PyUnicode_CheckExact(o) && PyUnicode_CHECK_INTERNED(o)) *why = "interned";
    else if (Py_REFCNT(o) >= IMMORTAL_REFCNT) *why = "immortal";
    return *why != NULL;
}

void hspy_root_external(hspy_dump *d, PyObject *o, uint64_t found)
{
    const char *why;
    if (hspy_is_runtime_object(d, o, &why)) return;
    uint64_t rc = (uint64_t)Py_REFCNT(o);
    if (rc > found) {
        HSPY_W(d, hs_writer_add_root(d->w, (uint64_t)(uintptr_t)o, HS_ROOT_EXTERNAL, NULL, rc - found));
        d->nroots++;
        d->nexternal++;
    } else if (rc < found) {
        d->novercount++;
    }
}
