/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_py311.c — the version layer (hspy_cpy.h) for CPython
 * 3.11: four GC lists (three generations and the permanent one), frames
 * that live on per-thread data stacks (_PyInterpreterFrame, reached from
 * tstate->cframe), the exception state in curexc_* and exc_state, managed
 * dicts whose inline values sit in a separately allocated array (pointer
 * at -4 words, dict at -3), compact str with the legacy wstr cache, ints
 * as ob_digit, code objects with localsplus names, immortality emulated by
 * very high refcounts (deep-frozen code, 999999999). See
 * docs/python.md#versions.
 */
#include "hspy.h"

#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030C0000
#error "hspy_py311.c is the CPython 3.11 layer"
#endif

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#define HSPY_UNDEF_BUILD_CORE
#endif
#include <internal/pycore_dict.h>
#include <internal/pycore_frame.h>
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

#define IMMORTAL_REFCNT (999999999 / 2)
#define PUT(n_, o_) do { if (k < cap) out[k++] = (hspy_named){(n_), (PyObject *)(o_)}; } while (0)

/* ---- GC and the interpreter ---- */

int hspy_cpy_init(void) { return 0; }

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
unsigned long hspy_cpy_thread_id(PyThreadState *ts) { return ts->native_thread_id; }

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
    PUT("exc_value", ts->exc_state.exc_value);
    PUT("async_exc", ts->async_exc);
    PUT("c_profileobj", ts->c_profileobj);
    PUT("c_traceobj", ts->c_traceobj);
    PUT("context", ts->context);
    PUT("async_gen_firstiter", ts->async_gen_firstiter);
    PUT("async_gen_finalizer", ts->async_gen_finalizer);
    return k;
}

void hspy_cpy_wake_main(PyInterpreterState *in) { _Py_atomic_store_relaxed(&in->ceval.eval_breaker, 1); }

/* ---- frames ---- */

void *hspy_cpy_frame_first(PyThreadState *ts) { return ts->cframe ? ts->cframe->current_frame : NULL; }
void *hspy_cpy_frame_next(void *f) { return ((_PyInterpreterFrame *)f)->previous; }

static void frame_fill(_PyInterpreterFrame *f, hspy_frame *out)
{
    PyCodeObject *co = f->f_code;
    memset(out, 0, sizeof *out);
    out->addr = f;
    out->code = co;
    out->func = (PyObject *)f->f_func;
    out->locals = f->f_locals;
    out->globals = f->f_globals;
    out->builtins = f->f_builtins;
    out->frame_obj = (PyObject *)f->frame_obj;
    out->localsplus = f->localsplus;
    out->nlocals = co->co_nlocalsplus;
    if (f->stacktop < out->nlocals) out->nlocals = f->stacktop < 0 ? 0 : f->stacktop;
    out->size = (uint64_t)(FRAME_SPECIALS_SIZE + co->co_nlocalsplus + co->co_stacksize) * sizeof(PyObject *);
    int lasti = _PyInterpreterFrame_LASTI(f);
    out->line = lasti >= 0 ? PyCode_Addr2Line(co, lasti * (int)sizeof(_Py_CODEUNIT)) : co->co_firstlineno;
}

int hspy_cpy_frame_read(void *fp, void *innerp, hspy_frame *out)
{
    _PyInterpreterFrame *f = fp, *inner = innerp;
    if (!f->f_code) return 0;
    frame_fill(f, out);
    if (f->owner == FRAME_OWNED_BY_GENERATOR) {
        out->owner = HSPY_FRAME_GENERATOR;
        out->owner_obj = (PyObject *)((char *)f - offsetof(PyGenObject, gi_iframe));
        return 1;
    }
    if (f->owner != FRAME_OWNED_BY_THREAD) return 0; /* its frame object reports it */
    out->owner = HSPY_FRAME_THREAD;
    /* The value stack is exact only where this frame called another Python
     * frame inline (stacktop saved); where it called C, or is the innermost
     * frame, stacktop is stale and the slots above are not read. */
    int nl = f->f_code->co_nlocalsplus;
    if (inner && !inner->is_entry && f->stacktop >= nl && f->stacktop <= nl + f->f_code->co_stacksize)
        out->nstack = f->stacktop - nl;
    out->nlocals = nl;
    return 1;
}

int hspy_cpy_gen_frame(PyObject *o, hspy_frame *out)
{
    PyGenObject *g = (PyGenObject *)o;
    if (g->gi_frame_state >= FRAME_CLEARED) return 0;
    frame_fill((_PyInterpreterFrame *)g->gi_iframe, out);
    return 1;
}

int hspy_cpy_frameobj_frame(PyObject *o, hspy_frame *out)
{
    PyFrameObject *f = (PyFrameObject *)o;
    if (!f->f_frame || f->f_frame->owner != FRAME_OWNED_BY_FRAME_OBJECT) return 0;
    frame_fill(f->f_frame, out);
    return 1;
}

size_t hspy_cpy_gen_refs(PyObject *o, hspy_named *out, size_t cap)
{
    PyGenObject *g = (PyGenObject *)o;
    size_t k = 0;
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
    if (f->f_frame && f->f_frame->owner == FRAME_OWNED_BY_FRAME_OBJECT) {
        PUT("f_locals", f->f_frame->f_locals);
        PUT("f_code", f->f_frame->f_code);
    }
    return k;
}

/* ---- code objects ---- */

size_t hspy_cpy_code_refs(PyCodeObject *co, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("co_consts", co->co_consts);
    PUT("co_names", co->co_names);
    PUT("co_exceptiontable", co->co_exceptiontable);
    PUT("co_localsplusnames", co->co_localsplusnames);
    PUT("co_localspluskinds", co->co_localspluskinds);
    PUT("co_filename", co->co_filename);
    PUT("co_name", co->co_name);
    PUT("co_qualname", co->co_qualname);
    PUT("co_linetable", co->co_linetable);
    PUT("co_code", co->_co_code);
    return k;
}

PyObject *hspy_cpy_code_localname(PyCodeObject *co, Py_ssize_t i)
{
    PyObject *names = co->co_localsplusnames;
    return names && PyTuple_Check(names) && i >= 0 && i < PyTuple_GET_SIZE(names) ? PyTuple_GET_ITEM(names, i) : NULL;
}

PyObject *hspy_cpy_code_freename(PyCodeObject *co, Py_ssize_t i)
{
    return i >= 0 && i < co->co_nfreevars ? hspy_cpy_code_localname(co, co->co_nlocalsplus - co->co_nfreevars + i) : NULL;
}

Py_ssize_t hspy_cpy_code_nfree(PyCodeObject *co) { return co->co_nfreevars; }

PyObject *hspy_cpy_code_qualname(PyCodeObject *co) { return co->co_qualname; }

/* ---- types and instances ---- */

size_t hspy_cpy_preheader(PyTypeObject *tp)
{
    return (PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0) +
           ((tp->tp_flags & Py_TPFLAGS_MANAGED_DICT) ? 2 * sizeof(PyObject *) : 0);
}

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

static PyDictValues *values_of(PyObject *o) { return *(((PyDictValues **)o) - 4); }

PyObject *hspy_cpy_managed_dict(PyObject *o) { return *(((PyObject **)o) - 3); }

void hspy_cpy_inline_values(PyObject *o, hspy_attr_fn fn, void *ctx)
{
    PyDictValues *values = values_of(o);
    PyDictKeysObject *keys = ((PyHeapTypeObject *)Py_TYPE(o))->ht_cached_keys;
    if (!values || !keys) return;
    PyDictUnicodeEntry *ent = DK_UNICODE_ENTRIES(keys);
    for (Py_ssize_t i = 0; i < keys->dk_nentries; i++)
        if (values->values[i]) fn(ctx, ent[i].me_key, values->values[i]);
}

uint64_t hspy_cpy_values_extra(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) return 0;
    PyDictValues *values = values_of(o);
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (!values || !keys) return 0;
    /* The array was sized when the object was made: the prefix byte
     * (round_up(slots + 2, 8)) bounds its slot count to 8 values; the
     * keys' usable size now is exact for recent objects. */
    uint8_t prefix = ((uint8_t *)values)[-1];
    int64_t slots = (int64_t)(keys->dk_nentries + keys->dk_usable);
    if (slots > (int64_t)prefix - 2) slots = (int64_t)prefix - 2;
    if (slots < (int64_t)prefix - 9) slots = (int64_t)prefix - 9;
    if (slots < 0) slots = 0;
    return prefix + (uint64_t)slots * sizeof(PyObject *);
}

int hspy_cpy_dict_keys_hidden(PyObject *dict)
{
    PyDictObject *mp = (PyDictObject *)dict;
    return !mp->ma_values && DK_IS_UNICODE(mp->ma_keys);
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
    return offsetof(PyLongObject, ob_digit) + (uint64_t)(n ? n : 1) * sizeof(digit);
}

static uint64_t keys_bytes(PyDictKeysObject *k)
{
    size_t es = k->dk_kind == DICT_KEYS_GENERAL ? sizeof(PyDictKeyEntry) : sizeof(PyDictUnicodeEntry);
    uint64_t n = (uint64_t)1 << k->dk_log2_size;
    return sizeof(PyDictKeysObject) + ((uint64_t)1 << k->dk_log2_index_bytes) + ((n << 1) / 3) * es;
}

uint64_t hspy_cpy_dict_size(PyObject *o)
{
    PyDictObject *mp = (PyDictObject *)o;
    uint64_t size = (uint64_t)Py_TYPE(o)->tp_basicsize;
    if (mp->ma_values) size += (uint64_t)(mp->ma_keys->dk_nentries + mp->ma_keys->dk_usable) * sizeof(PyObject *);
    if (mp->ma_keys->dk_refcnt == 1) size += keys_bytes(mp->ma_keys);
    return size;
}

/* ---- runtime objects ---- */

const char *hspy_cpy_runtime_why(PyObject *o)
{
    if ((char *)o >= (char *)&_PyRuntime && (char *)o < (char *)(&_PyRuntime + 1)) return "static";
    if (Py_REFCNT(o) >= IMMORTAL_REFCNT) return "immortal";
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
