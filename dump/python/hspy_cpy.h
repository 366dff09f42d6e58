/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_cpy.h — the version layer: everything the walker must
 * know about one CPython family's internals, behind hspy_cpy_* calls. Each
 * supported family has one file that implements all of them and is the only
 * file built for that family: hspy_py310.c (3.10), hspy_py311.c (3.11),
 * hspy_py312.c (3.12), hspy_py313.c (3.13). The shared walker (hspy_walk.c,
 * hspy_roots.c, hspy_types.c, …) sees public C API and these calls only,
 * never a pycore_*.h header. Adding a family is one new file implementing
 * this header, plus its row in dump/python/CMakeLists.txt and
 * docs/python.md#versions.
 *
 * Rules for an implementation: run no Python code, allocate no Python
 * object (except where a call says so), hold the GIL; every returned
 * PyObject * is borrowed; may return NULL for an absent field.
 */
#ifndef HSPY_CPY_H
#define HSPY_CPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <frameobject.h> /* PyFrame_Type: not in Python.h on 3.10 */

#include <stddef.h>
#include <stdint.h>

/* The families this tree knows; any other is refused here, at build time
 * (dump/python/CMakeLists.txt refuses it earlier, with the same list). */
#if PY_VERSION_HEX < 0x030A0000 || PY_VERSION_HEX >= 0x030E0000
#error "heapsnap._heapsnap supports CPython 3.10, 3.11, 3.12 and 3.13 (see docs/python.md#versions)"
#endif
#ifdef Py_GIL_DISABLED
#error "heapsnap._heapsnap does not support free-threaded CPython builds (see docs/python.md#versions)"
#endif

/* The GC header: on every supported family two words right before the
 * object, `next` the forward link (0 = untracked), `prev` the back link
 * with flag bits 0-1 (bit 0 = finalized). The walk borrows bits 2..63 of
 * `prev` as an in-degree counter and rebuilds the back links afterwards
 * (hspy_walk.c). Each family file checks this layout against PyGC_Head. */
typedef struct hspy_gc {
    uintptr_t next, prev;
} hspy_gc;
#define HSPY_GC(o) (((hspy_gc *)(o)) - 1)
#define HSPY_GC_OBJ(g) ((PyObject *)((hspy_gc *)(g) + 1))
#define HSPY_GC_FINALIZED ((uintptr_t)1)
#define HSPY_GC_SHIFT 2

/* A named reference of a structure the walker does not know the layout of:
 * the family file lists its fields, the walker writes the edges. */
typedef struct hspy_named {
    const char *name;
    PyObject *obj;
} hspy_named;
#define HSPY_NAMED_MAX 40 /* enough for every list below */

/* Once, at module exec (Python objects may be made here): learn what the
 * layer must find out from a live interpreter. 0, or -1 with an exception. */
int hspy_cpy_init(void);

/* ---- GC and the interpreter ---- */
/* The heads of the GC lists to walk (generations, then permanent); returns
 * how many (<= cap). */
int hspy_cpy_gc_lists(PyInterpreterState *in, hspy_gc **heads /* OUT */, int cap);
/* A collection is running now. */
int hspy_cpy_gc_collecting(PyInterpreterState *in);
/* gc.garbage, sys.modules (both borrowed, may be NULL). */
PyObject *hspy_cpy_gc_garbage(PyInterpreterState *in);
PyObject *hspy_cpy_modules(PyInterpreterState *in);
/* The references the interpreter state holds (sys.modules, sysdict,
 * builtins, codecs, warnings…); returns the count. */
size_t hspy_cpy_interp_refs(PyInterpreterState *in, hspy_named *out /* OUT */, size_t cap);
/* The atexit callbacks (atexit.register), one at a time, as they can be
 * many: how many, with the address of their array and the bytes of the
 * array and its entries; and callback i's references (func, args, kwargs). */
size_t hspy_cpy_atexit_count(PyInterpreterState *in, uint64_t *addr /* OUT */, uint64_t *bytes /* OUT */);
size_t hspy_cpy_atexit_refs(PyInterpreterState *in, size_t i, hspy_named *out /* OUT */, size_t cap);
/* The objects the interpreter keeps for the ast module (struct ast_state:
 * the AST node types and their field names; every field after its flags
 * is an object, NULL before the first `import ast` or compile to AST):
 * sets *first to the first field, returns how many. */
size_t hspy_cpy_ast_objects(PyInterpreterState *in, PyObject *const **first /* OUT */);
/* Bytes of the interpreter and thread states (their C structs). */
size_t hspy_cpy_interp_size(void);
size_t hspy_cpy_thread_size(void);
/* The references a thread state holds (dict, the exception being raised
 * and the one being handled, profiler, tracer, context…). */
size_t hspy_cpy_thread_refs(PyThreadState *ts, hspy_named *out /* OUT */, size_t cap);
unsigned long hspy_cpy_thread_id(PyThreadState *ts);
/* Make the main thread look at its pending calls soon (a call added by
 * another thread); a no-op where Py_AddPendingCall already does it. */
void hspy_cpy_wake_main(PyInterpreterState *in);

/* ---- frames ---- */
typedef enum hspy_frame_owner {
    HSPY_FRAME_THREAD = 0, /* a thread owns it: the walker writes it as a synthetic block */
    HSPY_FRAME_GENERATOR,  /* a generator or coroutine owns it (owner_obj): a stack root on that */
    HSPY_FRAME_OBJECT,     /* a frame object (owner_obj) is or owns it: a stack root on that */
    HSPY_FRAME_SKIP        /* an entry shim of the C stack: nothing to report */
} hspy_frame_owner;

/* One frame, as the walker needs it. */
typedef struct hspy_frame {
    hspy_frame_owner owner;
    PyObject *owner_obj;  /* the generator or frame object for those owners */
    void *addr;           /* the frame's address (its block for THREAD) */
    uint64_t size;        /* bytes of a THREAD frame */
    PyCodeObject *code;
    PyObject *func, *locals, *globals, *builtins, *frame_obj;
    PyObject *const *localsplus; /* locals, cells and free variables, then the value stack */
    int nlocals;          /* slots of localsplus named by hspy_cpy_code_localname */
    int nstack;           /* value-stack slots known to be exact (0 when not known) */
    int line;             /* line being run, or the first line */
} hspy_frame;

/* The innermost frame of a thread, and the next one out (opaque handles);
 * NULL at the end. */
void *hspy_cpy_frame_first(PyThreadState *ts);
void *hspy_cpy_frame_next(void *f);
/* Read frame `f`; `inner` is the frame it called (NULL for the innermost).
 * Returns 0 if the frame cannot be read (it is skipped). */
int hspy_cpy_frame_read(void *f, void *inner, hspy_frame *out /* OUT */);
/* The live frame of a generator/coroutine, of a frame object; 0 if none. */
int hspy_cpy_gen_frame(PyObject *gen, hspy_frame *out /* OUT */);
int hspy_cpy_frameobj_frame(PyObject *frame, hspy_frame *out /* OUT */);
/* Named fields of a generator (gi_code, __name__, __qualname__) and of a
 * frame object (f_back, f_trace, f_locals, f_code). */
size_t hspy_cpy_gen_refs(PyObject *gen, hspy_named *out /* OUT */, size_t cap);
size_t hspy_cpy_frameobj_refs(PyObject *frame, hspy_named *out /* OUT */, size_t cap);

/* ---- code objects ---- */
/* The references a code object holds, named as its Python attributes. */
size_t hspy_cpy_code_refs(PyCodeObject *co, hspy_named *out /* OUT */, size_t cap);
/* The name of local slot i (locals, then cells, then free variables: the
 * localsplus order) and of free variable i (a closure tuple's cell i);
 * NULL if out of range. */
PyObject *hspy_cpy_code_localname(PyCodeObject *co, Py_ssize_t i);
PyObject *hspy_cpy_code_freename(PyCodeObject *co, Py_ssize_t i);
Py_ssize_t hspy_cpy_code_nfree(PyCodeObject *co);
PyObject *hspy_cpy_code_qualname(PyCodeObject *co);

/* ---- types and instances ---- */
/* Bytes before the object that sys.getsizeof counts (GC header, managed
 * dict and weakref pre-header). */
size_t hspy_cpy_preheader(PyTypeObject *tp);
/* The type's own dict (static builtin types keep it per interpreter on
 * 3.12+), and the references of a static type. */
PyObject *hspy_cpy_type_dict(PyTypeObject *tp);
size_t hspy_cpy_static_type_refs(PyTypeObject *tp, hspy_named *out /* OUT */, size_t cap);
/* Instances whose dict (or its values) the interpreter manages (3.11+). */
#ifdef Py_TPFLAGS_MANAGED_DICT
#define HSPY_MANAGED_DICT(tp) (((tp)->tp_flags & Py_TPFLAGS_MANAGED_DICT) != 0)
#else
#define HSPY_MANAGED_DICT(tp) 0
#endif
/* A managed-dict instance: its dict, if it has one materialized. */
PyObject *hspy_cpy_managed_dict(PyObject *o);
/* Its attribute values kept without a dict: fn(ctx, name, value) for each. */
typedef void (*hspy_attr_fn)(void *ctx, PyObject *name, PyObject *value);
void hspy_cpy_inline_values(PyObject *o, hspy_attr_fn fn, void *ctx);
/* Bytes of those values that sys.getsizeof does not count (a separate
 * array on 3.11 and 3.12; 0 where getsizeof includes them). */
uint64_t hspy_cpy_values_extra(PyObject *o);
/* A combined dict table whose tp_traverse does not visit its keys (str
 * keys: they cannot form cycles), yet it owns them. */
int hspy_cpy_dict_keys_hidden(PyObject *dict);

/* sys.getsizeof of an exact str, int, dict, computed from the layout; 0 =
 * not known here (the walker then calls the type's C __sizeof__). */
uint64_t hspy_cpy_str_size(PyObject *o);
uint64_t hspy_cpy_int_size(PyObject *o);
uint64_t hspy_cpy_dict_size(PyObject *o);

/* ---- runtime objects ---- */
/* Why `o` belongs to the runtime rather than the heap — "static" (inside
 * the runtime's own memory) or "immortal" (its refcount is not counted) —
 * or NULL. Such objects are never external holders. */
const char *hspy_cpy_runtime_why(PyObject *o);

/* The small-object allocator (pymalloc) of the main interpreter: arenas in
 * use and bytes per arena. 0 when this family's layer cannot read them
 * without Python code (3.10, 3.11: the counters are statics of obmalloc.c). */
int hspy_cpy_pymalloc_arenas(uint64_t *narenas /* OUT */, uint64_t *arena_size /* OUT */);

/* ---- allocation tables, for objects held by C code only (hspy_orphans.c) ---- */
/* One live block: its address and the bytes it is known to span. Returns
 * 0 to go on, -1 to stop (out of C memory). */
typedef int (*hspy_block_fn)(void *ctx, uintptr_t addr, size_t size);
/* An interpreter table that this family keeps in a C static the walk
 * cannot reach (3.10, 3.11: the interned-string dict), recognised by its
 * contents when the orphan search meets it: its name, else NULL. The
 * search leaves it out: it is the interpreter's, not a leak. */
const char *hspy_cpy_static_table(PyObject *o);
/* The body 3.10 and 3.11 share (hspy_orphans.c): "interned" for an exact
 * dict of 100 entries or more whose every key is an interned str mapped to
 * itself, else NULL. Runs no Python code (PyDict_Next). */
const char *hspy_interned_dict_name(PyObject *o);
/* tracemalloc is tracing. */
int hspy_cpy_tracemalloc_tracing(void);
/* tracemalloc's own table of traced blocks (_PyRuntime.tracemalloc.traces,
 * domain 0: RAW, MEM and OBJ blocks alike): fn(ctx, address, size) for
 * each, called with tracemalloc's tables lock held, as tracemalloc itself
 * reads the table; fn must only copy, with the C allocator. 1 when read, 0
 * when not tracing or not readable on this family (3.10, 3.11: a static of
 * _tracemalloc.c), -1 when fn stopped. */
int hspy_cpy_tracemalloc_blocks(hspy_block_fn fn, void *ctx);

/* Why pymalloc's arenas cannot be read, or NULL (hspy_obmalloc.c, for
 * every family's hspy_cpy_obm_open): `allocator` is the preconfig's
 * (PYTHONMALLOC, -X dev), `current` _PyMem_GetCurrentAllocatorName() (NULL
 * when the allocator is wrapped: tracemalloc, track()). */
const char *hspy_pymalloc_why(int allocator, const char *current);
/* pymalloc's layout, as hspy_obmalloc.c walks it: the arena table (3.12+:
 * of one interpreter's obmalloc state; 3.10, 3.11: the static one found by
 * hspy_obm_static.c) and the sizes of pycore_obmalloc.h. */
typedef struct hspy_obm {
    const void *state;     /* the family's struct _obmalloc_state */
    size_t narenas;        /* arena objects in the table, used or not */
    size_t arena_size, pool_size, pool_overhead, max_block;
    unsigned align_shift;  /* block size = (szidx + 1) << align_shift */
} hspy_obm;
/* One pool's header fields. */
typedef struct hspy_obm_pool {
    unsigned count;        /* blocks allocated */
    unsigned szidx;        /* size class */
    unsigned nextoffset;   /* offset of the first never-used block */
    uintptr_t freeblock;   /* head of the chain of freed blocks (0 = none) */
} hspy_obm_pool;
/* NULL with *out filled when the arenas of interpreter `in` can be walked:
 * the family's table is found (3.12+: in the interpreter state; 3.10,
 * 3.11: by its shape, hspy_obm_static.c) and the object allocator is
 * pymalloc without debug hooks (PYTHONMALLOC unset, "default" or
 * "pymalloc"; a release build). Otherwise why not, a static string. */
const char *hspy_cpy_obm_open(PyInterpreterState *in, hspy_obm *out /* OUT */);
/* Arena i: its address (0 = this arena object holds none) and the end of
 * the pools carved from it so far. */
void hspy_cpy_obm_arena(const hspy_obm *m, size_t i, uintptr_t *address /* OUT */, uintptr_t *carved /* OUT */);
/* The header of the pool at `pool`. */
void hspy_cpy_obm_pool(uintptr_t pool, hspy_obm_pool *out /* OUT */);

/* tracemalloc: the allocation traceback of the block at `ptr` (a new
 * tuple, or NULL). The one call here that creates Python objects. */
PyObject *hspy_cpy_traceback(uintptr_t ptr);

#endif /* HSPY_CPY_H */
