/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy.h — internal declarations shared by the files of the
 * CPython extension heapsnap._heapsnap: the dump state (hspy_dump), the
 * visited set, the type table, text helpers, roots and sites. Nothing here
 * is public API; the Python-facing surface is dump/python/hspy_module.c.
 * See docs/python.md.
 *
 * The CPython internals it reads (GC lists, frames, dict layouts, inline
 * values, code objects) are behind the version layer hspy_cpy.h, one file
 * per CPython family; the extension is built for exactly one minor
 * version and checks it at import.
 */
#ifndef HSPY_H
#define HSPY_H

#include "hspy_cpy.h"

#include <structmember.h>

#include "heapsnap.h"
#include "hspy_cext.h"

static inline int hspy_is_gc(PyObject *o)
{
    PyTypeObject *tp = Py_TYPE(o);
    return PyType_IS_GC(tp) && (tp->tp_is_gc == NULL || tp->tp_is_gc(o));
}
static inline int hspy_is_tracked(PyObject *o) { return hspy_is_gc(o) && HSPY_GC(o)->next != 0; }
static inline PyMemberDef *hspy_heaptype_members(PyHeapTypeObject *ht)
{
    return (PyMemberDef *)((char *)ht + Py_TYPE(ht)->tp_basicsize);
}

#include <stdbool.h>
#include <stdint.h>

/* A pointer -> 64-bit value map (closure tuples, type table, sites). */
typedef struct hspy_map {
    uintptr_t *keys;
    uint64_t *vals;
    size_t cap, n;
} hspy_map;
int hspy_map_put(hspy_map *m, uintptr_t key, uint64_t val);
int hspy_map_get(const hspy_map *m, uintptr_t key, uint64_t *val /* OUT */);
void hspy_map_release(hspy_map *m);

/* ---- visited set: untracked objects and their in-degree (hspy_set.c) ----
 * Open addressing, one 64-bit word per slot: the address shifted right by 3
 * in the high bits, a saturating 18-bit reference count in the low bits.
 * Addresses that do not fit (not 8-aligned, above 2^48) and saturated counts
 * live in a small side map. The capacity is any size (hspy_set_slot). */
typedef struct hspy_set {
    uint64_t *slots;
    size_t cap, n;
    hspy_map odd;  /* addresses that do not pack: addr -> count + 1 */
    hspy_map over; /* saturated counts: addr -> count beyond the packed maximum */
} hspy_set;

int hspy_set_init(hspy_set *s, size_t expect);
void hspy_set_release(hspy_set *s);
/* Add `p` if absent (returns 1), else leave it (returns 0); -1 on no memory.
 * `inc` adds one to its reference count. */
int hspy_set_add(hspy_set *s, const void *p, int inc);
/* Reference count recorded for `p` (0 if absent). */
uint64_t hspy_set_count(const hspy_set *s, const void *p);
/* 1 if `p` is in the set (reached by the walk), else 0. */
int hspy_set_has(const hspy_set *s, const void *p);
/* Iterate: *pos starts at 0; returns 0 at the end. */
int hspy_set_next(const hspy_set *s, size_t *pos, uintptr_t *addr /* OUT */, uint64_t *count /* OUT */);
size_t hspy_set_bytes(const hspy_set *s);
/* The slot where `p`'s search starts (the hash of hspy_set.c), to prefetch
 * it a few references before hspy_set_add needs it. */
static inline size_t hspy_set_slot(uint64_t key, size_t cap)
{
    return (size_t)(((unsigned __int128)(key * UINT64_C(0x9E3779B97F4A7C15)) * cap) >> 64);
}
static inline void hspy_set_prefetch(const hspy_set *s, const void *p)
{
    __builtin_prefetch(&s->slots[hspy_set_slot((uint64_t)(uintptr_t)p >> 3, s->cap)]);
}
/* An object's first line and its GC header (which may lie on the line
 * before), fetched ahead of hspy_seen / emit. */
static inline void hspy_prefetch_obj(const void *o)
{
    __builtin_prefetch(o);
    __builtin_prefetch((const char *)o - 16);
}

/* ---- per-type information (hspy_types.c) ---- */
typedef enum hspy_kind {
    HK_OTHER = 0, HK_LIST, HK_TUPLE, HK_DICT, HK_STR, HK_INT, HK_FLOAT, HK_BYTES,
    HK_SET, HK_FUNCTION, HK_CELL, HK_METHOD, HK_CFUNC, HK_MODULE, HK_HEAPTYPE,
    HK_STATICTYPE, HK_CODE, HK_FRAME, HK_GEN, HK_WEAKREF, HK_INSTANCE
} hspy_kind;

typedef enum hspy_sizer {
    HZ_DEFAULT = 0, /* tp_basicsize + tp_itemsize * |ob_size| (object.__sizeof__) */
    HZ_STR, HZ_INT, HZ_BYTES, HZ_LIST, HZ_DICT, HZ_SET,
    HZ_CCALL        /* a C-level __sizeof__ of a builtin or extension type */
} hspy_sizer;

typedef struct hspy_type {
    uint32_t id;      /* writer type id */
    uint8_t kind;     /* hspy_kind */
    uint8_t cdata;    /* a ctypes CData type (hspy_ctypes.c) */
    uint8_t ndarray;  /* a numpy array type (hspy_numpy.c) */
    uint8_t ufunc;    /* numpy.ufunc (hspy_numpy.c) */
    uint8_t cext;     /* HSPY_CEXT_*: mmap, memoryview, described extension type (hspy_cext.h) */
    uint8_t sizer;    /* hspy_sizer */
    uint8_t finalizer;
    uint8_t subclass; /* a subclass of a builtin container: label by matching */
    uint16_t preheader; /* bytes before the object, as sys.getsizeof counts them */
    PyCFunction csizeof;
    const void *ext;  /* HSPY_CEXT_EXT: the type's heapsnap_ext_type record */
} hspy_type;

/* ---- the process's memory (hspy_mem.c) ---- */
#define HSPY_MEM_TAGS 6
/* Up to cap header tags: process_rss, malloc_arena, malloc_in_use,
 * malloc_mmap, pymalloc_arenas, pymalloc_arena_bytes (decimal; those this
 * platform and CPython family can read), with their
 * values in buf[]. Returns how many. */
size_t hspy_mem_tags(hs_tag *tags, char (*buf)[24], size_t cap);

/* ---- text (hspy_text.c) ---- */
#define HSPY_LABEL_MAX 64
#define HSPY_PREVIEW_MAX 64
/* UTF-8 of at most `maxchars` characters of `s` (an exact or sub str) into
 * buf (cap >= 4*maxchars+1), without allocating or caching anything on the
 * object; returns the byte length and sets *truncated. Lone surrogates
 * become U+FFFD. */
size_t hspy_utf8(PyObject *s, size_t maxchars, char *buf, size_t cap, int *truncated /* OUT */);
/* True if `s` is ASCII [A-Za-z_][A-Za-z0-9_]* of at most HSPY_LABEL_MAX chars. */
int hspy_is_identifier(PyObject *s);

/* ---- the dump state ---- */
#define HSPY_NC_BITS 10 /* C names: a few hundred distinct, met ~1.4 times per object */
#define HSPY_NC_SIZE (1u << HSPY_NC_BITS)
#define HSPY_CT_META 8
#define HSPY_SIGNALS_MAX 72 /* at least NSIG on Linux (65) */

typedef struct hspy_dump {
    hs_writer *w;
    PyTypeObject *ct_meta[HSPY_CT_META]; /* _ctypes' metatypes, when _ctypes is imported */
    int nct_meta;
    uint32_t t_ctbuf;   /* the type id of ctypes buffers, once one is written (0: none yet) */
    PyTypeObject *np_array; /* numpy's ndarray, when numpy 1.x is imported */
    PyTypeObject *np_ufunc; /* numpy.ufunc, when its layout is the one hspy_numpy.c reads */
    /* the Python signal handlers (signal.getsignal(), read just before the
     * walk; borrowed: the signal module holds them, and no Python code runs
     * until the walk ends), reported under <interpreter>.signal */
    struct {
        int signum;
        PyObject *handler;
    } signals[HSPY_SIGNALS_MAX];
    size_t nsignals;
    hspy_cext cext;     /* mmap, memoryview, described extension types (hspy_cext.h) */
    int values;    /* value previews and unrestricted dict-key labels */
    int tracebacks;
    PyInterpreterState *interp;
    PyThreadState *tstate;
    hspy_set set;
    /* pending untracked objects (explicit stack, no recursion) */
    PyObject **stack;
    size_t nstack, stack_cap;
    /* children of the current object (tp_traverse) and their labels */
    PyObject **kids;
    uint64_t *klabel;   /* per kid: a label, LBL_* encoding of hspy_walk.c (0 = none) */
    size_t nkids, kids_cap;
    /* types */
    hspy_map type_map;  /* PyTypeObject* -> index into types */
    hspy_type *types;
    size_t ntypes, types_cap;
    uint32_t t_interp, t_thread, t_frame; /* synthetic types */
    /* label cache: str object -> string id or HS_NONE (direct mapped) */
    uintptr_t *lc_key;
    uint32_t *lc_sid;
    /* names from C (literals, member names): char pointer -> string id
     * (direct mapped; the strings do not move while the GIL is held) */
    const char *nc_key[HSPY_NC_SIZE];
    uint32_t nc_sid[HSPY_NC_SIZE];
    /* closures: closure tuple -> code object; deferred cell tuples */
    hspy_map closures;
    PyObject **deferred;
    size_t ndeferred, deferred_cap;
    /* gc.garbage members (sorted) */
    uintptr_t *garbage;
    size_t ngarbage;
    hspy_map orphans;   /* blocks found only through tracked allocations (hspy_orphans.c) */
    uint64_t norphans;  /* of those, the ones left with a surplus refcount: an orphan root each */
    PyObject *own;      /* the dump's own argument (its path), never an orphan */
    int arenas;         /* search pymalloc's arenas for orphans too (dump(arenas=True)) */
    char orphan_from[40];        /* the tables searched, comma-separated ("" = none) */
    const char *arenas_skipped;  /* why the arenas were not searched when asked (static), or NULL */
    uint64_t arena_blocks, arena_bad_pools; /* live blocks walked; pools skipped as inconsistent */
    double orphan_seconds;       /* spent searching the tables (not walking what they found) */
    /* tracemalloc sites */
    hspy_map frame_ids; /* (filename ptr ^ line) -> frame id */
    hspy_map site_ids;  /* hash of frame ids -> site id  */
    /* interned strings used during the walk (created before it) */
    PyObject *s_module, *s_sizeof;
    PyCFunction object_sizeof;
    traverseproc subtype_traverse;
    /* results */
    uint64_t nobjects, nrefs, nbytes, nroots, nexternal;
    uint64_t novercount; /* objects with more references found than their refcount */
    size_t cursor;       /* label matching: where the next search starts */
    uint64_t peak_extra; /* bytes of C memory the walk held at its peak */
    hs_status st;         /* first writer error */
    int nomem;
    int pyerr;            /* a Python exception is set */
} hspy_dump;

/* Status checks: remember the first error, keep going cheaply. */
#define HSPY_W(d, call) do { if ((d)->st == HS_OK) { hs_status st_ = (call); if (st_ != HS_OK) (d)->st = st_; } } while (0)

/* hspy_types.c */
hspy_type *hspy_type_of(hspy_dump *d, PyTypeObject *tp);
uint64_t hspy_size_of(hspy_dump *d, PyObject *o, const hspy_type *t);
void hspy_types_release(hspy_dump *d);

/* ---- what numpy arrays hold (hspy_numpy.c) ---- */
/* Find numpy's ndarray, if numpy 1.x is imported (imports nothing); the
 * header tag's value into tag (cap bytes), or NULL when numpy is not imported. */
const char *hspy_numpy_init(PyTypeObject **np_array /* OUT */, PyTypeObject **np_ufunc /* OUT */, char *tag,
                            size_t cap);
int hspy_numpy_is_array_type(const hspy_dump *d, PyTypeObject *tp);
int hspy_numpy_is_ufunc_type(const hspy_dump *d, PyTypeObject *tp);
/* Ufunc o's loop list and user loops, as references. */
void hspy_numpy_ufunc_refs(hspy_dump *d, PyObject *o, uint64_t addr);
/* Array o's base and object elements, as references. */
void hspy_numpy_refs(hspy_dump *d, PyObject *o, uint64_t addr);

/* ---- memory that ctypes objects own (hspy_ctypes.c) ---- */
/* Find _ctypes' metatypes, if _ctypes is imported (imports nothing). */
void hspy_ctypes_init(hspy_dump *d);
int hspy_ctypes_is_cdata_type(const hspy_dump *d, PyTypeObject *tp);
/* Write the buffer CData object o (at addr) owns as a block it holds. */
void hspy_ctypes_buffer(hspy_dump *d, PyObject *o, uint64_t addr);

/* hspy_emit.c: the edge emitters the walk and the roots share.
 * Labels of a kid: 0 none, LBL_STR(sid) a string, LBL_IDX(i) an index. */
#define HSPY_LBL_NONE 0
#define HSPY_LBL_STR(sid) ((UINT64_C(1) << 62) | (uint64_t)(sid))
#define HSPY_LBL_IDX(i) ((UINT64_C(2) << 62) | (uint64_t)(i))
int hspy_emit_init(hspy_dump *d);
void hspy_nomem(hspy_dump *d);
/* Note a reference to `o`: count it if strong, queue `o` if untracked and
 * new (tracked objects are all met on the GC lists, and count in their GC
 * header: the fast path, inline). */
void hspy_seen_untracked(hspy_dump *d, PyObject *o, int strong);
static inline void hspy_seen(hspy_dump *d, PyObject *o, int strong)
{
    if (hspy_is_tracked(o)) {
        if (strong) HSPY_GC(o)->prev += (uintptr_t)1 << HSPY_GC_SHIFT;
        return;
    }
    hspy_seen_untracked(d, o, strong);
}
/* Prefetch for the reference `ahead` places on in a run being walked:
 * `far` is 8 ahead (its object is fetched), `near` is 4 ahead (its object
 * should have arrived: if it is not tracked, its visited-set slot is
 * fetched). Either may be NULL. */
static inline void hspy_prefetch_run(hspy_dump *d, PyObject *far, PyObject *near)
{
    if (far) hspy_prefetch_obj(far);
    if (near && !hspy_is_tracked(near)) hspy_set_prefetch(&d->set, near);
}
/* Write the edge from -> to with a label in the HSPY_LBL_ encoding. */
void hspy_write_ref(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint64_t label);
/* hspy_seen + hspy_write_ref: a reference counted towards the target's
 * in-degree when `strong`. */
void hspy_ref_obj(hspy_dump *d, uint64_t from, PyObject *to, hs_ref_kind kind, uint32_t label_sid);
void hspy_ref_obj_index(hspy_dump *d, uint64_t from, PyObject *to, uint64_t index);
/* Strong references from a list of named fields. */
void hspy_ref_named(hspy_dump *d, uint64_t from, const hspy_named *f, size_t n);
uint32_t hspy_label_sid(hspy_dump *d, PyObject *str);
/* The string id of a C name: `s` must not change during the dump (a
 * literal, a PyMemberDef name); ids are cached by pointer. */
uint32_t hspy_intern(hspy_dump *d, const char *s);

/* hspy_walk.c */
int hspy_walk(hspy_dump *d);

/* hspy_roots.c */
void hspy_roots_synthetic(hspy_dump *d);
void hspy_roots_modules(hspy_dump *d);
int hspy_is_runtime_object(hspy_dump *d, PyObject *o, const char **why /* OUT */);
void hspy_root_external(hspy_dump *d, PyObject *o, uint64_t found);

/* ---- objects held by C code only (hspy_track.c, hspy_orphans.c) ---- */
/* Live allocated blocks, copied out of a tracking table (C memory). */
typedef struct hspy_blocks {
    uintptr_t *addr;
    size_t *size;
    size_t n, cap;
    uint64_t lost; /* blocks the table could not record */
} hspy_blocks;
/* Copy heapsnap's own tracking set: 1 when tracking, 0 when not, -1 on no memory. */
int hspy_track_snapshot(hspy_blocks *out /* OUT */);
void hspy_blocks_release(hspy_blocks *b);
void hspy_track_stop(void);
PyObject *hspy_py_track(PyObject *module, PyObject *unused);
PyObject *hspy_py_untrack(PyObject *module, PyObject *unused);
PyObject *hspy_py_tracking(PyObject *module, PyObject *unused);
/* After the walk, before external holders: queue every live block of the
 * allocation tables (tracking set, tracemalloc's table, pymalloc's arenas
 * when d->arenas) that is a valid Python object the walk did not reach (an
 * orphan), and remember it in d->orphans. Returns 1 if a table was searched
 * (d->orphan_from names them), else 0. */
int hspy_orphans(hspy_dump *d);
/* Before the walk: drop what C caches hold unseen (the type cache) when an
 * orphan search will follow. */
void hspy_orphans_prepare(hspy_dump *d);

/* hspy_sites.c */
uint32_t hspy_site_of(hspy_dump *d, PyObject *o);

/* ---- the module (hspy_module.c) and its out-of-memory helpers ---- */
typedef struct hspy_module_state {
    traverseproc subtype_traverse;
    PyCFunction object_sizeof;
    int busy;            /* a dump is running (a finalizer or signal handler cannot reenter: no bytecode runs) */
    void *reserve;       /* hspy_reserve.c: address space held for a post-mortem dump */
    size_t reserve_size;
} hspy_module_state;

/* hspy_reserve.c: reserve(nbytes=None) -> bytes held; frees the reserve
 * when the module goes away. */
PyObject *hspy_py_reserve(PyObject *module, PyObject *args, PyObject *kw);
void hspy_reserve_release(hspy_module_state *ms);

/* hspy_pending.c: pending_call(fn) -> None; fn() runs in the main thread. */
PyObject *hspy_py_pending_call(PyObject *module, PyObject *fn);

#endif /* HSPY_H */
