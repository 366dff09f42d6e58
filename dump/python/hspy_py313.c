/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_py313.c — the version layer (hspy_cpy.h) for CPython
 * 3.13. What differs from 3.12 (hspy_py312.c): the frame holds
 * f_executable (a code object, or None for a shim) and the thread its
 * current_frame directly (no cframe); instances of types with
 * Py_TPFLAGS_INLINE_VALUES keep their attribute values inside the object
 * (sys.getsizeof counts them, so nothing is added), the managed dict
 * pointer stays at -3 words; the codec registries live in interp->codecs;
 * static types (builtin and managed extension ones) keep their __dict__
 * and __subclasses__ in interp->types.{builtins,for_extensions}; the
 * eval breaker is per thread, so a pending call from another thread sets
 * the main thread's bit. Code objects, str, int and immortality are as on
 * 3.12. See docs/python.md#versions.
 */
/* The public headers in their core shape, as the internal ones expect
 * (this file only: the shared walker sees the ordinary API). */
#define Py_BUILD_CORE 1
#include "hspy.h"

#if PY_VERSION_HEX < 0x030D0000 || PY_VERSION_HEX >= 0x030E0000
#error "hspy_py313.c is the CPython 3.13 layer"
#endif

#include <internal/pycore_dict.h>
#include <internal/pycore_frame.h>
#include <internal/pycore_gc.h>
#include <internal/pycore_ceval.h>
#include <internal/pycore_interp.h>
#include <internal/pycore_object.h>
#include <internal/pycore_runtime.h>
#include <internal/pycore_tracemalloc.h>
#include <internal/pycore_hashtable.h>
#include <internal/pycore_pymem.h>
#include <internal/pycore_typeobject.h>

#include <string.h>

_Static_assert(sizeof(PyGC_Head) == sizeof(hspy_gc), "PyGC_Head is two words");
_Static_assert(offsetof(PyGC_Head, _gc_next) == offsetof(hspy_gc, next), "PyGC_Head._gc_next");
_Static_assert(offsetof(PyGC_Head, _gc_prev) == offsetof(hspy_gc, prev), "PyGC_Head._gc_prev");
_Static_assert(_PyGC_PREV_MASK_FINALIZED == HSPY_GC_FINALIZED && _PyGC_PREV_SHIFT == HSPY_GC_SHIFT, "GC flag bits");

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
PyObject *hspy_cpy_modules(PyInterpreterState *in) { return in->imports.modules; }
size_t hspy_cpy_interp_size(void) { return sizeof(PyInterpreterState); }
size_t hspy_cpy_thread_size(void) { return sizeof(PyThreadState); }
unsigned long hspy_cpy_thread_id(PyThreadState *ts) { return ts->native_thread_id; }

size_t hspy_cpy_interp_refs(PyInterpreterState *in, hspy_named *out, size_t cap)
{
    size_t k = 0;
    PUT("modules", in->imports.modules);
    PUT("modules_by_index", in->imports.modules_by_index);
    PUT("sysdict", in->sysdict);
    PUT("builtins", in->builtins);
    PUT("importlib", in->imports.importlib);
    PUT("codec_search_path", in->codecs.search_path);
    PUT("codec_search_cache", in->codecs.search_cache);
    PUT("codec_error_registry", in->codecs.error_registry);
    PUT("dict", in->dict);
    PUT("builtins_copy", in->builtins_copy);
    PUT("import_func", in->imports.import_func);
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
    /* the interned-string table and a few cached objects (C tables of the
     * interpreter: found missing by the orphan search over the arenas) */
    PUT("interned", in->cached_objects.interned_strings);
    PUT("exc_state.errnomap", in->exc_state.errnomap);
    PUT("cached.str_replace_inf", in->cached_objects.str_replace_inf);
    PUT("cached.objreduce", in->cached_objects.objreduce);
    PUT("cached.type_slots_pname", in->cached_objects.type_slots_pname);
    return k;
}

size_t hspy_cpy_atexit_count(PyInterpreterState *in, uint64_t *addr, uint64_t *bytes)
{
    if (!in->atexit.callbacks || in->atexit.ncallbacks <= 0) return 0;
    *addr = (uint64_t)(uintptr_t)in->atexit.callbacks;
    *bytes = (uint64_t)in->atexit.callback_len * sizeof(void *) + (uint64_t)in->atexit.ncallbacks * sizeof(atexit_py_callback);
    return (size_t)in->atexit.ncallbacks;
}

size_t hspy_cpy_atexit_refs(PyInterpreterState *in, size_t i, hspy_named *out, size_t cap)
{
    size_t k = 0;
    atexit_py_callback *cb = in->atexit.callbacks[i];
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
    PUT("current_exception", ts->current_exception);
    PUT("exc_value", ts->exc_state.exc_value);
    PUT("async_exc", ts->async_exc);
    PUT("c_profileobj", ts->c_profileobj);
    PUT("c_traceobj", ts->c_traceobj);
    PUT("context", ts->context);
    PUT("async_gen_firstiter", ts->async_gen_firstiter);
    PUT("async_gen_finalizer", ts->async_gen_finalizer);
    PUT("delete_later", ts->delete_later);
    PUT("previous_executor", ts->previous_executor);
    return k;
}

void hspy_cpy_wake_main(PyInterpreterState *in)
{
    PyThreadState *main = _PyRuntime.main_tstate;
    if (main && main->interp == in) _Py_set_eval_breaker_bit(main, _PY_CALLS_TO_DO_BIT);
}

/* ---- frames ---- */

void *hspy_cpy_frame_first(PyThreadState *ts) { return ts->current_frame; }
void *hspy_cpy_frame_next(void *f) { return ((_PyInterpreterFrame *)f)->previous; }

static PyCodeObject *code_of(_PyInterpreterFrame *f)
{
    return f->f_executable && PyCode_Check(f->f_executable) ? (PyCodeObject *)f->f_executable : NULL;
}

static void frame_fill(_PyInterpreterFrame *f, hspy_frame *out)
{
    PyCodeObject *co = code_of(f);
    memset(out, 0, sizeof *out);
    out->addr = f;
    out->code = co;
    out->func = f->f_funcobj;
    out->locals = f->f_locals;
    out->globals = f->f_globals;
    out->builtins = f->f_builtins;
    out->frame_obj = (PyObject *)f->frame_obj;
    out->localsplus = f->localsplus;
    out->nlocals = co->co_nlocalsplus;
    if (f->stacktop < out->nlocals) out->nlocals = f->stacktop < 0 ? 0 : f->stacktop;
    out->size = (uint64_t)(FRAME_SPECIALS_SIZE + co->co_nlocalsplus + co->co_stacksize) * sizeof(PyObject *);
    out->line = PyUnstable_InterpreterFrame_GetLine(f);
    if (out->line < 0) out->line = co->co_firstlineno;
}

int hspy_cpy_frame_read(void *fp, void *innerp, hspy_frame *out)
{
    _PyInterpreterFrame *f = fp, *inner = innerp;
    if (f->owner == FRAME_OWNED_BY_CSTACK || !code_of(f)) {
        memset(out, 0, sizeof *out);
        out->owner = HSPY_FRAME_SKIP; /* the entry shim of a C call into Python */
        return 1;
    }
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
    int nl = out->code->co_nlocalsplus;
    if (inner && inner->owner != FRAME_OWNED_BY_CSTACK && f->stacktop >= nl && f->stacktop <= nl + out->code->co_stacksize)
        out->nstack = f->stacktop - nl;
    out->nlocals = nl;
    return 1;
}

int hspy_cpy_gen_frame(PyObject *o, hspy_frame *out)
{
    PyGenObject *g = (PyGenObject *)o;
    if (g->gi_frame_state >= FRAME_CLEARED || !code_of((_PyInterpreterFrame *)g->gi_iframe)) return 0;
    frame_fill((_PyInterpreterFrame *)g->gi_iframe, out);
    return 1;
}

int hspy_cpy_frameobj_frame(PyObject *o, hspy_frame *out)
{
    PyFrameObject *f = (PyFrameObject *)o;
    if (!f->f_frame || f->f_frame->owner != FRAME_OWNED_BY_FRAME_OBJECT || !code_of(f->f_frame)) return 0;
    frame_fill(f->f_frame, out);
    return 1;
}

size_t hspy_cpy_gen_refs(PyObject *o, hspy_named *out, size_t cap)
{
    PyGenObject *g = (PyGenObject *)o;
    size_t k = 0;
    if (g->gi_frame_state < FRAME_CLEARED) PUT("gi_code", ((_PyInterpreterFrame *)g->gi_iframe)->f_executable);
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
        PUT("f_code", f->f_frame->f_executable);
    }
    PUT("f_extra_locals", f->f_extra_locals);
    PUT("f_locals_cache", f->f_locals_cache);
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
    if (co->_co_cached) {
        PUT("co_code", co->_co_cached->_co_code);
        PUT("co_varnames", co->_co_cached->_co_varnames);
        PUT("co_cellvars", co->_co_cached->_co_cellvars);
        PUT("co_freevars", co->_co_cached->_co_freevars);
    }
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
           ((tp->tp_flags & (Py_TPFLAGS_MANAGED_DICT | Py_TPFLAGS_MANAGED_WEAKREF)) ? 2 * sizeof(PyObject *) : 0);
}

/* A managed static type's per-interpreter part (its index + 1 is kept in
 * tp_subclasses; builtin types and extension ones in two tables), checked
 * against the type it names. */
static managed_static_type_state *builtin_state(PyTypeObject *tp)
{
    if (!(tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN)) return NULL;
    PyInterpreterState *in = PyInterpreterState_Get();
    size_t i = (size_t)tp->tp_subclasses - 1;
    if (i < _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES && in->types.builtins.initialized[i].type == tp)
        return &in->types.builtins.initialized[i];
    size_t j = i >= _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES ? i - _Py_MAX_MANAGED_STATIC_BUILTIN_TYPES : i;
    if (j < _Py_MAX_MANAGED_STATIC_EXT_TYPES && in->types.for_extensions.initialized[j].type == tp)
        return &in->types.for_extensions.initialized[j];
    return NULL;
}

PyObject *hspy_cpy_type_dict(PyTypeObject *tp)
{
    if (tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN) {
        managed_static_type_state *st = builtin_state(tp);
        return st ? st->tp_dict : NULL;
    }
    return tp->tp_dict;
}

size_t hspy_cpy_static_type_refs(PyTypeObject *tp, hspy_named *out, size_t cap)
{
    size_t k = 0;
    managed_static_type_state *st = builtin_state(tp);
    PUT("__dict__", hspy_cpy_type_dict(tp));
    PUT("__mro__", tp->tp_mro);
    PUT("__bases__", tp->tp_bases);
    PUT("__base__", tp->tp_base);
    if (st) PUT("__subclasses__", st->tp_subclasses);
    else if (!(tp->tp_flags & _Py_TPFLAGS_STATIC_BUILTIN)) PUT("__subclasses__", tp->tp_subclasses);
    PUT("tp_cache", tp->tp_cache);
    return k;
}

static PyDictValues *values_of(PyObject *o)
{
    if (!(Py_TYPE(o)->tp_flags & Py_TPFLAGS_INLINE_VALUES)) return NULL;
    PyDictValues *v = _PyObject_InlineValues(o);
    return v->valid ? v : NULL;
}

PyObject *hspy_cpy_managed_dict(PyObject *o) { return (PyObject *)_PyObject_ManagedDictPointer(o)->dict; }

void hspy_cpy_inline_values(PyObject *o, hspy_attr_fn fn, void *ctx)
{
    PyDictValues *values = values_of(o);
    PyDictKeysObject *keys = ((PyHeapTypeObject *)Py_TYPE(o))->ht_cached_keys;
    if (!values || !keys) return;
    PyDictUnicodeEntry *ent = DK_UNICODE_ENTRIES(keys);
    Py_ssize_t n = keys->dk_nentries < values->capacity ? keys->dk_nentries : values->capacity;
    for (Py_ssize_t i = 0; i < n; i++)
        if (values->values[i]) fn(ctx, ent[i].me_key, values->values[i]);
}

/* Inline values are inside the object: object.__sizeof__ counts them. */
uint64_t hspy_cpy_values_extra(PyObject *o)
{
    (void)o;
    return 0;
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
    if (!a->state.compact) return 0; /* legacy layout: ask str.__sizeof__ */
    uint64_t len = (uint64_t)a->length;
    if (a->state.ascii) return sizeof(PyASCIIObject) + len + 1;
    PyCompactUnicodeObject *c = (PyCompactUnicodeObject *)o;
    uint64_t size = sizeof(PyCompactUnicodeObject) + (len + 1) * a->state.kind;
    if (c->utf8 && (void *)c->utf8 != PyUnicode_DATA(o)) size += (uint64_t)c->utf8_length + 1;
    return size;
}

uint64_t hspy_cpy_int_size(PyObject *o)
{
    uint64_t n = (uint64_t)(((PyLongObject *)o)->long_value.lv_tag >> _PyLong_NON_SIZE_BITS);
    return offsetof(PyLongObject, long_value.ob_digit) + (n ? n : 1) * sizeof(digit);
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
    if (mp->ma_values) return 0; /* split (perhaps embedded) values: dict.__sizeof__ knows */
    uint64_t size = (uint64_t)Py_TYPE(o)->tp_basicsize;
    if (mp->ma_keys->dk_refcnt == 1) size += keys_bytes(mp->ma_keys);
    return size;
}

/* ---- runtime objects ---- */

const char *hspy_cpy_runtime_why(PyObject *o)
{
    if ((char *)o >= (char *)&_PyRuntime && (char *)o < (char *)(&_PyRuntime + 1)) return "static";
    if (_Py_IsImmortal(o)) return "immortal";
    return NULL;
}

PyObject *hspy_cpy_traceback(uintptr_t ptr) { return _PyTraceMalloc_GetTraceback(0, ptr); }

int hspy_cpy_pymalloc_arenas(uint64_t *narenas, uint64_t *arena_size)
{
    *narenas = (uint64_t)PyInterpreterState_Main()->obmalloc->mgmt.narenas_currently_allocated;
    *arena_size = ARENA_SIZE; /* pycore_obmalloc.h */
    return 1;
}

/* pymalloc's state of interpreter `in` (a pointer on 3.13) */
#define OBM_STATE(in) ((in)->obmalloc) /* main's for an interpreter that shares it */

const char *hspy_cpy_static_table(PyObject *o)
{
    (void)o;
    return NULL; /* the interned dict is visited from the interpreter */
}

/* ---- allocation tables ---- */

/* A trace, as Python/tracemalloc.c defines it (private there); the table
 * maps a block's address to one. */
typedef struct {
    size_t size;
    struct tracemalloc_traceback *traceback;
} hspy_trace;

typedef struct {
    hspy_block_fn fn;
    void *ctx;
} tm_each;

static int tm_entry(_Py_hashtable_t *ht, const void *key, const void *value, void *user)
{
    (void)ht;
    tm_each *e = user;
    const hspy_trace *t = value;
    return t ? e->fn(e->ctx, (uintptr_t)key, t->size) : 0;
}

int hspy_cpy_tracemalloc_tracing(void)
{
    return _PyRuntime.tracemalloc.config.initialized == TRACEMALLOC_INITIALIZED &&
           _PyRuntime.tracemalloc.config.tracing;
}

int hspy_cpy_tracemalloc_blocks(hspy_block_fn fn, void *ctx)
{
    /* the GIL is held, so tracing cannot stop (that needs the GIL) */
    if (!hspy_cpy_tracemalloc_tracing() || !_PyRuntime.tracemalloc.traces || !_PyRuntime.tracemalloc.tables_lock)
        return 0;
    tm_each e = {fn, ctx};
    PyThread_acquire_lock(_PyRuntime.tracemalloc.tables_lock, 1); /* TABLES_LOCK() of tracemalloc.c */
    int r = _Py_hashtable_foreach(_PyRuntime.tracemalloc.traces, tm_entry, &e);
    PyThread_release_lock(_PyRuntime.tracemalloc.tables_lock);
    return r ? -1 : 1;
}

const char *hspy_cpy_obm_open(PyInterpreterState *in, hspy_obm *out)
{
#ifdef Py_DEBUG
    (void)in;
    (void)out;
    return "a debug build (pymalloc with debug hooks)";
#else
    const char *why = hspy_pymalloc_why(_PyRuntime.preconfig.allocator, _PyMem_GetCurrentAllocatorName());
    if (why) return why;
    const struct _obmalloc_state *st = OBM_STATE(in);
    if (!st || !st->mgmt.arenas) return "pymalloc has no arenas";
    *out = (hspy_obm){.state = st, .narenas = st->mgmt.maxarenas, .arena_size = ARENA_SIZE,
                      .pool_size = POOL_SIZE, .pool_overhead = POOL_OVERHEAD,
                      .max_block = SMALL_REQUEST_THRESHOLD, .align_shift = ALIGNMENT_SHIFT};
    return NULL;
#endif
}

void hspy_cpy_obm_arena(const hspy_obm *m, size_t i, uintptr_t *address, uintptr_t *carved)
{
    const struct arena_object *a = &((const struct _obmalloc_state *)m->state)->mgmt.arenas[i];
    *address = a->address;
    *carved = (uintptr_t)a->pool_address;
}

void hspy_cpy_obm_pool(uintptr_t pool, hspy_obm_pool *out)
{
    const struct pool_header *p = (const struct pool_header *)pool;
    *out = (hspy_obm_pool){.count = p->ref.count, .szidx = p->szidx, .nextoffset = p->nextoffset,
                           .freeblock = (uintptr_t)p->freeblock};
}
