/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_module.c — the module heapsnap._heapsnap and its one
 * function, dump(path, *, values, tracebacks, collect, level, fsync): opens
 * a writer, disables the collector, walks the heap with the GIL held
 * (hspy_walk.c), then commits the file with the GIL released and returns
 * the figures as a dict. See docs/python.md.
 */
#include "hspy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct module_state {
    traverseproc subtype_traverse;
    PyCFunction object_sizeof;
    int busy; /* a dump is running (a finalizer or signal handler cannot reenter: no bytecode runs) */
} module_state;

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
    hspy_map_release(&d->frame_ids);
    hspy_map_release(&d->site_ids);
    hspy_types_release(d);
}

static PyObject *raise_writer(const char *what, const hs_error *e, hs_status st)
{
    PyObject *exc = st == HS_ERR_NOMEM ? PyExc_MemoryError : st == HS_ERR_IO ? PyExc_OSError : PyExc_RuntimeError;
    PyErr_Format(exc, "heapsnap: %s: %s", what, e && e->message[0] ? e->message : hs_strerror(st));
    return NULL;
}

static PyObject *hs_dump(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"path", "values", "tracebacks", "collect", "level", "fsync", NULL};
    PyObject *pathb = NULL;
    int values = 0, tracebacks = 0, collect = 0, level = 3, fsync = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|$pppip", kwlist + 0, PyUnicode_FSConverter, &pathb, &values,
                                     &tracebacks, &collect, &level, &fsync))
        return NULL;
    module_state *ms = PyModule_GetState(module);
    PyInterpreterState *interp = PyInterpreterState_Get();
    if (ms->busy || interp->gc.collecting) {
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
    hs_tag tags[] = {{"values", values ? "on" : "off"}, {"tracebacks", tracebacks ? "on" : "off"}};
    hs_writer_options opt = {.producer = "heapsnap-python", .runtime = runtime, .tags = tags, .ntags = 2,
                             .level = level, .no_fsync = !fsync};
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
    d.tstate = PyThreadState_Get();
    d.subtype_traverse = ms->subtype_traverse;
    d.object_sizeof = ms->object_sizeof;
    d.s_module = PyUnicode_InternFromString("__module__");
    d.s_sizeof = PyUnicode_InternFromString("__sizeof__");
    if (!d.s_module || !d.s_sizeof) {
        hs_writer_abort(d.w);
        dump_release(&d);
        Py_DECREF(pathb);
        return NULL;
    }

    ms->busy = 1;
    int was_enabled = PyGC_Disable();
    double t0 = now();
    int rc = hspy_walk(&d);
    double t1 = now();
    if (was_enabled) PyGC_Enable();
    ms->busy = 0;

    uint64_t extra = d.peak_extra;
    dump_release(&d);
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
    hs_writer_set_end_tag(d.w, "complete", "yes");
    Py_BEGIN_ALLOW_THREADS
    st = hs_writer_close(d.w, &err);
    Py_END_ALLOW_THREADS
    double t2 = now();
    if (st != HS_OK) {
        Py_DECREF(pathb);
        return raise_writer("cannot write the snapshot", &err, st);
    }
    PyObject *res = Py_BuildValue("{sOsKsKsKsKsKsKsKsdsd}", "path", pathb, "objects", (unsigned long long)d.nobjects,
                                  "references", (unsigned long long)d.nrefs, "bytes",
                                  (unsigned long long)d.nbytes, "roots", (unsigned long long)d.nroots,
                                  "external", (unsigned long long)d.nexternal, "overcounted",
                                  (unsigned long long)d.novercount, "extra_bytes", (unsigned long long)extra,
                                  "seconds", t1 - t0, "total_seconds", t2 - t0);
    Py_DECREF(pathb);
    return res;
}

static int hs_exec(PyObject *module)
{
    module_state *ms = PyModule_GetState(module);
    PyObject *s = PyUnicode_InternFromString("__sizeof__");
    if (!s) return -1;
    PyObject *m = PyDict_GetItemWithError(PyBaseObject_Type.tp_dict, s);
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
    if (Py_Version >> 16 != PY_VERSION_HEX >> 16) {
        PyErr_Format(PyExc_ImportError, "heapsnap._heapsnap was built for CPython %d.%d, this is %s",
                     PY_MAJOR_VERSION, PY_MINOR_VERSION, Py_GetVersion());
        return -1;
    }
    if (PyModule_AddStringConstant(module, "FORMAT_LIB_VERSION", HS_LIB_VERSION_STRING) < 0) return -1;
    return 0;
}

static PyMethodDef hs_methods[] = {
    {"dump", (PyCFunction)(void (*)(void))hs_dump, METH_VARARGS | METH_KEYWORDS,
     "dump(path, *, values=False, tracebacks=False, collect=False, level=3, fsync=True) -> dict\n\n"
     "Write a .hsnap snapshot of every live object of this interpreter. See heapsnap.dump()."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot hs_slots[] = {
    {Py_mod_exec, (void *)hs_exec},
    {0, NULL},
};

static struct PyModuleDef hs_module = {
    PyModuleDef_HEAD_INIT, "heapsnap._heapsnap", "C heap walker of heapsnap (CPython 3.11).",
    sizeof(module_state), hs_methods, hs_slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__heapsnap(void);
PyMODINIT_FUNC PyInit__heapsnap(void) { return PyModuleDef_Init(&hs_module); }
