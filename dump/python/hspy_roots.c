/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_roots.c — what holds the heap: a block for the
 * interpreter state (sys.modules, the sys and builtins dicts, codec and
 * warning registries, atexit callbacks, signal handlers, the ast module's types), one per thread state, one per
 * thread-owned interpreter frame with its locals by name (on 3.11+ most
 * frames have no frame object; on 3.10 every frame is one), the named module roots, the runtime roots
 * for static, interned and immortal objects, and external roots for
 * reference counts the dump cannot account for. Entry points:
 * hspy_roots_synthetic, hspy_roots_modules, hspy_is_runtime_object,
 * hspy_root_external. See docs/python.md#roots.
 */
#include "hspy.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

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

/* "SIGUSR1", or "signal 40" where the C library has no abbreviation. */
static void signal_name(int s, char *buf, size_t cap)
{
    const char *ab = NULL;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    ab = sigabbrev_np(s);
#endif
    if (ab) snprintf(buf, cap, "SIG%.20s", ab);
    else snprintf(buf, cap, "signal %d", s);
}

/* The interpreter state, with two parts of it as blocks of their own so
 * that what they hold is named after them: the atexit callbacks
 * (<interpreter>.atexit, a malloc'd array, as many as were registered) and
 * the ast module's state (its types and field names, inside the
 * interpreter's struct, so its bytes move out of the interpreter's size;
 * a runtime root of its own, <interpreter.ast>, as it is a fixed set that
 * the interpreter should not be seen to retain). */
static void interp_block(hspy_dump *d)
{
    PyInterpreterState *in = d->interp;
    uint64_t a = (uint64_t)(uintptr_t)in;
    hspy_named f[HSPY_NAMED_MAX];
    PyObject *const *ast;
    size_t nast = hspy_cpy_ast_objects(in, &ast);
    uint64_t ast_addr = (uint64_t)(uintptr_t)ast, ast_size = nast * sizeof(PyObject *);
    block(d, a, hspy_cpy_interp_size() - ast_size, d->t_interp, HS_ROOT_RUNTIME, "interpreter");
    hspy_ref_named(d, a, f, hspy_cpy_interp_refs(in, f, HSPY_NAMED_MAX));
    uint64_t cb_addr = 0, cb_bytes = 0;
    size_t ncb = hspy_cpy_atexit_count(in, &cb_addr, &cb_bytes);
    uint32_t t;
    if (ncb) {
        HSPY_W(d, hs_writer_add_type(d->w, "atexit_callbacks", "cpython", 0, &t));
        HSPY_W(d, hs_writer_add_block(d->w, cb_addr, cb_bytes, t, 0, HS_NONE));
        HSPY_W(d, hs_writer_add_ref_sid(d->w, a, cb_addr, HS_REF_STRONG, hspy_intern(d, "atexit")));
        d->nrefs++;
        for (size_t i = 0; i < ncb; i++) hspy_ref_named(d, cb_addr, f, hspy_cpy_atexit_refs(in, i, f, HSPY_NAMED_MAX));
    }
    if (d->nsignals) { /* the handlers signal.signal() installed, by signal name */
        uint64_t sa = (uint64_t)(uintptr_t)d->signals;
        HSPY_W(d, hs_writer_add_type(d->w, "signal_handlers", "cpython", 0, &t));
        HSPY_W(d, hs_writer_add_block(d->w, sa, d->nsignals * 2 * sizeof(void *), t, 0, HS_NONE));
        HSPY_W(d, hs_writer_add_ref_sid(d->w, a, sa, HS_REF_STRONG, hspy_intern(d, "signal")));
        d->nrefs++;
        for (size_t i = 0; i < d->nsignals; i++) {
            char sig[32];
            uint32_t sid = HS_NONE;
            signal_name(d->signals[i].signum, sig, sizeof sig);
            HSPY_W(d, hs_writer_intern(d->w, sig, strlen(sig), &sid)); /* not hspy_intern: its keys are static strings */
            hspy_ref_obj(d, sa, d->signals[i].handler, HS_REF_STRONG, sid);
        }
    }
    if (nast) {
        HSPY_W(d, hs_writer_add_type(d->w, "ast_state", "cpython", 0, &t));
        block(d, ast_addr, ast_size, t, HS_ROOT_RUNTIME, "interpreter.ast"); /* fixed: not the interpreter's growth */
        HSPY_W(d, hs_writer_add_ref_sid(d->w, a, ast_addr, HS_REF_STRONG, hspy_intern(d, "ast")));
        d->nrefs++;
        for (size_t i = 0; i < nast; i++)
            if (ast[i]) hspy_ref_obj(d, ast_addr, ast[i], HS_REF_STRONG, HS_NONE);
    }
}

static void frame_name(const hspy_frame *f, const char *thread, char *buf, size_t cap)
{
    char fn[256], file[256];
    int trunc;
    PyObject *qn = hspy_cpy_code_qualname(f->code);
    if (qn) hspy_utf8(qn, 80, fn, sizeof fn, &trunc);
    else snprintf(fn, sizeof fn, "?");
    hspy_utf8(f->code->co_filename, 60, file, sizeof file, &trunc);
    const char *base = strrchr(file, '/');
    snprintf(buf, cap, "%.60s: %.200s (%.200s:%d)", thread, fn, base ? base + 1 : file, f->line);
}

static void frame_block(hspy_dump *d, const hspy_frame *f, const char *thread)
{
    char name[640];
    if (f->owner == HSPY_FRAME_SKIP || !f->code) return;
    frame_name(f, thread, name, sizeof name);
    if (f->owner == HSPY_FRAME_GENERATOR || f->owner == HSPY_FRAME_OBJECT) {
        /* the generator or frame object owns this frame and reports its
         * locals itself */
        HSPY_W(d, hs_writer_add_root(d->w, (uint64_t)(uintptr_t)f->owner_obj, HS_ROOT_STACK, name, 0));
        d->nroots++;
        return;
    }
    uint64_t a = (uint64_t)(uintptr_t)f->addr;
    block(d, a, f->size, d->t_frame, HS_ROOT_STACK, name);
    named(d, a, f->func, "f_func");
    named(d, a, (PyObject *)f->code, "f_code");
    named(d, a, f->locals, "f_locals");
    named(d, a, f->frame_obj, "frame_obj");
    hspy_ref_obj(d, a, f->globals, HS_REF_OTHER, hspy_intern(d, "f_globals")); /* borrowed */
    hspy_ref_obj(d, a, f->builtins, HS_REF_OTHER, hspy_intern(d, "f_builtins"));
    for (int i = 0; i < f->nlocals; i++) {
        PyObject *v = f->localsplus[i];
        if (v) hspy_ref_obj(d, a, v, HS_REF_STRONG, hspy_label_sid(d, hspy_cpy_code_localname(f->code, i)));
    }
    /* the value stack, where the family file knows it to be exact */
    for (int i = 0; i < f->nstack; i++)
        if (f->localsplus[f->nlocals + i]) hspy_ref_obj_index(d, a, f->localsplus[f->nlocals + i], (uint64_t)i);
}

static void thread_blocks(hspy_dump *d, PyThreadState *ts)
{
    char thread[64];
    snprintf(thread, sizeof thread, "thread %lu%s", hspy_cpy_thread_id(ts), ts == d->tstate ? " (dumping)" : "");
    uint64_t a = (uint64_t)(uintptr_t)ts;
    hspy_named f[HSPY_NAMED_MAX];
    block(d, a, hspy_cpy_thread_size(), d->t_thread, HS_ROOT_STACK, thread);
    hspy_ref_named(d, a, f, hspy_cpy_thread_refs(ts, f, HSPY_NAMED_MAX));
    void *inner = NULL;
    for (void *fp = hspy_cpy_frame_first(ts); fp; fp = hspy_cpy_frame_next(fp)) {
        hspy_frame fr;
        if (hspy_cpy_frame_read(fp, inner, &fr)) frame_block(d, &fr, thread);
        inner = fp;
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
    PyObject *mods = hspy_cpy_modules(d->interp);
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
    const char *layer = hspy_cpy_runtime_why(o); /* "static", "immortal" or NULL */
    if (layer && !strcmp(layer, "static")) *why = layer;
    else if (o == Py_None || o == Py_True || o == Py_False || o == Py_Ellipsis || o == Py_NotImplemented)
        *why = "singleton";
    else if (PyType_Check(o) && !(((PyTypeObject *)o)->tp_flags & Py_TPFLAGS_HEAPTYPE)) *why = "static type";
    else if (PyUnicode_CheckExact(o) && PyUnicode_CHECK_INTERNED(o)) *why = "interned";
    else *why = layer;
    return *why != NULL;
}

void hspy_root_external(hspy_dump *d, PyObject *o, uint64_t found)
{
    const char *why;
    uint64_t rc = (uint64_t)Py_REFCNT(o);
    if (rc == found) return; /* the usual case: every reference accounted for */
    if (hspy_is_runtime_object(d, o, &why)) return;
    if (rc > found) {
        uint64_t orphan;
        const char *name = NULL;
        if (hspy_map_get(&d->orphans, (uintptr_t)o, &orphan)) { /* hspy_orphans.c */
            name = "held by C code only";
            d->norphans++;
        }
        HSPY_W(d, hs_writer_add_root(d->w, (uint64_t)(uintptr_t)o, HS_ROOT_EXTERNAL, name, rc - found));
        d->nroots++;
        d->nexternal++;
    } else {
        d->novercount++;
    }
}
