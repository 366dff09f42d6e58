/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_py310.c — the version layer (hspy_cpy.h) for CPython
 * 3.10. What differs from 3.11 (hspy_py311.c): every frame is a frame
 * object (PyFrameObject, GC-tracked, locals in f_localsplus, reached from
 * tstate->frame and f_back), so there are no synthetic frame blocks: the
 * stack root is the frame object itself and a generator reaches its locals
 * through gi_frame; code objects keep co_varnames, co_cellvars and
 * co_freevars as three tuples and have no co_qualname; the exception being
 * handled is the exc_type/exc_value/exc_traceback triple; no managed
 * dicts or inline values (instances have a __dict__ at tp_dictoffset);
 * the dict keys layout is private to dictobject.c (Objects/dict-common.h),
 * so dict sizes come from dict.__sizeof__ and the layout's first fields
 * are mirrored here only to tell a str-keyed table from a general one;
 * int 0 has no digit; preallocated small ints, (), b"" and one-byte bytes
 * are interpreter-owned (there is no immortality yet); thread names use
 * the pthread id (no native id). See docs/python.md#versions.
 */
#include "hspy.h"

#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030B0000
#error "hspy_py310.c is the CPython 3.10 layer"
#endif

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#define HSPY_UNDEF_BUILD_CORE
#endif
#include <internal/pycore_gc.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_pymem.h>
#include <internal/pycore_runtime.h>
#ifdef HSPY_UNDEF_BUILD_CORE
#undef Py_BUILD_CORE
#endif

#include "hspy_obm_static.h"

#include <string.h>

_Static_assert(sizeof(PyGC_Head) == sizeof(hspy_gc), "PyGC_Head is two words");
_Static_assert(offsetof(PyGC_Head, _gc_next) == offsetof(hspy_gc, next), "PyGC_Head._gc_next");
_Static_assert(offsetof(PyGC_Head, _gc_prev) == offsetof(hspy_gc, prev), "PyGC_Head._gc_prev");
_Static_assert(_PyGC_PREV_MASK_FINALIZED == HSPY_GC_FINALIZED && _PyGC_PREV_SHIFT == HSPY_GC_SHIFT, "GC flag bits");

#define PUT(n_, o_) do { if (k < cap) out[k++] = (hspy_named){(n_), (PyObject *)(o_)}; } while (0)

/* The head of 3.10's dict keys object (Objects/dict-common.h, not an
 * installed header): only dk_lookup is read, to compare it with the
 * general lookup function seen on a probe dict with an int key. */
typedef struct keys310 {
    Py_ssize_t dk_refcnt;
    Py_ssize_t dk_size;
    void *dk_lookup;
} keys310;

static void *general_lookup; /* set once by hspy_cpy_init; the same for every dict of the process */

int hspy_cpy_init(void)
{
    PyObject *probe = Py_BuildValue("{iO}", 1, Py_None);
    if (!probe) return -1;
    general_lookup = ((keys310 *)((PyDictObject *)probe)->ma_keys)->dk_lookup;
    Py_DECREF(probe);
    return 0;
}

/* ---- GC and the interpreter ---- */

int hspy_cpy_gc_lists(PyInterpreterState *in, hspy_gc **heads, int cap)
{
    int n = 0;
    for (int g = 0; g < NUM_GENERATIONS && n < cap; g++) heads[n++] = (hspy_gc *)&in->gc.generations[g].head;
    if (n < cap) heads[n++] = (hspy_gc *)&in->gc.permanent_generation.head;
    return n;
}

int hspy_cpy_gc_collecting(PyInterpreterState *in) { return in->gc.collecting; }
PyObject *hspy_cpy_gc_garbage(PyInterpreterState *in) { return in->gc.garbage; }
PyObject *hspy_cpy_modules(PyInterpreterState *in) { return in->modules; }
size_t hspy_cpy_interp_size(void) { return sizeof(PyInterpreterState); }
size_t hspy_cpy_thread_size(void) { return sizeof(PyThreadState); }
unsigned long hspy_cpy_thread_id(PyThreadState *ts) { return ts->thread_id; }

size_t hspy_cpy_interp_refs(PyInterpreterState *in, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("modules", in->modules);
    PUT("modules_by_index", in->modules_by_index);
    PUT("sysdict", in->sysdict);
    PUT("builtins", in->builtins);
    PUT("importlib", in->importlib);
    PUT("codec_search_path", in->codec_search_path);
    PUT("codec_search_cache", in->codec_search_cache);
    PUT("codec_error_registry", in->codec_error_registry);
    PUT("dict", in->dict);
    PUT("builtins_copy", in->builtins_copy);
    PUT("import_func", in->import_func);
#ifdef HAVE_FORK
    PUT("before_forkers", in->before_forkers);
    PUT("after_forkers_parent", in->after_forkers_parent);
    PUT("after_forkers_child", in->after_forkers_child);
#endif
    PUT("audit_hooks", in->audit_hooks);
    PUT("warnings.filters", in->warnings.filters);
    PUT("warnings.once_registry", in->warnings.once_registry);
    PUT("warnings.default_action", in->warnings.default_action);
    PUT("gc.garbage", in->gc.garbage);
    PUT("gc.callbacks", in->gc.callbacks);
    return k;
}

size_t hspy_cpy_atexit_count(PyInterpreterState *in, uint64_t *addr, uint64_t *bytes)
{
    if (!in->atexit.callbacks || in->atexit.ncallbacks <= 0) return 0;
    *addr = (uint64_t)(uintptr_t)in->atexit.callbacks;
    *bytes = (uint64_t)in->atexit.callback_len * sizeof(void *) + (uint64_t)in->atexit.ncallbacks * sizeof(atexit_callback);
    return (size_t)in->atexit.ncallbacks;
}

size_t hspy_cpy_atexit_refs(PyInterpreterState *in, size_t i, hspy_named *out, size_t cap)
{
    size_t k = 0;
    atexit_callback *cb = in->atexit.callbacks[i];
    if (!cb) return 0;
    PUT("atexit.func", cb->func);
    PUT("atexit.args", cb->args);
    PUT("atexit.kwargs", cb->kwargs);
    return k;
}

size_t hspy_cpy_ast_objects(PyInterpreterState *in, PyObject *const **first)
{
    struct ast_state *st = &in->ast;
    *first = &st->AST_type;
    return (size_t)((PyObject *const *)(const void *)(st + 1) - &st->AST_type);
}

size_t hspy_cpy_thread_refs(PyThreadState *ts, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("dict", ts->dict);
    PUT("curexc_type", ts->curexc_type);
    PUT("curexc_value", ts->curexc_value);
    PUT("curexc_traceback", ts->curexc_traceback);
    PUT("exc_type", ts->exc_state.exc_type);
    PUT("exc_value", ts->exc_state.exc_value);
    PUT("exc_traceback", ts->exc_state.exc_traceback);
    PUT("async_exc", ts->async_exc);
    PUT("c_profileobj", ts->c_profileobj);
    PUT("c_traceobj", ts->c_traceobj);
    PUT("context", ts->context);
    PUT("async_gen_firstiter", ts->async_gen_firstiter);
    PUT("async_gen_finalizer", ts->async_gen_finalizer);
    PUT("frame", ts->frame);
    return k;
}

void hspy_cpy_wake_main(PyInterpreterState *in) { _Py_atomic_store_relaxed(&in->ceval.eval_breaker, 1); }

/* ---- frames: all of them frame objects ---- */

void *hspy_cpy_frame_first(PyThreadState *ts) { return ts->frame; }
void *hspy_cpy_frame_next(void *f) { return ((PyFrameObject *)f)->f_back; }

static int frame_fill(PyFrameObject *f, hspy_frame *out)
{
    PyCodeObject *co = f->f_code;
    if (!co) return 0;
    memset(out, 0, sizeof *out);
    out->owner = HSPY_FRAME_OBJECT;
    out->owner_obj = (PyObject *)f;
    out->addr = f;
    out->code = co;
    out->locals = f->f_locals;
    out->globals = f->f_globals;
    out->builtins = f->f_builtins;
    out->frame_obj = (PyObject *)f;
    out->localsplus = f->f_localsplus;
    out->nlocals = co->co_nlocals + (int)PyTuple_GET_SIZE(co->co_cellvars) + (int)PyTuple_GET_SIZE(co->co_freevars);
    out->line = PyFrame_GetLineNumber(f);
    return 1;
}

int hspy_cpy_frame_read(void *fp, void *inner, hspy_frame *out)
{
    (void)inner;
    return frame_fill(fp, out);
}

/* A generator's frame is a frame object of its own (gi_frame), which
 * names its locals itself. */
int hspy_cpy_gen_frame(PyObject *gen, hspy_frame *out)
{
    (void)gen;
    (void)out;
    return 0;
}

int hspy_cpy_frameobj_frame(PyObject *o, hspy_frame *out)
{
    PyFrameObject *f = (PyFrameObject *)o;
    if (f->f_state >= FRAME_CLEARED) return 0;
    return frame_fill(f, out);
}

size_t hspy_cpy_gen_refs(PyObject *o, hspy_named *out, size_t cap)
{
    PyGenObject *g = (PyGenObject *)o;
    size_t k = 0;
    PUT("gi_frame", g->gi_frame);
    PUT("gi_code", g->gi_code);
    PUT("__name__", g->gi_name);
    PUT("__qualname__", g->gi_qualname);
    return k;
}

size_t hspy_cpy_frameobj_refs(PyObject *o, hspy_named *out, size_t cap)
{
    PyFrameObject *f = (PyFrameObject *)o;
    size_t k = 0;
    PUT("f_back", f->f_back);
    PUT("f_trace", f->f_trace);
    PUT("f_locals", f->f_locals);
    PUT("f_code", f->f_code);
    PUT("f_globals", f->f_globals);
    PUT("f_builtins", f->f_builtins);
    return k;
}

/* ---- code objects ---- */

size_t hspy_cpy_code_refs(PyCodeObject *co, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("co_code", co->co_code);
    PUT("co_consts", co->co_consts);
    PUT("co_names", co->co_names);
    PUT("co_varnames", co->co_varnames);
    PUT("co_freevars", co->co_freevars);
    PUT("co_cellvars", co->co_cellvars);
    PUT("co_filename", co->co_filename);
    PUT("co_name", co->co_name);
    PUT("co_linetable", co->co_linetable);
    return k;
}

static PyObject *item(PyObject *t, Py_ssize_t i)
{
    return t && PyTuple_Check(t) && i >= 0 && i < PyTuple_GET_SIZE(t) ? PyTuple_GET_ITEM(t, i) : NULL;
}

PyObject *hspy_cpy_code_localname(PyCodeObject *co, Py_ssize_t i)
{
    if (i < co->co_nlocals) return item(co->co_varnames, i);
    i -= co->co_nlocals;
    Py_ssize_t nc = PyTuple_GET_SIZE(co->co_cellvars);
    return i < nc ? item(co->co_cellvars, i) : item(co->co_freevars, i - nc);
}

PyObject *hspy_cpy_code_freename(PyCodeObject *co, Py_ssize_t i) { return item(co->co_freevars, i); }
Py_ssize_t hspy_cpy_code_nfree(PyCodeObject *co) { return PyTuple_GET_SIZE(co->co_freevars); }
PyObject *hspy_cpy_code_qualname(PyCodeObject *co) { return co->co_name; }

/* ---- types and instances: no managed dicts on 3.10 ---- */

size_t hspy_cpy_preheader(PyTypeObject *tp) { return PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0; }
PyObject *hspy_cpy_type_dict(PyTypeObject *tp) { return tp->tp_dict; }

size_t hspy_cpy_static_type_refs(PyTypeObject *tp, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("__dict__", tp->tp_dict);
    PUT("__mro__", tp->tp_mro);
    PUT("__bases__", tp->tp_bases);
    PUT("__base__", tp->tp_base);
    PUT("__subclasses__", tp->tp_subclasses);
    PUT("tp_cache", tp->tp_cache);
    return k;
}

PyObject *hspy_cpy_managed_dict(PyObject *o)
{
    (void)o;
    return NULL;
}

void hspy_cpy_inline_values(PyObject *o, hspy_attr_fn fn, void *ctx)
{
    (void)o;
    (void)fn;
    (void)ctx;
}

uint64_t hspy_cpy_values_extra(PyObject *o)
{
    (void)o;
    return 0;
}

int hspy_cpy_dict_keys_hidden(PyObject *dict)
{
    PyDictObject *mp = (PyDictObject *)dict;
    return !mp->ma_values && general_lookup && ((keys310 *)mp->ma_keys)->dk_lookup != general_lookup;
}

/* ---- sizes ---- */

uint64_t hspy_cpy_str_size(PyObject *o)
{
    PyASCIIObject *a = (PyASCIIObject *)o;
    if (!a->state.ready || !a->state.compact) return 0; /* legacy layout: ask str.__sizeof__ */
    uint64_t len = (uint64_t)a->length, size;
    if (a->state.ascii) size = sizeof(PyASCIIObject) + len + 1;
    else {
        PyCompactUnicodeObject *c = (PyCompactUnicodeObject *)o;
        size = sizeof(PyCompactUnicodeObject) + (len + 1) * a->state.kind;
        if (c->utf8 && (void *)c->utf8 != PyUnicode_DATA(o)) size += (uint64_t)c->utf8_length + 1;
        if (a->wstr && (void *)a->wstr != PyUnicode_DATA(o)) size += ((uint64_t)c->wstr_length + 1) * sizeof(wchar_t);
        return size;
    }
    if (a->wstr && (void *)a->wstr != PyUnicode_DATA(o)) size += (len + 1) * sizeof(wchar_t);
    return size;
}

uint64_t hspy_cpy_int_size(PyObject *o)
{
    Py_ssize_t n = Py_SIZE(o);
    if (n < 0) n = -n;
    return offsetof(PyLongObject, ob_digit) + (uint64_t)n * sizeof(digit); /* 3.10: 0 has no digit */
}

uint64_t hspy_cpy_dict_size(PyObject *o)
{
    (void)o;
    return 0; /* the keys layout is private: dict.__sizeof__ */
}

/* ---- runtime objects ---- */

const char *hspy_cpy_runtime_why(PyObject *o)
{
    if ((char *)o >= (char *)&_PyRuntime && (char *)o < (char *)(&_PyRuntime + 1)) return "static";
    PyInterpreterState *in = PyInterpreterState_Get();
    if (PyLong_CheckExact(o) && Py_SIZE(o) >= -1 && Py_SIZE(o) <= 1) {
        long v = Py_SIZE(o) * (long)((PyLongObject *)o)->ob_digit[0];
        if (v >= -_PY_NSMALLNEGINTS && v < _PY_NSMALLPOSINTS && (PyObject *)in->small_ints[v + _PY_NSMALLNEGINTS] == o)
            return "static";
    } else if (PyTuple_CheckExact(o) && PyTuple_GET_SIZE(o) == 0) {
        if ((PyObject *)in->tuple.free_list[0] == o) return "static";
    } else if (PyBytes_CheckExact(o) && PyBytes_GET_SIZE(o) <= 1) {
        if (o == in->bytes.empty_string ||
            (PyBytes_GET_SIZE(o) == 1 && (PyObject *)in->bytes.characters[(unsigned char)PyBytes_AS_STRING(o)[0]] == o))
            return "static";
    }
    return NULL;
}

PyObject *hspy_cpy_traceback(uintptr_t ptr) { return _PyTraceMalloc_GetTraceback(0, ptr); }

int hspy_cpy_pymalloc_arenas(uint64_t *narenas, uint64_t *arena_size)
{
    (void)narenas;
    (void)arena_size;
    return 0; /* narenas_currently_allocated is a static of Objects/obmalloc.c */
}

/* The interned-string dict, a static of Objects/unicodeobject.c here (3.12
 * visits it from the interpreter): every key an interned str mapped to
 * itself. Read with PyDict_Next, which runs no Python code. */
const char *hspy_cpy_static_table(PyObject *o) { return hspy_interned_dict_name(o); }

/* ---- allocation tables ---- */

/* tracemalloc keeps its table in a static of Modules/_tracemalloc.c: out
 * of reach (hspy_orphans.c asks it about arena blocks instead, through
 * _PyTraceMalloc_GetTraceback). pymalloc keeps its arenas in statics of
 * Objects/obmalloc.c, found by their shape (hspy_obm_static.c). */
int hspy_cpy_tracemalloc_tracing(void)
{
    return _Py_tracemalloc_config.initialized == TRACEMALLOC_INITIALIZED && _Py_tracemalloc_config.tracing;
}
int hspy_cpy_tracemalloc_blocks(hspy_block_fn fn, void *ctx)
{
    (void)fn;
    (void)ctx;
    return 0;
}
const char *hspy_cpy_obm_open(PyInterpreterState *in, hspy_obm *out)
{
    (void)in; /* one allocator for the process on these versions */
#ifdef Py_DEBUG
    (void)out;
    return "a debug build (pymalloc with debug hooks)";
#else
    const char *why = hspy_pymalloc_why(_PyRuntime.preconfig.allocator, _PyMem_GetCurrentAllocatorName());
    if (why) return why;
    return hspy_obms_open(&_PyRuntime, out);
#endif
}
void hspy_cpy_obm_arena(const hspy_obm *m, size_t i, uintptr_t *address, uintptr_t *carved)
{
    hspy_obms_arena(m, i, address, carved);
}
void hspy_cpy_obm_pool(uintptr_t pool, hspy_obm_pool *out) { hspy_obms_pool(pool, out); }
