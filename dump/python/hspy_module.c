/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_module.c — the module heapsnap._heapsnap and its
 * function dump(path, *, values, tracebacks, collect, level, fsync, tags,
 * partial_ok, threads, arenas): opens a writer (header tags: values, tracebacks, then the
 * caller's tags such as trigger=…), disables the collector, walks the heap
 * with the GIL held (hspy_walk.c), then commits the file with the GIL
 * released and returns the figures as a dict. With partial_ok, a walk that
 * runs out of C memory still commits what it wrote, marked with the end tag
 * partial=out-of-memory. The module also carries reserve()
 * (hspy_reserve.c) and pending_call() (hspy_pending.c) for the post-mortem
 * triggers. See docs/python.md.
 */
#include "hspy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef hspy_module_state module_state;

#define HSPY_MAX_USER_TAGS 32

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void dump_release(hspy_dump *d)
{
    hspy_set_release(&d->set);
    free(d->stack);
    free(d->kids);
    free(d->klabel);
    free(d->lc_key);
    free(d->lc_sid);
    free(d->deferred);
    free(d->garbage);
    hspy_map_release(&d->closures);
    hspy_map_release(&d->orphans);
    hspy_map_release(&d->frame_ids);
    hspy_map_release(&d->site_ids);
    hspy_types_release(d);
    hspy_cext_release(d);
}

/* The Python-level signal handlers, for <interpreter>.signal: the C
 * runtime keeps them in an array the walk cannot see (a static of
 * Modules/signalmodule.c up to 3.11). Read through signal.getsignal() —
 * a C function, called before the walk, and only when the signal module
 * is imported — skipping SIG_DFL, SIG_IGN (ints) and None (a handler not
 * installed from Python). The references are dropped at once: the signal
 * module keeps the handlers, and nothing can replace one before the walk
 * ends (the GIL is held and no Python code runs). */
static void collect_signals(hspy_dump *d)
{
    d->nsignals = 0;
    PyObject *name = PyUnicode_InternFromString("_signal");
    PyObject *m = name ? PyImport_GetModule(name) : NULL; /* never imports */
    Py_XDECREF(name);
    PyObject *get = m ? PyObject_GetAttrString(m, "getsignal") : NULL;
    Py_XDECREF(m);
    for (int s = 1; get && s < HSPY_SIGNALS_MAX && d->nsignals < HSPY_SIGNALS_MAX; s++) {
        PyObject *h = PyObject_CallFunction(get, "i", s);
        if (!h) {
            PyErr_Clear(); /* not a signal number here */
            continue;
        }
        if (h != Py_None && !PyLong_Check(h)) {
            d->signals[d->nsignals].signum = s;
            d->signals[d->nsignals++].handler = h;
        }
        Py_DECREF(h);
    }
    Py_XDECREF(get);
    PyErr_Clear();
}

static PyObject *raise_writer(const char *what, const hs_error *e, hs_status st)
{
    PyObject *exc = st == HS_ERR_NOMEM ? PyExc_MemoryError : st == HS_ERR_IO ? PyExc_OSError : PyExc_RuntimeError;
    PyErr_Format(exc, "heapsnap: %s: %s", what, e && e->message[0] ? e->message : hs_strerror(st));
    return NULL;
}

/* The caller's header tags: a dict of str -> str, at most
 * HSPY_MAX_USER_TAGS, no NUL, not the keys the dump sets itself. The
 * strings point into the dict's str objects, which the caller keeps alive. */
static int user_tags(PyObject *dict, hs_tag *tags /* OUT */, size_t *n /* OUT */)
{
    *n = 0;
    if (!dict || dict == Py_None) return 0;
    if (!PyDict_Check(dict)) {
        PyErr_SetString(PyExc_TypeError, "heapsnap: tags must be a dict of str to str");
        return -1;
    }
    if (PyDict_GET_SIZE(dict) > HSPY_MAX_USER_TAGS) {
        PyErr_Format(PyExc_ValueError, "heapsnap: at most %d tags", HSPY_MAX_USER_TAGS);
        return -1;
    }
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        if (!PyUnicode_Check(k) || !PyUnicode_Check(v)) {
            PyErr_SetString(PyExc_TypeError, "heapsnap: tags must be a dict of str to str");
            return -1;
        }
        Py_ssize_t kl, vl;
        const char *ks = PyUnicode_AsUTF8AndSize(k, &kl), *vs = ks ? PyUnicode_AsUTF8AndSize(v, &vl) : NULL;
        if (!vs) return -1;
        if (!kl || strlen(ks) != (size_t)kl || strlen(vs) != (size_t)vl) {
            PyErr_SetString(PyExc_ValueError, "heapsnap: a tag key must be non-empty and tags cannot hold NUL");
            return -1;
        }
        if (!strcmp(ks, "values") || !strcmp(ks, "tracebacks") || !strcmp(ks, "process_rss") || !strcmp(ks, "numpy") ||
            !strncmp(ks, "malloc_", 7) || !strncmp(ks, "pymalloc_", 9)) {
            PyErr_Format(PyExc_ValueError, "heapsnap: the tag '%s' is set by the dump itself", ks);
            return -1;
        }
        tags[*n].key = ks;
        tags[*n].value = vs;
        (*n)++;
    }
    return 0;
}

static PyObject *hs_dump(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "values", "tracebacks", "collect", "level", "fsync", "tags", "partial_ok",
                             "threads", "arenas", NULL};
    PyObject *pathb = NULL, *tagdict = NULL;
    int values = 0, tracebacks = 0, collect = 0, level = 3, fsync = 1, partial_ok = 0, threads = 0, arenas = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$pppipOpip", kwlist + 0, PyUnicode_FSConverter, &pathb, &values,
                                     &tracebacks, &collect, &level, &fsync, &tagdict, &partial_ok, &threads,
                                     &arenas))
        return NULL;
    if (threads < 0 || threads > 8) {
        Py_DECREF(pathb);
        PyErr_SetString(PyExc_ValueError, "heapsnap: threads must be 0 to 8");
        return NULL;
    }
    hs_tag tags[3 + HSPY_MAX_USER_TAGS + HSPY_MEM_TAGS] = {{"values", values ? "on" : "off"},
                                                            {"tracebacks", tracebacks ? "on" : "off"}};
    char membuf[HSPY_MEM_TAGS][24];
    size_t nuser = 0;
    if (user_tags(tagdict, tags + 2, &nuser) < 0) {
        Py_DECREF(pathb);
        return NULL;
    }
    nuser += hspy_mem_tags(tags + 2 + nuser, membuf, HSPY_MEM_TAGS); /* before the walk's own allocations */
    char nptag[128];
    PyTypeObject *np_array = NULL, *np_ufunc = NULL;
    if (hspy_numpy_init(&np_array, &np_ufunc, nptag, sizeof nptag)) tags[2 + nuser++] = (hs_tag){"numpy", nptag};
    module_state *ms = PyModule_GetState(module);
    PyInterpreterState *interp = PyInterpreterState_Get();
    if (ms->busy || hspy_cpy_gc_collecting(interp)) {
        Py_DECREF(pathb);
        PyErr_SetString(PyExc_RuntimeError,
                        "heapsnap: cannot dump during a garbage collection or another dump");
        return NULL;
    }
    if (collect) PyGC_Collect();

    char runtime[64];
    snprintf(runtime, sizeof runtime, "CPython %.40s", Py_GetVersion());
    char *sp = strchr(runtime, ' ');
    if (sp && (sp = strchr(sp + 1, ' '))) *sp = 0;
    hs_writer_options opt = {.producer = "heapsnap-python", .runtime = runtime, .tags = tags, .ntags = 2 + nuser,
                             .level = level, .no_fsync = !fsync, .threads = threads};
    hspy_dump d;
    memset(&d, 0, sizeof d);
    hs_error err;
    hs_status st = hs_writer_open(PyBytes_AS_STRING(pathb), &opt, &d.w, &err);
    if (st != HS_OK) {
        Py_DECREF(pathb);
        return raise_writer("cannot open the snapshot", &err, st);
    }
    d.values = values;
    d.tracebacks = tracebacks;
    d.interp = interp;
    d.own = pathb;
    d.arenas = arenas;
    d.tstate = PyThreadState_Get();
    d.subtype_traverse = ms->subtype_traverse;
    d.object_sizeof = ms->object_sizeof;
    hspy_ctypes_init(&d);
    d.np_array = np_array;
    d.np_ufunc = np_ufunc;
    if (hspy_cext_init(&d) < 0) {
        hs_writer_abort(d.w);
        dump_release(&d);
        Py_DECREF(pathb);
        return NULL;
    }
    d.s_module = PyUnicode_InternFromString("__module__");
    d.s_sizeof = PyUnicode_InternFromString("__sizeof__");
    if (!d.s_module || !d.s_sizeof) {
        hs_writer_abort(d.w);
        dump_release(&d);
        Py_DECREF(pathb);
        return NULL;
    }

    collect_signals(&d);
    ms->busy = 1;
    int was_enabled = PyGC_Disable();
    double t0 = now();
    int rc = hspy_walk(&d);
    double t1 = now();
    if (was_enabled) PyGC_Enable();
    ms->busy = 0;

    uint64_t extra = d.peak_extra;
    dump_release(&d);
    /* Out of C memory in the walker while the writer itself is intact: keep
     * what was written, and say so in the trailer. */
    const char *partial = NULL;
    if (rc < 0 && partial_ok && d.nomem && d.st == HS_OK) {
        partial = "out-of-memory";
        rc = 0;
    }
    if (rc < 0) {
        const hs_error *we = hs_writer_error(d.w);
        hs_error copy = *we;
        hs_status code = d.nomem ? HS_ERR_NOMEM : d.st;
        hs_writer_abort(d.w);
        Py_DECREF(pathb);
        return raise_writer("dump failed", d.nomem ? NULL : &copy, code);
    }
    if (d.novercount) {
        char v[32];
        snprintf(v, sizeof v, "%llu", (unsigned long long)d.novercount);
        hs_writer_set_end_tag(d.w, "overcounted", v);
    }
    hspy_cext_end_tags(&d);
    /* the orphan search: the tables read, and why the arenas were not */
    if (d.orphan_from[0]) hs_writer_set_end_tag(d.w, "orphans_from", d.orphan_from);
    if (d.arenas_skipped) hs_writer_set_end_tag(d.w, "orphans_arenas_skipped", d.arenas_skipped);
    if (d.arena_bad_pools) {
        char v[32];
        snprintf(v, sizeof v, "%llu", (unsigned long long)d.arena_bad_pools);
        hs_writer_set_end_tag(d.w, "orphans_arenas_bad_pools", v);
    }
    if (partial) hs_writer_set_end_tag(d.w, "partial", partial);
    else hs_writer_set_end_tag(d.w, "complete", "yes");
    Py_BEGIN_ALLOW_THREADS
    st = hs_writer_close(d.w, &err);
    Py_END_ALLOW_THREADS
    double t2 = now();
    if (st != HS_OK) {
        Py_DECREF(pathb);
        return raise_writer("cannot write the snapshot", &err, st);
    }
    PyObject *res = Py_BuildValue("{sOszsKsKsKsKsKsKsKsdsd}", "path", pathb, "partial", partial, "objects", (unsigned long long)d.nobjects,
                                  "references", (unsigned long long)d.nrefs, "bytes",
                                  (unsigned long long)d.nbytes, "roots", (unsigned long long)d.nroots,
                                  "external", (unsigned long long)d.nexternal, "overcounted",
                                  (unsigned long long)d.novercount, "extra_bytes", (unsigned long long)extra,
                                  "seconds", t1 - t0, "total_seconds", t2 - t0);
    PyObject *norph = res ? PyLong_FromUnsignedLongLong(d.norphans) : NULL;
    if (res && (!norph || PyDict_SetItemString(res, "orphans", norph) < 0)) Py_CLEAR(res);
    Py_XDECREF(norph);
    PyObject *osec = res ? PyFloat_FromDouble(d.orphan_seconds) : NULL;
    if (res && (!osec || PyDict_SetItemString(res, "orphans_seconds", osec) < 0)) Py_CLEAR(res);
    Py_XDECREF(osec);
    PyObject *from = res ? PyUnicode_FromString(d.orphan_from) : NULL;
    if (res && (!from || PyDict_SetItemString(res, "orphans_from", from) < 0)) Py_CLEAR(res);
    Py_XDECREF(from);
    if (res && d.arenas_skipped) {
        PyObject *why = PyUnicode_FromString(d.arenas_skipped);
        if (!why || PyDict_SetItemString(res, "orphans_arenas_skipped", why) < 0) Py_CLEAR(res);
        Py_XDECREF(why);
    }
    Py_DECREF(pathb);
    return res;
}

static int hs_exec(PyObject *module)
{
    module_state *ms = PyModule_GetState(module);
    PyObject *s = PyUnicode_InternFromString("__sizeof__");
    if (!s) return -1;
    PyObject *m = PyDict_GetItemWithError(hspy_cpy_type_dict(&PyBaseObject_Type), s);
    Py_DECREF(s);
    if (!m || !Py_IS_TYPE(m, &PyMethodDescr_Type)) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ImportError, "heapsnap: object.__sizeof__ not found");
        return -1;
    }
    ms->object_sizeof = ((PyMethodDescrObject *)m)->d_method->ml_meth;
    /* subtype_traverse is static in CPython: read it off a throwaway class. */
    PyObject *ns = PyDict_New();
    PyObject *cls = ns ? PyObject_CallFunction((PyObject *)&PyType_Type, "s()O", "_heapsnap_probe", ns) : NULL;
    Py_XDECREF(ns);
    if (!cls) return -1;
    ms->subtype_traverse = ((PyTypeObject *)cls)->tp_traverse;
    Py_DECREF(cls);
    char built[16];
    snprintf(built, sizeof built, "%d.%d.", PY_MAJOR_VERSION, PY_MINOR_VERSION);
    if (strncmp(Py_GetVersion(), built, strlen(built)) != 0) {
        PyErr_Format(PyExc_ImportError, "heapsnap._heapsnap was built for CPython %d.%d, this is %s",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, Py_GetVersion());
        return -1;
    }
    if (hspy_cpy_init() < 0) return -1;
    if (PyModule_AddStringConstant(module, "FORMAT_LIB_VERSION", HS_LIB_VERSION_STRING) < 0) return -1;
    return 0;
}

static PyMethodDef hs_methods[] = {
    {"dump", (PyCFunction)(void (*)(void))hs_dump, METH_VARARGS | METH_KEYWORDS,
     "dump(path, *, values=False, tracebacks=False, collect=False, level=3, fsync=True, tags=None,\n"
     "     partial_ok=False, threads=0, arenas=False) -> dict\n\n"
     "Write a .hsnap snapshot of every live object of this interpreter. See heapsnap.dump()."},
    {"reserve", (PyCFunction)(void (*)(void))hspy_py_reserve, METH_VARARGS | METH_KEYWORDS,
     "reserve(nbytes=None) -> int\n\n"
     "Hold nbytes of address space for a post-mortem dump (0 releases it); returns the bytes held."},
    {"track", hspy_py_track, METH_NOARGS,
     "track() -> None\n\nRecord live object blocks (no tracebacks) so a dump finds objects held by C code only."},
    {"untrack", hspy_py_untrack, METH_NOARGS, "untrack() -> None\n\nStop track() and forget its blocks."},
    {"tracking", hspy_py_tracking, METH_NOARGS, "tracking() -> bool\n\nWhether track() is on."},
    {"pending_call", (PyCFunction)hspy_py_pending_call, METH_O,
     "pending_call(fn) -> None\n\nRun fn() in the main thread at its next bytecode boundary."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot hs_slots[] = {
    {Py_mod_exec, (void *)hs_exec},
    {0, NULL},
};

static void hs_free(void *module)
{
    module_state *ms = PyModule_GetState((PyObject *)module);
    if (ms) hspy_reserve_release(ms);
}

static struct PyModuleDef hs_module = {
    PyModuleDef_HEAD_INIT, "heapsnap._heapsnap", "C heap walker of heapsnap (CPython " PY_VERSION ").",
    sizeof(module_state), hs_methods, hs_slots, NULL, NULL, hs_free,
};

PyMODINIT_FUNC PyInit__heapsnap(void);
PyMODINIT_FUNC PyInit__heapsnap(void) { return PyModuleDef_Init(&hs_module); }
